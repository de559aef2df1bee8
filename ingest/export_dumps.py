"""Every dump of a release in one pass over the store.

The graphs are read one after the other (largest first, see ``export_union``), each in batches
of ``BATCH`` quads. Every batch goes at once to all the files that hold it:

    the whole dataset   kennisgraaf.nq.gz  kennisgraaf.trig.gz        every quad
    the union           kennisgraaf.{nt,ttl,jsonld,rdf}.gz            each triple once
    the graph itself    graaf-<graph>.{nq,trig,nt,ttl,jsonld,rdf}.gz  its quads / triples

Each file is one document written by Oxigraph's serialiser in its own thread (``export_sink``);
memory is bounded by the batches in flight, whatever the size of the graph. Quads in the default
graph (a build writes none) are in the whole-dataset files only, as before: the union and VoID
are over the named graphs.

The same pass counts what VoID needs of the union (``UnionStats``): the whole export reads every
triple once, and no count holds the triples.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from ontology.namespaces import prefixes

from .export_formats import (
    CONTEXT,
    DATASET_NAME,
    FORMATS,
    FileEntry,
    Format,
    file_name,
    graph_slug,
)
from .export_sink import GZIP_LEVEL, Sink
from .export_union import FirstOccurrence, Graph, UnionStats, graph_sizes, write_order

BATCH = 4096

Progress = Callable[[str], None]


def _quiet(_msg: str) -> None:
    return None


def _batches(quads: Iterator[ox.Quad]) -> Iterator[list[ox.Quad]]:
    while batch := list(islice(quads, BATCH)):
        yield batch


def _open(
    out: Path, stem: str, formats: tuple[Format, ...], pre: dict[str, str], level: int
) -> dict[str, Sink]:
    sinks: dict[str, Sink] = {}
    for fmt in formats:
        context = pre if fmt.ext == "jsonld" else None
        sinks[fmt.ext] = Sink(
            out / file_name(stem, fmt), fmt.rdf, pre, context=context, level=level
        )
    return sinks


def _entries(sinks: dict[str, Sink], graph: str | None) -> list[FileEntry]:
    out = []
    for fmt in FORMATS:
        if fmt.ext in sinks:
            sink = sinks[fmt.ext]
            size, sha = sink.close()
            out.append(
                FileEntry(
                    sink.path.name, fmt.media_type, fmt.ext, "gzip", size, sha, sink.count, graph
                )
            )
    return out


def write_context(out: Path, base: str) -> Path:
    """The published ``@context`` of the JSON-LD dumps (the same one they carry inline)."""
    path = out / CONTEXT
    path.write_text(json.dumps({"@context": prefixes(base)}, indent=2) + "\n", encoding="utf-8")
    return path


def write_dumps(
    store: ox.Store,
    out: Path,
    base: str,
    progress: Progress = _quiet,
    level: int = GZIP_LEVEL,
    stats: UnionStats | None = None,
) -> list[FileEntry]:
    """Write every dump into ``out``; returns their manifest entries (whole first, then per graph).

    ``stats``, when given, is filled on the way with the union's counts for VoID.
    """
    pre = prefixes(base)
    dataset_formats = tuple(f for f in FORMATS if f.dataset)
    triple_formats = tuple(f for f in FORMATS if not f.dataset)
    sizes = graph_sizes(store)
    union = FirstOccurrence(store)
    opened: list[Sink] = []
    per_graph: dict[str, list[FileEntry]] = {}
    try:
        whole = _open(out, DATASET_NAME, dataset_formats, pre, level)
        opened += whole.values()
        union_sinks = _open(out, DATASET_NAME, triple_formats, pre, level)
        opened += union_sinks.values()
        for batch in _batches(store.quads_for_pattern(None, None, None, ox.DefaultGraph())):
            for sink in whole.values():
                sink.feed(batch)
        for graph in write_order(sizes):
            progress(f"schrijven van de dumps van {graph} ({sizes[graph]} quads) ...")
            own = _graph_sinks(out, graph, base, pre, level)
            opened += own.values()
            for batch in _batches(store.quads_for_pattern(None, None, None, graph)):
                triples = [q.triple for q in batch]
                new = union.new_triples(batch, triples)
                for sink in whole.values():
                    sink.feed(batch)
                for ext, sink in own.items():
                    sink.feed(batch if ext in ("nq", "trig") else triples)
                for sink in union_sinks.values():
                    sink.feed(new)
                if stats is not None:
                    stats.add(graph, batch, new)
            union.finished(graph)
            if stats is not None:
                stats.finished(graph)
            if isinstance(graph, ox.NamedNode):
                per_graph[graph.value] = _entries(own, graph.value)
        entries = _entries(whole, None) + _entries(union_sinks, None)
    except BaseException:
        for sink in opened:
            sink.abort()
        raise
    for name in sorted(per_graph):
        entries += per_graph[name]
    return entries


def _graph_sinks(
    out: Path, graph: Graph, base: str, pre: dict[str, str], level: int
) -> dict[str, Sink]:
    """The files of one named graph; a blank-node graph (none in a build) gets no files."""
    if not isinstance(graph, ox.NamedNode):
        return {}
    return _open(out, f"graaf-{graph_slug(graph.value, base)}", FORMATS, pre, level)
