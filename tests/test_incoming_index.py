"""The links to the most linked-to things, listed in page order by the build
(ingest/incoming_index.py) and read by the entity pages (endpoint/incoming_index.py).

The real data has no thing with more than a few hundred links, so this module builds data/
through the real pipeline with the limits lowered to 100: the source "update pilothubs 2023"
(277 links) is then listed. Its pages, read from the list, must be the pages read from the store
(by pattern, and by SPARQL as after a write), byte for byte in the section of the links.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from endpoint import entity_view, home, incoming_index
from endpoint.store import ReleaseStore
from ingest import incoming_index as building
from ingest import large_subjects, pipeline
from ingest.settings import BuildSettings
from ontology.evidence_fields import EVIDENCE_KINDS, EVIDENCE_LINKS
from ontology.namespaces import expand
from ontology.text import link_order
from tests.conftest import DATA, recorded_selects, rendering_client
from tests.sparql_support import TOKEN, update

ID = "https://kennisgraaf.nl/id/"
SOURCE = ID + "bron/update-pilothubs-2023"
SOURCE_PAGE = "/doc/bron/update-pilothubs-2023"
HUB = ID + "hub/pilothub-xr"
PROV_ENTITY = "http://www.w3.org/ns/prov#entity"
LOW = 100  # the limits of this module's build and pages
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def listed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder with a build of data/ whose limits are ``LOW``."""
    return build_listing_above(tmp_path_factory.mktemp("listed") / "store", LOW)


def build_listing_above(root: Path, low: int) -> Path:
    """``root`` holding a build of data/ that lists the links to every thing with more than
    ``low`` (the build's limit and its list of large documents both lowered)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(building, "MINIMUM", low)
        mp.setattr(
            pipeline,
            "large_iris",
            lambda store: (
                large_subjects.large_subjects(store),
                large_subjects.large_documents(store, low),
            ),
        )
        pipeline.build(BuildSettings(data=DATA, store=root))
    return root


def index_of(root: Path) -> Path:
    return (root / "current").resolve() / "search.sqlite"


def copy_of(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(root, target, symlinks=True)
    return target


@pytest.fixture
def uses(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the pages read the list, and ran SPARQL for the links of one relation."""
    calls = {"list": 0, "sparql": 0}
    page = incoming_index.IndexedIncoming.page
    column = ReleaseStore.column

    def listed(self: Any, *args: Any) -> Any:
        calls["list"] += 1
        return page(self, *args)

    def sparql(self: Any, query: str, *args: Any) -> Any:
        if query.endswith(entity_view.INCOMING_WITH):
            calls["sparql"] += 1
        return column(self, query, *args)

    monkeypatch.setattr(incoming_index.IndexedIncoming, "page", listed)
    monkeypatch.setattr(ReleaseStore, "column", sparql)
    return calls


def links_section(c: TestClient, path: str) -> str:
    r = c.get(path, headers={"accept": "text/html"})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return str(BeautifulSoup(r.text, "html.parser").find("h2", id="inkomend").parent)


def group_count(section: str, relation_anchor: str) -> int:
    h3 = BeautifulSoup(section, "html.parser").find("h3", id=relation_anchor)
    return int(h3.get_text().rsplit("(", 1)[1].rstrip(")"))


# -- the build ------------------------------------------------------------------------------------


def test_the_limits_agree() -> None:
    # every thing with more than INLINE_LIMIT links (whose page would otherwise read them with
    # SPARQL) is listed: the build lists every thing with more than MINIMUM, found among the
    # large documents (more than DOCUMENT_LIMIT quads from and to it), which hold every thing
    # with more than DOCUMENT_LIMIT links
    assert entity_view.INLINE_LIMIT >= building.MINIMUM >= large_subjects.DOCUMENT_LIMIT


