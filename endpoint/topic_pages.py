"""``/thema/{slug}``, ``/doelgroep/{slug}`` and their indexes ``/themas``, ``/doelgroepen``.

A topic page brings together what the graph says about one concept of the scheme ``thema``
(through ``dcterms:subject``) or ``doelgroep`` (through ``kg:targetGroup``): the concept's name,
definition and broader and narrower concepts, then its actors, products, evidence (evidence
items with kind, strength and source; claims with the evidence that supports them) and the rest,
grouped and counted. Evidence or a claim without a theme (target group) of its own counts
through what it is about (``kg:about``), as in ``queries/bewijs-per-thema-en-sterkte.rq``; the
page says so ("via ...").

Each kind of member (a class: hubs, products, evidence items, ...) shows :data:`PAGE_SIZE` rows
at a time, in the order of their names (evidence items: strongest first); ``?kind=<class
IRI>&page=N`` pages through one kind, as ``?in=&page=`` does for the links to an entity. A theme
of the 1M-triple benchmark graph has about 1,600 members: unpaged, its page was 470 KB.

Per page: one query for the concept; from the build's list (``endpoint/topic_index.py``) how
many members show under each class, then for each class the rows the page shows of it, in the
order the build gave them (``ontology/topic_sections.py``) and with their names, and the details
(kind, strength, source, support) of the evidence shown in one more query; the names and
descriptions of what the page shows from the class listing (``endpoint/class_listing.py``).
After a write, and for a topic the list does not order, the members are read by pattern (see
:meth:`TopicView.members_from_store`), the details of all their evidence with one SPARQL query
(their strength orders the evidence items), the names from the store, and the page groups and
sorts them by the same rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from ontology.evidence_fields import FIELDS_OF_E
from ontology.iris import concept_iri, is_slug, scheme_iri
from ontology.namespaces import STANDARD_PREFIXES, prefixes, sparql_prologue
from ontology.text import local_name, sort_key
from ontology.topic_sections import (
    SECTIONS,
    class_place,
    member_order,
    section_of,
    strength_notation,
)

from .class_listing import texts_of
from .class_pages import parse_class
from .entry_common import BadInput, Page, page_number, param
from .entry_labels import Texts, pick_in, short, values_block
from .page_common import Tagged, lang_attr, templates
from .topic_index import IndexedTopics, Listing
from .ui_text import fill, texts

router = APIRouter()
P = STANDARD_PREFIXES
MAX_SLUG = 200
PAGE_SIZE = 25  # rows of one kind of member shown at once (as the links to an entity)
RDF_TYPE = ox.NamedNode(P["rdf"] + "type")


@dataclass(frozen=True)
class Topic:
    scheme: str  # the concept scheme's id, as in begrippen.yaml
    property: str  # "dcterms:subject" or "kg:targetGroup"
    path: str  # "/thema"
    index: str  # "/themas"
    word: str  # key in ui_text for one of them
    index_word: str  # key in ui_text for the index
    intro: str  # key in ui_text for the index's introduction

    def prop_iri(self, base: str) -> str:
        prefix, _, local = self.property.partition(":")
        return prefixes(base)[prefix] + local


THEMA = Topic(
    "thema", "dcterms:subject", "/thema", "/themas", "theme", "themes_title", "themes_intro"
)
DOELGROEP = Topic(
    "doelgroep",
    "kg:targetGroup",
    "/doelgroep",
    "/doelgroepen",
    "target_group",
    "target_groups_title",
    "target_groups_intro",
)

CONCEPT = """
SELECT ?rel ?x ?o $concept $scheme WHERE {
  $concept skos:inScheme $scheme .
  {
    $concept ?rel ?o VALUES ?rel { skos:prefLabel skos:altLabel skos:definition }
  } UNION {
    { $concept skos:broader ?x } UNION { ?x skos:narrower $concept }
    BIND(skos:broader AS ?rel)
  } UNION {
    { ?x skos:broader $concept } UNION { $concept skos:narrower ?x }
    BIND(skos:narrower AS ?rel)
  }
}
"""

# the fields of the evidence items and claims of a VALUES block (``%s``)
EVIDENCE = "SELECT ?e ?field ?v ?w WHERE {\n  VALUES ?e { %s }" + FIELDS_OF_E + "}\n"

INDEX = """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) $scheme $prop WHERE {
  ?c skos:inScheme $scheme .
  OPTIONAL { ?s $prop ?c }
} GROUP BY ?c $scheme $prop
"""


@dataclass(slots=True)
class Member:
    iri: str
    classes: set[str] = field(default_factory=set)
    via: set[str] = field(default_factory=set)
    fields: dict[str, set[str]] = field(default_factory=dict)
    supporter_strength: dict[str, str] = field(default_factory=dict)
    name: Tagged | None = None  # in the reader's language (else marked), once known


@dataclass(slots=True)
class Linked:
    """A thing shown as a link (attributes, not a dict: the template reads thousands of them)."""

    href: str
    label: str
    strength: Linked | None = None  # of evidence that supports a claim: its strength

    def __html__(self) -> str:
        """The link as HTML (``{{ linked }}``, and the ``links`` filter): made here, not by a
        Jinja macro, whose call costs ten times as much (four per evidence row)."""
        return f'<a href="{escape(self.href)}"{lang_attr(self.label)}>{escape(self.label)}</a>'


def links(items: list[Linked]) -> Markup:
    """``items`` as links separated by semicolons (the ``links`` filter of the template)."""
    return Markup("; ").join(items)


templates.env.filters["links"] = links


@dataclass(slots=True)
class Row:
    """A member as its section shows it; the last four for evidence items and claims."""

    href: str
    label: str
    description: str | None
    via: list[Linked]
    kinds: list[Linked] = field(default_factory=list)
    strengths: list[Linked] = field(default_factory=list)
    sources: list[Linked] = field(default_factory=list)
    supported_by: list[Linked] = field(default_factory=list)


@dataclass(slots=True)
class Group:
    """The members shown under one class: the rows of one page of them."""

    kind: str  # "items" (evidence items), "claims" or "plain"
    label: str
    rows: list[Row]
    count: int
    anchor: str
    page: int
    pages: int
    first: int
    last: int
    prev_url: str | None
    next_url: str | None


@dataclass(slots=True)
class Section:
    id: str
    groups: list[Group]
    count: int


def _notation(m: Member) -> str | None:
    """The notation of an evidence item's strength (digits; higher is stronger), if any."""
    return strength_notation(m.fields.get("notation", ()))


