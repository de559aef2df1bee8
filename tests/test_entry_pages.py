"""Home, class and theme pages on the real build: what a reader sees, checked against the data.

Counts are compared with SPARQL COUNTs on the store, theme and target-group pages with the YAML
records in ``data/`` (read here, independently of the mapping), labels with the store's labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from endpoint.app import create_app
from endpoint.entry_labels import sort_key
from endpoint.settings import ServeSettings
from endpoint.ui_text import TEXT
from ingest import pipeline
from ingest.settings import BuildSettings
from ontology.namespaces import CANONICAL_BASE, sparql_prologue
from queries import GROUPS
from tests.conftest import DATA

BASE = CANONICAL_BASE
KG = BASE + "def/"
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
    assert page.find("div", lang="en") is not None
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
    assert {h for h, _ in rows_of(r.text)} == {"/" + i[len(BASE) :] for i in expected}
    assert sorted(label for _, label in rows_of(r.text)) == sorted(expected.values())
    # a prefixed name works as well as the full IRI
    assert rows_of(client.get("/klasse?iri=kg:Product").text) == rows_of(r.text)


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
    assert page.find("div", lang="en") is not None
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


def test_script_in_a_label_is_shown_as_text(mini_data: Path, tmp_path: Path) -> None:
    hubs = mini_data / "hubs.yaml"
    hubs.write_text(
        hubs.read_text(encoding="utf-8").replace(
            "naam: Pilothub XR", "naam: Pilothub <script>alert(1)</script> XR"
        ),
        encoding="utf-8",
    )
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
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