def test_the_build_lists_the_links_of_each_relation_in_page_order(listed_store: Path) -> None:
    store = ox.Store.read_only(str((listed_store / "current").resolve()))
    expected: dict[str, list[str]] = {}
    for q in store.quads_for_pattern(None, None, ox.NamedNode(SOURCE)):
        subjects = expected.setdefault(q.predicate.value, [])
        if q.subject.value not in subjects:
            subjects.append(q.subject.value)
    assert sum(map(len, expected.values())) > LOW
    with sqlite3.connect(index_of(listed_store)) as db:
        counts = dict(
            db.execute("SELECT predicate, n FROM incoming_list WHERE object = ?", (SOURCE,))
        )
        assert counts == {p: len(ss) for p, ss in expected.items()}
        labels = {
            iri: {k: v for k, v in (("nl", nl), ("en", en), ("", other)) if v}
            for iri, nl, en, other in db.execute(
                "SELECT iri, label_nl, label_en, label_any FROM entry"
            )
        }
        for p, subjects in expected.items():
            rows = db.execute(
                "SELECT place, subject FROM incoming JOIN incoming_list ON list = id "
                "WHERE object = ? AND predicate = ? ORDER BY place",
                (SOURCE, p),
            ).fetchall()
            assert [place for place, _ in rows] == list(range(len(subjects)))
            listed = [s for _, s in rows]
            assert listed == sorted(subjects, key=lambda s: link_order(labels.get(s, {}), s))
        # a thing with fewer links is not listed
        few = db.execute("SELECT count(*) FROM incoming_list WHERE object = ?", (HUB,))
        assert few.fetchone()[0] == 0


def test_the_list_orders_by_name_then_iri_with_blank_nodes_last(tmp_path: Path) -> None:
    store = ox.Store()
    target = ox.NamedNode("https://example.org/target")
    p = ox.NamedNode("https://example.org/p")
    names = {"b": "Beta", "a": "alfa", "c": None, "d": "Beta"}
    for key in names:
        s = ox.NamedNode(f"https://example.org/{key}")
        store.add(ox.Quad(s, p, target))
        store.add(ox.Quad(s, p, target, ox.NamedNode("https://example.org/g")))  # counted once
    store.add(ox.Quad(ox.BlankNode(), p, target))
    index = tmp_path / "search.sqlite"
    with sqlite3.connect(index) as db:
        db.execute("CREATE TABLE entry (iri, label_nl, label_en, label_any, label_any_lang)")
        # the class listings, which the build writes before (no evidence among these links)
        db.execute("CREATE TABLE listed_class (id, iri)")
        db.execute("CREATE TABLE member (id, iri)")
        db.execute("CREATE TABLE listing (class, member)")
        db.executemany(
            "INSERT INTO entry VALUES (?, ?, '', '', '')",
            [(f"https://example.org/{k}", n) for k, n in names.items() if n],
        )
    base = "https://example.org/"
    listed = building.links_to_many(store, [target.value, p.value], base, minimum=4)
    assert list(listed) == [target.value]  # p has no links, target five (more than four)
    assert building.links_to_many(store, [target.value], base, minimum=5) == {}
    # an IRI outside the base has no page: not listed
    assert building.links_to_many(store, [target.value], "https://example.com/", 4) == {}
    assert building.write_incoming(index, listed, base) == 1
    with sqlite3.connect(index) as db:
        rows = db.execute("SELECT subject FROM incoming ORDER BY place").fetchall()
        assert [r[0] for r in rows] == [
            "https://example.org/a",  # alfa
            "https://example.org/b",  # Beta, then by IRI
            "https://example.org/d",
            "https://example.org/c",  # no name: its IRI, which sorts after the names
            None,  # a blank node
        ]
        assert db.execute("SELECT n FROM incoming_list").fetchall() == [(5,)]


# -- the pages ------------------------------------------------------------------------------------

