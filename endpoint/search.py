"""``GET /search?q=&kind=&page=``: search over labels, alternative labels and descriptions.

HTML for a browser, JSON for ``Accept: application/json`` (or ``?format=json``). The index is
the one of the release being served (``search_index_reader``); see there for matching and ranks.
Bad parameters answer 400, a release without an index and an index that cannot be read 503, in
the negotiated format. A search starts on the event loop with a budget of SQLite steps and moves
to a thread past it (``search_route``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from .negotiation import parse_accept, quality
from .page_cache import PageCache
from .page_common import cache_headers, etag_for, href, not_modified, reader_lang
from .search_heads import read_heads
from .search_index_reader import (
    Hit,
    Kind,
    NoIndex,
    OverBudget,
    Query,
    Results,
    SearchIndex,
    UnknownKind,
    open_index,
    step_budget,
)
from .settings import ServeSettings
from .store import NoRelease, ReleaseStore

PAGE_SIZE = 20
MAX_QUERY = 500
MAX_PAGE = 1000

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Zoeken",
        "label": "Zoek naar",
        "button": "Zoeken",
        "all_kinds": "alle soorten",
        "kind": "Soort",
        "results": "resultaten voor",
        "result": "resultaat voor",
        "none": "Niets gevonden. Probeer een ander of korter woord, of zoek zonder filter op soort.",
        "page": "pagina",
        "of": "van",
        "previous": "vorige",
        "next": "volgende",
        "pages": "Pagina's",
        "refine": "Per soort",
        "also": "ook",
        "help": (
            "Zoek in de namen, andere namen en beschrijvingen van organisaties, personen, "
            "programma's, hubs, teams, producten, bewijs en begrippen, in het Nederlands en het "
            "Engels. Hoofdletters en accenten maken niet uit, en woordvormen ook niet: "
            "'coordinatie' vindt 'Coördinatieteam', 'pilothubs' vindt 'Pilothub XR'. "
            "Alle woorden moeten voorkomen; een woord vindt ook woorden die ermee beginnen."
        ),
        "examples": "Bijvoorbeeld",
        "error": "Fout",
        "todo": "Wat te doen",
        "in_kind": "soort",
    },
    "en": {
        "title": "Search",
        "label": "Search for",
        "button": "Search",
        "all_kinds": "all kinds",
        "kind": "Kind",
        "results": "results for",
        "result": "result for",
        "none": "Nothing found. Try another or a shorter word, or search without the kind filter.",
        "page": "page",
        "of": "of",
        "previous": "previous",
        "next": "next",
        "pages": "Pages",
        "refine": "By kind",
        "also": "also",
        "help": (
            "Search the names, other names and descriptions of organisations, people, "
            "programmes, hubs, teams, products, evidence and concepts, in Dutch and English. "
            "Case and accents do not matter, nor do word forms: 'coordinatie' finds "
            "'Coördinatieteam', 'pilothubs' finds 'Pilothub XR'. All words must occur; a word "
            "also finds words that begin with it."
        ),
        "examples": "For example",
        "error": "Error",
        "todo": "What to do",
        "in_kind": "kind",
    },
}
EXAMPLES = ("pilothub", "learning analytics", "coördinatie", "docentondersteuning")


Said = tuple[str, str]  # the same text in Dutch and in English


class BadRequest(Exception):
    """A request the search cannot answer: what is wrong and what to do, in both languages
    (a message the store or the index gives in one text is shown as it is)."""

    def __init__(self, status: int, message: Said | str, hint: Said | str) -> None:
        self.status = status
        self.said = (message, message) if isinstance(message, str) else message
        self.hints = (hint, hint) if isinstance(hint, str) else hint
        super().__init__(self.said[1])

    def told(self, lang: str) -> Told:
        i = 1 if lang == "en" else 0
        return Told(self.status, self.said[i], self.hints[i])


@dataclass(frozen=True)
class Told:
    status: int
    message: str
    hint: str


def _format(request: Request, use_param: bool = True) -> str:
    """``json`` or ``html``: the ``format`` parameter wins, then ``Accept`` (HTML if equal)."""
    param = request.query_params.get("format", "").strip().lower() if use_param else ""
    if param in ("json", "application/json"):
        return "json"
    if param in ("html", "text/html"):
        return "html"
    if param:
        raise BadRequest(
            400,
            (f"onbekend formaat '{param[:40]}'", f"unknown format '{param[:40]}'"),
            (
                "gebruik format=html of format=json, of laat het weg en stuur een Accept-header",
                "use format=html or format=json, or leave it out and send an Accept header",
            ),
        )
    ranges = parse_accept(request.headers.get("accept"))
    js = quality(ranges, ("application/json",))
    html = quality(ranges, ("text/html", "application/xhtml+xml"))
    return "json" if js[0] > 0 and js > html else "html"


def _page(raw: str | None) -> int:
    if raw is None or raw == "":
        return 1
    try:
        page = int(raw)
    except ValueError:
        page = 0
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(
            400,
            (
                f"page is een geheel getal van 1 tot en met {MAX_PAGE}, niet '{raw[:40]}'",
                f"page must be a whole number from 1 to {MAX_PAGE}, not '{raw[:40]}'",
            ),
            (
                "laat page weg voor de eerste pagina, of volg de paginalinks bij de resultaten",
                "leave page out for the first page, or follow the page links of the results",
            ),
        )
    return page


def _link(q: str, kind: str | None, page: int, lang_param: str | None) -> str:
    params: dict[str, str] = {"q": q}
    if kind:
        params["kind"] = kind
    if page > 1:
        params["page"] = str(page)
    if lang_param:
        params["lang"] = lang_param
    return "/search?" + urlencode(params)


def _kind_names(kinds: list[Kind], lang: str) -> dict[int, str]:
    """Labels for the kind filter: a label that two kinds share gets the kind's key added."""
    count: dict[str, int] = {}
    for k in kinds:
        count[k.label(lang)] = count.get(k.label(lang), 0) + 1
    return {
        k.id: k.label(lang) if count[k.label(lang)] == 1 else f"{k.label(lang)} ({k.key})"
        for k in kinds
    }


