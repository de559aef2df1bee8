"""Where the entity page's data comes from: the labels of linked things from the release's index
(``endpoint/index_labels.py``) while it describes what is served, from the store after a write
or when the index cannot say; a page read from one release even if a build switches meanwhile;
links to a thing and its evidence read by pattern when they are
few, by SPARQL when they are many, with the same page either way; the class counts of
/klassen and the home page from the index, else from the store.

Runs the real app (FastAPI TestClient, caches off so that every request renders) on the small
data set and on the real build of data/.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from endpoint import entity_view, index_labels, search_index_reader
from endpoint.index_labels import IndexLabels
from endpoint.search_index_reader import IRI_CHUNK as CHUNK
from endpoint.store import ReleaseStore
from ingest import pipeline
from tests.conftest import rendering_client, without_page_models
from tests.sparql_support import TOKEN, update

ID = "https://kennisgraaf.nl/id/"
NPULS = ID + "programma/npuls"
HUB = ID + "hub/pilothub-xr"


@pytest.fixture
def mini_store(mini_store: Path) -> Path:
    """These tests are of pages made from the store (they change the index under it)."""
    return without_page_models(mini_store)


def html(c: TestClient, path: str) -> BeautifulSoup:
    r = c.get(path, headers={"accept": "text/html", "accept-language": "nl"})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return BeautifulSoup(r.text, "html.parser")


def link_text(page: BeautifulSoup, href: str, section: str | None = None) -> list[str]:
    where = page if section is None else page.find("h2", id=section).parent
    return [a.get_text(" ", strip=True) for a in where.find_all("a", href=href)]


def index_of(store: Path) -> Path:
    return (store / "current").resolve() / "search.sqlite"


def relabel_in_index(store: Path, iri: str, label: str) -> None:
    with sqlite3.connect(index_of(store)) as db:
        assert db.execute("UPDATE entry SET label_nl = ? WHERE iri = ?", (label, iri)).rowcount == 1


def test_linked_things_are_named_from_the_index_until_a_write(mini_store: Path) -> None:
    # a label changed in the index only: the page shows it, so the page read the index
    relabel_in_index(mini_store, NPULS, "Npuls volgens de index")
    relabel_in_index(mini_store, HUB, "Pilothub volgens de index")
    with rendering_client(mini_store, update_token=TOKEN) as c:
        assert "Npuls volgens de index" in link_text(
            html(c, "/doc/hub/pilothub-xr"), "/doc/programma/npuls"
        )
        incoming = link_text(html(c, "/doc/programma/npuls"), "/doc/hub/pilothub-xr", "inkomend")
        assert incoming == ["Pilothub volgens de index"]

        # after a write the index may be out of date: every label comes from the store
        update(
            c,
            f"DELETE {{ GRAPH ?g {{ <{HUB}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }} }}"
            f" INSERT {{ GRAPH ?g {{ <{HUB}> <http://www.w3.org/2004/02/skos/core#prefLabel>"
            f' "Pilothub Extended Reality"@nl }} }}'
            f" WHERE {{ GRAPH ?g {{ <{HUB}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l"
            f' FILTER(LANG(?l) = "nl") }} }}',
        )
        incoming = link_text(html(c, "/doc/programma/npuls"), "/doc/hub/pilothub-xr", "inkomend")
        assert incoming == ["Pilothub Extended Reality"]
        assert link_text(html(c, "/doc/hub/pilothub-xr"), "/doc/programma/npuls") == ["Npuls"]


@pytest.mark.parametrize("damage", ["no IRI index", "no index file"])
def test_without_a_usable_index_the_labels_come_from_the_store(
    mini_store: Path, damage: str
) -> None:
    index = index_of(mini_store)
    if damage == "no index file":
        index.unlink()
    else:  # as a release built before the pages read labels from the index
        relabel_in_index(mini_store, NPULS, "Npuls volgens de index")
        with sqlite3.connect(index) as db:
            db.execute("DROP INDEX entry_iri")
    with rendering_client(mini_store) as c:
        assert link_text(html(c, "/doc/hub/pilothub-xr"), "/doc/programma/npuls") == ["Npuls"]
        incoming = link_text(html(c, "/doc/programma/npuls"), "/doc/hub/pilothub-xr", "inkomend")
        assert incoming == ["Pilothub XR"]


def test_a_page_looks_at_the_index_file_once(
    mini_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entity page reads labels from the index several times (what it links to, what links
    to it, its evidence): the file is looked at (``stat``) once per page, not at each read."""
    looked: list[Path] = []
    reused = search_index_reader.reused_index

    def counted(path: Path) -> search_index_reader.OpenIndex:
        looked.append(path)
        return reused(path)

    monkeypatch.setattr(search_index_reader, "reused_index", counted)
    with rendering_client(mini_store) as c:
        # the first page of a release loads the vocabulary in a thread, after the event loop
        # looked for the page made by the build: once in each
        html(c, "/doc/hub/pilothub-xr")
        assert len(looked) == 2, looked
        for _ in range(2):
            looked.clear()
            page = html(c, "/doc/programma/npuls")
            assert link_text(page, "/doc/hub/pilothub-xr", "inkomend") == ["Pilothub XR"]
            assert len(looked) == 1, looked


