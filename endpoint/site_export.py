"""``kennisgraaf export --site DIR``: every page as static HTML that works from a plain file server.

The archive outlives the server (the CoP site in the sources went offline and its products had to
move). Pages are rendered by the real routes of the app, in this process (no port, no network):

1. Crawl from the home page and from every IRI of the graph under the base IRI, following every
   link to a path of our own; redirects (``/id/…`` → ``/doc/…``) are remembered as aliases.
   Pages, RDF documents, style sheets and the download files are written where a file server
   finds them: an HTML page at ``<path>/index.html``, a page with a query string
   (``/klasse?iri=…&page=2``) at ``<path>/<query as a name>/index.html``, any other file at its
   path.
2. Rewrite every link in the written pages to a relative link to the written file, so the site
   works from any folder of any file server and from ``file://``. Links to what only a live server
   can answer (the SPARQL endpoint, the Graph Store, the change feed, search with a query) point to
   the public URL instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import os
import re
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit

import pyoxigraph as ox

from .app import create_app
from .asgi_client import Answer, get
from .page_common import DEFAULT_LANG
from .settings import ServeSettings
from .store import NoRelease

Progress = Callable[[str], None]

# Paths only a live server can answer: links to them go to the public URL.
LIVE_ONLY = ("/sparql", "/store", "/changes", "/health", "/metrics")
LINK_RE = re.compile(r"""(?P<attr>\b(?:href|src|action))=(?P<q>["'])(?P<url>.*?)(?P=q)""", re.I)
SUBJECTS = """
SELECT DISTINCT ?s ?base WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?base)) }
"""
MAX_NAME = 80


class SiteError(RuntimeError):
    """A site export that cannot be written; the message says why and what to do."""


@dataclass
class SiteReport:
    pages: int = 0
    files: int = 0
    bytes: int = 0
    live_links: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)


def _query_name(query: str) -> str:
    """A file-system name for a query string: readable when short, hashed when long."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    text = "-".join(f"{k}-{v}" for k, v in pairs)
    name = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower() or "q"
    if len(name) > MAX_NAME:
        digest = hashlib.blake2s(query.encode(), digest_size=6).hexdigest()
        name = f"{name[: MAX_NAME - 13]}-{digest}"
    return name


def _normal(target: str) -> str:
    """``path?query`` without fragment, with the query's pairs in a stable order."""
    parts = urlsplit(target)
    pairs = sorted(parse_qsl(parts.query, keep_blank_values=True))
    # ``lang=nl`` is the language a page has without the parameter: one file for both
    query = urlencode([(k, v) for k, v in pairs if (k, v) != ("lang", DEFAULT_LANG)])
    return parts.path + (f"?{query}" if query else "")


