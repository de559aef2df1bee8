"""The environment of a Python process the server starts (query workers, server processes).

The child runs ``python -m endpoint....`` with the server's own interpreter; the project's root
goes first on its ``PYTHONPATH``, so that it imports this checkout's packages whatever the
working directory it inherits, as the server itself does.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment with ``extra`` added and the project on ``PYTHONPATH``."""
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env
