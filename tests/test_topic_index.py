"""The members of the themes and target groups, listed by the build (``ingest/topic_index.py``)
and read by the topic pages (``endpoint/topic_index.py``), against the same pages read from the
store: the same members, classes, ``via`` and order, in both languages and on every page."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from endpoint import topic_pages
from endpoint.entry_common import Page
from endpoint.index_labels import IndexLabels
from endpoint.store import ReleaseStore
from endpoint.topic_index import IndexedTopics
from ingest import pipeline
from ontology.iris import TOPIC_SCHEMES, scheme_iri
from ontology.namespaces import CANONICAL_BASE, expand
from tests.conftest import rendering_client
from tests.sparql_support import TOKEN, update

BASE = CANONICAL_BASE
TOPICS = {
    topic_pages.THEMA.scheme: topic_pages.THEMA,
    topic_pages.DOELGROEP.scheme: topic_pages.DOELGROEP,
}


@pytest.fixture(scope="module")
def root(real_build: pipeline.Outcome) -> Path:
    assert real_build.path is not None
    return real_build.path.parent.parent


def concepts(root: Path) -> list[tuple[str, str]]:
    """(scheme, slug) of every concept of the topic schemes in the real data."""
    store = ox.Store.read_only(str((root / "current").resolve()))
    out = []
    for scheme, _prop in TOPIC_SCHEMES:
        prefix = scheme_iri(BASE, scheme) + "/"
        for q in store.quads_for_pattern(
            None, ox.NamedNode(expand("skos:inScheme")), ox.NamedNode(scheme_iri(BASE, scheme))
        ):
            out.append((scheme, q.subject.value.removeprefix(prefix)))
    return sorted(set(out))


def main(c: TestClient, path: str, lang: str = "nl") -> str:
    r = c.get(path, headers={"accept": "text/html", "accept-language": lang})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return str(BeautifulSoup(r.text, "html.parser").find("main"))


def view_of(root: Path, scheme: str, slug: str) -> topic_pages.TopicView:
    reader = ReleaseStore(root)
    reader.store()
    page = cast(Page, SimpleNamespace(base=BASE, reader=reader, lang="nl"))
    concept = f"{scheme_iri(BASE, scheme)}/{slug}"
    return topic_pages.TopicView(
        page, TOPICS[scheme], concept, IndexLabels(reader), IndexedTopics(reader)
    )


def test_the_schemes_of_the_build_are_those_of_the_pages() -> None:
    assert {(t.scheme, t.property) for t in TOPICS.values()} == set(TOPIC_SCHEMES)


def test_the_list_holds_the_members_the_store_gives_for_every_concept(root: Path) -> None:
    found = concepts(root)
    assert len(found) > 20
    members = 0
    for scheme, slug in found:
        view = view_of(root, scheme, slug)
        listed, from_list = view.members()
        assert from_list, (scheme, slug)
        stored = view._members_from_store()
        assert {m.iri: (m.classes, m.via) for m in listed.values()} == {
            m.iri: (m.classes, m.via) for m in stored.values()
        }, (scheme, slug)
        members += len(listed)
        # the notation the list gives is the one the store's details order by
        view.evidence_details([m for m in stored.values() if view.is_evidence(m)])
        for iri, m in stored.items():
            if view.is_evidence(m):
                assert topic_pages._notation(listed[iri]) == topic_pages._notation(m), iri
    assert members > 100
    via = [m for scheme, slug in found for m in view_of(root, scheme, slug).members()[0].values()]
    assert any(m.via for m in via), "no member comes through kg:about: the test misses that"


def test_every_topic_page_from_the_list_equals_the_page_from_the_store(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topic_pages, "PAGE_SIZE", 2)  # pages, and ties in the order, show
    paths = [f"{TOPICS[scheme].path}/{slug}" for scheme, slug in concepts(root)]
    with rendering_client(root) as c:
        listed = {(p, lang): main(c, p, lang) for p in paths for lang in ("nl", "en")}
        kinds = {
            p: sorted({a.split("kind=")[1].split("&")[0] for a in _next_links(listed[(p, "nl")])})
            for p in paths
        }
        later = [f"{p}?kind={k}&page=2" for p in paths for k in kinds[p]]
        assert later, "no topic has a second page of a kind"
        listed.update({(p, "nl"): main(c, p) for p in later})
        with monkeypatch.context() as m:
            m.setattr(IndexedTopics, "members", lambda self, concept, prop: None)
            for (p, lang), page in listed.items():
                assert main(c, p, lang) == page, (p, lang)


def _next_links(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [str(a["href"]) for a in soup.find_all("a", rel="next") if "kind=" in str(a["href"])]


def test_a_listed_topic_reads_no_member_from_the_store(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    shown: list[int] = []
    details = topic_pages.TopicView.evidence_details

    def counted(self: topic_pages.TopicView, evidence: list[Any]) -> None:
        shown.append(len(evidence))
        details(self, evidence)

    monkeypatch.setattr(
        topic_pages.TopicView, "_members_from_store", lambda self: calls.append("store")
    )
    monkeypatch.setattr(topic_pages.TopicView, "evidence_details", counted)
    monkeypatch.setattr(topic_pages, "PAGE_SIZE", 2)
    with rendering_client(root) as c:
        main(c, "/thema/docentprofessionalisering")
    assert calls == []
    # the details of the evidence shown only (two per kind), not of all of it
    assert shown and shown[0] <= 4


def test_after_a_write_the_members_come_from_the_store(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    thing = f"{BASE}id/product/nieuw-in-xr"
    with rendering_client(copy, update_token=TOKEN) as c:
        assert "nieuw-in-xr" not in main(c, "/thema/xr")
        update(
            c,
            f"""PREFIX kg: <{BASE}def/> PREFIX dcterms: <http://purl.org/dc/terms/>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            INSERT DATA {{ GRAPH <{BASE}graph/test/nieuw> {{
              <{thing}> a kg:Product ; skos:prefLabel "Aaa nieuw in XR"@nl ;
                dcterms:subject <{BASE}id/begrip/thema/xr> }} }}""",
        )
        assert "nieuw-in-xr" in main(c, "/thema/xr")


def test_without_the_tables_the_members_come_from_the_store(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    with rendering_client(copy) as c:
        before = main(c, "/thema/xr")
    with sqlite3.connect((copy / "current").resolve() / "search.sqlite") as db:
        db.execute("DROP TABLE topic_member")
    with rendering_client(copy) as c:
        reader = ReleaseStore(copy)
        reader.store()
        assert (
            IndexedTopics(reader).members(f"{BASE}id/begrip/thema/xr", expand("dcterms:subject"))
            is None
        )
        assert main(c, "/thema/xr") == before


@pytest.mark.parametrize("cls", ["Product", "EvidenceItem"])
def test_members_with_the_same_name_are_in_the_order_of_their_iris(root: Path, cls: str) -> None:
    # the list and the store give the members in different orders: ties must not show that
    view = view_of(root, "thema", "xr")
    kind = f"{BASE}def/{cls}"
    made = [
        topic_pages.Member(f"{BASE}id/x/{slug}", {kind}, fields={"notation": {"2"}})
        for slug in ("b", "c", "a")
    ]
    names = dict.fromkeys((m.iri for m in made), "Dezelfde naam")
    orders = [
        [m.iri for m, _ in view.grouped({m.iri: m for m in members}, names)[kind]]
        for members in (made, made[::-1])
    ]
    assert orders[0] == orders[1] == sorted(m.iri for m in made)
