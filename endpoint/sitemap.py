"""``/robots.txt`` and the sitemaps: every page for people, for search engines (vindbaarheid).

A page that no link from the home page reaches in a few steps is found late or never by a
crawler; the sources ask for one *findable* place. So, in the protocol every search engine reads
(https://www.sitemaps.org/protocol.html, version 0.9):

* ``/robots.txt``: crawlers may read the pages and their RDF documents, not what answers
  questions (``/sparql``, ``/store``, ``/search``, ``/changes``, the downloads: every request
  there is work for this server, and none is a page of its own); it names the sitemap.
* ``/sitemap.xml``: a sitemap index of the parts below.
* ``/sitemap/{n}.xml``: at most :data:`PER_PART` addresses each. First the entry pages (home,
  the theme and target-group indexes, the class list, the catalogue), the page of every theme
  and target group, the first page of every class's list; then the document of every thing of
  the graph that has a kind (``rdf:type``), in IRI order: from the build's class listing
  (``member``, one indexed read per part), or, after a write to the live store, from the store.

Addresses are absolute, on the origin the request came to (a sitemap may only list its own
host). Hash IRIs are left out: their triples are in the document of the IRI before the ``#``.
Each answer carries an ``ETag`` of the release (and its writes) and is cached like a page.
"""

from __future__ import annotations

import sqlite3
import threading
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ontology.iris import TOPIC_SCHEMES, is_slug, scheme_iri
from ontology.namespaces import CANONICAL_BASE, STANDARD_PREFIXES

from .class_listing import class_counts
from .class_pages import CLASSES
from .page_common import cache_headers, etag_for, href, not_modified
from .problems import HttpProblem
from .search_index_reader import has_tables, read_as_built
from .store import ReleaseStore

PER_PART = 50_000  # the protocol's limit of addresses in one sitemap
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML = "application/xml; charset=utf-8"
URL_SAFE = "/?:@!$&'()*+,;=-._~%"  # what stays as it is in a path and query (RFC 3986)
TOPIC_PATHS = {"thema": "/thema", "doelgroep": "/doelgroep"}
ENTRY_PAGES = ("/", "/themas", "/doelgroepen", "/klassen", "/catalog")
HIDDEN = ("/sparql", "/store", "/search", "/changes", "/download/")

CONCEPTS = "SELECT ?c $scheme WHERE { ?c <%s> $scheme }" % (STANDARD_PREFIXES["skos"] + "inScheme")
# every thing with a kind; chosen and sorted in Python (with the FILTER and ORDER BY in the
# query: 10.5 s at 1M triples, without: 1 s)
THINGS = "SELECT DISTINCT ?s WHERE { ?s a ?class }"
# the class listing of the build: every thing with a kind, once
COUNT_MEMBERS = "SELECT count(*) FROM member WHERE iri >= ? AND iri < ? AND instr(iri, '#') = 0"
MEMBERS = (
    "SELECT iri FROM member WHERE iri >= ? AND iri < ? AND instr(iri, '#') = 0 "
    "ORDER BY iri LIMIT ? OFFSET ?"
)
_HAS_MEMBERS = has_tables("member")
# the last list read from the store: (store folder, version, base), paths
_from_store: tuple[tuple[str, str, str], list[str]] | None = None
_from_store_lock = threading.Lock()

router = APIRouter()


