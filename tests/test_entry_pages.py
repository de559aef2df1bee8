"""Home, class and theme pages on the real build: what a reader sees, checked against the data.

Counts are compared with SPARQL COUNTs on the store, theme and target-group pages with the YAML
records in ``data/`` (read here, independently of the mapping), labels with the store's labels.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pyoxigraph as ox
import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from starlette.routing import Route

from endpoint import class_listing, topic_pages
from endpoint.app import create_app
from endpoint.class_listing import SORTS, ClassListing, ListedPage, StoreListing
from endpoint.class_pages import CLASSES
from endpoint.entry_labels import (
    DESCRIPTION_NODES,
    DESCRIPTION_PREDICATES,
    LABEL_NODES,
    LABEL_PREDICATES,
    Texts,
    fetch_texts,
    listed_texts,
    short,
    values_block,
)
from endpoint.page_models import write_models
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore
from endpoint.ui_text import TEXT
from ingest import pipeline, search_index
from ingest.pipeline import PageMaker
from ingest.settings import BuildSettings
from ontology.namespaces import CANONICAL_BASE, STANDARD_PREFIXES, sparql_prologue
from ontology.text import local_name, sort_key
from queries import GROUPS
from tests.conftest import DATA, MINI, copied_store, rendering_client
from tests.sparql_support import TOKEN, update

BASE = CANONICAL_BASE
KG = BASE + "def/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ACTOR_FILES = (
    "organisaties.yaml",
    "programmas.yaml",
    "hubs.yaml",
    "teams.yaml",
    "ctls.yaml",
    "gemeenschappen.yaml",
    "personen.yaml",
)
EVIDENCE_FILES = ("bewijs.yaml", "beweringen.yaml")


@pytest.fixture(scope="module")
def client(real_build: pipeline.Outcome) -> Iterator[TestClient]:
    assert real_build.path is not None
    root = real_build.path.parent.parent  # <store>/releases/<id>
    app = create_app(ServeSettings(store=root, query_workers=0))
    with TestClient(app) as c:
        yield c


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def main(text: str) -> Tag:
    found = soup(text).find("main")
    assert isinstance(found, Tag)
    return found


def count(store: ox.Store, where: str) -> int:
    res = store.query(
        sparql_prologue() + f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}",
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    return int(next(iter(res))["n"].value)


def labels(store: ox.Store, lang: str, where: str) -> dict[str, str]:
    """IRI -> prefLabel in ``lang`` for the ?s of ``where``."""
    res = store.query(
        sparql_prologue()
        + f'SELECT ?s ?l WHERE {{ {where} ?s skos:prefLabel ?l FILTER(LANG(?l) = "{lang}") }}',
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    return {r["s"].value: r["l"].value for r in res}


def records(name: str) -> list[dict[str, object]]:
    loaded = yaml.safe_load((DATA / name).read_text(encoding="utf-8")) or []
    assert isinstance(loaded, list)
    return loaded


def ids_in(section: Tag | None) -> set[str]:
    """The record ids listed in a section (entity links end in /id/<segment>/<id>)."""
    if section is None:
        return set()
    found = set()
    for a in section.find_all("a", class_="item"):
        m = re.fullmatch(r"/doc/[a-z]+/([a-z0-9-]+)", str(a["href"]))
        assert m, a["href"]
        found.add(m.group(1))
    return found


def section(page: Tag, name: str) -> Tag | None:
    found = page.find("section", attrs={"aria-labelledby": f"deel-{name}"})
    return found if isinstance(found, Tag) else None


# ---------------------------------------------------------------------------- home


def test_home_counts_equal_sparql_counts(client: TestClient, real_store: ox.Store) -> None:
    r = client.get("/")
    assert r.status_code == 200
    table = main(r.text).find("section", attrs={"aria-labelledby": "soorten"})
    assert isinstance(table, Tag)
    rows = table.find_all("tr")[1:]
    assert len(rows) >= 10
    for row in rows:
        head, cell = row.find("th"), row.find("td")
        link = head.find("a")
        if link is None:
            assert cell.get_text() == "0", head.get_text()
            continue
        iri = parse_qs(urlsplit(link["href"]).query)["iri"][0]
        expected = count(real_store, f"?s a <{iri}> FILTER(isIRI(?s))")
        assert int(cell.get_text()) == expected, iri
    shown = {row.find("th").get_text(strip=True): row.find("td").get_text() for row in rows}
    assert shown["product"] == str(count(real_store, "?s a kg:Product"))
    assert shown["bewijsstuk"] == str(count(real_store, "?s a kg:EvidenceItem"))


def test_the_home_page_reads_one_release_even_if_a_build_switches_meanwhile(
    mini_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from endpoint import home

    with rendering_client(mini_store) as c:
        before = main(c.get("/").text)
    assert before.find_all("a", href=re.compile("^/klasse")), "no kind counted: a weak test"
    counted = home.class_counts

    def then_a_build_switches(reader: ReleaseStore) -> dict[str, int] | None:
        found = counted(reader)
        # a build publishes another release (here: an empty one) once the counts are read
        ox.Store(str(mini_store / "releases" / "leeg")).flush()
        (mini_store / "next").symlink_to("releases/leeg")
        (mini_store / "next").replace(mini_store / "current")
        return found

    monkeypatch.setattr(home, "class_counts", then_a_build_switches)
    with rendering_client(mini_store) as c:
        during = main(c.get("/").text)
    # the counts, the sources and their names all from the release the page began with
    assert str(during) == str(before)


def test_home_has_an_entry_for_each_user_group_whose_links_answer(client: TestClient) -> None:
    for lang in ("nl", "en"):
        page = main(client.get("/", headers={"Accept-Language": lang}).text)
        for group in GROUPS:
            entry = page.find("section", id=group)
            assert isinstance(entry, Tag), group
            heading = entry.find("h3")
            assert heading is not None and heading.get_text() == TEXT[lang][group]
            links = [str(a["href"]) for a in entry.find_all("a", href=True)]
            assert links, group
            for href in links:
                answer = client.get(href, headers=BROWSER)
                assert answer.status_code == 200, (group, href, answer.text[:200])
    page = main(client.get("/").text)
    hrefs = {str(a["href"]) for a in page.find_all("a", href=True)}
    assert {"/sparql", "/download/", "/catalog", "/.well-known/void", "/changes"} <= hrefs
    assert any(h.startswith("/themas") for h in hrefs)
    assert any(h.startswith("/sparql?voorbeeld=") for h in hrefs)


def test_home_in_english(client: TestClient) -> None:
    r = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})
    page = main(r.text)
    assert page.find("h2", id="soorten").get_text() == "What the graph holds"
    assert 'lang="en"' in r.text.split("<head>")[0]  # <html lang="en">
    assert "evidence item" in page.get_text()


# ---------------------------------------------------------------------------- class pages


def rows_of(text: str) -> list[tuple[str, str]]:
    """(href, label) of the instances listed on a class page."""
    table = main(text).find("table")
    assert isinstance(table, Tag)
    return [
        (str(th.find("a")["href"]), th.get_text(strip=True))
        for th in table.find_all("th", scope="row")
    ]


def test_class_page_lists_exactly_the_instances(client: TestClient, real_store: ox.Store) -> None:
    r = client.get("/klasse", params={"iri": KG + "Product"})
    assert r.status_code == 200
    expected = labels(real_store, "nl", "?s a kg:Product .")
    # pages link straight to the document of each thing: /id/x/y -> /doc/x/y
    assert {h for h, _ in rows_of(r.text)} == {"/doc/" + i[len(BASE + "id/") :] for i in expected}
    assert sorted(label for _, label in rows_of(r.text)) == sorted(expected.values())
    # a prefixed name works as well as the full IRI
    assert rows_of(client.get("/klasse?iri=kg:Product").text) == rows_of(r.text)


@pytest.mark.parametrize(
    "path", ["/klasse?iri=kg%3AHub", "/search?q=pilothub", "/doc/hub/pilothub-xr"]
)
def test_head_of_a_page_has_the_headers_of_its_get_and_no_body(
    client: TestClient, path: str
) -> None:
    got = client.get(path, headers={"accept": "text/html"})
    head = client.head(path, headers={"accept": "text/html"})
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control", "vary"):
        assert head.headers[name] == got.headers[name], name


def test_class_page_pages_through_all_instances(client: TestClient, real_store: ox.Store) -> None:
    total = count(real_store, "?s a org:Organization")
    assert total > 100  # three pages of 50
    pages = [
        rows_of(client.get("/klasse", params={"iri": "org:Organization", "page": n}).text)
        for n in (1, 2, 3)
    ]
    assert pages[0] != pages[1]
    assert [len(p) for p in pages] == [50, 50, total - 100]
    hrefs = [h for p in pages for h, _ in p]
    assert len(set(hrefs)) == total
    last = main(client.get("/klasse", params={"iri": "org:Organization", "page": 3}).text)
    assert last.find("a", rel="next") is None and last.find("a", rel="prev") is not None
    first = main(client.get("/klasse", params={"iri": "org:Organization"}).text)
    assert first.find("a", rel="prev") is None
    assert "page=2" in str(first.find("a", rel="next")["href"])

    beyond = client.get("/klasse", params={"iri": "org:Organization", "page": 4})
    assert beyond.status_code == 404
    assert "pagina 4 bestaat niet" in beyond.text
    assert "page=3" in beyond.text  # a link to the last page
    for bad in ("abc", "0", "-1", "1.5", "²"):
        r = client.get("/klasse", params={"iri": "org:Organization", "page": bad})
        assert r.status_code == 400, bad
        assert "paginanummer" in r.text


def test_class_page_sorts_by_label_in_the_readers_language(
    client: TestClient, real_store: ox.Store
) -> None:
    for lang in ("nl", "en"):
        names = labels(real_store, lang, "?s a kg:EvidenceClaim .")
        r = client.get("/klasse", params={"iri": "kg:EvidenceClaim", "lang": lang})
        shown = [label for _, label in rows_of(r.text)]
        assert set(shown) == set(names.values())
        assert shown == sorted(shown, key=sort_key)
        down = client.get(
            "/klasse", params={"iri": "kg:EvidenceClaim", "lang": lang, "sort": "-label"}
        )
        assert [label for _, label in rows_of(down.text)] == shown[::-1]
    by_links = rows_of(client.get("/klasse?iri=kg:Hub&sort=-links").text)
    table = main(client.get("/klasse?iri=kg:Hub&sort=-links").text).find("tbody")
    numbers = [int(tr.find_all("td")[-1].get_text()) for tr in table.find_all("tr")]
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == len(by_links)
    assert client.get("/klasse?iri=kg:Hub&sort=modified").status_code == 400


# ---------------------------------------------------------------------------- class listings


def listing_path(build: pipeline.Outcome) -> Path:
    assert build.path is not None
    return build.path / search_index.FILENAME


def whole(listing: ClassListing, class_iri: str, sort: str, lang: str) -> list[str]:
    total = listing.page(class_iri, sort, lang, 1, 0).total
    return [iri for iri, _ in listing.page(class_iri, sort, lang, total, 0).rows]


def reference_order(store: ox.Store, members: set[str], sort: str, lang: str) -> list[str]:
    """The order of a class page, computed independently from the store (the rule the pages
    used before the build wrote it: the first of LABEL_PREDICATES, the smallest text per
    language; the reader's language, else the other, else none, else any; else the local name;
    accents and case ignored; ties by IRI)."""
    rank = {p: n for n, p in enumerate(LABEL_PREDICATES)}
    best: dict[str, dict[str, tuple[int, str]]] = {}
    query = "SELECT ?s ?p ?l WHERE { ?s ?p ?l VALUES ?p { PREDICATES } FILTER(isLiteral(?l)) }"
    res = store.query(
        query.replace("PREDICATES", values_block(LABEL_PREDICATES)),
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    for r in res:
        s = r["s"].value
        if s in members:
            lg = r["l"].language or ""
            got = best.setdefault(s, {})
            new = (rank[r["p"].value], r["l"].value)
            if lg not in got or new < got[lg]:
                got[lg] = new

    def name(s: str) -> str:
        found = best.get(s, {})
        for want in (lang, "en" if lang == "nl" else "nl", ""):
            if want in found:
                return sort_key(found[want][1] or local_name(s))
        return sort_key(found[min(found)][1] if found else local_name(s))

    names = {s: name(s) for s in members}
    if sort.endswith("links"):
        links = incoming(store)
        sign = -1 if sort.startswith("-") else 1
        return sorted(members, key=lambda s: (sign * links.get(s, 0), names[s], s))
    return sorted(members, key=lambda s: (names[s], s), reverse=sort.startswith("-"))


def incoming(store: ox.Store) -> dict[str, int]:
    res = store.query(
        "SELECT ?o (COUNT(DISTINCT ?x) AS ?n) WHERE { ?o a ?c . ?x ?p ?o } GROUP BY ?o",
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    return {r["o"].value: int(r["n"].value) for r in res}


def test_class_listings_equal_sparql_for_every_class(
    real_build: pipeline.Outcome, real_store: ox.Store
) -> None:
    res = real_store.query(
        "SELECT DISTINCT ?c ?s WHERE { ?s a ?c FILTER(isIRI(?s) && isIRI(?c)) }",
        use_default_graph_as_union=True,
    )
    assert isinstance(res, ox.QuerySolutions)
    members: dict[str, set[str]] = {}
    for r in res:
        members.setdefault(r["c"].value, set()).add(r["s"].value)
    assert len(members) > 20 and "http://www.w3.org/ns/prov#Derivation" in members
    links = incoming(real_store)
    with ClassListing(listing_path(real_build)) as listing:
        for cls, want in members.items():
            page = listing.page(cls, "label", "nl", len(want) + 10, 0)
            assert page.total == len(want), cls
            assert {iri for iri, _ in page.rows} == want, cls
            assert all(n == links.get(iri, 0) for iri, n in page.rows), cls
        for cls in ("http://www.w3.org/ns/org#Organization", KG + "EvidenceClaim", KG + "Hub"):
            for sort in SORTS:
                for lang in ("nl", "en"):
                    expected = reference_order(real_store, members[cls], sort, lang)
                    assert whole(listing, cls, sort, lang) == expected, (cls, sort, lang)
        assert listing.page(KG + "NoSuchClass", "label", "nl", 50, 0).total == 0


def test_listings_read_from_the_store_equal_the_builds_for_every_class_sort_and_language(
    real_build: pipeline.Outcome,
) -> None:
    """After a write the class pages read their listings from the store (StoreListing): by
    the same rules, they must give what the build wrote, page by page."""
    assert real_build.path is not None
    reader = ReleaseStore(real_build.path.parent.parent)
    from_store = StoreListing(reader)
    with ClassListing(listing_path(real_build)) as built:
        counts = built.counts()
        # the numbers after a write: /klassen's own GROUP BY over the store
        assert {r["class"].value: int(r["n"].value) for r in reader.select(CLASSES)} == counts
        for cls, n in counts.items():
            for sort in SORTS:
                for lang in ("nl", "en"):
                    want = listed(built.page(cls, sort, lang, n, 0))
                    assert listed(from_store.page(cls, sort, lang, n, 0)) == want, (cls, sort)
                    # every page of three, the last one short: a range of the build's places
                    for offset in range(0, n, 3):
                        part = built.page(cls, sort, lang, 3, offset)
                        assert listed(part) == (n, want[1][offset : offset + 3]), (cls, sort)
            assert listed(from_store.page(cls, "label", "nl", 2, 1)) == listed(
                built.page(cls, "label", "nl", 2, 1)
            )
    assert from_store.page(KG + "NoSuchClass", "label", "nl", 50, 0).total == 0
    assert from_store.page("not an iri", "label", "nl", 50, 0).total == 0


def listed(page: ListedPage) -> tuple[int, list[tuple[str, int]]]:
    """What a listing says of a page, without the names (which StoreListing leaves to the page)."""
    return page.total, page.rows


def test_names_and_descriptions_in_the_listings_equal_those_read_from_the_store(
    real_build: pipeline.Outcome,
) -> None:
    """A class page shows the build's name and description of each row (one indexed read) while
    the store is as built: for every instance of every class, in both languages, they must be
    what fetch_texts reads from the store (as after a write)."""
    reader = ReleaseStore(listing_path(real_build).parent.parent.parent)
    checked = 0
    with ClassListing(listing_path(real_build)) as built:
        assert built.texts
        for cls, n in built.counts().items():
            page = built.page(cls, "label", "nl", n, 0)
            assert page.texts is not None and set(page.texts) == {iri for iri, _ in page.rows}
            from_store = fetch_texts(reader, page.texts)
            for iri, texts in page.texts.items():
                for lang in ("nl", "en"):
                    got = (texts.label(iri, lang), short(texts.description(lang)))
                    want = (
                        from_store[iri].label(iri, lang),
                        short(from_store[iri].description(lang)),
                    )
                    assert got == want, (cls, iri, lang)
                    checked += 1
    assert checked > 1000


def test_texts_of_things_from_the_listing_equal_those_read_from_the_store(
    real_build: pipeline.Outcome, real_store: ox.Store, tmp_path: Path
) -> None:
    """What a topic page shows of the things on it (``texts_of``): the listing's names and
    descriptions for instances of a class, the store's for the rest (here: things without a
    class, and an IRI the graph does not hold), all from the store after a write."""
    root = listing_path(real_build).parent.parent.parent
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    typed = {
        q.subject.value
        for q in real_store.quads_for_pattern(None, rdf_type, None)
        if isinstance(q.subject, ox.NamedNode)
    }
    untyped = {
        q.object.value
        for q in real_store.quads_for_pattern(None, None, None)
        if isinstance(q.object, ox.NamedNode) and q.object.value not in typed
    }
    iris = sorted(typed) + sorted(untyped)[:200]
    iris.append(BASE + "id/nergens/niet-in-de-graaf")
    reader = ReleaseStore(root)
    read: list[str] = []
    fetch = class_listing.fetch_texts

    def counted(r: ReleaseStore, wanted: list[str], *args: object) -> object:
        read.extend(wanted)
        return fetch(r, wanted, *args)  # type: ignore[arg-type]

    from_store = fetch_texts(reader, iris)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(class_listing, "fetch_texts", counted)
        got = class_listing.texts_of(reader, iris)
    assert len(read) < len(iris) / 2, "the instances of classes come from the listing"
    assert BASE + "id/nergens/niet-in-de-graaf" in read
    for iri in iris:
        for lang in ("nl", "en"):
            assert got[iri].label(iri, lang) == from_store[iri].label(iri, lang), (iri, lang)
            assert short(got[iri].description(lang)) == short(from_store[iri].description(lang)), (
                iri,
                lang,
            )
    # after a write the listing no longer holds: everything from the store
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    written = ReleaseStore(copy, writable=True)
    written.store()
    written.wrote()
    read.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(class_listing, "fetch_texts", counted)
        class_listing.texts_of(written, iris[:50])
    assert read == iris[:50]


def test_listing_texts_follow_the_stores_rules_on_hard_cases(tmp_path: Path) -> None:
    """Names and descriptions the build chooses for a class page, against fetch_texts, on
    things named in one language only, by a later predicate only, with an empty label, in
    other languages only, and not at all."""
    ex = "https://example.org/"
    rdfs, skos, dct = (STANDARD_PREFIXES[p] for p in ("rdfs", "skos", "dcterms"))
    things = {
        "nl-only": [(skos + "prefLabel", ox.Literal("Alleen NL", language="nl"))],
        "later-en": [
            (skos + "prefLabel", ox.Literal("Eerst", language="nl")),
            (rdfs + "label", ox.Literal("Later", language="en")),
            (rdfs + "label", ox.Literal("Aaa later", language="en")),
            (rdfs + "comment", ox.Literal("Commentaar", language="nl")),
            (dct + "description", ox.Literal("Zzz, maar eerst", language="nl")),
        ],
        "empty": [
            (skos + "prefLabel", ox.Literal("", language="nl")),
            (skos + "prefLabel", ox.Literal("English", language="en")),
        ],
        "others": [
            (skos + "prefLabel", ox.Literal("Deutsch", language="de")),
            (skos + "prefLabel", ox.Literal("Français", language="fr")),
            (rdfs + "comment", ox.Literal("Kommentar", language="de")),
        ],
        "plain": [
            (dct + "title", ox.Literal("Zonder taal")),
            (rdfs + "comment", ox.Literal("Uitleg")),
            (dct + "description", ox.Literal("Beschrijving", language="nl")),
        ],
        "nameless": [],
    }
    (tmp_path / "releases").mkdir()
    store = ox.Store(str(tmp_path / "releases" / "r"))
    g = ox.NamedNode(ex + "g")
    for name, facts in things.items():
        node = ox.NamedNode(ex + name)
        store.add(
            ox.Quad(
                node, ox.NamedNode(STANDARD_PREFIXES["rdf"] + "type"), ox.NamedNode(ex + "Kind"), g
            )
        )
        for p, o in facts:
            store.add(ox.Quad(node, ox.NamedNode(p), o, g))
    listing = search_index.Listing()
    search_index.collect(store, listing)
    store.flush()
    del store
    (tmp_path / "current").symlink_to("releases/r")
    from_store = fetch_texts(ReleaseStore(tmp_path), [ex + n for n in things])
    for name in things:
        iri = ex + name
        built = listed_texts(*listing.shown(iri))
        for lang in ("nl", "en"):
            assert built.label(iri, lang) == from_store[iri].label(iri, lang), (name, lang)
            want = short(from_store[iri].description(lang))
            assert short(built.description(lang)) == want, (name, lang)
            # in the same language (marked on the page when it is not the reader's)
            assert built.label(iri, lang).lang == from_store[iri].label(iri, lang).lang, name
            langs = [getattr(t.description(lang), "lang", None) for t in (built, from_store[iri])]
            assert langs[0] == langs[1], (name, lang)
    assert listed_texts(*listing.shown(ex + "others")).label(ex + "others", "nl").lang == "de"


def test_class_pages_and_counts_show_writes_at_once(mini_store: Path) -> None:
    hub = "https://kennisgraaf.nl/id/hub/een-nieuwe-hub"
    settings = ServeSettings(store=mini_store, query_workers=0, update_token=TOKEN)
    with TestClient(create_app(settings)) as c:
        hubs = rows_of(c.get("/klasse?iri=kg:Hub").text)
        assert hub not in str(hubs)
        update(
            c,
            f"INSERT DATA {{ GRAPH <{BASE}graph/test> {{ <{hub}> a <{KG}Hub> ; "
            f'<http://www.w3.org/2004/02/skos/core#prefLabel> "Aaa nieuwe hub"@nl }} }}',
        )
        after = c.get("/klasse?iri=kg:Hub")
        assert after.status_code == 200
        assert rows_of(after.text)[0] == ("/doc/hub/een-nieuwe-hub", "Aaa nieuwe hub")
        assert len(rows_of(after.text)) == len(hubs) + 1
        row = main(c.get("/klassen").text).find(
            "a", href="/klasse?iri=" + quote(KG + "Hub", safe="")
        )
        assert row is not None
        assert int(row.find_parent("tr").find_all("td")[-1].get_text()) == len(hubs) + 1


def test_names_read_until_both_languages_are_found_equal_names_read_from_every_predicate(
    real_build: pipeline.Outcome, real_store: ox.Store
) -> None:
    """fetch_texts stops reading a thing's label (description) predicates once it has one in
    Dutch and in English; what the pages show must equal what every predicate gives."""
    assert real_build.path is not None
    reader = ReleaseStore(real_build.path.parent.parent)
    iris = sorted(
        {
            q.subject.value
            for q in real_store.quads_for_pattern(None, None, None)
            if isinstance(q.subject, ox.NamedNode)
        }
    )
    assert len(iris) > 500
    fast = fetch_texts(reader, iris)
    for iri in iris:
        full = Texts()
        node = ox.NamedNode(iri)
        for kind, preds in (("label", LABEL_NODES), ("description", DESCRIPTION_NODES)):
            for rank, pred in enumerate(preds):
                for q in real_store.quads_for_pattern(node, pred, None):
                    if isinstance(q.object, ox.Literal):
                        full.add(kind, rank, q.object.language or "", q.object.value)
        for lang in ("nl", "en"):
            assert fast[iri].label(iri, lang) == full.label(iri, lang), (iri, lang)
            assert fast[iri].description(lang) == full.description(lang), (iri, lang)


def test_names_in_one_language_go_on_to_the_next_predicate_for_the_other(
    tmp_path: Path,
) -> None:
    """A thing named in Dutch by one predicate and in English only by a later one keeps its
    English name; a name without a language does not stop the reading either."""
    sk, rdfs, dct = "http://www.w3.org/2004/02/skos/core#", RDFS, "http://purl.org/dc/terms/"
    a, b = "https://kennisgraaf.nl/id/x/a", "https://kennisgraaf.nl/id/x/b"
    facts = [
        (a, sk + "prefLabel", ox.Literal("Ding", language="nl")),
        (a, rdfs + "label", ox.Literal("Thing", language="en")),
        (a, dct + "description", ox.Literal("Beschrijving", language="nl")),
        (a, rdfs + "comment", ox.Literal("Description", language="en")),
        (b, sk + "prefLabel", ox.Literal("zonder taal")),
        (b, dct + "title", ox.Literal("Titel", language="nl")),
        (b, sk + "definition", ox.Literal("English definition", language="en")),
    ]
    (tmp_path / "releases").mkdir()
    store = ox.Store(str(tmp_path / "releases" / "r"))
    for s_, p_, o_ in facts:
        store.add(ox.Quad(ox.NamedNode(s_), ox.NamedNode(p_), o_, ox.NamedNode(a + "#g")))
    store.flush()
    del store
    (tmp_path / "current").symlink_to("releases/r")
    got = fetch_texts(ReleaseStore(tmp_path), [a, b])
    assert (got[a].label(a, "nl"), got[a].label(a, "en")) == ("Ding", "Thing")
    assert (got[a].description("nl"), got[a].description("en")) == ("Beschrijving", "Description")
    assert (got[b].label(b, "nl"), got[b].label(b, "en")) == ("Titel", "Titel")
    assert got[b].description("en") == "English definition"


def test_build_and_pages_read_names_from_the_same_predicates() -> None:
    assert search_index.SORT_LABELS == LABEL_PREDICATES
    assert search_index.SHOWN_DESCRIPTIONS == DESCRIPTION_PREDICATES


def test_names_sort_without_accents_or_case() -> None:
    assert sort_key(" Coördinatieteam ") == "coordinatieteam"
    assert sort_key("ÉÉN ideeën") == "een ideeen"
    assert sort_key("Straße") == "strasse"
    assert local_name("https://x.org/a#b") == "b"
    assert local_name("https://x.org/a/b/") == "b"
    assert local_name("urn:x") == "urn:x"


def test_unlabelled_instances_are_listed_by_their_local_name(client: TestClient) -> None:
    prov = "http://www.w3.org/ns/prov#Derivation"  # in the real data: none has a label
    r = client.get("/klasse", params={"iri": prov})
    assert r.status_code == 200
    rows = rows_of(r.text)
    assert len(rows) == 50
    assert [label for _, label in rows] == sorted((label for _, label in rows), key=sort_key)
    assert all("#" not in label and "/" not in label for _, label in rows)


THINGS = """
@prefix ex: <https://example.org/t/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:z a ex:Thing ; rdfs:label "Alfa"@nl, "Zulu"@en .
ex:m a ex:Thing .
ex:tie2 a ex:Thing ; rdfs:label "Gelijk"@nl .
ex:tie1 a ex:Thing ; rdfs:label "gelijk"@nl .
ex:e a ex:Thing ; rdfs:label "Écht" .
ex:x ex:refersTo ex:m, ex:e .
ex:y ex:refersTo ex:m .
"""
EX = "https://example.org/t/"


@pytest.fixture(scope="module")
def things(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The small data set with a class of five things: labelled in nl, en, without language,
    not at all, and two with the same name."""
    root = tmp_path_factory.mktemp("things")
    shutil.copytree(MINI, root / "data")
    (root / "data" / "rdf").mkdir()
    (root / "data" / "rdf" / "things.ttl").write_text(THINGS, encoding="utf-8")
    pipeline.build(BuildSettings(data=root / "data", store=root / "store"))
    app = create_app(ServeSettings(store=root / "store", query_workers=0))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize(
    ("sort", "lang", "order"),
    [
        ("label", "nl", "z e tie1 tie2 m"),
        ("-label", "nl", "m tie2 tie1 e z"),
        ("label", "en", "e tie1 tie2 m z"),
        ("-label", "en", "z m tie2 tie1 e"),
        ("links", "nl", "z tie1 tie2 e m"),
        ("-links", "nl", "m e z tie1 tie2"),
        ("-links", "en", "m e tie1 tie2 z"),
    ],
)
def test_unlabelled_and_tied_instances_have_a_stable_place(
    things: TestClient, sort: str, lang: str, order: str
) -> None:
    for _ in range(2):  # the same order every time
        r = things.get("/klasse", params={"iri": EX + "Thing", "sort": sort, "lang": lang})
        assert r.status_code == 200
        assert [h for h, _ in rows_of(r.text)] == [EX + x for x in order.split()]
    labels = dict(rows_of(things.get("/klasse", params={"iri": EX + "Thing"}).text))
    assert labels == {
        EX + "z": "Alfa",
        EX + "e": "Écht",
        EX + "tie1": "gelijk",
        EX + "tie2": "Gelijk",
        EX + "m": "m",
    }


