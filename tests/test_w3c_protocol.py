"""The W3C SPARQL 1.1 Protocol tests (``tests/w3c/protocol/manifest.ttl``), every one of
them, against a real ``kennisgraaf serve`` with writes enabled.

The manifest's paths start with ``/sparql/``; ours is ``/sparql``. Updates need our bearer
token, so every request carries it. Before each test the store is emptied (``DROP ALL``) and
the test's ``ut:graphData`` is loaded through the Graph Store (``PUT /store?graph=...``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sparql_support import AUTH, empty_release, serving
from tests.w3c_manifest import W3C, W3CTest, read_tests, run_test

TESTS = read_tests(W3C / "protocol" / "manifest.ttl", {"/sparql/": "/sparql"})


def test_the_manifest_holds_all_34_protocol_tests() -> None:
    assert len(TESTS) == 34
    assert len({t.id for t in TESTS}) == 34


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    store = empty_release(tmp_path_factory.mktemp("w3c-protocol") / "store")
    with serving(store) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


def load(client: httpx.Client, data: list[tuple[Path, str]]) -> None:
    r = client.post(
        "/sparql",
        content="DROP ALL",
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )
    assert r.status_code == 204, r.text
    for file, graph in data:
        r = client.put(
            "/store",
            params={"graph": graph},
            content=file.read_bytes(),
            headers={"Content-Type": "application/n-triples", **AUTH},
        )
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("test", TESTS, ids=str)
def test_w3c_protocol(client: httpx.Client, test: W3CTest) -> None:
    load(client, test.graph_data)
    run_test(client, test, AUTH)
