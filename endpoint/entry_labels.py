"""Names and short descriptions of things, in the reader's language, for many things at once.

:func:`fetch_texts` reads the labels and descriptions of a list of IRIs from the store by pattern
(the IRIs come from earlier answers of the store or from our own constants; each is checked with
``ox.NamedNode``). :func:`pick` chooses the reader's language, then the other one, then a value
without a language, then anything."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ontology.namespaces import STANDARD_PREFIXES, prefixes
from ontology.text import local_name, pick_text

from .page_common import LANGS, Tagged, pick_in
from .store import ReleaseStore
from .vocab_labels import STANDARD

P = STANDARD_PREFIXES
# In order of preference: a thing named by several of these is called by the first.
LABEL_PREDICATES = (
    P["skos"] + "prefLabel",
    P["rdfs"] + "label",
    P["dcterms"] + "title",
    P["sh"] + "name",
    P["foaf"] + "name",
    P["schema"] + "name",
)
DESCRIPTION_PREDICATES = (
    P["dcterms"] + "description",
    P["skos"] + "definition",
    P["rdfs"] + "comment",
)
LABEL_NODES = tuple(ox.NamedNode(p) for p in LABEL_PREDICATES)
DESCRIPTION_NODES = tuple(ox.NamedNode(p) for p in DESCRIPTION_PREDICATES)
SHORT = 220  # characters of a description shown in a list

# What a page shows of each instance: its names and descriptions for each language and the
# language of each; an index built before they were in it has only the first two (the page then
# reads those from the store), as one built before their languages.
TEXT_COLUMNS = (
    "name_nl",
    "name_en",
    "desc_nl",
    "desc_en",
    "lang_name_nl",
    "lang_name_en",
    "lang_desc_nl",
    "lang_desc_en",
)


def pick(by_lang: dict[str, str], lang: str) -> str | None:
    """The value in ``lang``, else in the other language, else without language, else the one
    of the smallest language tag (as the build chooses, :func:`ontology.text.pick_text`)."""
    return pick_text(by_lang, lang, LANGS)


def curie(iri: str, base: str) -> str:
    """``kg:Product`` for a term in a known namespace, the IRI itself otherwise."""
    best, name = "", iri
    for prefix, ns in prefixes(base).items():
        if iri.startswith(ns) and len(ns) > len(best) and iri[len(ns) :]:
            best, name = ns, f"{prefix}:{iri[len(ns) :]}"
    return name


def short(text: str | None, limit: int = SHORT) -> str:
    """``text`` on one line, cut at ``limit`` characters; a :class:`Tagged` text keeps its
    language."""
    if not text:
        return ""
    flat = " ".join(text.split())
    cut = flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
    return Tagged(cut, text.lang) if isinstance(text, Tagged) else cut


@dataclass
class Texts:
    labels: dict[str, str] = field(default_factory=dict)  # language ("" for none) -> label
    descriptions: dict[str, str] = field(default_factory=dict)
    _rank: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def add(self, kind: str, rank: int, lang: str, value: str) -> None:
        target = self.labels if kind == "label" else self.descriptions
        old = self._rank.get((kind, lang))
        if old is None or rank < old or (rank == old and value < target[lang]):
            target[lang] = value
            self._rank[(kind, lang)] = rank

    def label(self, iri: str, lang: str) -> Tagged:
        """Always something to show: the label, a standard term's label, or the local name;
        marked with its language when that is not ``lang``."""
        found = pick_in(self.labels, lang)
        if found:
            return found
        std = STANDARD.get(iri)
        if std:
            return Tagged(std[0] if lang == "nl" else std[1])
        return Tagged(local_name(iri))

    def description(self, lang: str) -> Tagged | None:
        return pick_in(self.descriptions, lang)


def is_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


def values_block(iris: Iterable[str]) -> str:
    """``<a> <b> ...`` for a VALUES clause; every IRI is checked by ``ox.NamedNode``."""
    return " ".join(str(ox.NamedNode(i)) for i in iris)


def fetch_texts(
    reader: ReleaseStore, iris: Iterable[str], descriptions: bool = True
) -> dict[str, Texts]:
    """Labels and descriptions (``descriptions=False``: labels only) of ``iris``, read by
    pattern: one read per IRI and predicate (13 ms for the 50 members of a class page at 1M
    triples, against 25 ms for one SPARQL query with a VALUES block of the same pairs), in
    order of preference, and no further once both languages of the pages have one: a
    predicate further down the list cannot change what :meth:`Texts.label` or
    :meth:`Texts.description` then give in either."""
    wanted = [i for i in dict.fromkeys(iris) if is_iri(i)]
    out: defaultdict[str, Texts] = defaultdict(Texts)
    kinds = (("label", LABEL_NODES), ("description", DESCRIPTION_NODES))
    with reader.pinned():
        for iri in wanted:
            node = ox.NamedNode(iri)
            texts: Texts | None = None
            for kind, preds in kinds if descriptions else kinds[:1]:
                for rank, pred in enumerate(preds):
                    if texts is not None and _both(texts, kind):
                        break
                    for q in reader.quads(node, pred, None):
                        o = q.object
                        if isinstance(o, ox.Literal):
                            texts = out[iri]
                            texts.add(kind, rank, o.language or "", o.value)
    return out


def _both(texts: Texts, kind: str) -> bool:
    """Whether ``texts`` has a label (a description) in every language of the pages."""
    found = texts.labels if kind == "label" else texts.descriptions
    return all(lang in found for lang in LANGS)


def listed_texts(*row: str) -> Texts:
    """What the build chose to show (``ingest.search_index.Listing.shown``: the columns of
    :data:`TEXT_COLUMNS`) as :class:`Texts`: its ``label`` and ``description`` give the same,
    and in the same language, as for the texts read from the store."""
    name_nl, name_en, desc_nl, desc_en, *tags = row
    labels: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for target, text, tag in (
        (labels, name_nl, tags[0]),
        (labels, name_en, tags[1]),
        (descriptions, desc_nl, tags[2]),
        (descriptions, desc_en, tags[3]),
    ):  # an empty text too: as read from the store, it makes the page fall back to the IRI
        target.setdefault(tag, text)
    return Texts(labels=labels, descriptions=descriptions)
