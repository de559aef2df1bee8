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

With ``--changes`` it also measures the change step of a build (``ingest.changes.write_changes``)
between two releases of that size: the store's N-Quads dump, and a copy of it with about 0.1% of
the lines removed, 0.1% of the literals edited and 0.1% of the lines added (both gzipped as a
release's ``kennisgraaf.nq.gz``; making them is not measured).
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

OLD_ID, NEW_ID = "20260101T000000Z-oud", "20260102T000000Z-nieuw"

RELEASES = """
import gzip, os, random, sys, pyoxigraph as ox
from pathlib import Path
src, root, old_id, new_id = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
for rid in (old_id, new_id):
    (root / "releases" / rid).mkdir(parents=True)
    (root / "exports" / rid).mkdir(parents=True)
store = ox.Store.read_only(str((src / "current").resolve()))
raw = root / "old.nq"
with open(raw, "wb") as fh:
    store.dump(fh, ox.RdfFormat.N_QUADS)
del store
rng = random.Random(1)
old = gzip.open(root / "exports" / old_id / "kennisgraaf.nq.gz", "wb", 6)
new = gzip.open(root / "exports" / new_id / "kennisgraaf.nq.gz", "wb", 6)
with open(raw, "rb") as fh, old, new:
    for line in fh:
        old.write(line)
        r = rng.random()
        if r < 0.001:
            continue
        if r < 0.002 and b'"' in line:
            line = line.replace(b'"', b'"gewijzigd ', 1)
        new.write(line)
        if r > 0.999:
            new.write(line.replace(b"> <", b"-nieuw> <", 1))
raw.unlink()
os.symlink(f"releases/{old_id}", root / "current")
"""

CHANGES = """
import sys
from pathlib import Path
from ingest.changes import write_changes
root, new_id = Path(sys.argv[1]), sys.argv[2]
meta = {"id": new_id, "created": "2026-01-02T00:00:00Z"}
write_changes(root, root / "releases" / new_id, meta, "https://kennisgraaf.nl/")
"""

RUNS = (
    ("store_dump", "`Store.dump` N-Quads, uncompressed (floor)", "nquads_mb"),
    ("dumps", "the dumps alone (`write_dumps`: 6 + 6 per graph, gzip)", "dumps_mb"),
    ("export", "`kennisgraaf export` (dumps + catalogue + VoID)", "export_mb"),
    ("changes", "change step (`write_changes`) between two releases", "patch_kb"),
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


def bench_changes(store: Path, label: str, env: dict[str, str]) -> tuple[Run, float | None]:
    """The change step between two releases made from ``store`` (see the module docstring)."""
    root = OUT / f"changes-{label}"
    shutil.rmtree(root, ignore_errors=True)
    try:
        make = Run(
            "releases", [sys.executable, "-c", RELEASES, str(store), str(root), OLD_ID, NEW_ID]
        )
        measure(make, env, TIMEOUT_S)
        if not make.ok:
            raise SystemExit(f"making two releases from {store} failed: {make.error}")
        run = measure(
            Run("changes", [sys.executable, "-c", CHANGES, str(root), NEW_ID]), env, TIMEOUT_S
        )
        patch = root / "changes" / NEW_ID / f"{OLD_ID}.rdfp.gz"
        kb = round(patch.stat().st_size / 1024, 1) if patch.is_file() else None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return run, kb


def bench_size(n: int, env: dict[str, str], keep: bool, changes: bool = False) -> dict[str, Any]:
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
        sizes: dict[str, float | None] = {
            "export_mb": _mb(out),
            "dumps_mb": _mb(dumps),
            "nquads_mb": _mb(nq),
        }
        if changes:
            runs["changes"], sizes["patch_kb"] = bench_changes(store, label, env)
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
            unit = "kB" if size_key.endswith("_kb") else "MB"
            lines.append(
                f"| {s['label']} | {what}{ok} | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s "
                f"| {r['peak_rss_mb']:.0f} MB | {s.get(size_key)} {unit} |"
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
    ap.add_argument(
        "--changes",
        action="store_true",
        help="also measure a build's change step between two releases of each size",
    )
    ap.add_argument("--out", type=Path, default=OUT / "export.json")
    args = ap.parse_args(argv)
    env = {**os.environ}
    result: dict[str, Any] = {"benchmark": "export", "machine": machine(), "sizes": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for n in parse_sizes(args.sizes):  # written after each size, so a long run keeps its figures
        result["sizes"].append(bench_size(n, env, args.keep_stores, args.changes))
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(markdown(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
