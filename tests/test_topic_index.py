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
from endpoint.entry_labels import values_block
from endpoint.store import ReleaseStore
from endpoint.topic_index import IndexedTopics
from ingest import pipeline, topic_index
from ontology.iris import TOPIC_SCHEMES, scheme_iri
from ontology.namespaces import CANONICAL_BASE, expand, sparql_prologue
from tests.conftest import recorded_selects, rendering_client
from tests.sparql_support import TOKEN, update

BASE = CANONICAL_BASE
LANGS = ("nl", "en")
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
    return topic_pages.TopicView(page, TOPICS[scheme], concept, IndexedTopics(reader))


def test_the_schemes_of_the_build_are_those_of_the_pages() -> None:
    assert {(t.scheme, t.property) for t in TOPICS.values()} == set(TOPIC_SCHEMES)


Shown = tuple[str, set[str], str | None, str, str | None]


def listed_members(view: topic_pages.TopicView, lang: str) -> dict[str, list[Shown]]:
    """Class -> all its members as the build's list gives them in ``lang``, in its order:
    (IRI, via, notation, name, the language of the name when it is not ``lang``)."""
    prop = view.subs[ox.Variable("prop")].value
    listing = view.indexed.listing(view.concept, prop)
    assert listing is not None, view.concept
    out = {}
    for cls, n in view.class_counts(listing.counts).items():
        rows = view.indexed.rows(listing.topic, cls, lang, 0, n + 5)
        assert rows is not None and len(rows) == n, (view.concept, cls)
        out[cls] = [
            (iri, set(vias.split()), notation, name, tag if tag and tag != lang else None)
            for iri, vias, notation, name, tag in rows
        ]
    return out


def test_the_list_holds_the_members_the_store_gives_for_every_concept(root: Path) -> None:
    found = concepts(root)
    assert len(found) > 20
    members = 0
    for scheme, slug in found:
        view = view_of(root, scheme, slug)
        stored = view.members_from_store()
        view.evidence_details([m for m in stored.values() if view.is_evidence(m)])
        for lang in LANGS:
            view.view = cast(Page, SimpleNamespace(base=BASE, reader=view.view.reader, lang=lang))
            view.name_members(stored)
            expected = {
                cls: [
                    (m.iri, m.via, topic_pages._notation(m), m.name, getattr(m.name, "lang", 0))
                    for m in rows
                ]
                for cls, rows in view.grouped(stored).items()
            }
            listed = listed_members(view, lang)
            # the same classes in the same order, each with the same members in the same order,
            # the same via, notation (for the evidence items: it orders them), name and its
            # language
            assert list(listed) == list(expected), (scheme, slug, lang)
            for cls, rows in listed.items():
                if not cls.endswith("EvidenceItem"):
                    expected[cls] = [(i, v, None, n, t) for i, v, _n, n, t in expected[cls]]
                    rows = [(i, v, None, n, t) for i, v, _n, n, t in rows]
                assert rows == expected[cls], (scheme, slug, lang, cls)
        members += len(stored)
    assert members > 100
    via = [
        m
        for scheme, slug in found
        for m in view_of(root, scheme, slug).members_from_store().values()
    ]
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
            m.setattr(IndexedTopics, "listing", lambda self, concept, prop: None)
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
    read: list[int] = []
    details = topic_pages.TopicView.evidence_details
    rows = IndexedTopics.rows

    def counted_rows(self: IndexedTopics, *args: Any) -> Any:
        found = rows(self, *args)
        read.append(len(found or []))
        return found

    def counted(self: topic_pages.TopicView, evidence: list[Any], listed: bool = False) -> None:
        shown.append(len(evidence))
        details(self, evidence, listed)

    monkeypatch.setattr(
        topic_pages.TopicView, "members_from_store", lambda self: calls.append("store")
    )
    monkeypatch.setattr(topic_pages.TopicView, "evidence_details", counted)
    monkeypatch.setattr(IndexedTopics, "rows", counted_rows)
    monkeypatch.setattr(topic_pages, "PAGE_SIZE", 2)
    with rendering_client(root) as c:
        main(c, "/thema/docentprofessionalisering")
    assert calls == []
    # the rows shown only (two per kind), not all members, and the details of their evidence
    assert len(read) > 2 and max(read) == 2
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


@pytest.mark.parametrize("drop", ["TABLE topic_row", "TABLE evidence_field", "INDEX member_iri"])
def test_without_the_tables_the_members_come_from_the_store(
    root: Path, tmp_path: Path, drop: str
) -> None:
    # an index built before the topic tables, before the evidence fields, or without the
    # class listing's index the members' names are joined through
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    with rendering_client(copy) as c:
        before = main(c, "/thema/xr")
    with sqlite3.connect((copy / "current").resolve() / "search.sqlite") as db:
        db.execute(f"DROP {drop}")
    with rendering_client(copy) as c:
        reader = ReleaseStore(copy)
        reader.store()
        indexed = IndexedTopics(reader)
        assert indexed.listing(f"{BASE}id/begrip/thema/xr", expand("dcterms:subject")) is None
        assert indexed.evidence_fields([f"{BASE}id/bewijs/x"]) is None
        assert main(c, "/thema/xr") == before


