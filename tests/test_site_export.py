"""``kennisgraaf export --site DIR``: a static copy of every page that works from a plain file
server (and from ``file://``), served here by Python's own ``http.server`` in a child process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup

from ingest import pipeline
from ontology.namespaces import CANONICAL_BASE
from tests.conftest import run_cli
from tests.live_server import free_port


@pytest.fixture(scope="module")
def store_root(real_build: pipeline.Outcome) -> Path:
    assert real_build.path is not None
    return Path(real_build.path).parent.parent


@pytest.fixture(scope="module")
def site(store_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "archief"
    done = run_cli("export", "--store", store_root, "--site", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "statische site" in done.stdout
    return out


@pytest.fixture(scope="module")
def file_server(site: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _links(page: Path) -> list[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = [a["href"] for a in soup.find_all(href=True)]
    found += [s["src"] for s in soup.find_all(src=True)]
    found += [f["action"] for f in soup.find_all("form", action=True)]
    return [str(x) for x in found]


def test_every_own_link_in_every_page_leads_to_a_written_file(site: Path) -> None:
    pages = _pages(site)
    assert len(pages) > 100
    broken: list[str] = []
    for page in pages:
        for link in _links(page):
            bare = link.split("#")[0]
            if not bare or bare.startswith(("http://", "https://", "mailto:")):
                continue
            assert not bare.startswith("/"), f"{page}: an absolute path stayed: {link}"
            if not (page.parent / bare).resolve().is_file():
                broken.append(f"{page.relative_to(site)} -> {link}")
    assert not broken, "links to files that were not written:\n" + "\n".join(broken[:20])


def test_every_entity_of_the_graph_has_a_page(site: Path, real_store: ox.Store) -> None:
    missing = []
    subjects = {
        q.subject.value
        for q in real_store.quads_for_pattern(None, None, None, None)
        if isinstance(q.subject, ox.NamedNode)
        and q.subject.value.startswith(CANONICAL_BASE + "id/")
    }
    assert len(subjects) > 400
    for iri in sorted(subjects):
        rest = iri[len(CANONICAL_BASE) :].split("#")[0]  # a hash IRI is on its document's page
        doc = "doc/" + rest[len("id/") :]
        if not any((site / p / "index.html").is_file() for p in (rest, doc)):
            missing.append(iri)
    assert not missing, f"{len(missing)} entities without a page, e.g. {missing[:5]}"


def test_a_plain_file_server_serves_the_site(site: Path, file_server: str) -> None:
    home = httpx.get(file_server + "/")
    assert home.status_code == 200
    assert "Kennisgraaf" in home.text
    # follow the first links of the home page that go to other pages of the site
    soup = BeautifulSoup(home.text, "html.parser")
    followed = 0
    for a in soup.find_all("a", href=True):
        href = str(a["href"])
        if href.startswith(("http", "#", "mailto:")) or not href.endswith(".html"):
            continue
        r = httpx.get(f"{file_server}/{href}")
        assert r.status_code == 200, href
        assert "text/html" in r.headers["content-type"]
        followed += 1
    assert followed >= 5
    css = httpx.get(file_server + "/static/style.css")
    assert css.status_code == 200


def test_live_only_links_point_to_the_public_url(site: Path) -> None:
    links = _links(site / "index.html")
    assert any(link == CANONICAL_BASE + "sparql" for link in links), links


def test_refuses_a_folder_that_holds_something_else(store_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "mijn-map"
    out.mkdir()
    (out / "belangrijk.txt").write_text("niet weggooien")
    done = run_cli("export", "--store", store_root, "--site", out, "--quiet")
    assert done.returncode == 2
    assert "not empty" in done.stderr or "niet leeg" in done.stderr
    assert "Traceback" not in done.stderr
    assert (out / "belangrijk.txt").read_text() == "niet weggooien"


def test_without_a_release_it_says_to_build_first(tmp_path: Path) -> None:
    done = run_cli("export", "--store", tmp_path / "leeg", "--site", tmp_path / "site", "--quiet")
    assert done.returncode == 2
    assert "kennisgraaf build" in done.stderr
    assert "Traceback" not in done.stderr