def _is_own(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _own(url: str, page: str) -> str | None:
    """``url`` as found on the page at ``page`` (a path), made an absolute path of this site
    with its fragment; None for links elsewhere and for links within the page."""
    if not url or url.startswith(("#", "//")) or SCHEME_RE.match(url):
        return None
    joined = urlsplit(urljoin("http://site" + page, url))
    return (
        joined.path
        + (f"?{joined.query}" if joined.query else "")
        + (f"#{joined.fragment}" if joined.fragment else "")
    )


def _live(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") or path.startswith(p + "?") for p in LIVE_ONLY)


def file_for(target: str, answer: Answer) -> PurePosixPath:
    """Where the answer to ``target`` is written, relative to the site folder."""
    path, _, query = target.partition("?")
    parts = [unquote(p) for p in path.split("/") if p]
    if any(p in (".", "..") or "\x00" in p for p in parts):
        raise SiteError(f"refusing a path that leaves the site folder: {target}")
    rel = PurePosixPath(*parts) if parts else PurePosixPath()
    if query:
        rel = rel / _query_name(query)
    is_html = answer.media_type == "text/html"
    if is_html and rel.suffix != ".html" or path.endswith("/") or not parts:
        rel = rel / "index.html"
    return rel


class _Crawl:
    def __init__(self, settings: ServeSettings, out: Path, public: str, progress: Progress):
        self.app = create_app(settings)
        self.reader = self.app.state.reader
        self.base = settings.base_iri
        self.out = out
        self.public = public.rstrip("/")
        self.progress = progress
        self.files: dict[str, PurePosixPath] = {}  # target -> written file
        self.alias: dict[str, str] = {}  # target -> target it redirects to
        self.html: list[tuple[PurePosixPath, str]] = []  # written page, the target it answers
        self.report = SiteReport()
        self.seen: set[str] = set()
        self.queue: deque[str] = deque()

    def seeds(self) -> None:
        for target in ("/", "/klassen", "/themas", "/doelgroepen", "/download/"):
            self.add(target)
        rows = self.reader.select(SUBJECTS, {ox.Variable("base"): ox.Literal(self.base)})
        for row in rows:
            self.add("/" + row["s"].value[len(self.base) :])

    def add(self, url: str) -> None:
        if not _is_own(url):
            return
        target = _normal(url)
        if target in self.seen or _live(target.split("?")[0]):
            return
        self.seen.add(target)
        self.queue.append(target)

    async def run(self) -> None:
        while self.queue:
            target = self.queue.popleft()
            answer = await get(self.app, target, {"accept": "text/html"})
            if answer.status in (301, 302, 303, 307, 308) and "location" in answer.headers:
                loc = answer.headers["location"]
                if _is_own(loc):
                    self.alias[target] = _normal(loc)
                    self.add(loc)
                continue
            if answer.status != 200:
                self.report.missing.add(target)
                continue
            self.write(target, answer)
            if len(self.files) % 500 == 0:
                self.progress(f"{len(self.files)} bestanden geschreven ...")

    def write(self, target: str, answer: Answer) -> None:
        rel = file_for(target, answer)
        dest = self.out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(answer.body)
        self.files[target] = rel
        self.report.files += 1
        self.report.bytes += len(answer.body)
        if answer.media_type == "text/html":
            self.html.append((rel, target))
            self.report.pages += 1
            for m in LINK_RE.finditer(answer.body.decode("utf-8", "replace")):
                own = _own(html.unescape(m.group("url")), target)
                if own is not None:
                    self.add(own.split("#")[0])
        elif answer.media_type == "text/css":
            for url in re.findall(
                r"url\(['\"]?(/[^)'\"]+)", answer.body.decode("utf-8", "replace")
            ):
                self.add(url)

    def resolve(self, target: str) -> str:
        hops = 0
        while target in self.alias and hops < 10:
            target, hops = self.alias[target], hops + 1
        return target

    def relink(self, page: PurePosixPath, page_target: str) -> None:
        """Every own link in ``page`` becomes a relative link to the file written for it."""
        dest = self.out / page
        text = dest.read_text(encoding="utf-8")
        here = str(page.parent) if str(page.parent) != "." else ""

        def swap(m: re.Match[str]) -> str:
            url = _own(html.unescape(m.group("url")), page_target)
            if url is None:
                return m.group(0)
            bare, hash_, fragment = url.partition("#")
            if not bare:
                return m.group(0)
            target = self.resolve(_normal(bare))
            rel = self.files.get(target)
            if rel is None:
                self.report.live_links.add(target)
                new = self.public + bare
            else:
                new = os.path.relpath(str(rel), here or ".")
            new += hash_ + fragment
            return f"{m.group('attr')}={m.group('q')}{html.escape(new, quote=True)}{m.group('q')}"

        dest.write_text(LINK_RE.sub(swap, text), encoding="utf-8")


def export_site(
    settings: ServeSettings, out: Path, public_url: str | None = None, progress: Progress = print
) -> SiteReport:
    """Write the static site of the current release into ``out`` (replacing what is there)."""
    settings = settings.model_copy(update={"query_workers": 0, "update_token": None})
    if out.exists() and any(out.iterdir()):
        if not (out / "index.html").is_file():
            raise SiteError(
                f"{out} is niet leeg en bevat geen eerdere site-export: kies een lege of nieuwe map"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    crawl = _Crawl(settings, out, public_url or settings.base_iri, progress)
    try:
        crawl.seeds()
    except NoRelease as e:
        raise SiteError(str(e)) from None
    progress("pagina's renderen ...")
    asyncio.run(crawl.run())
    progress(f"links herschrijven in {len(crawl.html)} pagina's ...")
    for page, target in crawl.html:
        crawl.relink(page, target)
    return crawl.report
