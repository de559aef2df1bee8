"""The HTML entity page's content: one thing, its properties grouped for people, the links to it.

Where the data comes from: the thing's description (its triples, read by pattern, with the
labels of what it links to, see :mod:`endpoint.rdf_document`); the links to it: for a thing
with hundreds of them, the counts per relation and the page's rows from the build's list in the
release's index (:mod:`endpoint.incoming_index`), else read by pattern when there are at most
:data:`INLINE_LIMIT`, else (after a write) the counts per relation and each relation's subjects
with SPARQL; named and ordered by the labels in the release's index
(:mod:`endpoint.index_labels`); the related evidence, found among those links (else with one
SPARQL query). Class and property names and the order of the groups come from the ontology and
the shapes, read once per release (:mod:`endpoint.vocab_labels`)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup

from ontology.evidence_fields import EVIDENCE_KINDS, EVIDENCE_LINKS
from ontology.namespaces import STANDARD_PREFIXES, expand, sparql_prologue
from ontology.text import link_order, local_name

from .incoming_index import IndexedIncoming
from .index_labels import IndexLabels, Labels
from .literal_format import format_literal, format_money
from .page_common import Tagged, href, link
from .rdf_document import Description
from .store import ReleaseStore
from .vocab_labels import Vocabulary

P = STANDARD_PREFIXES
RDF_TYPE = P["rdf"] + "type"
PREF_LABEL = P["skos"] + "prefLabel"
RDFS_LABEL = P["rdfs"] + "label"
DERIVED = P["prov"] + "wasDerivedFrom"
QUALIFIED = P["prov"] + "qualifiedDerivation"
QUALIFIED_NODE = ox.NamedNode(QUALIFIED)
PROV_ENTITY = P["prov"] + "entity"
SCHEMA_VALUE = P["schema"] + "value"
SCHEMA_CURRENCY = P["schema"] + "currency"
XSD_ANYURI = P["xsd"] + "anyURI"
DESCRIPTIONS = (P["dcterms"] + "description", P["skos"] + "definition", P["rdfs"] + "comment")
# shown elsewhere on the page, not in the property table
HIDDEN = {RDF_TYPE, DERIVED, QUALIFIED}

PAGE_SIZE = 25
INLINE_LIMIT = 300  # up to this many incoming links: one query for all of them
MAX_PAGE = 1_000_000

E = ox.Variable("e")
PV = ox.Variable("p")

INCOMING_COUNTS = "SELECT ?e ?p (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?e } GROUP BY ?e ?p"

# The things that link to ``?e`` with one relation, for a thing with more than INLINE_LIMIT
# links: their order and names come from the index (see _named); 30 ms for 1,600 links at 1M
# triples, where ordering by label in SPARQL took 250 ms.
INCOMING_WITH = "SELECT DISTINCT ?e ?p ?s WHERE { ?s ?p ?e }"

# Evidence and claims about the thing itself (at most EVIDENCE_LIMIT). Evidence about its themes
# is on the theme pages (/thema/{slug}), which the page links to: joining through a theme here
# reads every thing of that theme. The subquery makes Oxigraph start from what refers to the
# thing (the first EVIDENCE_CANDIDATES of them) and test their type after, instead of starting
# from every evidence item of the graph (0.5 ms against 0.3-0.4 s at 1M triples).
EVIDENCE_LIMIT = 100
EVIDENCE_CANDIDATES = 1000
EVIDENCE = f"""
SELECT ?e ?ev ?type WHERE {{
  {{ SELECT ?e ?ev WHERE {{ ?ev kg:about|kg:supportsClaim|dcterms:subject ?e }}
    LIMIT {EVIDENCE_CANDIDATES} }}
  ?ev a ?type FILTER(?type IN (kg:EvidenceItem, kg:EvidenceClaim))
}} LIMIT {EVIDENCE_LIMIT}
"""
SUBJECT = P["dcterms"] + "subject"
EVIDENCE_BY_PATTERN = 50  # candidates tested one by one; more: one SPARQL query
TYPE_NODE = ox.NamedNode(RDF_TYPE)

Links = dict[str, list[Any]]  # relation -> subjects that link with it


class BadParameter(ValueError):
    """A query parameter the page cannot use; the message says what to do."""


@dataclass
class Shown:
    """One value as shown: text, maybe a link, maybe in another language."""

    text: str
    href: str | None = None
    lang: str | None = None  # set when the text is not in the reader's language
    kind: str = "text"  # text | link | url | code

    def __html__(self) -> str:
        """The value as HTML, as :func:`~endpoint.page_common.link` makes it (``{{ value }}``
        in a template: markupsafe asks for this, without a call through Jinja)."""
        return link(self)


class Html(str):
    """A value's HTML (``link(value)``) as the build made it for a page
    (``endpoint/page_models.py``): written as it is (``__html__``), and unpickled without a call
    into Python (a :class:`Markup` is made by its ``__new__``, 1 us a value)."""

    __slots__ = ()

    def __html__(self) -> str:
        return self


# A value on the page: as made per request, or as its HTML in a page the build made; a template
# writes either as ``{{ value }}``.
Value = Shown | Html
Evidence = Sequence[tuple[Value, str]]  # an evidence item or claim about the thing, and its kind


@dataclass
class Row:
    label: str
    prop: str
    prop_href: str
    values: Sequence[Value]


@dataclass
class Group:
    label: str
    rows: list[Row]


@dataclass
class IncomingGroup:
    label: str
    prop: str
    prop_href: str
    count: int
    page: int
    pages: int
    items: Sequence[Value]
    anchor: str


@dataclass
class Source:
    label: Value
    quotes: list[Tagged] = field(default_factory=list)


@dataclass
class Page:
    iri: str
    path: str
    title: str
    title_lang: str | None
    other_title: str | None
    kinds: Sequence[Value]
    summary: str | None
    summary_lang: str | None
    groups: list[Group]
    incoming: list[IncomingGroup]
    incoming_total: int
    sources: list[Source]
    evidence: Evidence
    evidence_themes: Sequence[Value]  # its themes, linked to their pages (evidence per theme)
    is_class: bool
    is_term: bool
    graph_size: int | None
    jsonld: Markup


def _text(value: Value) -> str:
    """The text of a value (the text of its HTML, for one the build made)."""
    return value.text if isinstance(value, Shown) else Markup(value).striptags()


def pick(labels: dict[str, str] | None, lang: str) -> tuple[str, str | None] | None:
    """The label in ``lang``, else in the other language (that language returned), else any."""
    if not labels:
        return None
    if lang in labels:
        return labels[lang], None
    for other in ("nl", "en", ""):
        if other in labels:
            return labels[other], (other or None)
    k, v = next(iter(labels.items()))
    return v, (k or None)


def script_json(data: Any) -> Markup:
    """JSON for a ``<script>`` element: ``<``, ``>`` and ``&`` escaped, so no literal can end the
    script (``</script>``) or open a comment."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


