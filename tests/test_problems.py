"""Executor errors become HTTP answers that say what, where and what to do (``problems.py``).
Timeouts and overload cannot be caused on demand against a live server, so the mapping is
checked here, on the real functions and a real Starlette request."""

from __future__ import annotations

import json

import pytest
from starlette.requests import Request

from endpoint import entity_view, page_models
from endpoint.executor import (
    NotAcceptable,
    Overloaded,
    QueryError,
    QueryTimeout,
    WritesDisabled,
)
from endpoint.problems import HttpProblem, from_executor_error, render
from ingest import pipeline
from tests.conftest import rendering_client


def request(accept: str | None = None) -> Request:
    headers = [(b"accept", accept.encode())] if accept else []
    return Request({"type": "http", "method": "GET", "path": "/sparql", "headers": headers})


def test_a_timeout_is_503_and_says_what_to_do() -> None:
    p = from_executor_error(QueryTimeout("stopped after 30 s (KENNISGRAAF_QUERY_TIMEOUT)"))
    assert p.status == 503
    assert "took too long" in p.message and "30 s" in p.message
    assert p.hint and "LIMIT" in p.hint
    assert "Retry-After" not in p.headers


def test_overload_is_503_with_retry_after() -> None:
    p = from_executor_error(Overloaded("all 2 workers are busy", retry_after=7))
    assert p.status == 503
    assert p.headers["Retry-After"] == "7"
    response = render(request(), p)
    assert response.headers["retry-after"] == "7"
    assert b"busy" in response.body and b"7 seconds" in response.body


def test_writes_disabled_is_403_and_names_the_setting() -> None:
    p = from_executor_error(WritesDisabled("writes are disabled"))
    assert p.status == 403
    assert p.hint and "KENNISGRAAF_UPDATE_TOKEN" in p.hint


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("solutions", ["SELECT", "text/csv", "application/sparql-results+json"]),
        ("boolean", ["ASK", "application/sparql-results+xml"]),
        ("graph", ["CONSTRUCT", "text/turtle", "application/ld+json", "application/rdf+xml"]),
    ],
)
def test_not_acceptable_is_406_and_lists_what_can_be_given(kind: str, names: list[str]) -> None:
    p = from_executor_error(NotAcceptable(kind))  # type: ignore[arg-type]
    assert p.status == 406
    text = p.message + " " + (p.hint or "")
    for name in names:
        assert name in text


def test_a_syntax_error_keeps_its_position_in_text_and_json() -> None:
    p = from_executor_error(QueryError("error at 2:5: expected one of ?, $", 2, 5))
    assert p.status == 400 and p.line == 2 and p.column == 5
    assert p.message.startswith("the query has a syntax error at line 2, column 5:")
    text = render(request("*/*"), p)
    assert text.headers["content-type"].startswith("text/plain")
    assert text.headers["vary"] == "Accept"
    assert bytes(text.body).startswith(b"400 Bad Request: the query has a syntax error at line 2")
    js = render(request("application/json"), p)
    body = json.loads(bytes(js.body))
    assert body == {
        "ok": False,
        "status": 400,
        "error": p.message,
        "line": 2,
        "column": 5,
        "hint": p.hint,
    }


def test_an_evaluation_error_without_position() -> None:
    p = from_executor_error(QueryError("evaluation failed: division by zero"), "update")
    assert p.status == 400 and p.line is None
    assert p.message == "the update could not be run: evaluation failed: division by zero"


def test_a_problem_keeps_its_own_headers() -> None:
    p = HttpProblem(401, "no token", headers={"WWW-Authenticate": "Bearer"})
    response = render(request(), p)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_error_no_route_foresaw_is_a_500_that_says_what_to_do(
    real_build: pipeline.Outcome, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A defect anywhere behind the routes (here: in the entity page) reaches the client as a
    500 with what happened and what to do, never as a bare "Internal Server Error" (the
    traceback goes to the server's log)."""
    assert real_build.path is not None

    def defect(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr(entity_view.EntityView, "build", defect)
    monkeypatch.setattr(page_models.PageModels, "get", defect)  # the page the build made too
    root = real_build.path.parent.parent
    with rendering_client(root, raise_server_exceptions=False) as c:
        page = c.get("/doc/hub/pilothub-xr", headers={"accept": "text/html"})
        assert page.status_code == 500
        assert "error inside the server" in page.text and "what to do: try again" in page.text
        assert "Traceback" not in page.text and "a defect" not in page.text
        asked = c.get("/doc/hub/pilothub-xr", headers={"accept": "application/json, text/html"})
        assert asked.status_code == 500
        body = asked.json()
        assert body["ok"] is False and body["status"] == 500 and body["hint"].startswith("try")
        # the RDF of the same thing does not build the page: it still answers
        assert c.get("/doc/hub/pilothub-xr.ttl").status_code == 200
