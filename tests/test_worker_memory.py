"""Query workers copy the release into memory (``KENNISGRAAF_MEMORY_QUADS``,
``endpoint/pool_worker.py`` ``MemoryCopy``) and answer from the copy once it is complete: the copy
holds every quad of the release, blank nodes with their labels; the answers are the engine's on
the store on disk (in another order where the query gives none); a release over the limit, or the
setting 0, keeps the workers on disk; a write is seen at once and copied again; the timeout
still stops a query running on a copy; /metrics of a real server counts the workers in memory."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from endpoint.executor import Dataset, QueryJob, QueryTimeout
from endpoint.executor_pool import PoolExecutor
from endpoint.pool_worker import MemoryCopy
from tests.conftest import release_of
from tests.live_server import live_server
from tests.pool_support import ALL, ENDLESS, JSON, collect, run
from tests.sparql_support import WITHOUT_TOKEN
from tests.test_metrics import scrape, value

KG = "https://kennisgraaf.nl/"
BIG = 10**9


def job(query: str, formats: dict[str, str] | None = None) -> QueryJob:
    return QueryJob(query=query, formats=formats or ALL, dataset=Dataset(), base_iri=KG)


async def answer(pool: PoolExecutor, query: str) -> bytes:
    return await collect(await pool.query(job(query)))


async def until_in_memory(pool: PoolExecutor, want: int, tries: int = 400) -> None:
    """Asks quick queries, two at a time so that both workers take them, until ``want``
    workers have said that they answer from their copy."""
    for _ in range(tries):
        if pool.gauges()["in_memory"] >= want:
            return
        await asyncio.gather(*(answer(pool, "ASK { ?s ?p ?o }") for _ in range(2)))
        await asyncio.sleep(0.02)
    raise AssertionError(f"workers in memory: {pool.gauges()}")


def rows(data: bytes) -> Counter[str]:
    """The solutions of a SPARQL JSON answer as a multiset (order left out)."""
    return Counter(json.dumps(b, sort_keys=True) for b in json.loads(data)["results"]["bindings"])


def disk_answer(root: Path, query: str) -> bytes:
    store = ox.Store.read_only(str(release_of(root)))
    res = store.query(query, base_iri=KG, use_default_graph_as_union=True)
    assert isinstance(res, ox.QuerySolutions)
    return res.serialize(format=ox.QueryResultsFormat.JSON)


# --- the copy --------------------------------------------------------------------------------


def test_the_copy_holds_every_quad_of_the_release_blank_nodes_with_their_labels(
    built_root: Path,
) -> None:
    disk = ox.Store.read_only(str(release_of(built_root)))
    copy = MemoryCopy(disk, BIG, start=False)
    copy.copy()
    assert copy.store is not None
    quads = list(disk.quads_for_pattern(None, None, None, None))
    assert len(quads) > 5_000
    assert any(isinstance(q.subject, ox.BlankNode) for q in quads)  # the real data has them
    assert len(copy.store) == len(quads)
    assert set(copy.store.quads_for_pattern(None, None, None, None)) == set(quads)
    # made in the store's order, every copy gives the same order (every worker answers alike)
    other = MemoryCopy(disk, BIG, start=False)
    other.copy()
    assert other.store is not None
    assert list(copy.store.quads_for_pattern(None, None, None, None)) == list(
        other.store.quads_for_pattern(None, None, None, None)
    )


def test_no_copy_of_a_release_over_the_limit_nor_when_cancelled(built_root: Path) -> None:
    disk = ox.Store.read_only(str(release_of(built_root)))
    over = MemoryCopy(disk, len(disk) - 1, start=False)
    over.copy()
    assert over.store is None
    exact = MemoryCopy(disk, len(disk), start=False)
    exact.copy()
    assert exact.store is not None
    cancelled = MemoryCopy(disk, BIG, start=False)
    cancelled.cancelled = True
    cancelled.copy()
    assert cancelled.store is None


def test_the_copy_in_its_thread(built_root: Path) -> None:
    disk = ox.Store.read_only(str(release_of(built_root)))
    copy = MemoryCopy(disk, BIG)
    copy.join(60)
    assert copy.store is not None and len(copy.store) == len(disk)


# --- workers answering from their copy -------------------------------------------------------

ORDERED = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n) ?c",
    # blank nodes keep their labels: the same answer as on disk
    "SELECT ?b ?p ?o WHERE { ?b ?p ?o FILTER isBlank(?b) } ORDER BY ?b ?p ?o",
]
UNORDERED = [
    "SELECT ?s ?c WHERE { ?s a ?c }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
]


def test_workers_answer_from_their_copy_what_the_engine_answers_on_disk(
    built_root: Path,
) -> None:
    async def body(pool: PoolExecutor) -> list[Any]:
        await until_in_memory(pool, 2)
        out = [await answer(pool, q) for q in ORDERED + UNORDERED]
        # both workers at once: each answers one (the same order from every worker's copy)
        out.append(await asyncio.gather(*(answer(pool, UNORDERED[0]) for _ in range(2))))
        out.append(pool.gauges())
        return out

    *answers, both, gauges = run(built_root, body, query_workers=2, memory_quads=BIG)
    assert gauges["in_memory"] == 2 and gauges["alive"] == 2
    assert both[0] == both[1] == answers[len(ORDERED)]
    for query, data in zip(ORDERED, answers[: len(ORDERED)], strict=True):
        assert data == disk_answer(built_root, query), query
    for query, data in zip(UNORDERED, answers[len(ORDERED) :], strict=True):
        assert rows(data) == rows(disk_answer(built_root, query)), query
        assert len(rows(data)) > 1
    assert b'"bnode"' in answers[2]


@pytest.mark.parametrize("limit", [0, 100])
def test_workers_stay_on_disk_when_the_setting_is_0_or_the_release_is_larger(
    built_root: Path, limit: int
) -> None:
    async def body(pool: PoolExecutor) -> dict[str, int]:
        for _ in range(30):
            await asyncio.gather(*(answer(pool, "ASK { ?s ?p ?o }") for _ in range(2)))
            await asyncio.sleep(0.02)
        return pool.gauges()

    gauges = run(built_root, body, query_workers=2, memory_quads=limit)
    assert gauges["alive"] == 2 and gauges["in_memory"] == 0


def test_a_write_is_seen_at_once_and_then_copied_again(built_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "store"
    shutil.copytree(built_root, root, symlinks=True, ignore=shutil.ignore_patterns("exports"))
    ask = "ASK { <urn:x:new> <urn:x:p> 'written' }"

    async def body(pool: PoolExecutor) -> list[Any]:
        await until_in_memory(pool, 1)
        before = await answer(pool, ask)
        await pool.update("INSERT DATA { <urn:x:new> <urn:x:p> 'written' }")
        after = await answer(pool, ask)
        on_disk = pool.gauges()["in_memory"]  # the worker that answered reopened the store
        await until_in_memory(pool, 2)
        again = [await answer(pool, ask) for _ in range(4)]
        return [before, after, on_disk, again]

    before, after, on_disk, again = run(root, body, writable=True, query_workers=2)
    assert b'"boolean":false' in before
    assert b'"boolean":true' in after
    assert on_disk <= 1
    assert all(b'"boolean":true' in a for a in again)


def test_the_timeout_stops_a_query_on_a_copy(built_root: Path) -> None:
    async def body(pool: PoolExecutor) -> tuple[list[int], list[int], bool, bytes]:
        await until_in_memory(pool, 1)
        before = pool.worker_pids()
        with pytest.raises(QueryTimeout):
            await pool.query(job(ENDLESS, {"solutions": JSON}))
        after = pool.worker_pids()
        return before, after, pool.counts["timeout"] == 1, await answer(pool, "ASK {}")

    before, after, stopped, later = run(
        built_root, body, query_workers=1, query_timeout=1.5, memory_quads=BIG
    )
    assert stopped and before != after
    assert b'"boolean":true' in later


# --- a real server ---------------------------------------------------------------------------


def _gauge(url: str) -> dict[str, int]:
    """The gauge ``kennisgraaf_query_workers`` of the server's /metrics, by state."""
    samples = scrape(httpx.get, f"{url}/metrics")
    states = ("configured", "alive", "busy", "in_memory")
    return {s: int(value(samples, "kennisgraaf_query_workers", state=s)) for s in states}


