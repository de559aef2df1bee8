"""The cache of whole page responses in front of the app (``endpoint/response_cache.py``).

The unit tests drive it over ASGI with a recording app behind it; the last test runs the real app
on a real build and checks that a cached page is byte-for-byte the app's own answer and that a
write makes it go away."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

from fastapi.testclient import TestClient

from endpoint.app import create_app
from endpoint.response_cache import ResponseCache
from endpoint.settings import ServeSettings
from endpoint.store import NoRelease, ReleaseStore

PAGE = [(b"content-type", b"text/html; charset=utf-8"), (b"etag", b'"v1"')]


class Reader:
    """Stands in for ``ReleaseStore``: only ``version`` is read."""

    def __init__(self, version: str | None = "r1") -> None:
        self._version = version

    @property
    def version(self) -> str:
        if self._version is None:
            raise NoRelease("no release")
        return self._version


class App:
    """Counts the requests that reach it and answers each with the next body."""

    def __init__(
        self, headers: list[tuple[bytes, bytes]] = PAGE, status: int = 200, parts: int = 1
    ) -> None:
        self.headers = headers
        self.status = status
        self.parts = parts
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        body = f"page {self.calls}".encode()
        for i in range(self.parts):
            await send(
                {"type": "http.response.body", "body": body, "more_body": i < self.parts - 1}
            )


def get(
    cache: ResponseCache,
    path: str = "/doc/hub/x",
    query: str = "",
    headers: dict[str, str] | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(cache(scope, receive, send))
    out = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return sent[0]["status"], out, b"".join(m.get("body", b"") for m in sent[1:])


def cache_for(app: App, reader: Reader | None = None, max_bytes: int = 1 << 20) -> ResponseCache:
    return ResponseCache(app, cast(ReleaseStore, reader or Reader()), max_bytes)


def test_a_page_is_answered_from_memory_the_second_time_with_the_same_headers() -> None:
    app = App()
    cache = cache_for(app)
    first = get(cache, headers={"Accept": "text/html"})
    again = get(cache, headers={"Accept": "text/html"})
    assert (
        first
        == again
        == (200, {"content-type": "text/html; charset=utf-8", "etag": '"v1"'}, b"page 1")
    )
    assert app.calls == 1


def test_everything_the_answer_depends_on_is_in_the_key() -> None:
    app = App()
    cache = cache_for(app)
    base = {"Accept": "text/html"}
    variants: list[tuple[str, str, dict[str, str]]] = [
        ("/doc/hub/x", "", base),
        ("/doc/hub/y", "", base),
        ("/doc/hub/x", "lang=en", base),
        ("/doc/hub/x", "", {"Accept": "text/turtle"}),
        ("/doc/hub/x", "", {**base, "Accept-Language": "en"}),
        ("/doc/hub/x", "", {**base, "Cookie": "lang=en"}),
        ("/doc/hub/x", "", {**base, "Accept-Encoding": "gzip"}),
    ]
    bodies = [get(cache, path, query, headers)[2] for path, query, headers in variants]
    assert len(set(bodies)) == len(variants) == app.calls
    assert [get(cache, p, q, h)[2] for p, q, h in variants] == bodies  # all kept
    assert app.calls == len(variants)


def test_a_new_release_or_a_write_is_never_answered_with_an_old_page() -> None:
    app, reader = App(), Reader("r1")
    cache = cache_for(app, reader)
    assert get(cache)[2] == b"page 1"
    reader._version = "r1.1"  # a write
    assert get(cache)[2] == b"page 2"
    reader._version = "r2"  # a build
    assert get(cache)[2] == b"page 3"
    reader._version = None  # no release at all: the app answers (its own 503)
    assert get(cache)[2] == b"page 4" and get(cache)[2] == b"page 5"


def test_only_whole_version_bound_answers_are_kept() -> None:
    no_etag = [(b"content-type", b"text/html")]
    for app in (
        App(headers=no_etag),
        App(status=404),
        App(headers=[*PAGE, (b"set-cookie", b"lang=en; Path=/")]),
        App(headers=[*PAGE, (b"cache-control", b"no-store")]),
        App(parts=2),  # streamed: not kept
    ):
        cache = cache_for(app)
        get(cache)
        get(cache)
        assert app.calls == 2, app.headers


def test_requests_the_app_answers_itself_go_through() -> None:
    app = App()
    cache = cache_for(app)
    get(cache)  # kept
    passing: list[dict[str, Any]] = [
        {"headers": {"If-None-Match": '"v1"'}},
        {"headers": {"Origin": "https://elders.nl"}},
        {"headers": {"Authorization": "Bearer x"}},
        {"headers": {"Range": "bytes=0-10"}},
        {"method": "HEAD"},
        {"method": "POST"},
        {"path": "/sparql"},
        {"path": "/store"},
        {"path": "/downloads/kennisgraaf.nq.gz"},
        {"path": "/static/site.css"},
        {"path": "/changes"},
    ]
    for kw in passing:
        before = app.calls
        get(cache, **kw)
        get(cache, **kw)
        assert app.calls == before + 2, kw


def test_a_repeated_header_goes_to_the_app() -> None:
    app = App()
    cache = cache_for(app)

    async def twice() -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"accept", b"text/html"), (b"accept", b"text/turtle")],
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            return None

        await cache(scope, receive, send)
        await cache(scope, receive, send)

    asyncio.run(twice())
    assert app.calls == 2


def test_the_cache_keeps_to_its_budget_and_zero_turns_it_off() -> None:
    app = App()
    off = cache_for(app, max_bytes=0)
    get(off)
    get(off)
    assert app.calls == 2
    app = App()
    small = cache_for(app, max_bytes=8 * 300)  # room for a few pages of ~250 bytes
    for n in range(20):
        get(small, path=f"/doc/x{n}")
    assert len(small.cache) < 20
    get(small, path="/doc/x0")  # the oldest went first
    assert app.calls == 21


def test_the_real_app_answers_the_same_from_the_cache_and_changes_after_a_write(
    mini_store: Path,
) -> None:
    settings = ServeSettings(store=mini_store, query_workers=0, update_token="geheim")
    app = create_app(settings)
    with TestClient(app) as c:
        cache = cast(ResponseCache, app.state.response_cache)
        html = {"accept": "text/html", "accept-encoding": "gzip"}
        first = c.get("/doc/hub/pilothub-xr", headers=html)
        assert first.status_code == 200 and len(cache.cache) == 1
        again = c.get("/doc/hub/pilothub-xr", headers=html)
        assert again.content == first.content and again.headers == first.headers
        assert (
            c.get(
                "/doc/hub/pilothub-xr", headers={**html, "if-none-match": first.headers["etag"]}
            ).status_code
            == 304
        )
        update = (
            "INSERT DATA { GRAPH <https://kennisgraaf.nl/graph/test> { "
            "<https://kennisgraaf.nl/id/hub/pilothub-xr> "
            '<http://www.w3.org/2000/01/rdf-schema#comment> "Nieuw: cachetest" } }'
        )
        r = c.post(
            "/sparql",
            content=update,
            headers={"content-type": "application/sparql-update", "authorization": "Bearer geheim"},
        )
        assert r.status_code == 204, r.text
        after = c.get("/doc/hub/pilothub-xr", headers=html)
        assert after.status_code == 200 and "Nieuw: cachetest" in after.text
        assert after.headers["etag"] != first.headers["etag"]