@dataclass
class KindMenu:
    """The kind filter of the search form in one language, by name; the same for every search
    of a release (kept per thread and index: about 60 escaped values a page)."""

    names: dict[int, str]  # kind id -> its name in the menu and the facets
    kinds: list[tuple[str, str]]  # (key, name), in the menu's order
    made: dict[str | None, Markup] = field(default_factory=dict)

    @classmethod
    def of(cls, index: SearchIndex, lang: str) -> KindMenu:
        kinds = sorted(index.kinds().values(), key=lambda k: k.label(lang).casefold())
        names = _kind_names(kinds, lang)
        return cls(names, [(k.key, names[k.id]) for k in kinds])

    def options(self, selected: str | None) -> Markup:
        """The ``<option>`` of every kind, ``selected`` (a key) marked."""
        made = self.made.get(selected)
        if made is None:
            made = self.made[selected] = Markup("\n    ").join(
                Markup('<option value="{}"{}>{}</option>').format(
                    key, Markup(" selected") if key == selected else "", name
                )
                for key, name in self.kinds
            )
        return made


def _hit_json(hit: Hit, lang: str, base: str) -> dict[str, Any]:
    return {
        "iri": hit.iri,
        "path": href(hit.iri, base),
        "label": hit.label(lang),
        "kinds": [{"iri": k.iri, "key": k.key, "label": k.label(lang)} for k in hit.kinds],
        "description": hit.description(lang),
        "score": hit.score,
    }


def _hit_view(hit: Hit, lang: str, base: str) -> dict[str, Any]:
    label = hit.label(lang)
    return {
        "href": href(hit.iri, base),
        "label": label,
        "kinds": hit.kind_labels(lang),
        "description": hit.description(lang),
        "aliases": hit.aliases if hit.rank == 1 else [],
    }


