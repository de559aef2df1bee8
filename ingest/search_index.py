"""The search index of a release: an SQLite FTS5 file written into the release's folder.

``kennisgraaf build`` writes ``<release>/search.sqlite`` from the loaded store before the
release is published, so the index moves with the store when ``current`` switches and goes with
it when the release is pruned or a failed build is discarded. The server opens it read-only
(``endpoint/search_index_reader.py``, which holds the query side of the same analysis).

What is indexed: every IRI with a label (``skos:prefLabel``, ``rdfs:label``, ``dcterms:title``,
``schema:name``, ``foaf:name``; any language), except SHACL shapes. Per resource three FTS
columns: ``label`` (all its labels), ``alias`` (``skos:altLabel``, ``skos:hiddenLabel``,
``skos:notation``) and ``descr`` (``dcterms:description``, ``skos:definition``,
``rdfs:comment``, ``schema:description``). Each column holds the words folded (no accents,
case-folded) and then, once each, the extra forms a reader may type: the Dutch and English
Snowball stems of every word, and the tail of a Dutch compound when that tail is a word of its
own elsewhere in the graph ("docentondersteuning" -> "ondersteuning").

Besides the FTS table: ``entry`` (what a result shows: labels and a short description per
language, its kinds), ``kind`` (the classes, with a label per language and a short key such as
``kg:Hub`` for the filter), ``entry_kind`` and ``exact`` (each label's folded and stemmed form,
for the "exact label" and "label begins with" ranks). ``entry`` is also indexed by IRI
(``entry_iri``): the pages read the labels of what they link to from it
(``endpoint/index_labels.py``).

The class listings (``listed_class``, ``member``, ``listing``; read by
``endpoint/class_listing.py``): per class its instances ranked by name per language and by
incoming links, and per instance the name and description a class page shows for each language
and the language each is in (a page marks a text in another language than its own), chosen by the
rules of ``endpoint.entry_labels.fetch_texts`` (so a page of 50 instances is one
indexed read instead of some 300 reads from the store).

The build adds, after this module, the links to the most linked-to things in the order of their
pages (``incoming_list``, ``incoming``: ``ingest/incoming_index.py``).
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ontology.namespaces import STANDARD_PREFIXES, prefixes
from ontology.text import (
    ANALYZER,
    SEARCH_INDEX_FILE,
    SEARCH_INDEX_FORMAT,
    fold,
    forms,
    local_name,
    pick_tagged,
    sort_name,
    stem_pair,
    stems,
    words,
)

FILENAME = SEARCH_INDEX_FILE
FORMAT = SEARCH_INDEX_FORMAT
DESCRIPTION_CHARS = 300

RDF_TYPE = STANDARD_PREFIXES["rdf"] + "type"
SKOS = STANDARD_PREFIXES["skos"]
RDFS = STANDARD_PREFIXES["rdfs"]
DCTERMS = STANDARD_PREFIXES["dcterms"]
SCHEMA = STANDARD_PREFIXES["schema"]
SH = STANDARD_PREFIXES["sh"]

LABELS = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", SCHEMA + "name")
LABELS_EXTRA = (STANDARD_PREFIXES["foaf"] + "name",)
ALIASES = (SKOS + "altLabel", SKOS + "hiddenLabel", SKOS + "notation")
SHOWN_ALIASES = (SKOS + "altLabel",)
# In order of preference for the short description a result shows.
DESCRIPTIONS = (
    DCTERMS + "description",
    SKOS + "definition",
    RDFS + "comment",
    SCHEMA + "description",
)
# The descriptions a class page shows, in order of preference
# (= endpoint.entry_labels.DESCRIPTION_PREDICATES).
SHOWN_DESCRIPTIONS = (DCTERMS + "description", SKOS + "definition", RDFS + "comment")
# The names the class pages sort by, in order of preference (= endpoint.entry_labels).
SORT_LABELS = (
    SKOS + "prefLabel",
    RDFS + "label",
    DCTERMS + "title",
    SH + "name",
    STANDARD_PREFIXES["foaf"] + "name",
    SCHEMA + "name",
)
SORT_LANGS = ("nl", "en")  # = endpoint.page_common.LANGS
SKIPPED_KINDS = frozenset({SH + "NodeShape", SH + "PropertyShape", SH + "Shape"})

# Labels of standard classes the ontology does not label itself (nl, en).
KIND_LABELS: dict[str, tuple[str, str]] = {
    SKOS + "Concept": ("begrip", "concept"),
    SKOS + "ConceptScheme": ("begrippenkader", "concept scheme"),
    STANDARD_PREFIXES["org"] + "Organization": ("organisatie", "organisation"),
    STANDARD_PREFIXES["org"] + "FormalOrganization": ("formele organisatie", "formal organisation"),
    STANDARD_PREFIXES["org"] + "OrganizationalUnit": ("organisatie-eenheid", "organisational unit"),
    STANDARD_PREFIXES["org"] + "Post": ("functie", "post"),
    STANDARD_PREFIXES["org"] + "Membership": ("lidmaatschap", "membership"),
    SCHEMA + "Organization": ("organisatie", "organisation"),
    SCHEMA + "EducationalOrganization": ("onderwijsinstelling", "educational organisation"),
    SCHEMA + "GovernmentOrganization": ("overheidsorganisatie", "government organisation"),
    SCHEMA + "Person": ("persoon", "person"),
    SCHEMA + "WebSite": ("website", "website"),
    SCHEMA + "Event": ("evenement", "event"),
    SCHEMA + "Project": ("project", "project"),
    SCHEMA + "Grant": ("subsidie", "grant"),
    STANDARD_PREFIXES["foaf"] + "Person": ("persoon", "person"),
    STANDARD_PREFIXES["owl"] + "Class": ("klasse", "class"),
    RDFS + "Class": ("klasse", "class"),
    STANDARD_PREFIXES["owl"] + "ObjectProperty": ("eigenschap (relatie)", "object property"),
    STANDARD_PREFIXES["owl"] + "DatatypeProperty": ("eigenschap (waarde)", "datatype property"),
    STANDARD_PREFIXES["owl"] + "AnnotationProperty": (
        "annotatie-eigenschap",
        "annotation property",
    ),
    STANDARD_PREFIXES["owl"] + "Ontology": ("ontologie", "ontology"),
    STANDARD_PREFIXES["rdf"] + "Property": ("eigenschap", "property"),
    STANDARD_PREFIXES["dcat"] + "Catalog": ("catalogus", "catalogue"),
    STANDARD_PREFIXES["dcat"] + "Dataset": ("dataset", "dataset"),
    STANDARD_PREFIXES["dcat"] + "Distribution": ("distributie", "distribution"),
    STANDARD_PREFIXES["prov"] + "Entity": ("entiteit", "entity"),
}


MIN_COMPOUND_PART = 4  # the shortest tail or head of a compound that counts as a word


def compound_tails(vocabulary: set[str]) -> dict[str, str]:
    """For each word that ends in another word of the vocabulary, its longest such tail."""
    tails: dict[str, str] = {}
    for w in vocabulary:
        if len(w) < 2 * MIN_COMPOUND_PART or not w.isalpha():
            continue
        for i in range(MIN_COMPOUND_PART, len(w) - MIN_COMPOUND_PART + 1):
            if w[i:] in vocabulary:
                tails[w] = w[i:]
                break
    return tails


def extra_forms(
    vocabulary: set[str], stemmed: set[str], tails: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """Per word, what else it is indexed as: its compound tail, and for a word of ``stemmed``
    (the words of labels and aliases) its stems and those of its tail."""
    out: dict[str, tuple[str, ...]] = {}
    for w in vocabulary:
        stem = w in stemmed
        forms = stems(w) if stem else ()
        tail = tails.get(w)
        if tail is not None:
            forms = (*forms, tail, *(stems(tail) if stem else ()))
        if forms:
            out[w] = forms
    return out


def column_text(ws: list[str], extras: dict[str, tuple[str, ...]]) -> str:
    """The words, then once each the extra forms that are not words of the text already."""
    seen = set(ws)
    extra: list[str] = []
    for w in ws:
        for f in extras.get(w, ()):
            if f not in seen:
                seen.add(f)
                extra.append(f)
    return " ".join(ws + extra)


class _Entity:
    __slots__ = ("labels", "aliases", "shown_aliases", "descriptions", "kinds")

    def __init__(self) -> None:
        self.labels: dict[str, list[str]] = {}  # language ('' for none) -> labels
        self.aliases: list[str] = []
        self.shown_aliases: list[str] = []
        self.descriptions: dict[str, dict[str, str]] = {}  # predicate -> language -> text
        self.kinds: list[str] = []


def _literals(store: ox.Store, predicate: str) -> Iterable[tuple[str, str, str]]:
    """(subject IRI, text, language) of every literal value of ``predicate``, in any graph.

    A SPARQL query reads about a third faster here than ``quads_for_pattern`` (fewer Python
    objects per statement)."""
    query = f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o FILTER(isIRI(?s) && isLiteral(?o)) }}"
    for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        o = row[1]
        yield row[0].value, o.value, o.language or ""


def collect(
    store: ox.Store, listing: Listing | None = None
) -> tuple[dict[str, _Entity], dict[str, dict[str, str]]]:
    """What the index holds, read from the store: entities by IRI, and the labels of classes.

    With ``listing``, the same passes also fill it (labels and ``rdf:type`` of every IRI)."""
    ents: dict[str, _Entity] = {}
    labels_by_iri: dict[str, dict[str, str]] = defaultdict(dict)
    searched = (*LABELS, *LABELS_EXTRA)
    if listing is not None:
        for pred in SORT_LABELS:
            if pred not in searched:
                for s, text, lang in _literals(store, pred):
                    listing.label(s, pred, text, lang)
    for pred in searched:
        for s, text, lang in _literals(store, pred):
            if listing is not None and pred in listing.rank:
                listing.label(s, pred, text, lang)
            text = text.strip()
            if not text:
                continue
            ent = ents.get(s)
            if ent is None:
                ent = ents[s] = _Entity()
            got = ent.labels.setdefault(lang, [])
            if text not in got:
                got.append(text)
            labels_by_iri[s].setdefault(lang, text)
    for pred in ALIASES:
        shown = pred in SHOWN_ALIASES
        for s, text, _lang in _literals(store, pred):
            ent = ents.get(s)
            if ent is not None and text.strip() and text not in ent.aliases:
                ent.aliases.append(text)
                if shown:
                    ent.shown_aliases.append(text)
    for pred in DESCRIPTIONS:
        for s, text, lang in _literals(store, pred):
            if listing is not None and pred in listing.described_by:
                listing.description(s, pred, text, lang)
            ent = ents.get(s)
            if ent is not None and text.strip():
                ent.descriptions.setdefault(pred, {}).setdefault(lang, text.strip())
    skipped: set[str] = set()
    types = f"SELECT ?s ?o WHERE {{ ?s <{RDF_TYPE}> ?o FILTER(isIRI(?s) && isIRI(?o)) }}"
    for row in store.query(types, use_default_graph_as_union=True):  # type: ignore[union-attr]
        subj = row[0].value
        kind = row[1].value
        if listing is not None:
            listing.members[kind].add(subj)
        ent = ents.get(subj)
        if ent is None:
            continue
        if kind in SKIPPED_KINDS:
            skipped.add(subj)
        elif kind not in ent.kinds:
            ent.kinds.append(kind)
    for iri in skipped:
        del ents[iri]
    return ents, labels_by_iri


class Listing:
    """What the class listings need: per IRI its best name and description per language (the
    first of :data:`SORT_LABELS` / :data:`SHOWN_DESCRIPTIONS`, then the smallest text), and per
    class the IRIs of its instances."""

    def __init__(self) -> None:
        self.rank = {p: n for n, p in enumerate(SORT_LABELS)}
        self.described_by = {p: n for n, p in enumerate(SHOWN_DESCRIPTIONS)}
        self.labels: dict[str, dict[str, tuple[int, str]]] = {}
        self.descriptions: dict[str, dict[str, tuple[int, str]]] = {}
        self.members: defaultdict[str, set[str]] = defaultdict(set)

    def label(self, iri: str, pred: str, text: str, lang: str) -> None:
        _keep_best(self.labels, iri, (self.rank[pred], text), lang)

    def description(self, iri: str, pred: str, text: str, lang: str) -> None:
        _keep_best(self.descriptions, iri, (self.described_by[pred], text), lang)

    def shown(self, iri: str) -> tuple[str, ...]:
        """The name and description a class page shows to readers of Dutch and of English
        (``endpoint.entry_labels.Texts``; ``""``: none, the page falls back to the IRI), then
        the language of each of the four (``""``: none; the page marks a text in another
        language than its own)."""
        names = {tag: text for tag, (_rank, text) in self.labels.get(iri, {}).items()}
        descs = {tag: text for tag, (_rank, text) in self.descriptions.get(iri, {}).items()}
        picked = [
            pick_tagged(texts, lang, SORT_LANGS) or ("", "")
            for texts in (names, descs)
            for lang in SORT_LANGS
        ]
        return (*(text for text, _tag in picked), *(tag for _text, tag in picked))

    def sort_name(self, iri: str, lang: str) -> str:
        """What ``iri`` sorts by for a reader of ``lang`` (as ``endpoint.entry_labels.pick``):
        the name in ``lang``, else the other language, else without language, else any."""
        best = self.labels.get(iri, {})
        return sort_name({tag: text for tag, (_rank, text) in best.items()}, iri, lang, SORT_LANGS)


def _keep_best(
    best: dict[str, dict[str, tuple[int, str]]], iri: str, new: tuple[int, str], lang: str
) -> None:
    """Keeps the better of ``new`` and what ``iri`` has in ``lang``: the predicate first in the
    order of preference, then the smallest text (as ``endpoint.entry_labels.Texts.add``)."""
    got = best.setdefault(iri, {})
    old = got.get(lang)
    if old is None or new < old:
        got[lang] = new


# How many distinct subjects refer to each instance, in any graph (what sort=links counts). Only
# the instances: 5.0 s against 7.6 s for every IRI object of the 1M-triple benchmark graph.
INCOMING = """
SELECT ?o (COUNT(DISTINCT ?x) AS ?n) WHERE {
  { SELECT DISTINCT ?o WHERE { ?o a ?c FILTER(isIRI(?o)) } }
  ?x ?p ?o
} GROUP BY ?o
"""

LISTING_SCHEMA = """
CREATE TABLE listed_class (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, n INTEGER NOT NULL);
CREATE TABLE member (
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL, sort_nl TEXT NOT NULL, sort_en TEXT NOT NULL,
    rank_nl INTEGER NOT NULL, rank_en INTEGER NOT NULL, links INTEGER NOT NULL,
    name_nl TEXT NOT NULL, name_en TEXT NOT NULL, desc_nl TEXT NOT NULL, desc_en TEXT NOT NULL,
    lang_name_nl TEXT NOT NULL, lang_name_en TEXT NOT NULL,
    lang_desc_nl TEXT NOT NULL, lang_desc_en TEXT NOT NULL);
