"""Requests that no route answers: a path nothing serves, a method a path does not take, a
file missing under /static/. A browser gets the 404 page with the search form (as for an
unknown IRI), other clients a plain-text or JSON problem that says what to do; never FastAPI's
bare ``{"detail": "Not Found"}``.

Runs the real app (FastAPI TestClient, in-process) on the real build of data/.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
UNSERVED = {  # path -> the words the search form is filled in with
    "/foo": "foo",
    "/begrip/thema/xr": "xr",
    "/thema/": "thema",
    "/static/nope.css": "nope css",
    "/download/bogus.nq": "bogus nq",
    "/favicon.ico": "favicon ico",
}


@pytest.mark.parametrize("path", sorted(UNSERVED))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_path_nothing_serves_is_the_404_page_for_a_browser(
    real_client: TestClient, path: str, lang: str
) -> None:
    r = real_client.get(path, headers={"accept": BROWSER, "accept-language": lang})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "detail" not in r.text
    page = BeautifulSoup(r.text, "html.parser")
    assert page.html is not None and page.html["lang"] == lang
    h1 = page.find("h1")
    assert h1 is not None
    assert h1.get_text(strip=True) == ("Niet gevonden" if lang == "nl" else "Not found")
    assert f"There is no page at {path}." in page.get_text()
    forms = [f for f in page.find_all("form") if f.get("action") == "/search"]
    prefilled = [i.get("value") for f in forms for i in f.find_all("input", attrs={"name": "q"})]
    assert UNSERVED[path] in prefilled
    assert page.find("a", href="/") is not None


def test_markup_in_an_unserved_path_is_shown_as_text(real_client: TestClient) -> None:
    r = real_client.get("/x%3Cscript%3Ealert(1)%3C/script%3E", headers={"accept": BROWSER})
    assert r.status_code == 404
    page = BeautifulSoup(r.text, "html.parser")
    assert not [s for s in page.find_all("script") if "alert" in s.get_text()]
    assert "There is no page at /x<script>alert(1)</script>." in page.get_text()


@pytest.mark.parametrize("accept", [None, "*/*", "text/plain", "text/turtle"])
def test_other_clients_get_a_plain_404_that_says_what_to_do(
    real_client: TestClient, accept: str | None
) -> None:
    headers = {"accept": accept} if accept else {}
    r = real_client.get("/foo/bar", headers=headers)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert lines[0] == "404 Not Found: there is nothing at /foo/bar"
    assert lines[1].startswith("what to do: check the address") and "/search?q=" in lines[1]


def test_a_json_client_gets_the_404_as_json(real_client: TestClient) -> None:
    r = real_client.get("/foo", headers={"accept": "application/json"})
    assert r.status_code == 404
    body = r.json()
    assert body["ok"] is False and body["status"] == 404
    assert body["error"] == "there is nothing at /foo"
    assert "/sparql" in body["hint"]


def test_a_very_long_unserved_path_is_cut_in_the_message(real_client: TestClient) -> None:
    r = real_client.get("/" + "a" * 5000)
    assert r.status_code == 404
    first = r.text.splitlines()[0]
    assert first.endswith("…") and len(first) < 300


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("DELETE", "/search", "GET"), ("POST", "/", "GET"), ("PUT", "/health", "GET")],
)
def test_a_method_a_path_does_not_take_is_405_naming_the_ones_it_does(
    real_client: TestClient, method: str, path: str, allowed: str
) -> None:
    r = real_client.request(method, path, headers={"accept": BROWSER})
    assert r.status_code == 405
    assert allowed in r.headers["allow"]
    assert r.headers["content-type"].startswith("text/plain")
    assert (
        r.text.splitlines()[0] == f"405 Method Not Allowed: {path} does not take {method} requests"
    )
    assert f"what to do: send {r.headers['allow']} instead" in r.text


def test_routes_keep_their_own_404s(real_client: TestClient) -> None:
    """The 404s the routes make themselves are unchanged: an unknown IRI's page (with its
    own message) and the JSON of the downloads."""
    r = real_client.get("/id/hub/nope", headers={"accept": BROWSER})
    assert r.status_code == 404
    text = BeautifulSoup(r.text, "html.parser").get_text()
    assert "knows nothing about <https://kennisgraaf.nl/id/hub/nope>" in text
    r = real_client.get("/download/no-such-release/x.nq")
    assert r.status_code == 404
    assert r.json()["ok"] is False and "no-such-release" in r.json()["error"]
