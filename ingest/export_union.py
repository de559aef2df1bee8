"""The union of the named graphs as a stream of distinct triples, without holding the graph.

The export writes the graphs one after the other. A triple goes into the union the first time
it is met: when its graph is the first one written that holds it. For the first graph that is
every triple; for a later graph each triple is looked up in the store (in the graphs written
before it), so nothing grows with the graph. The graphs go largest first, so the biggest one
needs no lookups at all.

A lookup per earlier graph (``quad in store``, about 7 µs here) is cheaper than one lookup of
the triple in every graph (``quads_for_pattern(s, p, o)``, which decodes what it finds, about
50 µs) up to ``PER_GRAPH_LIMIT`` earlier graphs; beyond that the single lookup is used.
"""

from __future__ import annotations

import pyoxigraph as ox

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
