"""The rows of the class pages that the build makes (``endpoint/class_rows.py``): every thing in
the class listings, in Dutch and English; a class page served with them is the page made
without them, byte for byte, and rows that may not be right (made by other code, missing,
after a write, a damaged or missing file) are made for the page instead. On the real build of
data/ and the mini data set."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from starlette.requests import Request

from endpoint import class_rows, page_models
from endpoint.class_listing import SORTS
from endpoint.class_pages import PAGE_SIZE, class_urls
from endpoint.entry_common import Page
from endpoint.search_index_reader import FILENAME as INDEX
from tests.conftest import damage_models, release_of, rendering_client
from tests.sparql_support import TOKEN, update
from tests.test_page_models import made_counts

BASE = "https://kennisgraaf.nl/"
HUB = BASE + "id/hub/pilothub-xr"
HTML = {"accept": "text/html"}
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def listed(root: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(class IRI -> instances, thing IRI -> its id) of the release's class listings."""
    db = sqlite3.connect(release_of(root) / INDEX)
    try:
        classes = dict(db.execute("SELECT iri, n FROM listed_class").fetchall())
        members = dict(db.execute("SELECT iri, id FROM member").fetchall())
    finally:
        db.close()
    return classes, members


def test_the_build_makes_the_row_of_every_listed_thing_in_both_languages(
    built_root: Path,
) -> None:
    _classes, members = listed(built_root)
    db = sqlite3.connect(release_of(built_root) / page_models.FILENAME)
    try:
        made = db.execute("SELECT member, lang FROM class_row").fetchall()
        key = "SELECT value FROM meta WHERE key = ?"
        fingerprint = db.execute(key, (class_rows.META_KEY,)).fetchone()
    finally:
        db.close()
    assert len(members) > 500
    assert sorted(made) == sorted((i, lang) for i in members.values() for lang in ("nl", "en"))
    assert fingerprint == (class_rows.FINGERPRINT,)


def class_pages(root: Path) -> Iterator[str]:
    """The first and last page of every class in every order."""
    classes, _members = listed(root)
    assert len(classes) > 20
    for iri, n in sorted(classes.items()):
        for sort in SORTS:
            for page in sorted({1, math.ceil(n / PAGE_SIZE)}):
                yield "/klasse?" + urlencode({"iri": iri, "sort": sort, "page": page})


def test_every_class_page_is_the_page_made_without_the_build_s_rows(
    built_root: Path, live_root: Path
) -> None:
    """Byte for byte, headers included, in both languages."""
    compared = 0
    with rendering_client(built_root) as built, rendering_client(live_root) as live:
        for path in class_pages(built_root):
            for lang in ("nl", "en"):
                headers = {**HTML, "accept-language": lang}
                a, b = built.get(path, headers=headers), live.get(path, headers=headers)
                assert a.status_code == b.status_code == 200, (path, a.text[:300])
                assert a.text == b.text, (path, lang)
                assert a.headers == b.headers, (path, lang)
                compared += 1
    assert compared > 300


def mark_row(root: Path, member: int, lang: str) -> str:
    """Replaces the build's row of ``member`` in ``lang`` by one that says so."""
    marker = f"<tr><td>row {member} {lang} as the build made it</td></tr>"
    db = sqlite3.connect(release_of(root) / page_models.FILENAME)
    db.execute(
        "UPDATE class_row SET html = ? WHERE member = ? AND lang = ?", (marker, member, lang)
    )
    db.commit()
    db.close()
    return marker


def test_a_class_page_shows_the_rows_the_build_made(damaged_root: Path) -> None:
    hub = listed(damaged_root)[1][HUB]
    marker = mark_row(damaged_root, hub, "nl")
    with rendering_client(damaged_root) as c:
        nl = c.get("/klasse?iri=kg:Hub", headers={**HTML, "accept-language": "nl"}).text
        en = c.get("/klasse?iri=kg:Hub", headers={**HTML, "accept-language": "en"}).text
    assert marker in nl
    assert marker not in en
    assert '<a href="/doc/hub/pilothub-xr">' in en  # its row as the build made it in English


