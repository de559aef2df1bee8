"""Every IRI the project mints resolves: Cool URIs with ``303 See Other``.

An IRI is ``{base}{path}``; the server maps its own path to the IRI with the ``base_iri``
setting, so this works for any base. IRIs name things (non-information resources); their
documents live under ``/doc/``:

==========================  =====================================  =============================
IRI path                    what it names                          document (``303`` target)
==========================  =====================================  =============================
``/id/{type}/{slug}``       a thing, a concept, a concept scheme   ``/doc/{type}/{slug}``
``/def``                    the ontology                           ``/doc/def``
``/def/{Term}``             a class or property                    ``/doc/def/{Term}``
``/def/shapes/{Shape}``     a SHACL shape or property group        ``/doc/def/shapes/{Shape}``
``/graph/{...}``            a named graph                          ``/doc/graph/{...}``
==========================  =====================================  =============================

``/doc/{...}`` negotiates by ``Accept`` (HTML, Turtle, JSON-LD, N-Triples, RDF/XML) and
answers ``200`` with ``Content-Location`` naming the fixed-format document
``/doc/{...}.html|.ttl|.jsonld|.nt|.rdf``; those are fixed (download links). The type segments
``def`` and ``graph`` under ``/id/`` are reserved for this. A hash IRI (``/id/x/y#bron-1``) is
resolved by its document, ``/doc/x/y``, which contains its triples.

``303`` and negotiated answers carry ``Vary: Accept``; every document carries ``Link`` headers
to its other formats and to its canonical address, an ``ETag`` and ``Cache-Control``. Nothing
acceptable: ``406`` with the list of formats. An unknown IRI: ``404`` with a search form (HTML)
or a short plain-text message (RDF clients).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from .entity_view import MAX_PAGE, BadParameter, EntityView, Page
from .index_labels import IndexLabels
from .negotiation import HTML, JSONLD, NTRIPLES, RDFXML, TURTLE, Format, negotiate, parse_accept
from .page_cache import PageCache
from .page_common import (
    LANG_COOKIE,
    address_page,
    cache_headers,
    chosen_lang,
    doc_of,
    etag_for,
    not_modified,
    reader_lang,
)
from .page_models import PageModels
from .rdf_document import LOOP_BUDGET, Describer, TooLarge
from .settings import ServeSettings
from .store import ReleaseStore
from .vocab_labels import VocabularyCache

OFFERS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
EXTENSIONS: dict[str, Format] = {
    "html": HTML,
    "ttl": TURTLE,
    "jsonld": JSONLD,
    "nt": NTRIPLES,
    "rdf": RDFXML,
}
EXT_OF = {f.key: ext for ext, f in EXTENSIONS.items()}
MAX_PATH = 400
# characters that an IRI cannot hold (RFC 3987) or that we never mint
BAD_CHARS = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`]")
COOKIE_AGE = 365 * 24 * 3600


class BadPath(ValueError):
    pass


def check_rest(rest: str) -> str:
    """The path after the prefix, checked: no dot segments, no empty segments, no characters an
    IRI cannot hold, not too long. Raises :class:`BadPath` with what is wrong."""
    if len(rest) > MAX_PATH:
        raise BadPath(f"the path is {len(rest)} characters long; IRIs here are at most {MAX_PATH}")
    if BAD_CHARS.search(rest):
        raise BadPath('the path holds a space, a control character or one of <>"{}|\\^`')
    for seg in rest.split("/"):
        if seg in (".", ".."):
            raise BadPath("the path holds a '.' or '..' segment; IRIs here have none")
        if seg == "":
            raise BadPath("the path holds an empty segment ('//' or a trailing '/')")
    return rest


def iri_path_of(doc_rest: str) -> str:
    """The inverse of :func:`doc_of`, for the part after ``/doc/``."""
    if doc_rest == "def" or doc_rest.startswith(("def/", "graph/")):
        return "/" + doc_rest
    return "/id/" + doc_rest


def words(rest: str) -> str:
    """The last path segment as search words: ``pilothub-xr.ttl`` -> ``pilothub xr``."""
    last = rest.rstrip("/").rsplit("/", 1)[-1].split("#")[0]
    stem, dot, ext = last.rpartition(".")
    if dot and ext in EXTENSIONS:
        last = stem
    text = re.sub(r"[-_.+]+", " ", last)
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return " ".join(text.split())[:100]


def link_header(doc: str, current: Format | None, canonical: str | None = None) -> str:
    """``rel="canonical"`` (``doc``, or the page in the language its address chose) and
    ``rel="alternate"`` for every other format."""
    links = [f'<{canonical or doc}>; rel="canonical"']
    for ext, f in EXTENSIONS.items():
        if f is not current:
            links.append(f'<{doc}.{ext}>; rel="alternate"; type="{f.media_type}"')
    return ", ".join(links)


def dereference_router(
    settings: ServeSettings,
    reader: ReleaseStore,
    templates: Jinja2Templates,
    pages: PageCache,
    labels: IndexLabels,
    models: PageModels,
) -> APIRouter:
    router = APIRouter()
    base = settings.base_iri
    describer = Describer(reader, base)
    view = EntityView(reader, base, labels)
    vocab = VocabularyCache(reader, base)

    def context(request: Request, lang: str, **extra: Any) -> dict[str, Any]:
        return {"lang": lang, "release": reader.meta, **extra}

    def with_cookie(request: Request, response: Response) -> Response:
        asked = chosen_lang(request)
        if asked is not None and request.cookies.get(LANG_COOKIE) != asked:
            response.set_cookie(LANG_COOKIE, asked, max_age=COOKIE_AGE, samesite="lax")
        return response

    def problem(
        request: Request, status: int, fmt: Format | None, title: str, message: str, rest: str
    ) -> Response:
        if fmt is not HTML:
            text = (
                f"{status} {title}\n{message}\nSearch: /search?q={words(rest).replace(' ', '+')}\n"
            )
            vary = {"Vary": "Accept, Accept-Language, Cookie"}
            return PlainTextResponse(text, status_code=status, headers=vary)
        page = address_page(request, reader.meta, status, title, message, words(rest))
        return with_cookie(request, page)

    def wanted(request: Request) -> Format | None:
        return negotiate(parse_accept(request.headers.get("accept")), OFFERS)

    def not_acceptable(where: str) -> Response:
        offered = ", ".join(f.media_type for f in OFFERS)
        text = (
            "406 Not Acceptable\nNone of the media types in your Accept header is offered "
            f"here. This resource is available as: {offered} (or application/json for "
            f"JSON-LD).\nAsk for one of these, or fetch a fixed format: "
            + ", ".join(f"{where}.{ext}" for ext in EXTENSIONS)
            + "\n"
        )
        return PlainTextResponse(text, status_code=406, headers={"Vary": "Accept"})

    def see_other(request: Request, iri_path: str) -> Response:
        try:
            rest = check_rest(iri_path.lstrip("/"))
            iri = base + rest
            ox.NamedNode(iri)
        except (BadPath, ValueError) as e:
            return problem(
                request,
                400,
                wanted(request) or HTML,
                "Bad Request",
                f"This is not an address of the Kennisgraaf: {e}.",
                iri_path,
            )
        fmt = wanted(request)
        doc = doc_of("/" + rest)
        if fmt is None:
            return not_acceptable(doc)
        if not describer.exists(iri):
            return problem(request, 404, fmt, "Not Found", not_found_text(iri), rest)
        target = doc if fmt is HTML else f"{doc}.{EXT_OF[fmt.key]}"
        if request.url.query:
            target += "?" + request.url.query
        return Response(
            status_code=303,
            headers={
                "Location": target,
                "Vary": "Accept",
                "Cache-Control": "public, max-age=300",
                "Link": link_header(doc, None),
            },
        )

    def not_found_text(iri: str) -> str:
        return (
            f"The Kennisgraaf knows nothing about <{iri}>: no triple names it. "
            "Check the address, or search for what you were looking for."
        )

    @router.api_route("/id/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def resolve_id(request: Request, rest: str) -> Response:
        return see_other(request, "/id/" + rest)

    @router.api_route("/def", methods=["GET", "HEAD"], include_in_schema=False)
    async def resolve_ontology(request: Request) -> Response:
        return see_other(request, "/def")

    @router.api_route("/def/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def resolve_term(request: Request, rest: str) -> Response:
        return see_other(request, "/def/" + rest)

    @router.api_route("/graph/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def resolve_graph(request: Request, rest: str) -> Response:
        return see_other(request, "/graph/" + rest)

    async def document(request: Request) -> Response:
        rest: str = request.path_params["rest"]
        try:
            check_rest(rest)
        except BadPath as e:
            return problem(
                request,
                400,
                wanted(request) or HTML,
                "Bad Request",
                f"This is not a document of the Kennisgraaf: {e}.",
                rest,
            )
        fixed: Format | None = None
        stem, dot, ext = rest.rpartition(".")
        if dot and "/" not in ext and ext in EXTENSIONS:
            fixed, rest = EXTENSIONS[ext], stem
        iri_path = iri_path_of(rest)
        doc = doc_of(iri_path)
        iri = base + iri_path[1:]
        try:
            ox.NamedNode(iri)
        except ValueError as e:
            return problem(
                request,
                400,
                fixed or wanted(request) or HTML,
                "Bad Request",
                f"This is not an address of the Kennisgraaf: {e}.",
                rest,
            )
        fmt = fixed or wanted(request)
        if fmt is None:
            return not_acceptable(doc)
        lang = reader_lang(request)
        chosen = chosen_lang(request) if fmt is HTML else None
        # a page whose address chose its language is the canonical page in that language
        canonical = f"{doc}?lang={chosen}" if chosen else doc
        in_param = request.query_params.get("in")
        page_param = request.query_params.get("page")
        variant = (fmt.key, lang if fmt is HTML else "", in_param or "", page_param or "")
        etag = etag_for(reader.version, doc, *variant)
        location = f"{doc}.{EXT_OF[fmt.key]}"
        vary = [] if fixed else ["Accept"]
        if fmt is HTML:
            vary += ["Accept-Language", "Cookie"]
        headers = {
            **cache_headers(etag, ", ".join(vary)),
            "Content-Location": location,
            "Link": link_header(doc, fmt, canonical),
        }
        if not vary:
            del headers["Vary"]
        cached = not_modified(request, etag)
        if cached is not None:
            cached.headers.update({k: v for k, v in headers.items() if k != "Content-Type"})
            return cached
        key = (etag, request.url.query)
        body = pages.get(key)
        if body is not None:  # rendered before for this version, document and variant
            return with_cookie(
                request, Response(body, media_type=fmt.content_type(), headers=headers)
            )
        page = 1
        if fmt is HTML and page_param is not None:
            if not page_param.isdigit() or not 1 <= int(page_param) <= MAX_PAGE:
                return problem(
                    request,
                    400,
                    HTML,
                    "Bad Request",
                    f"'page' is a whole number from 1, not {page_param[:40]!r}.",
                    rest,
                )
            page = int(page_param)
        if fmt is HTML and in_param is not None:
            try:
                ox.NamedNode(in_param)
            except ValueError:
                return problem(
                    request,
                    400,
                    HTML,
                    "Bad Request",
                    f"'in' is the IRI of a relation, not {in_param[:80]!r}.",
                    rest,
                )
        answer = partial(
            make, request, rest, iri, doc, fmt, lang, in_param, page, key, headers, canonical
        )
        # on the event loop, one release and the index looked at once (nothing awaited within:
        # the pin is the thread's)
        with reader.pinned():
            if fmt is HTML and in_param is None and page == 1:  # the build's page, if it made it
                model = models.get(iri, lang, str(request.url).partition("?")[0])
                if model is not None:
                    models.from_build += 1
                    return render(request, model, lang, doc, key, headers, canonical)
            # a few hundred triples: ~1 ms (a page once the release's vocabulary is loaded: the
            # first page of a release loads it, in a thread)
            if describer.small(iri) and (fmt is not HTML or vocab.ready()):
                try:
                    return answer(budget=LOOP_BUDGET)
                except TooLarge:  # its hash IRIs or blank nodes hold many: a thread after all
                    pass
        return await run_in_threadpool(answer)  # counts and long lists: off the event loop

    def make(
        request: Request,
        rest: str,
        iri: str,
        doc: str,
        fmt: Format,
        lang: str,
        in_param: str | None,
        page: int,
        key: tuple[str, str],
        headers: dict[str, str],
        canonical: str,
        budget: int | None = None,
    ) -> Response:
        """The document of ``iri`` in ``fmt``, made from the store and kept in ``pages``; with a
        ``budget`` of quads for its description (see :meth:`Describer.describe`)."""
        with reader.pinned():  # the whole page from one release, the symlink read once
            d = describer.describe(
                iri,
                incoming=fmt is not HTML,
                labels=labels if fmt is HTML else None,
                budget=budget,
            )
            if not d.found and not (fmt is HTML and describer.exists(iri)):
                return problem(request, 404, fmt, "Not Found", not_found_text(iri), rest)
            if fmt is not HTML:
                body = describer.serialize(d, fmt)
                pages.put(key, body)
                return Response(body, media_type=fmt.content_type(), headers=headers)
            try:
                page_view = view.build(
                    d, vocab.get(), lang, doc, str(request.url).partition("?")[0], in_param, page
                )
            except BadParameter as e:
                return problem(request, 400, HTML, "Bad Request", str(e), rest)
        models.from_store += 1
        return render(request, page_view, lang, doc, key, headers, canonical)

    def render(
        request: Request,
        page_view: Page,
        lang: str,
        doc: str,
        key: tuple[str, str],
        headers: dict[str, str],
        canonical: str,
    ) -> Response:
        """The HTML page of ``page_view``, kept in ``pages``."""
        template = (
            "graph.html"
            if page_view.graph_size is not None
            else "term.html"
            if page_view.is_term
            else "entity.html"
        )
        response = templates.TemplateResponse(
            request,
            template,
            context(
                request,
                lang,
                page=page_view,
                doc=doc,
                canonical=canonical,
                downloads=[
                    (f.label, f"{doc}.{ext}", f.media_type)
                    for ext, f in EXTENSIONS.items()
                    if f is not HTML
                ],
                base=base,
            ),
            headers=headers,
        )
        pages.put(key, bytes(response.body))
        return with_cookie(request, response)

    # A plain Starlette route: FastAPI's dependency solving for ``(request, rest)`` cost 35 us
    # of every entity page (1.1 ms), and a page needs nothing else of it. The app tries it first
    # (``app.include_hot``): documents are most of the pages.
    router.add_route("/doc/{rest:path}", document, methods=["GET", "HEAD"], include_in_schema=False)
    return router
