"""``/metrics`` (Prometheus' text format) and ``/health``: what an operator watches.

The real app in-process (with its query workers) for what each request adds; a real
``kennisgraaf serve --processes 2`` for figures added up over the server processes, also after one
of them was killed and started again; the adding up itself on hand-made files; ``/health``
answering from the build's count while the store is as built.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from endpoint import metrics as metrics_module
from endpoint import serve
from endpoint.app import create_app
from endpoint.metrics import FAMILIES, RequestMetrics, ServerMetrics
from endpoint.serve import METRICS_PREFIX
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore
from ingest import pipeline
from ingest.settings import BuildSettings
from tests.live_server import live_server
from tests.pool_support import ENDLESS
from tests.sparql_support import TOKEN, update

LINE = re.compile(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
LOOKUP = "SELECT ?p ?o WHERE { <https://kennisgraaf.nl/id/hub/pilothub-xr> ?p ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def parse(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The samples of an exposition; checks that every sample's family has HELP and TYPE
    first, and that every line is a comment or a sample."""
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    typed: dict[str, str] = {}
    helped: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert name in helped, f"TYPE before HELP: {line}"
            typed[name] = kind
        else:
            m = LINE.match(line)
            assert m, f"not a sample: {line!r}"
            name, labels, value = m.groups()
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            family = family if family in typed else name
            assert family in typed, f"a sample without TYPE: {line}"
            key = (name, frozenset(LABEL.findall(labels or "")))
            assert key not in out, f"a sample twice: {line}"
            out[key] = float(value)
    return out


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(
    get: object, url: str = "/metrics"
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = get(url)  # type: ignore[operator]
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert r.headers["cache-control"] == "no-store"
    return parse(r.text)


def check_histogram(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], area: str
) -> None:
    name = "kennisgraaf_http_request_duration_seconds"
    buckets = sorted(
        (float(dict(ls)["le"]), v)
        for (n, ls), v in samples.items()
        if n == name + "_bucket" and dict(ls)["area"] == area
    )
    assert buckets[-1][0] == math.inf
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), "buckets are cumulative"
    assert counts[-1] == value(samples, name + "_count", area=area) > 0
    assert value(samples, name + "_sum", area=area) > 0


