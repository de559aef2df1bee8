"""``/klassen`` (every class with its number of instances) and ``/klasse?iri=`` (its instances).

``/klasse`` parameters: ``iri`` the class, as a full IRI or a prefixed name such as
``kg:Product``; ``sort`` one of ``label`` (default), ``-label``, ``links``, ``-links`` (how
many things refer to each instance); ``page`` from 1, :data:`PAGE_SIZE` per page. The class IRI
reaches the store only as a bound variable (pyoxigraph ``substitutions``).
"""

from __future__ import annotations

import math

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ontology.namespaces import prefixes

from .class_order import SORTS, ordered
from .entry_common import BadInput, Page, page_number, param
from .entry_labels import curie, fetch_texts, short, sort_key, values_block
from .ui_text import fill, texts

router = APIRouter()
PAGE_SIZE = 50

CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class FILTER(isIRI(?s) && isIRI(?class))
} GROUP BY ?class
"""

INCOMING = """
SELECT ?s (COUNT(DISTINCT ?x) AS ?n) WHERE { VALUES ?s { %s } ?x ?p ?s } GROUP BY ?s
"""


def parse_class(raw: str, base: str) -> str:
    """The class IRI in ``raw`` (a full IRI or a known prefixed name), or :class:`BadInput`."""
    raw = raw.strip()
    if not raw:
        raise BadInput("err_no_class")
    prefix, sep, local = raw.partition(":")
    known = prefixes(base)
    if sep and prefix in known and not local.startswith("//"):
        raw = known[prefix] + local
    try:
        return ox.NamedNode(raw).value
    except ValueError as e:
        raise BadInput(
            "err_not_iri", value=repr(raw[:200]), reason=e, example=known["kg"] + "Product"
        ) from None


def sort_param(request: Request) -> str:
    sort = param(request, "sort", "label").strip() or "label"
    if sort not in SORTS:
        raise BadInput("err_bad_sort", value=repr(sort[:40]), choices=", ".join(SORTS))
    return sort


@router.get("/klassen", response_model=None)
def classes(request: Request) -> Response:
    view = Page.of(request)
    if (unchanged := view.unchanged()) is not None:
        return unchanged
    counts = {r["class"].value: int(r["n"].value) for r in view.reader.select(CLASSES)}
    names = fetch_texts(view.reader, counts)
    rows = [
        {
            "iri": c,
            "label": names[c].label(c, view.lang),
            "curie": curie(c, view.base),
            "count": n,
            "href": view.url("/klasse", iri=c),
        }
        for c, n in counts.items()
    ]
    rows.sort(key=lambda r: (sort_key(r["label"]), r["iri"]))
    return view.render("klassen.html", {"classes": rows})


@router.get("/klasse", response_model=None)
def class_page(request: Request) -> Response:
    view = Page.of(request)
    t = texts(view.lang)
    to_classes = [("/klassen", t["to_classes"])]
    try:
        class_iri = parse_class(param(request, "iri"), view.base)
        sort = sort_param(request)
        page = page_number(request)
    except BadInput as e:
        return view.error(400, e.message(view.lang), to_classes)
    if (unchanged := view.unchanged()) is not None:
        return unchanged
    order = ordered(request.app, view.reader, class_iri, sort, view.lang)
    if not order:
        return view.error(404, fill(t["err_unknown_class"], iri=class_iri), to_classes)
    pages = math.ceil(len(order) / PAGE_SIZE)
    if page > pages:
        last = view.url("/klasse", iri=class_iri, sort=sort, page=pages)
        message = fill(t["err_page_beyond"], page=page, n=len(order), pages=pages, size=PAGE_SIZE)
        return view.error(404, message, [(last, t["last"]), *to_classes])
    first = (page - 1) * PAGE_SIZE
    shown = order[first : first + PAGE_SIZE]
    names = fetch_texts(view.reader, [class_iri, *shown])
    links = {
        r["s"].value: int(r["n"].value) for r in view.reader.select(INCOMING % values_block(shown))
    }
    label = names[class_iri].label(class_iri, view.lang)

    def page_url(n: int) -> str:
        return view.url("/klasse", iri=class_iri, sort=None if sort == "label" else sort, page=n)

    return view.render(
        "klasse.html",
        {
            "class_iri": class_iri,
            "class_curie": curie(class_iri, view.base),
            "class_href": view.link(class_iri),
            "class_label": label,
            "definition": names[class_iri].description(view.lang),
            "total": len(order),
            "rows": [
                {
                    "iri": s,
                    "href": view.link(s),
                    "label": names[s].label(s, view.lang),
                    "description": short(names[s].description(view.lang)),
                    "links": links.get(s, 0),
                }
                for s in shown
            ],
            "sort": sort,
            "sorts": [
                (s, view.url("/klasse", iri=class_iri, sort=None if s == "label" else s))
                for s in SORTS
            ],
            "page_no": page,
            "pages": pages,
            "first": first + 1,
            "last": first + len(shown),
            "prev_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if page < pages else None,
            "first_url": page_url(1),
            "last_url": page_url(pages),
        },
    )
