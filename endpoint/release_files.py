"""What the routes that serve a build's files (downloads, changes) share: where the store folder
is, which release is current, and the JSON error they answer with."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse


def store_root(request: Request) -> Path:
    """The store folder the server serves (``KENNISGRAAF_STORE``)."""
    return Path(request.app.state.settings.store)


def current_release(root: Path) -> str | None:
    """The id of the current release (the target of ``current``), or None before any build."""
    try:
        return Path(os.readlink(root / "current")).name
    except OSError:
        return None


def json_error(status: int, message: str, **extra: Any) -> JSONResponse:
    body = {"ok": False, "status": status, "error": message, **extra}
    return JSONResponse(body, status_code=status)