CREATE TABLE listing (
    class INTEGER NOT NULL, member INTEGER NOT NULL,
    pos_label_nl INTEGER NOT NULL, pos_label_en INTEGER NOT NULL,
    pos_links_nl INTEGER NOT NULL, pos_links_en INTEGER NOT NULL,
    pos_most_nl INTEGER NOT NULL, pos_most_en INTEGER NOT NULL,
    PRIMARY KEY (class, member)) WITHOUT ROWID;
"""

# Made after the rows are in (faster than keeping them up to date row by row). member_iri: the
# names and descriptions of given things, for the topic pages (endpoint/class_listing.texts_of).
LISTING_INDEXES = """
CREATE UNIQUE INDEX member_iri ON member (iri);
CREATE INDEX listing_nl ON listing (class, pos_label_nl);
CREATE INDEX listing_en ON listing (class, pos_label_en);
CREATE INDEX listing_links_nl ON listing (class, pos_links_nl);
CREATE INDEX listing_links_en ON listing (class, pos_links_en);
CREATE INDEX listing_most_nl ON listing (class, pos_most_nl);
CREATE INDEX listing_most_en ON listing (class, pos_most_en);
"""


def incoming_links(store: ox.Store) -> dict[str, int]:
    res = store.query(INCOMING, use_default_graph_as_union=True)
    return {row[0].value: int(row[1].value) for row in res}  # type: ignore[union-attr]


def write_listing(db: sqlite3.Connection, listing: Listing, links: dict[str, int]) -> int:
    """The tables of the class listings (see the module's docstring); returns the row count.

    Members are numbered in IRI order and sorted stably, so equal names keep IRI order."""
    iris = sorted(set[str]().union(*listing.members.values()))
    ids = {iri: n for n, iri in enumerate(iris, start=1)}
    keys = {lang: [listing.sort_name(iri, lang) for iri in iris] for lang in SORT_LANGS}
    ranks: dict[str, list[int]] = {}
    for lang, ks in keys.items():
        rank = [0] * len(iris)
        for place, i in enumerate(sorted(range(len(iris)), key=ks.__getitem__)):
            rank[i] = place
        ranks[lang] = rank
    nl, en = ranks["nl"], ranks["en"]
    counts = [links.get(iri, 0) for iri in iris]
    db.executescript(LISTING_SCHEMA)
    db.executemany(
        "INSERT INTO member VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (i + 1, iri, keys["nl"][i], keys["en"][i], nl[i], en[i], counts[i], *listing.shown(iri))
            for i, iri in enumerate(iris)
        ),
    )
    classes = sorted(listing.members)
    db.executemany(
        "INSERT INTO listed_class VALUES (?, ?, ?)",
        ((c, iri, len(listing.members[iri])) for c, iri in enumerate(classes, start=1)),
    )
    rows = 0
    for c, iri in enumerate(classes, start=1):
        members = sorted(ids[m] - 1 for m in listing.members[iri])
        # each member's place in the class in each order (a page is then a range, not an OFFSET)
        places = [
            _places(members, key)
            for key in (
                nl.__getitem__,
                en.__getitem__,
                lambda i: (counts[i], nl[i]),
                lambda i: (counts[i], en[i]),
                lambda i: (-counts[i], nl[i]),
                lambda i: (-counts[i], en[i]),
            )
        ]
        db.executemany(
            "INSERT INTO listing VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((c, i + 1, *(p[i] for p in places)) for i in members),
        )
        rows += len(members)
    db.executescript(LISTING_INDEXES)
    return rows


def _places(members: list[int], key: Callable[[int], Any]) -> dict[int, int]:
    """Member -> its place (from 0) among ``members`` in the order of ``key``."""
    return {m: place for place, m in enumerate(sorted(members, key=key))}


def _pick(by_lang: dict[str, str], lang: str) -> str:
    return by_lang.get(lang, "")


def _first(labels: dict[str, list[str]], lang: str) -> str:
    got = labels.get(lang)
    return got[0] if got else ""


def _description(ent: _Entity, lang: str) -> str:
    for pred in DESCRIPTIONS:
        text = ent.descriptions.get(pred, {}).get(lang)
        if text:
            return _short(text)
    return ""


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    cut = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + " …"


def _kind_key(iri: str, base: str, taken: set[str]) -> str:
    """A short, stable name for the filter: ``kg:Hub``, ``skos:Concept``, else the IRI."""
    best = iri
    for prefix, ns in prefixes(base).items():
        local = iri[len(ns) :]
        if iri.startswith(ns) and local and "/" not in local and "#" not in local:
            candidate = f"{prefix}:{local}"
            if len(candidate) < len(best):
                best = candidate
    return best if best not in taken else iri


def write_index(store: ox.Store, path: Path, base: str) -> dict[str, int]:
    """Write the search index of ``store`` to ``path`` (replacing it); returns counts."""
    listing = Listing()
    # Oxigraph counts the incoming links without the GIL while Python reads the rest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        counting = pool.submit(incoming_links, store)
        ents, labels_by_iri = collect(store, listing)
        links = counting.result()

    vocabulary: set[str] = set()
    named: set[str] = set()
    texts: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for iri, ent in ents.items():
        lw = [w for ls in ent.labels.values() for text in ls for w in words(text)]
        aw = [w for text in ent.aliases for w in words(text)]
        dw = [w for texts_ in ent.descriptions.values() for t in texts_.values() for w in words(t)]
        texts[iri] = (lw, aw, dw)
        named.update(lw)
        named.update(aw)
        vocabulary.update(dw)
    vocabulary |= named
    tails = compound_tails({w for w in vocabulary if len(w) >= MIN_COMPOUND_PART})
    extras = extra_forms(vocabulary, named, tails)

    kind_ids: dict[str, int] = {}
    kind_counts: dict[str, int] = defaultdict(int)
    for ent in ents.values():
        for k in ent.kinds:
            kind_counts[k] += 1
            kind_ids.setdefault(k, len(kind_ids) + 1)

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA page_size = 8192;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE kind (
                id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, key TEXT NOT NULL UNIQUE,
                label_nl TEXT NOT NULL, label_en TEXT NOT NULL, n INTEGER NOT NULL);
            CREATE TABLE entry (
                id INTEGER PRIMARY KEY, iri TEXT NOT NULL,
                label_nl TEXT NOT NULL, label_en TEXT NOT NULL, label_any TEXT NOT NULL,
                aliases TEXT NOT NULL,
                desc_nl TEXT NOT NULL, desc_en TEXT NOT NULL, desc_any TEXT NOT NULL,
                kinds TEXT NOT NULL, sort_len INTEGER NOT NULL, sort_key TEXT NOT NULL,
                label_any_lang TEXT NOT NULL, desc_any_lang TEXT NOT NULL);
            CREATE TABLE entry_kind (kind INTEGER NOT NULL, entry INTEGER NOT NULL,
                PRIMARY KEY (kind, entry)) WITHOUT ROWID;
            CREATE INDEX entry_kind_entry ON entry_kind (entry);
            CREATE TABLE exact (norm TEXT NOT NULL, entry INTEGER NOT NULL,
                PRIMARY KEY (norm, entry)) WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(
                label, alias, descr, tokenize = 'unicode61 remove_diacritics 2');
            """
        )
        taken: set[str] = set()
        kind_rows = []
        for iri, kid in kind_ids.items():
            key = _kind_key(iri, base, taken)
            taken.add(key)
            own = labels_by_iri.get(iri, {})
            fallback = KIND_LABELS.get(iri, ("", ""))
            nl = _pick(own, "nl") or fallback[0] or _pick(own, "") or local_name(iri)
            en = _pick(own, "en") or fallback[1] or _pick(own, "") or local_name(iri)
            kind_rows.append((kid, iri, key, nl, en, kind_counts[iri]))
        db.executemany("INSERT INTO kind VALUES (?, ?, ?, ?, ?, ?)", kind_rows)

        entry_rows = []
        fts_rows = []
        kind_links = []
        exact_rows: set[tuple[str, int]] = set()
        for n, (iri, ent) in enumerate(sorted(ents.items()), start=1):
            # without a language, else the first in another (the page marks its language)
            label_any, label_any_lang = (_first(ent.labels, ""), "")
            if not label_any:
                label_any, label_any_lang = next(
                    ((ls[0], lang) for lang, ls in sorted(ent.labels.items()) if ls), ("", "")
                )
            desc_any, desc_any_lang = (_description(ent, ""), "")
            if not desc_any:
                desc_any, desc_any_lang = next(
                    (
                        (_short(t), lang)
                        for p in DESCRIPTIONS
                        for lang, t in sorted(ent.descriptions.get(p, {}).items())
                    ),
                    ("", ""),
                )
            shown = _first(ent.labels, "nl") or _first(ent.labels, "en") or label_any
            kids = [kind_ids[k] for k in ent.kinds]
            entry_rows.append(
                (
                    n,
                    iri,
                    _first(ent.labels, "nl"),
                    _first(ent.labels, "en"),
                    label_any,
                    "\x1f".join(ent.shown_aliases[:5]),
                    _description(ent, "nl"),
                    _description(ent, "en"),
                    desc_any,
                    " ".join(map(str, kids)),
                    len(shown),
                    fold(shown),
                    label_any_lang,
                    desc_any_lang,
                )
            )
            lw, aw, dw = texts[iri]
            fts_rows.append(
                (n, column_text(lw, extras), column_text(aw, extras), column_text(dw, extras))
            )
            kind_links += [(k, n) for k in kids]
            for ls in ent.labels.values():
                for text in ls:
                    exact_rows.update((form, n) for form in forms(words(text)))
        db.executemany(
            "INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entry_rows
        )
        # the pages read the labels of what they link to by IRI (endpoint.index_labels)
        db.execute("CREATE UNIQUE INDEX entry_iri ON entry (iri)")
        db.executemany("INSERT INTO fts (rowid, label, alias, descr) VALUES (?, ?, ?, ?)", fts_rows)
        db.executemany("INSERT INTO entry_kind VALUES (?, ?)", sorted(set(kind_links)))
        db.executemany("INSERT INTO exact VALUES (?, ?)", sorted(exact_rows))
        db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        listed = write_listing(db, listing, links)
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("analyzer", ANALYZER),
                ("base_iri", base),
                ("entries", str(len(entry_rows))),
                ("listed", str(listed)),
            ],
        )
        db.execute(f"PRAGMA user_version = {FORMAT}")
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)
    stem_pair.cache_clear()
    return {
        "entries": len(entry_rows),
        "kinds": len(kind_rows),
        "classes": len(listing.members),
        "listed": listed,
    }
