"""``/sparql``: the SPARQL 1.1 Protocol (query, update) on top of an ``Executor``.

    GET  /sparql?query=...        query; result format by Accept or ?format=
    POST /sparql                  query or update (see protocol_request.py)
    GET  /sparql                  no query: the query editor for a browser, else the service
                                  description in the RDF format the client accepts (Turtle
                                  for */*)

Dataset: ``default-graph-uri`` and ``named-graph-uri`` for a query, ``using-graph-uri`` and
``using-named-graph-uri`` for an update. Relative IRIs resolve against the base IRI setting.
Updates need the bearer token (auth.py). Every answer varies by ``Accept``.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from . import service_description
from .auth import require_write_token
from .editor import editor_page
from .executor import Dataset, Executor, ExecutorError, QueryError, QueryJob, QueryResult
from .limits import check_service
from .negotiation import (
    FORMATS,
    GRAPH_OFFERS,
    HTML,
    UnknownFormat,
    by_parameter,
    choose,
    content_type,
    describe,
    job_formats,
    prefers_html,
)
from .problems import HttpProblem, from_executor_error, syntax_problem
from .protocol_request import HOW, Operation, read_operation
from .settings import ServeSettings
from .store import ReleaseStore
from .update_dataset import DatasetConflict, Rewritten, with_dataset

VARY = {"Vary": "Accept"}
_AT = re.compile(r"^error at \d+:\d+")


def unknown_format(value: str) -> HttpProblem:
    return HttpProblem(
        400,
        f"the format parameter {value!r} names no format this endpoint knows",
        hint=f"use one of: {describe(FORMATS)} (or leave it out and send an Accept header)",
    )


def graph_iris(op: Operation, name: str) -> tuple[str, ...]:
    out = []
    for value in op.all(name):
        try:
            out.append(ox.NamedNode(value).value)
        except ValueError as e:
            raise HttpProblem(
                400,
                f"the {name} parameter {value!r} is not an absolute IRI ({e})",
                hint="give the full IRI of the graph, for example https://kennisgraaf.nl/graph/...",
            ) from None
    return tuple(out)


async def run_query(
    settings: ServeSettings, executor: Executor, accept: str | None, op: Operation
) -> QueryResult:
    """The result of a query operation (``op.kind == "query"``); raises ``HttpProblem``.
    Shared by the route and the fast path (``endpoint/sparql_fastpath.py``)."""
    job = query_job(settings, accept, op)
    try:
        return await executor.query(job)
    except ExecutorError as e:
        raise from_executor_error(e, "query") from None


def query_job(settings: ServeSettings, accept: str | None, op: Operation) -> QueryJob:
    """What to run for a query operation: its text, dataset and the formats the client takes;
    raises ``HttpProblem`` for a format nobody can give and a refused ``SERVICE``."""
    try:
        formats = job_formats(accept, op.get("format"))
    except UnknownFormat as e:
        raise unknown_format(str(e)) from None
    if not any(formats.values()):
        raise HttpProblem(
            406,
            "none of the formats in your Accept header (or format parameter) can hold a "
            "query result",
            hint=f"ask for one of: {describe(FORMATS)}",
        )
    dataset = Dataset(graph_iris(op, "default-graph-uri"), graph_iris(op, "named-graph-uri"))
    try:
        check_service(op.text, settings.service_allow, settings.base_iri)
    except ExecutorError as e:
        raise from_executor_error(e, "query") from None
    return QueryJob(op.text, formats, dataset, base_iri=settings.base_iri)


async def answer_query(
    settings: ServeSettings, executor: Executor, accept: str | None, op: Operation
) -> Response:
    """The answer to a query operation as a response (the route's way)."""
    result = await run_query(settings, executor, accept, op)
    if result.body is not None:  # complete already: one plain response (Content-Length)
        return Response(result.body, media_type=content_type(result.media_type), headers=VARY)
    return StreamingResponse(
        result.chunks, media_type=content_type(result.media_type), headers=VARY
    )


def sparql_router(
    settings: ServeSettings,
    executor: Executor,
    templates: Jinja2Templates,
    reader: ReleaseStore,
) -> APIRouter:
    router = APIRouter()

    @router.api_route("/sparql", methods=["GET", "HEAD", "POST"], include_in_schema=False)
    async def sparql(request: Request) -> Response:
        op = await read_operation(request)
        if op.kind == "query":
            return await run_query(request, op)
        if op.kind == "update":
            return await run_update(request, op)
        return await without_operation(request, op)

    @router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
    async def wrong_method(request: Request) -> Response:
        raise HttpProblem(
            405,
            f"/sparql does not take {request.method}",
            hint=HOW + "; graphs are replaced or deleted through the Graph Store at /store",
            headers={"Allow": "GET, HEAD, POST"},
        )

    async def run_query(request: Request, op: Operation) -> Response:
        return await answer_query(settings, executor, request.headers.get("accept"), op)

    async def run_update(request: Request, op: Operation) -> Response:
        require_write_token(request, settings)
        default = graph_iris(op, "using-graph-uri")
        named = graph_iris(op, "using-named-graph-uri")
        try:
            rewritten = with_dataset(op.text, default, named)
        except DatasetConflict as e:
            raise HttpProblem(
                400,
                str(e),
                hint="leave out using-graph-uri/using-named-graph-uri, or the USING and WITH "
                "clauses in the update: the protocol allows only one of the two",
            ) from None
        try:
            check_service(rewritten.text, settings.service_allow, settings.base_iri)
            await executor.update(rewritten.text, base_iri=settings.base_iri)
        except QueryError as e:
            raise syntax_problem(client_position(e, rewritten), "update") from None
        except ExecutorError as e:
            raise from_executor_error(e, "update") from None
        return Response(status_code=204, headers=VARY)

    async def without_operation(request: Request, op: Operation) -> Response:
        accept = request.headers.get("accept")
        fmt = op.get("format")
        if (fmt and by_parameter(fmt, (HTML,))) or (not fmt and prefers_html(accept)):
            response = editor_page(request, templates, settings)
            response.headers["Vary"] = "Accept"
            return response
        try:
            chosen = choose(accept, fmt, GRAPH_OFFERS)
        except UnknownFormat as e:
            raise unknown_format(str(e)) from None
        if chosen is None:
            raise HttpProblem(
                400,
                "the request has no query",
                hint=HOW + ". Without a query, GET /sparql gives the service description to "
                f"a client that accepts RDF ({describe(GRAPH_OFFERS)}) and the query editor to "
                "a browser",
            )
        graphs = await executor.read(lambda store: list(store.named_graphs()))
        triples = service_description.describe(
            str(request.base_url),
            writable=settings.update_token is not None,
            named_graphs=sorted(graphs, key=str),
            release=reader.meta,
        )
        body = service_description.serialize(triples, chosen)
        return Response(body, media_type=chosen.content_type(), headers=VARY)

    return router


def client_position(e: QueryError, rewritten: Rewritten) -> QueryError:
    """The error with its position in the text the client sent (before USING was added)."""
    if e.line is None or e.column is None or not rewritten.inserts:
        return e
    line, column = rewritten.original_position(e.line, e.column)
    return QueryError(_AT.sub(f"error at {line}:{column}", str(e)), line, column)
