"""``kennisgraaf serve`` in a real uvicorn process: home page, health, and a live release switch."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import run_cli
from tests.live_server import free_port, live_server


@pytest.fixture
def server(mini_data: Path, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
    with live_server(store) as url:
        yield url, store, mini_data


def test_home_page_shows_what_the_graph_holds(server: tuple[str, Path, Path]) -> None:
    url, _store, _data = server
    r = httpx.get(url + "/")
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    text = " ".join(BeautifulSoup(r.text, "html.parser").get_text().split())
    assert "Wat de graaf bevat" in text
    # the source title links to its page, so compare the text a reader sees, not the markup
    assert "Update van de pilothubs (2023-05-11)" in text
    assert "pilothub" in text.lower()


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_every_link_on_the_home_page_answers(server: tuple[str, Path, Path]) -> None:
    """The home page links the editor, the service description, downloads, catalogue, VoID and
    changes; each of them answers on the real server."""
    url, _store, _data = server
    page = httpx.get(url + "/").text
    links = set(re.findall(r'href="(/[^"]*)"', page))
    assert {"/sparql", "/download/", "/catalog", "/.well-known/void", "/changes"} <= links
    for link in sorted(links):
        # entity IRIs (/def, /id/...) answer 303 to their page, as DESIGN.md says: follow it
        r = httpx.get(
            url + html.unescape(link), headers={"Accept": BROWSER_ACCEPT}, follow_redirects=True
        )
        assert r.status_code == 200, (link, r.status_code, r.text[:200])


def test_health_names_the_release(server: tuple[str, Path, Path]) -> None:
    url, store, _data = server
    body = httpx.get(url + "/health").json()
    assert body["ok"] is True
    assert body["release"] == (store / "current").resolve().name
    assert body["triples"] > 100


def test_a_new_build_is_served_without_restart(server: tuple[str, Path, Path]) -> None:
    url, store, data = server
    before = httpx.get(url + "/health").json()["release"]
    programmas = data / "programmas.yaml"
    programmas.write_text(programmas.read_text().replace("naam: Npuls", "naam: Npuls (nieuw)"))
    assert run_cli("build", "-q", "--data", data, "--store", store).returncode == 0
    after = httpx.get(url + "/health").json()["release"]
    assert after != before


def test_a_failed_build_keeps_serving_the_old_release(server: tuple[str, Path, Path]) -> None:
    url, store, data = server
    before = httpx.get(url + "/health").json()["release"]
    (data / "hubs.yaml").write_text(
        (data / "hubs.yaml").read_text().replace("soort: pilothub", "soort: [")
    )
    assert run_cli("build", "-q", "--data", data, "--store", store).returncode == 1
    r = httpx.get(url + "/")
    assert r.status_code == 200
    assert httpx.get(url + "/health").json()["release"] == before


def test_serve_without_a_build_says_what_to_do(tmp_path: Path) -> None:
    r = run_cli("serve", "--store", tmp_path / "leeg", "--port", str(free_port()))
    assert r.returncode == 2
    assert "kennisgraaf build" in r.stderr
