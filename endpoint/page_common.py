"""What every page and RDF document for people and crawlers shares.

- the reader's language: ``?lang=nl|en`` wins (the visible switch sets it), then the ``lang``
  cookie, then ``Accept-Language`` by q-value; Dutch when nothing says otherwise;
- links: an IRI that the project mints is linked by its path on this server (so browsing works
  wherever it is served, whatever the base IRI); any other IRI is linked as it is;
- caching: an ``ETag`` that names the content being served (release id + writes since, see
  :attr:`ReleaseStore.version`) and the representation (language, format), ``304`` on a matching
  ``If-None-Match``, and ``Cache-Control``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from ontology.iris import path_of
from ontology.text import pick_tagged

LANGS = ("nl", "en")
DEFAULT_LANG = "nl"
LANG_COOKIE = "lang"
# Pages and RDF documents may be reused for five minutes, then revalidated with the ETag.
CACHE_CONTROL = "public, max-age=300, must-revalidate"


def reader_lang(request: Request) -> str:
    """``nl`` or ``en``: what this reader reads, from the switch, the cookie or the browser."""
    asked = chosen_lang(request)
    if asked is not None:
        return asked
    cookie = request.cookies.get(LANG_COOKIE, "").lower()
    if cookie in LANGS:
        return cookie
    return accept_language(request.headers.get("accept-language", ""))


def accept_language(header: str) -> str:
    """The best of :data:`LANGS` for an ``Accept-Language`` header (RFC 9110 q-values)."""
    best, best_q = DEFAULT_LANG, 0.0
    for order, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if primary in LANGS and q > best_q:
            best, best_q = primary, q
        elif primary == "*" and q > best_q and order == 0:
            best, best_q = DEFAULT_LANG, q
    return best


def doc_of(iri_path: str) -> str:
    """The document of a minted IRI's path: ``/id/x/y`` -> ``/doc/x/y``; ``/def…`` ->
    ``/doc/def…``; ``/graph/…`` -> ``/doc/graph/…``; any other path is its own document."""
    if iri_path.startswith("/id/"):
        return "/doc/" + iri_path[len("/id/") :]
    if iri_path == "/def" or iri_path.startswith(("/def/", "/def#", "/graph/")):
        return "/doc" + iri_path
    return iri_path


class LangLinks(NamedTuple):
    """The addresses of one page in each language, and without a choice (``x-default``: the
    language from the reader's cookie or browser)."""

    nl: str
    en: str
    default: str


def lang_links(request: Request) -> LangLinks:
    """The addresses of this page per language: its path and query with ``lang`` set (any
    ``lang`` there removed, the new one last), as Starlette's
    ``request.url.include_query_params(lang=...)`` gives them, and without ``lang``; one parse
    of the query for all three (every page has the switch and the ``hreflang`` alternates:
    20-70 us a parse). Bytes that are not UTF-8 in the query (which Starlette's URL refuses)
    become U+FFFD: the page still has its switch."""
    path = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = request.scope.get("query_string", b"").decode("utf-8", "replace").partition("#")[0]
    kept = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"])
    start = f"{path}?{kept}&" if kept else f"{path}?"
    return LangLinks(start + "lang=nl", start + "lang=en", f"{path}?{kept}" if kept else path)


def chosen_lang(request: Request) -> str | None:
    """The language the address itself asks for (``?lang=``), ``None`` when it does not."""
    asked = request.query_params.get("lang", "").lower()
    return asked if asked in LANGS else None


def address_page(
    request: Request, release: dict[str, Any], status: int, heading: str, message: str, q: str
) -> Response:
    """The page for an address that is wrong or names nothing (``not_found.html``, in the
    reader's language): ``message``, the search form filled in with ``q``, the way home. For an
    unknown IRI (``endpoint/dereference.py``) and a path no route serves
    (``endpoint/unmatched.py``)."""
    return templates.TemplateResponse(
        request,
        "not_found.html",
        {
            "lang": reader_lang(request),
            "release": release,
            "status": status,
            "heading": heading,
            "message": message,
            "q": q,
        },
        status_code=status,
        headers={"Vary": "Accept, Accept-Language, Cookie"},
    )


def href(iri: str, base: str) -> str:
    """Where a link to ``iri`` goes: for an IRI we mint, straight to its document on this server
    (the page a browser would reach through the 303, without the extra round trip); any other
    IRI as it is."""
    path = path_of(iri, base)
    return doc_of(path) if path is not None else iri


def etag_for(version: str, *variant: str) -> str:
    """A strong ETag for one representation of the content at ``version``."""
    h = hashlib.blake2s("\x1f".join((version, *variant)).encode(), digest_size=10).hexdigest()
    return f'"{h}"'


def _tags(header: str) -> Iterable[str]:
    for part in header.split(","):
        tag = part.strip()
        yield tag[2:] if tag.startswith("W/") else tag


def not_modified(request: Request, etag: str) -> Response | None:
    """A ``304`` when the client already holds this representation (``If-None-Match``)."""
    header = request.headers.get("if-none-match")
    if header and (header.strip() == "*" or etag in _tags(header)):
        return Response(status_code=304, headers=cache_headers(etag))
    return None


async def made(make: Callable[[Request], Response], request: Request, small: bool) -> Response:
    """The page ``make(request)``, made on the event loop when it is ``small`` (work of a few
    milliseconds whatever the size of the graph), else in a thread.

    A thread keeps the event loop free only for work that takes longer than Python's switch
    interval (5 ms): below that the two threads take turns holding the interpreter anyway,
    and handing a page over and back costs about half a millisecond, a third of an entity page.
    Work that grows with the data (counting thousands of links, listing a class from the store
    after a write) goes to a thread, so that it never holds up other requests."""
    if small:
        return make(request)
    return await run_in_threadpool(make, request)


def cache_headers(etag: str, vary: str = "Accept, Accept-Language, Cookie") -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": vary}


class Tagged(str):
    """A text shown on a page, with its language when that is not the page's (``lang``): a
    name or description in the other language, for want of one in the reader's. Templates
    mark it (filters ``in_lang``, ``lang_attr``) so that screen readers and translation tools
    read it in its own language (WCAG 2.1, 3.1.2 Language of Parts, level AA). Anything that
    makes a new string of it (``lower()``, slicing) gives a plain ``str``."""

    __slots__ = ("lang",)
    lang: str | None

    def __new__(cls, text: str, lang: str | None = None) -> Tagged:
        made = super().__new__(cls, text)
        made.lang = lang or None
        return made

    @classmethod
    def marked(cls, text: str, tag: str, reader: str) -> Tagged:
        """``text``, in the language ``tag`` (``""``: none), marked when that is another than
        the ``reader``'s."""
        return cls(text, tag if tag and tag != reader else None)

    @classmethod
    def of(cls, found: tuple[str, str] | None, reader: str) -> Tagged | None:
        """:meth:`marked` for ``found`` ((text, its language), as ``pick_tagged`` gives it);
        ``None`` for ``None``."""
        return None if found is None else cls.marked(*found, reader)


def pick_in(by_lang: dict[str, str], lang: str) -> Tagged | None:
    """The text a reader of ``lang`` is shown from ``by_lang`` (language, ``""`` for none, ->
    text; ``ontology.text.pick_text``), marked with its language when that is not ``lang``."""
    return Tagged.of(pick_tagged(by_lang, lang, LANGS), lang)


def in_lang(value: object) -> Markup:
    """``value`` as HTML: escaped, in a ``<span lang="...">`` when it is a :class:`Tagged` text
    in another language than the page's."""
    lang = getattr(value, "lang", None)
    text = escape(value if value is not None else "")
    return Markup(f'<span lang="{escape(lang)}">{text}</span>') if lang else text


def lang_attr(value: object) -> Markup:
    """`` lang="..."`` for an element (a link) whose content is ``value``, when that is a
    :class:`Tagged` text in another language than the page's; else nothing."""
    lang = getattr(value, "lang", None)
    return Markup(f' lang="{escape(lang)}"') if lang else Markup("")


def link(resource: object) -> Markup:
    """A shown value as HTML (a ``Shown`` of :mod:`endpoint.entity_view`, or anything with its
    ``text``, ``href``, ``lang`` and ``kind``): own IRIs link to their path, outside URLs get
    ``rel="nofollow"``, text in another language says so. Every part is escaped.

    A function, not a Jinja macro: a page shows hundreds of values, and a macro call costs
    about ten times as much; a ``Shown`` is written as ``{{ value }}`` (its ``__html__`` calls
    this), which also spares Jinja's call of a template global."""
    text = escape(getattr(resource, "text", ""))
    lang = getattr(resource, "lang", None)
    lang_attr = f' lang="{escape(lang)}"' if lang else ""
    target = getattr(resource, "href", None)
    kind = getattr(resource, "kind", "text")
    # f-strings of escaped parts: Markup's % escapes through a Python helper, 4x as slow
    if target:
        rel = ' rel="nofollow"' if kind == "url" else ""
        return Markup(f'<a href="{escape(target)}"{lang_attr}{rel}>{text}</a>')
    if kind == "code":
        return Markup(f"<code>{text}</code>")
    return Markup(f"<span{lang_attr}>{text}</span>")


def _templates() -> Jinja2Templates:
    made = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
    made.env.globals["lang_links"] = lang_links
    made.env.filters["in_lang"] = in_lang
    made.env.filters["lang_attr"] = lang_attr
    made.env.auto_reload = False  # templates change with the code, not while it runs
    return made


# The one template environment of all pages: each template compiled once per process.
templates = _templates()