@pytest.mark.parametrize(
    "damage", ["other code", "a missing row", "no table", "not a database", "no file"]
)
def test_rows_the_build_made_that_cannot_be_used_are_made_for_the_page(
    damaged_root: Path, live_root: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    members = listed(damaged_root)[1]
    marker = mark_row(damaged_root, members[HUB], "nl")  # shown if the damaged rows were used

    def change(db: sqlite3.Connection) -> None:
        if damage == "other code":
            db.execute("UPDATE meta SET value = 'another version' WHERE key = 'class_rows'")
        elif damage == "a missing row":  # another thing's: the page it is on is made whole
            other = members[BASE + "id/hub/pilothub-edtech"]
            db.execute("DELETE FROM class_row WHERE member = ? AND lang = 'nl'", (other,))
        else:
            db.execute("DROP TABLE class_row")

    damage_models(damaged_root, damage, change)
    with rendering_client(damaged_root) as c, rendering_client(live_root) as live:
        for lang in ("nl", "en"):
            headers = {**HTML, "accept-language": lang}
            r = c.get("/klasse?iri=kg:Hub", headers=headers)
            assert r.status_code == 200
            assert marker not in r.text
            assert r.text == live.get("/klasse?iri=kg:Hub", headers=headers).text
        # a file that says it holds rows it cannot give is a defect to tell the operator of
        told = "class rows the build made" in caplog.text
        assert told == (damage == "no table"), caplog.text
        if damage == "other code":  # the entity pages have their own fingerprint: still used
            c.get("/doc/hub/pilothub-xr", headers=HTML)
            assert made_counts(c) == {"build": 1, "store": 0}


def test_after_a_write_the_rows_are_made_from_the_store(mini_store: Path) -> None:
    renamed = "Pilothub na de schrijfactie"
    with rendering_client(mini_store, update_token=TOKEN) as c:
        assert "Pilothub XR" in c.get("/klasse?iri=kg:Hub", headers=HTML).text
        update(
            c,
            f"DELETE {{ GRAPH ?g {{ <{HUB}> <{SKOS_LABEL}> ?l }} }}"
            f' INSERT {{ GRAPH ?g {{ <{HUB}> <{SKOS_LABEL}> "{renamed}"@nl }} }}'
            f' WHERE {{ GRAPH ?g {{ <{HUB}> <{SKOS_LABEL}> ?l FILTER(LANG(?l) = "nl") }} }}',
        )
        page = BeautifulSoup(c.get("/klasse?iri=kg:Hub", headers=HTML).text, "html.parser")
    names = [a.get_text() for a in page.select("tbody th a")]
    assert renamed in names and "Pilothub XR" not in names


@pytest.mark.parametrize("query", [b"", b"lang=en", b"lang=nl&page=3", b"x=1&lang=en"])
@pytest.mark.parametrize(
    "class_iri", [BASE + "def/Hub", "https://example.org/a b&c=d#e?f", "urn:x:ü/€"]
)
def test_the_links_of_a_class_page_are_the_page_s_own_urls(query: bytes, class_iri: str) -> None:
    """``class_urls`` gives what ``Page.url`` gives for each order and page (it encodes the
    class once for all of a page's links)."""
    scope = {"type": "http", "path": "/klasse", "query_string": query, "headers": []}
    lang = "en" if b"lang=en" in query else "nl"
    view = Page(Request(scope), None, BASE, lang, '"e"')  # type: ignore[arg-type]
    url = class_urls(view, class_iri)
    for sort in SORTS:
        for page in (None, 1, 7):
            expected = view.url(
                "/klasse", iri=class_iri, sort=None if sort == "label" else sort, page=page
            )
            assert url(sort, page) == expected
