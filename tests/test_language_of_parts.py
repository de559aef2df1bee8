"""Text in another language than the page's is marked as such (``lang="..."``): WCAG 2.1, 3.1.2
Language of Parts (level AA). A name or description missing in the reader's language is shown in
the other one; a screen reader must then read it in that language.

On a small build with things named and described in Dutch only, in English only, in both, without
a language and in German, on every kind of page that lists them (class page, theme page, search,
and their entity pages), in both languages, from the release's index and from the store (after a
write): each shown text is marked with its language exactly when that is not the page's."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import MINI, rendering_client
from tests.sparql_support import TOKEN, update

EX = "https://example.org/taal/"
THINGS = """
@prefix ex: <https://kennisgraaf.nl/id/taalproef/> .
@prefix t: <https://example.org/taal/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix thema: <https://kennisgraaf.nl/id/begrip/thema/> .
ex:nl a t:Ding ; skos:prefLabel "Taalproef alleen Nederlands"@nl ;
  dcterms:description "Een beschrijving in het Nederlands"@nl ; dcterms:subject thema:xr .
ex:en a t:Ding ; skos:prefLabel "Taalproef only English"@en ;
  dcterms:description "A description in English"@en ; dcterms:subject thema:xr .
ex:beide a t:Ding ; skos:prefLabel "Taalproef beide"@nl, "Taalproef both"@en ;
  dcterms:description "Zonder taal" ; dcterms:subject thema:xr .
ex:de a t:Ding ; skos:prefLabel "Taalproef Deutsch"@de ; dcterms:subject thema:xr .
"""
# thing -> (the language of its name, of its description); None: no language, or none at all
LANGS = {"nl": ("nl", "nl"), "en": ("en", "en"), "beide": (None, None), "de": ("de", None)}


def expected(tag: str | None, page: str) -> str | None:
    """The mark a text in ``tag`` gets on a page in ``page``: a text in the reader's language
    and one in both (``beide``: chosen in the reader's language) are not marked."""
    return None if tag is None or tag == page else tag


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("taal")
    shutil.copytree(MINI, root / "data")
    (root / "data" / "rdf").mkdir()
    (root / "data" / "rdf" / "talen.ttl").write_text(THINGS, encoding="utf-8")
    pipeline.build(BuildSettings(data=root / "data", store=root / "store"))
    return root / "store"


@pytest.fixture(scope="module", params=["index", "store"])
def client(
    request: pytest.FixtureRequest, root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The pages from the release's index as built, or (``store``) from the store, as after a
    write, which the index no longer describes."""
    if request.param == "index":
        with rendering_client(root) as c:
            yield c
        return
    copy = tmp_path_factory.mktemp("taal-write") / "store"
    shutil.copytree(root, copy, symlinks=True)
    with rendering_client(copy, update_token=TOKEN) as c:
        update(c, f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}x> <{EX}p> <{EX}y> }} }}")
        yield c


def page(c: TestClient, path: str, lang: str) -> Tag:
    r = c.get(
        path + ("&" if "?" in path else "?") + "lang=" + lang, headers={"accept": "text/html"}
    )
    assert r.status_code == 200, (path, r.text[:300])
    c.cookies.clear()
    found = BeautifulSoup(r.text, "html.parser").find("main")
    assert isinstance(found, Tag)
    return found


def mark(element: Tag) -> str | None:
    """The language ``element`` is marked with, on itself or on its only child."""
    if element.has_attr("lang"):
        return str(element["lang"])
    kids = [k for k in element.children if isinstance(k, Tag) or str(k).strip()]
    if len(kids) == 1 and isinstance(kids[0], Tag) and kids[0].has_attr("lang"):
        return str(kids[0]["lang"])
    return None


def named(main: Tag, thing: str, lang: str, around: str) -> Tag:
    """The element ``around`` (a table row, a list item) that links to ``thing``, once the link
    is found marked as its name should be on a page in ``lang``."""
    a = main.find("a", href=f"/doc/taalproef/{thing}")
    assert isinstance(a, Tag), (thing, str(main)[:2000])
    assert mark(a) == expected(LANGS[thing][0], lang), (thing, "name")
    found = a.find_parent(around)
    assert isinstance(found, Tag), thing
    return found


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_class_page_marks_names_and_descriptions_in_another_language(
    client: TestClient, lang: str
) -> None:
    main = page(client, "/klasse?iri=" + quote(EX + "Ding", safe=""), lang)
    for thing, (_name, description) in LANGS.items():
        cell = named(main, thing, lang, "tr").find("td")
        assert isinstance(cell, Tag)
        if cell.get_text(strip=True):
            assert mark(cell) == expected(description, lang), (thing, "description")
    assert "Een beschrijving in het Nederlands" in main.get_text()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_theme_page_marks_names_and_descriptions_in_another_language(
    client: TestClient, lang: str
) -> None:
    main = page(client, "/thema/xr", lang)
    for thing, (_name, description) in LANGS.items():
        described = list(named(main, thing, lang, "li").find_all("span", recursive=False))
        if description is not None and description != lang:
            assert [mark(s) for s in described] == [description], thing
        else:
            assert [s for s in described if s.has_attr("lang")] == [], thing


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_search_results_mark_names_and_descriptions_in_another_language(
    client: TestClient, lang: str
) -> None:
    main = page(client, "/search?q=taalproef", lang)
    for thing, (_name, description) in LANGS.items():
        text = named(main, thing, lang, "li").find("p")
        if description is not None:
            assert isinstance(text, Tag), thing
            assert mark(text) == expected(description, lang), (thing, "description")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_entity_page_marks_its_name_and_description_in_another_language(
    client: TestClient, lang: str
) -> None:
    main = page(client, "/doc/taalproef/nl", lang)
    summary = main.find("p", class_="summary")
    assert isinstance(summary, Tag)
    assert mark(summary) == expected("nl", lang)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_links_to_an_entity_are_marked_by_the_language_of_their_names(
    client: TestClient, lang: str
) -> None:
    # the theme's entity page lists what has it, named from the release's index (or the store)
    main = page(client, "/doc/begrip/thema/xr", lang)
    assert all(named(main, thing, lang, "li") for thing in LANGS)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_quotes_from_the_sources_are_marked_in_their_own_language(
    client: TestClient, lang: str
) -> None:
    # the source texts are Dutch (kg:quote "..."@nl): marked on an English page only
    main = page(client, "/doc/hub/pilothub-xr", lang)
    quotes = main.find_all("blockquote")
    assert quotes, "no quote on the page: the test sees nothing"
    assert {mark(q) for q in quotes} == {expected("nl", lang)}
