"""The worker-process executor on a real release of the small data set: the same bytes as
pyoxigraph in-process, errors with their position, the timeout, the cap, writes, and no worker
left behind."""

from __future__ import annotations

import asyncio
import http.server
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from endpoint.executor import (
    Dataset,
    NotAcceptable,
    Overloaded,
    QueryError,
    QueryJob,
    QueryTimeout,
    WritesDisabled,
)
from endpoint.executor_pool import PoolExecutor
from endpoint.limits import ServiceRefused
from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import MINI, ROOT
from tests.pool_support import ALL, CUT, ENDLESS, JSON, alive, collect, run

KG = "https://kennisgraaf.nl/"


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("pool")
    shutil.copytree(MINI, tmp / "data")
    root = tmp / "store"
    pipeline.build(BuildSettings(data=tmp / "data", store=root))
    return root


@pytest.fixture
def writable_root(store_root: Path, tmp_path: Path) -> Path:
    """A copy of the store that a test may change."""
    root = tmp_path / "store"
    shutil.copytree(store_root, root, symlinks=True, ignore=shutil.ignore_patterns("exports"))
    return root


def wait_until(cond: Callable[[], bool], limit: float = 15) -> bool:
    end = time.monotonic() + limit
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


CASES = [
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o", "solutions", JSON),
    ("SELECT * WHERE { ?s a ?c } LIMIT 50", "solutions", "application/sparql-results+xml"),
    ("SELECT ?s ?o WHERE { ?s ?p ?o } LIMIT 200", "solutions", "text/csv"),
    ("SELECT ?s ?o WHERE { ?s ?p ?o } LIMIT 200", "solutions", "text/tab-separated-values"),
    ("ASK { ?s a ?c }", "boolean", JSON),
    ("ASK { <urn:x:nothing> ?p ?o }", "boolean", "application/sparql-results+xml"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "graph", "application/n-triples"),
    ("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c }", "graph", "text/turtle"),
    ("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 20", "graph", "application/rdf+xml"),
    ("DESCRIBE ?s WHERE { ?s a ?c } LIMIT 3", "graph", "application/ld+json"),
]


