"""The VoID description (``void.ttl``) of an export: true counts, computed with SPARQL on the store.

Counts are over the union of all named graphs (distinct triples); each named graph is a
``void:subset`` with its own triple count and dumps. ``void:entities`` counts the distinct IRI
subjects under the project's ``uriSpace`` (``{base}id/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ontology.namespaces import STANDARD_PREFIXES

from .export import DATASET_NAME, FORMATS_BY_EXT, graph_slug

VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INT = "http://www.w3.org/2001/XMLSchema#integer"
DCT = "http://purl.org/dc/terms/"

TRIPLES = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
)
SUBJECTS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
OBJECTS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
ENTITIES = """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s) && STRSTARTS(STR(?s), SPACE)) }"""
CLASSES = """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY ?c"""
PROPERTIES = """SELECT ?p (COUNT(*) AS ?n) WHERE {
  SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?p ORDER BY ?p"""
GRAPH_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH GRAPH_IRI { ?s ?p ?o } }"


def _one(store: ox.Store, query: str) -> int:
    res = store.query(query)
    assert isinstance(res, ox.QuerySolutions)
    for row in res:
        return int(row[0].value)
    return 0


def _pairs(store: ox.Store, query: str) -> list[tuple[ox.NamedNode, int]]:
    res = store.query(query)
    assert isinstance(res, ox.QuerySolutions)
    out = []
    for row in res:
        term, n = row[0], row[1]
        if isinstance(term, ox.NamedNode) and n is not None:
            out.append((term, int(n.value)))
    return out


def namespace(iri: str) -> str:
    for ns in sorted(STANDARD_PREFIXES.values(), key=len, reverse=True):
        if iri.startswith(ns):
            return ns
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def void_triples(store: ox.Store, manifest: dict[str, Any], base: str, url: str) -> list[ox.Triple]:
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
    add(ds, VOID + "triples", num(_one(store, TRIPLES)))
    add(
        ds,
        VOID + "entities",
        num(_one(store, ENTITIES.replace("SPACE", str(ox.Literal(base + "id/"))))),
    )
    add(ds, VOID + "distinctSubjects", num(_one(store, SUBJECTS)))
    add(ds, VOID + "distinctObjects", num(_one(store, OBJECTS)))
    add(ds, VOID + "feature", ox.NamedNode("http://www.w3.org/ns/formats/N-Quads"))
    for f in manifest["files"]:
        if f["graph"] is None and f["format"] in FORMATS_BY_EXT:
            add(ds, VOID + "dataDump", ox.NamedNode(f"{url}download/{release}/{f['path']}"))
    classes = _pairs(store, CLASSES)
    properties = _pairs(store, PROPERTIES)
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
            num(_one(store, GRAPH_TRIPLES.replace("GRAPH_IRI", str(ox.NamedNode(graph))))),
        )
        for f in manifest["files"]:
            if f["graph"] == graph:
                add(sub, VOID + "dataDump", ox.NamedNode(f"{url}download/{release}/{f['path']}"))
    return out


def write_void(store: ox.Store, path: Path, manifest: dict[str, Any], settings: Any) -> None:
    triples = void_triples(store, manifest, settings.base_iri, settings.url)
    pre = {**STANDARD_PREFIXES, "sd": "http://www.w3.org/ns/sparql-service-description#"}
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=pre)
