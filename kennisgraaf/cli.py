"""``kennisgraaf build | validate | serve | export``. Options override ``KENNISGRAAF_*`` variables.

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
        if publish:
            from endpoint.lookup_answers import write_answers
            from endpoint.page_models import write_models

            pages = write_models if settings.build_pages else None
            outcome = pipeline.build(settings, progress, pages=pages, answers=write_answers)
        else:
            outcome = pipeline.validate(settings, progress)
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


def _export_site(args: argparse.Namespace) -> int:
    from endpoint.settings import ServeSettings
    from endpoint.site_export import SiteError, export_site

    try:
        settings = ServeSettings(**_overrides(args, ("store", "base_iri")))
    except ValidationError as e:
        print(_settings_error(e), file=sys.stderr)
        return 2
    try:
        report = export_site(settings, args.site, args.public_url, _progress(args.quiet))
    except SiteError as e:
        print(f"fout: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(
            f"fout: kan de site niet schrijven ({e.strerror}: {e.filename}); "
            "controleer de map en de vrije schijfruimte",
            file=sys.stderr,
        )
        return 2
    print(
        f"statische site in {args.site}: {report.pages} pagina's, {report.files} bestanden, "
        f"{report.bytes} bytes; open {args.site / 'index.html'} of zet de map op een webserver"
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    if args.site is not None:
        code = _export_site(args)
        if code or args.out is None:
            return code
    return _export_dumps(args)


def _export_dumps(args: argparse.Namespace) -> int:
    from ingest.errors import IngestError
    from ingest.export import export_current
    from ingest.settings import ExportSettings

    try:
        settings = ExportSettings(**_overrides(args, ("store", "out", "base_iri", "public_url")))
    except ValidationError as e:
        print(_settings_error(e), file=sys.stderr)
        return 2
    try:
        manifest = export_current(settings, _progress(args.quiet))
    except IngestError as e:
        print(f"fout: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        print(
            f"fout: kan de export niet schrijven ({e.strerror}: {e.filename}); "
            "controleer de map en de vrije schijfruimte",
            file=sys.stderr,
        )
        return 2
    files = manifest["files"]
    print(
        f"export van release {manifest['release']}: {len(files)} bestanden, "
        f"{sum(f['bytes'] for f in files)} bytes"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    from endpoint.serve import serve
    from endpoint.settings import ServeSettings

    try:
        settings = ServeSettings(
            **_overrides(
                args,
                (
                    "store",
                    "host",
                    "port",
                    "base_iri",
                    "query_timeout",
                    "query_workers",
                    "query_queue",
                    "max_body",
                    "server_processes",
                ),
            )
        )
    except ValidationError as e:
        print(_settings_error(e), file=sys.stderr)
        return 2
    return serve(settings)


SERVE_EPILOG = """\
settings read from the environment only:
  KENNISGRAAF_UPDATE_TOKEN   bearer token for SPARQL Update and Graph Store writes (unset: no
                             writes); never an option, as command lines are visible to every
                             user in ps and end up in shell histories
  KENNISGRAAF_SERVICE_ALLOW  hosts a SERVICE clause may call, comma-separated (unset: none)
  KENNISGRAAF_CORS_ORIGINS   origins that may read by CORS, comma-separated (default: *)
"""


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
    sp = sub.add_parser(
        "serve",
        help="serve the current release over HTTP",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sp.add_argument("--store", type=Path, help="store folder (KENNISGRAAF_STORE, default: store)")
    sp.add_argument("--host", help="interface (KENNISGRAAF_HOST, default: 127.0.0.1)")
    sp.add_argument("--port", type=int, help="port (KENNISGRAAF_PORT, default: 8000)")
    sp.add_argument(
        "--base-iri", dest="base_iri", help="base of minted IRIs (KENNISGRAAF_BASE_IRI)"
    )
    sp.add_argument(
        "--query-timeout",
        dest="query_timeout",
        type=float,
        metavar="SECONDS",
        help="stop a query after this long and answer 503 (KENNISGRAAF_QUERY_TIMEOUT, default: 30)",
    )
    sp.add_argument(
        "--query-workers",
        dest="query_workers",
        type=int,
        metavar="N",
        help="worker processes that run queries; 0 runs them in the server itself, without "
        "timeout (KENNISGRAAF_QUERY_WORKERS, default: 2)",
    )
    sp.add_argument(
        "--processes",
        dest="server_processes",
        type=int,
        metavar="N",
        help="server processes sharing the port, each with its own query workers; more than 1 "
        "only with writes off (KENNISGRAAF_SERVER_PROCESSES, default: 1)",
    )
    sp.add_argument(
        "--query-queue",
        dest="query_queue",
        type=int,
        metavar="N",
        help="queries that may wait for a free worker before 503 (KENNISGRAAF_QUERY_QUEUE, "
        "default: 64)",
    )
    sp.add_argument(
        "--max-body",
        dest="max_body",
        type=int,
        metavar="BYTES",
        help="largest request body, 413 above it (KENNISGRAAF_MAX_BODY, default: 16777216)",
    )
    sp = sub.add_parser(
        "export",
        help="write the dumps, catalogue and VoID of the current release, or a static site",
    )
    sp.add_argument(
        "--out",
        type=Path,
        help="output folder (KENNISGRAAF_OUT, default: <store>/exports/<release>)",
    )
    sp.add_argument(
        "--site",
        type=Path,
        metavar="DIR",
        help="write every page as static HTML into DIR, for a plain file server "
        "(with --out as well, also the dumps)",
    )
    sp.add_argument("--store", type=Path, help="store folder (KENNISGRAAF_STORE, default: store)")
    sp.add_argument(
        "--base-iri", dest="base_iri", help="base of minted IRIs (KENNISGRAAF_BASE_IRI)"
    )
    sp.add_argument(
        "--public-url",
        dest="public_url",
        help="URL the server is reached at, for the catalogue's links (KENNISGRAAF_PUBLIC_URL)",
    )
    sp.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command in ("build", "validate"):
            return _build(args, publish=args.command == "build")
        if args.command == "export":
            return _export(args)
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
