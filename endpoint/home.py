"""``/``: what the graph holds, where it comes from, and an entry for each group of users.

The groups are those of DESIGN.md (``queries.GROUPS``); each entry links the pages and services
that group needs and the example queries written for it. Counts per kind link to the class
pages (:mod:`endpoint.class_pages`). A link to a page this server does not (yet) have is shown
as text, so the home page never links to nothing. Three queries: counts, sources, names.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ontology.namespaces import STANDARD_PREFIXES, prefixes, sparql_prologue
from queries import GROUPS, examples

from .class_listing import class_counts, texts_of
from .entry_common import Page
from .entry_labels import values_block
from .incoming_index import IndexedIncoming
from .ui_text import texts

router = APIRouter()

# The kinds the home page counts, in the order a reader meets them: who, what, what works, more.
HOME_KINDS = (
    "org:Organization",
    "kg:Programme",
    "kg:Hub",
    "kg:Team",
    "kg:CenterForTeachingAndLearning",
    "kg:Community",
    "foaf:Person",
    "kg:Product",
    "kg:EvidenceItem",
    "kg:EvidenceClaim",
    "kg:Funding",
    "kg:Goal",
    "kg:Activity",
    "kg:Event",
    "kg:SourceDocument",
    "skos:Concept",
)

COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  VALUES ?class { %s }
  ?s a ?class FILTER(isIRI(?s))
} GROUP BY ?class
"""

SOURCES = """
SELECT ?src (SAMPLE(?issued) AS ?date) WHERE {
  ?src a kg:SourceDocument .
  OPTIONAL { ?src dcterms:issued ?issued }
} GROUP BY ?src
"""

# what each source document is the source of, when the build's list cannot say (derived_counts)
DERIVED = """
SELECT ?src (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?src a kg:SourceDocument .
  ?e prov:wasDerivedFrom ?src
} GROUP BY ?src
"""
DERIVED_FROM = STANDARD_PREFIXES["prov"] + "wasDerivedFrom"
FEW_QUADS = 1000  # a source cited by at most this many quads is counted by pattern


def derived_counts(view: Page, sources: list[str]) -> dict[str, int]:
    """How many things each of ``sources`` is the source of (``prov:wasDerivedFrom``, distinct
    subjects): from the build's list of links for a source it lists (``endpoint/incoming_index.py``,
    while the store is as built), else by pattern up to :data:`FEW_QUADS` quads; past that, one
    query for all (30 ms at 1M triples, where the sources are cited 140,000 times: most of a
    home page)."""
    listed = IndexedIncoming(view.reader)
    node = ox.NamedNode(DERIVED_FROM)
    counts: dict[str, int] = {}
    for src in sources:
        by_relation = listed.counts(src)
        if by_relation is not None:
            counts[src] = by_relation.get(DERIVED_FROM, 0)
            continue
        quads = list(islice(view.reader.quads(None, node, ox.NamedNode(src)), FEW_QUADS + 1))
        if len(quads) > FEW_QUADS:
            break  # many, not listed (after a write): all with one query
        counts[src] = len({q.subject for q in quads})
    else:
        return counts
    rows = view.reader.select(sparql_prologue(view.base) + DERIVED)
    found = {r["src"].value: int(r["n"].value) for r in rows}
    return {src: found.get(src, 0) for src in sources}


def kind_iris(base: str) -> list[str]:
    known = prefixes(base)
    return [known[c.split(":")[0]] + c.split(":", 1)[1] for c in HOME_KINDS]


def entries(view: Page, counts: dict[str, int]) -> list[dict[str, Any]]:
    """One entry per user group: heading, text, links (href None: not served here, or a class
    page of a class without instances)."""
    t = texts(view.lang)
    kg = prefixes(view.base)["kg"]

    def link(path: str, key: str, needs: str | None = None) -> dict[str, str | None]:
        served = view.answers(path.split("?", 1)[0]) and (needs is None or counts.get(needs, 0))
        return {"href": path if served else None, "text": t[key]}

    links = {
        "researchers": [
            link("/sparql", "editor"),
            link("/sparql/examples", "examples_json"),
            link("/def", "ontology"),
            link("/sparql?format=ttl", "service_description"),
        ],
        "teachers": [
            link(view.url("/themas"), "themes"),
            link(view.url("/doelgroepen"), "target_groups"),
            link("/search", "search"),
        ],
        "directors": [
            link(view.url("/themas"), "evidence_per_theme"),
            link(view.url("/klasse", iri=kg + "EvidenceItem"), "all_evidence", kg + "EvidenceItem"),
            link(view.url("/klasse", iri=kg + "EvidenceClaim"), "all_claims", kg + "EvidenceClaim"),
        ],
        "partners": [
            link("/download/", "downloads"),
            link("/catalog", "catalog"),
            link("/.well-known/void", "void"),
            link("/changes", "changes"),
            link("/changes/feed", "changes_feed"),
        ],
        "editors": [link("/changes", "changes")],
    }
    by_group: dict[str, list[dict[str, str]]] = {g: [] for g in GROUPS}
    for e in examples(view.base):
        by_group.setdefault(e.group, []).append(
            {
                "href": f"/sparql?voorbeeld={e.id}",
                "text": e.title if view.lang == "nl" else e.title_en,
            }
        )
    return [
        {
            "id": group,
            "heading": t[group],
            "text": t[group + "_text"],
            "links": links.get(group, []),
            "examples": by_group.get(group, []) if view.answers("/sparql") else [],
        }
        for group in GROUPS
    ]


@router.get("/", response_model=None)
def home(request: Request) -> Response:
    view = Page.of(request)
    if (unchanged := view.unchanged()) is not None:
        return unchanged
    prologue = sparql_prologue(view.base)
    kinds = kind_iris(view.base)
    with view.reader.pinned():  # one release; its index looked at once (for each source)
        listed = class_counts(view.reader)  # counted by the build, as on /klassen
        if listed is not None:
            counts = {k: listed[k] for k in kinds if k in listed}
        else:
            counts = {
                r["class"].value: int(r["n"].value)
                for r in view.reader.select(COUNTS % values_block(kinds))
            }
        sources = view.reader.select(prologue + SOURCES)
        names = texts_of(view.reader, [*kinds, *(r["src"].value for r in sources)])
        derived = derived_counts(view, [r["src"].value for r in sources])
    source_rows = [
        {
            "title": names[r["src"].value].label(r["src"].value, view.lang),
            "href": view.link(r["src"].value) if view.answers(view.link(r["src"].value)) else None,
            "date": r["date"].value if r["date"] is not None else "",
            "count": derived[r["src"].value],
        }
        for r in sources
    ]
    source_rows.sort(key=lambda s: str(s["title"]).casefold())
    return view.render(
        "home.html",
        {
            "kinds": [
                {
                    "iri": k,
                    "label": names[k].label(k, view.lang),
                    "count": counts.get(k, 0),
                    "href": view.url("/klasse", iri=k) if counts.get(k) else None,
                }
                for k in kinds
            ],
            "sources": source_rows,
            "entries": entries(view, counts),
        },
    )