def test_a_connection_that_failed_in_a_page_is_not_used_again_in_it(
    mini_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the first read of labels fails (and its connection is closed): the page's later reads
    # open the file again instead of taking the closed connection the page had looked up
    looked: list[Path] = []
    reused = search_index_reader.reused_index
    rows = index_labels.rows_by_iri
    failed: list[bool] = []

    def counted(path: Path) -> search_index_reader.OpenIndex:
        looked.append(path)
        return reused(path)

    def fails_once(db: sqlite3.Connection, select: str, iris: list[str]) -> list[object]:
        if not failed:
            failed.append(True)
            raise sqlite3.OperationalError("disk I/O error")
        return rows(db, select, iris)

    monkeypatch.setattr(search_index_reader, "reused_index", counted)
    monkeypatch.setattr(index_labels, "rows_by_iri", fails_once)
    with rendering_client(mini_store) as c:
        html(c, "/doc/hub/pilothub-xr")  # the vocabulary loaded (in a thread): pages on the loop
        failed.clear()
        looked.clear()
        page = html(c, "/doc/programma/npuls")
        assert link_text(page, "/doc/hub/pilothub-xr", "inkomend") == ["Pilothub XR"]
    assert failed and len(looked) == 2, looked


def test_an_index_that_goes_missing_under_a_running_server_is_not_read(mini_store: Path) -> None:
    relabel_in_index(mini_store, NPULS, "Npuls volgens de index")
    with rendering_client(mini_store) as c:
        page = html(c, "/doc/hub/pilothub-xr")
        assert link_text(page, "/doc/programma/npuls") == ["Npuls volgens de index"]
        index_of(mini_store).unlink()
        assert link_text(html(c, "/doc/hub/pilothub-xr"), "/doc/programma/npuls") == ["Npuls"]


# -- few links (by pattern) and many (by SPARQL) give the same page ------------------------------

PAGES = [
    "/doc/begrip/thema/studiedata-en-ai",  # evidence and many links
    "/doc/bron/update-pilothubs-2023",  # source references, paged
    "/doc/bron/update-pilothubs-2023?in=http%3A%2F%2Fwww.w3.org%2Fns%2Fprov%23entity&page=2",
    "/doc/hub/pilothub-xr",
    "/doc/programma/npuls",
    "/doc/def/Hub",
]


@pytest.fixture(scope="module")
def real_rendering(real_build: pipeline.Outcome) -> Iterator[TestClient]:
    assert real_build.path is not None
    with rendering_client(real_build.path.parent.parent) as c:
        yield c


def sections(page: BeautifulSoup) -> dict[str, str]:
    out = {}
    for name in ("inkomend", "bewijs"):
        h2 = page.find("h2", id=name)
        out[name] = "" if h2 is None else str(h2.parent)
    return out


@pytest.mark.parametrize("path", PAGES)
def test_links_and_evidence_read_by_pattern_or_by_sparql_give_the_same_page(
    real_rendering: TestClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_pattern = sections(html(real_rendering, path))
    assert by_pattern["inkomend"], "every page here has links to it"
    monkeypatch.setattr(entity_view, "INLINE_LIMIT", 0)  # every link list is "many"
    monkeypatch.setattr(entity_view, "EVIDENCE_BY_PATTERN", -1)
    assert sections(html(real_rendering, path)) == by_pattern


@pytest.mark.parametrize("many", [False, True])
def test_source_references_are_named_after_their_owner_in_the_readers_language(
    real_rendering: TestClient, many: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if many:
        monkeypatch.setattr(entity_view, "INLINE_LIMIT", 0)
    ref = "/doc/activiteit/bouwen-aan-xr-community#bron-1"
    for lang, name in (
        ("nl", "Bouwen aan de XR-community (bronvermelding)"),
        ("en", "Building the XR community (source reference)"),
    ):
        page = html(real_rendering, f"/doc/bron/update-pilothubs-2023?lang={lang}")
        real_rendering.cookies.clear()
        assert link_text(page, ref, "inkomend") == [name]


def test_a_page_reads_one_release_even_if_a_build_switches_meanwhile(mini_store: Path) -> None:
    reader = ReleaseStore(mini_store)
    hub = ox.NamedNode(HUB)
    current = mini_store / "current"
    with reader.pinned():
        with reader.pinned():  # a part of the page that pins by itself (fetch_texts)
            assert list(reader.quads(hub, None, None))
        # a build publishes another release (here: an empty one) while the page is made
        ox.Store(str(mini_store / "releases" / "leeg")).flush()
        (mini_store / "next").symlink_to("releases/leeg")
        (mini_store / "next").replace(current)
        assert list(reader.quads(hub, None, None)), "the page goes on with its own release"
        assert reader.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    assert not list(reader.quads(hub, None, None)), "the next page reads the new release"
    assert not reader.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")


def test_labels_from_the_index_come_from_the_pinned_release(mini_store: Path) -> None:
    # a second release, a copy of the first whose index names Npuls otherwise
    first = (mini_store / "current").resolve()
    second = first.parent / "tweede"
    shutil.copytree(first, second)
    relabel_in_index(mini_store, NPULS, "Npuls in de eerste release")
    with sqlite3.connect(second / "search.sqlite") as db:
        db.execute(
            "UPDATE entry SET label_nl = 'Npuls in de tweede release' WHERE iri = ?", (NPULS,)
        )
    reader = ReleaseStore(mini_store)
    labels = IndexLabels(reader)
    with reader.pinned():
        assert labels.of([NPULS])[NPULS]["nl"] == "Npuls in de eerste release"
        (mini_store / "next").symlink_to("releases/tweede")
        (mini_store / "next").replace(mini_store / "current")  # a build switches meanwhile
        assert labels.of([NPULS])[NPULS]["nl"] == "Npuls in de eerste release"
        assert reader.needs_opening(), "the page did not open the new release in its midst"
        reader.store()  # another thread opens the new release
        assert reader.target == f"releases/{first.name}"
        assert labels.of([NPULS])[NPULS]["nl"] == "Npuls in de eerste release"
    assert reader.target == "releases/tweede"
    assert labels.of([NPULS])[NPULS]["nl"] == "Npuls in de tweede release", "the next page"


def test_many_labels_are_read_in_chunks_on_the_threads_own_connection(
    real_build: pipeline.Outcome, real_store: ox.Store
) -> None:
    """A page in a thread that names thousands of links reads their labels in chunks of IRIs
    (SQLite's limit on parameters) on its own connection: a page on the event loop, reading on
    the loop's connection at the same time, gets its labels without waiting, and both get what
    they would get alone."""
    assert real_build.path is not None
    reader = ReleaseStore(real_build.path.parent.parent)
    labels = IndexLabels(reader)
    subjects = real_store.quads_for_pattern(None, None, None, None)
    named = {q.subject.value for q in subjects if isinstance(q.subject, ox.NamedNode)}
    iris = sorted(named | {"https://example.org/unknown"})
    assert len(iris) > 2 * CHUNK
    alone = labels.of(iris)
    assert len(alone) > CHUNK and "https://example.org/unknown" not in alone
    few = iris[:: len(iris) // 40]
    assert {i: alone[i] for i in few if i in alone} == labels.of(few)

    started, results = threading.Event(), {}

    def many() -> None:
        started.set()
        for _ in range(5):
            results["many"] = labels.of(iris)

    worker = threading.Thread(target=many)
    worker.start()
    started.wait()
    while worker.is_alive():  # the other thread reads all the while: no shared connection
        assert labels.of(few) == {i: alone[i] for i in few if i in alone}
    worker.join()
    assert results["many"] == alone


# -- the class counts of /klassen and the home page ----------------------------------------------

HUB_ROW = "/klasse?iri=https%3A%2F%2Fkennisgraaf.nl%2Fdef%2FHub"


def hub_count(c: TestClient, path: str) -> int:
    link = html(c, path).find("a", href=HUB_ROW)
    assert link is not None, path
    return int(link.find_parent("tr").find_all("td")[-1].get_text())


@pytest.mark.parametrize("path", ["/klassen", "/"])
def test_class_counts_come_from_the_index_and_else_from_the_store(
    mini_store: Path, path: str
) -> None:
    # a count changed in the index only: the page shows it, so the page read the index
    with sqlite3.connect(index_of(mini_store)) as db:
        db.execute("UPDATE listed_class SET n = 41 WHERE iri = 'https://kennisgraaf.nl/def/Hub'")
    with rendering_client(mini_store) as c:
        assert hub_count(c, path) == 41
    # a release without listings (an old build, a damaged index): counted in the store
    with sqlite3.connect(index_of(mini_store)) as db:
        db.execute("DROP TABLE listed_class")
    with rendering_client(mini_store) as c:
        assert hub_count(c, path) == 1


def test_a_statement_in_two_graphs_and_a_link_to_itself_are_written_once(
    mini_store: Path,
) -> None:
    """The description reads each subject's quads once and keeps one per statement; the RDF
    document joins the thing's statements and the links to it without repeating one."""
    doc = "/doc/hub/pilothub-xr"
    with rendering_client(mini_store, update_token=TOKEN) as c:
        update(
            c,
            f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            PREFIX dcterms: <http://purl.org/dc/terms/>
            INSERT DATA {{
              GRAPH <{ID}graph/a> {{ <{HUB}> skos:altLabel "Dubbel vermeld"@nl ;
                                         dcterms:relation <{HUB}>, <{HUB}#deel> .
                                   <{HUB}#deel> dcterms:isPartOf <{HUB}> }}
              GRAPH <{ID}graph/b> {{ <{HUB}> skos:altLabel "Dubbel vermeld"@nl ;
                                         dcterms:relation <{HUB}> .
                                   <{HUB}#deel> dcterms:isPartOf <{HUB}> }} }}""",
        )
        page = html(c, doc)
        assert page.get_text().count("Dubbel vermeld") == 1
        r = c.get(doc + ".nt")
        assert r.status_code == 200
        lines = [ln for ln in r.text.splitlines() if ln.strip()]
        assert len(lines) == len(set(lines)), "a triple written twice"
        for triple in (
            f'<{HUB}> <http://www.w3.org/2004/02/skos/core#altLabel> "Dubbel vermeld"@nl .',
            f"<{HUB}> <http://purl.org/dc/terms/relation> <{HUB}> .",
            f"<{HUB}#deel> <http://purl.org/dc/terms/isPartOf> <{HUB}> .",
        ):
            assert lines.count(triple) == 1, triple
