"""The query editor a browser gets on ``GET /sparql``.

The page is a plain HTML form that works without JavaScript (it submits to ``/sparql``) plus
YASGUI (``@zazuko/yasgui``, installed by ``make install`` into ``static/yasgui/`` and served
from our own origin), which ``static/kg-editor.js`` starts on top of the form. Everything the
editor needs comes with the page, in one JSON block: the endpoint (``/sparql``, same origin), the
project's prefixes, the example queries (``queries/*.rq``) and, for autocompletion, the classes
and properties of our own ontology and shapes, so that YASGUI never asks an outside vocabulary
service (LOV, prefix.cc) for suggestions.

``GET /sparql?voorbeeld=<id>`` opens the editor with that example loaded.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ontology import ONTOLOGY_DIR, iris
from ontology.namespaces import prefixes, sparql_prologue
from queries import GROUPS, Example, examples
from shapes import SHAPES_DIR

from .settings import ServeSettings

STATIC = Path(__file__).resolve().parent / "static"
YASGUI_JS = "/static/yasgui/yasgui.min.js"
YASGUI_CSS = "/static/yasgui/yasgui.min.css"

DEFAULT_QUERY = """SELECT ?soort (COUNT(?s) AS ?aantal) WHERE {
  ?s a ?soort .
} GROUP BY ?soort ORDER BY DESC(?aantal) LIMIT 25"""

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SH = "http://www.w3.org/ns/shacl#"
_CLASS_TYPES = {_OWL + "Class", _RDFS + "Class"}
_PROPERTY_TYPES = {
    _OWL + "ObjectProperty",
    _OWL + "DatatypeProperty",
    _OWL + "AnnotationProperty",
    _RDF + "Property",
}
_EXTRA_PROPERTIES = (  # used by every record but declared by no shape or ontology term
    _RDF + "type",
    _RDFS + "label",
    _RDFS + "subClassOf",
    _RDFS + "subPropertyOf",
)


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Classes and properties named in our ontology and shapes (canonical base), sorted."""
    classes: set[str] = set()
    properties: set[str] = set(_EXTRA_PROPERTIES)
    files = sorted(ONTOLOGY_DIR.glob("*.ttl")) + sorted(SHAPES_DIR.glob("*.ttl"))
    for path in files:
        with path.open("rb") as f:
            for t in ox.parse(f, format=ox.RdfFormat.TURTLE):
                p, o = t.predicate.value, t.object
                if not isinstance(o, ox.NamedNode):
                    continue
                if p == _RDF + "type" and o.value in _CLASS_TYPES:
                    classes.add(t.subject.value)
                elif p == _RDF + "type" and o.value in _PROPERTY_TYPES:
                    properties.add(t.subject.value)
                elif p in (_RDFS + "subClassOf", _SH + "targetClass", _SH + "class"):
                    classes.add(o.value)
                    if p == _RDFS + "subClassOf":
                        classes.add(t.subject.value)
                elif p == _RDFS + "subPropertyOf":
                    properties.update((o.value, t.subject.value))
                elif p == _SH + "path":
                    properties.add(o.value)
    classes = {c for c in classes if not c.startswith(_SH)}
    return tuple(sorted(classes)), tuple(sorted(properties))


def vocabulary(base: str) -> dict[str, list[str]]:
    """The terms YASGUI completes after ``a`` (classes) and in predicate position (properties)."""
    classes, properties = _vocabulary()
    return {
        "classes": [iris.rebase(c, base) for c in classes],
        "properties": [iris.rebase(p, base) for p in properties],
    }


def assets_installed() -> bool:
    return (STATIC / "yasgui" / "yasgui.min.js").is_file()


def _groups(items: tuple[Example, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": group,
            "label": nl,
            "label_en": en,
            "examples": [e for e in items if e.group == group],
        }
        for group, (nl, en) in GROUPS.items()
        if any(e.group == group for e in items)
    ]


def editor_page(
    request: Request, templates: Jinja2Templates, settings: ServeSettings
) -> HTMLResponse:
    base = settings.base_iri
    items = examples(base)
    chosen = next((e for e in items if e.id == request.query_params.get("voorbeeld")), None)
    query = chosen.query if chosen else sparql_prologue(base) + "\n" + DEFAULT_QUERY
    reader = getattr(request.app.state, "reader", None)
    config = {
        "endpoint": "/sparql",
        "query": query,
        "tabName": chosen.title if chosen else "Query",
        "prefixes": prefixes(base),
        "examples": [
            {
                "id": e.id,
                "title": e.title,
                "group": e.group,
                "description": e.description,
                "query": e.query,
            }
            for e in items
        ],
        **vocabulary(base),
    }
    return templates.TemplateResponse(
        request,
        "sparql.html",
        {
            "query": query,
            "chosen": chosen,
            "groups": _groups(items),
            "config": config,
            "yasgui_js": YASGUI_JS,
            "yasgui_css": YASGUI_CSS,
            "assets_installed": assets_installed(),
            "release": getattr(reader, "meta", None) or {},
        },
    )
