"""A short way through the app for SPARQL queries (``GET``/``POST /sparql`` with a query).

Most requests to ``/sparql`` are queries, and for a quick query FastAPI's routing, dependency
solving and request objects cost more CPU than the query itself. ``SparqlFastPath`` is an ASGI
middleware just inside the limits (``install_limits``: CORS, body limit, gzip stay in front of
it, unchanged) that reads the operation with the same code as the route
(``protocol_request.parse_operation``) and answers a query with the same code too
(``sparql_protocol.answer_query``), so negotiation, errors and headers are the route's own.
Everything else goes on to the app: other paths and methods, updates, ``GET /sparql`` without
a query (editor, service description), a URL that needs the full parser, and a store without a
release (the app's own 503); a body already read is handed on with the request.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .executor import Executor
from .problems import HttpProblem, render
from .protocol_request import parse_operation
from .settings import ServeSettings
from .sparql_protocol import answer_query
from .store import NoRelease

PATH = "/sparql"
# characters that Starlette's URL parsing removes or treats specially: such a URL goes the
# long way, so that both ways always read the same parameters
_URL_SPECIAL = ("\t", "\r", "\n", "#")


class SparqlFastPath:
    def __init__(self, app: ASGIApp, settings: ServeSettings, executor: Executor) -> None:
        self.app = app
        self.settings = settings
        self.executor = executor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] not in ("GET", "POST")
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        raw_query: bytes = scope["query_string"]
        try:
            query_string = raw_query.decode()
        except UnicodeDecodeError:
            await self.app(scope, receive, send)
            return
        if query_string and any(c in query_string for c in _URL_SPECIAL):
            await self.app(scope, receive, send)
            return
        content_type = accept = None
        for key, value in scope["headers"]:
            if key == b"content-type":
                content_type = value.decode("latin-1")
            elif key == b"accept":
                accept = value.decode("latin-1")
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
            op = await parse_operation(scope["method"], query_string, content_type, read_body)
            if op.kind != "query":
                await self.app(scope, _replay(body, receive), send)
                return
            response = await answer_query(self.settings, self.executor, accept, op)
        except HttpProblem as p:
            response = render(Request(scope), p)
        except NoRelease:
            await self.app(scope, _replay(body, receive), send)
            return
        except _ClientLeft:
            return  # nobody to answer
        await response(scope, receive, send)


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


def install_sparql_fastpath(app: FastAPI, settings: ServeSettings, executor: Executor) -> None:
    """Adds the fast path; call it before ``install_limits`` so that the limits stay outside."""
    app.add_middleware(SparqlFastPath, settings=settings, executor=executor)
