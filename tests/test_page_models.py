"""The entity pages the build makes (``endpoint/page_models.py``): the page of every thing with
a kind, in Dutch and English, served with one read; the same bytes as the page made from the
store, and made from the store again whenever the build's page may not be right (after a write,
made by other code, a damaged file). On the real build of data/ and the mini data set."""

from __future__ import annotations

import json
import pickle
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

import endpoint.dereference
from endpoint import page_models
from endpoint.page_common import doc_of
from endpoint.page_models import write_models
from endpoint.search_index_reader import FILENAME as INDEX
from endpoint.store import ReleaseStore
from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import (
    damage_models,
    recorded_handovers,
    release_of,
    rendering_client,
    run_cli,
)
from tests.sparql_support import TOKEN, update
from tests.test_metrics import scrape

BASE = "https://kennisgraaf.nl/"
HUB = BASE + "id/hub/pilothub-xr"
HTML = {"accept": "text/html"}


def made_by_build(root: Path) -> dict[str, set[str]]:
    """IRI -> the languages of its page in the release's file of pages."""
    db = sqlite3.connect(release_of(root) / page_models.FILENAME)
    try:
        out: dict[str, set[str]] = {}
        for iri, lang in db.execute("SELECT iri, lang FROM page"):
            out.setdefault(iri, set()).add(lang)
        return out
    finally:
        db.close()


def doc_path(iri: str) -> str:
    return doc_of("/" + iri[len(BASE) :])


