"""The union of the named graphs as a stream of distinct triples, without holding the graph.

The export writes the graphs one after the other. A triple goes into the union the first time
it is met: when its graph is the first one written that holds it. For the first graph that is
every triple; for a later graph each triple is looked up in the store (in the graphs written
before it), so nothing grows with the graph. The graphs go largest first, so the biggest one
needs no lookups at all.

A lookup per earlier graph (``quad in store``, about 7 µs here) is cheaper than one lookup of
the triple in every graph (``quads_for_pattern(s, p, o)``, which decodes what it finds, about
50 µs) up to ``PER_GRAPH_LIMIT`` earlier graphs; beyond that the single lookup is used.

``UnionStats`` counts what VoID needs of the union from the same stream, so the export needs no
SPARQL ``DISTINCT`` over the triples.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from .sorted_runs import SortedRuns

PER_GRAPH_LIMIT = 6

Graph = ox.NamedNode | ox.BlankNode


def graph_sizes(store: ox.Store) -> dict[Graph, int]:
    """Quads per named graph (empty named graphs included, with 0)."""
    sizes: dict[Graph, int] = dict.fromkeys(store.named_graphs(), 0)
    res = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert isinstance(res, ox.QuerySolutions)
    for row in res:
        g, n = row[0], row[1]
        if isinstance(g, ox.NamedNode | ox.BlankNode) and isinstance(n, ox.Literal):
            sizes[g] = int(n.value)
    return sizes


def write_order(sizes: dict[Graph, int]) -> list[Graph]:
    """Largest graph first (fewest lookups), then by name: the same store gives the same files."""
    return sorted(sizes, key=lambda g: (-sizes[g], str(g)))


class FirstOccurrence:
    """Tells for each quad of the graph being written whether its triple is new to the union."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.done: list[Graph] = []
        self._done_set: set[Graph] = set()

    def finished(self, graph: Graph) -> None:
        """``graph`` has been written: later graphs skip the triples it holds."""
        self.done.append(graph)
        self._done_set.add(graph)

    @property
    def everything_is_new(self) -> bool:
        return not self.done

    def is_new(self, quad: ox.Quad) -> bool:
        s, p, o = quad.subject, quad.predicate, quad.object
        if len(self.done) <= PER_GRAPH_LIMIT:
            return not any(ox.Quad(s, p, o, g) in self.store for g in self.done)
        return not any(
            q.graph_name in self._done_set for q in self.store.quads_for_pattern(s, p, o, None)
        )

    def new_triples(self, quads: list[ox.Quad], triples: list[ox.Triple]) -> list[ox.Triple]:
        """The triples (``triples[i]`` is ``quads[i]`` without graph) not in an earlier graph."""
        if self.everything_is_new:
            return triples
        return [t for q, t in zip(quads, triples, strict=True) if self.is_new(q)]


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class UnionStats:
    """The VoID counts of the union, gathered while the dumps are written (no triple is held).

    ``add`` is given each batch of a graph together with the triples of it that are new to the
    union (``FirstOccurrence``), so each triple of the union is seen exactly once:

    * ``triples``, ``properties`` (per predicate) and ``classes`` (per IRI class: a union triple
      ``?s rdf:type ?c`` is a distinct instance of ``?c``) are counters;
    * distinct subjects, IRI subjects under ``space`` (``entities``) and distinct objects: the
      subject and the object of each new triple, in N-Triples form (one term, one string), go to
      an external sort on disk (``SortedRuns``) that counts each once at the end (``distinct``).
      Exact whatever the order the store gives; memory is the sort's budget. A SPARQL
      ``COUNT(DISTINCT ?o)`` holds them all in memory instead (+280 MB at 5M triples);
    * ``graph_triples``: quads per named graph.

    ``close`` removes the sort's files.
    """

    def __init__(self, space: str, folder: Path | None = None) -> None:
        self.space = space
        self.triples = 0
        self.properties: dict[ox.NamedNode, int] = {}
        self.classes: dict[ox.NamedNode, int] = {}
        self.graph_triples: dict[str, int] = {}
        self._terms = SortedRuns(folder=folder)
        self._distinct: dict[str, int] | None = None

    def add(self, graph: Graph, quads: list[ox.Quad], new: list[ox.Triple]) -> None:
        """One batch of ``graph`` and the triples of it new to the union."""
        if isinstance(graph, ox.NamedNode):
            self.graph_triples[graph.value] = self.graph_triples.get(graph.value, 0) + len(quads)
        self.triples += len(new)
        props, classes, terms = self.properties, self.classes, self._terms
        last = None
        for t in new:
            s, p, o = t.subject, t.predicate, t.object
            if s != last:  # a subject's triples mostly come together: fewer lines to sort
                terms.add(f"s{s}\n".encode())
                last = s
            terms.add(f"o{o}\n".encode())
            props[p] = props.get(p, 0) + 1
            if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                classes[o] = classes.get(o, 0) + 1

    def finished(self, graph: Graph) -> None:
        """``graph`` has been read (an empty graph still gets its count, 0)."""
        if isinstance(graph, ox.NamedNode):
            self.graph_triples.setdefault(graph.value, 0)

    def distinct(self) -> dict[str, int]:
        """Distinct ``subjects``, ``entities`` and ``objects`` of the union (once all is read)."""
        if self._distinct is None:
            entity = f"s<{self.space}".encode()
            n = {"subjects": 0, "entities": 0, "objects": 0}
            for line in self._terms.merged():
                if line.startswith(b"o"):
                    n["objects"] += 1
                else:
                    n["subjects"] += 1
                    n["entities"] += line.startswith(entity)
            self._distinct = n
        return self._distinct

    def close(self) -> None:
        self._terms.close()


def union_stats(
    store: ox.Store, space: str, folder: Path | None = None, batch: int = 4096
) -> UnionStats:
    """The counts of ``UnionStats`` in a pass of their own (VoID without writing the dumps)."""
    stats = UnionStats(space, folder)
    union = FirstOccurrence(store)
    try:
        for graph in write_order(graph_sizes(store)):
            quads = store.quads_for_pattern(None, None, None, graph)
            while chunk := list(islice(quads, batch)):
                triples = [q.triple for q in chunk]
                stats.add(graph, chunk, union.new_triples(chunk, triples))
            union.finished(graph)
            stats.finished(graph)
    except BaseException:
        stats.close()
        raise
    return stats
