"""Benchmark of the pages for people: entity pages, class pages and search of ``kennisgraaf
serve``, next to Oxigraph's own server answering a ``DESCRIBE`` of the same entities.

    python -m bench.pages_bench [--sizes 1M] [--clients 1,8,32] [--duration 10] [--rounds 3]
                                [--processes N] [--out bench/out/pages.json]

For each size the synthetic data (``bench.generate``) is built with ``kennisgraaf build`` (with
its search index) and loaded with ``oxigraph load`` (the same quads, from ``Store.dump``), under
``bench/out/pages-<size>/``. Then the servers are started, and ``wrk`` asks for these mixes:

* **entity**: the HTML page of a few hundred entities (``GET /doc/…``, ``Accept: text/html``):
  the full page (properties grouped by the shapes, labels of linked things, incoming links with
  counts, provenance, embedded schema.org JSON-LD);
* **class**: pages of the instance lists of every class (``GET /klasse?iri=…&page=N``);
* **search**: ``GET /search?q=…`` for words of the synthetic labels (HTML);
* **describe** (Oxigraph): ``GET /query?query=DESCRIBE <iri>`` with ``Accept: text/turtle``
  for the same entities as the entity mix: the reference that issue 4 compares against;
* **crowded**: the HTML pages of the most linked-to entities (more than 300 links each, listed
  by the build in the release's index: ``ingest/incoming_index.py``), each first page and one
  page deep in its largest list of links (``?in=…&page=N``), next to Oxigraph's DESCRIBE of the
  same entities (**describe-crowded**; a DESCRIBE holds the entity's own triples only, not the
  thousands of links to it, so this reference does less than the page);
* **topic**: the page of every theme and target group (``/thema/…``, ``/doelgroep/…``: at 1M
  triples about 1,600 members each, grouped by class, 25 of each class shown, evidence with its
  kind, strength and source), next to Oxigraph's DESCRIBE of the same concepts
  (**describe-topic**, which holds the concept's own triples only).

Kennisgraaf runs twice: as ``kennisgraaf serve`` starts by default (its response and page caches
on, so after the first pass through the few hundred paths every answer comes from memory, as on
a busy site with a working set that fits) and with both caches off
(``KENNISGRAAF_RESPONSE_CACHE_MB=0 KENNISGRAAF_PAGE_CACHE_MB=0``: every request renders its page:
the cost of a page nobody asked for yet).

Before timing, every request is sent once to check that it answers 200. Then, per mix of ours and
number of clients, our two servers and Oxigraph (answering the DESCRIBE of the same things) take
turns, never two at once: ``--rounds`` rounds of ``--duration / --rounds`` seconds each
(``measure_interleaved`` in ``bench/endpoint_bench.py``), so that the machine's drift moves all
three alike; Oxigraph's DESCRIBE of the sampled entities is thus measured beside each of the
entity, class and search mixes. The ratio in the table is Kennisgraaf's requests/s for a mix
divided by Oxigraph's DESCRIBE requests/s at the same number of clients: the median of the
ratios of the rounds side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.build_bench import data_folder, machine, size_label
from bench.endpoint_bench import (
    BIN,
    HOST,
    OUT,
    ROUNDS,
    SEED,
    WRK_DONE_LUA,
    Contender,
    Running,
    Server,
    _oxigraph,
    _run,
    _wrk_version,
    add_load_args,
    kennisgraaf_server,
    load_args,
    measure_interleaved,
    oxigraph_server,
    paired_ratio,
    start,
)
from bench.process_memory import memory_table
from endpoint import class_rows, page_models, search_heads
from endpoint.class_listing import SHOWN
from endpoint.entity_view import PAGE_SIZE
from endpoint.index_labels import IRI_INDEX
from endpoint.search_index_reader import FORMAT
from ontology.iris import TOPIC_SCHEMES, scheme_iri
from ontology.namespaces import CANONICAL_BASE

DEFAULT_SIZES = "1M"
ENTITIES = 300
CROWDED = 40  # most linked-to entities in the crowded mix
TARGET = 0.3
TARGET_CLIENTS = 8

# wrk's script for GET requests: the listing's first line is the Accept header, every further
# line a path; it cycles through the paths.
WRK_GET_LUA = (
    r"""
