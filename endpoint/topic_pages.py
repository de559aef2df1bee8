"""``/thema/{slug}``, ``/doelgroep/{slug}`` and their indexes ``/themas``, ``/doelgroepen``.

A topic page brings together what the graph says about one concept of the scheme ``thema``
(through ``dcterms:subject``) or ``doelgroep`` (through ``kg:targetGroup``): the concept's name,
definition and broader and narrower concepts, then its actors, products, evidence (evidence
items with kind, strength and source; claims with the evidence that supports them) and the rest,
grouped and counted. Evidence or a claim without a theme (target group) of its own counts
through what it is about (``kg:about``), as in ``queries/bewijs-per-thema-en-sterkte.rq``; the
page says so ("via ...").

Per page: one query for the concept, its members read by pattern (see :meth:`TopicView.members`),
one query for the evidence details, and the names of everything shown (by pattern).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ontology.iris import concept_iri, is_slug, scheme_iri
from ontology.namespaces import STANDARD_PREFIXES, prefixes, sparql_prologue
from ontology.text import sort_key

from .entry_common import Page
from .entry_labels import Texts, fetch_texts, pick, short, values_block
from .ui_text import fill, texts

router = APIRouter()
P = STANDARD_PREFIXES
MAX_SLUG = 200
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

# Which section a member is shown in, by the first of its classes found here.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "actors",
        (
            "kg:Hub",
            "kg:Programme",
            "kg:CenterForTeachingAndLearning",
            "kg:Team",
            "kg:Community",
            "org:Organization",
            "foaf:Person",
        ),
    ),
    ("products", ("kg:Product",)),
    ("evidence", ("kg:EvidenceItem", "kg:EvidenceClaim")),
    ("other", ("kg:Activity", "kg:Goal", "kg:Event", "kg:Funding", "kg:SourceDocument")),
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

EVIDENCE = """
SELECT ?e ?field ?v ?w WHERE {
  VALUES ?e { %s }
  { ?e kg:evidenceType ?v BIND("type" AS ?field) }
  UNION { ?e kg:evidenceStrength ?v BIND("strength" AS ?field) }
  UNION { ?e kg:evidenceStrength/skos:notation ?v BIND("notation" AS ?field) }
  UNION { ?e prov:wasDerivedFrom ?v . ?v a kg:SourceDocument BIND("source" AS ?field) }
  UNION { ?e kg:supportsClaim ?v BIND("supports" AS ?field) }
  UNION {
    ?v kg:supportsClaim ?e BIND("supported_by" AS ?field)
    OPTIONAL { ?v kg:evidenceStrength ?w }
  }
}
"""

INDEX = """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) $scheme $prop WHERE {
  ?c skos:inScheme $scheme .
  OPTIONAL { ?s $prop ?c }
} GROUP BY ?c $scheme $prop
"""


@dataclass
class Member:
    iri: str
    classes: set[str] = field(default_factory=set)
    via: set[str] = field(default_factory=set)
    fields: dict[str, set[str]] = field(default_factory=dict)
    supporter_strength: dict[str, str] = field(default_factory=dict)


def expand_all(curies: tuple[str, ...], base: str) -> tuple[str, ...]:
    known = prefixes(base)
    return tuple(known[c.split(":")[0]] + c.split(":", 1)[1] for c in curies)


def section_of(classes: set[str], base: str) -> tuple[str, str]:
    """(section, class) for a member with ``classes``."""
    for section, curies in SECTIONS:
        for c in expand_all(curies, base):
            if c in classes:
                return section, c
    return "other", min(classes)


class TopicView:
    """Builds the context of one topic page."""

    def __init__(self, view: Page, topic: Topic, concept: str) -> None:
        self.view = view
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

    def build(self) -> dict[str, object] | None:
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
                kind = names.get(rel, "def")
                lang = getattr(r["o"], "language", None) or ""
                if kind == "alt":
                    own["alt"].labels.setdefault(lang + "\x1f" + r["o"].value, r["o"].value)
                else:
                    own[kind].add("label", 0, lang, r["o"].value)
        members = self.members()
        evidence = [m for m in members.values() if self.is_evidence(m)]
        self.evidence_details(evidence)
        shown: set[str] = {*members, *related["broader"], *related["narrower"]}
        for m in members.values():
            shown |= m.classes | m.via
            for name, values in m.fields.items():
                if name != "notation":
                    shown |= values
            shown |= set(m.supporter_strength.values())
        txt = fetch_texts(self.view.reader, sorted(shown))
        lang = self.view.lang
        alt_wanted = [v for k, v in own["alt"].labels.items() if k.split("\x1f")[0] in (lang, "")]
        return {
            "concept": self.concept,
            "concept_href": self.view.link(self.concept),
            "label": own["label"].label(self.concept, lang),
            "alt_labels": sorted(set(alt_wanted)),
            "definition": pick(own["def"].labels, lang),
            "broader": self.linked(related["broader"], txt),
            "narrower": self.linked(related["narrower"], txt),
            "sections": self.sections(members, txt),
        }

    def members(self) -> dict[str, Member]:
        """The IRIs with the concept (``?s $prop $concept``) and a class, and the evidence items
        and claims without a concept of their own (no ``$prop`` at all) that are ``kg:about``
        one of those (their ``via``).

        Read by pattern: Oxigraph plans a query before it substitutes ``$concept`` and
        ``$prop``, so the SPARQL started from every typed thing (3 s for a theme with 1,600
        members at 1M triples, against 0.1 s this way)."""
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

    def evidence_details(self, evidence: list[Member]) -> None:
        if not evidence:
            return
        by_iri = {m.iri: m for m in evidence}
        query = EVIDENCE % values_block(by_iri)
        for r in self.view.reader.select(self.prologue + query):
            m = by_iri[r["e"].value]
            field_name = r["field"].value
            m.fields.setdefault(field_name, set()).add(r["v"].value)
            if field_name == "supported_by" and r["w"] is not None:
                m.supporter_strength[r["v"].value] = r["w"].value

    def linked(self, iris: set[str], txt: dict[str, Texts]) -> list[dict[str, str]]:
        items = [
            {"href": self.topic_link(i), "label": txt[i].label(i, self.view.lang)} for i in iris
        ]
        return sorted(items, key=lambda x: sort_key(x["label"]))

    def item(self, iri: str, txt: dict[str, Texts]) -> dict[str, str]:
        return {
            "iri": iri,
            "href": self.view.link(iri),
            "label": txt[iri].label(iri, self.view.lang),
        }

    def sections(
        self, members: dict[str, Member], txt: dict[str, Texts]
    ) -> list[dict[str, object]]:
        lang = self.view.lang
        grouped: dict[str, dict[str, list[dict[str, object]]]] = {s: {} for s, _ in SECTIONS}
        for m in members.values():
            section, cls = section_of(m.classes, self.view.base)
            row: dict[str, object] = {
                **self.item(m.iri, txt),
                "description": short(txt[m.iri].description(lang)),
                "via": [self.item(v, txt) for v in sorted(m.via)],
            }
            if section == "evidence":
                row.update(self.evidence_row(m, txt))
            grouped[section].setdefault(cls, []).append(row)
        out = []
        for section, curies in SECTIONS:
            order = {c: n for n, c in enumerate(expand_all(curies, self.view.base))}
            groups = []
            for cls, rows in sorted(
                grouped[section].items(), key=lambda kv: (order.get(kv[0], 99), kv[0])
            ):
                if cls.endswith("EvidenceItem"):
                    rows.sort(
                        key=lambda r: (-float(str(r["notation"] or -1)), sort_key(str(r["label"])))
                    )
                else:
                    rows.sort(key=lambda r: sort_key(str(r["label"])))
                groups.append(
                    {
                        "class": cls,
                        "kind": "items"
                        if cls.endswith("EvidenceItem")
                        else "claims"
                        if cls.endswith("EvidenceClaim")
                        else "plain",
                        "label": txt[cls].label(cls, lang),
                        "rows": rows,
                    }
                )
            out.append(
                {"id": section, "groups": groups, "count": sum(len(g["rows"]) for g in groups)}
            )
        return out

    def evidence_row(self, m: Member, txt: dict[str, Texts]) -> dict[str, object]:
        f = m.fields
        notation = next(iter(sorted(f.get("notation", ()))), None)
        return {
            "kinds": [self.item(i, txt) for i in sorted(f.get("type", ()))],
            "strengths": [self.item(i, txt) for i in sorted(f.get("strength", ()))],
            "notation": notation if notation and notation.isdigit() else None,
            "sources": [self.item(i, txt) for i in sorted(f.get("source", ()))],
            "supports": [self.item(i, txt) for i in sorted(f.get("supports", ()))],
            "supported_by": [
                {
                    **self.item(i, txt),
                    "strength": self.item(m.supporter_strength[i], txt)
                    if i in m.supporter_strength
                    else None,
                }
                for i in sorted(f.get("supported_by", ()))
            ],
        }


def topic_page(request: Request, topic: Topic, slug: str) -> Response:
    view = Page.of(request)
    t = texts(view.lang)
    back = [(view.url(topic.index), t["back_to_index"].format(what=t[topic.index_word].lower()))]
    if len(slug) > MAX_SLUG or not is_slug(slug):
        what = t[topic.word].lower()
        return view.error(404, fill(t["err_bad_slug"], value=repr(slug[:80]), what=what), back)
    if (unchanged := view.unchanged()) is not None:
        return unchanged
    concept = concept_iri(view.base, topic.scheme, slug)
    context = TopicView(view, topic, concept).build()
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
    subs = {
        ox.Variable("scheme"): ox.NamedNode(scheme_iri(view.base, topic.scheme)),
        ox.Variable("prop"): ox.NamedNode(topic.prop_iri(view.base)),
    }
    counts = {
        r["c"].value: int(r["n"].value)
        for r in view.reader.select(sparql_prologue(view.base) + INDEX, subs)
    }
    txt = fetch_texts(view.reader, counts)
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
    rows.sort(key=lambda r: sort_key(str(r["label"])))
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
