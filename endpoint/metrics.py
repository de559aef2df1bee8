"""``/metrics``: what the server is doing, in Prometheus' text format (version 0.0.4).

What an operator watches on a SPARQL server, as Fuseki and the Wikidata query service expose it:

- requests per area of the site (the first segment of the path: ``sparql``, ``doc``, ``search``,
  ...; ``home`` for ``/``, ``other`` for paths no route starts with), method and status code,
  and their durations as a histogram per area (:class:`RequestMetrics`, in front of everything,
  so answers from the response cache and the SPARQL fast path count too);
- queries answered in the server process (lookups) and by a worker, queries refused because
  every worker was busy (``503``), stopped at the timeout, and lost with their worker; workers
  configured, alive and busy, and queries waiting for one;
- hits, misses and size of the response and page caches;
- the release served, its triples and the writes made to it since the build;
- the server processes' memory, CPU time and open files (``process_*``, the names Prometheus'
  own client libraries use).

With ``kennisgraaf serve --processes N`` a scrape reaches one of the N processes. So that it
sees the whole server, each process writes its figures to a file of its own in
``KENNISGRAAF_METRICS_DIR`` (the parent process makes one and removes it at the end) every
second and when it answers ``/metrics``, and the one that answers adds them up: counters of
every process that ever wrote there (a process that died and was started again would otherwise
take its counts with it), gauges of the processes alive now. The other processes' figures are
at most a second old.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .executor import Executor
from .executor_pool import PoolExecutor
from .inline_http import InlineAnswer, Whole
from .page_cache import BoundedCache
from .page_models import PageModels
from .store import NoRelease, ReleaseStore

log = logging.getLogger("kennisgraaf.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"))
WRITE_EVERY = 1.0  # seconds between the snapshots of a process that shares a metrics folder
STARTED = time.time()
_clock = time.perf_counter
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

# name -> (type, help); the order of the exposition
FAMILIES: dict[str, tuple[str, str]] = {
    "kennisgraaf_build_info": ("gauge", "The release being served (its id in the label)."),
    "kennisgraaf_triples": ("gauge", "Quads in the store being served."),
    "kennisgraaf_writes_since_build": (
        "gauge",
        "Writes (SPARQL Update, Graph Store) made to the release since it was built.",
    ),
    "kennisgraaf_server_processes": ("gauge", "Server processes whose figures are included."),
    "kennisgraaf_http_requests_total": (
        "counter",
        "HTTP requests answered, by area of the site, method and status code.",
    ),
    "kennisgraaf_http_request_duration_seconds": (
        "histogram",
        "Time from a request's arrival to the end of its answer, by area of the site.",
    ),
    "kennisgraaf_queries_total": (
        "counter",
        "SPARQL queries run in the server process (lookups) or handed to a query worker "
        "(those that fail too).",
    ),
    "kennisgraaf_lookups_built_total": (
        "counter",
        "Lookups in the server process answered from the answers the build wrote, without the "
        'engine (part of kennisgraaf_queries_total{where="server"}).',
    ),
    "kennisgraaf_queries_refused_total": (
        "counter",
        "Queries answered 503 because every query worker was busy and the queue was full.",
    ),
    "kennisgraaf_queries_timed_out_total": (
        "counter",
        "Queries stopped at the timeout (KENNISGRAAF_QUERY_TIMEOUT).",
    ),
    "kennisgraaf_query_workers_lost_total": (
        "counter",
        "Query workers that ended in the middle of a query (for example: out of memory).",
    ),
    "kennisgraaf_query_workers": (
        "gauge",
        "Query worker processes: configured, alive, busy with a query, and answering from "
        "their copy of the release in memory (KENNISGRAAF_MEMORY_QUADS; as of their last "
        "result).",
    ),
    "kennisgraaf_queries_waiting": ("gauge", "Queries waiting for a free query worker."),
    "kennisgraaf_entity_pages_total": (
        "counter",
        "Entity pages rendered (not from a cache), by where their content came from: the "
        "build's pages (made='build') or the store (made='store'; also every page after a "
        "write, and all of them when the build's pages were made by other code).",
    ),
    "kennisgraaf_cache_hits_total": ("counter", "Answers found in a cache."),
    "kennisgraaf_cache_misses_total": ("counter", "Look-ups that missed a cache."),
    "kennisgraaf_cache_bytes": ("gauge", "Bytes held by a cache."),
    "process_resident_memory_bytes": ("gauge", "Resident memory of the server processes."),
    "process_cpu_seconds_total": ("counter", "CPU time of the server processes (user+system)."),
    "process_open_fds": ("gauge", "Open file descriptors of the server processes."),
    "process_start_time_seconds": (
        "gauge",
        "When the oldest server process started (seconds since the epoch).",
    ),
}

Labels = tuple[tuple[str, str], ...]
# one sample: family, name suffix (_bucket, _sum, ... or ""), labels, value
Sample = tuple[str, str, Labels, float]


class RequestMetrics:
    """Counts every HTTP request and how long its answer took, in front of the whole app."""

    def __init__(self, app: ASGIApp, areas: Iterable[str] = ()) -> None:
        self.app = app
        self.areas = frozenset(areas)  # the first path segments of the app's routes
        self.requests: dict[tuple[str, str, int], int] = {}
        self.durations: dict[str, list[float]] = {}  # area -> bucket counts, +Inf, sum
        # held while a request is counted and while the counts are copied for reading: copying
        # a dict that another thread adds to is not atomic (making the copy's objects can start
        # a garbage collection, which can run Python code and let the other thread in; CI saw
        # "dictionary changed size during iteration")
        self._lock = threading.Lock()

    def area(self, path: str) -> str:
        if path == "/":
            return "home"
        first = path[1:].partition("/")[0]
        return first if first in self.areas else "other"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = _clock()
        box = _Status(send)
        failed = True
        try:
            await self.app(scope, receive, box.send)
            failed = False
        finally:
            # no answer started: the app failed (the server answers 500), or the client left
            # first (counted as 499, "client closed request", as nginx does; not an error of ours)
            status = box.status or (500 if failed else 499)
            self.observe(scope["path"], scope["method"], status, _clock() - start)

    def counted(self, answer: InlineAnswer) -> InlineAnswer:
        """``answer`` (an inline answerer, ``endpoint/inline_http.py``), with each request it
        answers counted as those that go through here."""

        def inline(method: str, path: str, *request: Any) -> Whole | None:
            start = _clock()
            made = answer(method, path, *request)
            if made is not None:
                self.observe(path, method, made[0], _clock() - start)
            return made

        return inline

    def observe(self, path: str, method: str, status: int, seconds: float) -> None:
        area = self.area(path)
        key = (area, method if method in METHODS else "other", status)
        requests = self.requests
        with self._lock:
            requests[key] = requests.get(key, 0) + 1
            counts = self.durations.get(area)
            if counts is None:
                counts = self.durations[area] = [0.0] * (len(BUCKETS) + 2)
            counts[bisect_left(BUCKETS, seconds)] += 1
            counts[-1] += seconds

    def samples(self) -> list[Sample]:
        """The counts so far. Called from other threads (``/metrics`` runs in the thread pool,
        the shared file is written from one) while the event loop adds requests: the counts
        are copied under the lock that :meth:`observe` holds, then read."""
        with self._lock:
            requests = list(self.requests.items())
            durations = [(area, list(counts)) for area, counts in self.durations.items()]
        out: list[Sample] = []
        family = "kennisgraaf_http_requests_total"
        for (area, method, status), count in requests:
            labels = (("area", area), ("method", method), ("code", str(status)))
            out.append((family, "", labels, count))
        family = "kennisgraaf_http_request_duration_seconds"
        for area, counts in durations:
            running = 0.0
            for le, n in zip((*BUCKETS, float("inf")), counts, strict=False):
                running += n
                bound = "+Inf" if le == float("inf") else repr(le)
                out.append((family, "_bucket", (("area", area), ("le", bound)), running))
            out.append((family, "_sum", (("area", area),), counts[-1]))
            out.append((family, "_count", (("area", area),), running))
        return out


class _Status:
    """The ``send`` of one request that notes the status code of its answer (0 until it
    starts)."""

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


def process_samples() -> list[Sample]:
    """This process's memory, CPU time, open files and start (from ``/proc`` where there is
    one, as Prometheus' client libraries do)."""
    out: list[Sample] = []
    with contextlib.suppress(OSError, ValueError, IndexError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        out.append(("process_resident_memory_bytes", "", (), pages * _PAGE))
    times = os.times()
    out.append(("process_cpu_seconds_total", "", (), times.user + times.system))
    with contextlib.suppress(OSError):
        out.append(("process_open_fds", "", (), len(os.listdir("/proc/self/fd"))))
    out.append(("process_start_time_seconds", "", (), STARTED))
    return out


class ServerMetrics:
    """Gathers the figures of this process and, with a metrics folder, of its siblings."""

    def __init__(
        self,
        requests: RequestMetrics,
        reader: ReleaseStore,
        executor: Executor,
        caches: dict[str, BoundedCache[Any, Any]],
        folder: Path | None,
        pages: PageModels | None = None,
    ) -> None:
        self.requests = requests
        self.pages = pages
        self.reader = reader
        self.executor = executor
        self.caches = caches
        self.folder = folder
        self.pid = os.getpid()

    # -- this process ------------------------------------------------------------------------

    def own(self) -> list[Sample]:
        out = self.requests.samples()
        pool = self.executor
        if isinstance(pool, PoolExecutor):  # (queries in this process without workers: none)
            counts, g = pool.counts, pool.gauges()
            out += [
                ("kennisgraaf_queries_total", "", (("where", "server"),), pool.lookups),
                ("kennisgraaf_queries_total", "", (("where", "worker"),), counts["worker"]),
                ("kennisgraaf_lookups_built_total", "", (), pool.built_lookups),
                ("kennisgraaf_queries_refused_total", "", (), counts["refused"]),
                ("kennisgraaf_queries_timed_out_total", "", (), counts["timeout"]),
                ("kennisgraaf_query_workers_lost_total", "", (), counts["failed"]),
                ("kennisgraaf_queries_waiting", "", (), g["waiting"]),
            ]
            for state in ("configured", "alive", "busy", "in_memory"):
                out.append(("kennisgraaf_query_workers", "", (("state", state),), g[state]))
        if self.pages is not None:
            for made, n in (("build", self.pages.from_build), ("store", self.pages.from_store)):
                out.append(("kennisgraaf_entity_pages_total", "", (("made", made),), n))
        for name, cache in self.caches.items():
            labels = (("cache", name),)
            out += [
                ("kennisgraaf_cache_hits_total", "", labels, cache.hits),
                ("kennisgraaf_cache_misses_total", "", labels, cache.misses),
                ("kennisgraaf_cache_bytes", "", labels, cache.bytes),
            ]
        out += process_samples()
        return out

    def release(self) -> list[Sample]:
        """The release served: the same for every process, so it is not added up."""
        try:
            triples = self.reader.triples()
        except NoRelease:
            return []
        rid = str(self.reader.meta.get("id") or self.reader.target)
        return [
            ("kennisgraaf_build_info", "", (("release", rid),), 1),
            ("kennisgraaf_triples", "", (), triples),
            ("kennisgraaf_writes_since_build", "", (), self.reader.writes),
        ]

    # -- the processes of one server ---------------------------------------------------------

    def write(self) -> None:
        """This process's figures into its file in the metrics folder (replaced whole)."""
        if self.folder is None:
            return
        path = self.folder / f"{self.pid}.json"
        part = path.with_suffix(".tmp")
        part.write_text(json.dumps({"pid": self.pid, "samples": self.own()}))
        part.replace(path)

    async def keep_writing(self) -> None:
        """Writes the figures every :data:`WRITE_EVERY` seconds (a task of the app's life)."""
        while True:
            try:
                await asyncio.to_thread(self.write)
            except OSError:
                pass  # the folder is gone (the server stops) or full: try again later
            except Exception:  # a defect: logged, and the next second tries again
                log.exception("could not write the figures for /metrics")
            await asyncio.sleep(WRITE_EVERY)

    def gathered(self) -> tuple[list[Sample], int]:
        """The samples of every process (counters) and of the live ones (gauges), added up,
        and the number of live processes."""
        if self.folder is None:
            return self.own(), 1
        try:
            self.write()
        except OSError as e:  # a folder that cannot be written: this process's figures alone
            log.warning("cannot write the figures for /metrics to %s: %s", self.folder, e)
            return self.own(), 1
        totals: dict[tuple[str, str, Labels], float] = {}
        started: list[float] = []
        live = 0
        for path in sorted(self.folder.glob("*.json")):
            try:
                data = json.loads(path.read_text())
                pid = int(data["pid"])
                samples = [(f, s, tuple(map(tuple, ls)), v) for f, s, ls, v in data["samples"]]
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being replaced, or not ours
            running = pid == self.pid or alive(pid)
            live += running
            for family, suffix, labels, value in samples:
                kind = FAMILIES.get(family, ("", ""))[0]
                if not kind or (kind == "gauge" and not running):
                    continue  # a family this version does not know, or a dead one's gauge
                if family == "process_start_time_seconds":
                    started.append(value)
                    continue
                key = (family, suffix, labels)
                totals[key] = totals.get(key, 0.0) + value
        out: list[Sample] = [(f, s, ls, v) for (f, s, ls), v in totals.items()]
        if started:
            out.append(("process_start_time_seconds", "", (), min(started)))
        return out, max(live, 1)

    def exposition(self) -> str:
        samples, processes = self.gathered()
        samples = [
            *self.release(),
            ("kennisgraaf_server_processes", "", (), processes),
            *samples,
        ]
        by_family: dict[str, list[Sample]] = {}
        for sample in samples:
            if sample[0] in FAMILIES:
                by_family.setdefault(sample[0], []).append(sample)
        lines = []
        for family, (kind, text) in FAMILIES.items():
            found = by_family.get(family)
            if not found:
                continue
            lines += [f"# HELP {family} {text}", f"# TYPE {family} {kind}"]
            for _f, suffix, labels, value in sorted(found, key=_order):
                lines.append(f"{family}{suffix}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n"


def _order(sample: Sample) -> tuple[Any, ...]:
    _family, suffix, labels, _value = sample
    # buckets in the order of their bounds, not of their text
    key = [(k, float(v) if k == "le" else 0.0, v) for k, v in labels]
    return (suffix != "_bucket", key, suffix)


def alive(pid: int) -> bool:
    """Whether a process with this id runs (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels) + "}"


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def metrics_router(metrics: ServerMetrics) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    def expose() -> Response:
        return Response(
            metrics.exposition(),
            media_type=CONTENT_TYPE,
            headers={"Cache-Control": "no-store"},
        )

    return router


def route_areas(routes: Iterable[Any]) -> frozenset[str]:
    """The first segments of the paths of ``routes`` (an app's, with the routes of the routers
    it includes): the areas requests are counted by."""
    out = set()
    for route in routes:
        path = getattr(route, "path", None)
        if isinstance(path, str):
            first = path[1:].partition("/")[0]
            if first and "{" not in first:
                out.add(first)
        # FastAPI keeps an included router as one entry that holds the router's routes
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            out |= route_areas(inner)
    return frozenset(out)
