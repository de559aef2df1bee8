"""Benchmark of the build: time and peak memory of ``kennisgraaf build`` next to ``oxigraph load``.

    python -m bench.build_bench [--sizes 100k,1M] [--skip-pyshacl] [--out bench/out/build.json]

For each size a synthetic data folder is generated (``bench.generate``; a folder whose manifest
matches is reused) and then, each in its own child process so that the peak memory is that
run's own:

* ``kennisgraaf build --validator sparql``: the whole build (read and map ``data/``, load the
  RDF into a new store, validate, publish the release), with the time of each step taken from
  its progress lines;
* ``kennisgraaf build --validator pyshacl``: the same with pyshacl, the reference validator;
* ``oxigraph load --file synthetic.nt``: Oxigraph's own bulk loader on the same N-Triples, the
  floor for any build; and ``oxigraph load --graph <the same named graph as the build>``;
* ``kennisgraaf validate --validator sparql``: the checks alone, in an in-memory store.

Time is the wall clock from start to exit; CPU is user plus system time and peak RSS the
child's high-water mark, both from ``os.wait4``. Every store is a fresh folder under
``bench/out/`` that is removed afterwards. The exports that a build may also write (dumps,
catalogue) and the entity pages it makes (``endpoint/page_models.py``, about 1.5 ms a thing)
are switched off (``KENNISGRAAF_BUILD_EXPORTS=false``, ``KENNISGRAAF_BUILD_PAGES=false``): this
measures map, validate, load, index and publish; the build reports the time of those steps. The result is printed as Markdown tables and written as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.generate import (
    DEFAULT_DATA,
    DEFAULT_SEED,
    GENERATOR_VERSION,
    MANIFEST,
    RDF_FILE,
    generate,
    inputs_digest,
    parse_count,
)
from ontology import iris
from ontology.namespaces import CANONICAL_BASE

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
DEFAULT_SIZES = "100k,1M"
TIMEOUT_S = 3600.0

# The progress lines of `kennisgraaf build` ("[  12.3s] message") and the step each one ends
# (the first line that contains the text).
PROGRESS = re.compile(r"^\[\s*([0-9.]+)s\] (.*)$")
STEP_ENDS = (
    ("read+map", "records omgezet naar"),
    ("load RDF", "valideren van"),
    ("validate", "geen overtredingen"),
    ("publish", "release "),
)

RUNS = (
    ("build_sparql", "kennisgraaf build (sparql)"),
    ("build_pyshacl", "kennisgraaf build (pyshacl)"),
    ("oxigraph_load", "oxigraph load"),
    ("oxigraph_load_graph", "oxigraph load --graph"),
    ("validate_sparql", "kennisgraaf validate (sparql)"),
)
LABELS = dict(RUNS)


@dataclass
class Run:
    name: str
    command: list[str]
    returncode: int | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    store_mb: float | None = None
    steps: dict[str, float] = field(default_factory=dict)
    triples: int | None = None
    load_before: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def _mb(n_bytes: float) -> float:
    return round(n_bytes / 2**20, 1)


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def data_folder(n: int, progress: bool = True) -> tuple[Path, bool, float]:
    """The generated data folder for ``n`` triples: reused when its manifest matches."""
    folder = OUT / f"gen-{size_label(n).lower()}"
    manifest_path = folder / MANIFEST
    if manifest_path.is_file() and (folder / "rdf" / RDF_FILE).is_file():
        m = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (
            m.get("triples") == n
            and m.get("seed") == DEFAULT_SEED
            and m.get("generator") == GENERATOR_VERSION
            and m.get("inputs_sha256") == inputs_digest(DEFAULT_DATA)
        ):
            return folder, False, 0.0
    if progress:
        print(f"generating {folder} ({n} triples) ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    generate(n, folder, DEFAULT_SEED, DEFAULT_DATA)
    return folder, True, round(time.perf_counter() - t0, 2)


def steps_from(stderr: str) -> dict[str, float]:
    """Durations of the build's steps from its progress lines (seconds)."""
    marks: list[tuple[float, str]] = []
    for line in stderr.splitlines():
        if m := PROGRESS.match(line.strip()):
            marks.append((float(m.group(1)), m.group(2)))
    out: dict[str, float] = {}
    last = 0.0
    for step, prefix in STEP_ENDS:
        at = next((t for t, msg in marks if prefix in msg), None)
        if at is None:
            continue
        out[step] = round(at - last, 2)
        last = at
    return out


