"""The fast path for SPARQL queries (``endpoint/sparql_fastpath.py``): it answers queries itself
and hands every other request on to the app, with the body it may have read already.

These tests drive the middleware directly over ASGI, with a recording app behind it and an
executor that records the jobs it gets; the live-server tests (``test_sparql_endpoint.py``,
``test_w3c_protocol.py``, ``test_limits.py``) check the answers through the real server."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from endpoint.executor import QueryJob, QueryResult
from endpoint.settings import ServeSettings
from endpoint.sparql_fastpath import SparqlFastPath
from endpoint.store import NoRelease

BODY = b'{"head":{},"boolean":true}'
FORM = "application/x-www-form-urlencoded"


class RecordingExecutor:
    def __init__(
        self, fail: Exception | None = None, body: bytes = BODY, stream: bool = False
    ) -> None:
        self.jobs: list[QueryJob] = []
        self.fail = fail
        self.body = body
        self.stream = stream  # the result comes as chunks, not as one complete body

    async def query(self, job: QueryJob) -> QueryResult:
        self.jobs.append(job)
        if self.fail is not None:
            raise self.fail
        body = self.body

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(body), 4096):
                yield body[i : i + 4096]

        whole = None if self.stream else body
        return QueryResult("boolean", "application/sparql-results+json", chunks(), whole)

    async def update(self, update: str, base_iri: str | None = None) -> None:
        raise AssertionError("the fast path never runs updates")

    async def write(self, fn: Callable[[ox.Store], Any]) -> Any:
        raise AssertionError("the fast path never writes")

    async def read(self, fn: Callable[[ox.Store], Any]) -> Any:
        raise AssertionError("the fast path never reads")

    async def aclose(self) -> None:
        return None


class RecordingApp:
    """The app behind the fast path: records what reaches it (with the whole body) and
    answers 299."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.calls.append((scope["method"], scope["path"], body))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"app"})


