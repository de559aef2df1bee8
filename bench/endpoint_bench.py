"""Benchmark of the SPARQL endpoint: ``kennisgraaf serve`` next to Oxigraph's own server.

    python -m bench.endpoint_bench [--sizes 100k,1M] [--clients 1,8,32] [--duration 10]
                                   [--mixes lookup,engine,trivial] [--rounds 3]
                                   [--out bench/out/endpoint.json]

For each size a synthetic data folder is generated (``bench.generate``; a folder whose manifest
matches is reused) and then:

* ``kennisgraaf build`` makes a release of it (exports off: ``KENNISGRAAF_BUILD_EXPORTS=false``);
* the release is dumped as N-Quads (``Store.dump``) and loaded with ``oxigraph load``, so both
  servers hold exactly the same quads;
* three query mixes are made from that data: **lookup** (every triple of one entity, or its
  labels, for a few hundred different entities), **engine** (aggregates and joins: counts per
  class, per concept, persons -> posts -> units, ``REGEX`` over labels) and **trivial**
  (``ASK {}`` and an empty ``SELECT``);
* the floor: each query of a mix run with pyoxigraph in this process (``Store.read_only``, query
  plus serialisation to SPARQL JSON), single-threaded, the mean time per query;
* the servers on 127.0.0.1, all started before the first timing: ``kennisgraaf serve`` with
  its default settings, ``oxigraph serve --union-default-graph`` (our endpoint's default graph
  is the union of all graphs too) and the Python ceiling. Before any timing every query is sent
  once to each server, and each must give the same number of result rows as the floor. Then,
  per mix and number of concurrent clients (connections), the servers take turns, never two at
  once (the machine's cores belong to the one measured): ``--rounds`` rounds in which ``wrk``
  sends the mix's queries in turn to each server for ``--duration / --rounds`` seconds
  (``POST`` form-encoded, ``Accept: application/sparql-results+json``), after a short warm-up
  per mix; its Lua script prints requests, errors and the latency percentiles as JSON. A cell
  is the median of its rounds, a ratio the median of the ratios of the rounds side by side, so
  that a machine whose speed drifts within minutes moves both servers alike.

``wrk`` (a C load generator; Debian's package) is used because a Python client saturates long
before the servers do (about 350 requests/s for httpx here). It runs one thread on the same
machine, so it takes some CPU from both servers alike. The result is printed as Markdown tables
(requests/s, p50, p95, errors and the ratio Kennisgraaf ÷ Oxigraph) and written as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.build_bench import data_folder, machine, size_label
from bench.generate import MANIFEST, parse_count
from bench.process_memory import MemorySampler, memory_table, tree_cpu_s
from endpoint.settings import ServeSettings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
DEFAULT_SIZES = "100k,1M"
DEFAULT_CLIENTS = "1,8,32"
MIXES = ("lookup", "engine", "trivial")
HOST = "127.0.0.1"
JSON_RESULTS = "application/sparql-results+json"
SEED = 20240511
LOOKUP_ENTITIES = 300
WARMUP_S = 2.0
ROUNDS = 3  # turns per cell (measure_interleaved)
FLOOR_BUDGET_S = 4.0  # in-process timing of one mix: at most this long (at least one pass)
START_TIMEOUT_S = 120.0
IDLE_LIMIT_S = 120.0  # the longest wait for a server to finish the queries of a previous run
ENGINE_LOOKUPS = "kennisgraaf-engine"  # the name of the server of --engine-lookups
OXIGRAPH_MEMORY = "oxigraph-memory"  # the name of the server of --oxigraph-memory
SANITY_TIMEOUT_S = 120.0
# the targets of issue 3 at 8 clients: Kennisgraaf ÷ Oxigraph requests/s
TARGETS = {"engine": 1.0, "lookup": 0.6}
TARGET_CLIENTS = 8

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX kg: <https://kennisgraaf.nl/def/>
"""

