"""What the home, class and theme pages share: language, caching, rendering and error pages.

A route makes a :class:`Page` first; when the client already holds this representation
(``If-None-Match`` equal to the ETag of release + path + query + language) it answers ``304``
before any query runs. Otherwise it queries, then renders with :meth:`Page.render`, which adds
``lang``, ``t`` (the words in that language, :mod:`endpoint.ui_text`), ``release`` and the cache
headers. :meth:`Page.error` renders a 4xx page that says what went wrong and where to go next.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.routing import Match

from ontology.namespaces import CANONICAL_BASE

from .page_cache import PageCache
from .page_common import cache_headers, etag_for, href, not_modified, reader_lang, templates
from .store import ReleaseStore
from .ui_text import fill, texts

templates.env.filters["fill"] = fill

MAX_PARAM = 2000  # characters in one query parameter
PAGE_RE = re.compile(r"^[0-9]{1,9}$")


class BadInput(ValueError):
    """A request parameter that cannot be used: ``key`` names the message in
    :mod:`endpoint.ui_text` (which says what is wrong and what to send), ``values`` fill it."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def message(self, lang: str) -> str:
        return fill(texts(lang)[self.key], **self.values)


@dataclass
class Page:
    request: Request
    reader: ReleaseStore
    base: str
    lang: str
    etag: str

    @classmethod
    def of(cls, request: Request) -> Page:
        reader: ReleaseStore = request.app.state.reader
        settings = getattr(request.app.state, "settings", None)
        base = getattr(settings, "base_iri", CANONICAL_BASE)
        lang = reader_lang(request)
        query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()))
        etag = etag_for(reader.version, request.url.path, query, lang)
        return cls(request, reader, base, lang, etag)

    def unchanged(self) -> Response | None:
        """A ``304`` when the client holds this page, else the page if it was rendered before for
        this version and variant (see :mod:`endpoint.page_cache`), else None: render it."""
        if (response := not_modified(self.request, self.etag)) is not None:
            return response
        body = page_cache(self.request).get((self.etag, self.request.url.query))
        if body is not None:
            return HTMLResponse(body, headers=cache_headers(self.etag))
        return None

    def link(self, iri: str) -> str:
        return href(iri, self.base)

    def url(self, path: str, **params: Any) -> str:
        """``path`` with ``params`` (None dropped), keeping an explicit ``?lang=`` choice."""
        if "lang" in self.request.query_params and "lang" not in params:
            params["lang"] = self.lang
        kept = {k: v for k, v in params.items() if v is not None}
        return f"{path}?{urlencode(kept)}" if kept else path

    def answers(self, path: str) -> bool:
        """Whether this server has a route for ``path`` (so a page never links to nothing)."""
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        for route in self.request.app.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return True
        return False

    def context(self, extra: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "t": texts(self.lang),
            "release": self.reader.meta,
            "view": self,
            **extra,
        }

    def render(self, name: str, extra: Mapping[str, Any]) -> Response:
        response = templates.TemplateResponse(
            self.request, name, self.context(extra), headers=cache_headers(self.etag)
        )
        page_cache(self.request).put((self.etag, self.request.url.query), bytes(response.body))
        return response

    def error(
        self, status: int, message: str, links: list[tuple[str, str]] | None = None
    ) -> Response:
        """A 4xx page: ``message`` says what went wrong, ``links`` (href, text) where to go."""
        t = texts(self.lang)
        title = t["bad_request_title"] if status == 400 else t["error_title"]
        body = templates.get_template("entry_error.html").render(
            self.context(
                {"status": status, "title": title, "message": message, "links": links or []}
            )
        )
        return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def page_cache(request: Request) -> PageCache:
    """The app's one cache of rendered pages (``create_app`` makes it)."""
    cache: PageCache = request.app.state.page_cache
    return cache


def param(request: Request, name: str, default: str = "") -> str:
    """One query parameter, at most :data:`MAX_PARAM` characters."""
    value = request.query_params.get(name, default)
    if len(value) > MAX_PARAM:
        raise BadInput("err_too_long", name=name, n=len(value), max=MAX_PARAM)
    return value


def page_number(request: Request) -> int:
    raw = param(request, "page", "1").strip()
    if not PAGE_RE.match(raw) or int(raw) < 1:
        raise BadInput("err_bad_page", value=repr(raw[:40]))
    return int(raw)
