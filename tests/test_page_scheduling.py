"""Where a page is made: on the event loop when its work is small whatever the size of the
graph, in a thread when it grows with the data (thousands of links to count and sort, a class
listed from the store after a write), so that such a page never holds up other requests.

The build lists the IRIs whose document holds more than ``SMALL`` quads (from and to them) in the
release's metadata; the server trusts that list only while the store is as built, and a
document on the event loop stops at ``LOOP_BUDGET`` quads read. The tests run the real app on the
real build of data/ (whose few large documents are classes with hundreds of instances, such as
``prov:Derivation``; a thing of ours is put on the list to see it go to a thread), on the mini
data set with a real SPARQL Update, and on a hand-made release; they record every hand-over to a
thread.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

import endpoint.dereference
import endpoint.page_common
from endpoint.app import create_app
from endpoint.rdf_document import LOOP_BUDGET, SMALL, Describer
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore
from ingest import pipeline
from ingest.large_subjects import DOCUMENT_LIMIT, large_documents
from ontology.namespaces import CANONICAL_BASE
from tests.conftest import copied_store, without_page_models
from tests.sparql_support import TOKEN, update

BASE = CANONICAL_BASE
EX = "https://example.org/"
SMALL_THING = BASE + "id/financiering/groeifondsbijdrage-digitaliseringsimpuls"
GRAPH = BASE + "graph/bron/update-pilothubs-2023"


def doc(iri: str) -> str:
    return "/doc/" + iri[len(BASE) :].split("/", 1)[1]


@pytest.fixture
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions handed to a thread by the page routes, in order."""
    calls: list[str] = []

    def recording(module: Any) -> Callable[..., Any]:
        real = module.run_in_threadpool

        async def run(fn: Callable[..., Any], *args: Any) -> Any:
            calls.append(getattr(fn, "__name__", None) or fn.func.__name__)
            return await real(fn, *args)

        return run

    for module in (endpoint.dereference, endpoint.page_common):
        monkeypatch.setattr(module, "run_in_threadpool", recording(module))
    return calls


@pytest.fixture(scope="module")
def meta(real_build: pipeline.Outcome) -> dict[str, Any]:
    assert real_build.path is not None
    return json.loads(real_build.path.with_suffix(".json").read_text())


# -- what the build lists ------------------------------------------------------------------------