ENGINE_QUERIES = (
    # counts per class
    "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)",
    # counts per concept, with its Dutch label
    """SELECT ?concept (COUNT(?s) AS ?n) WHERE { ?s dcterms:subject ?concept }
GROUP BY ?concept ORDER BY DESC(?n)""",
    """SELECT ?sector (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s kg:sector ?sector }
GROUP BY ?sector ORDER BY DESC(?n)""",
    """SELECT ?group (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s kg:targetGroup ?group }
GROUP BY ?group ORDER BY DESC(?n)""",
    # joins: persons -> posts -> units (-> the unit's parent)
    """SELECT ?unit (COUNT(DISTINCT ?person) AS ?people) WHERE {
  ?post org:heldBy ?person ; org:postIn ?unit .
  ?person a foaf:Person .
} GROUP BY ?unit ORDER BY DESC(?people) LIMIT 100""",
    """SELECT ?parent (COUNT(DISTINCT ?person) AS ?people) WHERE {
  ?post org:heldBy ?person ; org:postIn ?unit .
  ?unit org:unitOf ?parent .
} GROUP BY ?parent ORDER BY DESC(?people)""",
    """SELECT ?role (COUNT(*) AS ?n) WHERE { ?person org:holds ?post . ?post org:role ?role }
GROUP BY ?role ORDER BY DESC(?n)""",
    # provenance per source document
    """SELECT ?source (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e prov:wasDerivedFrom ?source }
GROUP BY ?source ORDER BY DESC(?n)""",
    # REGEX over labels
    """SELECT (COUNT(*) AS ?n) WHERE {
  ?s skos:prefLabel ?label FILTER(REGEX(STR(?label), "^fonds", "i")) }""",
    """SELECT (COUNT(*) AS ?n) WHERE {
  ?s skos:prefLabel ?label FILTER(REGEX(STR(?label), "hub [0-9]+5$", "i")) }""",
    """SELECT ?s ?label WHERE {
  ?s skos:prefLabel ?label FILTER(REGEX(?label, "platform .*7", "i")) } ORDER BY ?label LIMIT 50""",
    """SELECT (COUNT(*) AS ?n) WHERE {
  ?s dcterms:description ?d FILTER(CONTAINS(LCASE(STR(?d)), "innovatie")) }""",
)

TRIVIAL_QUERIES = ("ASK {}", "SELECT * WHERE {} LIMIT 1")

# The end of every wrk script here: prints the figures as one JSON line (latencies in µs).
WRK_DONE_LUA = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""

# wrk's script: cycles through the request bodies (one form-encoded body a line) and prints the
# figures as one JSON line. Latencies are in microseconds.
WRK_LUA = (
    r"""
local bodies = {}
local n = 0
local i = 0
local path = "/"
function init(args)
  path = args[2]
  for line in io.lines(args[1]) do
    n = n + 1
    bodies[n] = line
  end
  i = math.floor(n * (tonumber(args[3]) or 0)) % n
end
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Accept"] = "application/sparql-results+json",
}
function request()
  i = i % n + 1
  return wrk.format("POST", path, headers, bodies[i])
end
"""
    + WRK_DONE_LUA
)


@dataclass
class Server:
    name: str
    label: str
    command: list[str]
    path: str  # the query endpoint's path
    env: dict[str, str]
    preload: Path | None = None  # N-Quads POSTed to /store once it is up (Oxigraph in memory)


def kennisgraaf_server(store: str, processes: int, env: dict[str, str]) -> Server:
    """``kennisgraaf serve`` on the store folder ``store`` (also for ``bench/pages_bench.py``)."""
    command = [str(BIN / "kennisgraaf"), "serve", "--store", store, "--host", HOST]
    command += ["--port", "{port}", "--processes", str(processes)]
    return Server("kennisgraaf", "Kennisgraaf", command, "/sparql", env)


def oxigraph_server(location: str, env: dict[str, str]) -> Server:
    """Oxigraph's own server on ``location``, the default graph the union of all graphs."""
    command = [_oxigraph(), "serve", "--location", location, "--bind", f"{HOST}:{{port}}"]
    return Server("oxigraph", "Oxigraph", [*command, "--union-default-graph"], "/query", env)


def oxigraph_memory_server(dump: Path, env: dict[str, str]) -> Server:
    """Oxigraph's own server with its store in memory (``serve`` without ``--location``), the
    release's quads (``dump``, N-Quads) POSTed to its ``/store`` once it is up."""
    command = [_oxigraph(), "serve", "--bind", f"{HOST}:{{port}}", "--union-default-graph"]
    return Server(OXIGRAPH_MEMORY, "Oxigraph in memory", command, "/query", env, dump)


# --- setup ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{(done.stderr or done.stdout)[-2000:]}")
    return round(time.perf_counter() - t0, 2)


def _digest(folder: Path) -> str:
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()[:16]