def _ask(url: str) -> None:
    r = httpx.post(f"{url}/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON})
    assert r.status_code == 200


@pytest.mark.parametrize(("setting", "want"), [(None, 2), ("0", 0)])
def test_metrics_of_a_real_server_count_the_workers_in_memory(
    built_root: Path, setting: str | None, want: int
) -> None:
    env = WITHOUT_TOKEN | {"KENNISGRAAF_QUERY_WORKERS": "2"}
    if setting is not None:
        env["KENNISGRAAF_MEMORY_QUADS"] = setting
    with live_server(built_root, env) as url:
        for _ in range(200):
            if _gauge(url).get("in_memory") == 2:
                break
            for _ in range(3):
                _ask(url)
        gauges = _gauge(url)
    assert gauges["configured"] == 2 and gauges["alive"] == 2
    assert gauges["in_memory"] == want


def test_a_lookup_in_the_server_and_by_a_worker_in_memory_give_the_same_rows(
    built_root: Path,
) -> None:
    subject = f"{KG}id/hub/pilothub-xr"
    lookup = f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"

    async def body(pool: PoolExecutor) -> tuple[bytes, bytes, int]:
        await until_in_memory(pool, 2)
        here = await answer(pool, lookup)
        lookups = pool.lookups
        there = await answer(pool, lookup + " # by a worker")
        assert pool.lookups == lookups
        return here, there, lookups

    here, there, lookups = run(built_root, body, query_workers=2, memory_quads=BIG)
    assert lookups >= 1
    assert rows(here) == rows(there) and len(rows(here)) > 5


def test_a_new_worker_copies_the_release_before_its_first_query(built_root: Path) -> None:
    """A worker opens the release when it starts (also one that replaces a worker stopped at
    the timeout), so its first query is answered from the copy once that is made."""

    async def body(pool: PoolExecutor) -> tuple[list[bool], list[bool]]:
        await answer(pool, "ASK {}")  # the release is open in this process
        await pool.start()
        await asyncio.sleep(3)  # the copy of the real data takes a fraction of that
        first = [await answer(pool, "ASK { ?s ?p ?o }") and pool.gauges()["in_memory"] == 1]
        with pytest.raises(QueryTimeout):
            await pool.query(job(ENDLESS, {"solutions": JSON}))
        while not pool.gauges()["alive"]:
            await asyncio.sleep(0.05)
        await asyncio.sleep(3)
        await answer(pool, "ASK { ?s ?p ?o }")
        return first, [pool.gauges()["in_memory"] == 1]

    first, replaced = run(built_root, body, query_workers=1, query_timeout=1.5, memory_quads=BIG)
    assert first == [True] and replaced == [True]


@pytest.mark.parametrize(
    ("setting", "said"),
    [("-5", "greater than or equal to 0"), ("veel", "valid integer")],
)
def test_a_bad_setting_is_refused_with_its_name(built_root: Path, setting: str, said: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kennisgraaf", "serve", "--store", str(built_root), "--port", "1"],
        env={**os.environ, **WITHOUT_TOKEN, "KENNISGRAAF_MEMORY_QUADS": setting},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "KENNISGRAAF_MEMORY_QUADS" in proc.stderr and said in proc.stderr
    assert "Traceback" not in proc.stderr