def _base(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return str(getattr(settings, "base_iri", CANONICAL_BASE))


def _origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _xml(body: str, etag: str) -> Response:
    return Response(body, media_type=XML, headers=cache_headers(etag, "Accept-Encoding"))


@router.get("/robots.txt", include_in_schema=False)
def robots(request: Request) -> Response:
    lines = [
        "# Kennisgraaf: the pages and their RDF documents are for everyone to read and index;",
        "# what answers questions is not a page (every request there is work for the server).",
        "User-agent: *",
        *(f"Disallow: {p}" for p in HIDDEN),
        "",
        f"Sitemap: {_origin(request)}/sitemap.xml",
        "",
    ]
    return Response("\n".join(lines), media_type="text/plain; charset=utf-8")


class Addresses:
    """The paths a sitemap lists, of the release served (see the module)."""

    def __init__(self, reader: ReleaseStore, base: str) -> None:
        self.reader = reader
        self.base = base

    def entry(self) -> list[str]:
        """The entry pages, the topic pages and the first page of every class's list."""
        paths = list(ENTRY_PAGES)
        for scheme, _prop in TOPIC_SCHEMES:
            prefix = scheme_iri(self.base, scheme) + "/"
            found = self.reader.select(CONCEPTS, {ox.Variable("scheme"): ox.NamedNode(prefix[:-1])})
            slugs = sorted(
                slug
                for r in found
                if isinstance(r["c"], ox.NamedNode)
                and r["c"].value.startswith(prefix)
                and is_slug(slug := r["c"].value[len(prefix) :])
            )
            paths += [f"{TOPIC_PATHS[scheme]}/{s}" for s in slugs]
        counts = class_counts(self.reader)
        classes = (
            sorted(counts)
            if counts is not None
            else sorted(r["class"].value for r in self.reader.select(CLASSES))
        )
        paths += ["/klasse?" + urlencode({"iri": c}) for c in classes]
        return paths

    def _bounds(self) -> tuple[str, str]:
        """The IRIs we mint sort from the base to the base with its last character raised."""
        return self.base, self.base[:-1] + chr(ord(self.base[-1]) + 1)

    def things(self) -> int | None:
        """How many things with a kind the build listed; ``None`` when the index cannot say."""
        return read_as_built(
            self.reader,
            "sitemap",
            _HAS_MEMBERS,
            lambda db: int(db.execute(COUNT_MEMBERS, self._bounds()).fetchone()[0]),
        )

    def thing_paths(self, start: int, size: int) -> list[str] | None:
        """The documents of the things at places ``start`` to ``start + size - 1`` in IRI
        order, from the index; ``None`` when it cannot say."""

        def read(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(MEMBERS, (*self._bounds(), size, start)).fetchall()
            return [href(r[0], self.base) for r in rows]

        return read_as_built(self.reader, "sitemap", _HAS_MEMBERS, read)

    def all_thing_paths(self) -> list[str]:
        """The documents of every thing with a kind, from the store (after a write): read once
        per version of the store (a second, at 1M triples), as every part needs them."""
        global _from_store
        key = (str(self.reader.root), self.reader.version, self.base)
        with _from_store_lock:
            if _from_store is None or _from_store[0] != key:
                iris = sorted(
                    r["s"].value
                    for r in self.reader.select(THINGS)
                    if isinstance(r["s"], ox.NamedNode)
                    and r["s"].value.startswith(self.base)
                    and "#" not in r["s"].value
                )
                _from_store = (key, [href(i, self.base) for i in iris])
            return _from_store[1]

    def parts(self) -> tuple[list[str], int]:
        """The entry paths and how many parts the sitemap has."""
        entry = self.entry()
        n = self.things()
        if n is None:
            n = len(self.all_thing_paths())
        return entry, max(1, -(-(len(entry) + n) // PER_PART))

    def part(self, number: int) -> list[str] | None:
        """The paths of part ``number`` (from 1), ``None`` past the last."""
        entry, parts = self.parts()
        if not 1 <= number <= parts:
            return None
        start = (number - 1) * PER_PART
        paths = entry[start : start + PER_PART]
        skip = max(0, start - len(entry))
        wanted = PER_PART - len(paths)
        listed = self.thing_paths(skip, wanted)
        if listed is None:
            listed = self.all_thing_paths()[skip : skip + wanted]
        return paths + listed


def _loc(origin: str, path: str) -> str:
    return f"<loc>{escape(origin + quote(path, safe=URL_SAFE))}</loc>"


def _index(request: Request) -> Response:
    reader: ReleaseStore = request.app.state.reader
    etag = etag_for(reader.version, "sitemap-index", _origin(request))
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    with reader.pinned():
        _entry, parts = Addresses(reader, _base(request)).parts()
    origin = _origin(request)
    items = "".join(
        f"<sitemap>{_loc(origin, f'/sitemap/{n}.xml')}</sitemap>\n" for n in range(1, parts + 1)
    )
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">\n{items}</sitemapindex>\n'
    return _xml(body, etag)


def _part(request: Request, number: int) -> Response:
    reader: ReleaseStore = request.app.state.reader
    etag = etag_for(reader.version, "sitemap", str(number), _origin(request))
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    with reader.pinned():
        paths = Addresses(reader, _base(request)).part(number)
    if paths is None:
        raise HttpProblem(
            404,
            f"the sitemap has no part {number}",
            hint="the parts are listed in /sitemap.xml",
        )
    origin = _origin(request)
    items = "".join(f"<url>{_loc(origin, p)}</url>\n" for p in paths)
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n{items}</urlset>\n'
    return _xml(body, etag)


@router.get("/sitemap.xml", include_in_schema=False)
async def sitemap_index(request: Request) -> Response:
    return await run_in_threadpool(_index, request)


@router.get("/sitemap/{name}", include_in_schema=False)
async def sitemap_part(request: Request, name: str) -> Response:
    stem, _, ext = name.partition(".")
    if ext != "xml" or not stem.isdigit() or len(stem) > 6:
        raise HttpProblem(
            404,
            f"there is no sitemap {name!r}",
            hint="the parts are /sitemap/1.xml, /sitemap/2.xml, ...; see /sitemap.xml",
        )
    return await run_in_threadpool(_part, request, int(stem))