def prepare_stores(n: int, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    """Our release and an Oxigraph store with the same quads, under ``bench/out/endpoint-<n>/``;
    reused when made from the same generated data."""
    work = OUT / f"endpoint-{size_label(n).lower()}"
    stamp = work / "stamp.json"
    # "release": what a release holds beyond the quads (2: the list of large subjects in its
    # metadata, without which lookups are counted per request; 3: the answers to lookups,
    # endpoint/lookup_answers.py); older stores are rebuilt
    key = {"data": _digest(folder), "kennisgraaf": _pkg_version(), "release": 3}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")).get("key") == key:
        return json.loads(stamp.read_text(encoding="utf-8"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    kg_store, ox_store, nq = work / "kennisgraaf", work / "oxigraph", work / "dump.nq"
    print(f"{size_label(n)}: kennisgraaf build ...", file=sys.stderr, flush=True)
    build_s = _run(
        [
            str(BIN / "kennisgraaf"),
            "build",
            "--data",
            str(folder),
            "--store",
            str(kg_store),
            "--quiet",
        ],
        env,
    )
    release = (kg_store / "current").resolve()
    store = ox.Store.read_only(str(release))
    quads = len(store)
    store.dump(str(nq), ox.RdfFormat.N_QUADS)
    del store
    print(f"{size_label(n)}: oxigraph load ({quads} quads) ...", file=sys.stderr, flush=True)
    oxigraph = _oxigraph()
    load_s = _run([oxigraph, "load", "--location", str(ox_store), "--file", str(nq)])
    nq.unlink()
    info = {
        "key": key,
        "kennisgraaf_store": str(kg_store.relative_to(ROOT)),
        "release": str(release.relative_to(ROOT)),
        "oxigraph_store": str(ox_store.relative_to(ROOT)),
        "quads": quads,
        "build_s": build_s,
        "oxigraph_load_s": load_s,
    }
    stamp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _pkg_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("kennisgraaf")
    except metadata.PackageNotFoundError:
        return "?"


def _oxigraph() -> str:
    found = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not found:
        raise RuntimeError("oxigraph (Oxigraph's server, pip package `oxigraph`) is not installed")
    return found


def make_mixes(store: ox.Store, mixes: list[str]) -> dict[str, list[str]]:
    """The queries of each mix; lookups over entities sampled with a fixed seed."""
    out: dict[str, list[str]] = {}
    if "lookup" in mixes:
        rows = store.query(
            "SELECT DISTINCT ?s WHERE { ?s a ?c "
            'FILTER(STRSTARTS(STR(?s), "https://kennisgraaf.nl/id/") && !CONTAINS(STR(?s), "#")) }',
            use_default_graph_as_union=True,
        )
        entities = sorted(r[0].value for r in rows)  # type: ignore[union-attr]
        rng = random.Random(SEED)
        picked = rng.sample(entities, min(LOOKUP_ENTITIES, len(entities)))
        queries = []
        for i, e in enumerate(picked):
            if i % 2 == 0:
                queries.append(f"SELECT ?p ?o WHERE {{ <{e}> ?p ?o }}")
            else:
                queries.append(
                    PREFIXES
                    + f"SELECT ?label WHERE {{ <{e}> skos:prefLabel|skos:altLabel ?label }}"
                )
        out["lookup"] = queries
    if "engine" in mixes:
        out["engine"] = [PREFIXES + q for q in ENGINE_QUERIES]
    if "trivial" in mixes:
        out["trivial"] = list(TRIVIAL_QUERIES)
    return out


def _rows(body: bytes) -> int:
    data = json.loads(body)
    if "boolean" in data:
        return int(bool(data["boolean"]))
    return len(data["results"]["bindings"])


# --- the floor: pyoxigraph in this process ---------------------------------------------------


def floor(store: ox.Store, queries: list[str]) -> dict[str, Any]:
    """Query plus JSON serialisation in this process, single-threaded: rows per query (for the
    sanity check) and the mean time per query over as many passes as fit the budget."""

    def once(q: str) -> bytes:
        res = store.query(q, use_default_graph_as_union=True)
        assert isinstance(res, ox.QuerySolutions | ox.QueryBoolean)
        out = res.serialize(format=ox.QueryResultsFormat.JSON)
        assert out is not None
        return out

    rows = [_rows(once(q)) for q in queries]  # also the warm-up
    times: list[list[float]] = [[] for _ in queries]
    t_end = time.perf_counter() + FLOOR_BUDGET_S
    passes = 0
    while passes < 1 or (time.perf_counter() < t_end and passes < 50):
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            once(q)
            times[i].append(time.perf_counter() - t0)
        passes += 1
    per_query = [statistics.fmean(t) for t in times]
    mean = statistics.fmean(per_query)
    return {
        "rows": rows,
        "passes": passes,
        "mean_ms": round(mean * 1000, 3),
        "per_query_ms": [round(t * 1000, 3) for t in per_query],
        "requests_per_s_1_thread": round(1 / mean, 1),
    }


# --- servers --------------------------------------------------------------------------------


class Running:
    def __init__(self, server: Server, port: int, log: Path) -> None:
        self.server = server
        self.port = port
        self.url = f"http://{HOST}:{port}{server.path}"
        self.memory: MemorySampler | None = None
        self.memory_mb: dict[str, Any] | None = None  # ready, peak and end, once stopped
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.log = log
        self.proc = subprocess.Popen(
            server.command,
            cwd=ROOT,
            env=server.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def post(self, query: str, timeout: float) -> tuple[int, bytes]:
        data = urllib.parse.urlencode({"query": query}).encode()
        req = urllib.request.Request(
            self.url,
            data=data,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": JSON_RESULTS,
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                status, _ = self.post("ASK {}", 5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"{self.server.label} did not start: {self.log.read_text(errors='replace')[-2000:]}"
        )

    def preload(self) -> float | None:
        """POSTs the server's ``preload`` file (N-Quads) to its ``/store``; the seconds it
        took (``None`` without a file)."""
        if self.server.preload is None:
            return None
        t0 = time.perf_counter()
        base = self.url.rsplit("/", 1)[0]
        with open(self.server.preload, "rb") as f:
            req = urllib.request.Request(
                f"{base}/store",
                data=f,
                method="POST",
                headers={
                    "Content-Type": "application/n-quads",
                    "Content-Length": str(self.server.preload.stat().st_size),
                },
            )
            with urllib.request.urlopen(req, timeout=START_TIMEOUT_S * 5) as resp:
                resp.read()
        return round(time.perf_counter() - t0, 2)

    def wait_in_memory(self, limit_s: float = START_TIMEOUT_S * 3) -> float | None:
        """For ``kennisgraaf serve``, whose query workers copy a release of at most
        ``KENNISGRAAF_MEMORY_QUADS`` quads into memory: waits until every worker answers from
        its copy, asking quick queries so that each worker takes one (a worker says so with its
        next result, in the /metrics gauge). The seconds it took; ``None`` for a server without
        that gauge or when the release is larger than the setting."""
        base = self.url.rsplit("/", 1)[0]

        def get(path: str) -> str | None:
            try:
                with urllib.request.urlopen(f"{base}{path}", timeout=10) as resp:
                    return str(resp.read().decode())
            except (OSError, urllib.error.HTTPError):
                return None

        health = get("/health")
        default = ServeSettings.model_fields["memory_quads"].default
        limit = self.server.env.get("KENNISGRAAF_MEMORY_QUADS", str(default))
        if health is None or json.loads(health).get("triples", 0) > int(limit):
            return None
        t0 = time.monotonic()
        while time.monotonic() < t0 + limit_s:
            text = get("/metrics") or ""
            gauge = dict(re.findall(r'kennisgraaf_query_workers\{state="(\w+)"\} (\d+)', text))
            if "in_memory" not in gauge:
                return None
            if int(gauge["in_memory"]) >= int(gauge["configured"]):
                return round(time.monotonic() - t0, 1)
            asks = [
                threading.Thread(target=self.post, args=("ASK { ?s ?p ?o }", 30)) for _ in range(8)
            ]
            for t in asks:
                t.start()
            for t in asks:
                t.join()
            time.sleep(0.5)
        raise RuntimeError(
            f"{self.server.label}: its query workers did not copy the release "
            f"into memory within {limit_s:g} s"
        )

    def cpu_s(self) -> float:
        """CPU time (user + system) of the server and every process below it (server
        processes, query workers)."""
        return tree_cpu_s(self.proc.pid)

    def watch_memory(self) -> None:
        """From now on (the server is ready, no request sent yet) its memory is sampled."""
        self.memory = MemorySampler(self.proc.pid)

    def wait_idle(self, limit_s: float = IDLE_LIMIT_S) -> float:
        """Waits (at most ``limit_s``) until the server has stopped working on requests of
        an earlier run whose clients are gone: less than 10% of a core over half a second.
        Returns the seconds waited."""
        t0 = time.monotonic()
        last = self.cpu_s()
        while time.monotonic() - t0 < limit_s:
            time.sleep(0.5)
            now = self.cpu_s()
            if now - last < 0.05:
                break
            last = now
        return round(time.monotonic() - t0, 1)

    def stop(self) -> None:
        if self.memory is not None and self.memory_mb is None:
            self.memory_mb = self.memory.stop()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def wrk(
    url: str, bodies: Path, lua: Path, clients: int, duration: float, offset: float = 0.0
) -> dict[str, Any]:
    """One bounded wrk run (one thread, ``clients`` connections, ``duration`` seconds)."""
    parsed = urllib.parse.urlsplit(url)
    cmd = [
        "wrk",
        "-t1",
        f"-c{clients}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "60s",
        "-s",
        str(lua),
        f"{parsed.scheme}://{parsed.netloc}",
        "--",
        str(bodies),
        parsed.path,
        str(offset),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    r = json.loads(line.split(" ", 1)[1])
    seconds = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return {
        "clients": clients,
        "seconds": round(seconds, 2),
        "requests": r["requests"],
        "requests_per_s": round(r["requests"] / seconds, 1) if seconds else 0.0,
        "ok_per_s": round((r["requests"] - r["status"]) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(r["p50_us"] / 1000, 2),
        "p95_ms": round(r["p95_us"] / 1000, 2),
        "p99_ms": round(r["p99_us"] / 1000, 2),
        "max_ms": round(r["max_us"] / 1000, 2),
        "mean_ms": round(r["mean_us"] / 1000, 2),
        "errors": errors,
        "error_kinds": {k: r[k] for k in ("connect", "read", "write", "status", "timeout")},
        "mb_received": round(r["bytes"] / 2**20, 1),
    }


@dataclass
class Contender:
    """One server asked one mix, in an interleaved comparison (:func:`measure_interleaved`)."""

    key: str  # where its cells go
    running: Running
    url: str
    listing: Path  # wrk's input: the mix
    lua: Path


SUMMED = ("seconds", "requests", "errors", "mb_received")
MEDIAN = ("requests_per_s", "ok_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms")


def summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One cell from its rounds (one server, one mix, one number of clients): the median of
    each rate and latency, the sums of requests and errors, and the rounds themselves."""
    first = rounds[0]
    cell: dict[str, Any] = {"clients": first["clients"]}
    for k in SUMMED:
        cell[k] = round(sum(r[k] for r in rounds), 2)
    for k in MEDIAN:
        cell[k] = round(statistics.median(r[k] for r in rounds), 2)
    cell["error_kinds"] = {
        k: sum(r["error_kinds"][k] for r in rounds) for k in first["error_kinds"]
    }
    cell["rounds"] = rounds
    return cell


def measure_interleaved(
    contenders: list[Contender],
    mix: str,
    clients: list[int],
    duration: float,
    rounds: int,
) -> dict[str, list[dict[str, Any]]]:
    """The cells of every contender for one mix, measured in turns: for each number of clients,
    ``rounds`` rounds in which each contender runs ``duration / rounds`` seconds (at least 1),
    who goes first rotating from round to round. A contender measured next to the others, not
    minutes after them, sees the same machine: on a shared machine whose speed drifts within
    minutes, the ratio of two servers measured one after the other moved by ±15% between runs.
    Each cell is the median of its rounds (:func:`summarize`); :func:`ratio` pairs the rounds."""
    seconds = max(1.0, round(duration / rounds))

    def turn(c: Contender) -> None:  # only the server under load has its memory sampled
        for other in contenders:
            if other.running.memory is not None:
                (other.running.memory.resume if other is c else other.running.memory.pause)()

    previous: Running | None = None  # the server measured last
    for c in contenders:
        if previous is not None:
            previous.wait_idle()
        turn(c)
        print(f"    {c.running.server.label}, {mix}: warm-up ...", file=sys.stderr, flush=True)
        wrk(c.url, c.listing, c.lua, min(8, max(clients)), WARMUP_S, 0.5)
        previous = c.running
    out: dict[str, list[dict[str, Any]]] = {c.key: [] for c in contenders}
    for n in clients:
        done: dict[str, list[dict[str, Any]]] = {c.key: [] for c in contenders}
        for r in range(rounds):
            shift = r % len(contenders)
            for c in contenders[shift:] + contenders[:shift]:
                # requests whose clients left at the end of the previous run may still be
                # running (or queued) in the server just measured: they must not count here
                idle = previous.wait_idle() if previous is not None else 0.0
                turn(c)
                load = round(os.getloadavg()[0], 2)
                cell = wrk(c.url, c.listing, c.lua, n, seconds)
                done[c.key].append(cell | {"round": r, "load_before": load, "idle_wait_s": idle})
                previous = c.running
        for c in contenders:
            cell = summarize(done[c.key])
            print(
                f"    {c.running.server.label}, {mix}, {n} clients: "
                f"{cell['requests_per_s']:.0f}/s (rounds "
                + ", ".join(f"{x['requests_per_s']:.0f}" for x in done[c.key])
                + f"), p50 {cell['p50_ms']} ms, p95 {cell['p95_ms']} ms, "
                f"errors {cell['errors']}",
                file=sys.stderr,
                flush=True,
            )
            out[c.key].append(cell)
    for c in contenders:
        if c.running.memory is not None:
            c.running.memory.resume()
    return out


def start(server: Server, tmp: Path) -> Running:
    """``server`` on a free port (its command's ``{port}`` filled in), logging to ``tmp``."""
    port = _free_port()
    server.command = [c.replace("{port}", str(port)) for c in server.command]
    return Running(server, port, tmp / f"{server.name}.log")


def sanity(running: Running, queries: list[str], expected: list[int]) -> dict[str, Any]:
    """Every query of a mix once: the status and number of rows of each, and which differ in
    rows from the floor (in-process)."""
    rows, statuses = [], []
    for q in queries:
        status, body = running.post(q, SANITY_TIMEOUT_S)
        statuses.append(status)
        rows.append(_rows(body) if status == 200 else -1)
    mismatched = [i for i, (a, b) in enumerate(zip(rows, expected, strict=True)) if a != b]
    return {"sanity_rows": rows, "sanity_status": statuses, "sanity_mismatch": mismatched}


def bench_servers(
    servers: list[Server],
    mixes: dict[str, list[str]],
    expected: dict[str, list[int]],
    clients: list[int],
    duration: float,
    rounds: int,
    tmp: Path,
) -> dict[str, dict[str, Any]]:
    """Every server started at once (an idle one takes no CPU worth measuring), each mix
    checked on each, then measured in turns (:func:`measure_interleaved`)."""
    lua = tmp / "mix.lua"
    lua.write_text(WRK_LUA, encoding="utf-8")
    running: list[Running] = []
    results: dict[str, dict[str, Any]] = {}
    try:
        for server in servers:
            print(f"  {server.label}: starting ...", file=sys.stderr, flush=True)
            r = start(server, tmp)
            running.append(r)
            t0 = time.perf_counter()
            r.wait_ready()
            start_s = round(time.perf_counter() - t0, 2)
            in_memory_s = r.wait_in_memory()
            preload_s = r.preload()
            results[server.name] = {
                "command": server.command,
                "start_s": start_s,
                "in_memory_s": in_memory_s,
                "preload_s": preload_s,
                "mixes": {},
            }
            r.watch_memory()
        for mix, queries in mixes.items():
            bodies = tmp / f"{mix}.txt"
            bodies.write_text(
                "".join(urllib.parse.urlencode({"query": q}) + "\n" for q in queries),
                encoding="utf-8",
            )
            contenders = []
            for r in running:
                results[r.server.name]["mixes"][mix] = sanity(r, queries, expected[mix])
                contenders.append(Contender(r.server.name, r, r.url, bodies, lua))
            cells = measure_interleaved(contenders, mix, clients, duration, rounds)
            for name, got in cells.items():
                results[name]["mixes"][mix]["cells"] = got
    finally:
        for r in running:
            r.stop()
            if r.server.name in results:
                results[r.server.name]["memory"] = r.memory_mb
    return results


def bench_size(
    n: int,
    env: dict[str, str],
    mix_names: list[str],
    clients: list[int],
    duration: float,
    ceiling: bool = True,
    processes: int = 1,
    rounds: int = ROUNDS,
    engine_lookups: bool = False,
    oxigraph_memory: bool = False,
) -> dict[str, Any]:
    folder, generated, gen_s = data_folder(n)
    stores = prepare_stores(n, folder, env)
    store = ox.Store.read_only(str(ROOT / stores["release"]))
    mixes = make_mixes(store, mix_names)
    print(f"{size_label(n)}: in-process floor ...", file=sys.stderr, flush=True)
    floors = {mix: floor(store, queries) for mix, queries in mixes.items()}
    work = Path(tempfile.mkdtemp(prefix="endpoint-", dir=OUT))
    dump = work / "dump.nq"
    if oxigraph_memory:
        store.dump(str(dump), ox.RdfFormat.N_QUADS)
    del store
    expected = {mix: f["rows"] for mix, f in floors.items()}
    port_env = dict(env)
    servers = [
        kennisgraaf_server(str(ROOT / stores["kennisgraaf_store"]), processes, port_env),
        oxigraph_server(str(ROOT / stores["oxigraph_store"]), env),
    ]
    if engine_lookups:  # the same server, every lookup evaluated by the engine
        engine = kennisgraaf_server(
            str(ROOT / stores["kennisgraaf_store"]),
            processes,
            port_env | {"KENNISGRAAF_BUILT_LOOKUPS": "false"},
        )
        engine.name, engine.label = ENGINE_LOOKUPS, "Kennisgraaf, lookups by the engine"
        servers.append(engine)
    if oxigraph_memory:
        servers.append(oxigraph_memory_server(dump, env))
    if ceiling:
        servers.append(
            Server(
                "ceiling",
                "Python ceiling",
                [
                    sys.executable,
                    "-m",
                    "bench.python_ceiling",
                    HOST,
                    "{port}",
                    str(os.cpu_count() or 1),
                ],
                "/sparql",
                env | {"KENNISGRAAF_CEILING_STORE": str(ROOT / stores["release"])},
            )
        )
    try:
        print(f"{size_label(n)}: servers ...", file=sys.stderr, flush=True)
        results = bench_servers(servers, mixes, expected, clients, duration, rounds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "triples": n,
        "label": size_label(n),
        "data": str(folder.relative_to(ROOT)),
        "generated_now": generated,
        "generate_s": gen_s,
        "stores": stores,
        "queries": {mix: len(q) for mix, q in mixes.items()},
        "floor": floors,
        "servers": results,
    }


# --- output ---------------------------------------------------------------------------------


def ratio(size: dict[str, Any], mix: str, clients: int, name: str = "kennisgraaf") -> float | None:
    """Requests/s of server ``name`` ÷ Oxigraph's, for one mix and number of clients: the
    median of the ratios of the rounds measured side by side (the ratio of the two cells
    for a run without rounds)."""
    try:
        kg = next(
            c for c in size["servers"][name]["mixes"][mix]["cells"] if c["clients"] == clients
        )
        ox_ = next(
            c for c in size["servers"]["oxigraph"]["mixes"][mix]["cells"] if c["clients"] == clients
        )
    except (KeyError, StopIteration):
        return None
    r = paired_ratio(kg, ox_)
    return None if r is None else round(r, 2)


def paired_ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    """Requests/s of cell ``a`` ÷ those of ``b``: the median over their rounds, each round of
    ``a`` with the round of ``b`` measured in the same turn (the ratio of the two cells when
    they have no rounds)."""
    ra, rb = a.get("rounds"), b.get("rounds")
    if ra and rb and len(ra) == len(rb):
        pairs = [
            x["requests_per_s"] / y["requests_per_s"]
            for x, y in zip(ra, rb, strict=True)
            if y["requests_per_s"]
        ]
        return statistics.median(pairs) if pairs else None
    return a["requests_per_s"] / b["requests_per_s"] if b["requests_per_s"] else None


def _ms(v: float) -> str:
    return f"{v:.2f} ms" if v < 10 else f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def _rps(v: float) -> str:
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


MIX_TITLES = {
    "lookup": "lookup (one entity's triples or labels)",
    "engine": "engine-bound (aggregates, joins, REGEX)",
    "trivial": "trivial (`ASK {}`, empty `SELECT`)",
}


# the servers added by options, shown under each table (their req/s and ratio to Oxigraph)
EXTRA_SERVERS = {
    ENGINE_LOOKUPS: "Kennisgraaf with every lookup evaluated by the engine "
    "(`KENNISGRAAF_BUILT_LOOKUPS=false`)",
    OXIGRAPH_MEMORY: "Oxigraph's server with its store in memory (`oxigraph serve` without "
    "`--location`)",
}


def markdown(result: dict[str, Any]) -> str:
    out: list[str] = []
    for size in result["sizes"]:
        for mix in size["floor"]:
            f = size["floor"][mix]
            out += [
                f"**{size['label']} triples, {MIX_TITLES.get(mix, mix)}**: "
                f"{size['queries'][mix]} queries; in-process pyoxigraph floor "
                f"{_ms(f['mean_ms'])} per query ({_rps(f['requests_per_s_1_thread'])}/s on one "
                "thread)",
                "",
                "| clients | Kennisgraaf req/s | p50 | p95 | errors "
                "| Oxigraph req/s | p50 | p95 | errors | ratio "
                "| Python ceiling req/s | ceiling ratio |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            kg = size["servers"]["kennisgraaf"]["mixes"][mix]["cells"]
            oxc = size["servers"]["oxigraph"]["mixes"][mix]["cells"]
            ceiling = {
                c["clients"]: c
                for c in size["servers"]
                .get("ceiling", {})
                .get("mixes", {})
                .get(mix, {})
                .get("cells", [])
            }
            for a, b in zip(kg, oxc, strict=True):
                r = ratio(size, mix, a["clients"])
                top = ceiling.get(a["clients"])
                rc = ratio(size, mix, a["clients"], "ceiling") if top else None
                out.append(
                    f"| {a['clients']} | {_rps(a['requests_per_s'])} | {_ms(a['p50_ms'])} "
                    f"| {_ms(a['p95_ms'])} | {a['errors']} | {_rps(b['requests_per_s'])} "
                    f"| {_ms(b['p50_ms'])} | {_ms(b['p95_ms'])} | {b['errors']} "
                    f"| {'–' if r is None else f'{r:.2f}×'} "
                    f"| {'–' if top is None else _rps(top['requests_per_s'])} "
                    f"| {'–' if rc is None else f'{rc:.2f}×'} |"
                )
            out.append("")
            for name, said in EXTRA_SERVERS.items():
                if name not in size["servers"]:
                    continue
                shown = []
                for c in size["servers"][name]["mixes"][mix]["cells"]:
                    r = ratio(size, mix, c["clients"], name)
                    shown.append(
                        f"{_rps(c['requests_per_s'])}/s at {c['clients']} "
                        f"({'–' if r is None else f'{r:.2f}×'})"
                    )
                out += [f"{said}: {', '.join(shown)}", ""]
        titles = {
            "kennisgraaf": "Kennisgraaf",
            "oxigraph": "Oxigraph",
            "ceiling": "Python ceiling",
            ENGINE_LOOKUPS: "Kennisgraaf, lookups by the engine",
            OXIGRAPH_MEMORY: "Oxigraph in memory",
        }
        out += memory_table(
            size["label"],
            {n: (titles.get(n, n), s.get("memory")) for n, s in size["servers"].items()},
        )
    return "\n".join(out).rstrip()


def verdicts(result: dict[str, Any]) -> list[str]:
    lines = []
    for size in result["sizes"]:
        for mix, target in TARGETS.items():
            r = ratio(size, mix, TARGET_CLIENTS)
            if r is None:
                continue
            ok = "met" if r >= target else "NOT met"
            rc = ratio(size, mix, TARGET_CLIENTS, "ceiling")
            top = "" if rc is None else f"; the Python ceiling reaches {rc:.2f}×"
            re_ = ratio(size, mix, TARGET_CLIENTS, ENGINE_LOOKUPS)
            top += "" if re_ is None else f"; with every lookup by the engine {re_:.2f}×"
            rm = ratio(size, mix, TARGET_CLIENTS, OXIGRAPH_MEMORY)
            if rm is not None and r is not None:
                top += f"; Oxigraph in memory {rm:.2f}× (Kennisgraaf ÷ it: {r / rm:.2f}×)"
            lines.append(
                f"{size['label']} {mix} at {TARGET_CLIENTS} clients: {r:.2f}× "
                f"(target {target:.1f}×: {ok}{top})"
            )
        top = max(result["settings"]["clients"])
        for name in ("kennisgraaf", "oxigraph"):
            errs = sum(
                c["errors"]
                for m in size["servers"][name]["mixes"].values()
                for c in m["cells"]
                if c["clients"] == top
            )
            lines.append(f"{size['label']} {name}: {errs} errors at {top} clients")
    return lines


def add_load_args(ap: argparse.ArgumentParser, sizes: str, out: str) -> None:
    """The options every wrk benchmark here takes: sizes, clients, duration, output file."""
    ap.add_argument("--sizes", default=sizes, help=f"triples, e.g. {sizes}")
    ap.add_argument("--clients", default=DEFAULT_CLIENTS, help="concurrent connections")
    ap.add_argument(
        "--duration", type=float, default=10.0, help="seconds per server and measurement"
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help="the servers take turns: this many, each of --duration/--rounds seconds (at least 1)",
    )
    ap.add_argument("--out", type=Path, default=OUT / out, help="the JSON result")


def load_args(ap: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[list[int], list[int]]:
    """The sizes and client counts of ``args``, checked; wrk must be installed."""
    try:
        sizes = [parse_count(s) for s in args.sizes.split(",") if s.strip()]
        clients = [int(c) for c in args.clients.split(",") if c.strip()]
    except (argparse.ArgumentTypeError, ValueError) as e:
        ap.error(str(e))
    if not 1 <= args.duration <= 120 or not clients or min(clients) < 1 or max(clients) > 256:
        ap.error("--duration is 1-120 s and --clients 1-256")
    if not 1 <= args.rounds <= 20:
        ap.error("--rounds is 1-20")
    if not shutil.which("wrk"):
        ap.error("wrk is needed (Debian: apt-get install wrk); `make bench` installs it")
    return sizes, clients


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.endpoint_bench",
        description="Throughput and latency of kennisgraaf serve next to oxigraph serve, "
        "with wrk, on the same synthetic data and queries.",
    )
    add_load_args(ap, DEFAULT_SIZES, "endpoint.json")
    ap.add_argument("--mixes", default=",".join(MIXES), help="query mixes")
    ap.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="kennisgraaf serve --processes (default: one per core; the endpoint is read-only)",
    )
    ap.add_argument(
        "--engine-lookups",
        action="store_true",
        help="also measure kennisgraaf serve with KENNISGRAAF_BUILT_LOOKUPS=false (every lookup "
        "evaluated by the engine instead of made from the build's answers)",
    )
    ap.add_argument(
        "--no-ceiling",
        action="store_true",
        help="leave out the Python ceiling (bench/python_ceiling.py, the thinnest Python server)",
    )
    ap.add_argument(
        "--oxigraph-memory",
        action="store_true",
        help="also measure Oxigraph's server with its store in memory (serve without "
        "--location, the release POSTed to /store)",
    )
    args = ap.parse_args(argv)
    sizes, clients = load_args(ap, args)
    mix_names = [m.strip() for m in args.mixes.split(",") if m.strip()]
    if unknown := [m for m in mix_names if m not in MIXES]:
        ap.error(f"unknown mix: {', '.join(unknown)} (known: {', '.join(MIXES)})")

    env = dict(os.environ)
    env["KENNISGRAAF_BUILD_EXPORTS"] = "false"
    env.pop("KENNISGRAAF_UPDATE_TOKEN", None)  # a read-only endpoint, as Oxigraph's is not
    result: dict[str, Any] = {
        "benchmark": "endpoint",
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": machine() | {"wrk": _wrk_version()},
        "settings": {k: v for k, v in sorted(env.items()) if k.startswith("KENNISGRAAF_")}
        | {
            "clients": clients,
            "duration_s": args.duration,
            "warmup_s": WARMUP_S,
            "rounds": args.rounds,
            "kennisgraaf_processes": args.processes,
        },
        "sizes": [],
    }
    for n in sizes:
        result["sizes"].append(
            bench_size(
                n,
                env,
                mix_names,
                clients,
                args.duration,
                not args.no_ceiling,
                args.processes,
                args.rounds,
                args.engine_lookups,
                args.oxigraph_memory,
            )
        )
    result["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["verdicts"] = verdicts(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    m = result["machine"]
    print(
        f"\n{m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
        f"{m['oxigraph_cli']}, {m['wrk']}; load average {m['load_avg_at_start'][0]} at the "
        f"start, {m['load_avg_at_end'][0]} at the end; {args.duration:g} s per cell\n"
    )
    print(markdown(result))
    print()
    for line in result["verdicts"]:
        print(line)
    print(f"\n(written to {args.out})")
    bad = [
        f"{s['label']} {name} {mix}: queries {mx['sanity_mismatch']} differ in rows"
        for s in result["sizes"]
        for name, srv in s["servers"].items()
        for mix, mx in srv["mixes"].items()
        if mx["sanity_mismatch"]
    ]
    for b in bad:
        print(f"sanity check failed: {b}", file=sys.stderr)
    return 1 if bad else 0


def _wrk_version() -> str | None:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split(" [")[0].strip() if first else None


if __name__ == "__main__":
    sys.exit(main())
