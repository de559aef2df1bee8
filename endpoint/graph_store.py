"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol.

Which graph:
    /store?graph=IRI     the named graph IRI (a relative IRI resolves against the request URL)
    /store?default       the store's own default graph: empty after a build; SPARQL Update
                         writes there without GRAPH. (Queries on /sparql read the union of it
                         and all named graphs.)
    /store/any/path      direct identification: the graph whose IRI is the request URL itself
    /store               the graph store itself: POST makes a new graph (201 + Location)

    GET, HEAD   the graph in the format the client accepts (Turtle by default); 404 if absent;
                streamed when it is large (endpoint/graph_stream.py)
    PUT         replaces the graph (201 if it is new, 204 if it was there)
    POST        adds to the graph (201 if it is new, 204 if it was there); multipart allowed
    DELETE      removes the graph (204); 404 if absent. The default graph is emptied.

Reads are open; writes need the bearer token (auth.py) and run through ``Executor.write``. A PUT
or POST is one transaction (``write_update``): the old graph is never gone without the new one in
its place, not for a reader in between and not after a crash.
"""

from __future__ import annotations

import uuid
from itertools import islice
from urllib.parse import urljoin

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ontology.namespaces import prefixes

from .auth import require_write_token
from .executor import Executor, ExecutorError
from .graph_stream import ChunkPipe, start_dump
from .negotiation import GRAPH_OFFERS, UnknownFormat, choose, describe
from .problems import HttpProblem, from_executor_error
from .rdf_upload import read_graph
from .settings import ServeSettings

GraphName = ox.NamedNode | ox.DefaultGraph
# a graph of more triples than this is streamed (endpoint/graph_stream.py); a smaller one is
# made whole, declaring only the prefixes it uses
SMALL_GRAPH = 50_000
OFFERS = [f for f in GRAPH_OFFERS if f.key in ("ttl", "nt", "jsonld", "rdf")]
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
HOW = (
    "name the graph with ?graph=IRI or ?default (or use the graph's own URL under /store/); "
    "POST to /store itself makes a new graph"
)


def request_iri(request: Request) -> str:
    """The request URL without its query, as the client wrote it (percent-encoding kept)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    return f"{request.url.scheme}://{request.url.netloc}{path}"


def target(request: Request) -> GraphName | None:
    """The graph a request is about; None for the graph store itself."""
    q = request.query_params
    graphs = q.getlist("graph")
    has_default = "default" in q
    direct = request.url.path.rstrip("/") != "/store"
    if direct and (graphs or has_default):
        raise HttpProblem(
            400,
            "the graph is named twice: by the URL under /store/ and by ?graph or ?default",
            hint=HOW,
        )
    if graphs and has_default:
        raise HttpProblem(400, "the request has both ?graph and ?default; send one", hint=HOW)
    if len(graphs) > 1:
        raise HttpProblem(
            400, f"the request has {len(graphs)} graph parameters; send one", hint=HOW
        )
    if has_default:
        return ox.DefaultGraph()
    iri = (
        request_iri(request)
        if direct
        else (urljoin(request_iri(request), graphs[0]) if graphs else None)
    )
    if iri is None:
        return None
    try:
        return ox.NamedNode(iri)
    except ValueError as e:
        raise HttpProblem(400, f"{iri!r} is not a valid graph IRI ({e})", hint=HOW) from None


def shown(graph: GraphName) -> str:
    return "the default graph" if isinstance(graph, ox.DefaultGraph) else f"graph {graph}"