def test_results_are_the_bytes_pyoxigraph_gives_in_process(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> list[tuple[str, str, bytes]]:
        out = []
        for query, kind, media in CASES:
            formats = {"solutions": None, "boolean": None, "graph": None, kind: media}
            result = await pool.query(QueryJob(query, formats))  # type: ignore[arg-type]
            out.append((result.kind, result.media_type, await collect(result)))
        return out

    # workers on disk, as the store here (in memory, queries without ORDER BY may give other
    # rows: tests/test_worker_memory.py)
    got = run(store_root, body, memory_quads=0)
    store = ox.Store.read_only(str((store_root / "current").resolve()))
    for (query, kind, media), (got_kind, got_media, data) in zip(CASES, got, strict=True):
        res = store.query(query, use_default_graph_as_union=True)
        fmt = (ox.RdfFormat if kind == "graph" else ox.QueryResultsFormat).from_media_type(media)
        expected = res.serialize(format=fmt)  # type: ignore[arg-type]
        assert (got_kind, got_media) == (kind, media)
        assert data == expected, query
    assert len(got[0][2]) > 256 * 1024  # a result of many chunks


def test_the_dataset_of_the_job_is_used(store_root: Path) -> None:
    graph = f"{KG}graph/ontologie"
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    async def body(pool: PoolExecutor) -> tuple[int, int]:
        counts = []
        for ds in (Dataset(), Dataset(default_graphs=(graph,))):
            data = await collect(await pool.query(QueryJob(query, ALL, ds)))
            counts.append(int(json.loads(data)["results"]["bindings"][0]["n"]["value"]))
        return counts[0], counts[1]

    union, one = run(store_root, body)
    assert 0 < one < union


def test_a_bad_query_gives_its_line_and_column(store_root: Path) -> None:
    query = "SELECT *\nWHERE { ?s ?p }"

    async def body(pool: PoolExecutor) -> QueryError:
        with pytest.raises(QueryError) as bad:
            await pool.query(QueryJob(query, ALL))
        return bad.value

    err = run(store_root, body)
    with pytest.raises(SyntaxError) as in_process:
        ox.Store().query(query)
    assert str(err) == str(in_process.value)
    assert err.line == 2
    assert str(err).startswith(f"error at 2:{err.column}:")


def test_a_result_kind_without_a_format_is_not_acceptable(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> None:
        formats = {"solutions": JSON, "boolean": JSON, "graph": None}
        with pytest.raises(NotAcceptable) as refused:
            await pool.query(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", formats))  # type: ignore[arg-type]
        assert refused.value.kind == "graph"
        # the worker is free again
        assert await collect(await pool.query(QueryJob("ASK {}", ALL))) == (
            b'{"head":{},"boolean":true}'
        )

    run(store_root, body)


def test_a_slow_query_is_stopped_and_its_worker_replaced(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> tuple[list[int], list[int], bytes, str]:
        await pool.start()
        before = pool.worker_pids()
        with pytest.raises(QueryTimeout) as stopped:
            await pool.query(QueryJob(ENDLESS, ALL))
        after = await collect(await pool.query(QueryJob("ASK { ?s ?p ?o }", ALL)))
        return before, pool.worker_pids(), after, str(stopped.value)

    before, after, answer, message = run(store_root, body, query_timeout=1, query_workers=1)
    assert len(before) == len(after) == 1
    assert before != after
    assert not alive(before[0])
    assert answer == b'{"head":{},"boolean":true}'
    assert "KENNISGRAAF_QUERY_TIMEOUT" in message


def test_a_timeout_after_the_first_bytes_cuts_the_stream(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> tuple[int, str]:
        result = await pool.query(QueryJob(CUT, ALL))  # the first chunk is there: no error yet
        received = 0
        with pytest.raises(QueryTimeout) as cut:
            async for chunk in result.chunks:
                received += len(chunk)
        return received, str(cut.value)

    received, message = run(store_root, body, query_timeout=1.5, query_workers=1)
    assert received > 0
    assert "cut off" in message


def test_queries_beyond_workers_and_queue_are_refused(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> Overloaded:
        await pool.start()
        slow = asyncio.ensure_future(pool.query(QueryJob(ENDLESS, ALL)))
        while pool._busy == 0:  # the first query has its worker
            await asyncio.sleep(0.01)
        with pytest.raises(Overloaded) as busy:  # a query that needs a worker
            await pool.query(QueryJob("ASK { ?s ?p ?o }", ALL))
        # ASK {} reads nothing: answered in this process like a lookup, workers or not
        assert await collect(await pool.query(QueryJob("ASK {}", ALL))) == (
            b'{"head":{},"boolean":true}'
        )
        with pytest.raises(QueryTimeout):
            await slow
        return busy.value

    busy = run(store_root, body, query_timeout=2, query_workers=1, query_queue=0)
    assert busy.retry_after >= 1
    assert "KENNISGRAAF_QUERY_WORKERS" in str(busy)


def test_a_query_waits_in_the_queue_for_a_worker(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> list[bytes]:
        jobs = [pool.query(QueryJob("SELECT * { ?s ?p ?o } LIMIT 5", ALL)) for _ in range(4)]
        return [await collect(r) for r in await asyncio.gather(*jobs)]

    answers = run(store_root, body, query_workers=1, query_queue=3)
    assert len(set(answers)) == 1 and b"bindings" in answers[0]


def test_writes_are_seen_by_the_next_query(writable_root: Path) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:x:p> ?o }"

    async def n(pool: PoolExecutor) -> int:
        data = await collect(await pool.query(QueryJob(count, ALL)))
        return int(json.loads(data)["results"]["bindings"][0]["n"]["value"])

    async def body(pool: PoolExecutor) -> list[int]:
        seen = [await n(pool)]
        await pool.update("INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:p> 1 } }")
        seen.append(await n(pool))

        def add(store: ox.Store) -> None:
            q = ox.Quad(ox.NamedNode("urn:x:b"), ox.NamedNode("urn:x:p"), ox.Literal(2))
            store.add(q)

        await pool.write(add)
        seen.append(await n(pool))
        seen.append(
            await pool.read(
                lambda store: len(
                    list(store.quads_for_pattern(None, ox.NamedNode("urn:x:p"), None))
                )
            )
        )
        return seen

    assert run(writable_root, body, writable=True, query_workers=2) == [0, 1, 2, 2]


def test_a_write_waits_for_the_query_in_flight(writable_root: Path) -> None:
    async def body(pool: PoolExecutor) -> list[str]:
        events: list[str] = []

        async def slow() -> None:
            try:
                await pool.query(QueryJob(ENDLESS, ALL))
            except QueryTimeout:
                events.append("query stopped")

        task = asyncio.ensure_future(slow())
        while pool._busy == 0:
            await asyncio.sleep(0.01)
        await pool.update("INSERT DATA { <urn:x:a> <urn:x:p> 1 }")
        events.append("write done")
        await task
        return events

    events = run(writable_root, body, writable=True, query_timeout=1.5)
    assert events == ["query stopped", "write done"]


def test_an_update_with_a_syntax_error_and_writes_disabled(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> None:
        with pytest.raises(WritesDisabled):
            await pool.update("INSERT DATA { <urn:x:a> <urn:x:p> 1 }")

    run(store_root, body)

    async def bad(pool: PoolExecutor) -> QueryError:
        with pytest.raises(QueryError) as e:
            await pool.update("INSERT DATA { <urn:x:a> <urn:x:p> }")
        return e.value

    assert run(store_root, bad, writable=True).line == 1


def test_no_worker_outlives_aclose(store_root: Path) -> None:
    async def body(pool: PoolExecutor) -> list[int]:
        await pool.start()
        slow = asyncio.ensure_future(pool.query(QueryJob(ENDLESS, ALL)))
        while pool._busy == 0:
            await asyncio.sleep(0.01)
        pids = pool.worker_pids()
        await pool.aclose()
        slow.cancel()
        return pids

    pids = run(store_root, body, query_workers=2)
    assert len(pids) == 2
    assert not any(alive(p) for p in pids)


CHILD = """
import asyncio, os, signal, sys
from pathlib import Path
from endpoint.executor import QueryJob
from endpoint.executor_pool import PoolExecutor
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore

async def main():
    root = Path(sys.argv[1])
    pool = PoolExecutor(ServeSettings(store=root), ReleaseStore(root))
    await pool.start()
    asyncio.ensure_future(pool.query(QueryJob(sys.argv[2], {"solutions": "text/csv"})))
    while pool._busy == 0:
        await asyncio.sleep(0.01)
    print(" ".join(map(str, pool.worker_pids())), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def test_workers_leave_when_the_server_process_is_killed(store_root: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(store_root), ENDLESS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 2
    # one worker is busy in a query, the other idle: both notice that their parent is gone
    assert wait_until(lambda: not any(alive(p) for p in pids))


class FakeSparql(http.server.BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self) -> None:
        FakeSparql.calls.append(self.path)
        body = json.dumps(
            {
                "head": {"vars": ["x"]},
                "results": {"bindings": [{"x": {"type": "literal", "value": "remote"}}]},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_service() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeSparql)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeSparql.calls = []
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_pyoxigraph_calls_an_allowed_service_and_the_pool_refuses_others(
    store_root: Path, fake_service: int
) -> None:
    query = f"SELECT ?x WHERE {{ SERVICE <http://127.0.0.1:{fake_service}/sparql> {{ ?x ?y ?z }} }}"

    async def allowed(pool: PoolExecutor) -> bytes:
        return await collect(await pool.query(QueryJob(query, {"solutions": "text/csv"})))  # type: ignore[arg-type]

    assert (
        run(store_root, allowed, service_allow=[f"127.0.0.1:{fake_service}"]) == b"x\r\nremote\r\n"
    )
    assert len(FakeSparql.calls) == 1  # pyoxigraph 0.5.13 does federate over HTTP

    async def refused(pool: PoolExecutor) -> None:
        with pytest.raises(ServiceRefused):
            await pool.query(QueryJob(query, ALL))

    run(store_root, refused)
    assert len(FakeSparql.calls) == 1
