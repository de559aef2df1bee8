"""What keeps the endpoint up, against a real server process (uvicorn) on the small data set:
the query timeout, the cap on running queries, the body limit, gzip, CORS, the SERVICE
allow-list, and a shutdown that leaves no worker behind."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import MINI, ROOT
from tests.live_server import free_port
from tests.test_executor_pool import CUT, ENDLESS, FakeSparql, alive, wait_until

JSON = "application/sparql-results+json"
QUICK = "SELECT ?s WHERE { ?s a ?c } LIMIT 3"
ALL_ROWS = "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


@contextmanager
def server(store: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real server process on ``store`` with ``KENNISGRAAF_*`` settings from ``env``. Its log
    goes to ``store.parent / "server-<port>.log"``; a traceback in it fails the test."""
    port = free_port()
    log_path = store.parent / f"server-{port}.log"
    full_env = {
        **os.environ,
        **{f"KENNISGRAAF_{k.upper()}": v for k, v in env.items()},
        "KENNISGRAAF_STORE": str(store),
        "KENNISGRAAF_PORT": str(port),
    }
    command = [sys.executable, "-m", "kennisgraaf", "serve"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _healthy(url, proc, log_path), limit=30), "no server"
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in log_path.read_text(), log_path.read_text()


def _healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"the server exited with {proc.returncode}: {log.read_text()}")
    try:
        return httpx.get(url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def workers_of(pid: int) -> list[int]:
    """The query worker processes whose parent is ``pid``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if ppid == pid and b"endpoint.pool_worker" in cmd:
            out.append(int(entry))
    return out


def query(url: str, q: str, **headers: str) -> httpx.Response:
    return httpx.get(
        url + "/sparql", params={"query": q}, headers={"Accept": JSON, **headers}, timeout=60
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("limits")
    shutil.copytree(MINI, tmp / "data")
    pipeline.build(BuildSettings(data=tmp / "data", store=tmp / "store"))
    return tmp / "store"


@pytest.fixture(scope="module")
def fake_service() -> Iterator[int]:
    import http.server

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeSparql)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def url(store: Path, fake_service: int) -> Iterator[str]:
    with server(
        store,
        query_timeout="2",
        max_body="4096",
        service_allow=f"127.0.0.1:{fake_service}",
    ) as (base, _proc):
        yield base


def test_a_never_ending_query_gets_503_while_the_server_keeps_answering(url: str) -> None:
    slow: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: slow.append(query(url, ENDLESS)))
    thread.start()
    others = []
    while thread.is_alive() and len(others) < 40:
        others.append((httpx.get(url + "/health", timeout=10), query(url, QUICK)))
    thread.join()
    assert others, "the slow query ended before anything else was asked"
    for health, quick in others:
        assert health.status_code == 200 and health.json()["ok"] is True
        assert quick.status_code == 200 and len(quick.json()["results"]["bindings"]) == 3
    (answer,) = slow
    assert answer.status_code == 503
    assert "took too long" in answer.text
    assert "KENNISGRAAF_QUERY_TIMEOUT" in answer.text
    assert "Traceback" not in answer.text


def test_a_timeout_after_the_first_bytes_cuts_the_response(url: str) -> None:
    with httpx.stream(
        "GET", url + "/sparql", params={"query": CUT}, headers={"Accept": JSON}, timeout=60
    ) as r:
        assert r.status_code == 200  # the result had started
        received = 0
        with pytest.raises(httpx.RemoteProtocolError):  # ends without its last chunk
            for chunk in r.iter_raw():
                received += len(chunk)
    assert received > 0
    assert query(url, QUICK).status_code == 200


def test_a_body_over_the_limit_is_refused_with_413(url: str) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } LIMIT 1\n" + "#" * 10_000 + "\n"
    headers = {"Content-Type": "application/sparql-query", "Accept": JSON}
    r = httpx.post(url + "/sparql", content=big, headers=headers)
    assert r.status_code == 413
    assert "4096 bytes" in r.text and "KENNISGRAAF_MAX_BODY" in r.text

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        data = big.encode()
        for i in range(0, len(data), 1000):
            yield data[i : i + 1000]

    r = httpx.post(url + "/sparql", content=chunked(), headers=headers)
    assert "content-length" not in r.request.headers
    assert r.status_code == 413
    assert "4096 bytes" in r.text
    small = httpx.post(url + "/sparql", content=big[:300], headers=headers)
    assert small.status_code == 200


def test_responses_are_gzipped_when_asked(url: str) -> None:
    plain = query(url, ALL_ROWS, **{"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    with httpx.stream(
        "GET",
        url + "/sparql",
        params={"query": ALL_ROWS},
        headers={"Accept": JSON, "Accept-Encoding": "gzip"},
        timeout=60,
    ) as r:
        assert r.headers["content-encoding"] == "gzip"
        assert "content-length" not in r.headers  # still streamed (chunked)
        raw = b"".join(r.iter_raw())
    assert len(raw) < len(plain.content) / 3
    assert gzip.decompress(raw) == plain.content
    tiny = query(url, "ASK {}", **{"Accept-Encoding": "gzip"})
    assert "content-encoding" not in tiny.headers  # under 1 KiB


def test_cors_lets_other_origins_read(url: str) -> None:
    origin = {"Origin": "https://elders.example"}
    r = query(url, QUICK, **origin)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        url + "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    put = httpx.options(
        url + "/store",
        headers={**origin, "Access-Control-Request-Method": "PUT"},
    )
    assert put.status_code == 400  # writes from another origin fail their preflight


def test_service_only_to_allowed_hosts_and_never_a_connection(url: str, fake_service: int) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        for q in (
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
            "SELECT * WHERE { BIND(<http://127.0.0.1:1/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        ):
            r = query(url, q)
            assert r.status_code == 400, q
            assert "is refused" in r.text
            assert "line 1, column" in r.text
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    finally:
        listener.close()
    calls = len(FakeSparql.calls)
    r = query(
        url,
        f"SELECT ?x WHERE {{ SERVICE <http://127.0.0.1:{fake_service}/sparql> {{ ?x ?y ?z }} }}",
    )
    assert r.status_code == 200
    assert r.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "remote"}}]
    assert len(FakeSparql.calls) == calls + 1


def test_beyond_workers_and_queue_the_server_says_it_is_busy(store: Path) -> None:
    with server(store, query_timeout="2", query_workers="1", query_queue="0") as (base, _p):
        slow: list[httpx.Response] = []
        thread = threading.Thread(target=lambda: slow.append(query(base, ENDLESS)))
        thread.start()
        time.sleep(0.5)  # let the slow query take the only worker
        busy = None
        while thread.is_alive():
            r = query(base, QUICK)
            if r.status_code == 503:
                busy = r
                break
            time.sleep(0.02)
        thread.join()
    assert busy is not None, "no query was refused while the only worker was busy"
    assert int(busy.headers["retry-after"]) >= 1
    assert "busy" in busy.text and "KENNISGRAAF_QUERY_WORKERS" in busy.text
    assert slow[0].status_code == 503 and "took too long" in slow[0].text


def test_serve_stops_its_workers_when_it_stops(store: Path) -> None:
    with server(store) as (base, proc):
        assert query(base, QUICK).status_code == 200
        workers = workers_of(proc.pid)
        assert len(workers) == 2
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        assert not any(alive(w) for w in workers)  # reaped before the server exited
    with server(store) as (base, proc):
        assert query(base, QUICK).status_code == 200
        workers = workers_of(proc.pid)
        proc.kill()  # no chance to clean up: the workers notice their parent is gone
        proc.wait()
        assert wait_until(lambda: not any(alive(w) for w in workers))
