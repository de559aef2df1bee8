"""The SPARQL 1.1 Service Description of ``/sparql``, as RDF in any graph format we serialise.

It says where the endpoint is, which languages it takes (SPARQL 1.1 Query; Update when writes
are enabled), which result formats it gives (W3C format IRIs), that its default graph is the
union of all graphs (``sd:UnionDefaultGraph``), and the default dataset with its named graphs,
linked to the VoID description and the DCAT catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox

from .negotiation import FORMATS, GRAPH_OFFERS, Format

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = {
    "sd": SD,
    "rdfs": RDFS,
    "dcterms": DCTERMS,
    "void": VOID,
    "formats": "http://www.w3.org/ns/formats/",
    "xsd": XSD,
}

# the formats a Graph Store PUT/POST takes (see graph_store.py)
INPUT_FORMATS = [f for f in GRAPH_OFFERS if f.key in ("ttl", "nt", "jsonld", "rdf")]

COMMENT_EN = (
    "Queries read, by default, the union of all graphs of the store (its default graph and "
    "every named graph); default-graph-uri, named-graph-uri, FROM and FROM NAMED choose "
    "another dataset. Updates follow SPARQL 1.1 Update: without GRAPH, USING or WITH they "
    "read and write the store's own default graph, which a build leaves empty; the Graph "
    "Store Protocol at /store calls it ?default."
)
COMMENT_NL = (
    "Een query leest standaard de vereniging van alle grafen in de store (de standaardgraaf en "
    "elke benoemde graaf); met default-graph-uri, named-graph-uri, FROM en FROM NAMED kiest u "
    "een andere dataset. Een update volgt SPARQL 1.1 Update: zonder GRAPH, USING of WITH leest "
    "en schrijft hij de eigen standaardgraaf van de store, die na een build leeg is; het Graph "
    "Store Protocol op /store noemt die ?default."
)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def describe(
    origin: str,
    *,
    writable: bool,
    named_graphs: Iterable[ox.NamedNode | ox.BlankNode],
    release: Mapping[str, Any],
) -> list[ox.Triple]:
    """The triples of the description; ``origin`` is the server's own URL ending in ``/``."""
    endpoint = _n(origin + "sparql")
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")
    t: list[ox.Triple] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        t.append(ox.Triple(s, RDF_TYPE if p == "a" else _n(p), o))

    add(service, "a", _n(SD + "Service"))
    add(service, SD + "endpoint", endpoint)
    add(service, DCTERMS + "title", ox.Literal("Kennisgraaf SPARQL-endpoint", language="nl"))
    add(service, DCTERMS + "title", ox.Literal("Kennisgraaf SPARQL endpoint", language="en"))
    add(service, RDFS + "comment", ox.Literal(COMMENT_EN, language="en"))
    add(service, RDFS + "comment", ox.Literal(COMMENT_NL, language="nl"))
    add(service, SD + "supportedLanguage", _n(SD + "SPARQL11Query"))
    if writable:
        add(service, SD + "supportedLanguage", _n(SD + "SPARQL11Update"))
        for f in INPUT_FORMATS:
            add(service, SD + "inputFormat", _n(f.w3c))
    for f in FORMATS:
        add(service, SD + "resultFormat", _n(f.w3c))
    add(service, SD + "feature", _n(SD + "UnionDefaultGraph"))
    add(service, SD + "defaultDataset", dataset)
    for path in ("catalog", ".well-known/void", "download/", "changes"):
        add(service, RDFS + "seeAlso", _n(origin + path))

    add(dataset, "a", _n(SD + "Dataset"))
    add(dataset, "a", _n(VOID + "Dataset"))
    add(dataset, DCTERMS + "title", ox.Literal("Kennisgraaf", language="nl"))
    add(
        dataset,
        DCTERMS + "description",
        ox.Literal(
            "Kennis over digitale onderwijsinnovatie in mbo, hbo en wo als linked data.",
            language="nl",
        ),
    )
    add(dataset, VOID + "sparqlEndpoint", endpoint)
    for path in (".well-known/void", "catalog"):
        add(dataset, RDFS + "seeAlso", _n(origin + path))
    if release.get("id"):
        add(dataset, DCTERMS + "identifier", ox.Literal(str(release["id"])))
    if release.get("created"):
        add(
            dataset,
            DCTERMS + "created",
            ox.Literal(str(release["created"]), datatype=_n(XSD + "dateTime")),
        )
    add(dataset, SD + "defaultGraph", default_graph)
    add(default_graph, "a", _n(SD + "Graph"))
    add(
        default_graph,
        RDFS + "comment",
        ox.Literal("the union of all graphs of the store", language="en"),
    )
    for i, g in enumerate(named_graphs):
        node = ox.BlankNode(f"graph{i}")
        add(dataset, SD + "namedGraph", node)
        add(node, "a", _n(SD + "NamedGraph"))
        add(node, SD + "name", g)
    return t


def serialize(triples: list[ox.Triple], fmt: Format) -> bytes:
    rdf_format = ox.RdfFormat.from_media_type(fmt.media_type)
    assert rdf_format is not None, fmt.media_type
    return ox.serialize(triples, format=rdf_format, prefixes=PREFIXES) or b""