@pytest.mark.parametrize("damage", ["old format", "no listing table", "no index"])
def test_a_release_without_class_listings_answers_503(
    real_build: pipeline.Outcome, tmp_path: Path, damage: str
) -> None:
    assert real_build.path is not None
    root = copied_store(real_build, tmp_path / "store")
    index = root / "releases" / real_build.path.name / search_index.FILENAME
    if damage == "no index":
        index.unlink()
    else:
        db = sqlite3.connect(index)
        if damage == "old format":
            db.execute("PRAGMA user_version = 1")
        else:
            db.execute("DROP TABLE listing")
        db.commit()
        db.close()
    app = create_app(ServeSettings(store=root, query_workers=0))
    with TestClient(app) as c:
        for lang, says in (("nl", "geen bruikbare klassenlijsten"), ("en", "no usable class")):
            r = c.get("/klasse", params={"iri": "kg:Hub", "lang": lang})
            assert r.status_code == 503, r.text[:300]
            assert "Traceback" not in r.text
            page = main(r.text)
            alert = page.find(attrs={"role": "alert"})
            assert alert is not None
            assert says in alert.get_text() and "'kennisgraaf build'" in alert.get_text()
            assert page.find("a", href="/klassen") is not None
        assert c.get("/klassen").status_code == 200  # the rest of the site still works


