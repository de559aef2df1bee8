"""A release switched to by a build is opened in a thread, not on the event loop
(``endpoint/release_opening.py``): pages with and without the caches, lookups answered inline
and the 303s of ``/id/`` each find the new release open before they read it, and answer from
it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import endpoint.release_opening
from endpoint.app import create_app
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore
from tests.conftest import recorded_handovers
from tests.inline_support import LOOKUP, Server
from tests.sparql_support import mini_release

NEW_ID = "20991231T000000Z-switched"


def on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each release a ``ReleaseStore`` opens: whether it was opened on an event loop."""
    where: list[bool] = []
    real = ReleaseStore._current

    def recording(self: ReleaseStore) -> object:
        if self._opened is None or self._opened[1] != self.current_target():
            where.append(on_loop())
        return real(self)

    monkeypatch.setattr(ReleaseStore, "_current", recording)
    return where


def switch(root: Path) -> None:
    """What a build does at its end: a new release next to the old one, ``current`` moved to
    it in one rename."""
    old = Path(os.readlink(root / "current"))
    new = NEW_ID
    shutil.copytree(root / old, root / "releases" / new, ignore=shutil.ignore_patterns("LOCK"))
    meta = json.loads((root / old).with_suffix(".json").read_text())
    meta["id"] = NEW_ID
    (root / "releases" / f"{new}.json").write_text(json.dumps(meta))
    (root / "current.tmp").symlink_to(Path("releases") / new)
    os.replace(root / "current.tmp", root / "current")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    made = mini_release(tmp_path / "store")
    assert os.readlink(made / "current").startswith("releases/")
    return made


@pytest.mark.parametrize("cache_mb", [0, 32])
def test_pages_after_a_switch_find_the_new_release_opened_in_a_thread(
    root: Path, opened: list[bool], cache_mb: int
) -> None:
    settings = ServeSettings(
        store=root, query_workers=0, response_cache_mb=cache_mb, page_cache_mb=cache_mb
    )
    with TestClient(create_app(settings)) as client:
        html = {"accept": "text/html"}
        before = client.get("/doc/hub/pilothub-xr", headers=html)
        assert before.status_code == 200
        opened.clear()
        switch(root)
        page = client.get("/doc/hub/pilothub-xr", headers=html)
        assert page.status_code == 200 and "Pilothub XR" in page.text
        assert opened == [False]  # once, and not on the event loop
        assert page.headers["etag"] != before.headers["etag"]  # the new release's page
        assert client.get("/id/hub/pilothub-xr", follow_redirects=False).status_code == 303
        assert client.get("/health").json()["release"] == NEW_ID
    assert opened == [False]


def test_without_a_release_nothing_is_handed_to_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = recorded_handovers(monkeypatch, endpoint.release_opening)
    settings = ServeSettings(store=tmp_path / "empty", query_workers=0)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 503  # the app's own answer
        assert client.get("/doc/hub/pilothub-xr").status_code == 503
    assert handed == []  # nothing to open: no thread for every request


@pytest.fixture
def server(root: Path) -> Iterator[Server]:
    with Server(root) as running:
        yield running


def test_a_lookup_after_a_switch_waits_for_the_release_opened_in_a_thread(
    root: Path, server: Server, opened: list[bool]
) -> None:
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/health").status_code == 200  # the release is open
        first = client.post("/sparql", data={"query": LOOKUP})
        assert first.status_code == 200 and server.inline_answered == ["POST /sparql"]
        opened.clear()
        server.clear()
        switch(root)
        after = client.post("/sparql", data={"query": LOOKUP})
        assert after.status_code == 200 and after.content == first.content
        assert server.inline_answered == [] and server.asgi_paths == ["POST /sparql"]
        assert opened == [False]
        again = client.post("/sparql", data={"query": LOOKUP})
        assert again.content == first.content
        assert server.inline_answered == ["POST /sparql"]  # open now: inline again
        assert client.get("/health").json()["release"] == NEW_ID