@pytest.fixture
def store_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The reads of the store by pattern or SPARQL from now on."""
    reads: list[str] = []
    for name in ("quads", "select", "column"):
        real = getattr(ReleaseStore, name)

        def recorded(
            self: ReleaseStore, *args: Any, _real: Any = real, _n: str = name, **kw: Any
        ) -> Any:
            reads.append(_n)
            return _real(self, *args, **kw)

        monkeypatch.setattr(ReleaseStore, name, recorded)
    return reads


def test_the_build_makes_the_page_of_every_thing_with_a_kind_in_both_languages(
    built_root: Path,
) -> None:
    index = sqlite3.connect(release_of(built_root) / INDEX)
    typed = {
        iri
        for (iri,) in index.execute("SELECT iri FROM member")
        if iri.startswith(BASE) and "#" not in iri and not iri.startswith(BASE + "graph/")
    }  # a graph's page counts its triples: made per request
    index.close()
    made = made_by_build(built_root)
    assert len(typed) > 500
    assert set(made) == typed
    assert all(langs == {"nl", "en"} for langs in made.values())
    db = sqlite3.connect(release_of(built_root) / page_models.FILENAME)
    fingerprint = "SELECT value FROM meta WHERE key = 'fingerprint'"
    assert db.execute(fingerprint).fetchall() == [(page_models.FINGERPRINT,)]
    db.close()


def test_every_page_the_build_made_is_the_page_made_from_the_store(
    built_root: Path, live_root: Path
) -> None:
    """Byte for byte, headers included, for every thing in both languages."""
    compared = 0
    with rendering_client(built_root) as built, rendering_client(live_root) as live:
        for iri in sorted(made_by_build(built_root)):
            for lang in ("nl", "en"):
                headers = {**HTML, "accept-language": lang}
                a = built.get(doc_path(iri), headers=headers)
                b = live.get(doc_path(iri), headers=headers)
                assert a.status_code == b.status_code == 200, (iri, a.text[:200])
                assert a.text == b.text, (iri, lang)
                assert a.headers == b.headers, (iri, lang)
                compared += 1
    assert compared > 1000


def test_a_page_the_build_made_reads_nothing_from_the_store(
    built_root: Path, store_reads: list[str]
) -> None:
    crowded = BASE + "id/bron/update-pilothubs-2023"  # pages of source references
    with rendering_client(built_root) as c:
        for iri in (HUB, crowded, BASE + "def/Hub"):
            for lang in ("nl", "en"):
                store_reads.clear()
                r = c.get(doc_path(iri), headers={**HTML, "accept-language": lang})
                assert r.status_code == 200 and "<h1" in r.text
                assert store_reads == [], iri
        # the next page of links is read from the store
        page = BeautifulSoup(c.get(doc_path(crowded), headers=HTML).text, "html.parser")
        more = page.find("a", rel="next")
        assert more is not None and "page=2" in more["href"]
        assert c.get(doc_path(crowded) + str(more["href"]), headers=HTML).status_code == 200
        assert store_reads != []


def test_the_json_ld_names_the_address_the_reader_asked(built_root: Path) -> None:
    with rendering_client(built_root) as c:
        c.base_url = c.base_url.copy_with(host="voorbeeld.test", port=8080)  # type: ignore[assignment]
        text = c.get(doc_path(HUB), headers=HTML).text
    assert page_models.URL_STAND_IN not in text
    script = BeautifulSoup(text, "html.parser").find("script", type="application/ld+json")
    data = json.loads(script.string)
    assert data["url"] == "http://voorbeeld.test:8080/doc/hub/pilothub-xr"
    assert data["@id"] == HUB and data["name"] == "Pilothub XR"


def test_the_build_s_page_is_made_on_the_event_loop_from_the_first_request(
    built_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = recorded_handovers(monkeypatch, endpoint.dereference)
    with rendering_client(built_root) as c:
        assert c.get(doc_path(HUB), headers=HTML).status_code == 200
        assert handed == []  # the vocabulary is not needed: nothing to load in a thread
        assert c.get(doc_path(HUB) + ".ttl").status_code == 200


def test_after_a_write_the_page_is_made_from_the_store(mini_store: Path) -> None:
    assert HUB in made_by_build(mini_store)
    with rendering_client(mini_store, update_token=TOKEN) as c:
        assert "Pilothub XR" in c.get(doc_path(HUB), headers=HTML).text
        update(
            c,
            f"DELETE {{ GRAPH ?g {{ <{HUB}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} }}"
            f" INSERT {{ GRAPH ?g {{ <{HUB}> <http://www.w3.org/2004/02/skos/core#prefLabel>"
            f' "Pilothub na de schrijfactie"@nl }} }}'
            f" WHERE {{ GRAPH ?g {{ <{HUB}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l"
            f' FILTER(LANG(?l) = "nl") }} }}',
        )
        page = BeautifulSoup(c.get(doc_path(HUB), headers=HTML).text, "html.parser")
        assert page.find("h1").get_text(" ", strip=True).startswith("Pilothub na de schrijfactie")


@pytest.mark.parametrize(
    "damage", ["other code", "not a database", "a bad model", "a truncated model", "no file"]
)
def test_pages_the_build_made_that_cannot_be_used_are_made_from_the_store(
    damaged_root: Path,
    live_root: Path,
    store_reads: list[str],
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def change(db: sqlite3.Connection) -> None:
        if damage == "other code":
            db.execute("UPDATE meta SET value = 'made by another version'")
        elif damage == "a bad model":
            db.execute("UPDATE page SET model = x'789c0300000000' WHERE iri = ?", (HUB,))
        else:  # half of each of its rows
            made = db.execute("SELECT lang, model FROM page WHERE iri = ?", (HUB,)).fetchall()
            for lang, model in made:
                whole = zlib.decompress(model)
                half = zlib.compress(whole[: len(whole) // 2])
                db.execute(
                    "UPDATE page SET model = ? WHERE iri = ? AND lang = ?", (half, HUB, lang)
                )

    damage_models(damaged_root, damage, change)
    with rendering_client(damaged_root) as c, rendering_client(live_root) as live:
        for lang in ("nl", "en"):
            headers = {**HTML, "accept-language": lang}
            store_reads.clear()
            r = c.get(doc_path(HUB), headers=headers)
            assert r.status_code == 200
            assert store_reads != []  # made from the store
            assert r.text == live.get(doc_path(HUB), headers=headers).text
        assert made_counts(c) == {"build": 0, "store": 2}
        c.get(doc_path(HUB), headers=HTML)  # a damaged row is told of once
    told = caplog.text.count("that the build made cannot be read")
    assert told == (2 if damage in ("a bad model", "a truncated model") else 0), caplog.text


def made_counts(c: TestClient) -> dict[str, int]:
    """``kennisgraaf_entity_pages_total`` of /metrics, by ``made`` (the exposition checked as
    tests/test_metrics.py checks it; a missing sample fails)."""
    samples = scrape(c.get)
    name = "kennisgraaf_entity_pages_total"
    return {made: int(samples[name, frozenset({("made", made)})]) for made in ("build", "store")}


def test_the_metrics_say_where_pages_came_from(built_root: Path) -> None:
    with rendering_client(built_root) as c:
        assert made_counts(c) == {"build": 0, "store": 0}
        for lang in ("nl", "en"):
            c.get(doc_path(HUB), headers={**HTML, "accept-language": lang})
        c.get(doc_path(BASE + "graph/bron/ror"), headers=HTML)  # a graph: made per request
        c.get(doc_path(HUB) + ".ttl")  # not a page
        assert made_counts(c) == {"build": 2, "store": 1}


def test_a_build_told_not_to_make_pages_makes_none(
    mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv("KENNISGRAAF_BUILD_PAGES", "false")
    done = run_cli("build", "--data", mini_data, "--store", store)
    assert done.returncode == 0, done.stderr
    assert not (release_of(store) / page_models.FILENAME).exists()
    assert "pagina's van" not in done.stderr
    with rendering_client(store) as c:
        page = BeautifulSoup(c.get(doc_path(HUB), headers=HTML).text, "html.parser")
        assert page.find("h1").get_text(strip=True) == "Pilothub XR"
    monkeypatch.delenv("KENNISGRAAF_BUILD_PAGES")
    done = run_cli("build", "--data", mini_data, "--store", store)
    assert done.returncode == 0, done.stderr
    assert HUB in made_by_build(store)
    assert "pagina's van" in done.stderr


def test_worker_processes_make_the_same_pages(
    mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large release's pages are made by worker processes (here: from 10 things on, in chunks
    of 7): the same rows as made in this process."""
    made: dict[str, dict[tuple[str, str], object]] = {}
    for how, start in (("here", 10**9), ("workers", 10)):
        monkeypatch.setattr(page_models, "PARALLEL_FROM", start)
        monkeypatch.setattr(page_models, "CHUNK", 7)
        store = tmp_path / how
        out = pipeline.build(BuildSettings(data=mini_data, store=store), pages=write_models)
        assert out.path is not None
        db = sqlite3.connect(out.path / page_models.FILENAME)
        rows = db.execute("SELECT iri, lang, model FROM page").fetchall()
        db.close()
        made[how] = {(iri, lang): pickle.loads(zlib.decompress(m)) for iri, lang, m in rows}
    assert len(made["here"]) > 20
    assert made["workers"] == made["here"]
