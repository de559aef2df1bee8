"""``GET /sparql/examples``: the example queries of the editor (``queries/*.rq``) as JSON.

Included by the app factory with ``app.include_router(examples_routes.router)``. The list is in
the editor's order (by user group); each item has ``id``, ``title`` and ``description`` in Dutch
and English (``{"nl": ..., "en": ...}``), ``group`` (researchers, teachers, directors, partners,
editors) with its ``group_label``, the ``query`` with the server's base IRI, and ``editor``, the
path that opens it in the query editor.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ontology.namespaces import CANONICAL_BASE
from queries import examples

router = APIRouter()


@router.get("/sparql/examples", response_class=JSONResponse)
def list_examples(request: Request) -> JSONResponse:
    settings = getattr(request.app.state, "settings", None)
    base = getattr(settings, "base_iri", CANONICAL_BASE)
    return JSONResponse(
        [{**e.as_json(), "editor": f"/sparql?voorbeeld={quote(e.id)}"} for e in examples(base)],
        headers={"Cache-Control": "public, max-age=300"},
    )
