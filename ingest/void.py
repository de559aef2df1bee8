"""The VoID description (``void.ttl``) of an export: true counts, none of them held in memory.

Counts are over the union of all named graphs (distinct triples); each named graph is a
``void:subset`` with its own triple count and dumps. ``void:entities`` counts the distinct IRI
subjects under the project's ``uriSpace`` (``{base}id/``). The counts are gathered in the pass
that writes the dumps (``export_union.UnionStats``); ``write_void`` without them makes that pass
on its own. (SPARQL ``SELECT DISTINCT ?s ?p ?o`` over the graphs, used before, holds every triple:
+227 MB at 1M triples.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ontology.namespaces import STANDARD_PREFIXES

from .export import DATASET_NAME, FORMATS_BY_EXT, graph_slug
from .export_union import UnionStats, union_stats

VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"
DCT = "http://purl.org/dc/terms/"


def _sorted(counts: dict[ox.NamedNode, int]) -> list[tuple[ox.NamedNode, int]]:
    return sorted(counts.items(), key=lambda kv: kv[0].value)


def namespace(iri: str) -> str:
    for ns in sorted(STANDARD_PREFIXES.values(), key=len, reverse=True):
        if iri.startswith(ns):
            return ns
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def void_triples(
    stats: UnionStats, manifest: dict[str, Any], base: str, url: str
) -> list[ox.Triple]:
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: str, o: Any) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    def num(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD_INT))

    release = manifest["release"]
    ds = ox.NamedNode(f"{url}catalog#dataset-{DATASET_NAME}")
    add(ds, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(ds, DCT + "title", ox.Literal("Kennisgraaf", language="nl"))
    add(
        ds,
        DCT + "modified",
        ox.Literal(
            str(manifest["created"]),
            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
        ),
    )
    add(ds, VOID + "sparqlEndpoint", ox.NamedNode(url + "sparql"))
    add(ds, VOID + "uriSpace", ox.Literal(base + "id/"))
    distinct = stats.distinct()
    add(ds, VOID + "triples", num(stats.triples))
    add(ds, VOID + "entities", num(distinct["entities"]))
    add(ds, VOID + "distinctSubjects", num(distinct["subjects"]))
    add(ds, VOID + "distinctObjects", num(distinct["objects"]))
    add(ds, VOID + "feature", ox.NamedNode("http://www.w3.org/ns/formats/N-Quads"))
    for f in manifest["files"]:
        if f["graph"] is None and f["format"] in FORMATS_BY_EXT:
            add(ds, VOID + "dataDump", ox.NamedNode(f"{url}download/{release}/{f['path']}"))
    classes = _sorted(stats.classes)
    properties = _sorted(stats.properties)
    vocabularies = sorted({namespace(t.value) for t, _n in classes + properties})
    for ns in vocabularies:
        add(ds, VOID + "vocabulary", ox.NamedNode(ns))
    add(ds, VOID + "classes", num(len(classes)))
    add(ds, VOID + "properties", num(len(properties)))
    for i, (cls, n) in enumerate(classes):
        part = ox.NamedNode(f"{url}.well-known/void#class-{i}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", cls)
        add(part, VOID + "entities", num(n))
    for i, (prop, n) in enumerate(properties):
        part = ox.NamedNode(f"{url}.well-known/void#property-{i}")
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", prop)
        add(part, VOID + "triples", num(n))
    for graph in sorted({f["graph"] for f in manifest["files"] if f["graph"]}):
        sub = ox.NamedNode(f"{url}catalog#graaf-{graph_slug(graph, base)}")
        add(ds, VOID + "subset", sub)
        add(sub, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(sub, "http://www.w3.org/ns/sparql-service-description#name", ox.NamedNode(graph))
        add(
            sub,
            VOID + "triples",
            num(stats.graph_triples.get(graph, 0)),
        )
        for f in manifest["files"]:
            if f["graph"] == graph:
                add(sub, VOID + "dataDump", ox.NamedNode(f"{url}download/{release}/{f['path']}"))
    return out


def write_void(
    store: ox.Store,
    path: Path,
    manifest: dict[str, Any],
    settings: Any,
    stats: UnionStats | None = None,
) -> None:
    """Write ``void.ttl``; ``stats`` are the counts gathered with the dumps (else a pass here)."""
    own = stats is None
    if stats is None:
        stats = union_stats(store, settings.base_iri + "id/", path.parent)
    try:
        triples = void_triples(stats, manifest, settings.base_iri, settings.url)
    finally:
        if own:
            stats.close()
    pre = {**STANDARD_PREFIXES, "sd": "http://www.w3.org/ns/sparql-service-description#"}
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=pre)