def _pages(rows: int) -> int:
    return max(1, math.ceil(rows / PAGE_SIZE))


class PageBeyond(BadInput):
    """A page number past the last page of a kind: ``last`` is the URL of its last page."""

    def __init__(self, last: str, **values: Any) -> None:
        super().__init__("err_topic_page_beyond", **values)
        self.last = last


class TopicView:
    """Builds the context of one topic page."""

    def __init__(
        self,
        view: Page,
        topic: Topic,
        concept: str,
        indexed: IndexedTopics,
    ) -> None:
        self.view = view
        self.indexed = indexed
        self.topic = topic
        self.concept = concept
        self.prologue = sparql_prologue(view.base)
        self.scheme = scheme_iri(view.base, topic.scheme)
        kg = prefixes(view.base)["kg"]
        self.about = ox.NamedNode(kg + "about")
        self.evidence_kinds = (
            ox.NamedNode(kg + "EvidenceItem"),
            ox.NamedNode(kg + "EvidenceClaim"),
        )
        self.subs = {
            ox.Variable("concept"): ox.NamedNode(concept),
            ox.Variable("scheme"): ox.NamedNode(self.scheme),
            ox.Variable("prop"): ox.NamedNode(topic.prop_iri(view.base)),
        }

    def select(self, query: str, *names: str) -> list[dict[str, Any]]:
        subs = {k: v for k, v in self.subs.items() if k.value in names}
        return self.view.reader.select(self.prologue + query, subs)

    def topic_link(self, iri: str) -> str:
        prefix = scheme_iri(self.view.base, self.topic.scheme) + "/"
        slug = iri[len(prefix) :] if iri.startswith(prefix) else ""
        return self.view.url(f"{self.topic.path}/{slug}") if is_slug(slug) else self.view.link(iri)

    def build(self, kind: str | None = None, page: int = 1) -> dict[str, object] | None:
        """The page's context, showing page ``page`` of the members of class ``kind`` (and the
        first page of every other kind); ``None`` when the concept is not in the scheme.
        Raises :class:`BadInput` for a ``kind`` that is not on the page, :class:`PageBeyond`
        for a page past its last."""
        rows = self.select(CONCEPT, "concept", "scheme")
        if not rows:
            return None
        own: dict[str, Texts] = {"label": Texts(), "alt": Texts(), "def": Texts()}
        related: dict[str, set[str]] = {"broader": set(), "narrower": set()}
        names = {P["skos"] + "prefLabel": "label", P["skos"] + "altLabel": "alt"}
        for r in rows:
            rel = r["rel"].value if r["rel"] else ""
            if r["x"] is not None:
                related["broader" if rel.endswith("broader") else "narrower"].add(r["x"].value)
            elif r["o"] is not None:
                text = names.get(rel, "def")
                lang = getattr(r["o"], "language", None) or ""
                if text == "alt":
                    own["alt"].labels.setdefault(lang + "\x1f" + r["o"].value, r["o"].value)
                else:
                    own[text].add("label", 0, lang, r["o"].value)
        prop = self.subs[ox.Variable("prop")].value
        listing = self.indexed.listing(self.concept, prop)
        if listing is not None:
            counts = self.class_counts(listing.counts)
            chosen = self.chosen_pages(counts, kind, page)
            on_page = self.listed_rows(listing, chosen)
        if listing is None or on_page is None:
            members = self.members_from_store()
            # their strength orders the evidence items: the details of all of them
            self.evidence_details([m for m in members.values() if self.is_evidence(m)])
            self.name_members(members)
            groups = self.grouped(members)
            counts = {cls: len(rows) for cls, rows in groups.items()}
            chosen = self.chosen_pages(counts, kind, page)
            on_page = {cls: self.page_of(rows, chosen[cls]) for cls, rows in groups.items()}
        else:  # the strengths came with the rows: the details of those shown only
            shown_evidence = [m for rows in on_page.values() for m in rows]
            self.evidence_details([m for m in shown_evidence if self.is_evidence(m)], True)
        shown: set[str] = {*counts, *related["broader"], *related["narrower"]}
        for of_cls in on_page.values():
            for m in of_cls:
                shown.add(m.iri)
                shown |= m.via
                for name, values in m.fields.items():
                    if name not in ("notation", "supports"):  # not shown
                        shown |= values
                shown |= set(m.supporter_strength.values())
        txt = texts_of(self.view.reader, sorted(shown))
        lang = self.view.lang
        alt_wanted = [v for k, v in own["alt"].labels.items() if k.split("\x1f")[0] in (lang, "")]
        return {
            "concept": self.concept,
            "concept_href": self.view.link(self.concept),
            "label": own["label"].label(self.concept, lang),
            "alt_labels": sorted(set(alt_wanted)),
            "definition": pick_in(own["def"].labels, lang),
            "broader": self.linked(related["broader"], txt),
            "narrower": self.linked(related["narrower"], txt),
            "sections": self.sections(counts, chosen, on_page, txt),
        }

    def class_counts(self, counts: dict[str, int]) -> dict[str, int]:
        """``counts`` (class -> members shown under it) in the order the page shows them."""
        base = self.view.base
        return {cls: counts[cls] for cls in sorted(counts, key=lambda c: class_place(c, base))}

    def chosen_pages(self, counts: dict[str, int], kind: str | None, page: int) -> dict[str, int]:
        """The page shown of each class: ``page`` of ``kind``, the first of the others. Raises
        :class:`BadInput` for a ``kind`` that is not on the page, :class:`PageBeyond` for a
        page past its last."""
        if kind is not None and kind not in counts:
            known = ", ".join(sorted(counts)) or "-"
            raise BadInput("err_unknown_kind", value=repr(kind[:80]), kinds=known)
        if kind is not None and page > (pages := _pages(counts[kind])):
            last = self.page_url(kind, pages)
            raise PageBeyond(last, page=page, n=counts[kind], pages=pages, size=PAGE_SIZE)
        return {cls: page if cls == kind else 1 for cls in counts}

    def listed_rows(
        self, listing: Listing, chosen: dict[str, int]
    ) -> dict[str, list[Member]] | None:
        """The members each class shows on its chosen page, from the build's list, in its
        order; ``None`` when the index cannot say after all."""
        out = {}
        for cls, page in chosen.items():
            rows = self.indexed.rows(
                listing.topic, cls, self.view.lang, (page - 1) * PAGE_SIZE, PAGE_SIZE
            )
            if rows is None:
                return None
            out[cls] = [
                Member(
                    iri,
                    {cls},
                    set(vias.split()),
                    {"notation": {notation}} if notation is not None else {},
                    name=Tagged.marked(name, tag, self.view.lang),
                )
                for iri, vias, notation, name, tag in rows
            ]
        return out

    def members_from_store(self) -> dict[str, Member]:
        """The IRIs with the concept (``?s $prop $concept``) and a class, and the evidence items
        and claims without a concept of their own (no ``$prop`` at all) that are ``kg:about``
        one of those (their ``via``), read by pattern: Oxigraph plans a query before it
        substitutes ``$concept`` and ``$prop``, so the SPARQL started from every typed thing (3 s
        for a theme with 1,600 members at 1M triples, against 0.1 s this way)."""
        reader = self.view.reader
        prop = self.subs[ox.Variable("prop")]
        concept = self.subs[ox.Variable("concept")]
        out: dict[str, Member] = {}
        with reader.pinned():
            tagged = list(dict.fromkeys(q.subject for q in reader.quads(None, prop, concept)))
            for s in tagged:
                if isinstance(s, ox.NamedNode):
                    for q in reader.quads(s, RDF_TYPE, None):
                        if not isinstance(q.object, ox.Triple):
                            out.setdefault(s.value, Member(s.value)).classes.add(q.object.value)
            for via in tagged:
                if isinstance(via, ox.Triple):
                    continue
                for q in reader.quads(None, self.about, via):
                    s = q.subject
                    if not isinstance(s, ox.NamedNode) or reader.has(s, prop, None):
                        continue
                    for cls in self.evidence_kinds:
                        if reader.has(s, RDF_TYPE, cls):
                            m = out.setdefault(s.value, Member(s.value))
                            m.classes.add(cls.value)
                            m.via.add(via.value)
        return out

    def is_evidence(self, m: Member) -> bool:
        return section_of(m.classes, self.view.base)[0] == "evidence"

    def evidence_details(self, evidence: list[Member], listed: bool = False) -> None:
        """The fields of ``evidence`` shown on the page: from the build's list when the members
        came from it (``listed``), else (and when the index cannot say after all) from the
        store. A supporter with several strengths shows the first by IRI."""
        if not evidence:
            return
        by_iri = {m.iri: m for m in evidence}
        rows = self.indexed.evidence_fields(list(by_iri)) if listed else None
        if rows is None:
            query = EVIDENCE % values_block(by_iri)
            rows = [
                (r["e"].value, r["field"].value, r["v"].value, r["w"].value if r["w"] else "")
                for r in self.view.reader.select(self.prologue + query)
            ]
        for iri, field_name, value, strength in rows:
            m = by_iri[iri]
            m.fields.setdefault(field_name, set()).add(value)
            if field_name == "supported_by" and strength:
                known = m.supporter_strength.get(value)
                if known is None or strength < known:
                    m.supporter_strength[value] = strength

    def linked(self, iris: set[str], txt: dict[str, Texts]) -> list[Linked]:
        items = [Linked(self.topic_link(i), txt[i].label(i, self.view.lang)) for i in iris]
        return sorted(items, key=lambda x: sort_key(x.label))

    def item(self, iri: str, txt: dict[str, Texts]) -> Linked:
        return Linked(self.view.link(iri), txt[iri].label(iri, self.view.lang))

    def name_members(self, members: dict[str, Member]) -> None:
        """Every member's name in the reader's language, as :func:`texts_of` gives it (they
        order the lists, so all are needed, not only those shown)."""
        lang = self.view.lang
        txt = texts_of(self.view.reader, list(members), descriptions=False)  # names order them
        for iri, m in members.items():
            m.name = txt[iri].label(iri, lang)

    def grouped(self, members: dict[str, Member]) -> dict[str, list[Member]]:
        """Class -> its members (named, see :meth:`name_members`), in the order shown: the
        classes and members as ``ontology/topic_sections.py`` orders them (the order the
        build's list gives)."""
        base = self.view.base
        by_class: dict[str, list[Member]] = {}
        for m in members.values():
            by_class.setdefault(section_of(m.classes, base)[1], []).append(m)
        for cls, rows in by_class.items():
            rows.sort(key=lambda m: member_order(cls, _notation(m), sort_key(m.name or ""), m.iri))
        return {cls: by_class[cls] for cls in self.class_counts(dict.fromkeys(by_class, 0))}

    @staticmethod
    def page_of(rows: list[Member], page: int) -> list[Member]:
        return rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

    def page_url(self, cls: str, page: int) -> str:
        path = f"{self.topic.path}/{self.concept.rsplit('/', 1)[-1]}"
        return self.view.url(path, kind=cls, page=page) + "#" + self.anchor(cls)

    def anchor(self, cls: str) -> str:
        return "soort-" + "".join(c if c.isalnum() else "-" for c in local_name(cls))

    def sections(
        self,
        counts: dict[str, int],
        chosen: dict[str, int],
        on_page: dict[str, list[Member]],
        txt: dict[str, Texts],
    ) -> list[Section]:
        lang = self.view.lang
        base = self.view.base
        out: dict[str, list[Group]] = {sid: [] for sid, _ in SECTIONS}
        in_section = dict.fromkeys(out, 0)
        for cls, n in counts.items():
            section = section_of({cls}, base)[0]
            in_section[section] += n
            page_rows = []
            for m in on_page[cls]:
                row = Row(
                    self.view.link(m.iri),
                    m.name or "",
                    short(txt[m.iri].description(lang)),
                    [self.item(v, txt) for v in sorted(m.via)],
                )
                if section == "evidence":
                    self.evidence_row(row, m, txt)
                page_rows.append(row)
            page, pages = chosen[cls], _pages(n)
            first = (page - 1) * PAGE_SIZE + 1
            out[section].append(
                Group(
                    kind="items"
                    if cls.endswith("EvidenceItem")
                    else "claims"
                    if cls.endswith("EvidenceClaim")
                    else "plain",
                    label=txt[cls].label(cls, lang),
                    rows=page_rows,
                    count=n,
                    anchor=self.anchor(cls),
                    page=page,
                    pages=pages,
                    first=first,
                    last=first + len(page_rows) - 1,
                    prev_url=self.page_url(cls, page - 1) if page > 1 else None,
                    next_url=self.page_url(cls, page + 1) if page < pages else None,
                )
            )
        return [Section(sid, out[sid], in_section[sid]) for sid, _ in SECTIONS]

    def evidence_row(self, row: Row, m: Member, txt: dict[str, Texts]) -> None:
        """Adds to ``row`` what the page shows of the evidence item or claim ``m``: its kinds,
        strengths and sources, the evidence that supports it with that one's strength."""
        f = m.fields
        row.kinds = [self.item(i, txt) for i in sorted(f.get("type", ()))]
        row.strengths = [self.item(i, txt) for i in sorted(f.get("strength", ()))]
        row.sources = [self.item(i, txt) for i in sorted(f.get("source", ()))]
        for i in sorted(f.get("supported_by", ())):
            supporter = self.item(i, txt)
            if i in m.supporter_strength:
                supporter.strength = self.item(m.supporter_strength[i], txt)
            row.supported_by.append(supporter)


