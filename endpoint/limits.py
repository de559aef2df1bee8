"""What keeps the endpoint up: body size, gzip, CORS, and the ``SERVICE`` allow-list.

``install_limits(app, settings)`` adds, from the outside in:

- CORS for reads from other origins (``KENNISGRAAF_CORS_ORIGINS``): GET, HEAD, POST and OPTIONS
  with the ``Authorization`` header, so a web page elsewhere can query ``/sparql``, read
  ``/store`` and the pages; a Graph Store ``PUT``/``DELETE`` from another origin fails its
  preflight.
- A guard that answers 413 when a request body is larger than ``KENNISGRAAF_MAX_BODY``: at once
  when ``Content-Length`` says so, or as soon as a streamed body passes the limit. It also ends
  a response that fails after its first bytes were sent (a query stopped at the timeout while its
  result streams): the connection is closed without the last chunk, so the client sees an
  incomplete response instead of a truncated one that looks whole.
- gzip for responses of 1 KiB and more when the client sends ``Accept-Encoding: gzip``;
  streamed results stay streamed (each chunk is compressed and flushed as it passes); a
  streamed result that turns out smaller than 1 KiB is sent as it is.

``check_service(query, allow)`` refuses a query that would make the server call an address of
the client's choosing: a ``SERVICE`` whose IRI's host is not on ``KENNISGRAAF_SERVICE_ALLOW``, or
whose IRI is a variable. pyoxigraph does call ``SERVICE`` IRIs over HTTP, so this check runs
before every query and update.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .executor import ExecutorError, QueryError
from .problems import HttpProblem, render
from .settings import ServeSettings
from .sparql_lexer import ServiceTarget, service_targets

log = logging.getLogger("kennisgraaf.limits")
GZIP_MINIMUM = 1024
GZIP_LEVEL = 6
GZIP_THREAD_MINIMUM = 32 * 1024  # bodies this large are compressed in a thread
CORS_METHODS = ["GET", "HEAD", "POST", "OPTIONS"]
CORS_HEADERS = ["Authorization", "Content-Type", "Accept"]
CORS_EXPOSE = ["Retry-After", "Content-Disposition", "Content-Location", "Location", "Link"]


# --- SERVICE ---------------------------------------------------------------------------------


class ServiceRefused(QueryError):
    """A ``SERVICE`` the server will not call (400). The position is in the message; ``line``
    and ``column`` stay empty, so the protocol layer does not call it a syntax error."""

    def __init__(self, message: str, target: ServiceTarget) -> None:
        super().__init__(message)
        self.target = target


def _host_port(netloc_or_url: str) -> tuple[str | None, int | None, str, str]:
    parts = urlsplit(netloc_or_url if "://" in netloc_or_url else "//" + netloc_or_url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = (parts.hostname or "").rstrip(".") or None
    return host, port, parts.scheme.lower(), parts.path


def _allowed(iri: str, allow: list[str]) -> bool:
    host, port, scheme, path = _host_port(iri)
    if host is None or port == -1 or scheme not in ("http", "https"):
        return False
    port = port or (443 if scheme == "https" else 80)
    for entry in allow:
        e_host, e_port, e_scheme, e_path = _host_port(entry.strip().lower())
        if e_host is None or e_port == -1:
            continue
        if e_scheme and (e_scheme != scheme or not path.startswith(e_path)):
            continue
        if e_scheme and not e_port:
            e_port = 443 if e_scheme == "https" else 80
        if e_port and e_port != port:
            continue
        if e_host == host or (e_host.startswith("*.") and host.endswith(e_host[1:])):
            return True
    return False


def check_service(query: str, allow: list[str], base_iri: str | None = None) -> None:
    """Raises ``ServiceRefused`` for the first ``SERVICE`` in ``query`` (a query or an update)
    that the server may not call. ``allow`` holds hosts (``query.wikidata.org``), hosts with a
    port (``localhost:7878``), ``*.example.org`` for every subdomain, or an IRI prefix
    (``https://example.org/sparql``)."""
    for t in service_targets(query, base_iri):
        where = f"SERVICE {t.text} (line {t.line}, column {t.column}) is refused"
        if t.kind == "variable":
            raise ServiceRefused(
                f"{where}: the service to call must be written as an IRI, not a variable, so "
                "the server never calls an address taken from data or from the request; write "
                "the IRI of the service itself",
                t,
            )
        if t.kind == "unresolved":
            raise ServiceRefused(
                f"{where}: its IRI cannot be known before the query runs (an undeclared prefix "
                "or a relative IRI without BASE); write the full IRI, for example "
                "<https://query.wikidata.org/sparql>",
                t,
            )
        for iri in t.iris:
            if _allowed(iri, allow):
                continue
            host, _port, scheme, _path = _host_port(iri)
            if not allow:
                raise ServiceRefused(
                    f"{where}: this server calls no other SPARQL services "
                    "(KENNISGRAAF_SERVICE_ALLOW is empty); run the part inside SERVICE at "
                    f"<{iri}> yourself, or ask the operator to allow its host",
                    t,
                )
            if scheme not in ("http", "https") or host is None:
                raise ServiceRefused(
                    f"{where}: <{iri}> is not an http(s) address with a host; only http and "
                    "https services on the allow-list can be called",
                    t,
                )
            raise ServiceRefused(
                f"{where}: the host {host!r} is not on this server's allow-list "
                f"({', '.join(allow)}); use a service on one of those hosts, or ask the "
                f"operator to add {host!r} to KENNISGRAAF_SERVICE_ALLOW",
                t,
            )


# --- request body and cut streams ------------------------------------------------------------


def _too_large_message(limit: int) -> str:
    return f"the request body is larger than this server's limit of {limit} bytes"


_TOO_LARGE_HINT = (
    "send a smaller body: split a large upload into several requests (Graph Store POST adds to "
    "a graph), or ask the operator to raise KENNISGRAAF_MAX_BODY"
)


class BodyTooLarge(HttpProblem, HTTPException):  # type: ignore[misc]
    """413. An ``HTTPException`` too, so FastAPI's body parsing passes it on unchanged."""

    def __init__(self, limit: int) -> None:
        message = _too_large_message(limit)
        HttpProblem.__init__(
            self, 413, message, hint=_TOO_LARGE_HINT, headers={"Connection": "close"}
        )
        self.status_code = 413
        self.detail = message


def _executor_error(exc: BaseException | None) -> ExecutorError | None:
    """The executor error that caused ``exc`` (Starlette wraps one raised after the response
    started in a RuntimeError)."""
    for _ in range(10):
        if exc is None or isinstance(exc, ExecutorError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


class Guard:
    """Request body limit, and a clean cut for a response that fails after it started."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.strip().isdigit() and int(length) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send)
        except Exception as e:
            cause = _executor_error(e)
            if not started or cause is None:
                raise
            # The response has begun (status and first bytes sent): all that is left is to end
            # the connection without the final chunk. Returning without completing the
            # response makes the server close it; the client sees an incomplete read.
            log.warning("%s %s: response cut off: %s", scope["method"], scope["path"], cause)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = render(Request(scope), BodyTooLarge(self.max_body))
        await response(scope, receive, send)


class SmallStreams:
    """Hands a streamed response that turns out small (its first part is under ``limit`` bytes
    and the next message ends it) on as one message, so that gzip can see its size and leave
    it alone, as it does for any other small response. Larger streams pass unchanged."""

    def __init__(self, app: ASGIApp, limit: int = GZIP_MINIMUM) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        first = True

        async def coalescing_send(message: Message) -> None:
            nonlocal held, first
            if message["type"] != "http.response.body":
                await send(message)
                return
            if held is not None:
                if message.get("more_body", False):
                    await send(held)
                    held = None
                    await send(message)
                else:
                    body = held.get("body", b"") + message.get("body", b"")
                    held = None
                    await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            if (
                first
                and message.get("more_body", False)
                and len(message.get("body", b"")) < self.limit
            ):
                first = False
                held = message
                return
            first = False
            await send(message)

        await self.app(scope, receive, coalescing_send)


class _GZip(GZipMiddleware):
    """Starlette's ``GZipMiddleware`` without its per-request cost: it normalises the excluded
    content types again for every request; here they are normalised once (same behaviour)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        gzip = False
        for key, value in scope["headers"]:
            if key == b"accept-encoding":  # the first one, as Starlette's Headers.get
                gzip = b"gzip" in value
                break
        responder: IdentityResponder
        if gzip:
            responder = GZipResponder(
                self.app,
                self.minimum_size,
                compresslevel=self.compresslevel,
                thread_minimum_size=self.thread_minimum_size,
                exclude_content_types=(),
            )
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=())
        responder.exclude_content_types = self.exclude_content_types
        await responder(scope, receive, send)


def _gzip(app: ASGIApp) -> _GZip:
    return _GZip(
        app,
        minimum_size=GZIP_MINIMUM,
        compresslevel=GZIP_LEVEL,
        thread_minimum_size=GZIP_THREAD_MINIMUM,
    )


def guarded(app: ASGIApp, settings: ServeSettings) -> ASGIApp:
    """``app`` (a response) behind the same body limit, gzip and small-stream handling that
    ``install_limits`` puts in front of the app (CORS aside), for a path that skips the app's
    middleware (``endpoint/sparql_fastpath.py``)."""
    return Guard(_gzip(SmallStreams(app, limit=GZIP_MINIMUM)), settings.max_body)


def install_limits(app: FastAPI, settings: ServeSettings) -> None:
    """Adds gzip, the body limit and CORS to ``app`` (see the module's docstring); a second
    call does nothing."""
    if getattr(app.state, "limits_installed", False):
        return
    app.state.limits_installed = True
    # add_middleware puts each new one outside the ones before it
    app.add_middleware(SmallStreams, limit=GZIP_MINIMUM)
    app.add_middleware(_gzip)
    app.add_middleware(Guard, max_body=settings.max_body)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSE,
            allow_credentials=False,
            max_age=600,
        )