def call(
    fast: SparqlFastPath,
    method: str,
    path: str = "/sparql",
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    chunk: int = 0,
    length: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    """One request through ``fast``; the body comes in parts of ``chunk`` bytes (0: whole),
    with a ``Content-Length`` header for a POST unless ``length`` is false (a chunked body)."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if method == "POST":
        raw_headers.append(
            (b"content-length", str(len(body)).encode())
            if length
            else (b"transfer-encoding", b"chunked")
        )
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), *raw_headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    size = chunk or max(1, len(body))
    parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    incoming = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1}
        for i, p in enumerate(parts)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)  # a client that stays: the app must not wait for it
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(fast(scope, receive, send), 10))
    start = sent[0]
    out = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], out, b"".join(m.get("body", b"") for m in sent[1:])


def fast_path(
    executor: RecordingExecutor | None = None, max_body: int = 16 * 1024 * 1024
) -> tuple[SparqlFastPath, RecordingApp, RecordingExecutor]:
    app, ex = RecordingApp(), executor or RecordingExecutor()
    settings = ServeSettings(store=Path("/nonexistent"), max_body=max_body)
    return SparqlFastPath(app, settings, ex), app, ex


def test_a_query_by_post_is_answered_without_the_app() -> None:
    fast, app, ex = fast_path()
    body = urlencode({"query": "ASK {}", "default-graph-uri": "https://example.org/g"})
    status, headers, got = call(
        fast,
        "POST",
        body=body.encode(),
        headers={"Content-Type": FORM, "Accept": "application/sparql-results+json"},
        chunk=5,
    )
    assert (status, got) == (200, BODY)
    assert headers["content-type"] == "application/sparql-results+json"
    assert headers["content-length"] == str(len(BODY))
    assert headers["vary"] == "Accept"
    assert app.calls == []
    assert [j.query for j in ex.jobs] == ["ASK {}"]
    assert ex.jobs[0].dataset.default_graphs == ("https://example.org/g",)


def test_a_query_by_get_and_by_sparql_query_body() -> None:
    fast, app, ex = fast_path()
    assert call(fast, "GET", query=urlencode({"query": "ASK { ?s ?p ?o }"}))[0] == 200
    status, _, _ = call(
        fast, "POST", body=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    assert status == 200
    assert [j.query for j in ex.jobs] == ["ASK { ?s ?p ?o }", "ASK {}"]
    assert app.calls == []


def test_an_update_goes_on_to_the_app_with_its_whole_body() -> None:
    fast, app, ex = fast_path()
    form = urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).encode()
    status, _, got = call(fast, "POST", body=form, headers={"Content-Type": FORM}, chunk=7)
    assert (status, got) == (299, b"app")
    assert app.calls == [("POST", "/sparql", form)]
    assert ex.jobs == []


def test_other_requests_go_on_to_the_app() -> None:
    fast, app, ex = fast_path()
    call(fast, "GET")  # no query: editor or service description
    call(fast, "HEAD", query="query=ASK%20%7B%7D")
    call(fast, "GET", path="/sparql/", query="query=ASK%20%7B%7D")
    call(fast, "GET", path="/health")
    call(fast, "PUT", body=b"x", headers={"Content-Type": "text/turtle"})
    call(fast, "GET", query="query=ASK%20%7B%7D\t")  # a raw tab: Starlette drops it
    assert [c[:2] for c in app.calls] == [
        ("GET", "/sparql"),
        ("HEAD", "/sparql"),
        ("GET", "/sparql/"),
        ("GET", "/health"),
        ("PUT", "/sparql"),
        ("GET", "/sparql"),
    ]
    assert ex.jobs == []


def test_protocol_errors_are_answered_like_the_route_does() -> None:
    fast, app, ex = fast_path()
    status, headers, got = call(
        fast, "POST", body=b"query=ASK+%7B%7D", headers={"Content-Type": "text/plain"}
    )
    assert status == 415
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert b"a POST to /sparql cannot be text/plain" in got and b"what to do:" in got
    status, headers, got = call(
        fast, "GET", query="query=ASK%20%7B%7D", headers={"Accept": "image/png"}
    )
    assert status == 406
    status, _, got = call(fast, "GET", query="query=ASK%20%7B%7D&format=nonsense")
    assert status == 400 and b"nonsense" in got
    assert app.calls == [] and ex.jobs == []


def test_a_store_without_release_is_left_to_the_app() -> None:
    fast, app, ex = fast_path(RecordingExecutor(fail=NoRelease("no release")))
    form = b"query=ASK+%7B%7D"
    status, _, _ = call(fast, "POST", body=form, headers={"Content-Type": FORM})
    assert status == 299
    assert app.calls == [("POST", "/sparql", form)]


def test_requests_the_app_must_see_go_on_to_it() -> None:
    """CORS (an Origin header), a body of unknown length and a body over the limit are the
    app's: its middleware answers them."""
    fast, app, ex = fast_path(max_body=2048)
    form = b"query=ASK+%7B%7D"
    headers = {"Content-Type": FORM}
    call(fast, "POST", body=form, headers={**headers, "Origin": "https://elders.nl"})
    call(fast, "POST", body=form, headers=headers, length=False)
    call(fast, "POST", body=form + b"&x=" + b"y" * 3000, headers=headers)
    assert [len(c[2]) for c in app.calls] == [len(form), len(form), len(form) + 3003]
    assert ex.jobs == []


def test_a_large_result_is_gzipped_for_a_client_that_accepts_it() -> None:
    big = b'{"head":{},"results":{"bindings":[' + b'{"x":{"type":"literal","value":"a"}},' * 200
    for stream in (False, True):
        fast, _, _ = fast_path(RecordingExecutor(body=big, stream=stream))
        query = "query=ASK%20%7B%7D"
        status, headers, got = call(fast, "GET", query=query, headers={"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip", stream
        assert gzip.decompress(got) == big
        assert headers["vary"] == "Accept, Accept-Encoding"
        status, headers, got = call(fast, "GET", query=query)
        assert (status, got) == (200, big) and "content-encoding" not in headers
    fast, _, _ = fast_path()  # small: as it is
    _, headers, got = call(fast, "GET", query=query, headers={"Accept-Encoding": "gzip"})
    assert got == BODY and "content-encoding" not in headers


def test_a_defect_is_answered_500_with_a_message_not_a_traceback() -> None:
    fast, app, _ = fast_path(RecordingExecutor(fail=KeyError("boom")))
    status, headers, got = call(fast, "GET", query="query=ASK%20%7B%7D")
    assert status == 500 and headers["content-type"].startswith("text/plain")
    assert b"error inside the server" in got and b"what to do:" in got
    assert b"Traceback" not in got and b"boom" not in got and app.calls == []
