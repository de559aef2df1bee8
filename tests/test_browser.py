"""In a real browser (Debian's chromium via Playwright) against a real server (uvicorn):
what people do on the site, and axe-core's WCAG 2.1 AA rules on every kind of page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import pipeline
from tests.browser_support import axe_violations, describe
from tests.live_server import live_server


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
