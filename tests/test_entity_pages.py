"""The HTML entity page: language, grouping, formatting, incoming links and paging, provenance,
evidence, embedded schema.org JSON-LD, escaping, and the shared layout (base.html).

Runs the real app (FastAPI TestClient) on the real build of data/, and on a mini data folder with
a hostile label.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fastapi import Request
from fastapi.testclient import TestClient
from markupsafe import Markup

from endpoint.app import create_app
from endpoint.entity_view import PAGE_SIZE, Shown
from endpoint.literal_format import format_duration, format_euro, format_literal
from endpoint.page_common import lang_links, link
from endpoint.page_models import write_models
from endpoint.settings import ServeSettings
from ingest import pipeline
from ingest.settings import BuildSettings

XSD = "http://www.w3.org/2001/XMLSchema#"
FUNDING = "/doc/financiering/groeifondsbijdrage-digitaliseringsimpuls"
SOURCE = "/doc/bron/update-pilothubs-2023"
PROV_ENTITY = "http://www.w3.org/ns/prov#entity"


@pytest.fixture(scope="module")
def client(real_client: TestClient) -> TestClient:
    return real_client


def soup(client: TestClient, path: str, **headers: str) -> BeautifulSoup:
    r = client.get(path, headers={"accept": "text/html", **headers})
    client.cookies.clear()  # the language switch sets a cookie; each test starts without one
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return BeautifulSoup(r.text, "html.parser")


def rows(page: BeautifulSoup) -> dict[str, str]:
    return {
        tr.th.get_text(strip=True): tr.td.get_text(" ", strip=True)
        for tr in page.select("table.props tr")
    }


# -- formatting ----------------------------------------------------------------------------------


def test_literal_formatting_in_dutch_and_english() -> None:
    assert format_literal("2024-03-12", XSD + "date", "nl") == "12 maart 2024"
    assert format_literal("2024-03-12", XSD + "date", "en") == "12 March 2024"
    assert format_literal("2023-05", XSD + "gYearMonth", "nl") == "mei 2023"
    assert format_literal("2023-05", XSD + "gYearMonth", "en") == "May 2023"
    assert format_literal("2021", XSD + "gYear", "nl") == "2021"
    assert format_literal("1250", XSD + "integer", "nl") == "1.250"
    assert format_literal("not a date", XSD + "date", "nl") == "not a date"
    assert format_literal("2024-13-01", XSD + "date", "nl") == "2024-13-01"
    assert format_euro("1250000", "nl") == "€ 1.250.000"
    assert format_euro("1250000", "en") == "€1,250,000"
    assert format_euro("1250.5", "nl") == "€ 1.250,50"
    assert format_euro("abc", "nl") == "abc"
    assert format_duration("PT7M", "nl") == "7 minuten"
    assert format_duration("PT1H30M", "en") == "1 hour and 30 minutes"


def test_amounts_and_dates_on_a_page(client: TestClient) -> None:
    nl = rows(soup(client, FUNDING))
    assert nl["bedrag"] == "€ 560.000.000"
    en = rows(soup(client, FUNDING + "?lang=en"))
    assert en["amount"] == "€560,000,000"
    dated = rows(soup(client, "/doc/evenement/eindseminar-cop-2020-12-03"))
    assert "3 december 2020" in dated.values()


# -- language ------------------------------------------------------------------------------------


def test_language_switch_sets_a_cookie_and_the_page_language(client: TestClient) -> None:
    nl = soup(client, FUNDING)
    assert nl.html["lang"] == "nl"
    assert (
        nl.h1.get_text() == "Bijdrage Nationaal Groeifonds aan de Digitaliseringsimpuls Onderwijs"
    )
    switch = nl.select_one("nav.lang a")
    assert switch["href"].endswith("lang=en") and switch["hreflang"] == "en"
    c = TestClient(client.app)
    r = c.get(switch["href"], headers={"accept": "text/html"})
    assert r.cookies.get("lang") == "en"
    en = BeautifulSoup(r.text, "html.parser")
    assert en.html["lang"] == "en"
    assert (
        en.h1.get_text()
        == "National Growth Fund contribution to the Digitalisation Impulse for Education"
    )
    # the cookie keeps English without the parameter
    again = BeautifulSoup(c.get(FUNDING, headers={"accept": "text/html"}).text, "html.parser")
    assert again.html["lang"] == "en"
    assert "Sources" in again.get_text()


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/doc/hub/pilothub-xr", b""),
        ("/search", b"q=co%C3%B6rdinatie&kind=kg%3AHub"),
        ("/klasse", b"iri=kg%3AHub&lang=nl&page=2"),
        ("/doc/bron/update-pilothubs-2023", b"in=http%3A%2F%2Fwww.w3.org%2Fns%2Fprov%23entity"),
        ("/doc/a?b#c\\d/coördinatie", b""),  # characters Starlette escapes in a path
        ("/themas", b"lang=en&lang=nl&x"),
        ("/search", b"q=a+b&lang=en&q=%26%3D&empty=&kind=kg:Hub#frag"),
    ],
)
def test_the_language_switch_keeps_the_address(path: str, query: bytes) -> None:
    """The switch's link is the page's own path and query with ``lang`` set, as Starlette's
    ``include_query_params`` makes it (built without it)."""
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": path,
        "query_string": query,
        "headers": [(b"host", b"testserver")],
    }
    for other in ("en", "nl"):
        expected = Request(scope).url.include_query_params(lang=other)
        assert getattr(lang_links(Request(scope)), other) == f"{expected.path}?{expected.query}"
    assert lang_links(Request(scope)).en.count("lang=") == 1


def test_a_query_that_is_not_utf8_keeps_the_page_and_its_switch(client: TestClient) -> None:
    r = client.get("/klasse?iri=kg%3AHub&x=%FF%FE", headers={"accept": "text/html"})
    assert r.status_code == 200
    switch = BeautifulSoup(r.text, "html.parser").select_one("nav.lang a")
    assert switch is not None and switch["href"].startswith("/klasse?iri=kg%3AHub&x=")
    assert switch["href"].endswith("&lang=en")
    # raw bytes that are not UTF-8 (no client should send them; Starlette's URL refuses them)
    scope = {
        "type": "http",
        "path": "/klasse",
        "query_string": b"iri=kg:Hub&x=\xff",
        "headers": [(b"host", b"testserver")],
    }
    assert lang_links(Request(scope)).en == "/klasse?iri=kg%3AHub&x=%EF%BF%BD&lang=en"


def test_accept_language_chooses_english(client: TestClient) -> None:
    page = soup(client, FUNDING, **{"accept-language": "en-GB,en;q=0.9,nl;q=0.5"})
    assert page.html["lang"] == "en"
    assert "amount" in rows(page)


def test_a_missing_label_falls_back_to_the_other_language(
    client: TestClient, real_store: ox.Store
) -> None:
    # a thing with only a Dutch name, read in English
    found = list(
        real_store.query(
            """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?s ?l WHERE { ?s skos:prefLabel ?l FILTER(LANG(?l) = "nl")
              FILTER NOT EXISTS { ?s skos:prefLabel ?en FILTER(LANG(?en) = "en") }
              FILTER(STRSTARTS(STR(?s), "https://kennisgraaf.nl/id/")) } ORDER BY ?s LIMIT 1""",
            use_default_graph_as_union=True,
        )
    )
    assert found, "the real data has a thing with only a Dutch name"
    iri, label = found[0]["s"].value, found[0]["l"].value
    page = soup(client, "/doc/" + iri.split("/id/", 1)[1] + "?lang=en")
    assert page.html["lang"] == "en"
    assert page.h1.get("lang") == "nl"
    assert page.h1.get_text() == label


# -- structure -----------------------------------------------------------------------------------


def test_kinds_groups_and_property_links(client: TestClient) -> None:
    page = soup(client, FUNDING)
    kinds = page.select("p.kinds a")
    assert [a["href"] for a in kinds] == ["/doc/def/Funding"]
    headings = [h.get_text() for h in page.find_all("h2")]
    # groups in the order of their sh:order, from the shapes
    assert (
        headings.index("Beschrijving")
        < headings.index("Verbanden")
        < headings.index("Tijd, geld en omvang")
    )
    funder = page.find("th", string=None)
    assert funder is not None
    links = {a.get_text(): a["href"] for a in page.select("table.props td a")}
    assert links["Nationaal Groeifonds"] == "/doc/organisatie/nationaal-groeifonds"
    props = {a.get_text(): a["href"] for a in page.select("table.props th a")}
    assert props["financier"] == "https://schema.org/funder"
    assert props["soort financiering"] == "/doc/def/fundingType"
    for th in page.select("table.props th"):
        assert th["scope"] == "row"


def test_provenance_shows_sources_with_quotes(client: TestClient) -> None:
    page = soup(client, FUNDING)
    section = page.find("h2", string="Bronnen").parent
    assert section.find("a", href="/doc/bron/digitaliseringsimpuls-transformatiehubs")
    quotes = [q.get_text() for q in section.find_all("blockquote")]
    assert "560 miljoen komt van het Nationaal Groeifonds" in quotes


def test_a_quote_is_marked_by_its_own_language(client: TestClient) -> None:
    # what a ROR record "quotes" is the organisation's ROR identifier, a URL without language:
    # not marked as Dutch (nor as anything else), on a Dutch page or an English one
    for lang in ("nl", "en"):
        page = soup(client, f"/doc/organisatie/vrije-universiteit-amsterdam?lang={lang}")
        quotes = {q.get_text(): q.get("lang") for q in page.find_all("blockquote")}
        assert quotes.get("https://ror.org/008xxew50", "missing") is None, (lang, quotes)
    funding = soup(client, FUNDING + "?lang=en")
    marks = {q.get("lang") for q in funding.find_all("blockquote")}
    assert marks == {"nl"}, "the Dutch quotes of the sources, on an English page"


def test_incoming_links_grouped_with_counts(client: TestClient) -> None:
    page = soup(client, "/doc/begrip/thema/studiedata-en-ai")
    section = page.find("h2", id="inkomend").parent
    h3 = [h.get_text(" ", strip=True) for h in section.find_all("h3")]
    assert any(h.startswith("thema") and "(" in h for h in h3), h3
    assert section.find("a", href="/doc/product/educational-data-competence-center")


def test_incoming_links_page_through_thousands(client: TestClient) -> None:
    first = soup(client, SOURCE)
    anchor = "in-entity"
    group = first.find("h3", id=anchor).parent
    count = int(group.h3.get_text().rsplit("(", 1)[1].rstrip(")"))
    assert count > 2 * PAGE_SIZE
    assert len(group.find_all("li")) == PAGE_SIZE
    nxt = group.find("a", rel="next")
    link = urlsplit(nxt["href"])
    assert parse_qs(link.query) == {"in": [PROV_ENTITY], "page": ["2"]}
    assert link.fragment == anchor
    pages = -(-count // PAGE_SIZE)
    seen: set[str] = set()
    for n in range(1, pages + 1):
        page = soup(client, f"{SOURCE}?in={quote(PROV_ENTITY, safe='')}&page={n}")
        items = page.find("h3", id=anchor).parent.find_all("li")
        seen |= {li.a["href"] for li in items}
        assert len(items) == (PAGE_SIZE if n < pages else count - PAGE_SIZE * (pages - 1))
    assert len(seen) == count
    # each item is named after the thing it is a source reference of
    assert "bronvermelding" in items[0].get_text()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("page=-1", "'page' is a whole number"),
        ("page=abc", "'page' is a whole number"),
        ("page=0", "'page' is a whole number"),
        ("page=2", "'page' needs 'in'"),
        ("in=http://example.org/nothing", "nothing links to this page"),
        ("in=not%20an%20iri", "'in' is the IRI of a relation"),
        (f"in={quote(PROV_ENTITY, safe='')}&page=9999", "does not exist"),
    ],
)
def test_bad_paging_parameters_are_a_clear_400(client: TestClient, query: str, says: str) -> None:
    r = client.get(f"{SOURCE}?{query}", headers={"accept": "text/html"})
    assert r.status_code == 400
    assert says in BeautifulSoup(r.text, "html.parser").get_text()
    assert "Traceback" not in r.text


def test_related_evidence_on_a_theme(client: TestClient) -> None:
    page = soup(client, "/doc/begrip/thema/studiedata-en-ai")
    heading = page.find("h2", id="bewijs")
    assert heading is not None
    assert heading.parent.find(
        "a", href=lambda h: h and h.startswith(("/doc/bewijs/", "/doc/bewering/"))
    )


def test_ontology_term_page_links_to_instances(client: TestClient) -> None:
    page = soup(client, "/doc/def/Hub?lang=en")
    assert page.h1.get_text() == "hub"
    instances = [
        parse_qs(urlsplit(a["href"]).query)
        for a in page.find_all("a", href=True)
        if a["href"].startswith("/klasse?")
    ]
    assert instances == [{"iri": ["https://kennisgraaf.nl/def/Hub"]}]
    text = page.get_text(" ")
    assert "subclass of" in text  # its superclasses, with the standard property label
    incoming = page.find("h2", id="inkomend").parent
    assert incoming.find("a", href="/doc/def/PilotHub")  # its subclasses link to it
    prop = soup(client, "/doc/def/quote")
    assert "domein" in rows(prop) or "bereik" in rows(prop) or "gebruikt bij" in rows(prop)


def test_layout_is_accessible_and_links_the_services(client: TestClient) -> None:
    page = soup(client, FUNDING)
    skip = page.find("a", class_="skip")
    assert skip["href"] == "#inhoud" and page.find("main", id="inhoud")
    form = page.find("form", role="search")
    assert form["action"] == "/search" and form["method"] == "get"
    q = form.find("input", attrs={"name": "q"})
    assert page.find("label", attrs={"for": q["id"]})
    footer = page.find("footer")
    for href in ("/sparql", "/download/", "/catalog", "/.well-known/void"):
        assert footer.find("a", href=href), href
    levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3", "h4"])]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert not page.find("script", src=True)
    assert not [link for link in page.find_all("link", href=True) if "//" in link["href"]]


def test_schema_org_json_ld_is_embedded(client: TestClient) -> None:
    page = soup(client, "/doc/organisatie/nationaal-groeifonds")
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization"
    assert data["name"] == "Nationaal Groeifonds"


# -- escaping ------------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script> & "quotes" </script><!--'


@pytest.fixture(params=["pages made by the build", "pages made from the store"])
def hostile_client(
    mini_data: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    hubs = mini_data / "hubs.yaml"
    text = hubs.read_text(encoding="utf-8")
    hubs.write_text(
        text.replace("naam: Pilothub XR", f"naam: {json.dumps(HOSTILE)}", 1), encoding="utf-8"
    )
    store = tmp_path / "store"
    made = write_models if request.param == "pages made by the build" else None
    pipeline.build(BuildSettings(data=mini_data, store=store), pages=made)
    with TestClient(create_app(ServeSettings(store=store, query_workers=0))) as c:
        yield c


def test_markup_in_a_literal_is_shown_as_text(hostile_client: TestClient) -> None:
    r = hostile_client.get("/doc/hub/pilothub-xr", headers={"accept": "text/html"})
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text
    page = BeautifulSoup(r.text, "html.parser")
    assert page.h1.get_text() == HOSTILE
    scripts = page.find_all("script")
    assert len(scripts) == 1 and scripts[0]["type"] == "application/ld+json"
    assert json.loads(scripts[0].string)["name"] == HOSTILE
    assert "</script>" not in scripts[0].string
    # where it is a linked thing's name (a value the build keeps as HTML)
    r = hostile_client.get("/doc/programma/npuls", headers={"accept": "text/html"})
    assert r.status_code == 200 and "<script>alert(1)" not in r.text
    links = BeautifulSoup(r.text, "html.parser").find_all("a", href="/doc/hub/pilothub-xr")
    assert links and all(a.get_text() == HOSTILE for a in links)
    # in the RDF documents the literal is data, correctly escaped for each syntax
    doc = json.loads(hostile_client.get("/doc/hub/pilothub-xr.jsonld").content)
    assert any(
        v.get("@value") == HOSTILE for n in doc["@graph"] for v in n.get("skos:prefLabel", [])
    )


@pytest.mark.parametrize(
    ("shown", "html"),
    [
        (
            Shown('<b>"A" & B</b>', '/doc/x?a="1"&b=<2>', 'en"><script>', "link"),
            '<a href="/doc/x?a=&#34;1&#34;&amp;b=&lt;2&gt;" lang="en&#34;&gt;&lt;script&gt;">'
            "&lt;b&gt;&#34;A&#34; &amp; B&lt;/b&gt;</a>",
        ),
        (
            Shown("x", "https://example.org/?q=<x>", None, "url"),
            '<a href="https://example.org/?q=&lt;x&gt;" rel="nofollow">x</a>',
        ),
        (Shown("<i>", None, None, "code"), "<code>&lt;i&gt;</code>"),
        (Shown("'t <i>", None, "nl", "text"), '<span lang="nl">&#39;t &lt;i&gt;</span>'),
        (Shown("plain"), "<span>plain</span>"),
    ],
)
def test_every_part_of_a_shown_value_is_escaped(shown: Shown, html: str) -> None:
    out = link(shown)
    assert isinstance(out, Markup)  # not escaped again by the template
    assert str(out) == html
