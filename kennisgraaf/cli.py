"""``kennisgraaf build | validate | serve``. Options override ``KENNISGRAAF_*`` variables.

Exit codes: 0 success; 1 the data has problems (a report is printed); 2 the command could not
run (bad option, missing folder, store in use).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def _settings_error(e: ValidationError) -> str:
    lines = []
    for err in e.errors():
        name = "KENNISGRAAF_" + "_".join(str(x) for x in err["loc"]).upper()
        lines.append(f"instelling {name} (of de optie): {err['msg']}")
    return "\n".join(lines)


def _progress(quiet: bool) -> Any:
    start = time.perf_counter()

    def report(msg: str) -> None:
        if not quiet:
            print(f"[{time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    return report


def _overrides(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def _build(args: argparse.Namespace, publish: bool) -> int:
    from ingest import pipeline
    from ingest.errors import DataError, IngestError
    from ingest.settings import BuildSettings

    try:
        settings = BuildSettings(**_overrides(args, ("data", "store", "base_iri", "validator")))
    except ValidationError as e:
        print(_settings_error(e), file=sys.stderr)
        return 2
    progress = _progress(args.quiet)
    try:
        outcome = (pipeline.build if publish else pipeline.validate)(settings, progress)
    except DataError as e:
        print(e.render(), file=sys.stderr)
        return e.exit_code
    except IngestError as e:
        print(f"fout: {e}", file=sys.stderr)
        return e.exit_code
    if publish:
        print(
            f"release {outcome.release_id}: {outcome.triples} triples uit {outcome.records} records"
        )
    else:
        print(f"geldig: {outcome.records} records, {outcome.triples} triples, geen overtredingen")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from endpoint.serve import serve
    from endpoint.settings import ServeSettings

    try:
        settings = ServeSettings(**_overrides(args, ("store", "host", "port", "base_iri")))
    except ValidationError as e:
        print(_settings_error(e), file=sys.stderr)
        return 2
    return serve(settings)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kennisgraaf",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("build", "map, validate and load data/ into a new release of the store"),
        ("validate", "the same checks as build, without loading"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--data", type=Path, help="data folder (KENNISGRAAF_DATA, default: data)")
        sp.add_argument(
            "--base-iri", dest="base_iri", help="base of minted IRIs (KENNISGRAAF_BASE_IRI)"
        )
        sp.add_argument(
            "--validator",
            choices=("sparql", "pyshacl"),
            help="SHACL engine (KENNISGRAAF_VALIDATOR, default: sparql)",
        )
        sp.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
        if name == "build":
            sp.add_argument(
                "--store", type=Path, help="store folder (KENNISGRAAF_STORE, default: store)"
            )
    sp = sub.add_parser("serve", help="serve the current release over HTTP")
    sp.add_argument("--store", type=Path, help="store folder (KENNISGRAAF_STORE, default: store)")
    sp.add_argument("--host", help="interface (KENNISGRAAF_HOST, default: 127.0.0.1)")
    sp.add_argument("--port", type=int, help="port (KENNISGRAAF_PORT, default: 8000)")
    sp.add_argument(
        "--base-iri", dest="base_iri", help="base of minted IRIs (KENNISGRAAF_BASE_IRI)"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command in ("build", "validate"):
            return _build(args, publish=args.command == "build")
        return _serve(args)
    except KeyboardInterrupt:
        print("onderbroken; de bestaande store is ongewijzigd", file=sys.stderr)
        return 130
    except Exception as e:  # a bug of ours: say so plainly, without a stack trace
        if os.environ.get("KENNISGRAAF_DEBUG"):
            raise
        print(
            f"interne fout ({type(e).__name__}: {e}). De bestaande store is ongewijzigd. "
            "Zet KENNISGRAAF_DEBUG=1 voor details en meld het probleem.",
            file=sys.stderr,
        )
        return 3