def evidence_rows(store: ox.Store, iris: list[str]) -> set[tuple[str, str, str, str]]:
    """The rows the page's own query (``topic_pages.EVIDENCE``) gives for ``iris``."""
    query = sparql_prologue(BASE) + topic_pages.EVIDENCE % values_block(iris)
    res = store.query(query, use_default_graph_as_union=True)
    assert isinstance(res, ox.QuerySolutions)
    return {
        (r["e"].value, r["field"].value, r["v"].value, r["w"].value if r["w"] else "") for r in res
    }


def test_the_evidence_fields_are_those_the_page_query_gives(root: Path) -> None:
    store = ox.Store.read_only(str((root / "current").resolve()))
    kinds = ", ".join(f"<{BASE}def/{k}>" for k in ("EvidenceItem", "EvidenceClaim"))
    res = store.query(
        f"SELECT DISTINCT ?e WHERE {{ ?e a ?k FILTER(?k IN ({kinds})) }}",
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    evidence = sorted(r["e"].value for r in res)
    assert len(evidence) > 10
    reader = ReleaseStore(root)
    reader.store()
    listed = IndexedTopics(reader).evidence_fields([*evidence, f"{BASE}id/bewijs/onbekend"])
    assert listed is not None
    expected = evidence_rows(store, evidence)
    assert set(listed) == expected
    assert len(listed) == len(expected)
    fields = {f for _e, f, _v, _w in expected}
    assert fields == {"type", "strength", "notation", "source", "supports", "supported_by"}
    assert any(w for _e, f, _v, w in expected if f == "supported_by"), "no supporter's strength"


def test_a_listed_topic_asks_the_store_nothing_of_its_evidence(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = recorded_selects(monkeypatch)
    with rendering_client(root) as c:
        page = main(c, "/thema/docentprofessionalisering")
        assert "evidence" in page or "bewijs" in page
    assert asked, "the page asked the store nothing: the test sees no query"
    assert not [q for q in asked if "evidenceType" in q]


@pytest.mark.parametrize("listed", [True, False])
def test_a_supporter_with_two_strengths_shows_the_same_one_either_way(
    root: Path, listed: bool
) -> None:
    view = view_of(root, "thema", "xr")
    claim, supporter = f"{BASE}id/bewering/c", f"{BASE}id/bewijs/s"
    strengths = [f"{BASE}id/begrip/bewijssterkte/{x}" for x in ("sterk", "beperkt")]
    chosen = set()
    for order in (strengths, strengths[::-1]):
        rows = [(claim, "supported_by", supporter, w) for w in order]
        m = topic_pages.Member(claim, {f"{BASE}def/EvidenceClaim"})
        fake = SimpleNamespace(evidence_fields=lambda iris, rows=rows: rows)
        if not listed:  # the store's answer, in either order
            fake = SimpleNamespace(evidence_fields=lambda iris: None)
            view.view = cast(
                Page,
                SimpleNamespace(
                    base=BASE,
                    lang="nl",
                    reader=SimpleNamespace(
                        select=lambda q, rows=rows: [
                            {
                                "e": ox.NamedNode(e),
                                "field": ox.Literal(f),
                                "v": ox.NamedNode(v),
                                "w": ox.NamedNode(w),
                            }
                            for e, f, v, w in rows
                        ]
                    ),
                ),
            )
        view.indexed = cast(IndexedTopics, fake)
        view.evidence_details([m], listed)
        chosen.add(m.supporter_strength[supporter])
    assert chosen == {min(strengths)}


@pytest.mark.parametrize("cls", ["Product", "EvidenceItem"])
def test_members_with_the_same_name_are_in_the_order_of_their_iris(root: Path, cls: str) -> None:
    # the list and the store give the members in different orders: ties must not show that
    view = view_of(root, "thema", "xr")
    kind = f"{BASE}def/{cls}"
    made = [
        topic_pages.Member(
            f"{BASE}id/x/{slug}", {kind}, fields={"notation": {"2"}}, name="Dezelfde naam"
        )
        for slug in ("b", "c", "a")
    ]
    orders = [
        [m.iri for m in view.grouped({m.iri: m for m in members})[kind]]
        for members in (made, made[::-1])
    ]
    assert orders[0] == orders[1] == sorted(m.iri for m in made)
    # and so does the build's list
    concept, prop = f"{BASE}id/begrip/thema/xr", expand("dcterms:subject")
    names: topic_index.Names = {m.iri: (("Dezelfde naam", "dezelfde naam"),) * 2 for m in made}
    for members in (made, made[::-1]):
        lists = topic_index.TopicLists(
            BASE,
            {(concept, prop): [(m.iri, kind, "") for m in members]},
            {},
            {m.iri: "2" for m in made},
            set(),
        )
        placed = topic_index._ordered(lists.topics[concept, prop], lists, names)
        assert placed is not None
        assert [m for _c, _nl, _en, m, _v, _n in sorted(placed)] == orders[0]


def test_a_topic_with_a_member_without_a_name_is_read_from_the_store(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    concept, prop = f"{BASE}id/begrip/thema/xr", expand("dcterms:subject")
    rows = [(f"{BASE}id/x/a", f"{BASE}def/Product", ""), (f"{BASE}id/x/b", f"{BASE}def/Hub", "")]
    lists = topic_index.TopicLists(BASE, {(concept, prop): rows}, {}, {}, set())
    names: topic_index.Names = {f"{BASE}id/x/a": (("A", "a"), ("A", "a"))}
    assert topic_index._ordered(rows, lists, names) is None  # b is not in the class listing
    names[f"{BASE}id/x/b"] = (("", ""), ("", ""))
    assert topic_index._ordered(rows, lists, names) is None  # b has no name
    names[f"{BASE}id/x/b"] = (("B", "b"), ("B", "b"))
    assert topic_index._ordered(rows, lists, names) is not None
    # such a topic is not ordered in the index: its page reads the store, and is the same
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    with rendering_client(copy) as c:
        before = {lang: main(c, "/thema/xr", lang) for lang in LANGS}
    with sqlite3.connect((copy / "current").resolve() / "search.sqlite") as db:
        db.execute("UPDATE topic SET ordered = 0 WHERE concept = ?", (concept,))
    calls: list[str] = []
    from_store = topic_pages.TopicView.members_from_store

    def counted(self: topic_pages.TopicView) -> Any:
        calls.append(self.concept)
        return from_store(self)

    monkeypatch.setattr(topic_pages.TopicView, "members_from_store", counted)
    with rendering_client(copy) as c:
        assert {lang: main(c, "/thema/xr", lang) for lang in LANGS} == before
    assert calls == [concept, concept]


def test_the_index_pages_count_from_the_list_as_from_the_store(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ox.Store.read_only(str((root / "current").resolve()))
    reader = ReleaseStore(root)
    reader.store()
    for topic in TOPICS.values():
        prop = topic.prop_iri(BASE)
        listed = IndexedTopics(reader).holders(prop)
        assert listed is not None
        in_scheme = store.quads_for_pattern(
            None,
            ox.NamedNode(expand("skos:inScheme")),
            ox.NamedNode(scheme_iri(BASE, topic.scheme)),
        )
        expected = {
            q.subject.value: len(
                {x.subject for x in store.quads_for_pattern(None, ox.NamedNode(prop), q.subject)}
            )
            for q in in_scheme
        }
        assert listed == expected, topic.index
        assert any(expected.values()), topic.index
    with rendering_client(root) as c:
        with monkeypatch.context() as m:
            asked = recorded_selects(m)
            pages = {
                (t.index, lang): main(c, t.index, lang) for t in TOPICS.values() for lang in LANGS
            }
        assert asked == [], "a listed index page counted with SPARQL"
        with monkeypatch.context() as m:
            m.setattr(IndexedTopics, "holders", lambda self, prop: None)
            for (path, lang), page in pages.items():
                assert main(c, path, lang) == page, (path, lang)


def test_after_a_write_the_index_pages_count_from_the_store(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    xr = f"{BASE}id/begrip/thema/xr"

    def count_of_xr(c: TestClient) -> int:
        soup = BeautifulSoup(main(c, "/themas"), "html.parser")
        row = next(tr for tr in soup.find_all("tr") if tr.find("a", href="/thema/xr"))
        return int(row.find("td").get_text())

    with rendering_client(copy, update_token=TOKEN) as c:
        before = count_of_xr(c)
        update(
            c,
            f"""PREFIX dcterms: <http://purl.org/dc/terms/>
            INSERT DATA {{ GRAPH <{BASE}graph/test/nieuw> {{
              <{BASE}id/product/nieuw-in-xr> dcterms:subject <{xr}> }} }}""",
        )
        assert count_of_xr(c) == before + 1


def test_an_index_without_the_counts_counts_from_the_store(root: Path, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    with rendering_client(copy) as c:
        before = main(c, "/themas")
    with sqlite3.connect((copy / "current").resolve() / "search.sqlite") as db:
        db.execute("ALTER TABLE topic RENAME COLUMN holders TO something_else")
    reader = ReleaseStore(copy)
    reader.store()
    assert IndexedTopics(reader).holders(expand("dcterms:subject")) is None
    with rendering_client(copy) as c:
        assert main(c, "/themas") == before
