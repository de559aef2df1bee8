"""Stores and servers for the tests of ``/sparql`` and ``/store``."""

from __future__ import annotations

import atexit
import gc
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from endpoint.lookup_answers import write_answers
from ingest import pipeline, release
from ingest.settings import BuildSettings
from tests.conftest import MINI
from tests.live_server import live_server

TOKEN = "kennisgraaf-test-token-3f9c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WITH_TOKEN = {"KENNISGRAAF_UPDATE_TOKEN": TOKEN}
WITHOUT_TOKEN = {"KENNISGRAAF_UPDATE_TOKEN": ""}  # empty counts as unset


def empty_release(root: Path) -> Path:
    """A published release with an empty store (for the W3C tests, which bring their data)."""
    build_dir = release.new_build_dir(root)
    store = ox.Store(str(build_dir))
    store.flush()
    del store
    gc.collect()
    meta = {"id": "leeg-00000000", "created": "2026-01-01T00:00:00Z", "triples": 0}
    release.publish(root, build_dir, "leeg-00000000", meta, keep=3)
    return root


_built: list[Path] = []


def mini_release(root: Path) -> Path:
    """The small test data set built by the real pipeline: built once per test run, then
    copied (release folder, metadata and the ``current`` link) into ``root``."""
    if not _built:
        built = Path(tempfile.mkdtemp(prefix="kg-mini-")) / "store"
        atexit.register(shutil.rmtree, built.parent, True)
        pipeline.build(BuildSettings(data=MINI, store=built), answers=write_answers)
        _built.append(built)
    shutil.copytree(_built[0], root, symlinks=True, ignore=shutil.ignore_patterns("*.lock"))
    return root


@contextmanager
def serving(store: Path, *, token: bool = True) -> Iterator[str]:
    """``kennisgraaf serve`` on ``store``, with or without an update token."""
    with live_server(store, WITH_TOKEN if token else WITHOUT_TOKEN) as url:
        yield url


def update(client: Any, text: str, token: str = TOKEN) -> None:
    """A SPARQL Update with the bearer token through ``client`` (a TestClient); it must
    succeed (204)."""
    r = client.post(
        "/sparql",
        content=text,
        headers={"content-type": "application/sparql-update", "authorization": f"Bearer {token}"},
    )
    assert r.status_code == 204, r.text
