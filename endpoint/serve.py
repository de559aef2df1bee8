"""Run the app with uvicorn (uvloop and httptools when installed).

With ``server_processes`` > 1 (only when writes are off) that many server processes share the
port, each making the app from the settings this process passes on as JSON
(``app_from_environment``): one Python process per core answers HTTP, where one process alone is
the limit for quick requests (``bench/README.md``). Each has its own query workers, caches and
read-only store, and its own listening socket (``endpoint/serve_processes.py``), so that the
kernel spreads the connections over them; uvicorn's workers (one shared socket) only where the
system has no ``SO_REUSEPORT``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from . import inline_http, serve_processes
from .app import create_app
from .metrics import alive
from .settings import ServeSettings

SETTINGS_ENV = "KENNISGRAAF_SERVE_SETTINGS_JSON"  # not a setting: how serve() passes them on
METRICS_PREFIX = "kennisgraaf-metrics-"  # the temporary folder of --processes for /metrics
OWNER = "owner.pid"  # in that folder: the process that made it


def serve(settings: ServeSettings) -> int:
    current = settings.store / "current"
    if not current.exists():
        print(
            f"fout: er is nog geen release in {settings.store}; draai eerst 'kennisgraaf build'",
            file=sys.stderr,
        )
        return 2
    print(
        f"Kennisgraaf op http://{settings.host}:{settings.port}/ (store: {settings.store})",
        file=sys.stderr,
    )
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,  # not logged at this level anyway; skips the per-request call
        "timeout_graceful_shutdown": 5,
        "http": inline_http.HTTP,  # lookups answered without ASGI
    }
    if settings.server_processes == 1:
        uvicorn.run(create_app(settings), **options)
        return 0
    assert settings.update_token is None  # ServeSettings refuses more processes with writes
    with contextlib.ExitStack() as stack:
        if settings.metrics_dir is None:  # where the processes add up /metrics
            remove_stale_metrics_folders()
            shared = stack.enter_context(tempfile.TemporaryDirectory(prefix=METRICS_PREFIX))
            (Path(shared) / OWNER).write_text(str(os.getpid()))
            settings = settings.model_copy(update={"metrics_dir": Path(shared)})
        if serve_processes.available():  # a socket per process: connections spread over them
            return serve_processes.run(
                settings.server_processes, options, {SETTINGS_ENV: settings.model_dump_json()}
            )
        os.environ[SETTINGS_ENV] = settings.model_dump_json()
        uvicorn.run(
            f"{__name__}:app_from_environment",
            factory=True,
            workers=settings.server_processes,
            **options,
        )
    return 0


def remove_stale_metrics_folders(folder: Path | None = None) -> list[Path]:
    """Removes the temporary metrics folders of ``serve --processes`` runs that were killed
    before they could remove them (SIGKILL): those of this user whose owner process is gone.
    Returns what it removed."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(METRICS_PREFIX + "*"):
        try:
            if path.stat().st_uid != os.getuid() or not path.is_dir():
                continue
            owner = int((path / OWNER).read_text())
        except (OSError, ValueError):
            continue  # not ours, not finished making, or not made by this version
        if not alive(owner):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def app_from_environment() -> FastAPI:
    """The app of one of several server processes, with the settings of the process that
    started them (``SETTINGS_ENV``), not read again from ``KENNISGRAAF_*`` and options."""
    return create_app(ServeSettings.model_validate_json(os.environ[SETTINGS_ENV]))
