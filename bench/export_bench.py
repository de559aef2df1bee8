"""Export benchmark: ``kennisgraaf export`` against pyoxigraph's ``Store.dump`` alone.

    python -m bench.export_bench [--sizes 1M,5M] [--out bench/out/export.json]

For each size: generate the synthetic data folder (``bench.generate``, reused when unchanged),
build it without exports, then in separate child processes (so that each peak RSS is its own):
``kennisgraaf export`` (all dumps of every format, whole and per graph, gzipped, with the
catalogue, VoID and checksums) and a bare ``Store.dump`` of the whole store as N-Quads, the floor.
The export streams with Oxigraph's serializers, so its peak memory should not grow with the graph.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from bench.build_bench import BIN, OUT, Run, _fresh_store, data_folder, machine, measure, size_label

DEFAULT_SIZES = "1M,5M"
TIMEOUT_S = 3600.0

DUMP = """
import sys, pyoxigraph as ox
from pathlib import Path
store = ox.Store.read_only(str((Path(sys.argv[1]) / "current").resolve()))
with open(sys.argv[2], "wb") as fh:
    store.dump(fh, ox.RdfFormat.N_QUADS)
"""


def bench_size(n: int, env: dict[str, str]) -> dict[str, Any]:
    folder, _generated, _secs = data_folder(n)
    store = _fresh_store()
    out = OUT / f"export-{size_label(n).lower()}"
    nq = OUT / f"dump-{size_label(n).lower()}.nq"
    runs: dict[str, Run] = {}
    try:
        build = Run(
            "build",
            [str(BIN / "kennisgraaf"), "build", "--data", str(folder), "--store", str(store)],
        )
        runs["build"] = measure(build, {**env, "KENNISGRAAF_BUILD_EXPORTS": "false"}, TIMEOUT_S)
        if not build.ok:
            raise SystemExit(f"build of {folder} failed: {build.error}")
        shutil.rmtree(out, ignore_errors=True)
        export = Run(
            "export",
            [str(BIN / "kennisgraaf"), "export", "--store", str(store), "--out", str(out), "-q"],
        )
        runs["export"] = measure(export, env, TIMEOUT_S)
        dump = Run("store_dump", [sys.executable, "-c", DUMP, str(store), str(nq)])
        runs["store_dump"] = measure(dump, env, TIMEOUT_S)
        sizes = {
            "export_mb": round(
                sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20, 1
            )
            if out.exists()
            else None,
            "nquads_mb": round(nq.stat().st_size / 2**20, 1) if nq.exists() else None,
        }
    finally:
        shutil.rmtree(store, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        nq.unlink(missing_ok=True)
    return {
        "triples": n,
        "label": size_label(n),
        **sizes,
        "runs": {k: {**vars(r), "ok": r.ok} for k, r in runs.items()},
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| triples | run | wall time | peak RSS | output |",
        "|---:|---|---:|---:|---:|",
    ]
    for s in result["sizes"]:
        for name, what, size_key in (
            ("store_dump", "`Store.dump` N-Quads (floor)", "nquads_mb"),
            (
                "export",
                "`kennisgraaf export` (every dump, gzipped, + catalogue, VoID)",
                "export_mb",
            ),
        ):
            r = s["runs"][name]
            lines.append(
                f"| {s['label']} | {what} | {r['wall_s']:.1f} s | {r['peak_rss_mb']:.0f} MB "
                f"| {s[size_key]} MB |"
            )
    return "\n".join(lines)


def parse_sizes(text: str) -> list[int]:
    from bench.generate import parse_count

    return [parse_count(t) for t in text.split(",") if t.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.export_bench", description=__doc__)
    ap.add_argument("--sizes", default=DEFAULT_SIZES, help="e.g. 1M,5M")
    ap.add_argument("--out", type=Path, default=OUT / "export.json")
    args = ap.parse_args(argv)
    env = {**os.environ}
    result: dict[str, Any] = {"benchmark": "export", "machine": machine(), "sizes": []}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for n in parse_sizes(args.sizes):  # written after each size, so a long run keeps its figures
        result["sizes"].append(bench_size(n, env))
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(markdown(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