def test_classes_page_lists_every_class_with_its_count(
    client: TestClient, real_store: ox.Store
) -> None:
    page = main(client.get("/klassen").text)
    rows = page.find("tbody").find_all("tr")
    by_curie = {tr.find("code").get_text(): int(tr.find_all("td")[-1].get_text()) for tr in rows}
    assert by_curie["kg:Product"] == count(real_store, "?s a kg:Product")
    assert by_curie["skos:Concept"] == count(real_store, "?s a skos:Concept")
    assert len(by_curie) == count(real_store, "?x a ?s FILTER(isIRI(?x))")
    for a in page.find("tbody").find_all("a")[:5]:
        assert client.get(str(a["href"])).status_code == 200


# ---------------------------------------------------------------------------- theme pages


def expected_for(field: str, concept: str) -> dict[str, set[str]]:
    """From the YAML: ids of actors, products, evidence and the rest with ``field: [concept]``
    (evidence without its own value counts through what it is ``over``)."""
    out: dict[str, set[str]] = {
        "actors": set(),
        "products": set(),
        "evidence": set(),
        "other": set(),
    }
    tagged: set[str] = set()
    files = sorted(p.name for p in DATA.glob("*.yaml") if p.name not in ("begrippen.yaml",))
    for name in files:
        if name == "begrippenkaders.yaml":
            continue
        for rec in records(name):
            if concept in (rec.get(field) or []):
                tagged.add(str(rec["id"]))
                group = (
                    "actors"
                    if name in ACTOR_FILES
                    else "products"
                    if name == "producten.yaml"
                    else "evidence"
                    if name in EVIDENCE_FILES
                    else "other"
                )
                out[group].add(str(rec["id"]))
    for name in EVIDENCE_FILES:
        for rec in records(name):
            if not rec.get(field) and set(rec.get("over") or []) & tagged:
                out["evidence"].add(str(rec["id"]))
    return out


