"""Run the app with uvicorn (uvloop and httptools when installed)."""

from __future__ import annotations

import sys

import uvicorn

from .app import create_app
from .settings import ServeSettings


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
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,  # not logged at this level anyway; skips the per-request call
        timeout_graceful_shutdown=5,
    )
    return 0