def test_the_build_lists_documents_of_more_than_the_limit_from_and_to_an_iri() -> None:
    assert DOCUMENT_LIMIT == SMALL  # the endpoint trusts a list made for its own limit only
    store = ox.Store()
    g = ox.NamedNode(EX + "g")
    p = ox.NamedNode(EX + "p")

    def links(target: str, n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), p, ox.NamedNode(EX + target), g))

    def values(subject: str, n: int) -> None:
        for i in range(n):
            store.add(ox.Quad(ox.NamedNode(EX + subject), p, ox.Literal(str(i)), g))

    links("linked-301", SMALL + 1)
    links("linked-300", SMALL)
    values("values-301", SMALL + 1)
    values("values-300", SMALL)
    values("both", SMALL // 2)  # 150 from it and 151 to it: 301 in its document
    links("both", SMALL // 2 + 1, start=1000)
    for i in range(SMALL + 1):  # a blank node is no document
        store.add(ox.Quad(ox.BlankNode(f"b{i}"), p, ox.NamedNode(EX + "linked-by-blanks"), g))
    listed = large_documents(store)
    assert listed == {
        "quads": SMALL,
        "iris": [EX + "both", EX + "linked-301", EX + "linked-by-blanks", EX + "values-301"],
    }
    assert large_documents(store, 10_000) == {"quads": 10_000, "iris": []}


def test_the_real_build_lists_what_counting_every_quad_finds(
    meta: dict[str, Any], real_store: ox.Store
) -> None:
    counts: Counter[str] = Counter()
    for q in real_store.quads_for_pattern(None, None, None, None):
        for term in (q.subject, q.object):  # a link to itself counts from it and to it
            if isinstance(term, ox.NamedNode):
                counts[term.value] += 1
    large = sorted(iri for iri, n in counts.items() if n > SMALL)
    assert large  # the type statements of the shapes' report, at least
    assert meta["large_documents"] == {"quads": SMALL, "iris": large}
    assert SMALL_THING not in large


def test_the_list_is_trusted_only_as_built_and_for_the_same_limit(
    real_build: pipeline.Outcome, tmp_path: Path
) -> None:
    # a copy: a write is recorded in the release's folder (endpoint/store.py)
    reader = ReleaseStore(copied_store(real_build, tmp_path / "store"))
    describer = Describer(reader, BASE)
    reader.store()
    assert describer.small(SMALL_THING)
    large = reader.meta["large_documents"]["iris"][0]
    assert not describer.small(large)
    assert not describer.small(GRAPH)  # a graph's triples are counted
    listed = reader.meta["large_documents"]
    reader.meta["large_documents"] = {**listed, "quads": SMALL * 2}  # made for another limit
    assert not describer.small(SMALL_THING)
    del reader.meta["large_documents"]  # a release built before the list
    assert not describer.small(SMALL_THING)
    reader.meta["large_documents"] = listed
    assert describer.small(SMALL_THING)
    reader.wrote()  # the list may no longer hold
    assert not describer.small(SMALL_THING)


# -- where the pages are made ---------------------------------------------------------------------


@pytest.fixture
def mini_store(mini_store: Path) -> Path:
    """Pages made from the store (those the build made are read on the event loop: see
    tests/test_page_models.py)."""
    return without_page_models(mini_store)


@pytest.fixture(scope="module")
def client(
    real_build: pipeline.Outcome, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    root = copied_store(real_build, tmp_path_factory.mktemp("scheduling") / "store")
    settings = ServeSettings(
        store=without_page_models(root), query_workers=0, response_cache_mb=0, page_cache_mb=0
    )
    with TestClient(create_app(settings)) as c:
        c.get("/doc/hub/pilothub-xr", headers={"accept": "text/html"})  # loads the vocabulary
        yield c


def test_the_first_page_of_a_release_loads_the_vocabulary_in_a_thread(
    mini_store: Path, handed_over: list[str]
) -> None:
    settings = ServeSettings(
        store=mini_store, query_workers=0, response_cache_mb=0, page_cache_mb=0
    )
    html = {"accept": "text/html"}
    with TestClient(create_app(settings)) as c:
        assert c.get("/doc/hub/pilothub-xr.ttl").status_code == 200  # needs no vocabulary
        assert handed_over == []
        first = c.get("/doc/hub/pilothub-xr", headers=html)
        assert handed_over == ["make"]  # reads the ontology and the shapes: a thread
        second = c.get("/doc/hub/pilothub-xr", headers=html)
        assert handed_over == ["make"]  # loaded: on the loop
        assert first.text == second.text and "Pilothub XR" in first.text
        reader = c.app.state.reader  # type: ignore[attr-defined]
        reader.meta = {**reader.meta, "id": "another-release"}  # as after a switch
        assert c.get("/doc/hub/pilothub-xr", headers=html).status_code == 200
        assert handed_over == ["make", "make"]


@pytest.mark.parametrize("fmt", ["html", "ttl"])
def test_a_small_document_is_made_on_the_event_loop_a_large_one_in_a_thread_the_same(
    client: TestClient, handed_over: list[str], fmt: str
) -> None:
    on_loop = client.get(f"{doc(SMALL_THING)}.{fmt}")
    assert on_loop.status_code == 200
    assert handed_over == []
    reader = client.app.state.reader  # type: ignore[attr-defined]
    built = reader.meta
    listed = built["large_documents"]
    reader.meta = {**built, "large_documents": {**listed, "iris": [SMALL_THING]}}
    try:
        in_thread = client.get(f"{doc(SMALL_THING)}.{fmt}")
    finally:
        reader.meta = built
    assert handed_over == ["make"]
    assert in_thread.content == on_loop.content
    assert in_thread.headers["etag"] == on_loop.headers["etag"]
    graph = client.get(f"/doc/graph/bron/update-pilothubs-2023.{fmt}")  # counted: a thread
    assert graph.status_code == 200
    assert handed_over == ["make", "make"]


def test_class_pages_move_to_a_thread_after_a_write(
    mini_store: Path, handed_over: list[str]
) -> None:
    settings = ServeSettings(store=mini_store, query_workers=0, update_token=TOKEN)
    with TestClient(create_app(settings)) as c:
        for path in ("/klassen", "/klasse?iri=kg:Hub"):
            assert c.get(path).status_code == 200
        assert handed_over == []  # the build's listings: a few milliseconds, on the loop
        update(c, f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{EX}x> a <{EX}Y> }} }}")
        for path in ("/klassen", "/klasse?iri=kg:Hub"):
            assert c.get(path).status_code == 200
        assert handed_over == ["_classes", "_class_page"]  # read from the store: grows
        page = c.get("/doc/hub/pilothub-xr", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert handed_over[-1] == "make"  # after a write every document is made in a thread


def test_a_document_whose_blank_nodes_hold_many_quads_moves_to_a_thread(
    tmp_path: Path, handed_over: list[str]
) -> None:
    """The build's list counts the quads from and to an IRI; a thing with few of those whose
    blank nodes hold thousands starts on the event loop, stops at LOOP_BUDGET quads read and
    is made in a thread after all, whole."""
    thing, blanks, each = BASE + "id/test/veel-knopen", 10, LOOP_BUDGET // 5
    small_thing = BASE + "id/test/weinig"
    p = ox.NamedNode(EX + "p")
    g = ox.NamedNode(BASE + "graph/test")
    (tmp_path / "releases").mkdir()
    store = ox.Store(str(tmp_path / "releases" / "r"))
    for b in range(blanks):
        node = ox.BlankNode(f"b{b}")
        store.add(ox.Quad(ox.NamedNode(thing), p, node, g))
        for i in range(each):
            store.add(ox.Quad(node, p, ox.Literal(f"{b}-{i}"), g))
    store.add(ox.Quad(ox.NamedNode(small_thing), p, ox.Literal("klein"), g))
    store.flush()
    del store
    meta = {"id": "r", "large_documents": {"quads": SMALL, "iris": []}}
    (tmp_path / "releases" / "r.json").write_text(json.dumps(meta))
    (tmp_path / "current").symlink_to("releases/r")
    settings = ServeSettings(store=tmp_path, query_workers=0, response_cache_mb=0, page_cache_mb=0)
    with TestClient(create_app(settings)) as c:
        assert c.get(doc(small_thing) + ".ttl").status_code == 200
        assert handed_over == []
        answer = c.get(doc(thing) + ".nt")
        assert answer.status_code == 200
        assert handed_over == ["make"]
        triples = list(ox.parse(answer.content, format=ox.RdfFormat.N_TRIPLES))
        assert len(triples) == blanks * (each + 1)