@pytest.mark.parametrize(
    ("path", "field", "concept"),
    [
        ("/thema/xr", "thema", "xr"),
        ("/thema/studiedata-en-ai", "thema", "studiedata-en-ai"),
        ("/thema/docentprofessionalisering", "thema", "docentprofessionalisering"),
        ("/doelgroep/docenten", "doelgroep", "docenten"),
        ("/doelgroep/ctls", "doelgroep", "ctls"),
    ],
)
def test_topic_page_lists_what_the_data_gives(
    client: TestClient, path: str, field: str, concept: str
) -> None:
    r = client.get(path)
    assert r.status_code == 200
    page = main(r.text)
    expected = expected_for(field, concept)
    assert any(expected.values())
    for name, ids in expected.items():
        assert ids_in(section(page, name)) == ids, name
        if name != "other":
            heading = section(page, name)
            assert heading is not None and f"({len(ids)})" in heading.find("h2").get_text()


def test_theme_page_shows_evidence_with_kind_strength_and_source(client: TestClient) -> None:
    page = main(client.get("/thema/docentprofessionalisering").text)
    evidence = section(page, "evidence")
    assert evidence is not None
    items = evidence.find("table")
    assert [th.get_text() for th in items.find("thead").find_all("th")] == [
        "Naam",
        "Soort",
        "Sterkte",
        "Bron",
    ]
    first = items.find("tbody").find("tr").find_all("td")
    assert all(td.get_text(strip=True) for td in first)  # kind, strength and source filled in
    assert "hangslot" in items.get_text()
    claims = evidence.find_all("table")[1]
    assert "Ondersteund door" in claims.get_text()


