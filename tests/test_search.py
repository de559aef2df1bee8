"""Search (``/search``) on real builds: matching, ranks, the kind filter, formats, errors, and the
index switching together with the release it belongs to (a real ``kennisgraaf serve``)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from endpoint import search as search_routes
from endpoint import search_index_reader
from endpoint.app import create_app
from endpoint.search_index_reader import NoIndex, Query, SearchIndex, reused_index
from endpoint.settings import ServeSettings
from ingest import pipeline
from ingest import search_index as build_side
from ingest.settings import BuildSettings
from ontology.text import forms, stems, words
from tests.conftest import rendering_client
from tests.live_server import live_server

BASE = "https://kennisgraaf.nl/"
ID = BASE + "id/"
JSON = {"accept": "application/json"}
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
COORDINATION_TEAMS = {
    ID + "team/coordinatieteam-pilothub-docentondersteuning",
    ID + "team/coordinatieteam-pilothub-edtech",
    ID + "team/coordinatieteam-pilothub-studiedata-en-ai",
    ID + "team/coordinatieteam-pilothub-xr",
}
PILOTHUB_XR = ID + "hub/pilothub-xr"

HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "pilot*",
    "-pilothub",
    "pilothub -xr",
    "NEAR(pilothub xr)",
    "NEAR(",
    "pilothub AND",
    "AND",
    "OR OR OR",
    "NOT xr",
    "^pilothub",
    "label:pilothub",
    "{label}: xr",
    "(pilothub",
    "pilothub)",
    ")(",
    "xr + ",
    "'; DROP TABLE entry; --",
    "\x00",
    "pilot\x00hub",
    "𝔭𝔦𝔩𝔬𝔱𝔥𝔲𝔟",
    "日本語の検索",
    "ﬁnanciering",
    "é" * 500,
    "a " * 250,
    "%",
    "_",
    "\\",
    "<script>alert(1)</script>",
    " ",
]


def _get(
    client: TestClient, headers: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    return client.get("/search", params=params, headers=headers or JSON)


def _iris(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [hit["iri"] for hit in r.json()["results"]]


@pytest.fixture(scope="module")
def client(real_client: TestClient) -> TestClient:
    return real_client


# -- the analysis is the same on both sides ---------------------------------------------------


def test_the_analysis_folds_and_stems_dutch_and_english() -> None:
    assert words("Coördinatieteam pilothubs, ÉÉN ideeën") == [
        "coordinatieteam",
        "pilothubs",
        "een",
        "ideeen",
    ]
    assert "pilothub" in stems("pilothubs")
    assert "organis" in stems("organisations")  # English stem
    assert forms(["pilothubs", "docenten"])[:2] == ["pilothubs docenten", "pilothub docent"]


def test_the_index_is_in_the_release_folder(real_build: pipeline.Outcome) -> None:
    assert real_build.path is not None
    assert (real_build.path / build_side.FILENAME).is_file()


# -- matching ---------------------------------------------------------------------------------


def test_coordinatie_finds_the_coordination_teams(client: TestClient) -> None:
    iris = _iris(_get(client, q="coordinatie"))
    assert set(iris[:6]) >= COORDINATION_TEAMS
    # ... and the concept "coördinatieteam", as exactly named as the teams: all before the rest
    assert ID + "begrip/teamsoort/coordinatieteam" in iris[:6]


def test_pilothubs_finds_pilothub_xr(client: TestClient) -> None:
    r = _get(client, q="pilothubs")
    iris = _iris(r)
    assert PILOTHUB_XR in iris[:8]
    labels = [hit["label"] for hit in r.json()["results"]]
    assert "Pilothub XR" in labels


@pytest.mark.parametrize("q", ["Coördinatie", "COORDINATIE", "coördinatie", "  Coordinatie  "])
def test_case_and_accents_do_not_matter(client: TestClient, q: str) -> None:
    assert _iris(_get(client, q=q)) == _iris(_get(client, q="coordinatie"))


def test_several_words_must_all_match(client: TestClient) -> None:
    iris = _iris(_get(client, q="coordinatie XR"))
    assert iris[0] == ID + "team/coordinatieteam-pilothub-xr"
    assert not COORDINATION_TEAMS - {iris[0]} & set(iris)


def test_english_label(client: TestClient) -> None:
    iris = _iris(_get(client, q="funding types"))
    assert iris[0] == ID + "begrip/financieringssoort"
    en = _get(client, q="funding types", lang="en").json()["results"][0]
    nl = _get(client, q="funding types", lang="nl").json()["results"][0]
    assert en["label"] == "Funding types"
    assert nl["label"] == "Soorten financiering"


def test_alias(client: TestClient) -> None:
    iris = _iris(_get(client, q="HvA"))
    assert iris[0] == ID + "organisatie/amsterdam-university-of-applied-sciences"
    page = _get(client, HTML, q="HvA").text
    assert "Hogeschool van Amsterdam" in page
    assert "HvA" in page.split("search-results", 1)[1]  # shown: why it matched


def test_description_only(client: TestClient) -> None:
    iris = _iris(_get(client, q="metaverse"))
    assert PILOTHUB_XR in iris


def test_label_matches_rank_above_description_matches(client: TestClient) -> None:
    results = _get(client, q="XR", page=1).json()
    total = results["total"]
    hits = list(results["results"])
    for page in range(2, (total + 19) // 20 + 1):
        hits += _get(client, q="XR", page=page).json()["results"]
    assert len(hits) == total
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert hits[0]["label"] == "XR"  # the exact label first
    in_label = [i for i, h in enumerate(hits) if "xr" in build_side.words(h["label"])]
    by_description = [i for i, h in enumerate(hits) if h["score"] < 1]
    assert in_label and by_description
    assert max(in_label) < min(by_description)
    assert all(hits[i]["score"] >= 2 for i in in_label)
    assert not any("xr" in build_side.words(hits[i]["label"]) for i in by_description)


def test_exact_label_ranks_first(client: TestClient) -> None:
    hits = _get(client, q="pilothub").json()["results"]
    assert {h["label"].casefold() for h in hits[:2]} == {"pilothub"}
    assert hits[0]["score"] >= 4 > hits[2]["score"]


# -- kind filter, JSON, paging ------------------------------------------------------------------


def test_kind_filter(client: TestClient) -> None:
    everything = _get(client, q="pilothub").json()
    hubs = _get(client, q="pilothub", kind="kg:Hub").json()
    assert 0 < hubs["total"] < everything["total"]
    assert PILOTHUB_XR in [h["iri"] for h in hubs["results"]]
    for hit in hubs["results"]:
        assert "kg:Hub" in [k["key"] for k in hit["kinds"]]
    by_iri = _get(client, q="pilothub", kind=BASE + "def/Hub").json()
    assert by_iri["results"] == hubs["results"]
    facets = {k["key"]: k["count"] for k in everything["kinds"]}
    assert facets["kg:Hub"] == hubs["total"]
    page = _get(client, HTML, q="pilothub", kind="kg:Hub").text
    assert '<option value="kg:Hub" selected>' in page
    assert 'href="/search?q=pilothub&amp;kind=kg%3AHub"' in _get(client, HTML, q="pilothub").text


def test_json_shape(client: TestClient) -> None:
    r = _get(client, q="pilothub xr")
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert {"query", "total", "results", "kind", "page", "per_page", "kinds"} <= set(body)
    assert body["query"] == "pilothub xr"
    assert isinstance(body["total"], int) and body["total"] >= 1
    hit = body["results"][0]
    assert set(hit) == {"iri", "path", "label", "kinds", "description", "score"}
    assert hit["iri"] == PILOTHUB_XR
    assert hit["path"] == "/doc/hub/pilothub-xr"
    assert {"iri", "key", "label"} <= set(hit["kinds"][0])
    assert "pilothub" in [k["label"] for k in hit["kinds"]]
    assert hit["description"].startswith("Pilothub die")
    assert isinstance(hit["score"], float)
    assert _get(client, {"accept": "*/*"}, q="xr", format="json").json()["total"] > 0


def test_paging(client: TestClient) -> None:
    first = _get(client, q="hub").json()
    assert first["total"] > 40
    second = _get(client, q="hub", page=2).json()
    assert len(first["results"]) == len(second["results"]) == 20
    assert not {h["iri"] for h in first["results"]} & {h["iri"] for h in second["results"]}
    assert second["total"] == first["total"]
    beyond = _get(client, q="hub", page=999)
    assert beyond.status_code == 200 and beyond.json()["results"] == []
    html = _get(client, HTML, q="hub", page=2).text
    assert 'href="/search?q=hub&amp;page=3" rel="next"' in html
    assert 'href="/search?q=hub" rel="prev"' in html
    assert '<ol class="search-results" start="21">' in html


# -- HTML ---------------------------------------------------------------------------------------


def test_html_results(client: TestClient) -> None:
    r = _get(client, HTML, q="coördinatie")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert 'name="q" value="coördinatie"' in page  # the query stays in the box
    assert "resultaten voor" in page
    assert '<a href="/doc/team/coordinatieteam-pilothub-xr">Coördinatieteam pilothub XR</a>' in page
    en = _get(client, HTML, q="coördinatie", lang="en").text
    assert "results for" in en and 'name="lang" value="en"' in en


def test_empty_query_shows_the_form_and_help(client: TestClient) -> None:
    r = _get(client, HTML)
    assert r.status_code == 200
    assert 'name="q" value=""' in r.text and "search-help" in r.text
    assert "search-results" not in r.text
    assert _get(client, q="").json()["total"] == 0


# -- bad and hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "xr", "page": "abc"},
        {"q": "xr", "page": "0"},
        {"q": "xr", "page": "-1"},
        {"q": "xr", "page": "1.5"},
        {"q": "xr", "page": "100000"},
        {"q": "xr", "kind": "kg:Nothing"},
        {"q": "x" * 501},
        {"q": "xr", "format": "xml"},
    ],
)
def test_bad_parameters_are_a_clear_400(client: TestClient, params: dict[str, str]) -> None:
    r = client.get("/search", params=params, headers=JSON)
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["error"] and body["hint"]
    page = client.get("/search", params=params, headers=HTML)
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert body["error"].replace("'", "&#39;") in page.text


@pytest.mark.parametrize(
    ("lang", "says", "todo"),
    [
        ("nl", "page is een geheel getal", "laat page weg"),
        ("en", "page must be a whole number", "leave page out"),
    ],
)
def test_a_bad_parameter_is_explained_in_the_readers_language(
    client: TestClient, lang: str, says: str, todo: str
) -> None:
    for headers in (JSON, HTML):
        r = client.get(
            "/search",
            params={"q": "xr", "page": "abc"},
            headers={**headers, "Accept-Language": lang},
        )
        assert r.status_code == 400
        assert says in r.text and todo in r.text, r.text[:500]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_input_never_fails(client: TestClient, q: str) -> None:
    for headers in (JSON, HTML):
        r = _get(client, headers, q=q)
        assert r.status_code == 200, (q, r.text[:300])
    assert "<script>alert" not in _get(client, HTML, q=q).text


def test_fts_syntax_is_searched_as_words(client: TestClient) -> None:
    assert PILOTHUB_XR in _iris(_get(client, q='"pilothub*" AND (^xr):'))


# -- caching ------------------------------------------------------------------------------------


def test_etag_and_304(client: TestClient) -> None:
    r = _get(client, q="xr")
    etag = r.headers["etag"]
    assert "max-age" in r.headers["cache-control"]
    again = client.get("/search", params={"q": "xr"}, headers={**JSON, "if-none-match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    assert _get(client, q="xr", page=2).headers["etag"] != etag
    assert _get(client, q="xr", kind="kg:Hub").headers["etag"] != etag
    assert _get(client, HTML, q="xr").headers["etag"] != etag
    assert _get(client, q="xr", lang="en").headers["etag"] != etag


# -- the index belongs to the release -----------------------------------------------------------


def _next_second(after: float) -> None:
    while int(time.time()) <= int(after):
        time.sleep(0.05)


def test_validate_writes_no_index(tmp_path: Path, mini_data: Path) -> None:
    store = tmp_path / "store"
    pipeline.validate(BuildSettings(data=mini_data, store=store))
    assert not list(tmp_path.rglob("*.sqlite"))


def test_release_without_index_is_503(tmp_path: Path, mini_data: Path) -> None:
    store = tmp_path / "store"
    out = pipeline.build(BuildSettings(data=mini_data, store=store))
    assert out.path is not None
    index = out.path / build_side.FILENAME
    # the index vanishes under a running server: the route must notice (the response cache,
    # which would answer the same request again from memory, is off here)
    app = create_app(ServeSettings(store=store, query_workers=0, response_cache_mb=0))
    with TestClient(app) as c:
        assert _get(c, q="pilothub").status_code == 200
        index.unlink()
        for q in ("pilothub", ""):
            r = _get(c, q=q)
            assert r.status_code == 503
            assert "kennisgraaf build" in r.json()["error"]
            page = _get(c, HTML, q=q)
            assert page.status_code == 503 and "kennisgraaf build" in page.text
        index.write_bytes(b"not an index at all" * 100)
        r = _get(c, q="pilothub")
        assert r.status_code == 503 and "kennisgraaf build" in r.json()["error"]


def test_no_release_at_all_is_503(tmp_path: Path) -> None:
    app = create_app(ServeSettings(store=tmp_path / "empty", query_workers=0))
    with TestClient(app) as c:
        r = _get(c, q="pilothub")
        assert r.status_code == 503 and "kennisgraaf build" in r.json()["error"]
        assert _get(c, HTML, q="pilothub").status_code == 503


def test_labels_are_escaped(tmp_path: Path, mini_data: Path) -> None:
    hubs = mini_data / "hubs.yaml"
    hubs.write_text(
        hubs.read_text().replace(
            "naam: Pilothub XR\n", "naam: \"Pilothub <script>alert('x')</script> XR\"\n", 1
        )
    )
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
    app = create_app(ServeSettings(store=store, query_workers=0))
    with TestClient(app) as c:
        page = _get(c, HTML, q="pilothub script").text
        assert "Pilothub &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; XR" in page
        assert "<script>" not in page
        assert _get(c, q="alert").json()["results"][0]["iri"] == PILOTHUB_XR


def test_the_index_switches_with_the_release(tmp_path: Path, mini_data: Path) -> None:
    store = tmp_path / "store"
    settings = BuildSettings(data=mini_data, store=store, keep_releases=1)
    first = pipeline.build(settings)
    done = time.time()
    with live_server(store) as url:

        def search(q: str) -> list[dict[str, Any]]:
            r = httpx.get(url + "/search", params={"q": q}, headers=JSON, timeout=30)
            assert r.status_code == 200, r.text
            return list(r.json()["results"])

        assert search("Pilothub XR")[0]["label"] == "Pilothub XR"
        assert search("zeppelin") == []
        hubs = mini_data / "hubs.yaml"
        hubs.write_text(hubs.read_text().replace("naam: Pilothub XR\n", "naam: Zeppelinhub\n", 1))
        _next_second(done)
        second = pipeline.build(settings)
        assert second.release_id != first.release_id
        found = search("zeppelin")
        assert [h["iri"] for h in found] == [PILOTHUB_XR]
        assert found[0]["label"] == "Zeppelinhub"
        assert "Pilothub XR" not in [h["label"] for h in search("pilothub XR")]
        page = httpx.get(url + "/search", params={"q": "zeppelin"}, headers=HTML, timeout=30)
        assert second.release_id is not None and second.release_id in page.text
    # the old release, and its index with it, was pruned (keep_releases=1)
    indexes = sorted((store / "releases").glob("*/" + build_side.FILENAME))
    assert indexes == [store / "releases" / str(second.release_id) / build_side.FILENAME]


def test_a_failed_build_leaves_no_index_behind(tmp_path: Path, mini_data: Path) -> None:
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
    before = sorted(store.rglob("*.sqlite"))
    hubs = mini_data / "hubs.yaml"
    hubs.write_text(hubs.read_text().replace("soort: pilothub\n", "soort: geen-soort\n", 1))
    with pytest.raises(Exception):  # noqa: B017 - any build error will do
        pipeline.build(BuildSettings(data=mini_data, store=store))
    assert sorted(store.rglob("*.sqlite")) == before
    assert not list((store / "releases").glob(".building-*"))


def test_copy_of_a_release_is_searchable(tmp_path: Path, real_build: pipeline.Outcome) -> None:
    """A release is self-contained: copied to another machine (a read replica), it serves."""
    assert real_build.path is not None
    replica = tmp_path / "replica"
    (replica / "releases").mkdir(parents=True)
    shutil.copytree(real_build.path, replica / "releases" / real_build.path.name)
    (replica / "current").symlink_to(Path("releases") / real_build.path.name)
    app = create_app(ServeSettings(store=replica, query_workers=0))
    with TestClient(app) as c:
        assert PILOTHUB_XR in _iris(_get(c, q="pilothubs"))


def test_a_thread_keeps_its_connection_to_an_index_while_it_is_the_same_file(
    tmp_path: Path, mini_data: Path
) -> None:
    """Opening the index and checking it cost 0.1-0.2 ms a request: each thread keeps one
    connection for its next request, until the file is another (another release, or one
    replaced under the server), and then closes the old one."""
    store = tmp_path / "store"
    out = pipeline.build(BuildSettings(data=mini_data, store=store))
    assert out.path is not None
    index = out.path / build_side.FILENAME
    query = Query.parse("pilothub")

    first = SearchIndex(index)
    found = first.search(query, None, 20, 0)
    with first:
        pass  # closing leaves the connection to the thread
    second = SearchIndex(index)
    assert second.db is first.db
    assert second.search(query, None, 20, 0) == found
    assert second.kinds() is first.kinds()  # read once

    elsewhere: list[SearchIndex] = []
    other = threading.Thread(target=lambda: elsewhere.append(SearchIndex(index)))
    other.start()
    other.join()
    assert elsewhere[0].db is not first.db  # one connection per thread

    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(index, copy)
    moved = SearchIndex(copy)
    assert moved.db is not first.db
    with pytest.raises(sqlite3.ProgrammingError):  # the thread closed its old connection
        first.db.execute("SELECT 1")
    assert moved.search(query, None, 20, 0) == found

    copy.unlink()
    shutil.copyfile(index, copy)  # the same path, another file (its time set apart: the
    stamp = copy.stat().st_mtime_ns + 10**9  # clock of file times is coarse)
    os.utime(copy, ns=(stamp, stamp))
    replaced = SearchIndex(copy)
    assert replaced.db is not moved.db
    copy.write_bytes(b"not an index at all" * 100)
    with pytest.raises(NoIndex):
        SearchIndex(copy)
    copy.unlink()
    with pytest.raises(NoIndex):
        SearchIndex(copy)
    copy.mkdir()  # not a file at all
    with pytest.raises(NoIndex):
        SearchIndex(copy)
    assert reused_index(index).db is not replaced.db  # back to the release's own file


# -- where a search runs -----------------------------------------------------------------------


def test_step_budget_stops_long_sqlite_work_and_passes_other_errors() -> None:
    db = sqlite3.connect(":memory:")
    count = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
    with pytest.raises(search_index_reader.OverBudget), search_index_reader.step_budget(db, 50_000):
        db.execute(count + "SELECT count(*) FROM n").fetchone()
    # the budget ends with the block: the same statement runs to its end after it
    assert db.execute(count + "SELECT count(*) FROM n").fetchone() == (200000,)
    with search_index_reader.step_budget(db, 10_000_000):
        assert db.execute(count + "SELECT count(*) FROM n").fetchone() == (200000,)
    with (
        pytest.raises(sqlite3.OperationalError, match="no such table"),
        search_index_reader.step_budget(db, 50_000),
    ):
        db.execute("SELECT * FROM nergens")


def test_a_small_search_is_answered_on_the_event_loop_a_large_one_in_a_thread(
    real_build: pipeline.Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert real_build.path is not None
    root = real_build.path.parent.parent
    handed: list[str] = []
    to_thread = search_routes.run_in_threadpool

    async def counted(func: Any, *args: Any) -> Any:
        handed.append(func.__name__)
        return await to_thread(func, *args)

    monkeypatch.setattr(search_routes, "run_in_threadpool", counted)
    with rendering_client(root) as c:
        small = _get(c, q="pilothub")
        assert _iris(small) and handed == []
        # every search over its budget: stopped on the loop, answered the same in a thread
        monkeypatch.setattr(search_routes, "LOOP_STEPS", 1)
        again = _get(c, q="pilothub", page=1)
        assert again.json() == small.json()
        assert handed == ["search"]
        page = c.get("/search", params={"q": "docent"}, headers=HTML)
        assert page.status_code == 200 and "docent" in page.text.lower()
        assert handed == ["search", "search"]


def test_an_index_that_fails_a_read_answers_503_and_is_opened_again(
    real_build: pipeline.Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert real_build.path is not None
    root = real_build.path.parent.parent
    search = SearchIndex.search
    opened: list[Path] = []  # connections made
    connect = search_index_reader.connect_readonly

    def failing(*_args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    def counted(path: Path) -> Any:
        opened.append(path)
        return connect(path)

    monkeypatch.setattr(search_index_reader, "connect_readonly", counted)
    with rendering_client(root) as c:
        assert _iris(_get(c, q="pilothub"))
        monkeypatch.setattr(SearchIndex, "search", failing)
        r = _get(c, q="pilothub", page=1)
        assert r.status_code == 503
        body = r.json()
        assert "could not be read (disk I/O error)" in _get(c, q="x", lang="en").json()["error"]
        assert "kennisgraaf build" in body["hint"]
        page = _get(c, HTML, q="pilothub", page=1)
        assert page.status_code == 503 and "disk I/O error" in page.text
        monkeypatch.setattr(SearchIndex, "search", search)
        before = len(opened)
        assert _iris(_get(c, q="pilothub", page=1))
        assert len(opened) == before + 1, "the failed connection was kept"
        assert _iris(_get(c, q="docent"))
        assert len(opened) == before + 1, "a working connection is kept"