def topic_page(request: Request, topic: Topic, slug: str) -> Response:
    view = Page.of(request)
    t = texts(view.lang)
    back = [(view.url(topic.index), t["back_to_index"].format(what=t[topic.index_word].lower()))]
    if len(slug) > MAX_SLUG or not is_slug(slug):
        what = t[topic.word].lower()
        return view.error(404, fill(t["err_bad_slug"], value=repr(slug[:80]), what=what), back)
    try:
        asked = param(request, "kind")  # a class IRI or prefixed name, as /klasse?iri= takes
        kind = parse_class(asked, view.base) if asked.strip() else None
        page = page_number(request)
        if page > 1 and kind is None:
            raise BadInput("err_page_needs_kind")
    except BadInput as e:
        return view.error(400, e.message(view.lang), back)
    if (unchanged := view.unchanged()) is not None:
        return unchanged
    concept = concept_iri(view.base, topic.scheme, slug)
    indexed = IndexedTopics(view.reader)
    try:
        with view.reader.pinned():  # the whole page from one release
            context = TopicView(view, topic, concept, indexed).build(kind, page)
    except PageBeyond as e:
        return view.error(404, e.message(view.lang), [(e.last, t["last"]), *back])
    except BadInput as e:
        return view.error(400, e.message(view.lang), back)
    if context is None:
        what = t[topic.word].lower()
        return view.error(404, fill(t["err_unknown_topic"], what=what, slug=slug), back)
    return view.render(
        "topic.html",
        {**context, "topic": topic, "index_url": view.url(topic.index), "what": t[topic.word]},
    )