def test_theme_page_names_broader_and_narrower(client: TestClient) -> None:
    page = main(client.get("/thema/studiedata-en-ai").text)
    dl = page.find("dl")
    assert dl is not None
    broader = {str(a["href"]) for a in dl.find_all("a")}
    assert {"/thema/studiedata", "/thema/ai"} <= broader
    narrower = main(client.get("/thema/studiedata").text).find("dl")
    assert "/thema/studiedata-en-ai" in {str(a["href"]) for a in narrower.find_all("a")}


TOPICS = ["/thema/xr", "/thema/docentprofessionalisering", "/doelgroep/docenten"]


def kinds_on(page: Tag) -> dict[str, tuple[int, list[str]]]:
    """Per kind (its heading's id): the count in its heading and the rows shown, in order."""
    out = {}
    for h3 in page.find_all("h3", id=True):
        count = int(re.search(r"\((\d+)\)$", h3.get_text(strip=True)).group(1))
        body = h3.find_next_sibling(["table", "ul"])
        out[str(h3["id"])] = (count, [str(a["href"]) for a in body.find_all("a", class_="item")])
    return out


def pager_link(page: Tag, anchor: str, rel: str) -> str | None:
    h3 = page.find("h3", id=anchor)
    nav = h3.find_next_sibling(["h3", "nav"])
    if nav is None or nav.name != "nav":
        return None
    a = nav.find("a", rel=rel)
    return None if a is None else str(a["href"])