def search_router(
    settings: ServeSettings, reader: ReleaseStore, templates: Jinja2Templates, pages_seen: PageCache
) -> APIRouter:
    router = APIRouter()
    base = settings.base_iri

    def problem(request: Request, fmt: str, lang: str, err: BadRequest, q: str = "") -> Response:
        told = err.told(lang)
        if fmt == "json":
            return JSONResponse(
                {"ok": False, "status": told.status, "error": told.message, "hint": told.hint},
                status_code=err.status,
                headers={"Vary": "Accept, Accept-Language, Cookie"},
            )
        return render(
            request,
            lang,
            q,
            {"kinds": [], "error": told},
            status_code=err.status,
            headers={"Vary": "Accept, Accept-Language, Cookie"},
        )

    def render(
        request: Request,
        lang: str,
        q: str,
        extra: dict[str, Any],
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The search page: what every state of it shows, plus ``extra``."""
        context = {"lang": lang, "t": TEXT[lang], "release": reader.meta, "q": q, **extra}
        return templates.TemplateResponse(
            request, "search.html", context, status_code=status_code, headers=headers
        )

    def search(request: Request, budget: int | None = None) -> Response:
        """The answer to a search; with a ``budget`` of SQLite steps for the search itself
        (:class:`OverBudget` past it)."""
        lang = reader_lang(request)
        params = request.query_params
        q = params.get("q", "")
        try:
            fmt = _format(request)
        except BadRequest as err:
            return problem(request, _format(request, use_param=False), lang, err)
        try:
            if len(q) > MAX_QUERY:
                raise BadRequest(
                    400,
                    (
                        f"de zoektekst is {len(q)} tekens lang; er mogen er ten hoogste "
                        f"{MAX_QUERY} zijn",
                        f"the search text is {len(q)} characters long; at most {MAX_QUERY} "
                        "are allowed",
                    ),
                    (
                        "zoek op een paar woorden, een naam of een deel ervan",
                        "search for a few words, a name or part of one",
                    ),
                )
            q = q.strip()
            page = _page(params.get("page"))
            kind_name = params.get("kind", "").strip() or None
            try:
                version = reader.version
            except NoRelease as e:
                raise BadRequest(
                    503,
                    str(e),
                    (
                        "voer 'kennisgraaf build' uit en probeer het dan opnieuw",
                        "run 'kennisgraaf build', then try again",
                    ),
                ) from None
            etag = etag_for(version, "search", q, kind_name or "", str(page), lang, fmt)
            cached = not_modified(request, etag)
            if cached is not None:
                return cached
            try:
                index = open_index(reader, read_heads)
            except NoIndex as e:
                raise BadRequest(
                    503,
                    str(e),
                    (
                        "de beheerder voert 'kennisgraaf build' uit; de server neemt de nieuwe "
                        "release vanzelf over",
                        "the operator runs 'kennisgraaf build'; the server picks up the new "
                        "release by itself",
                    ),
                ) from None
            # after the index is opened: a release whose index went missing still answers 503
            key = (etag, request.url.query)
            if (seen := pages_seen.get(key)) is not None:
                index.close()
                media = "application/json" if fmt == "json" else "text/html; charset=utf-8"
                return Response(seen, media_type=media, headers=cache_headers(etag))
            try:
                with index, step_budget(index.db, budget):
                    kind = _kind(index, kind_name)
                    query = Query.parse(q)
                    results = (
                        index.search(query, kind, PAGE_SIZE, (page - 1) * PAGE_SIZE)
                        if q
                        else Results(0, [], [])
                    )
                    menu = index.kept(("kind menu", lang), lambda: KindMenu.of(index, lang))
            except sqlite3.Error as e:  # damaged or unreadable: the next request opens it again
                index.forget()
                raise BadRequest(
                    503,
                    (
                        f"de zoekindex van deze release kon niet worden gelezen ({e})",
                        f"the search index of this release could not be read ({e})",
                    ),
                    (
                        "probeer het zo opnieuw; blijft het mislukken, dan maakt de beheerder "
                        "een nieuwe release met 'kennisgraaf build'",
                        "try again shortly; if it keeps failing, the operator makes a new "
                        "release with 'kennisgraaf build'",
                    ),
                ) from None
        except BadRequest as err:
            return problem(request, fmt, lang, err, q[:MAX_QUERY])
        headers = cache_headers(etag)
        if fmt == "json":
            body = {
                "query": q,
                "kind": kind.key if kind else None,
                "page": page,
                "per_page": PAGE_SIZE,
                "total": results.total,
                "results": [_hit_json(h, lang, base) for h in results.hits],
                "kinds": [
                    {"iri": k.iri, "key": k.key, "label": k.label(lang), "count": n}
                    for k, n in sorted(results.facets, key=lambda f: (-f[1], f[0].key))
                ],
            }
            answer = JSONResponse(body, headers=headers)
            pages_seen.put(key, bytes(answer.body))
            return answer
        lang_param = params.get("lang") if params.get("lang") in TEXT else None
        pages = max(1, -(-results.total // PAGE_SIZE))
        names = menu.names
        page_view = render(
            request,
            lang,
            q,
            {
                "lang_param": lang_param,
                "kind": kind,
                "kinds": menu.options(kind.key if kind else None),
                "total": results.total,
                "searched": bool(q),
                "no_words": bool(q) and not query.terms,
                "hits": [_hit_view(h, lang, base) for h in results.hits],
                "first": (page - 1) * PAGE_SIZE + 1,
                "page": page,
                "pages": pages,
                "previous": _link(q, kind.key if kind else None, page - 1, lang_param)
                if page > 1
                else None,
                "next": _link(q, kind.key if kind else None, page + 1, lang_param)
                if page < pages and page < MAX_PAGE
                else None,
                # the kinds of the hits, when choosing one of them would narrow the results
                "facets": [
                    (names[k.id], n, _link(q, k.key, 1, lang_param))
                    for k, n in sorted(results.facets, key=lambda f: (-f[1], names[f[0].id]))
                ]
                if any(n < results.total for _k, n in results.facets)
                else [],
                "all_link": _link(q, None, 1, lang_param) if kind else None,
                "examples": [(e, _link(e, None, 1, lang_param)) for e in EXAMPLES],
            },
            headers=headers,
        )
        pages_seen.put(key, bytes(page_view.body))
        return page_view

    async def search_route(request: Request) -> Response:
        """A search on the event loop while its SQLite work stays within ``LOOP_STEPS`` (about
        2 ms: most searches name a few things and take 0.05-1 ms, and handing one to a thread
        and back cost 0.3 ms of its 1.1 ms); past that it stops and runs again in a thread, so
        that a common word (30-80 ms at 1M triples) never holds up other requests."""
        try:
            return search(request, LOOP_STEPS)
        except OverBudget:
            return await run_in_threadpool(search, request)

    # A plain Starlette route: FastAPI's handling of the request costs a cold search ~50 us and
    # nothing of it is used (see dereference.py).
    router.add_route("/search", search_route, methods=["GET", "HEAD"], include_in_schema=False)
    return router


LOOP_STEPS = 60_000  # SQLite steps a search may take on the event loop (about 2 ms at 1M)


def _kind(index: SearchIndex, name: str | None) -> Kind | None:
    if name is None:
        return None
    try:
        return index.kind(name)
    except UnknownKind:
        known = ", ".join(sorted(k.key for k in index.kinds().values())[:40])
        raise BadRequest(
            400,
            (f"onbekende soort '{name[:80]}'", f"unknown kind '{name[:80]}'"),
            (
                f"laat kind weg om in alles te zoeken, of gebruik een van: {known}",
                f"leave kind out to search everything, or use one of: {known}",
            ),
        ) from None