local paths = {}
local n = 0
local i = 0
local accept = nil
function init(args)
  for line in io.lines(args[1]) do
    if accept == nil then
      accept = line
    else
      n = n + 1
      paths[n] = line
    end
  end
  i = math.floor(n * (tonumber(args[3]) or 0)) % n
end
function request()
  i = i % n + 1
  return wrk.format("GET", paths[i], {["Accept"] = accept})
end
"""
    + WRK_DONE_LUA
)

ENTITY_QUERY = """
SELECT DISTINCT ?s WHERE {
  ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l
  FILTER(STRSTARTS(STR(?s), "https://kennisgraaf.nl/id/"))
}
"""
CLASS_QUERY = """
SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c HAVING (COUNT(?s) > 10)
"""
WORD_QUERY = """
SELECT ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } LIMIT 2000
"""


def _index_is_current(release: Path) -> bool:
    """Whether the release's index and metadata are what this version's build writes (the pages
    read labels by IRI from the index, class pages the names of their rows, entity pages the
    links to the most linked-to things and the evidence among them, topic pages their members, the details of their evidence
    and the names of what they show, and small documents are made on the event loop by the list of large ones in the
    metadata; a release built before would be measured on slower fallbacks)."""
    meta = release.with_suffix(".json")
    if not meta.is_file() or "large_documents" not in json.loads(meta.read_text()):
        return False
    try:
        with sqlite3.connect(f"{(release / 'search.sqlite').as_uri()}?mode=ro", uri=True) as db:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (IRI_INDEX,)
            ).fetchone()
            columns = {r[1] for r in db.execute("PRAGMA table_info(member)")}
            version = db.execute("PRAGMA user_version").fetchone()[0]
            listed = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN (?, ?, ?, ?, ?)",
                (
                    "incoming_list",
                    "incoming_evidence",
                    "topic_row",
                    "evidence_field",
                    "member_iri",
                ),
            ).fetchone()[0]
    except sqlite3.Error:
        return False
    return found is not None and set(SHOWN) <= columns and listed == 5 and version == FORMAT


def _pages_are_current(store: Path) -> bool:
    """Whether the release being served has the entity pages, class rows and ranked frequent
    words this version's build makes (``endpoint/page_models.py``, ``endpoint/class_rows.py``,
    ``endpoint/search_heads.py``; without them every page would be made per request)."""
    models = (store / "current").resolve() / page_models.FILENAME
    try:
        with sqlite3.connect(f"{models.as_uri()}?mode=ro", uri=True) as db:
            found = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        return False
    return (
        found.get("fingerprint") == page_models.FINGERPRINT
        and found.get(class_rows.META_KEY) == class_rows.FINGERPRINT
        and found.get(search_heads.META_KEY) == search_heads.FINGERPRINT
    )


def prepare(n: int, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    """A release with its search index and an Oxigraph store with the same quads."""
    work = OUT / f"pages-{size_label(n).lower()}"
    stamp = work / "stamp.json"
    manifest = (folder / "synthetic.json").read_text(encoding="utf-8")
    if stamp.is_file() and json.loads(stamp.read_text())["manifest"] == manifest:
        info = dict(json.loads(stamp.read_text()))
        if _index_is_current(Path(info["release"])) and _pages_are_current(
            Path(info["kennisgraaf_store"])
        ):
            return info
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    kg_store, ox_store, nq = work / "kennisgraaf", work / "oxigraph", work / "dump.nq"
    print(f"{size_label(n)}: kennisgraaf build ...", file=sys.stderr, flush=True)
    kg = [str(BIN / "kennisgraaf"), "build", "--data", str(folder), "--store", str(kg_store)]
    build_s = _run([*kg, "--quiet"], env)
    release = (kg_store / "current").resolve()
    store = ox.Store.read_only(str(release))
    store.dump(str(nq), ox.RdfFormat.N_QUADS)
    quads = len(store)
    del store
    print(f"{size_label(n)}: oxigraph load ({quads} quads) ...", file=sys.stderr, flush=True)
    load_s = _run([_oxigraph(), "load", "--location", str(ox_store), "--file", str(nq)])
    nq.unlink()
    info = {
        "manifest": manifest,
        "kennisgraaf_store": str(kg_store),
        "release": str(release),
        "oxigraph_store": str(ox_store),
        "quads": quads,
        "build_s": build_s,
        "oxigraph_load_s": load_s,
    }
    stamp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _path(iri: str) -> str:
    """The page of an entity: ``/id/x/y`` is answered at ``/doc/x/y`` (the 303 target)."""
    rest = iri.removeprefix("https://kennisgraaf.nl/")
    return "/doc/" + rest.removeprefix("id/")


def make_mixes(release: str) -> dict[str, list[str]]:
    store = ox.Store.read_only(release)
    rnd = random.Random(SEED)

    def select(q: str) -> list[Any]:
        res = store.query(q, use_default_graph_as_union=True)
        assert isinstance(res, ox.QuerySolutions)
        return list(res)

    entities = sorted(r["s"].value for r in select(ENTITY_QUERY))
    chosen = rnd.sample(entities, min(ENTITIES, len(entities)))
    classes = [(r["c"].value, int(r["n"].value)) for r in select(CLASS_QUERY)]
    class_paths = []
    for iri, count in sorted(classes):
        pages = max(1, (count + 49) // 50)
        for page in sorted({1, 2, min(pages, 3), pages, rnd.randint(1, pages)}):
            if page <= pages:
                q = urllib.parse.urlencode({"iri": iri, "page": page})
                class_paths.append(f"/klasse?{q}")
    words = sorted(
        {w.lower() for r in select(WORD_QUERY) for w in r["l"].value.split() if len(w) > 3}
    )
    search = [f"/search?{urllib.parse.urlencode({'q': w})}" for w in rnd.sample(words, 100)]
    crowded = _crowded(Path(release).absolute(), rnd)
    topics = _topics(Path(release).absolute())
    return {
        "entity": [_path(i) for i in chosen],
        "class": class_paths,
        "search": search,
        "describe": [_describe(iri) for iri in chosen],
        "crowded": [p for _iri, p in crowded],
        "describe-crowded": [_describe(iri) for iri, _p in crowded],
        "topic": [p for _iri, p in topics],
        "describe-topic": [_describe(iri) for iri, _p in topics],
    }


def _describe(iri: str) -> str:
    return "/query?" + urllib.parse.urlencode({"query": f"DESCRIBE <{iri}>"})


def _crowded(release: Path, rnd: random.Random) -> list[tuple[str, str]]:
    """(IRI, page) for the ``CROWDED`` entities with the most links to them: their first page
    and one random page of their largest relation, from the build's list in the index."""
    with sqlite3.connect(f"{(release / 'search.sqlite').as_uri()}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT object, predicate, n FROM incoming_list WHERE object LIKE ? "
            "ORDER BY n DESC, object, predicate",
            ("https://kennisgraaf.nl/id/%",),
        ).fetchall()
    largest: dict[str, tuple[str, int]] = {}
    for iri, predicate, n in rows:
        largest.setdefault(iri, (predicate, n))
    out = []
    for iri, (predicate, n) in list(largest.items())[:CROWDED]:
        page = rnd.randint(2, max(2, -(-n // PAGE_SIZE)))
        query = urllib.parse.urlencode({"in": predicate, "page": page})
        out += [(iri, _path(iri)), (iri, f"{_path(iri)}?{query}")]
    return out


def _topics(release: Path) -> list[tuple[str, str]]:
    """(IRI, page) for every theme and target group (the concepts of the schemes with a page:
    /thema/…, /doelgroep/…), from the build's list in the index."""
    prefixes = {scheme_iri(CANONICAL_BASE, scheme) + "/": scheme for scheme, _ in TOPIC_SCHEMES}
    with sqlite3.connect(f"{(release / 'search.sqlite').as_uri()}?mode=ro", uri=True) as db:
        concepts = [r[0] for r in db.execute("SELECT concept FROM topic ORDER BY concept")]
    return [
        (iri, f"/{scheme}/{iri.removeprefix(prefix)}")
        for iri in concepts
        for prefix, scheme in prefixes.items()
        if iri.startswith(prefix)
    ]


def _check(base: str, paths: list[str], accept: str) -> list[str]:
    bad = []
    for p in paths:
        req = urllib.request.Request(base + p, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                r.read()
        except urllib.error.HTTPError as e:
            bad.append(f"{p}: {e.code}")
    return bad


def bench_size(
    n: int,
    env: dict[str, str],
    clients: list[int],
    duration: float,
    processes: int = 1,
    rounds: int = ROUNDS,
    wanted: tuple[str, ...] = (),
) -> dict[str, Any]:
    folder, _generated, _gen_s = data_folder(n)
    stores = prepare(n, folder, env)
    mixes = make_mixes(stores["release"])
    kennisgraaf = kennisgraaf_server(stores["kennisgraaf_store"], processes, env)
    # the same server with both caches off: every request renders its page
    rendering = Server(
        "kennisgraaf-rendered",
        "Kennisgraaf, caches off",
        list(kennisgraaf.command),
        "/sparql",
        env | {"KENNISGRAAF_RESPONSE_CACHE_MB": "0", "KENNISGRAAF_PAGE_CACHE_MB": "0"},
    )
    oxigraph = oxigraph_server(stores["oxigraph_store"], env)
    with tempfile.TemporaryDirectory(prefix="pages-", dir=OUT) as tmp:
        servers, references = bench_servers(
            [kennisgraaf, rendering, oxigraph],
            mixes,
            clients,
            duration,
            rounds,
            Path(tmp),
            wanted or MIXES,
        )
    return {
        "triples": n,
        "label": size_label(n),
        "stores": stores,
        "requests": {m: len(p) for m, p in mixes.items()},
        "servers": servers,
        "references": references,
    }


def bench_servers(
    servers: list[Server],
    mixes: dict[str, list[str]],
    clients: list[int],
    duration: float,
    rounds: int,
    tmp: Path,
    chosen: tuple[str, ...] = (),
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Our two servers (``servers[:2]``) and Oxigraph's (the last) started at once; every page
    checked; then per mix of ours, both of ours and Oxigraph's answer to it (``REFERENCE``)
    measured in turns (``measure_interleaved`` of ``bench/endpoint_bench.py``); the mixes
    ``chosen`` (default: all). Returns the cells per server and mix, and per mix of ours the
    cells of Oxigraph measured beside it."""
    lua = tmp / "get.lua"
    lua.write_text(WRK_GET_LUA, encoding="utf-8")
    running: list[Running] = []
    out: dict[str, Any] = {}
    references: dict[str, list[dict[str, Any]]] = {}
    try:
        for server in servers:
            print(f"  {server.label}: starting ...", file=sys.stderr, flush=True)
            r = start(server, tmp)
            running.append(r)
            r.wait_ready()
            r.watch_memory()
            out[server.name] = {"command": server.command, "mixes": {}}
        *ours, theirs = running
        listings: dict[tuple[str, str], Path] = {}
        for r in running:
            wanted = (
                [(m, "text/turtle") for m in sorted(set(REFERENCE.values()))]
                if r is theirs
                else [(m, "text/html") for m in chosen or MIXES]
            )
            origin = f"http://{HOST}:{r.port}"
            for mix, accept in wanted:
                bad = _check(origin, mixes[mix], accept)
                if bad:
                    raise RuntimeError(f"{r.server.label} {mix}: {len(bad)} failed, e.g. {bad[:3]}")
                listing = tmp / f"{r.server.name}-{mix}.txt"
                text = "".join(f"{x}\n" for x in (accept, *mixes[mix]))
                listing.write_text(text, encoding="utf-8")
                listings[r.server.name, mix] = listing
        for mix in chosen or MIXES:
            reference = REFERENCE[mix]
            contenders = [
                Contender(
                    f"{r.server.name}|{m}",
                    r,
                    f"http://{HOST}:{r.port}/",
                    listings[r.server.name, m],
                    lua,
                )
                for r, m in [*((r, mix) for r in ours), (theirs, reference)]
            ]
            cells = measure_interleaved(contenders, mix, clients, duration, rounds)
            for r in ours:
                got = cells[f"{r.server.name}|{mix}"]
                out[r.server.name]["mixes"][mix] = {"requests": len(mixes[mix]), "cells": got}
            beside = cells[f"{theirs.server.name}|{reference}"]
            references[mix] = beside
            # Oxigraph's own cells of each of its mixes: as measured beside the first of ours
            out[theirs.server.name]["mixes"].setdefault(
                reference, {"requests": len(mixes[reference]), "cells": beside}
            )
        for r in ours:  # where the entity pages it rendered came from
            made = _entity_pages(f"http://{HOST}:{r.port}/metrics")
            out[r.server.name]["entity_pages"] = made
            if made.get("store", 0) > made.get("build", 0):
                print(
                    f"  WARNING {r.server.label}: {made} entity pages made from the store, not "
                    "from the build's (made by other code? see endpoint/page_models.py)",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        for r in running:
            r.stop()
            if r.server.name in out:
                out[r.server.name]["memory"] = r.memory_mb
    return out, references


def _entity_pages(url: str) -> dict[str, int]:
    """``kennisgraaf_entity_pages_total`` of a server's /metrics, by ``made`` (build, store)."""
    with urllib.request.urlopen(url, timeout=30) as r:
        text = r.read().decode()
    found = re.findall(r'^kennisgraaf_entity_pages_total\{made="(\w+)"\} (\d+)', text, re.M)
    return {made: int(n) for made, n in found}


def _times(ratio: float) -> str:
    """A ratio as the tables show it: two decimals, three below 0.1 (a topic page is 0.002×)."""
    return f"{ratio:.3f}×" if ratio < 0.1 else f"{ratio:.2f}×"


def _cell(size: dict[str, Any], server: str, mix: str, clients: int) -> dict[str, Any] | None:
    try:
        cells = size["servers"][server]["mixes"][mix]["cells"]
        found: dict[str, Any] = next(c for c in cells if c["clients"] == clients)
        return found
    except (KeyError, StopIteration):
        return None


def _rps(size: dict[str, Any], server: str, mix: str, clients: int) -> float | None:
    cell = _cell(size, server, mix, clients)
    return float(cell["requests_per_s"]) if cell else None


def _reference(size: dict[str, Any], mix: str, clients: int) -> dict[str, Any] | None:
    """Oxigraph's cell measured beside our ``mix`` (in its turns); from an older result
    without turns, Oxigraph's cell of the reference mix."""
    beside = size.get("references", {}).get(mix)
    if beside is not None:
        return next((c for c in beside if c["clients"] == clients), None)
    return _cell(size, "oxigraph", REFERENCE.get(mix, "describe"), clients)


def _ratio(size: dict[str, Any], server: str, mix: str, clients: int) -> tuple[float, float] | None:
    """(ratio, Oxigraph's requests/s) of ``server``'s ``mix`` to Oxigraph's reference
    measured beside it: the median of the ratios of their rounds."""
    cell = _cell(size, server, mix, clients)
    ref = _reference(size, mix, clients)
    if cell is None or ref is None:
        return None
    r = paired_ratio(cell, ref)
    return None if r is None else (r, float(ref["requests_per_s"]))


def markdown(result: dict[str, Any]) -> str:
    lines = []
    for size in result["sizes"]:
        lines += [
            f"\n{size['label']} triples ({size['stores']['quads']} quads)\n",
            "| mix | clients | Kennisgraaf req/s | p50 ms | p95 ms | errors "
            "| caches off req/s | p50 ms | Oxigraph DESCRIBE req/s | ratio | ratio, caches off |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for mix in MIXES:
            for cell in size["servers"]["kennisgraaf"]["mixes"].get(mix, {}).get("cells", []):
                c = cell["clients"]
                on = _ratio(size, "kennisgraaf", mix, c)
                off = _cell(size, "kennisgraaf-rendered", mix, c)
                r_off = _ratio(size, "kennisgraaf-rendered", mix, c)
                ref = on[1] if on else r_off[1] if r_off else None
                off_rps = f"{off['requests_per_s']:.0f}" if off else "–"
                off_p50 = off["p50_ms"] if off else "–"
                lines.append(
                    f"| {mix} | {c} | {cell['requests_per_s']:.0f} | {cell['p50_ms']} | "
                    f"{cell['p95_ms']} | {cell['errors']} | {off_rps} | {off_p50} | "
                    f"{ref or 0:.0f} | {_times(on[0]) if on else '–'} "
                    f"| {_times(r_off[0]) if r_off else '–'} |"
                )
        titles = {
            "kennisgraaf": "Kennisgraaf",
            "kennisgraaf-rendered": "Kennisgraaf, caches off",
            "oxigraph": "Oxigraph",
        }
        lines += [
            "",
            *memory_table(
                size["label"],
                {n: (titles.get(n, n), s.get("memory")) for n, s in size["servers"].items()},
            ),
        ]
    return "\n".join(lines)


MIXES = ("entity", "class", "search", "crowded", "topic")
# Oxigraph's mix for each of ours
REFERENCE = dict.fromkeys(MIXES, "describe") | {
    "crowded": "describe-crowded",
    "topic": "describe-topic",
}


def verdicts(result: dict[str, Any]) -> list[str]:
    out = []
    for size in result["sizes"]:
        for mix in ("entity", "class", "search"):
            on = _ratio(size, "kennisgraaf", mix, TARGET_CLIENTS)
            off = _ratio(size, "kennisgraaf-rendered", mix, TARGET_CLIENTS)
            if on is not None:
                verdict = "meets" if on[0] >= TARGET else "misses"
                rendered = f"; {_times(off[0])} with the caches off" if off is not None else ""
                out.append(
                    f"{size['label']} {mix} at {TARGET_CLIENTS} clients: {_times(on[0])} "
                    f"Oxigraph's DESCRIBE ({verdict} the target {TARGET}×){rendered}"
                )
        for mix in ("crowded", "topic"):
            off = _ratio(size, "kennisgraaf-rendered", mix, TARGET_CLIENTS)
            cell = _cell(size, "kennisgraaf-rendered", mix, TARGET_CLIENTS)
            if off is not None and cell:
                out.append(
                    f"{size['label']} {mix} at {TARGET_CLIENTS} clients, caches off: "
                    f"{cell['requests_per_s']:.0f} pages/s, p50 {cell['p50_ms']} ms, "
                    f"{_times(off[0])} Oxigraph's DESCRIBE of the same IRIs"
                )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.pages_bench",
        description="Entity, class and search pages of kennisgraaf serve next to Oxigraph's "
        "DESCRIBE of the same entities, with wrk.",
    )
    add_load_args(ap, DEFAULT_SIZES, "pages.json")
    ap.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="kennisgraaf serve --processes (default: one per core, as Oxigraph's server uses "
        "every core; the pages are read-only)",
    )
    ap.add_argument(
        "--mixes",
        default=",".join(MIXES),
        help=f"the mixes to measure, comma-separated (default: all, {','.join(MIXES)})",
    )
    args = ap.parse_args(argv)
    sizes, clients = load_args(ap, args)
    wanted = tuple(m.strip() for m in args.mixes.split(",") if m.strip())
    unknown = [m for m in wanted if m not in MIXES]
    if unknown or not wanted:
        ap.error(f"--mixes takes some of {', '.join(MIXES)}, not {args.mixes!r}")
    env = dict(os.environ)
    env["KENNISGRAAF_BUILD_EXPORTS"] = "false"
    env.pop("KENNISGRAAF_UPDATE_TOKEN", None)
    result: dict[str, Any] = {
        "benchmark": "pages",
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": machine() | {"wrk": _wrk_version()},
        "settings": {
            "clients": clients,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "kennisgraaf_processes": args.processes,
            "mixes": list(wanted),
        },
        "sizes": [
            bench_size(n, env, clients, args.duration, args.processes, args.rounds, wanted)
            for n in sizes
        ],
    }
    result["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["verdicts"] = verdicts(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(markdown(result))
    print()
    for line in result["verdicts"]:
        print(line)
    print(f"\n(written to {args.out})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.SubprocessError) as e:
        print(f"pages benchmark failed: {e}", file=sys.stderr)
        sys.exit(1)
