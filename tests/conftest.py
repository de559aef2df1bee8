"""Shared fixtures: real builds through the real pipeline, into temporary store folders."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from endpoint import page_models
from endpoint.app import create_app
from endpoint.lookup_answers import write_answers
from endpoint.page_models import write_models
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore
from ingest import pipeline
from ingest.settings import BuildSettings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MINI = Path(__file__).resolve().parent / "data" / "mini"
KENNISGRAAF = [sys.executable, "-m", "kennisgraaf"]


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``kennisgraaf`` command in a child process."""
    return subprocess.run(
        [*KENNISGRAAF, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=600,
    )


def rendering_client(
    store: Path, *, raise_server_exceptions: bool = True, **settings: object
) -> TestClient:
    """The real app on the store folder ``store`` with both caches off, so that every request
    makes its page; queries in-process; more ``settings`` as ``ServeSettings`` takes them."""
    made = ServeSettings(
        store=store,
        query_workers=0,
        response_cache_mb=0,
        page_cache_mb=0,
        **settings,  # type: ignore[arg-type]
    )
    return TestClient(create_app(made), raise_server_exceptions=raise_server_exceptions)


def without_page_models(root: Path) -> Path:
    """The store folder ``root`` with its current release's entity pages made by the build
    (``endpoint/page_models.py``) removed, so that every page is made from the store; for tests
    of that way of making them."""
    (root / "current").resolve().joinpath(page_models.FILENAME).unlink()
    return root


def copied_store(real_build: pipeline.Outcome, target: Path) -> Path:
    """A copy of the real build's store folder at ``target`` (one the test may change)."""
    assert real_build.path is not None
    shutil.copytree(real_build.path.parent.parent, target, symlinks=True)
    return target


def release_of(root: Path) -> Path:
    """The folder of the release the store folder ``root`` serves."""
    return (root / "current").resolve()


@pytest.fixture(scope="module")
def built_root(real_build: pipeline.Outcome) -> Path:
    """The real build's store folder (with what the build made for the pages)."""
    assert real_build.path is not None
    return real_build.path.parent.parent


@pytest.fixture(scope="module")
def live_root(real_build: pipeline.Outcome, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real build's store without the build's file of pages: every entity page
    and class row made for its request."""
    return without_page_models(copied_store(real_build, tmp_path_factory.mktemp("live") / "s"))


@pytest.fixture
def damaged_root(real_build: pipeline.Outcome, tmp_path: Path) -> Path:
    """A copy of the real build's store folder that the test may damage."""
    return copied_store(real_build, tmp_path / "store")


def damage_models(root: Path, damage: str, change: Callable[[sqlite3.Connection], None]) -> None:
    """Damages the build's file of pages in the current release of ``root``: ``"not a
    database"`` overwrites it, ``"no file"`` removes it, any other ``damage`` is what ``change``
    does to it."""
    models = release_of(root) / page_models.FILENAME
    if damage == "not a database":
        models.write_bytes(b"this is not SQLite\n" * 100)
    elif damage == "no file":
        models.unlink()
    else:
        db = sqlite3.connect(models)
        try:
            change(db)
            db.commit()
        finally:
            db.close()


def recorded_handovers(monkeypatch: pytest.MonkeyPatch, *modules: Any) -> list[Any]:
    """The functions that ``modules`` hand to a thread (their ``run_in_threadpool``) from now on,
    in order, while ``monkeypatch`` holds."""
    calls: list[Any] = []
    for module in modules:

        async def run(fn: Any, *args: Any, _real: Any = module.run_in_threadpool) -> Any:
            calls.append(fn)
            return await _real(fn, *args)

        monkeypatch.setattr(module, "run_in_threadpool", run)
    return calls


def recorded_selects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SPARQL queries the pages ask the store (``ReleaseStore.select``) from now on, while
    ``monkeypatch`` holds."""
    asked: list[str] = []
    select = ReleaseStore.select

    def recorded(self: ReleaseStore, query: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(query)
        return select(self, query, *args, **kwargs)

    monkeypatch.setattr(ReleaseStore, "select", recorded)
    return asked


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> pipeline.Outcome:
    store = tmp_path_factory.mktemp("real-store")
    return pipeline.build(
        BuildSettings(data=DATA, store=store), pages=write_models, answers=write_answers
    )


@pytest.fixture(scope="session")
def real_store(real_build: pipeline.Outcome) -> Iterator[ox.Store]:
    assert real_build.path is not None
    yield ox.Store.read_only(str(real_build.path))


@pytest.fixture
def mini_data(tmp_path: Path) -> Path:
    """A writable copy of the small, valid test data set."""
    target = tmp_path / "data"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def mini_store(mini_data: Path, tmp_path: Path) -> Path:
    """A store folder with one release of the small data set, made by ``kennisgraaf build``."""
    store = tmp_path / "store"
    done = run_cli("build", "--data", mini_data, "--store", store, "--quiet")
    assert done.returncode == 0, done.stderr
    return store


@pytest.fixture(scope="module")
def real_client(real_build: pipeline.Outcome) -> Iterator[TestClient]:
    """The real app (queries in-process) over the real build, one per test module."""
    assert real_build.path is not None
    app = create_app(ServeSettings(store=real_build.path.parent.parent, query_workers=0))
    with TestClient(app) as c:
        yield c