PAGES = [
    SOURCE_PAGE,
    SOURCE_PAGE + "?lang=en",
    SOURCE_PAGE + "?in=http%3A%2F%2Fwww.w3.org%2Fns%2Fprov%23entity&page=2",
    SOURCE_PAGE + "?in=http%3A%2F%2Fwww.w3.org%2Fns%2Fprov%23entity&page=6",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_from_the_list_are_the_pages_read_from_the_store(
    listed_store: Path, path: str, uses: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    with rendering_client(listed_store) as c:
        listed = links_section(c, path)  # listed by this build: the list is read first
        assert uses["list"] > 0 and uses["sparql"] == 0, uses
        # as for a thing the build did not list: 277 links, at most INLINE_LIMIT, by pattern
        monkeypatch.setattr(incoming_index.IndexedIncoming, "counts", lambda self, iri: None)
        uses.update(list=0)
        by_pattern = links_section(c, path)
        assert uses == {"list": 0, "sparql": 0}
        monkeypatch.setattr(entity_view, "INLINE_LIMIT", LOW)  # more: by SPARQL
        by_sparql = links_section(c, path)
        assert uses["list"] == 0 and uses["sparql"] > 0, uses
    assert listed == by_pattern
    assert by_sparql == by_pattern


def test_a_listed_thing_is_not_read_from_the_store(
    listed_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[Any] = []
    quads = ReleaseStore.quads

    def counted(self: Any, s: Any = None, p: Any = None, o: Any = None) -> Any:
        if s is None and p is None and o == ox.NamedNode(SOURCE):
            read.append(o)
        return quads(self, s, p, o)

    monkeypatch.setattr(ReleaseStore, "quads", counted)
    with rendering_client(listed_store) as c:
        assert group_count(links_section(c, SOURCE_PAGE), "in-entity") > LOW
    assert read == [], "the links to a listed thing come from the list only"


def test_only_a_large_document_is_looked_up_in_the_list(
    listed_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # this module's build lists the large documents of more than LOW quads: the pages take
    # that list as theirs (the real limits agree: test_the_limits_agree)
    monkeypatch.setattr(incoming_index, "SMALL", LOW)
    meta = json.loads((listed_store / "current").resolve().with_suffix(".json").read_text())
    large = meta["large_documents"]
    assert large["quads"] == LOW and SOURCE in large["iris"] and HUB not in large["iris"]
    asked: list[str] = []
    counts = incoming_index.IndexedIncoming.counts
    index = incoming_index.IndexedIncoming._index

    def looked_up(self: Any) -> Any:
        asked.append("index")
        return index(self)

    monkeypatch.setattr(incoming_index.IndexedIncoming, "_index", looked_up)
    with rendering_client(listed_store) as c:
        assert group_count(links_section(c, SOURCE_PAGE), "in-entity") > LOW
        assert asked, "the links to a large document come from the list"
        reader = ReleaseStore(listed_store)
        reader.store()
        assert counts(incoming_index.IndexedIncoming(reader), SOURCE)
        asked.clear()
        c.get("/doc/hub/pilothub-xr", headers={"accept": "text/html"}).raise_for_status()
        assert counts(incoming_index.IndexedIncoming(reader), HUB) is None
    assert asked == [], "a thing that is not a large document is not looked up"


def test_after_a_write_the_links_are_read_from_the_store(
    listed_store: Path, tmp_path: Path, uses: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_of(listed_store, tmp_path)
    with rendering_client(root, update_token=TOKEN) as c:
        before = group_count(links_section(c, SOURCE_PAGE), "in-entity")
        assert uses["list"] > 0 and uses["sparql"] == 0
        update(
            c,
            "INSERT DATA { GRAPH <https://kennisgraaf.nl/graph/test> { "
            f"<{ID}bronvermelding/nieuw> <{PROV_ENTITY}> <{SOURCE}> }} }}",
        )
        listed = uses["list"]
        after = links_section(c, SOURCE_PAGE)
        assert uses["list"] == listed, "after the write the page reads the store"
        assert group_count(after, "in-entity") == before + 1


@pytest.mark.parametrize("damage", ["no tables", "no index file"])
def test_without_the_list_the_links_are_read_from_the_store(
    listed_store: Path,
    tmp_path: Path,
    damage: str,
    uses: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with rendering_client(listed_store) as c:
        expected = links_section(c, PAGES[2])
    root = copy_of(listed_store, tmp_path)
    if damage == "no index file":
        index_of(root).unlink()
    else:  # as a release built before the list
        with sqlite3.connect(index_of(root)) as db:
            db.execute("DROP TABLE incoming")
    monkeypatch.setattr(entity_view, "INLINE_LIMIT", LOW)
    uses.update(list=0, sparql=0)
    with rendering_client(root) as c:
        got = links_section(c, PAGES[2])
    assert uses == {"list": 0, "sparql": uses["sparql"]} and uses["sparql"] > 0
    if damage == "no tables":  # the labels still come from the index: the same page
        assert got == expected


def test_the_list_is_read_from_the_release_being_served(listed_store: Path) -> None:
    reader = ReleaseStore(listed_store)
    listed = incoming_index.IndexedIncoming(reader)
    counts = listed.counts(SOURCE)
    assert counts is not None and counts[PROV_ENTITY] > LOW
    first = listed.page(SOURCE, PROV_ENTITY, 0, 3)
    assert first is not None and len(first) == 3
    assert listed.page(SOURCE, PROV_ENTITY, counts[PROV_ENTITY] - 1, 3) is not None
    assert listed.page(SOURCE, PROV_ENTITY, counts[PROV_ENTITY], 3) == []
    assert listed.counts(HUB) is None  # not listed: the page reads the store


# -- the home page's sources ---------------------------------------------------------------------


def source_counts(c: TestClient) -> dict[str, int]:
    """Per source document on the home page: the number of things it is the source of."""
    r = c.get("/", headers={"accept": "text/html", "accept-language": "nl"})
    assert r.status_code == 200
    section = BeautifulSoup(r.text, "html.parser").find(
        "section", attrs={"aria-labelledby": "bronnen"}
    )
    out = {}
    for li in section.find_all("li"):
        a = li.find("a")
        number = li.get_text().rsplit(":", 1)[1].strip().split()[0].replace(".", "")
        out[ID + str(a["href"]).removeprefix("/doc/")] = int(number)
    return out


def derived_from_store(root: Path) -> dict[str, int]:
    store = ox.Store.read_only(str((root / "current").resolve()))
    res = store.query(
        "SELECT ?src (COUNT(DISTINCT ?e) AS ?n) WHERE { "
        "?src a <https://kennisgraaf.nl/def/SourceDocument> . "
        "OPTIONAL { ?e <http://www.w3.org/ns/prov#wasDerivedFrom> ?src } } GROUP BY ?src",
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    return {r["src"].value: int(r["n"].value) for r in res}


@pytest.mark.parametrize("limits", ["real", "low"])
def test_the_home_page_counts_what_each_source_is_the_source_of(
    listed_store: Path, monkeypatch: pytest.MonkeyPatch, limits: str
) -> None:
    # "low": this module's store lists the links of the large documents of more than LOW quads,
    # which the home page then takes for its large sources; "real": as a release without the
    # list, so the home page counts by pattern (or with one query for a source cited often)
    if limits == "low":
        monkeypatch.setattr(incoming_index, "SMALL", LOW)
    else:
        monkeypatch.setattr(incoming_index.IndexedIncoming, "_index", lambda self: None)
    asked: list[str] = []
    counts = incoming_index.IndexedIncoming.counts

    def looked_up(self: Any, iri: str) -> Any:
        found = counts(self, iri)
        if found is not None:  # the list answered for this source
            asked.append(iri)
        return found

    monkeypatch.setattr(incoming_index.IndexedIncoming, "counts", looked_up)
    with rendering_client(listed_store) as c:
        shown = source_counts(c)
    assert shown == derived_from_store(listed_store)
    assert shown[SOURCE] > LOW
    assert (SOURCE in asked) == (limits == "low")


def test_after_a_write_the_home_page_counts_the_sources_in_the_store(
    listed_store: Path, tmp_path: Path
) -> None:
    root = copy_of(listed_store, tmp_path)
    with rendering_client(root, update_token=TOKEN) as c:
        before = source_counts(c)[SOURCE]
        update(
            c,
            f"INSERT DATA {{ GRAPH <{ID}graph/test> {{ <{ID}x/nieuw> "
            f"<http://www.w3.org/ns/prov#wasDerivedFrom> <{SOURCE}> }} }}",
        )
        assert source_counts(c)[SOURCE] == before + 1


def test_a_source_cited_often_and_not_listed_is_counted_with_one_query(
    listed_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incoming_index.IndexedIncoming, "_index", lambda self: None)
    monkeypatch.setattr(home, "FEW_QUADS", 10)
    queried: list[str] = []
    select = ReleaseStore.select

    def counted(self: Any, query: str, *args: Any) -> Any:
        if query.endswith(home.DERIVED):
            queried.append(query)
        return select(self, query, *args)

    monkeypatch.setattr(ReleaseStore, "select", counted)
    with rendering_client(listed_store) as c:
        assert source_counts(c) == derived_from_store(listed_store)
    assert len(queried) == 1


# -- the evidence among the links -----------------------------------------------------------------

EVIDENCE_LOW = 10  # low enough that themes and target groups, which evidence has, are listed


@pytest.fixture(scope="module")
def evidence_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of data/ that lists the links to every thing with more than ``EVIDENCE_LOW``."""
    return build_listing_above(tmp_path_factory.mktemp("evidence") / "store", EVIDENCE_LOW)


def evidence_by_pattern(store: ox.Store, iri: str) -> dict[str, str]:
    """What links to ``iri`` as evidence (``EVIDENCE_LINKS``), with its first kind."""
    kinds = [ox.NamedNode(expand(c)) for c in EVIDENCE_KINDS]
    out: dict[str, str] = {}
    for p in EVIDENCE_LINKS:
        for q in store.quads_for_pattern(None, ox.NamedNode(expand(p)), ox.NamedNode(iri)):
            s = q.subject
            if not isinstance(s, ox.NamedNode) or s.value == iri:
                continue
            types = {t.object for t in store.quads_for_pattern(s, RDF_TYPE, None)}
            kind = next((k for k in kinds if k in types), None)
            if kind is not None:
                out[s.value] = kind.value
    return out


def listed_things(root: Path) -> list[str]:
    with sqlite3.connect(index_of(root)) as db:
        return [r[0] for r in db.execute("SELECT DISTINCT object FROM incoming_list")]


def test_the_evidence_listed_with_the_links_is_what_the_store_gives(evidence_store: Path) -> None:
    store = ox.Store.read_only(str((evidence_store / "current").resolve()))
    reader = ReleaseStore(evidence_store)
    reader.store()
    indexed = incoming_index.IndexedIncoming(reader)
    listed = listed_things(evidence_store)
    seen = 0
    for iri in listed:
        expected = evidence_by_pattern(store, iri)
        assert indexed.evidence(iri) == expected, iri
        seen += len(expected)
    assert seen > 20, "no listed thing has evidence: the test sees nothing"
    both = [
        iri
        for iri in listed
        if {expand("kg:EvidenceItem"), expand("kg:EvidenceClaim")}
        <= set(evidence_by_pattern(store, iri).values())
    ]
    assert both, "no listed thing has evidence of both kinds"


def test_the_pages_of_listed_things_show_the_evidence_the_store_gives(
    evidence_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ox.Store.read_only(str((evidence_store / "current").resolve()))
    with_evidence = [i for i in listed_things(evidence_store) if evidence_by_pattern(store, i)]
    assert len(with_evidence) >= 5
    paths = ["/doc/" + i.removeprefix(ID) for i in with_evidence]
    with rendering_client(evidence_store) as c:
        with monkeypatch.context() as m:
            asked = recorded_selects(m)
            pages = {p: main_of(c, p) for p in paths}
        assert not [q for q in asked if q.endswith(entity_view.EVIDENCE)], "asked SPARQL"
        assert any("bewijs" in page for page in pages.values())
        # as after a write: the evidence with SPARQL (the links still from the list)
        monkeypatch.setattr(incoming_index.IndexedIncoming, "evidence", lambda self, iri: None)
        for p, page in pages.items():
            assert main_of(c, p) == page, p


def main_of(c: TestClient, path: str) -> str:
    r = c.get(path, headers={"accept": "text/html"})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return str(BeautifulSoup(r.text, "html.parser").find("main"))