class EntityView:
    def __init__(self, reader: ReleaseStore, base: str, labels: IndexLabels) -> None:
        self.reader = reader
        self.base = base
        self.labels = labels
        self.indexed = IndexedIncoming(reader)
        # for a thing with few links to it, its evidence is among them (see _evidence): the
        # relations and kinds of EVIDENCE
        self.evidence_links = tuple(expand(c, base) for c in EVIDENCE_LINKS)
        self.evidence_kinds = tuple(ox.NamedNode(expand(c, base)) for c in EVIDENCE_KINDS)
        self.prologue = sparql_prologue(base)

    # -- naming -------------------------------------------------------------------------------
    def name(self, iri: str, d: Description, vocab: Vocabulary, lang: str) -> Shown:
        found = pick(d.labels.get(iri), lang)
        if found is None:
            v = vocab.label(iri, lang)
            found = (v, None) if v else None
        if iri.startswith("mailto:"):
            return Shown(iri[len("mailto:") :], iri, None, "url")
        mine = iri.startswith(self.base)
        if found is None:
            if mine:
                return Shown(local_name(iri), href(iri, self.base), None, "link")
            return Shown(iri, iri, None, "url")
        return Shown(found[0], href(iri, self.base), found[1], "link")

    def literal(self, lit: ox.Literal, lang: str) -> Shown:
        dt = lit.datatype.value if lit.datatype else ""
        if lit.language:
            return Shown(lit.value, None, None if lit.language == lang else lit.language)
        if dt == XSD_ANYURI or (
            lit.value.startswith(("http://", "https://")) and " " not in lit.value
        ):
            return Shown(lit.value, lit.value, None, "url")
        return Shown(format_literal(lit.value, dt, lang))

    # -- the page -----------------------------------------------------------------------------
    def build(
        self,
        d: Description,
        vocab: Vocabulary,
        lang: str,
        path: str,
        page_url: str,
        in_prop: str | None,
        page: int,
    ) -> Page:
        node = d.iri
        own: dict[str, list[Any]] = {}
        children: dict[str, dict[str, list[Any]]] = {}  # hash IRIs and blank nodes
        for t in d.triples:
            s = t.subject.value if isinstance(t.subject, ox.NamedNode) else str(t.subject)
            target = own if s == node else children.setdefault(s, {})
            target.setdefault(t.predicate.value, []).append(t.object)
        types = {o.value for o in own.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)}
        classes = vocab.classes_up(types)

        own_labels: dict[str, str] = {}
        for p in (PREF_LABEL, RDFS_LABEL):
            for o in own.get(p, []):
                if isinstance(o, ox.Literal):
                    own_labels.setdefault(o.language or "", o.value)
        if d.graph_size is not None and not own_labels:
            own_labels = vocab.labels.get(node, {})
        title = pick(own_labels, lang) or (local_name(node), None)
        other = next((v for k, v in own_labels.items() if k and k != lang and v != title[0]), None)
        summary = None
        for p in DESCRIPTIONS:
            texts = {
                (o.language or ""): o.value for o in own.get(p, []) if isinstance(o, ox.Literal)
            }
            summary = pick(texts, lang)
            if summary:
                break

        kinds = sorted(
            (self.name(t, d, vocab, lang) for t in types),
            key=lambda s: (s.text.lower(), s.href or ""),
        )
        groups = self._groups(own, children, d, vocab, classes, lang)
        sources = self._sources(own, children, d, vocab, lang)
        # the build's list of the links to a much linked-to thing, else read them (at most
        # INLINE_LIMIT: reading that many before giving up costs 3 ms, the listed page 4)
        indexed = self.indexed.counts(node)
        links = self._links_to(node) if indexed is None else None
        incoming, total = self._incoming(node, links, indexed, vocab, lang, in_prop, page)
        evidence = self._evidence(node, links, indexed is not None, vocab, lang)
        owl = P["owl"]
        is_class = bool(types & {owl + "Class", P["rdfs"] + "Class"})
        is_term = node.startswith(self.base + "def")
        ld = self._schema_org(node, own, types, own_labels, summary, page_url, d, lang)
        return Page(
            iri=node,
            path=path,
            title=title[0],
            title_lang=title[1],
            other_title=other,
            kinds=kinds,
            summary=summary[0] if summary else None,
            summary_lang=summary[1] if summary else None,
            groups=groups,
            incoming=incoming,
            incoming_total=total,
            sources=sources,
            evidence=evidence,
            evidence_themes=self._theme_pages(own, d, vocab, lang),
            is_class=is_class,
            is_term=is_term,
            graph_size=d.graph_size,
            jsonld=script_json(ld),
        )

    def _value(
        self,
        o: Any,
        children: dict[str, dict[str, list[Any]]],
        d: Description,
        vocab: Vocabulary,
        lang: str,
        depth: int = 0,
    ) -> Shown:
        if isinstance(o, ox.Literal):
            return self.literal(o, lang)
        key = o.value if isinstance(o, ox.NamedNode) else str(o)
        kid = children.get(key)
        if kid is not None and depth < 3:
            if SCHEMA_VALUE in kid:
                value = kid[SCHEMA_VALUE][0]
                cur = kid.get(SCHEMA_CURRENCY, [ox.Literal("EUR")])[0]
                if isinstance(value, ox.Literal):
                    return Shown(format_money(value.value, getattr(cur, "value", "EUR"), lang))
            if isinstance(o, ox.BlankNode):
                return Shown(self._blank_text(kid, children, d, vocab, lang, depth), kind="code")
        if isinstance(o, ox.NamedNode):
            return self.name(o.value, d, vocab, lang)
        return Shown("[…]", kind="code")

    def _blank_text(
        self,
        kid: dict[str, list[Any]],
        children: dict[str, dict[str, list[Any]]],
        d: Description,
        vocab: Vocabulary,
        lang: str,
        depth: int,
    ) -> str:
        first, rest = P["rdf"] + "first", P["rdf"] + "rest"
        if first in kid:  # an RDF list
            items: list[str] = []
            cur: dict[str, list[Any]] | None = kid
            seen = 0
            while cur and first in cur and seen < 50:
                items.append(self._value(cur[first][0], children, d, vocab, lang, depth + 1).text)
                nxt = cur.get(rest, [None])[0]
                cur = children.get(str(nxt)) if isinstance(nxt, ox.BlankNode) else {}
                seen += 1
            return "(" + " ".join(items) + ")"
        parts = []
        for p, objs in kid.items():
            label = vocab.label(p, lang) or local_name(p)
            vals = ", ".join(self._value(o, children, d, vocab, lang, depth + 1).text for o in objs)
            parts.append(f"{label}: {vals}")
        return "[" + "; ".join(parts) + "]"

    def _groups(
        self,
        own: dict[str, list[Any]],
        children: dict[str, dict[str, list[Any]]],
        d: Description,
        vocab: Vocabulary,
        classes: set[str],
        lang: str,
    ) -> list[Group]:
        placed: dict[str, list[tuple[tuple[float, str], Row]]] = {}
        group_order: dict[str, float] = {}
        for p, objs in own.items():
            if p in HIDDEN:
                continue
            values = [self._value(o, children, d, vocab, lang) for o in objs]
            # language-tagged text in the reader's language first, then by text
            values.sort(key=lambda v: (v.lang is not None, v.text.lower()))
            label = vocab.label(p, lang) or local_name(p)
            place = vocab.place(p, classes)
            row = Row(label, p, href(p, self.base), values)
            placed.setdefault(place.group, []).append(((place.order, label.lower()), row))
            group_order[place.group] = place.group_order
        out = []
        for g in sorted(placed, key=lambda g: (group_order[g], g)):
            rows = [r for _, r in sorted(placed[g], key=lambda x: x[0])]
            out.append(Group(vocab.group_label(g, lang), rows))
        return out

    def _sources(
        self,
        own: dict[str, list[Any]],
        children: dict[str, dict[str, list[Any]]],
        d: Description,
        vocab: Vocabulary,
        lang: str,
    ) -> list[Source]:
        by_src: dict[str, Source] = {}
        for o in own.get(DERIVED, []):
            if isinstance(o, ox.NamedNode):
                by_src.setdefault(o.value, Source(self.name(o.value, d, vocab, lang)))
        for o in own.get(QUALIFIED, []):
            kid = children.get(o.value if isinstance(o, ox.NamedNode) else str(o), {})
            for src in kid.get(PROV_ENTITY, []):
                if not isinstance(src, ox.NamedNode):
                    continue
                s = by_src.setdefault(src.value, Source(self.name(src.value, d, vocab, lang)))
                for p, objs in kid.items():
                    if p.endswith("/quote"):  # in its own language (marked in another)
                        s.quotes += [
                            Tagged.marked(q.value, q.language or "", lang)
                            for q in objs
                            if isinstance(q, ox.Literal)
                        ]
        for s in by_src.values():
            s.quotes = sorted(set(s.quotes))
        return sorted(by_src.values(), key=lambda s: _text(s.label).lower())

    def _links_to(self, node: str) -> Links | None:
        """The subjects that link to ``node``, per relation, read by pattern: ``None`` when
        there are more than :data:`INLINE_LIMIT` (the page then asks SPARQL for counts and
        pages, without reading every link)."""
        links: Links = {}
        seen: set[tuple[str, Any]] = set()
        for q in self.reader.quads(None, None, ox.NamedNode(node)):
            key = (q.predicate.value, q.subject)
            if key not in seen:
                if len(seen) == INLINE_LIMIT:
                    return None
                seen.add(key)
                links.setdefault(q.predicate.value, []).append(q.subject)
        return links

    def _incoming(
        self,
        node: str,
        links: Links | None,
        indexed: dict[str, int] | None,
        vocab: Vocabulary,
        lang: str,
        in_prop: str | None,
        page: int,
    ) -> tuple[list[IncomingGroup], int]:
        """The groups of links to ``node`` shown on the page, and their total: from ``links``
        (read by pattern), else from the build's list whose counts are ``indexed``, else with
        SPARQL."""
        e = {E: ox.NamedNode(node)}
        if links is not None:
            counts = {p: len(ss) for p, ss in links.items()}
        elif indexed is not None:
            counts = indexed
        else:
            counts = {
                r["p"].value: int(r["n"].value)
                for r in self.reader.select(self.prologue + INCOMING_COUNTS, e)
            }
        if in_prop is not None and in_prop not in counts:
            known = ", ".join(sorted(counts)) or "none"
            raise BadParameter(
                f"nothing links to this page with the relation <{in_prop}>; "
                f"'in' takes one of the relations listed under 'Links to this page': {known}"
            )
        if in_prop is not None:
            pages = max(1, math.ceil(counts[in_prop] / PAGE_SIZE))
            if page > pages:
                raise BadParameter(
                    f"page {page} does not exist: <{in_prop}> has {pages} page(s) of links"
                )
        elif page != 1:
            raise BadParameter("'page' needs 'in', the relation whose links to page through")
        total = sum(counts.values())
        offsets = {in_prop: (page - 1) * PAGE_SIZE} if in_prop is not None else {}
        by_p = self._pages(links, offsets, vocab, lang) if links is not None else {}
        out = []
        for p, n in counts.items():
            shown_page = page if p == in_prop else 1
            listed = None
            if indexed is not None:  # many, listed by the build: the page's rows only
                listed = self._listed(node, p, (shown_page - 1) * PAGE_SIZE, vocab, lang)
            if listed is not None:
                by_p = listed
            elif links is None:  # many: one relation at a time
                subjects = self.reader.column(
                    self.prologue + INCOMING_WITH, {**e, PV: ox.NamedNode(p)}, "s"
                )
                by_p = self._pages({p: subjects}, offsets, vocab, lang)
            items = by_p.get(p, [])
            label = vocab.label(p, lang) or local_name(p)
            out.append(
                IncomingGroup(
                    label=label,
                    prop=p,
                    prop_href=href(p, self.base),
                    count=n,
                    page=shown_page,
                    pages=max(1, math.ceil(n / PAGE_SIZE)),
                    items=items,
                    anchor="in-" + local_name(p),
                )
            )
        out.sort(key=lambda g: (-g.count, g.label.lower()))
        return out, total

    def _pages(
        self, links: Links, offsets: dict[str, int], vocab: Vocabulary, lang: str
    ) -> dict[str, list[Shown]]:
        """The page of each relation's subjects that starts at its offset, named for the reader.

        The order: by label (Dutch, else English, else without language, else the IRI; case
        ignored), then by IRI; the labels from the release's index. Only the things shown are
        named (a source reference after its owner)."""
        named = [s.value for ss in links.values() for s in ss if isinstance(s, ox.NamedNode)]
        labels = self.labels.of(named)
        chosen: dict[str, list[Any]] = {}
        for p, ss in links.items():
            ranked = sorted(
                ss,
                key=lambda s: (
                    link_order(labels.get(s.value, {}), s.value)
                    if isinstance(s, ox.NamedNode)
                    else link_order({}, None)
                ),
            )
            start = offsets.get(p, 0)
            chosen[p] = ranked[start : start + PAGE_SIZE]
        return self._named(chosen, labels, vocab, lang)

    def _listed(
        self, node: str, p: str, start: int, vocab: Vocabulary, lang: str
    ) -> dict[str, list[Shown]] | None:
        """The page of ``p``'s subjects that starts at ``start``, from the build's list of the
        links to ``node`` (``endpoint/incoming_index.py``), named as :meth:`_pages` names them;
        ``None`` when the index cannot say after all."""
        subjects = self.indexed.page(node, p, start, PAGE_SIZE)
        if subjects is None:
            return None
        chosen = {p: [ox.NamedNode(s) if s is not None else None for s in subjects]}
        return self._named(
            chosen, self.labels.of(s for s in subjects if s is not None), vocab, lang
        )

    def _named(
        self, chosen: Links, labels: Labels, vocab: Vocabulary, lang: str
    ) -> dict[str, list[Shown]]:
        """The things of ``chosen`` (per relation; a blank node, or ``None``, as "[…]") by their
        ``labels``; a source reference by the label of its owner."""
        bare = [
            s.value
            for ss in chosen.values()
            for s in ss
            if isinstance(s, ox.NamedNode) and s.value not in labels
        ]
        owners = self._owners_of(bare, lang)
        return {
            p: [
                self._subject(s.value, labels.get(s.value, {}), owners, vocab, lang)
                if isinstance(s, ox.NamedNode)
                else Shown("[…]", kind="code")
                for s in ss
            ]
            for p, ss in chosen.items()
        }

    def _subject(
        self,
        iri: str,
        labels: dict[str, str],
        owners: dict[str, str],
        vocab: Vocabulary,
        lang: str,
    ) -> Shown:
        """A thing that links to the page's, by its label; a source reference (``X#bron-1``,
        no label of its own) by the label of its owner."""
        found = pick(labels, lang)
        if found is None and iri in owners:
            word = "bronvermelding" if lang == "nl" else "source reference"
            found = (f"{owners[iri]} ({word})", None)
        if found is None:
            v = vocab.label(iri, lang)
            found = (v, None) if v else (local_name(iri), None)
        return Shown(found[0], href(iri, self.base), found[1], "link")

    def _owners_of(self, iris: list[str], lang: str) -> dict[str, str]:
        """The name of what each of ``iris`` is a source reference of (``?owner
        prov:qualifiedDerivation <iri>``), for the source references among the links to a
        thing, which have no label of their own."""
        owner_of: dict[str, str] = {}
        for iri in iris:
            for q in self.reader.quads(None, QUALIFIED_NODE, ox.NamedNode(iri)):
                if isinstance(q.subject, ox.NamedNode):
                    owner_of.setdefault(iri, q.subject.value)
        labels = self.labels.of(owner_of.values())
        out = {}
        for iri, owner in owner_of.items():
            found = pick(labels.get(owner), lang)
            if found is not None:
                out[iri] = found[0]
        return out

    def _theme_pages(
        self, own: dict[str, list[Any]], d: Description, vocab: Vocabulary, lang: str
    ) -> list[Shown]:
        """The thing's themes, each linked to its theme page (which lists its evidence)."""
        scheme = self.base + "id/begrip/thema/"
        out = []
        for o in own.get(SUBJECT, []):
            if isinstance(o, ox.NamedNode) and o.value.startswith(scheme):
                shown = self.name(o.value, d, vocab, lang)
                out.append(
                    Shown(shown.text, "/thema/" + o.value[len(scheme) :], shown.lang, "link")
                )
        return sorted(out, key=lambda x: x.text.lower())

    def _evidence(
        self, node: str, links: Links | None, listed: bool, vocab: Vocabulary, lang: str
    ) -> Evidence:
        """Evidence items and claims about this thing, with their kind: among the links to it
        when they were few (each candidate's type tested by pattern), from the build's list
        when it ``listed`` the links (all of them, the first :data:`EVIDENCE_LIMIT` by name
        shown), else with :data:`EVIDENCE`; named from the release's index, like the links."""
        kinds: dict[str, str] = {}  # evidence IRI -> its class
        found = self.indexed.evidence(node) if listed and links is None else None
        if found is not None:
            kinds = found
        elif links is not None and (
            len(candidates := self._evidence_candidates(node, links)) <= EVIDENCE_BY_PATTERN
        ):
            for ev in candidates:  # its classes in one read (not one per kind of evidence)
                types = {q.object for q in self.reader.quads(ox.NamedNode(ev), TYPE_NODE, None)}
                kind = next((k for k in self.evidence_kinds if k in types), None)
                if kind is not None:
                    kinds[ev] = kind.value
        else:
            for r in self.reader.select(self.prologue + EVIDENCE, {E: ox.NamedNode(node)}):
                if r["ev"].value != node:
                    kinds.setdefault(r["ev"].value, r["type"].value)
        labels = self.labels.of(kinds)
        out = []
        for ev, cls in kinds.items():
            t = pick(labels.get(ev), lang) or (local_name(ev), None)
            kind_label = vocab.label(cls, lang) or local_name(cls)
            out.append((Shown(t[0], href(ev, self.base), t[1], "link"), kind_label))
        out.sort(key=lambda x: x[0].text.lower())
        return out[:EVIDENCE_LIMIT]

    def _evidence_candidates(self, node: str, links: Links) -> list[str]:
        return list(
            dict.fromkeys(
                s.value
                for p in self.evidence_links
                for s in links.get(p, [])
                if isinstance(s, ox.NamedNode) and s.value != node
            )
        )

    def _schema_org(
        self,
        node: str,
        own: dict[str, list[Any]],
        types: set[str],
        labels: dict[str, str],
        summary: tuple[str, str | None] | None,
        page_url: str,
        d: Description,
        lang: str,
    ) -> dict[str, Any]:
        kg = self.base + "def/"
        mapping = [
            (P["foaf"] + "Person", "Person"),
            (P["schema"] + "Person", "Person"),
            (kg + "Event", "Event"),
            (kg + "Funding", "MonetaryGrant"),
            (P["skos"] + "Concept", "DefinedTerm"),
            (P["skos"] + "ConceptScheme", "DefinedTermSet"),
            (P["schema"] + "EducationalOrganization", "EducationalOrganization"),
            (P["org"] + "Organization", "Organization"),
            (P["schema"] + "Organization", "Organization"),
            (kg + "Product", "CreativeWork"),
            (kg + "SourceDocument", "CreativeWork"),
            (kg + "EvidenceItem", "CreativeWork"),
            (kg + "EvidenceClaim", "Claim"),
        ]
        stype = next((s for t, s in mapping if t in types), "Thing")
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": stype,
            "@id": node,
            "url": page_url,
        }
        name = pick(labels, lang)
        if name:
            data["name"] = name[0]
        if summary:
            data["description"] = summary[0]
        same = [
            o.value
            for p in (P["schema"] + "sameAs", P["skos"] + "exactMatch", P["foaf"] + "homepage")
            for o in own.get(p, [])
            if isinstance(o, ox.NamedNode)
        ]
        if same:
            data["sameAs"] = same
        for p, key in (
            (P["schema"] + "startDate", "startDate"),
            (P["schema"] + "endDate", "endDate"),
        ):
            for o in own.get(p, []):
                if isinstance(o, ox.Literal):
                    data[key] = o.value
        about = [
            pick(d.labels.get(o.value), lang)
            for o in own.get(P["dcterms"] + "subject", [])
            if isinstance(o, ox.NamedNode)
        ]
        if about:
            data["keywords"] = [a[0] for a in about if a]
        return data
