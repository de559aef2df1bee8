"""The app factory. Routes stay small; the store is read only through ``ReleaseStore``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import examples_routes, problems, unmatched
from .changes import router as changes_router
from .class_pages import router as class_pages_router
from .dereference import dereference_router
from .downloads import router as downloads_router
from .executor_pool import PoolExecutor
from .executors import make_executor, writes_enabled
from .graph_store import graph_store_router
from .home import router as home_router
from .index_labels import IndexLabels
from .inline_http import InlineAnswer
from .limits import install_limits
from .metrics import RequestMetrics, ServerMetrics, metrics_router, route_areas
from .page_cache import BoundedCache, PageCache
from .page_common import templates
from .page_models import PageModels
from .release_opening import OpensReleaseInThread
from .response_cache import ResponseCache
from .search import search_router
from .settings import ServeSettings
from .sitemap import router as sitemap_router
from .sparql_fastpath import PATH as SPARQL_PATH
from .sparql_fastpath import SparqlFastPath
from .sparql_protocol import sparql_router
from .store import NoRelease, ReleaseStore
from .topic_pages import router as topic_pages_router

HERE = Path(__file__).resolve().parent


class KennisgraafApp(FastAPI):
    """FastAPI with a front: every request meets ``front`` first (the SPARQL fast path and the
    response cache), which answers what it can and hands the rest to the app itself."""

    front: ASGIApp | None = None
    inline: InlineAnswer | None = None  # answers without ASGI (``endpoint/inline_http.py``)
    inline_paths: frozenset[str] = frozenset()  # ... requests for these paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front is None:
            await super().__call__(scope, receive, send)
        else:
            await self.front(scope, receive, send)

    async def behind_front(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def include_hot(app: FastAPI, *routers: APIRouter, then: Callable[[], None]) -> None:
    """Includes ``routers``, their plain Starlette routes (the pages people browse most:
    documents, class pages, search) first and as routes of the app itself: FastAPI tries an
    included router's routes through a layer of its own (``_IncludedRouter``), 5-10 us a router
    passed, about 50 us of a 0.7 ms class page or search. Then ``then`` (what comes next in the
    order of routes), then the routers' other routes. The routers are left as they are
    (``create_app`` may be called again)."""
    rests = []
    for router in routers:
        rest = APIRouter()
        for route in router.routes:
            if type(route) is Route:  # not an APIRoute, a Mount or a websocket route
                app.router.routes.append(route)
            else:
                rest.routes.append(route)
        rests.append(rest)
    then()
    for rest in rests:
        app.include_router(rest)


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    settings = settings or ServeSettings()
    reader = ReleaseStore(settings.store, writable=writes_enabled(settings))
    executor = make_executor(settings, reader)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        writing = None
        try:
            if isinstance(executor, PoolExecutor):
                await executor.start()
            if settings.metrics_dir is not None:  # shared with the other server processes
                writing = asyncio.ensure_future(metrics.keep_writing())
            yield
        finally:
            if writing is not None:
                writing.cancel()
            await executor.aclose()

    # No OpenTelemetry: nothing here exports traces, and its per-request checks cost CPU.
    app = KennisgraafApp(
        title="Kennisgraaf",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_limits(app, settings)
    app.state.settings = settings
    app.state.reader = reader
    app.state.executor = executor

    @app.exception_handler(NoRelease)
    async def no_release(request: Request, exc: NoRelease) -> JSONResponse:
        return JSONResponse({"ok": False, "status": 503, "error": str(exc)}, status_code=503)

    problems.install(app)
    unmatched.install(app, reader)  # no route, no such method, no such static file
    # one bounded cache of rendered pages for documents, search and the entry pages
    pages = app.state.page_cache = PageCache(settings.page_cache_mb * 1024 * 1024)
    labels = app.state.labels = IndexLabels(reader)  # names of linked things, for the pages
    # The pages people browse first (documents first of all, then the style sheet): the router
    # tries each route in turn (3-5 us a route), and no two of these share a path, so the order
    # changes only the cost.
    models = PageModels(reader)  # the entity pages the build made
    include_hot(
        app,
        dereference_router(settings, reader, templates, pages, labels, models),
        class_pages_router,
        search_router(settings, reader, templates, pages),
        then=lambda: app.mount(
            "/static", StaticFiles(directory=str(HERE / "static")), name="static"
        ),
    )
    app.include_router(topic_pages_router)
    app.include_router(home_router)
    app.include_router(sitemap_router)
    app.include_router(sparql_router(settings, executor, templates, reader))
    app.include_router(graph_store_router(settings, executor))
    app.include_router(examples_routes.router)
    app.include_router(downloads_router)
    app.include_router(changes_router)

    @app.get("/health")
    def health() -> JSONResponse:
        triples = reader.triples()
        return JSONResponse({"ok": True, "release": reader.meta.get("id"), "triples": triples})

    responses = ResponseCache(app.behind_front, reader, settings.response_cache_mb * 1024 * 1024)
    app.state.response_cache = responses
    fast = SparqlFastPath(responses, settings, executor)
    requests = RequestMetrics(OpensReleaseInThread(fast, reader))
    caches: dict[str, BoundedCache[Any, Any]] = {"response": responses.cache, "page": pages}
    metrics = ServerMetrics(requests, reader, executor, caches, settings.metrics_dir, models)
    app.include_router(metrics_router(metrics))
    requests.areas = route_areas(app.routes)
    app.front = requests
    app.inline = requests.counted(fast.inline)
    app.inline_paths = frozenset({SPARQL_PATH})
    return app
