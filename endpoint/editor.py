"""The query editor a browser gets on ``GET /sparql``: a plain HTML form that works without
JavaScript (it submits to ``/sparql`` and the browser shows the result)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ontology.namespaces import sparql_prologue

from .settings import ServeSettings

DEFAULT_QUERY = """SELECT ?soort (COUNT(?s) AS ?aantal) WHERE {
  ?s a ?soort .
} GROUP BY ?soort ORDER BY DESC(?aantal) LIMIT 25"""


def editor_page(
    request: Request, templates: Jinja2Templates, settings: ServeSettings
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "sparql.html",
        {
            "query": sparql_prologue(settings.base_iri) + "\n" + DEFAULT_QUERY,
            "release": getattr(request.app.state, "release_meta", {}),
        },
    )