def index_page(request: Request, topic: Topic) -> Response:
    view = Page.of(request)
    if (unchanged := view.unchanged()) is not None:
        return unchanged
    prop = topic.prop_iri(view.base)
    with view.reader.pinned():  # counts and names from one release
        counts = IndexedTopics(view.reader).holders(prop)
        if counts is None:  # after a write, or an index built before the counts
            subs = {
                ox.Variable("scheme"): ox.NamedNode(scheme_iri(view.base, topic.scheme)),
                ox.Variable("prop"): ox.NamedNode(prop),
            }
            counts = {
                r["c"].value: int(r["n"].value)
                for r in view.reader.select(sparql_prologue(view.base) + INDEX, subs)
            }
        txt = texts_of(view.reader, counts)
    prefix = scheme_iri(view.base, topic.scheme) + "/"
    rows = [
        {
            "href": view.url(f"{topic.path}/{c[len(prefix) :]}"),
            "label": txt[c].label(c, view.lang),
            "definition": short(txt[c].description(view.lang), 160),
            "count": n,
        }
        for c, n in counts.items()
        if c.startswith(prefix) and is_slug(c[len(prefix) :])
    ]
    rows.sort(key=lambda r: (sort_key(str(r["label"])), str(r["href"])))  # ties: by address
    return view.render("themas.html", {"topic": topic, "rows": rows})


@router.get("/themas", response_model=None)
def themes(request: Request) -> Response:
    return index_page(request, THEMA)


@router.get("/doelgroepen", response_model=None)
def target_groups(request: Request) -> Response:
    return index_page(request, DOELGROEP)


@router.get("/thema/{slug}", response_model=None)
def theme(request: Request, slug: str) -> Response:
    return topic_page(request, THEMA, slug)


@router.get("/doelgroep/{slug}", response_model=None)
def target_group(request: Request, slug: str) -> Response:
    return topic_page(request, DOELGROEP, slug)