@pytest.fixture
def app_client(mini_store: Path) -> Iterator[TestClient]:
    settings = ServeSettings(
        store=mini_store, query_workers=1, query_timeout=2, query_queue=0, update_token=TOKEN
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_every_request_is_counted_by_area_method_and_status(app_client: TestClient) -> None:
    before = scrape(app_client.get)
    assert app_client.get("/").status_code == 200
    assert app_client.get("/bestaat/niet").status_code == 404
    assert (
        app_client.get("/doc/hub/pilothub-xr", headers={"accept": "text/html"}).status_code == 200
    )
    assert app_client.post("/sparql", data={"query": LOOKUP}).status_code == 200  # fast path
    assert app_client.post("/sparql", data={"query": COUNT}).status_code == 200  # a worker
    assert app_client.post("/sparql", data={"query": "SELEC nothing"}).status_code == 400
    after = scrape(app_client.get)

    def grew(**labels: str) -> float:
        name = "kennisgraaf_http_requests_total"
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(area="home", method="GET", code="200") == 1
    assert grew(area="other", method="GET", code="404") == 1
    assert grew(area="doc", method="GET", code="200") == 1
    assert grew(area="sparql", method="POST", code="200") == 2
    assert grew(area="sparql", method="POST", code="400") == 1
    assert grew(area="metrics", method="GET", code="200") == 1  # the first scrape
    for area in ("home", "doc", "sparql", "other"):
        check_histogram(after, area)
    assert value(after, "kennisgraaf_queries_total", where="server") == 1  # the lookup
    # the COUNT, and the bad query (a worker's parser says what is wrong with it)
    assert value(after, "kennisgraaf_queries_total", where="worker") == 2
    assert value(after, "kennisgraaf_query_workers", state="configured") == 1
    assert value(after, "kennisgraaf_query_workers", state="alive") == 1
    assert value(after, "kennisgraaf_query_workers", state="busy") == 0
    assert value(after, "kennisgraaf_server_processes") == 1
    assert value(after, "process_resident_memory_bytes") > 10 * 2**20
    assert value(after, "process_cpu_seconds_total") > 0
    assert 0 < value(after, "process_start_time_seconds") <= time.time()
    # every family the exposition names is one of ours, with its HELP and TYPE
    assert {n for n, _ in after} <= {
        f + s for f in FAMILIES for s in ("", "_bucket", "_sum", "_count")
    }


def test_the_release_its_triples_and_writes(app_client: TestClient, mini_store: Path) -> None:
    health = app_client.get("/health").json()
    samples = scrape(app_client.get)
    assert value(samples, "kennisgraaf_build_info", release=health["release"]) == 1
    assert value(samples, "kennisgraaf_triples") == health["triples"]
    assert value(samples, "kennisgraaf_writes_since_build") == 0
    update(
        app_client,
        "INSERT DATA { GRAPH <https://kennisgraaf.nl/graph/test> { <urn:a> <urn:b> <urn:c> } }",
    )
    samples = scrape(app_client.get)
    assert value(samples, "kennisgraaf_writes_since_build") == 1
    assert value(samples, "kennisgraaf_triples") == health["triples"] + 1


def test_timeouts_and_refusals_are_counted(app_client: TestClient) -> None:
    answers: list[int] = []
    slow = threading.Thread(
        target=lambda: answers.append(
            app_client.post("/sparql", data={"query": ENDLESS}).status_code
        )
    )
    slow.start()
    deadline = time.monotonic() + 10
    refused = 0
    while slow.is_alive() and time.monotonic() < deadline:  # the only worker is busy
        if value(scrape(app_client.get), "kennisgraaf_query_workers", state="busy") == 1:
            r = app_client.post("/sparql", data={"query": COUNT})
            refused += r.status_code == 503
            break
        time.sleep(0.02)
    slow.join()
    assert answers == [503]  # stopped at the timeout (2 s)
    samples = scrape(app_client.get)
    assert value(samples, "kennisgraaf_queries_timed_out_total") == 1
    assert value(samples, "kennisgraaf_queries_refused_total") == refused == 1


def test_the_caches_count_their_hits(mini_store: Path) -> None:
    with TestClient(create_app(ServeSettings(store=mini_store, query_workers=0))) as c:
        for _ in range(3):
            assert (
                c.get("/doc/hub/pilothub-xr", headers={"accept": "text/turtle"}).status_code == 200
            )
        samples = scrape(c.get)
    assert value(samples, "kennisgraaf_cache_hits_total", cache="response") == 2
    assert value(samples, "kennisgraaf_cache_misses_total", cache="response") >= 1
    assert value(samples, "kennisgraaf_cache_bytes", cache="response") > 0
    assert ("kennisgraaf_cache_hits_total", frozenset({("cache", "page")})) in samples


# -- several server processes -----------------------------------------------------------------


@pytest.fixture
def built(mini_data: Path, tmp_path: Path) -> Path:
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
    return store


def test_several_processes_add_up_to_one_server(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {"KENNISGRAAF_QUERY_WORKERS": "1", "KENNISGRAAF_METRICS_DIR": str(folder)}
    temporary = set(Path(tempfile.gettempdir()).glob(METRICS_PREFIX + "*"))
    with live_server(built, env, "--processes", "2") as url:
        # the folder given is used; serve makes no temporary one of its own
        assert set(Path(tempfile.gettempdir()).glob(METRICS_PREFIX + "*")) == temporary
        sent = 24
        for _ in range(sent):  # a new connection each: the kernel spreads them over both
            assert httpx.post(url + "/sparql", data={"query": LOOKUP}).status_code == 200
        time.sleep(metrics_module.WRITE_EVERY * 1.5)  # every process has written its figures
        first = scrape(httpx.get, url + "/metrics")
        assert value(first, "kennisgraaf_server_processes") == 2
        name = "kennisgraaf_http_requests_total"
        assert value(first, name, area="sparql", method="POST", code="200") == sent
        assert value(first, "kennisgraaf_queries_total", where="server") == sent
        assert value(first, "kennisgraaf_query_workers", state="configured") == 2
        # every scrape, whichever process answers it, sees the whole server
        for _ in range(6):
            again = scrape(httpx.get, url + "/metrics")
            assert value(again, name, area="sparql", method="POST", code="200") == sent
            assert value(again, "kennisgraaf_server_processes") == 2

        # a process killed and started again: counters do not go back, gauges are of the living
        pids = sorted(int(p.stem) for p in folder.glob("*.json"))
        assert len(pids) == 2
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while len(list(folder.glob("*.json"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(metrics_module.WRITE_EVERY * 1.5)
        after = scrape(httpx.get, url + "/metrics")
        assert value(after, "kennisgraaf_server_processes") == 2
        assert value(after, name, area="sparql", method="POST", code="200") == sent
        assert value(after, "kennisgraaf_query_workers", state="configured") == 2


def test_serve_with_processes_makes_its_metrics_folder_and_removes_it(built: Path) -> None:
    pattern = METRICS_PREFIX + "*"
    before = set(Path(tempfile.gettempdir()).glob(pattern))
    with live_server(built, {"KENNISGRAAF_QUERY_WORKERS": "1"}, "--processes", "2") as url:
        time.sleep(metrics_module.WRITE_EVERY * 1.5)
        made = set(Path(tempfile.gettempdir()).glob(pattern)) - before
        assert made, "serve --processes makes a folder for /metrics"
        assert any(len(list(d.glob("*.json"))) == 2 for d in made)
        assert value(scrape(httpx.get, url + "/metrics"), "kennisgraaf_server_processes") == 2
    assert not any(d.exists() for d in made), "and removes it when it stops"


def test_a_killed_servers_metrics_folder_is_removed_by_the_next(
    built: Path, tmp_path: Path
) -> None:
    """``serve --processes`` killed with SIGKILL cannot remove its temporary folder; the next
    one removes the folders whose owner is gone, and leaves those of running servers, other
    folders and folders it cannot read."""
    temp = Path(tempfile.gettempdir())
    dead = 2**22 + 54321  # above any pid_max this machine hands out
    while metrics_module.alive(dead):  # pragma: no cover - but be sure
        dead += 1
    stale = Path(tempfile.mkdtemp(prefix=METRICS_PREFIX, dir=temp))
    (stale / serve.OWNER).write_text(str(dead))
    (stale / "1234.json").write_text("{}")
    running = Path(tempfile.mkdtemp(prefix=METRICS_PREFIX, dir=temp))
    (running / serve.OWNER).write_text(str(os.getpid()))
    unknown = Path(tempfile.mkdtemp(prefix=METRICS_PREFIX, dir=temp))  # no owner file
    try:
        with live_server(built, {"KENNISGRAAF_QUERY_WORKERS": "1"}, "--processes", "2") as url:
            assert httpx.get(url + "/health").status_code == 200
            assert not stale.exists()
            assert running.exists() and unknown.exists()
            owned = [d for d in temp.glob(METRICS_PREFIX + "*") if (d / serve.OWNER).is_file()]
            assert len(owned) == 2  # the running one's and the new server's
    finally:
        for d in (stale, running, unknown):
            shutil.rmtree(d, ignore_errors=True)
    assert serve.remove_stale_metrics_folders(tmp_path) == []  # an empty folder: nothing


def test_adding_up_keeps_dead_processes_counters_but_not_their_gauges(
    tmp_path: Path, mini_store: Path
) -> None:
    reader = ReleaseStore(mini_store)
    requests = RequestMetrics(None, ["doc"])  # type: ignore[arg-type]
    mine = ServerMetrics(requests, reader, object(), {}, tmp_path)
    dead = 2**22 + 12345  # above any pid_max this machine hands out
    while metrics_module.alive(dead):  # pragma: no cover - but be sure
        dead += 1
    samples = [
        [
            "kennisgraaf_http_requests_total",
            "",
            [["area", "doc"], ["method", "GET"], ["code", "200"]],
            5,
        ],
        ["kennisgraaf_query_workers", "", [["state", "busy"]], 3],
        ["process_start_time_seconds", "", [], 1.0],
        ["kennisgraaf_from_another_version", "", [], 7],  # not known here: left out
    ]
    (tmp_path / f"{dead}.json").write_text(json.dumps({"pid": dead, "samples": samples}))
    (tmp_path / "kapot.json").write_text("{niet af")  # a file being written: skipped
    requests.observe("/doc/y", "GET", 200, 0.01)
    text = mine.exposition()
    got = parse(text)
    assert value(got, "kennisgraaf_http_requests_total", area="doc", method="GET", code="200") == 6
    assert value(got, "kennisgraaf_query_workers", state="busy") == 0  # not the dead one's 3
    assert value(got, "kennisgraaf_server_processes") == 1
    assert value(got, "process_start_time_seconds") == metrics_module.STARTED  # the living
    assert "kennisgraaf_from_another_version" not in text
    assert (tmp_path / f"{os.getpid()}.json").is_file(), "the answering process wrote its own"


def test_a_metrics_folder_that_cannot_be_written_gives_this_process_alone(
    mini_store: Path, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "een-bestand"
    not_a_folder.write_text("")
    settings = ServeSettings(store=mini_store, query_workers=0, metrics_dir=not_a_folder)
    with TestClient(create_app(settings)) as c:
        assert c.get("/").status_code == 200
        samples = scrape(c.get)
    assert (
        value(samples, "kennisgraaf_http_requests_total", area="home", method="GET", code="200")
        == 1
    )
    assert value(samples, "kennisgraaf_server_processes") == 1


def test_an_answer_never_started_is_500_if_the_app_failed_else_499() -> None:
    """No answer started: the app failed (the server answers 500, and the error goes on), or
    the client left first (499, as nginx counts it: not an error of the server)."""

    async def answers(scope: object, receive: object, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def client_left(scope: object, receive: object, send: object) -> None:
        return None  # as the SPARQL fast path does when the client is gone

    async def fails(scope: object, receive: object, send: object) -> None:
        raise RuntimeError("a defect")

    async def sink(message: object) -> None:
        return None

    scope = {"type": "http", "path": "/sparql", "method": "POST"}
    for app, code in ((answers, "204"), (client_left, "499"), (fails, "500")):
        requests = RequestMetrics(app, ["sparql"])
        raised = False
        try:
            asyncio.run(requests(scope, None, sink))  # type: ignore[arg-type]
        except RuntimeError:
            raised = True
        assert raised == (app is fails)
        codes = {
            dict(labels)["code"]: n
            for family, _suffix, labels, n in requests.samples()
            if family == "kennisgraaf_http_requests_total"
        }
        assert codes == {code: 1}, (app.__name__, codes)


def test_counts_can_be_read_from_another_thread_while_requests_come_in() -> None:
    """``/metrics`` and the shared file read the counts in a thread while the event loop adds
    to them: a new area or status code must not break the reading."""
    errors: list[BaseException] = []
    interval = sys.getswitchinterval()
    threshold = gc.get_threshold()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    # a collection at almost every allocation, with Python code in it (a callback): what lets
    # another thread in halfway through copying a dict (seen in CI with a large heap)
    gc.set_threshold(5)
    gc.callbacks.append(_collected)
    try:
        for _ in range(10):
            _race(errors)
    finally:
        gc.callbacks.remove(_collected)
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)
    assert not errors


def _collected(phase: str, info: dict[str, int]) -> None:
    return None


def _race(errors: list[BaseException]) -> None:
    """One thread reads the counts over and over while this one adds 4,500 new ones."""
    requests = RequestMetrics(None, ["a", "b"])  # type: ignore[arg-type]
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                requests.samples()
            except RuntimeError as e:  # dictionary changed size during iteration
                errors.append(e)
                return

    reader = threading.Thread(target=read)
    reader.start()
    for status in range(100, 1600):
        for path in ("/a", "/b", "/c"):
            requests.observe(path, "GET", status, 0.01)
    done.set()
    reader.join()


# -- /health --------------------------------------------------------------------------------------


def test_health_takes_the_count_of_the_build_until_a_write(mini_store: Path) -> None:
    release = (mini_store / "current").resolve()
    meta_file = release.with_suffix(".json")
    real = len(ox.Store.read_only(str(release)))
    meta = json.loads(meta_file.read_text())
    assert meta["triples"] == real
    meta["triples"] = 4242  # a count only the metadata has: /health must not count the store
    meta_file.write_text(json.dumps(meta))
    settings = ServeSettings(store=mini_store, query_workers=0, update_token=TOKEN)
    with TestClient(create_app(settings)) as c:
        assert c.get("/health").json() == {"ok": True, "release": meta["id"], "triples": 4242}
        update(c, "INSERT DATA { <urn:a> <urn:b> <urn:c> }")
        assert c.get("/health").json()["triples"] == real + 1  # counted after the write
        update(c, "INSERT DATA { <urn:a> <urn:b> <urn:d> }")
        assert c.get("/health").json()["triples"] == real + 2  # and again after the next
