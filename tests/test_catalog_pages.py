"""The catalogue and the VoID description as pages for people, and their ``format`` links."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from endpoint.app import create_app
from endpoint.settings import ServeSettings
from ingest import pipeline

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(real_build: pipeline.Outcome) -> TestClient:
    assert real_build.path is not None
    root = Path(real_build.path).parent.parent
    return TestClient(create_app(ServeSettings(store=root, query_workers=0)))


@pytest.fixture(scope="module")
def manifest(real_build: pipeline.Outcome) -> dict[str, object]:
    assert real_build.path is not None
    root = Path(real_build.path).parent.parent
    data = json.loads((root / "exports" / real_build.release_id / "manifest.json").read_text())
    assert isinstance(data, dict)
    return data


def test_catalog_page_lists_every_download_with_its_checksum(
    client: TestClient, manifest: dict[str, object]
) -> None:
    r = client.get("/catalog", headers=HTML)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    soup = BeautifulSoup(r.text, "html.parser")
    assert soup.h1 is not None and "catalogus" in soup.h1.get_text()
    files = manifest["files"]
    assert isinstance(files, list)
    dumps = [f for f in files if str(f["path"]).endswith(".gz")]
    assert dumps
    rows = {
        a.get_text(): a.find_parent("tr") for a in soup.select("table a") if a.find_parent("tr")
    }
    for f in dumps:
        row = rows.get(f["path"])
        assert row is not None, f"{f['path']} is not on the catalogue page"
        assert f["sha256"] in row.get_text()
    # the download links are paths on this server, and they answer
    link = soup.select_one("table a")
    assert link is not None and str(link["href"]).startswith("/download/")
    assert client.get(str(link["href"])).status_code == 200


def test_catalog_page_follows_the_reader_language(client: TestClient) -> None:
    en = BeautifulSoup(client.get("/catalog?lang=en", headers=HTML).text, "html.parser")
    assert en.h1 is not None and en.h1.get_text() == "Kennisgraaf: catalogue"
    assert en.html is not None and en.html["lang"] == "en"


@pytest.mark.parametrize(
    ("fmt", "media", "rdf"),
    [
        ("ttl", "text/turtle", ox.RdfFormat.TURTLE),
        ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_format_links_give_rdf_even_to_a_browser(
    client: TestClient, fmt: str, media: str, rdf: ox.RdfFormat
) -> None:
    for path in ("/catalog", "/.well-known/void"):
        r = client.get(f"{path}?format={fmt}", headers=HTML)
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] == media
        assert len(list(ox.parse(r.content, format=rdf))) > 50


def test_an_unknown_format_is_a_clear_400(client: TestClient) -> None:
    r = client.get("/catalog?format=docx")
    assert r.status_code == 400
    assert "format=ttl" in r.json()["error"]


def test_void_page_shows_the_true_counts(client: TestClient) -> None:
    void = client.get("/.well-known/void", headers={"accept": "text/turtle"})
    store = ox.Store()
    store.load(void.content, format=ox.RdfFormat.TURTLE)
    res = store.query(
        "SELECT ?t ?e WHERE { ?d <http://rdfs.org/ns/void#sparqlEndpoint> ?x ; "
        "<http://rdfs.org/ns/void#triples> ?t ; <http://rdfs.org/ns/void#entities> ?e }"
    )
    assert isinstance(res, ox.QuerySolutions)
    row = next(iter(res))
    soup = BeautifulSoup(client.get("/.well-known/void", headers=HTML).text, "html.parser")
    figures = {
        th.get_text(): th.find_next_sibling("td").get_text() for th in soup.select("th[scope=row]")
    }
    assert figures["void:triples"] == row["t"].value
    assert figures["void:entities"] == row["e"].value
    assert soup.select("table")[1].select("tbody tr"), "no class partitions shown"
