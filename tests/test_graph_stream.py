"""Large graphs of the Graph Store are streamed (endpoint/graph_stream.py): the same triples as
made whole, in every format; a client that leaves stops the dump; an error of the dump cuts the
response instead of hanging it.

The real app (TestClient, in-process) on the real build of data/, with the size above which a
graph is streamed lowered so that its graphs take that path.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from endpoint import graph_store, graph_stream
from ontology.namespaces import CANONICAL_BASE, prefixes

FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


def named_graphs(real_store: ox.Store) -> list[str]:
    return sorted(g.value for g in real_store.named_graphs())


def expected(real_store: ox.Store, graph: str) -> Graph:
    g = Graph()
    data = real_store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
    g.parse(data=data, format="nt")
    return g


@pytest.mark.parametrize("media", sorted(FORMATS))
def test_a_streamed_graph_holds_the_same_triples_in_every_format(
    real_client: TestClient,
    real_store: ox.Store,
    monkeypatch: pytest.MonkeyPatch,
    media: str,
) -> None:
    monkeypatch.setattr(graph_store, "SMALL_GRAPH", 10)
    graphs = named_graphs(real_store)
    assert len(graphs) > 3
    streamed = 0
    for iri in graphs:
        want = expected(real_store, iri)
        r = real_client.get("/store", params={"graph": iri}, headers={"accept": media})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith(media)
        got = Graph().parse(data=r.content, format=FORMATS[media])
        assert isomorphic(got, want), iri
        if len(want) > 10:
            streamed += 1
            if media == "text/turtle":  # streamed: every prefix we know is declared
                assert b"@prefix kgsh: " in r.content
    assert streamed > 3


def test_a_small_graph_declares_only_the_prefixes_it_uses(
    real_client: TestClient, real_store: ox.Store
) -> None:
    small = min(named_graphs(real_store), key=lambda g: len(expected(real_store, g)))
    r = real_client.get("/store", params={"graph": small}, headers={"accept": "text/turtle"})
    declared = {ln.split()[1] for ln in r.text.splitlines() if ln.startswith("@prefix")}
    used = {p for p in declared if r.text.count(p) > 1}  # written again after its declaration
    assert declared - {"rdf:"} == used - {"rdf:"}  # rdf:type is written `a`
    assert len(declared) < len(prefixes(CANONICAL_BASE))


def store_of(n: int) -> ox.Store:
    store = ox.Store()
    g = ox.NamedNode("https://example.org/g")
    store.extend(
        ox.Quad(
            ox.NamedNode(f"https://example.org/s{i}"),
            ox.NamedNode("https://example.org/p"),
            ox.Literal(f"value {i}"),
            g,
        )
        for i in range(n)
    )
    return store


def dumping() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "graph-dump"]


def test_a_client_that_leaves_stops_the_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_stream, "CHUNK", 1024)
    monkeypatch.setattr(graph_stream, "QUEUED", 1)
    monkeypatch.setattr(graph_stream, "POLL_S", 0.05)
    store = store_of(20_000)
    before = len(dumping())
    pipe = graph_stream.start_dump(
        store, ox.NamedNode("https://example.org/g"), ox.RdfFormat.N_TRIPLES, {}
    )

    async def read_one() -> bytes:
        chunks = pipe.chunks()
        first = await chunks.__anext__()
        await chunks.aclose()  # the client left
        return first

    assert asyncio.run(read_one()).startswith(b"<https://example.org/s")
    deadline = time.monotonic() + 10
    while len(dumping()) > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(dumping()) == before
    with pytest.raises(graph_stream.ClientGone):
        pipe.write(b"x" * 2048)


def test_a_dump_that_fails_cuts_the_response(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_stream, "CHUNK", 4)

    class Failing:
        def dump(self, output: Any, **_kw: Any) -> None:
            output.write(b"<a> <b> <c> .\n")
            raise OSError("the disk went away")

    pipe = graph_stream.start_dump(Failing(), ox.DefaultGraph(), ox.RdfFormat.N_TRIPLES, {})  # type: ignore[arg-type]

    async def read_all() -> list[bytes]:
        return [c async for c in pipe.chunks()]

    with pytest.raises(OSError, match="the disk went away"):
        asyncio.run(read_all())
