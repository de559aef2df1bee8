"""Export benchmark: ``kennisgraaf export`` against pyoxigraph's ``Store.dump`` alone.

    python -m bench.export_bench [--sizes 100k,1M,5M] [--keep-stores] [--out bench/out/export.json]

For each size: generate the synthetic data folder (``bench.generate``, reused when unchanged),
build it without exports (``bench/out/store-<size>``; with ``--keep-stores`` a store built by an
earlier run from the same data is reused and kept), then in separate child processes (so that
each peak RSS is its own):

* ``kennisgraaf export``: everything (every dump of every format, whole, union and per graph,
  gzipped, with the catalogue, VoID and checksums);
* the dumps alone (``ingest.export_dumps.write_dumps``), the part that streams; the rest of an
  export is the catalogue and VoID, whose counts are SPARQL aggregates;
* a bare ``Store.dump`` of the whole store as N-Quads, the floor: one read of the store.

Memory is flat when the export's peak RSS minus the floor's stays the same from size to size
(reading the store itself costs RocksDB memory that grows a little with the store).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from bench.build_bench import BIN, OUT, Run, data_folder, machine, measure, size_label

DEFAULT_SIZES = "100k,1M,5M"
TIMEOUT_S = 7200.0

DUMP = """
import sys, pyoxigraph as ox
from pathlib import Path
store = ox.Store.read_only(str((Path(sys.argv[1]) / "current").resolve()))
with open(sys.argv[2], "wb") as fh:
    store.dump(fh, ox.RdfFormat.N_QUADS)
"""

DUMPS_ONLY = """
import sys, pyoxigraph as ox
from pathlib import Path
from ingest.export_dumps import write_dumps
store = ox.Store.read_only(str((Path(sys.argv[1]) / "current").resolve()))
Path(sys.argv[2]).mkdir(parents=True)
write_dumps(store, Path(sys.argv[2]), sys.argv[3])
"""

RUNS = (
    ("store_dump", "`Store.dump` N-Quads, uncompressed (floor)", "nquads_mb"),
    ("dumps", "the dumps alone (`write_dumps`: 6 + 6 per graph, gzip)", "dumps_mb"),
    ("export", "`kennisgraaf export` (dumps + catalogue + VoID)", "export_mb"),
)


def _store_for(n: int, folder: Path, env: dict[str, str], keep: bool) -> tuple[Path, Run | None]:
    store = OUT / f"store-{size_label(n).lower()}"
    stamp = store / "bench-data.json"
    manifest = (folder / "synthetic.json").read_text(encoding="utf-8")
    if keep and stamp.is_file() and stamp.read_text(encoding="utf-8") == manifest:
        return store, None
    shutil.rmtree(store, ignore_errors=True)
    build = Run(
        "build", [str(BIN / "kennisgraaf"), "build", "--data", str(folder), "--store", str(store)]
    )
    measure(build, {**env, "KENNISGRAAF_BUILD_EXPORTS": "false"}, TIMEOUT_S)
    if not build.ok:
        raise SystemExit(f"build of {folder} failed: {build.error}")
    stamp.write_text(manifest, encoding="utf-8")
    return store, build


def _mb(path: Path) -> float | None:
    if not path.exists():
        return None
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / 2**20, 1)


def bench_size(n: int, env: dict[str, str], keep: bool) -> dict[str, Any]:
    folder, _generated, _secs = data_folder(n)
    store, build = _store_for(n, folder, env, keep)
    label = size_label(n).lower()
    out, dumps, nq = OUT / f"export-{label}", OUT / f"dumps-{label}", OUT / f"dump-{label}.nq"
    runs: dict[str, Run] = {}
    if build is not None:
        runs["build"] = build
    base = "https://kennisgraaf.nl/"
    try:
        for path in (out, dumps):
            shutil.rmtree(path, ignore_errors=True)
        nq.unlink(missing_ok=True)
        commands = {
            "store_dump": [sys.executable, "-c", DUMP, str(store), str(nq)],
            "dumps": [sys.executable, "-c", DUMPS_ONLY, str(store), str(dumps), base],
            "export": [
                str(BIN / "kennisgraaf"),
                *("export", "--store", str(store), "--out", str(out), "-q"),
            ],
        }
        for name, command in commands.items():
            runs[name] = measure(Run(name, command), env, TIMEOUT_S)
        sizes = {"export_mb": _mb(out), "dumps_mb": _mb(dumps), "nquads_mb": _mb(nq)}
    finally:
        for path in (out, dumps):
            shutil.rmtree(path, ignore_errors=True)
        nq.unlink(missing_ok=True)
        if not keep:
            shutil.rmtree(store, ignore_errors=True)
    return {
        "triples": n,
        "label": size_label(n),
        **sizes,
        "runs": {k: {**vars(r), "ok": r.ok} for k, r in runs.items()},
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| triples | run | wall time | CPU time | peak RSS | output |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for s in result["sizes"]:
        for name, what, size_key in RUNS:
            r = s["runs"].get(name)
            if r is None:
                continue
            ok = "" if r["ok"] else " (failed)"
            lines.append(
                f"| {s['label']} | {what}{ok} | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s "
                f"| {r['peak_rss_mb']:.0f} MB | {s[size_key]} MB |"
            )
    return "\n".join(lines)


def parse_sizes(text: str) -> list[int]:
    from bench.generate import parse_count

    return [parse_count(t) for t in text.split(",") if t.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.export_bench", description=__doc__)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="e.g. 100k,1M,5M")
    ap.add_argument(
        "--keep-stores",
        action="store_true",
        help="keep bench/out/store-<size> and reuse it when built from the same data",
    )
    ap.add_argument("--out", type=Path, default=OUT / "export.json")
    args = ap.parse_args(argv)
    env = {**os.environ}
    result: dict[str, Any] = {"benchmark": "export", "machine": machine(), "sizes": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for n in parse_sizes(args.sizes):  # written after each size, so a long run keeps its figures
        result["sizes"].append(bench_size(n, env, args.keep_stores))
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(markdown(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
