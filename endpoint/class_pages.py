"""``/klassen`` (every class with its number of instances) and ``/klasse?iri=`` (its instances).

``/klasse`` parameters: ``iri`` the class, as a full IRI or a prefixed name such as
``kg:Product``; ``sort`` one of ``label`` (default), ``-label``, ``links``, ``-links`` (how
many things refer to each instance); ``page`` from 1, :data:`PAGE_SIZE` per page. The order
and the counts come from the class listings that the build wrote into the release's index
(:mod:`endpoint.class_listing`): a page is one SQLite query for its rows, which the build made as
HTML (:mod:`endpoint.class_rows`; made here from the names and descriptions in the listing or,
after a write, in the store, when it did not). A release without the listings answers ``503``:
run ``kennisgraaf build``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import quote_plus

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ontology.namespaces import prefixes
from ontology.text import sort_key

from . import class_rows
from .class_listing import SORTS, ClassListing, NoListing, class_counts, open_listing, texts_of
from .class_rows import row_html
from .entity_view import Html
from .entry_common import BadInput, Page, page_number, param, templates
from .entry_labels import curie
from .page_common import made
from .ui_text import fill, texts

router = APIRouter()
PAGE_SIZE = 50
UNAVAILABLE = {"nl": "Niet beschikbaar", "en": "Not available"}

CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class FILTER(isIRI(?s) && isIRI(?class))
} GROUP BY ?class
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


def unavailable(view: Page, message: str, links: list[tuple[str, str]]) -> Response:
    """A ``503`` page (:meth:`Page.error` titles every non-400 "not found")."""
    title = UNAVAILABLE.get(view.lang, UNAVAILABLE["en"])
    body = templates.get_template("entry_error.html").render(
        view.context({"status": 503, "title": title, "message": message, "links": links})
    )
    return HTMLResponse(body, status_code=503, headers={"Cache-Control": "no-store"})


def sort_param(request: Request) -> str:
    sort = param(request, "sort", "label").strip() or "label"
    if sort not in SORTS:
        raise BadInput("err_bad_sort", value=repr(sort[:40]), choices=", ".join(SORTS))
    return sort


@router.get("/klassen", response_model=None)
async def classes(request: Request) -> Response:
    # from the build's counts (a few ms) on the event loop; after a write, counted in a thread
    return await made(_classes, request, small=not request.app.state.reader.writes)


def _classes(request: Request) -> Response:
    view = Page.of(request)
    if (unchanged := view.unchanged()) is not None:
        return unchanged
    # counted by the build, like the class pages' listings (1.2 s at 1M triples with SPARQL)
    counts = class_counts(view.reader)
    if counts is None:
        counts = {r["class"].value: int(r["n"].value) for r in view.reader.select(CLASSES)}
    names = texts_of(view.reader, counts)
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
    rows.sort(key=lambda r: (sort_key(str(r["label"])), str(r["iri"])))
    return view.render("klassen.html", {"classes": rows})


def class_urls(view: Page, class_iri: str) -> Callable[[str, int | None], str]:
    """The addresses of the pages of ``class_iri``'s listing by sort and page number, as
    ``view.url("/klasse", iri=..., sort=..., page=...)`` gives them (the default sort left
    out); the class IRI is encoded once for the ten links of a page, not once per link."""
    start = view.url("/klasse", iri=class_iri)
    start, _, lang = start.partition("&lang=")
    lang = f"&lang={lang}" if lang else ""

    def url(sort: str, page: int | None) -> str:
        by = "" if sort == "label" else "&sort=" + quote_plus(sort)
        return f"{start}{by}{'' if page is None else f'&page={page}'}{lang}"

    return url


async def class_page(request: Request) -> Response:
    # a page of the build's listing (a few ms) on the event loop; after a write, from the store
    return await made(_class_page, request, small=not request.app.state.reader.writes)


# A plain Starlette route: FastAPI's handling of the request cost ~50 us of a 1 ms page, and
# nothing of it is used (see dereference.py).
router.add_route("/klasse", class_page, methods=["GET", "HEAD"], include_in_schema=False)


def _class_page(request: Request) -> Response:
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
    first = (page - 1) * PAGE_SIZE
    try:
        with open_listing(view.reader, class_rows.usable) as listing:
            found = listing.page(class_iri, sort, view.lang, PAGE_SIZE, first)
            if found.html is not None and isinstance(listing, ClassListing):
                # the class's name and definition: once per thread and release (10% of a page)
                names = listing.kept(
                    ("texts", class_iri), lambda: texts_of(view.reader, [class_iri])
                )
    except NoListing as e:
        return unavailable(view, e.message(view.lang), to_classes)
    total = found.total
    if not total:
        return view.error(404, fill(t["err_unknown_class"], iri=class_iri), to_classes)
    pages = math.ceil(total / PAGE_SIZE)
    if page > pages:
        last = view.url("/klasse", iri=class_iri, sort=sort, page=pages)
        message = fill(t["err_page_beyond"], page=page, n=total, pages=pages, size=PAGE_SIZE)
        return view.error(404, message, [(last, t["last"]), *to_classes])
    if found.html is not None:  # the rows as the build made them
        rows = [Html(h) for h in found.html]
    else:
        shown = [iri for iri, _ in found.rows]
        listed = found.texts or {}  # the build's names of the rows; the store's for the rest
        names = texts_of(view.reader, [i for i in (class_iri, *shown) if i not in listed])
        names.update(listed)
        rows = [row_html(s, names[s], n, view.lang, view.base) for s, n in found.rows]
    label = names[class_iri].label(class_iri, view.lang)

    url = class_urls(view, class_iri)

    def page_url(n: int) -> str:
        return url(sort, n)

    return view.render(
        "klasse.html",
        {
            "class_iri": class_iri,
            "class_curie": curie(class_iri, view.base),
            "class_href": view.link(class_iri),
            "class_label": label,
            "definition": names[class_iri].description(view.lang),
            "total": total,
            "rows": Html("\n    ".join(rows)),
            "sort": sort,
            "sorts": [(s, url(s, None)) for s in SORTS],
            "page_no": page,
            "pages": pages,
            "first": first + 1,
            "last": first + len(rows),
            "prev_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if page < pages else None,
            "first_url": page_url(1),
            "last_url": page_url(pages),
        },
    )
