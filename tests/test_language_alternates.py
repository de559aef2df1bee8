"""Every page names its versions per language for search engines: ``<link rel="alternate"
hreflang="nl|en|x-default">``, each an address that gives that version; an entity page whose
address chose its language is canonical in that language (HTML and the ``Link`` header), so
the English pages are not folded into the Dutch ones.

Runs the real app (FastAPI TestClient, in-process) on the real build of data/.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from starlette.requests import Request

from endpoint.page_common import lang_links

PAGES = [
    "/",
    "/themas",
    "/thema/xr",
    "/doelgroep/docenten",
    "/klassen",
    "/klasse?iri=kg%3AHub&page=1",
    "/search?q=xr",
    "/doc/hub/kennishub",
    "/doc/hub/kennishub?lang=en",
    "/doc/def/Hub?lang=nl",
    "/catalog",
    "/bestaat/niet",
]


def alternates(html: str) -> dict[str, str]:
    page = BeautifulSoup(html, "html.parser")
    assert page.head is not None
    found = [(a["hreflang"], a["href"]) for a in page.head.find_all("link", hreflang=True)]
    assert len(found) == len(dict(found)), found  # each language once
    return dict(found)


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_names_its_language_versions(real_client: TestClient, path: str) -> None:
    real_client.cookies.clear()
    r = real_client.get(path, headers={"accept": "text/html"})
    assert r.status_code in (200, 404)
    alt = alternates(r.text)
    assert set(alt) == {"nl", "en", "x-default"}
    own = [(k, v) for k, v in params(path) if k != "lang"]
    for lang in ("nl", "en"):
        assert urlsplit(alt[lang]).path == urlsplit(path).path
        assert params(alt[lang]) == [*own, ("lang", lang)]
    assert urlsplit(alt["x-default"]).path == urlsplit(path).path
    assert params(alt["x-default"]) == own
    if r.status_code == 404:
        return
    for lang in ("nl", "en"):  # each version is what it says, whatever the browser prefers
        other = "en" if lang == "nl" else "nl"
        got = real_client.get(alt[lang], headers={"accept": "text/html", "accept-language": other})
        page = BeautifulSoup(got.text, "html.parser")
        assert got.status_code == 200 and page.html is not None and page.html["lang"] == lang
    for lang in ("nl", "en"):  # the default follows the browser (no cookie of the switch)
        real_client.cookies.clear()
        got = real_client.get(
            alt["x-default"], headers={"accept": "text/html", "accept-language": lang}
        )
        assert BeautifulSoup(got.text, "html.parser").html["lang"] == lang


def canonical(r: object) -> tuple[str, str]:
    """The canonical address of an entity page: in its HTML and in its ``Link`` header."""
    page = BeautifulSoup(r.text, "html.parser")  # type: ignore[attr-defined]
    tag = page.find("link", rel="canonical")
    assert tag is not None
    header = r.headers["link"].split(", ")  # type: ignore[attr-defined]
    in_header = [h.split(">")[0].lstrip("<") for h in header if h.endswith('rel="canonical"')]
    assert len(in_header) == 1
    return tag["href"], in_header[0]


def test_an_entity_page_is_canonical_in_the_language_its_address_chose(
    real_client: TestClient,
) -> None:
    doc = "/doc/hub/kennishub"
    html = {"accept": "text/html"}
    real_client.cookies.clear()
    assert canonical(real_client.get(doc, headers=html)) == (doc, doc)
    english_browser = real_client.get(doc, headers=html | {"accept-language": "en"})
    assert canonical(english_browser) == (doc, doc)  # the address chose nothing
    for lang in ("nl", "en"):
        want = f"{doc}?lang={lang}"
        assert canonical(real_client.get(want, headers=html)) == (want, want)
    turtle = real_client.get(doc + "?lang=en", headers={"accept": "text/turtle"})
    assert f'<{doc}>; rel="canonical"' in turtle.headers["link"]


def test_lang_links_keep_every_other_parameter_once() -> None:
    def links(query: bytes) -> tuple[str, str, str]:
        scope = {"type": "http", "path": "/klasse", "query_string": query, "headers": []}
        return tuple(lang_links(Request(scope)))  # type: ignore[return-value]

    assert links(b"") == ("/klasse?lang=nl", "/klasse?lang=en", "/klasse")
    assert links(b"lang=en&iri=kg%3AHub&lang=nl&page=2") == (
        "/klasse?iri=kg%3AHub&page=2&lang=nl",
        "/klasse?iri=kg%3AHub&page=2&lang=en",
        "/klasse?iri=kg%3AHub&page=2",
    )
