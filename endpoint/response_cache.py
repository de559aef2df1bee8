"""Whole responses of pages and RDF documents, answered before the app is reached.

A page's rendering is cached already (``endpoint/page_cache.py``), but reaching it still costs
the framework's routing, middleware and negotiation, several times the cost of sending the
bytes. ``ResponseCache`` sits in front of the app (``KennisgraafApp`` calls it) and keeps the
final response (status line headers and body, gzipped or not) of a ``GET`` that the app marked
as a version-bound representation: a ``200`` with an ``ETag`` (pages, documents, search, the
catalogue), in one body message, without ``Set-Cookie``.

The key is everything the response can depend on: the content being served
(:attr:`ReleaseStore.version`: a build or a write changes it, so an old entry is never served
again), the path and query string as sent, and the request headers the app varies on (``Accept``,
``Accept-Language``, ``Cookie``, ``Accept-Encoding``). A request that the app must see itself goes
on to it: another method, a conditional request (``If-None-Match``: the app answers 304), a
cross-origin request (``Origin``: CORS headers), ``Authorization``, ``Range``, and the paths whose
answers are not pages (``/sparql``, ``/store``, ``/static``, ``/downloads``, ``/changes``). A
response is kept only if the version did not change while it was made. ``max_bytes`` 0 turns the
cache off.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .page_cache import BoundedCache
from .store import NoRelease, ReleaseStore

DEFAULT_BYTES = 32 * 1024 * 1024
NOT_PAGES = ("/sparql", "/store", "/static/", "/downloads", "/changes", "/health")
KEY_HEADERS = {b"accept": 0, b"accept-language": 1, b"cookie": 2, b"accept-encoding": 3}
# the request goes to the app: it answers these itself
PASS_HEADERS = frozenset(
    (b"if-none-match", b"if-modified-since", b"origin", b"authorization", b"range")
)
Key = tuple[str | bytes | None, ...]
Cached = tuple[int, list[tuple[bytes, bytes]], bytes]


def _size(value: Cached) -> int:
    return len(value[2]) + sum(len(k) + len(v) for k, v in value[1]) + 200


class ResponseCache:
    def __init__(self, app: ASGIApp, reader: ReleaseStore, max_bytes: int = DEFAULT_BYTES) -> None:
        self.app = app
        self.reader = reader
        self.cache: BoundedCache[Key, Cached] = BoundedCache(max_bytes, _size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or self.cache.max_bytes == 0
            or scope["path"].startswith(NOT_PAGES)
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        varies: list[bytes | None] = [None] * len(KEY_HEADERS)
        for name, value in scope["headers"]:
            slot = KEY_HEADERS.get(name)
            if slot is not None:
                if varies[slot] is not None:  # a repeated header: let the app read it
                    await self.app(scope, receive, send)
                    return
                varies[slot] = value
            elif name in PASS_HEADERS:
                await self.app(scope, receive, send)
                return
        try:
            version = self.reader.version
        except NoRelease:
            await self.app(scope, receive, send)
            return
        key: Key = (version, scope["path"], scope["query_string"], *varies)
        hit = self.cache.get(key)
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: Message | None = None
        keep = False

        async def recording_send(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                start = message
                keep = message["status"] == 200 and _cacheable(message.get("headers", []))
            elif message["type"] == "http.response.body" and keep and start is not None:
                keep = False  # only the first body message, and only if it is the whole body
                if not message.get("more_body", False) and self.reader.version == version:
                    headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
                    self.cache.put(key, (200, headers, bytes(message.get("body", b""))))
            await send(message)

        await self.app(scope, receive, recording_send)


def _cacheable(headers: list[tuple[bytes, bytes]]) -> bool:
    etag = False
    for name, value in headers:
        lower = name.lower()
        if lower == b"etag":
            etag = True
        elif lower == b"set-cookie" or (
            lower == b"cache-control" and (b"no-store" in value or b"private" in value)
        ):
            return False
    return etag
