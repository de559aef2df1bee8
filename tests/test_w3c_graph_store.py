"""The W3C SPARQL 1.1 Graph Store HTTP Protocol tests (``tests/w3c/graph-store-protocol/``):
all 14 that the manifests describe (the 13 they list, 4 direct and 9 indirect, and
``head_non_existing_direct``, which ``manifest-direct.ttl`` describes but does not list), against a real ``kennisgraaf serve`` with writes enabled.

The manifests' paths start with ``/gsp``; ours is ``/store`` (``/gsp/person/1.ttl`` becomes
``/store/person/1.ttl``, a graph named by its own URL). Writes carry our bearer token. Before
each test the store is emptied with ``DROP ALL``.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.sparql_support import AUTH, empty_release, serving
from tests.w3c_manifest import W3C, W3CTest, read_tests, run_test

GSP = W3C / "graph-store-protocol"
PATHS = {"/gsp": "/store"}
DIRECT = read_tests(GSP / "manifest-direct.ttl", PATHS)
INDIRECT = read_tests(GSP / "manifest-indirect.ttl", PATHS)
TESTS = DIRECT + INDIRECT


def test_the_manifests_hold_13_listed_tests_and_one_unlisted() -> None:
    ids = {t.id for t in TESTS}
    assert len(TESTS) == len(ids) == 14
    assert len(DIRECT) == 5 and len(INDIRECT) == 9
    assert "head_non_existing_direct" in ids


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    store = empty_release(tmp_path_factory.mktemp("w3c-gsp") / "store")
    with serving(store) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@pytest.mark.parametrize("test", TESTS, ids=str)
def test_w3c_graph_store(client: httpx.Client, test: W3CTest) -> None:
    r = client.post(
        "/sparql", content="DROP ALL", headers={"Content-Type": "application/sparql-update", **AUTH}
    )
    assert r.status_code == 204, r.text
    run_test(client, test, AUTH)


def test_direct_identification_names_the_graph_by_its_url(client: httpx.Client) -> None:
    """What the direct tests rely on: /store/person/1.ttl is the graph <{url}/store/person/1.ttl>,
    reachable by ?graph= too."""
    r = client.put(
        "/store/person/9.ttl",
        content=b"<http://www.example/s> <http://www.example/p> 9 .",
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert r.status_code in (201, 204)
    iri = str(client.base_url).rstrip("/") + "/store/person/9.ttl"
    r = client.get("/store", params={"graph": iri}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert "<http://www.example/p>" in r.text
