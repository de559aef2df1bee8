"""The app factory. Routes stay small; the store is read only through ``ReleaseStore``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ontology.namespaces import sparql_prologue

from . import examples_routes, problems
from .changes import router as changes_router
from .downloads import router as downloads_router
from .executor_pool import PoolExecutor
from .executors import make_executor, writes_enabled
from .graph_store import graph_store_router
from .limits import install_limits
from .settings import ServeSettings
from .sparql_protocol import sparql_router
from .store import NoRelease, ReleaseStore

HERE = Path(__file__).resolve().parent

COUNT_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) (SAMPLE(?nl) AS ?label) WHERE {
  ?s a ?class .
  OPTIONAL { ?class rdfs:label ?nl FILTER(LANG(?nl) = "nl") }
  FILTER(STRSTARTS(STR(?class), STR(kg:)) || ?class IN (foaf:Person, org:Organization, org:Post,
         skos:Concept, skos:ConceptScheme, schema:EducationalOrganization))
} GROUP BY ?class ORDER BY DESC(?n)
"""

SOURCES = """
SELECT ?src ?title ?date (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?src a kg:SourceDocument ; skos:prefLabel ?title .
  OPTIONAL { ?src dcterms:issued ?date }
  OPTIONAL { ?e prov:wasDerivedFrom ?src }
} GROUP BY ?src ?title ?date ORDER BY ?title
"""


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    settings = settings or ServeSettings()
    reader = ReleaseStore(settings.store, writable=writes_enabled(settings))
    executor = make_executor(settings, reader)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            if isinstance(executor, PoolExecutor):
                await executor.start()
            yield
        finally:
            await executor.aclose()

    app = FastAPI(title="Kennisgraaf", docs_url=None, redoc_url=None, lifespan=lifespan)
    install_limits(app, settings)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.settings = settings
    app.state.reader = reader
    app.state.executor = executor
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    prologue = sparql_prologue(settings.base_iri)

    @app.exception_handler(NoRelease)
    async def no_release(request: Request, exc: NoRelease) -> JSONResponse:
        return JSONResponse({"ok": False, "status": 503, "error": str(exc)}, status_code=503)

    problems.install(app)
    app.include_router(sparql_router(settings, executor, templates, reader))
    app.include_router(graph_store_router(settings, executor))
    app.include_router(examples_routes.router)
    app.include_router(downloads_router)
    app.include_router(changes_router)

    @app.get("/health")
    def health() -> JSONResponse:
        store = reader.store()
        return JSONResponse({"ok": True, "release": reader.meta.get("id"), "triples": len(store)})

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        classes = reader.select(prologue + COUNT_CLASSES)
        sources = reader.select(prologue + SOURCES)
        return templates.TemplateResponse(
            request,
            "home.html",
            {
                "classes": [
                    {
                        "iri": r["class"].value,
                        "label": r["label"].value
                        if r["label"]
                        else r["class"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1],
                        "count": int(r["n"].value),
                    }
                    for r in classes
                ],
                "sources": [
                    {
                        "iri": r["src"].value,
                        "title": r["title"].value,
                        "date": r["date"].value if r["date"] else "",
                        "count": int(r["n"].value),
                    }
                    for r in sources
                ],
                "release": reader.meta,
            },
        )

    return app