def graph_store_router(settings: ServeSettings, executor: Executor) -> APIRouter:
    router = APIRouter()
    prefix_map = prefixes(settings.base_iri)

    async def handle(request: Request) -> Response:
        graph = target(request)
        if request.method in ("GET", "HEAD"):
            return await read(request, graph)
        require_write_token(request, settings)
        try:
            if request.method == "DELETE":
                return await delete(graph)
            return await write(request, graph)
        except ExecutorError as e:
            raise from_executor_error(e, "write") from None

    router.add_api_route("/store", handle, methods=METHODS, include_in_schema=False)
    router.add_api_route("/store/{path:path}", handle, methods=METHODS, include_in_schema=False)

    async def read(request: Request, graph: GraphName | None) -> Response:
        if graph is None:
            raise HttpProblem(
                400,
                "GET /store needs the graph to read",
                hint=HOW + "; the whole store is in the downloads linked from the home page",
            )
        try:
            fmt = choose(request.headers.get("accept"), request.query_params.get("format"), OFFERS)
        except UnknownFormat as e:
            raise HttpProblem(
                400,
                f"the format parameter {str(e)!r} names no format",
                hint=f"use one of: {describe(OFFERS)}",
            ) from None
        if fmt is None:
            raise HttpProblem(
                406,
                "none of the formats in your Accept header can hold a graph",
                hint=f"ask for one of: {describe(OFFERS)}",
            )
        rdf_format = ox.RdfFormat.from_media_type(fmt.media_type)
        assert rdf_format is not None
        head_only = request.method == "HEAD"

        def dump(store: ox.Store) -> bytes | ChunkPipe | None:
            if isinstance(graph, ox.NamedNode) and not store.contains_named_graph(graph):
                return None
            if head_only:
                return b""
            quads = store.quads_for_pattern(None, None, None, graph)
            first = list(islice(quads, SMALL_GRAPH + 1))
            if len(first) > SMALL_GRAPH:  # streamed, declaring every prefix we know
                return start_dump(store, graph, rdf_format, prefix_map)
            triples = [q.triple for q in first]
            used = used_prefixes(triples, prefix_map)  # only those it uses
            return ox.serialize(triples, format=rdf_format, prefixes=used) or b""

        data = await executor.read(dump)
        if data is None:
            raise HttpProblem(
                404,
                f"there is no {shown(graph)} in the store",
                hint="check the IRI (it must match exactly, percent-encoding included); "
                "SELECT DISTINCT ?g { GRAPH ?g {} } on /sparql lists the graphs",
            )
        headers = {"Vary": "Accept"}
        if head_only:
            return Response(status_code=200, media_type=fmt.content_type(), headers=headers)
        if isinstance(data, ChunkPipe):
            return StreamingResponse(data.chunks(), media_type=fmt.content_type(), headers=headers)
        return Response(data, media_type=fmt.content_type(), headers=headers)

    async def write(request: Request, graph: GraphName | None) -> Response:
        is_post = request.method == "POST"
        if graph is None and not is_post:
            raise HttpProblem(400, f"{request.method} /store needs the graph to write", hint=HOW)
        created_iri = None
        if graph is None:
            created_iri = urljoin(str(request.base_url), f"store/{uuid.uuid4().hex}")
            graph = ox.NamedNode(created_iri)
        base = graph.value if isinstance(graph, ox.NamedNode) else request_iri(request)
        body = await request.body()
        triples = await run_in_threadpool(
            read_graph,
            body,
            request.headers.get("content-type"),
            base,
            multipart_allowed=is_post,
        )
        update = await run_in_threadpool(write_update, graph, triples, not is_post)
        target_graph = graph

        def write(store: ox.Store) -> bool:
            existed = _exists(store, target_graph)
            store.update(update)
            return existed

        existed = await executor.write(write)
        if created_iri is not None:
            return Response(status_code=201, headers={"Location": created_iri})
        return Response(status_code=204 if existed else 201)

    async def delete(graph: GraphName | None) -> Response:
        if graph is None:
            raise HttpProblem(
                400,
                "DELETE /store needs the graph to delete; the store itself is not deleted",
                hint=HOW,
            )
        target_graph = graph

        def remove(store: ox.Store) -> bool:
            if not _exists(store, target_graph):
                return False
            store.remove_graph(target_graph)
            return True

        if not await executor.write(remove):
            raise HttpProblem(404, f"there is no {shown(graph)} in the store", hint=HOW)
        return Response(status_code=204)

    return router


def write_update(graph: GraphName, triples: list[ox.Triple], replace: bool) -> str:
    """One SPARQL Update that adds ``triples`` to ``graph`` (and makes it exist), after dropping
    what it held when ``replace``: Oxigraph runs an update request as one transaction, which
    pyoxigraph's ``remove_graph`` followed by ``extend`` is not.

    No text of the request goes into it: ``triples`` are terms from the RDF parser, written by
    pyoxigraph's own N-Triples serialiser (N-Triples is a subset of the triples syntax of INSERT
    DATA, which takes no bound values), and the graph is an IRI the parser checked."""
    ops = []
    if isinstance(graph, ox.NamedNode):
        if replace:
            ops.append(f"DROP SILENT GRAPH {graph}")
        ops.append(f"CREATE SILENT GRAPH {graph}")
        opening, closing = f"INSERT DATA {{ GRAPH {graph} {{\n", "}}"
    else:
        if replace:
            ops.append("DROP SILENT DEFAULT")
        opening, closing = "INSERT DATA {\n", "}"
    if triples:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        ops.append(opening + data.decode() + closing)
    return " ;\n".join(ops)  # empty (a valid update that does nothing) for an empty POST


def used_prefixes(triples: list[ox.Triple], prefix_map: dict[str, str]) -> dict[str, str]:
    """The prefixes whose namespace some IRI of ``triples`` is in (no unused declarations)."""
    dirs: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            iri = term if isinstance(term, ox.NamedNode) else getattr(term, "datatype", None)
            if isinstance(iri, ox.NamedNode):
                v = iri.value
                dirs.add(v[: max(v.rfind("/"), v.rfind("#")) + 1])
    return {p: ns for p, ns in prefix_map.items() if any(d.startswith(ns) for d in dirs)}


def _exists(store: ox.Store, graph: GraphName) -> bool:
    return isinstance(graph, ox.DefaultGraph) or store.contains_named_graph(graph)
