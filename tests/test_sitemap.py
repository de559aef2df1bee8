"""robots.txt and the sitemaps (sitemaps.org 0.9): every page for people is listed, once, on the
origin asked, and answers; the parts split where the protocol says; after a write the things
come from the store.

Runs the real app (FastAPI TestClient, in-process) on the real build of data/ and on the small
data set for the write.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from endpoint import sitemap
from endpoint.app import create_app
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore
from ingest import pipeline
from ontology.iris import TOPIC_SCHEMES, scheme_iri
from ontology.namespaces import CANONICAL_BASE
from tests.conftest import rendering_client
from tests.sparql_support import TOKEN, update

BASE = CANONICAL_BASE
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
ORIGIN = "http://testserver"


def locs(client: TestClient, path: str, element: str) -> list[str]:
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{{{NS['sm']}}}{element}"
    child = "sitemap" if element == "sitemapindex" else "url"
    return [e.text or "" for e in root.findall(f"sm:{child}/sm:loc", NS)]


def listed(client: TestClient) -> list[str]:
    """Every path the sitemap lists, part after part (each an absolute URL on our origin)."""
    out = []
    for part in locs(client, "/sitemap.xml", "sitemapindex"):
        assert part.startswith(ORIGIN + "/sitemap/")
        for url in locs(client, part.removeprefix(ORIGIN), "urlset"):
            assert url.startswith(ORIGIN + "/")
            split = urlsplit(url)
            out.append(split.path + (f"?{split.query}" if split.query else ""))
    return out


def typed_things(store: ox.Store) -> set[str]:
    rows = store.query(
        "SELECT DISTINCT ?s WHERE { ?s a ?c FILTER(isIRI(?s)) }", use_default_graph_as_union=True
    )
    assert isinstance(rows, ox.QuerySolutions)
    return {r["s"].value for r in rows if r["s"].value.startswith(BASE) and "#" not in r["s"].value}


def doc(iri: str) -> str:
    path = "/" + iri.removeprefix(BASE)
    return "/doc/" + path.removeprefix("/id/") if path.startswith("/id/") else "/doc" + path


def test_robots_lets_crawlers_read_the_pages_and_names_the_sitemap(
    real_client: TestClient,
) -> None:
    r = real_client.get("/robots.txt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert "User-agent: *" in lines
    disallowed = {ln.removeprefix("Disallow: ") for ln in lines if ln.startswith("Disallow:")}
    assert disallowed == {"/sparql", "/store", "/search", "/changes", "/download/"}
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in lines
    other = real_client.get("/robots.txt", headers={"host": "kennisgraaf.example:8443"})
    assert "Sitemap: http://kennisgraaf.example:8443/sitemap.xml" in other.text


def test_the_sitemap_lists_every_page_once(real_client: TestClient, real_store: ox.Store) -> None:
    paths = listed(real_client)
    assert len(paths) == len(set(paths))
    assert paths[:5] == ["/", "/themas", "/doelgroepen", "/klassen", "/catalog"]
    docs = {p for p in paths if p.startswith("/doc/")}
    assert docs == {doc(iri) for iri in typed_things(real_store)}
    for scheme, _prop in TOPIC_SCHEMES:
        prefix = scheme_iri(BASE, scheme) + "/"
        concepts = {i for i in typed_things(real_store) if i.startswith(prefix)}
        assert concepts
        assert {f"/{scheme}/{c.removeprefix(prefix)}" for c in concepts} <= set(paths)
    classes = real_store.query(
        "SELECT DISTINCT ?c WHERE { ?s a ?c FILTER(isIRI(?s) && isIRI(?c)) }",
        use_default_graph_as_union=True,
    )
    assert isinstance(classes, ox.QuerySolutions)
    wanted = {"/klasse?" + urlencode({"iri": r["c"].value}) for r in classes}
    assert wanted == {p for p in paths if p.startswith("/klasse?")}


def test_every_listed_page_answers(real_client: TestClient) -> None:
    bad = []
    for path in listed(real_client):
        r = real_client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
        if r.status_code != 200 or not r.headers["content-type"].startswith("text/html"):
            bad.append((path, r.status_code))
    assert not bad


def test_the_parts_split_at_the_limit_and_add_up_to_the_whole(
    real_build: pipeline.Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert real_build.path is not None
    with rendering_client(real_build.path.parent.parent) as c:  # nothing answered from a cache
        whole = listed(c)
        monkeypatch.setattr(sitemap, "PER_PART", 100)
        parts = locs(c, "/sitemap.xml", "sitemapindex")
        assert parts == [f"{ORIGIN}/sitemap/{n}.xml" for n in range(1, -(-len(whole) // 100) + 1)]
        pieces = [locs(c, p.removeprefix(ORIGIN), "urlset") for p in parts]
        assert all(len(piece) == 100 for piece in pieces[:-1]) and 0 < len(pieces[-1]) <= 100
        assert [u.removeprefix(ORIGIN) for piece in pieces for u in piece] == whole
        for missing in (f"/sitemap/{len(parts) + 1}.xml", "/sitemap/0.xml", "/sitemap/1.txt"):
            r = c.get(missing)
            assert r.status_code == 404
            assert "/sitemap.xml" in r.text


def test_the_sitemap_has_an_etag_of_the_release(real_client: TestClient) -> None:
    for path in ("/sitemap.xml", "/sitemap/1.xml"):
        r = real_client.get(path)
        etag = r.headers["etag"]
        again = real_client.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304


def test_after_a_write_the_sitemap_lists_the_new_thing(mini_store: Path) -> None:
    hub = BASE + "id/hub/een-nieuwe-hub"
    settings = ServeSettings(store=mini_store, query_workers=0, update_token=TOKEN)
    with TestClient(create_app(settings)) as c:
        before = listed(c)
        etag = c.get("/sitemap/1.xml").headers["etag"]
        assert "/doc/hub/een-nieuwe-hub" not in before
        update(c, f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{hub}> a <{BASE}def/Hub> }} }}")
        after = listed(c)
        assert c.get("/sitemap/1.xml").headers["etag"] != etag
        assert sorted(after) == sorted([*before, "/doc/hub/een-nieuwe-hub"])


def test_the_store_lists_the_same_things_as_the_index(real_build: pipeline.Outcome) -> None:
    """After a write the things come from the store: the same paths in the same order as the
    build's class listing gives them."""
    assert real_build.path is not None
    reader = ReleaseStore(real_build.path.parent.parent)
    addresses = sitemap.Addresses(reader, BASE)
    from_index = addresses.thing_paths(0, 10**6)
    assert from_index
    assert addresses.all_thing_paths() == from_index
