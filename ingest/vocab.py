"""The ontology and the shapes, read from ``ontology/`` and ``shapes/`` and moved to the base IRI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from ontology import ONTOLOGY_DIR, iris
from ontology.namespaces import CANONICAL_BASE
from shapes import SHAPES_DIR

from .errors import BuildError


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ttl"))


def _rebase_term(term: Any, base: str) -> Any:
    if (
        isinstance(term, ox.NamedNode)
        and base != CANONICAL_BASE
        and term.value.startswith(CANONICAL_BASE)
    ):
        return ox.NamedNode(iris.rebase(term.value, base))
    return term


def _stable_quads(
    triples: list[ox.Triple], graph: ox.NamedNode, prefix: str, base: str
) -> list[ox.Quad]:
    """Rebased quads; blank nodes are relabelled in parse order, so every build dumps the same bytes."""
    labels: dict[str, ox.BlankNode] = {}

    def stable(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            if term.value not in labels:
                labels[term.value] = ox.BlankNode(f"{prefix}{len(labels)}")
            return labels[term.value]
        return _rebase_term(term, base)

    return [
        ox.Quad(stable(t.subject), stable(t.predicate), stable(t.object), graph) for t in triples
    ]


def vocabulary_quads(base: str) -> list[ox.Quad]:
    """Ontology terms into graph ``graph/ontologie``, shapes into ``graph/vormen``."""
    out: list[ox.Quad] = []
    for folder, name in ((ONTOLOGY_DIR, "ontologie"), (SHAPES_DIR, "vormen")):
        graph = ox.NamedNode(f"{base}graph/{name}")
        for path in _files(folder):
            try:
                triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
            except SyntaxError as e:
                raise BuildError(f"{path.name}: Turtle-syntaxfout: {e}") from None
            out += _stable_quads(triples, graph, f"{name}{path.stem.replace('-', '')}", base)
    return out


def shapes_graph(base: str) -> Graph:
    """The shapes as an rdflib graph (small), rebased, for compiling and for pyshacl."""
    g = Graph()
    for path in _files(SHAPES_DIR):
        g.parse(path, format="turtle")
    if base == CANONICAL_BASE:
        return g
    out = Graph()
    for s, p, o in g:
        s2, p2, o2 = (
            URIRef(iris.rebase(str(x), base)) if isinstance(x, URIRef) else x for x in (s, p, o)
        )
        out.add((s2, p2, o2))
    return out
