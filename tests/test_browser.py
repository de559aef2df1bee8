"""In a real browser (Debian's chromium via Playwright) against a real server (uvicorn):
what people do on the site, and axe-core's WCAG 2.1 AA rules on every kind of page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import pipeline
from tests.browser_support import CHROMIUM_ARGS, axe_violations, chromium_path, describe
from tests.live_server import live_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for this module (Playwright, Debian's binary). Module-scoped on
    purpose: Playwright's sync API keeps an event loop running while it is open, and other test
    modules call ``asyncio.run``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(real_build: pipeline.Outcome) -> Iterator[str]:
    assert real_build.path is not None
    store = Path(real_build.path).parent.parent  # <store>/releases/<id>
    with live_server(store) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="nl-NL")
    outside: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:  # nothing may come from another host
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not outside, f"the page asked other hosts for: {outside}"
    assert not errors, f"JavaScript errors on the page: {errors}"


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, "axe-core (WCAG 2.1 AA) found:\n" + describe(violations)


def test_query_editor_is_accessible_before_and_after_a_query(site: str, page: Any) -> None:
    page.goto(site + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert_accessible(page)
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr_results table tbody tr")
    assert page.locator(".yasr_results table tbody tr").count() > 0
    assert_accessible(page)


def test_home_page_is_accessible(site: str, page: Any) -> None:
    page.goto(site + "/")
    assert page.locator("h1").count() == 1
    assert_accessible(page)


PAGES = {
    "search": "/search?q=coordinatie",
    "class": "/klasse?iri=https%3A%2F%2Fkennisgraaf.nl%2Fdef%2FHub",
    "classes": "/klassen",
    "theme": "/thema/studiedata-en-ai",
    "themes": "/themas",
    "target group": "/doelgroep/docenten",
    "entity": "/doc/hub/kennishub",
    "term": "/doc/def/Hub",
    "source": "/doc/bron/update-pilothubs-2023",
    "catalogue": "/catalog",
    "downloads": "/download/",
    "not found": "/doc/hub/bestaat-niet",
    "no such page": "/bestaat/niet",
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_is_accessible(site: str, page: Any, name: str) -> None:
    page.goto(site + PAGES[name])
    assert page.locator("h1").count() == 1, f"{name}: one h1"
    assert_accessible(page)


def test_no_page_scrolls_sideways_at_320_pixels(site: str, page: Any) -> None:
    """Reflow (WCAG 2.1, 1.4.10, which axe-core does not check): in a window 320 CSS pixels
    wide (1280 zoomed to 400%) every page fits its width; long IRIs, hashes and file names
    break, tables fit. The query editor may scroll within its own box, not the page."""
    page.set_viewport_size({"width": 320, "height": 640})
    wide = {}
    for path in ("/", "/sparql", "/doc/graph/bronnen", *PAGES.values()):
        for lang in ("nl", "en"):
            page.goto(site + path + ("&" if "?" in path else "?") + "lang=" + lang)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide[f"{path} ({lang})"] = width
    assert not wide, f"pages wider than the window of 320 pixels: {wide}"


def test_english_pages_are_accessible_too(site: str, page: Any) -> None:
    for path in ("/?lang=en", "/doc/hub/kennishub?lang=en", "/search?q=docent&lang=en"):
        page.goto(site + path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert_accessible(page)


def test_home_class_entity_linked_entity_and_back(site: str, page: Any) -> None:
    page.goto(site + "/")
    page.locator("main a[href^='/klasse?iri=']", has_text="Hub").first.click()
    page.wait_for_url("**/klasse?**")
    assert "hub" in page.locator("h1").inner_text().lower()
    first = page.locator("main table tbody th a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url("**/doc/**")
    assert page.locator("h1").inner_text() == name
    entity_url = page.url
    linked = page.locator("main table.props a[href^='/doc/']").first
    linked_name = linked.inner_text()
    linked.click()
    page.wait_for_url(lambda url: url != entity_url)
    assert linked_name in page.locator("h1").inner_text()
    page.go_back()
    page.wait_for_url(entity_url)
    assert page.locator("h1").inner_text() == name


def test_search_from_the_header_of_any_page(site: str, page: Any) -> None:
    page.goto(site + "/doc/hub/kennishub")
    page.fill("#site-q", "coordinatie")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/search?q=coordinatie*")
    results = page.locator(".search-results li a")
    assert results.count() > 0
    texts = results.all_inner_texts()
    assert any("Coördinatieteam" in t for t in texts), texts
    results.first.click()
    page.wait_for_url("**/doc/**")
    assert "coördinatie" in page.locator("h1").inner_text().lower()


def test_the_language_switch_is_kept_while_browsing(site: str, page: Any) -> None:
    page.goto(site + "/doc/hub/kennishub")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.locator("nav.lang a").click()
    page.wait_for_url("**lang=en*")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#site-q").get_attribute("id") == "site-q"
    assert "Search" in page.locator("header.site").inner_text()
    # a page reached without ?lang= keeps English (the switch set a cookie)
    page.goto(site + "/themas")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("nav.lang a").click()
    page.wait_for_url("**lang=nl*")
    assert page.locator("html").get_attribute("lang") == "nl"


def test_keyboard_reaches_the_content_first(site: str, page: Any) -> None:
    page.goto(site + "/doc/hub/kennishub")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"


def test_pages_work_without_javascript(site: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    p = context.new_page()
    try:
        p.goto(site + "/search?q=pilothubs")
        assert any("Pilothub XR" in t for t in p.locator(".search-results li a").all_inner_texts())
        p.goto(site + "/sparql")
        assert p.locator("#kg-query-form textarea").is_visible()
        p.locator("#kg-query-form button[type=submit]").click()
        assert p.locator("body").inner_text()  # the plain form answers without the editor
    finally:
        context.close()


def test_markup_in_a_literal_is_never_run(site: str, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(site + "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert "<script>alert(1)</script>" in page.locator("#search-q").input_value()
    assert not dialogs
