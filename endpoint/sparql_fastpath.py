"""A short way in for SPARQL queries (``GET``/``POST /sparql`` with a query), outside the app.

Most requests to ``/sparql`` are queries, and for a quick query the framework's layers (FastAPI's
routing and request objects, the error, CORS, body-limit and gzip middleware, a streaming
response's task group) cost several times the CPU of the query itself. ``SparqlFastPath`` sits in
front of the whole app (``KennisgraafApp`` calls it first) and answers the common case with plain
ASGI messages: it reads the operation with the route's own code
(``protocol_request.parse_operation``), runs it with the route's own code
(``sparql_protocol.run_query``) and renders errors with the route's own renderer, so negotiation,
messages and headers are the same either way. What the layers it skips would have done, it does
itself or leaves to them:

- **gzip**: a complete result of ``GZIP_MINIMUM`` bytes or more is compressed here when the
  client accepts gzip (same level and headers as the app's gzip middleware); a streamed result
  goes through the app's own limits (``limits.guarded``): gzip per chunk and the clean cut of a
  stream that fails after it started.
- **body limit**: only a ``POST`` whose ``Content-Length`` is within ``KENNISGRAAF_MAX_BODY`` is
  taken; a larger or a chunked body goes to the app, which answers 413 or reads it.
- **CORS**: a request with an ``Origin`` header goes to the app, whose CORS middleware answers.

``SparqlFastPath.inline`` is the same way in without ASGI, for ``endpoint/inline_http.py``: given
a whole request it answers a lookup (``endpoint/quick_lookup.py``) that needs no waiting, with
the bytes the ASGI way gives it, and declines everything else (errors included), which then
comes here through the app's front as usual.

Everything else goes on to the app unchanged: other paths and methods, updates (with the body
already read), ``GET /sparql`` without a query (editor, service description), a URL that needs
the full parser, and a store without a release (the app's own 503).
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from collections.abc import Iterable
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .executor import Executor, ExecutorError, QueryResult
from .executor_pool import PoolExecutor
from .inline_http import Headers, Whole
from .limits import GZIP_LEVEL, GZIP_MINIMUM, GZIP_THREAD_MINIMUM, guarded
from .negotiation import content_type
from .problems import HttpProblem, render
from .protocol_request import operation_of, parse_operation
from .settings import ServeSettings
from .sparql_protocol import VARY, query_job, run_query
from .store import NoRelease

log = logging.getLogger("kennisgraaf.sparql")
PATH = "/sparql"
# characters that Starlette's URL parsing removes or treats specially: such a URL goes the
# long way, so that both ways always read the same parameters
_URL_SPECIAL = ("\t", "\r", "\n", "#")
RawHeaders = Iterable[tuple[bytes, bytes]]  # as in an ASGI scope
_VARY_BYTES = VARY["Vary"].encode()
_VARY_GZIP_BYTES = (VARY["Vary"] + ", Accept-Encoding").encode()
INTERNAL = HttpProblem(
    500,
    "the query could not be answered because of an error inside the server",
    hint="try again; if it keeps failing, tell the maintainers the time and the query",
)


class _Seen(NamedTuple):
    """What the fast path reads of a request before it takes it."""

    query_string: str
    content_type: str | None
    accept: str | None
    gzip_ok: bool


def _examine(
    method: str,
    path: str,
    root_path: str,
    raw_query: bytes,
    headers: RawHeaders,
    max_body: int,
) -> _Seen | None:
    """The parts of a request the fast path takes, ``None`` for one it leaves to the app."""
    if path != PATH or method not in ("GET", "POST") or root_path:
        return None
    try:
        query_string = raw_query.decode()
    except UnicodeDecodeError:
        return None
    if query_string and any(c in query_string for c in _URL_SPECIAL):
        return None
    content_type_header = accept = length = None
    gzip_ok = False
    for key, value in headers:
        if key == b"content-type":
            content_type_header = value.decode("latin-1")
        elif key == b"accept":
            accept = value.decode("latin-1")
        elif key == b"content-length":
            length = value
        elif key == b"accept-encoding":
            gzip_ok = b"gzip" in value
        elif key == b"origin" or key == b"transfer-encoding":
            return None  # CORS, or a body of unknown length
    if method == "POST" and (length is None or not length.isdigit() or int(length) > max_body):
        return None
    return _Seen(query_string, content_type_header, accept, gzip_ok)


class SparqlFastPath:
    def __init__(self, app: ASGIApp, settings: ServeSettings, executor: Executor) -> None:
        self.app = app
        self.settings = settings
        self.executor = executor
        self._quick = executor.quick if isinstance(executor, PoolExecutor) else None

    def inline(
        self, method: str, path: str, raw_query: bytes, headers: RawHeaders, body: bytes
    ) -> Whole | None:
        """The whole answer (status, headers, body) to a request whose body has been read,
        when it is a lookup that can be answered at once; else ``None``, and the request goes
        through the app (which gives the same answer to a lookup, and every error). Called
        without an event loop turn by ``endpoint/inline_http.py``."""
        if self._quick is None:
            return None
        seen = _examine(method, path, "", raw_query, headers, self.settings.max_body)
        if seen is None:
            return None
        try:
            op = operation_of(method, seen.query_string, seen.content_type, body)
            if op.kind != "query":
                return None
            result = self._quick(query_job(self.settings, seen.accept, op))
        except (HttpProblem, NoRelease, ExecutorError):
            return None  # the app answers it, with its message (a 406 for SELECT as Turtle)
        if result is None or result.body is None:
            return None
        body = result.body
        gzipped = _gzips(body, seen.gzip_ok)
        if gzipped:
            if len(body) >= GZIP_THREAD_MINIMUM:
                return None  # long enough to be compressed in a thread, by the app
            body = gzip.compress(body, GZIP_LEVEL)
        return 200, _head(result.media_type, gzipped, len(body)), body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen = None
        if scope["type"] == "http" and scope["path"] == PATH:  # most requests: at once
            seen = _examine(
                scope["method"],
                scope["path"],
                scope.get("root_path", ""),
                scope["query_string"],
                scope["headers"],
                self.settings.max_body,
            )
        if seen is None:
            await self.app(scope, receive, send)
            return
        body: bytes | None = None

        async def read_body() -> bytes:
            nonlocal body
            parts = []
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    raise _ClientLeft
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(parts)
            return body

        try:
            op = await parse_operation(
                scope["method"], seen.query_string, seen.content_type, read_body
            )
            if op.kind != "query":
                await self.app(scope, _replay(body, receive), send)
                return
            result = await run_query(self.settings, self.executor, seen.accept, op)
        except HttpProblem as p:
            await render(Request(scope), p)(scope, receive, send)
            return
        except NoRelease:
            await self.app(scope, _replay(body, receive), send)
            return
        except _ClientLeft:
            return  # nobody to answer
        except Exception:  # a defect: the client gets a message, the log the traceback
            log.exception("%s %s failed", scope["method"], PATH)
            await render(Request(scope), INTERNAL)(scope, receive, send)
            return
        if result.body is None:
            await self._stream(result, scope, receive, send)
        else:
            await _send_whole(result, seen.gzip_ok, send)

    async def _stream(
        self, result: QueryResult, scope: Scope, receive: Receive, send: Send
    ) -> None:
        response = StreamingResponse(
            result.chunks, media_type=content_type(result.media_type), headers=VARY
        )
        await guarded(response, self.settings)(scope, receive, send)


def _gzips(body: bytes, gzip_ok: bool) -> bool:
    """Whether a complete result is sent gzipped (as the app's gzip middleware would)."""
    return gzip_ok and len(body) >= GZIP_MINIMUM


def _head(media_type: str, gzipped: bool, length: int) -> Headers:
    """The headers of a complete result."""
    headers = [(b"content-type", content_type(media_type).encode("latin-1"))]
    if gzipped:
        headers += [(b"content-encoding", b"gzip"), (b"vary", _VARY_GZIP_BYTES)]
    else:
        headers.append((b"vary", _VARY_BYTES))
    headers.append((b"content-length", str(length).encode()))
    return headers


async def _send_whole(result: QueryResult, gzip_ok: bool, send: Send) -> None:
    """A complete result as one response."""
    body = result.body or b""
    gzipped = _gzips(body, gzip_ok)
    if gzipped:
        if len(body) >= GZIP_THREAD_MINIMUM:
            body = await asyncio.to_thread(gzip.compress, body, GZIP_LEVEL)
        else:
            body = gzip.compress(body, GZIP_LEVEL)
    headers = _head(result.media_type, gzipped, len(body))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _ClientLeft(Exception):
    pass


def _replay(body: bytes | None, receive: Receive) -> Receive:
    """``receive`` for the app when the fast path has read the body already."""
    if body is None:
        return receive
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed
