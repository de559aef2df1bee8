"""Reads a SPARQL 1.1 Protocol request: which operation, its text, and its parameters.

    GET    /sparql?query=...                                   query
    POST   /sparql  application/x-www-form-urlencoded  query=... | update=...
    POST   /sparql  application/sparql-query     (body: the query)
    POST   /sparql  application/sparql-update    (body: the update)

Parameters come from the URL and, for a form, from the body too. Bodies are UTF-8 (a
``charset`` other than UTF-8 is refused). Everything else is refused with a message that says
what to send: an update by GET (400), two queries or a query and an update (400), another body
type (415).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from fastapi import Request

from .form_decode import parse_qsl
from .problems import HttpProblem

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"

HOW = (
    "send a query as GET /sparql?query=..., or POST it form-encoded (query=...) or as the body "
    f"with Content-Type {QUERY_TYPE}; send an update by POST, form-encoded (update=...) or as "
    f"the body with Content-Type {UPDATE_TYPE}"
)


@dataclass
class Operation:
    kind: Literal["query", "update", "none"]
    text: str = ""
    params: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return self.params.get(name, [])


def media_type(header: str | None) -> tuple[str, dict[str, str]]:
    """``("text/turtle", {"charset": "utf-8"})`` from a Content-Type header."""
    if not header:
        return "", {}
    parts = header.split(";")
    params = {}
    for p in parts[1:]:
        k, eq, v = p.partition("=")
        if eq:
            params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].strip().lower(), params


def check_charset(params: dict[str, str], what: str) -> None:
    charset = params.get("charset")
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise HttpProblem(
            415,
            f"the {what} is sent as {charset}; this endpoint reads UTF-8 only",
            hint="encode the body as UTF-8 and say 'charset=utf-8' (or no charset)",
        )


def decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HttpProblem(
            400,
            f"the {what} is not valid UTF-8 (byte {e.start})",
            hint="encode the body as UTF-8",
        ) from None


def parse_form(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text)
    except (UnicodeDecodeError, ValueError):
        raise HttpProblem(
            400,
            "a form parameter is not valid UTF-8 after URL-decoding",
            hint="percent-encode the UTF-8 bytes of the text (curl --data-urlencode does this)",
        ) from None


def _collect(pairs: list[tuple[str, str]], into: dict[str, list[str]]) -> None:
    for k, v in pairs:
        into.setdefault(k, []).append(v)


def _only_one(params: dict[str, list[str]], name: str) -> None:
    if len(params.get(name, [])) > 1:
        raise HttpProblem(
            400,
            f"the request has {len(params[name])} '{name}' parameters; send exactly one",
            hint=HOW,
        )


async def read_operation(request: Request) -> Operation:
    return await parse_operation(
        request.method, request.url.query, request.headers.get("content-type"), request.body
    )


async def parse_operation(
    method: str,
    query_string: str,
    content_type: str | None,
    body: Callable[[], Awaitable[bytes]],
) -> Operation:
    """The operation of a request from its method, the query part of its URL, its
    Content-Type header and a function that reads its body (called only when needed)."""
    data = await body() if reads_body(method, content_type) else b""
    return operation_of(method, query_string, content_type, data)


def reads_body(method: str, content_type: str | None) -> bool:
    """Whether the operation of such a request is (partly) in its body."""
    return method not in ("GET", "HEAD") and media_type(content_type)[0] in (
        FORM,
        QUERY_TYPE,
        UPDATE_TYPE,
    )


def operation_of(
    method: str, query_string: str, content_type: str | None, body: bytes
) -> Operation:
    """The operation of a request whose body (when ``reads_body``) is ``body``."""
    params: dict[str, list[str]] = {}
    if query_string:
        _collect(parse_form(query_string), params)
    if method in ("GET", "HEAD"):
        if "update" in params:
            raise HttpProblem(
                400,
                "an update cannot be sent by GET",
                hint="send it by POST, form-encoded (update=...) or with Content-Type "
                f"{UPDATE_TYPE}",
            )
        _only_one(params, "query")
        if "query" not in params:
            return Operation("none", params=params)
        return _operation("query", params["query"][0], params)

    mt, ct_params = media_type(content_type)
    if mt == FORM:
        check_charset(ct_params, "form")
        form: dict[str, list[str]] = {}
        _collect(parse_form(decode(body, "form")), form)
        for name in ("query", "update"):
            if name in form and name in params:
                raise HttpProblem(
                    400,
                    f"'{name}' is both in the URL and in the form body; send it once",
                    hint=HOW,
                )
        _collect([(k, v) for k, vs in form.items() for v in vs], params)
        _only_one(params, "query")
        _only_one(params, "update")
        if "query" in params and "update" in params:
            raise HttpProblem(
                400,
                "the request has both a query and an update; send one operation per request",
                hint=HOW,
            )
        if "query" in params:
            return _operation("query", params["query"][0], params)
        if "update" in params:
            return _operation("update", params["update"][0], params)
        raise HttpProblem(400, "the form has no 'query' and no 'update' parameter", hint=HOW)
    if mt in (QUERY_TYPE, UPDATE_TYPE):
        kind: Literal["query", "update"] = "query" if mt == QUERY_TYPE else "update"
        check_charset(ct_params, kind)
        for name in ("query", "update"):
            if name in params:
                raise HttpProblem(
                    400,
                    f"the body holds the {kind} (Content-Type {mt}) and the URL has a "
                    f"'{name}' parameter too; send one operation per request",
                    hint=HOW,
                )
        return _operation(kind, decode(body, kind), params)
    if not mt:
        raise HttpProblem(
            415,
            "the POST body has no Content-Type, so it is not clear whether it is a query, an "
            "update or a form",
            hint=HOW,
        )
    raise HttpProblem(415, f"a POST to /sparql cannot be {mt}", hint=HOW)


def _operation(
    kind: Literal["query", "update"], text: str, params: dict[str, list[str]]
) -> Operation:
    if not text.strip():
        raise HttpProblem(400, f"the {kind} is empty", hint=HOW)
    return Operation(kind, text, params)