@pytest.mark.parametrize("path", TOPICS)
def test_topic_pages_page_through_every_kind_in_order(
    real_build: pipeline.Outcome, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    assert real_build.path is not None
    root = real_build.path.parent.parent
    with rendering_client(root) as c:
        whole = kinds_on(main(c.get(path).text))
        monkeypatch.setattr(topic_pages, "PAGE_SIZE", 2)
        first = main(c.get(path).text)
        paged = 0
        for anchor, (count, rows) in kinds_on(first).items():
            assert count == whole[anchor][0] == len(whole[anchor][1]), anchor
            assert rows == whole[anchor][1][:2], anchor
            seen, url, pages = list(rows), pager_link(first, anchor, "next"), 1
            assert (url is None) == (count <= 2), anchor
            while url is not None:
                assert url.endswith("#" + anchor) and "kind=" in url and "page=" in url
                r = c.get(url)
                assert r.status_code == 200, (url, r.text[:300])
                page = main(r.text)
                got = kinds_on(page)
                seen += got[anchor][1]
                pages += 1
                for other, (_n, other_rows) in got.items():  # the other kinds stay on page 1
                    if other != anchor:
                        assert other_rows == whole[other][1][:2]
                back = pager_link(page, anchor, "prev")
                assert back is not None and f"page={pages - 1}" in back
                url = pager_link(page, anchor, "next")
            assert seen == whole[anchor][1], anchor
            paged += pages > 1
        assert paged, f"no kind on {path} has more than 2 members: the test pages nothing"


def test_a_topic_page_reads_one_release_even_if_a_build_switches_meanwhile(
    mini_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with rendering_client(mini_store) as c:
        before = kinds_on(main(c.get("/thema/xr").text))
        assert before and all(rows for _n, rows in before.values())
        names_before = main(c.get("/thema/xr").text).find_all("a", class_="item")
        real_details = topic_pages.TopicView.evidence_details

        def switch_then_read(
            self: topic_pages.TopicView, evidence: list[object], listed: bool = False
        ) -> None:
            # a build publishes another release (an empty one) halfway through the page
            ox.Store(str(mini_store / "releases" / "leeg")).flush()
            (mini_store / "next").symlink_to("releases/leeg")
            (mini_store / "next").replace(mini_store / "current")
            real_details(self, evidence, listed)  # type: ignore[arg-type]

        monkeypatch.setattr(topic_pages.TopicView, "evidence_details", switch_then_read)
        r = c.get("/thema/xr")
        assert r.status_code == 200, r.text[:300]
        names = main(r.text).find_all("a", class_="item")
        assert [a.get_text() for a in names] == [a.get_text() for a in names_before]


def test_topic_indexes_list_every_concept_with_counts(
    client: TestClient, real_store: ox.Store
) -> None:
    for path, scheme, prop in (
        ("/themas", "thema", "dcterms:subject"),
        ("/doelgroepen", "doelgroep", "kg:targetGroup"),
    ):
        page = main(client.get(path).text)
        rows = page.find("tbody").find_all("tr")
        assert len(rows) == count(real_store, f"?s skos:inScheme <{BASE}id/begrip/{scheme}>")
        for tr in rows:
            href = str(tr.find("a")["href"])
            iri = f"{BASE}id/begrip/{scheme}/{href.rsplit('/', 1)[-1]}"
            assert int(tr.find("td").get_text()) == count(real_store, f"?s {prop} <{iri}>")
        assert client.get(str(rows[0].find("a")["href"])).status_code == 200


def test_english_reader_gets_english_labels(client: TestClient) -> None:
    r = client.get("/thema/xr", headers={"Accept-Language": "en"})
    page = main(r.text)
    assert page.find("h1").get_text() == "XR (extended reality)"
    assert 'lang="en"' in r.text.split("<head>")[0]  # <html lang="en">
    assert "XR pilot hub" in page.get_text() or "pilot hub" in page.get_text().lower()
    assert "Actors" in page.get_text()
    # the definition exists only in Dutch: shown in Dutch rather than not at all
    assert "Extended reality (virtuele" in page.get_text()
    assert (
        main(client.get("/thema/xr?lang=nl", headers={"Accept-Language": "en"}).text)
        .find("h1")
        .get_text()
        == "XR"
    )


# ---------------------------------------------------------------------------- caching


@pytest.mark.parametrize("path", ["/", "/klassen", "/klasse?iri=kg:Hub", "/themas", "/thema/xr"])
def test_etag_and_304(client: TestClient, path: str) -> None:
    r = client.get(path)
    etag = r.headers["etag"]
    assert "max-age" in r.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get(path, headers={"Accept-Language": "en"})
    assert other.headers["etag"] != etag
    assert (
        client.get(path, headers={"If-None-Match": etag, "Accept-Language": "en"}).status_code
        == 200
    )


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/klasse?iri=not an iri", 400, "geen IRI"),
        ("/klasse?iri=", 400, "geen klasse"),
        ("/klasse", 400, "geen klasse"),
        ("/klasse?iri=javascript:alert(1)", 404, "javascript:alert(1)"),
        ("/klasse?iri=https://example.org/Nothing", 404, "niets van de klasse"),
        ("/klasse?iri=kg:Product&sort=random", 400, "sort="),
        ("/klasse?iri=" + "a" * 5000, 400, "ten hoogste"),
        ("/klasse?iri=kg:Product&page=" + "9" * 3000, 400, "ten hoogste"),
        ("/klasse?iri=kg:Product&page=99999999999", 400, "paginanummer"),
        ("/thema/bestaat-niet", 404, "bestaat-niet"),
        ("/thema/Hoofd%20Letters", 404, "kleine letters"),
        ("/thema/" + "x" * 3000, 404, "kleine letters"),
        ("/doelgroep/xr", 404, "doelgroep"),
        ("/thema/xr?page=2", 400, "geef ook kind"),
        ("/thema/xr?kind=https://example.org/Nothing", 400, "kind=&#39;https://example.org/N"),
        ("/thema/xr?kind=" + KG + "Hub&page=0", 400, "paginanummer"),
        ("/thema/xr?kind=" + KG + "Hub&page=7", 404, "pagina 7 bestaat niet"),
        ("/thema/xr?kind=kg:Hub&page=7", 404, "pagina 7 bestaat niet"),
        ("/thema/xr?kind=kg:Nothing", 400, "kind="),
        ("/thema/xr?kind=not an iri", 400, "geen IRI"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client: TestClient, url: str, status: int, says: str) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text[:300]
    assert says in r.text
    assert "Traceback" not in r.text
    page = main(r.text)
    assert page.find(attrs={"role": "alert"}) is not None
    assert page.find("a", href=True) is not None  # somewhere to go next


def test_a_kind_on_a_topic_page_may_be_a_prefixed_name(client: TestClient) -> None:
    full = client.get("/thema/xr", params={"kind": KG + "Hub"})
    short = client.get("/thema/xr", params={"kind": "kg:Hub"})
    assert full.status_code == short.status_code == 200
    assert str(main(full.text)) == str(main(short.text))


@pytest.mark.parametrize("pages", [write_models, None], ids=["rows by the build", "rows per page"])
def test_script_in_a_label_is_shown_as_text(
    mini_data: Path, tmp_path: Path, pages: PageMaker | None
) -> None:
    hubs = mini_data / "hubs.yaml"
    hubs.write_text(
        hubs.read_text(encoding="utf-8").replace(
            "naam: Pilothub XR", "naam: Pilothub <script>alert(1)</script> XR"
        ),
        encoding="utf-8",
    )
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store), pages=pages)
    app = create_app(ServeSettings(store=store, query_workers=0))
    with TestClient(app) as c:
        for url in ("/klasse?iri=kg:Hub", "/thema/xr"):
            r = c.get(url)
            assert r.status_code == 200, url
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
            assert main(r.text).find("script") is None
            assert "Pilothub <script>alert(1)</script> XR" in main(r.text).get_text()
        r = c.get("/klasse", params={"iri": "https://example.org/<script>"})
        assert r.status_code == 400 and "<script>" not in r.text


def test_ui_text_has_the_same_words_in_both_languages() -> None:
    assert TEXT["nl"].keys() == TEXT["en"].keys()


def test_documents_class_pages_and_search_are_the_first_routes_tried(tmp_path: Path) -> None:
    """They are the app's own routes, before any included router (FastAPI passes a request
    through each router it tries); a second app has them too (the routers stay as they were)."""
    for _ in range(2):
        app = create_app(ServeSettings(store=tmp_path, query_workers=0))
        routes = app.router.routes
        hot = ["/doc/{rest:path}", "/klasse", "/search"]
        at = [i for i, r in enumerate(routes) if getattr(r, "path", None) in hot]
        assert [routes[i].path for i in at] == hot  # type: ignore[attr-defined]
        assert all(type(r).__name__ != "_IncludedRouter" for r in routes[: at[-1]])
        assert all(isinstance(routes[i], Route) for i in at)