def measure(run: Run, env: dict[str, str], timeout: float, store: Path | None = None) -> Run:
    """Runs ``run.command`` in a child process; fills in time, CPU, peak RSS and output."""
    run.load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(run.command, cwd=ROOT, env=env, stdout=out, stderr=err)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        run.wall_s = round(time.perf_counter() - t0, 2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        run.returncode = proc.returncode
        run.cpu_s = round(usage.ru_utime + usage.ru_stime, 2)
        run.peak_rss_mb = _mb(usage.ru_maxrss * 1024)  # Linux: kilobytes
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if store is not None and store.exists():
        run.store_mb = _mb(_tree_bytes(store))
    run.steps = steps_from(stderr)
    if m := re.search(r"(\d+) triples", stdout):
        run.triples = int(m.group(1))
    if killed.is_set():
        run.error = f"killed after {timeout:.0f} s (--timeout)"
    elif not run.ok:
        run.error = (stderr or stdout).strip()[-2000:]
    return run


def _fresh_store() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="store-", dir=OUT))


def _warm(path: Path) -> None:
    """Read the file once, so every run finds it in the page cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def bench_size(
    n: int, env: dict[str, str], skip_pyshacl: bool, repeat: int, timeout: float
) -> dict[str, Any]:
    folder, generated, gen_s = data_folder(n)
    nt = folder / "rdf" / RDF_FILE
    _warm(nt)
    kennisgraaf = str(BIN / "kennisgraaf")
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    graph = iris.graph_iri(CANONICAL_BASE, "bestand", iris.slugify(nt.stem))
    plans: list[tuple[str, list[str], bool]] = []
    if oxigraph:
        plans.append(
            ("oxigraph_load", [oxigraph, "load", "--location", "{store}", "--file", str(nt)], True)
        )
        plans.append(
            (
                "oxigraph_load_graph",
                [oxigraph, "load", "--location", "{store}", "--file", str(nt), "--graph", graph],
                True,
            )
        )
    build = [kennisgraaf, "build", "--data", str(folder), "--store", "{store}"]
    plans.append(("build_sparql", [*build, "--validator", "sparql"], True))
    if not skip_pyshacl:
        plans.append(("build_pyshacl", [*build, "--validator", "pyshacl"], True))
    validate = [kennisgraaf, "validate", "--data", str(folder), "--validator", "sparql"]
    plans.append(("validate_sparql", validate, False))

    runs: dict[str, dict[str, Any]] = {}
    for name, command, needs_store in plans:
        tries: list[Run] = []
        for i in range(repeat):
            store = _fresh_store() if needs_store else None
            cmd = [str(store) if c == "{store}" else c for c in command]
            print(
                f"{size_label(n)}: {LABELS[name]}"
                + (f" ({i + 1}/{repeat})" if repeat > 1 else "")
                + " ...",
                file=sys.stderr,
                flush=True,
            )
            try:
                run = measure(Run(name, cmd), env, timeout, store)
            finally:
                if store is not None:
                    shutil.rmtree(store, ignore_errors=True)
            status = f"{run.wall_s:.1f} s, {run.peak_rss_mb:.0f} MB" if run.ok else "FAILED"
            print(f"    {status}", file=sys.stderr, flush=True)
            tries.append(run)
        ok = [r for r in tries if r.ok]
        # the median run by wall time (the first failure if none succeeded)
        chosen = sorted(ok, key=lambda r: r.wall_s)[(len(ok) - 1) // 2] if ok else tries[0]
        runs[name] = asdict(chosen) | {
            "ok": chosen.ok,
            "all_wall_s": [r.wall_s for r in tries],
            "median_wall_s": statistics.median(r.wall_s for r in ok) if ok else None,
        }
    return {
        "triples": n,
        "label": size_label(n),
        "data": str(folder.relative_to(ROOT)),
        "nt_mb": _mb(nt.stat().st_size),
        "generated_now": generated,
        "generate_s": gen_s,
        "runs": runs,
    }


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    cpu = None
    mem = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    cli = None
    if oxigraph:
        done = subprocess.run([oxigraph, "--version"], capture_output=True, text=True)
        cli = done.stdout.strip() or None
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyoxigraph": _version("pyoxigraph"),
        "oxigraph_cli": cli,
        "pyshacl": _version("pyshacl"),
        "rdflib": _version("rdflib"),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt_s(s: float | None) -> str:
    return "–" if s is None else (f"{s:.1f} s" if s < 100 else f"{s:.0f} s")


def _fmt_mb(mb: float | None) -> str:
    return "–" if mb is None else (f"{mb:.0f} MB" if mb < 1024 else f"{mb / 1024:.2f} GB")


def markdown(result: dict[str, Any]) -> str:
    """The figures as two Markdown tables: the runs, and the steps of the sparql build."""
    lines = [
        "| triples | run | time | CPU | peak RSS | time ÷ oxigraph load | RSS ÷ oxigraph load |",
        "|---|---|---|---|---|---|---|",
    ]
    for size in result["sizes"]:
        runs = size["runs"]
        floor = runs.get("oxigraph_load")
        for name, label in RUNS:
            r = runs.get(name)
            if r is None:
                continue
            if not r["ok"]:
                lines.append(
                    f"| {size['label']} | {label} | failed (exit {r['returncode']}) | | | | |"
                )
                continue
            ratio_t = ratio_m = "–"
            if floor and floor["ok"] and floor["wall_s"] and name != "oxigraph_load":
                ratio_t = f"{r['wall_s'] / floor['wall_s']:.1f}×"
                ratio_m = f"{r['peak_rss_mb'] / floor['peak_rss_mb']:.1f}×"
            lines.append(
                f"| {size['label']} | {label} | {_fmt_s(r['wall_s'])} | {_fmt_s(r['cpu_s'])} "
                f"| {_fmt_mb(r['peak_rss_mb'])} | {ratio_t} | {ratio_m} |"
            )
    steps = [name for name, _prefix in STEP_ENDS]
    lines += [
        "",
        "| triples | run | " + " | ".join(steps) + " | start-up and exit |",
        "|---|---|" + "---|" * (len(steps) + 1),
    ]
    for size in result["sizes"]:
        for name in ("build_sparql", "build_pyshacl"):
            r = size["runs"].get(name)
            if not r or not r["ok"]:
                continue
            rest = r["wall_s"] - sum(r["steps"].values())
            cells = [_fmt_s(r["steps"].get(s)) for s in steps]
            lines.append(
                f"| {size['label']} | {LABELS[name]} | "
                + " | ".join(cells)
                + f" | {_fmt_s(rest)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.build_bench",
        description="Time and peak memory of the build (map, validate, load) at several sizes, "
        "next to Oxigraph's own bulk loader.",
    )
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help=f"triples, e.g. {DEFAULT_SIZES}")
    ap.add_argument("--skip-pyshacl", action="store_true", help="leave out the pyshacl build")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the median is kept")
    ap.add_argument("--out", type=Path, default=OUT / "build.json", help="the JSON result")
    ap.add_argument(
        "--timeout", type=float, default=TIMEOUT_S, help="seconds before a run is killed"
    )
    args = ap.parse_args(argv)
    try:
        sizes = [parse_count(s) for s in args.sizes.split(",") if s.strip()]
    except argparse.ArgumentTypeError as e:
        ap.error(str(e))
    if args.repeat < 1:
        ap.error("--repeat is at least 1")

    env = dict(os.environ)
    env["KENNISGRAAF_BUILD_EXPORTS"] = "false"
    env["KENNISGRAAF_BUILD_PAGES"] = "false"
    env.pop("KENNISGRAAF_VALIDATOR", None)  # each run names its validator
    result: dict[str, Any] = {
        "benchmark": "build",
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "machine": machine(),
        "settings": {k: v for k, v in sorted(env.items()) if k.startswith("KENNISGRAAF_")}
        | {"repeat": args.repeat},
        "sizes": [],
    }
    for n in sizes:
        result["sizes"].append(bench_size(n, env, args.skip_pyshacl, args.repeat, args.timeout))
    result["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    m = result["machine"]
    print(
        f"\n{m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
        f"{m['oxigraph_cli']}; load average {m['load_avg_at_start'][0]} at the start, "
        f"{m['load_avg_at_end'][0]} at the end\n"
    )
    print(markdown(result))
    print(f"\n(written to {args.out})")
    failed = [
        f"{s['label']} {name}"
        for s in result["sizes"]
        for name, r in s["runs"].items()
        if not r["ok"]
    ]
    for f in failed:
        print(f"failed: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
