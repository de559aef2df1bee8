"""Errors for clients: what went wrong, where, and what to do, as plain text (JSON when asked).

Routes raise ``HttpProblem``; executor errors are turned into one by ``from_executor_error``.
Both are rendered by the handlers ``install(app)`` registers. Never a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from .executor import (
    ExecutorError,
    NotAcceptable,
    Overloaded,
    QueryError,
    QueryTimeout,
    WritesDisabled,
)
from .negotiation import KIND_NAMES, OFFERS, describe, wants_json

MAX_MESSAGE = 600
_PREFIX = re.compile(r"^error at (\d+):(\d+):\s*")
# the parser lists character classes it expected, e.g. ['A' ..= 'Z' | 'a' ..= 'z' | ...]
_RANGES = re.compile(r",?\s*\['[^\]]*\]")


class HttpProblem(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        hint: str | None = None,
        line: int | None = None,
        column: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.line = line
        self.column = column
        self.headers = dict(headers or {})


def _short(message: str) -> str:
    message = " ".join(_RANGES.sub("", message).split())
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def syntax_problem(e: QueryError, what: str) -> HttpProblem:
    """400 for a query or update that does not parse (``what``: "query" or "update")."""
    text = _PREFIX.sub("", str(e))
    if e.line is not None:
        where = f" at line {e.line}, column {e.column}" if e.column is not None else ""
        return HttpProblem(
            400,
            f"the {what} has a syntax error{where}: {_short(text)}",
            hint=f"correct the {what} at that place and send it again",
            line=e.line,
            column=e.column,
        )
    return HttpProblem(
        400,
        f"the {what} could not be run: {_short(text)}",
        hint=f"check the {what}; the message above says what the store objected to",
    )


def from_executor_error(e: ExecutorError, what: str = "query") -> HttpProblem:
    if isinstance(e, QueryError):
        return syntax_problem(e, what)
    if isinstance(e, NotAcceptable):
        offers = OFFERS[e.kind]
        return HttpProblem(
            406,
            f"none of the formats in your Accept header (or format parameter) can hold "
            f"{KIND_NAMES[e.kind]}",
            hint=f"ask for one of: {describe(offers)}",
        )
    if isinstance(e, Overloaded):
        return HttpProblem(
            503,
            f"the server is busy: {e}",
            hint=f"try again in {e.retry_after} seconds",
            headers={"Retry-After": str(e.retry_after)},
        )
    if isinstance(e, QueryTimeout):
        return HttpProblem(
            503,
            f"the {what} took too long and was stopped: {e}",
            hint="make it more selective (a LIMIT, fewer OPTIONALs, fixed values instead of "
            "variables), or use the bulk downloads linked from the home page",
        )
    if isinstance(e, WritesDisabled):
        return writes_disabled()
    return HttpProblem(500, f"the {what} failed: {e}")


def writes_disabled() -> HttpProblem:
    return HttpProblem(
        403,
        "writes are disabled on this server",
        hint="the operator enables SPARQL Update and Graph Store writes by setting "
        "KENNISGRAAF_UPDATE_TOKEN and restarting; clients then send "
        "'Authorization: Bearer <token>'",
    )


def render(request: Request, p: HttpProblem) -> Response:
    headers = {"Vary": "Accept", **p.headers}
    if wants_json(request.headers.get("accept")):
        body: dict[str, object] = {"ok": False, "status": p.status, "error": p.message}
        if p.line is not None:
            body["line"] = p.line
            body["column"] = p.column
        if p.hint:
            body["hint"] = p.hint
        return JSONResponse(body, status_code=p.status, headers=headers)
    try:
        reason = HTTPStatus(p.status).phrase
    except ValueError:
        reason = ""
    lines = [f"{p.status} {reason}: {p.message}"]
    if p.hint:
        lines.append(f"what to do: {p.hint}")
    return PlainTextResponse("\n".join(lines) + "\n", status_code=p.status, headers=headers)


# What a request gets when the server fails in a way no route foresaw (the traceback goes to the
# server's log, never to the client).
INTERNAL = HttpProblem(
    500,
    "this request could not be answered because of an error inside the server",
    hint="try again; if it keeps failing, tell the maintainers the time and the address asked for",
)


def install(app: FastAPI) -> None:
    """Registers the handlers that render ``HttpProblem``, executor errors and any other error
    (a 500 that says what happened and what to do, instead of a bare "Internal Server Error")."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HttpProblem)
        return render(request, exc)

    async def on_executor_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ExecutorError)
        return render(request, from_executor_error(exc))

    async def on_defect(request: Request, exc: Exception) -> Response:
        return render(request, INTERNAL)

    app.add_exception_handler(HttpProblem, on_problem)
    app.add_exception_handler(ExecutorError, on_executor_error)
    app.add_exception_handler(Exception, on_defect)  # Starlette then re-raises it, for the log
