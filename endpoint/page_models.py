"""The content of every entity page, made once by the build: one read and a template per request.

An entity page made from the store reads the thing's quads, the labels of what it links to and
of what links to it, groups and orders its properties for people and counts its links: about
half of the time of a page (0.6 of 1.2 ms at 1M triples), where Oxigraph answers a ``DESCRIBE``
of the same thing in a fraction of it. ``kennisgraaf build`` therefore makes the
:class:`~endpoint.entity_view.Page` of every thing with a kind (the build's class listing, table
``member`` of the release's index), in Dutch and in English, with the code that makes it per
request (:meth:`EntityView.build`), and keeps them in the release's folder (:data:`FILENAME`:
``(iri, lang) -> zlib(pickle(Page))``). A request for the page of such a thing (the first page
of its links: ``in`` and ``page`` page through them from the store) reads one row and renders
the template (language, address, JSON-LD ``url`` and cookie are the request's).

The models describe the release as built, like the rest of the index: after a write to the live
store, in a release built without them, for a thing without a kind and when the code that makes
a page is not the code that made the models (:data:`FINGERPRINT`, of the modules' sources), the
page is made from the store. The file is read through the thread's connection to the release's
index (attached to it: :func:`attach`), so a page opens nothing. It is unpickled: it is as
trusted as the store beside it, written by the build into the release's own folder.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import sqlite3
import sys
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup

from ontology import evidence_fields, namespaces, text

from . import (
    class_rows,
    entity_view,
    incoming_index,
    index_labels,
    literal_format,
    page_common,
    rdf_document,
    search_heads,
    vocab_labels,
)
from .built_models import FILENAME, META, built_fingerprint, fingerprint
from .entity_view import EntityView, Html, Page, Shown, Value, script_json
from .index_labels import IndexLabels
from .page_common import doc_of, link
from .rdf_document import Describer
from .search_index_reader import FILENAME as INDEX_FILENAME
from .search_index_reader import (
    OpenIndex,
    connect_readonly,
    forget_index,
    index_as_built,
    read_from,
    reused_index,
)
from .store import ReleaseStore
from .vocab_labels import VocabularyCache

log = logging.getLogger("kennisgraaf.pages")
LANGS = ("nl", "en")
# the page's address (with the host the reader asked) stands in for this in its JSON-LD
URL_STAND_IN = "urn:kennisgraaf:page-url"
_STAND_IN_JSON = str(script_json(URL_STAND_IN))

# Whatever makes a page's content: a model made by other code is not used.
_MAKERS = (
    entity_view,
    rdf_document,
    index_labels,
    incoming_index,
    literal_format,
    page_common,
    vocab_labels,
    evidence_fields,
    namespaces,
    text,
)


FINGERPRINT = fingerprint(*_MAKERS, sys.modules[__name__])

# (a table with rowids: a model of a kilobyte or more is too large for a page of a table without)
SCHEMA = """
CREATE TABLE page (iri TEXT NOT NULL, lang TEXT NOT NULL, model BLOB NOT NULL,
                   PRIMARY KEY (iri, lang));
"""


class BuiltRelease(ReleaseStore):
    """A release the build has made but not yet published: its folder, its open store and the
    metadata the pages read (``large_documents``), read as the server reads a release."""

    def __init__(self, folder: Path, store: ox.Store, meta: dict[str, Any]) -> None:
        super().__init__(folder.parent)
        self._name = folder.name
        self._opened = (store, self._name)
        self._target = self._name
        self.meta = dict(meta)

    def current_target(self) -> str | None:
        return self._name


def write_models(
    store: ox.Store,
    folder: Path,
    meta: dict[str, Any],
    base: str,
    progress: Callable[[str], None],
) -> int:
    """Makes the page of every thing with a kind in ``folder``'s release (its store ``store``,
    its index already written), in each of :data:`LANGS`, into ``folder / FILENAME``; returns
    how many things. ``meta`` holds what the release's metadata will (``large_documents``).

    From :data:`PARALLEL_FROM` things on, worker processes make them (one per core, at most
    :data:`MAX_WORKERS`), each over the release opened read-only, a chunk of things at a time;
    this process writes what they made. The same file then gets the rows of the class pages
    (:mod:`endpoint.class_rows`) and the ranked frequent words of the search
    (:mod:`endpoint.search_heads`), each under a fingerprint of its own."""
    iris = _things(folder, base)
    out = sqlite3.connect(folder / FILENAME)
    made = 0
    try:
        out.executescript(META + SCHEMA)
        for rows in _made(store, folder, meta, base, iris):
            out.executemany("INSERT INTO page VALUES (?, ?, ?)", rows)
            made += len(rows) // len(LANGS)
            progress(f"pagina's: {made} van {len(iris)}")
        out.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (FINGERPRINT,))
        index = connect_readonly(folder / INDEX_FILENAME)
        try:
            listed = class_rows.write_rows(index, out, base)
            progress(f"rijen van klassenpagina's: {listed}")
            ranked = search_heads.write_heads(index, out)
            progress(f"veelgezochte woorden: {ranked}")
        finally:
            index.close()
        out.commit()
    finally:
        out.close()
    return made


PARALLEL_FROM = 5000  # fewer things: made in this process (a worker takes a second to start)
MAX_WORKERS = 4
CHUNK = 1000  # things a worker makes at a time
Rows = list[tuple[str, str, bytes]]


def _things(folder: Path, base: str) -> list[str]:
    """The things with a kind (the build's class listing), whose documents are ours: no hash
    IRIs (on their owner's page)."""
    db = connect_readonly(folder / INDEX_FILENAME)
    try:
        rows = db.execute("SELECT iri FROM member ORDER BY iri")
        return [iri for (iri,) in rows if iri.startswith(base) and "#" not in iri]
    finally:
        db.close()


def _made(
    store: ox.Store, folder: Path, meta: dict[str, Any], base: str, iris: list[str]
) -> Iterator[Rows]:
    chunks = [iris[i : i + CHUNK] for i in range(0, len(iris), CHUNK)]
    workers = min(os.cpu_count() or 1, MAX_WORKERS, len(chunks))
    if len(iris) < PARALLEL_FROM or workers < 2:
        maker = _Maker(BuiltRelease(folder, store, meta), base)
        try:
            for chunk in chunks:
                yield maker.make(chunk)
        finally:
            maker.close()
        return
    context = multiprocessing.get_context("spawn")  # nothing of this process's store inherited
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(str(folder), meta, base)
    ) as pool:
        yield from pool.map(_make, chunks)


class _Maker:
    """Makes pages of one release as the server makes them (``EntityView.build``)."""

    def __init__(self, reader: BuiltRelease, base: str) -> None:
        self.reader = reader
        self.base = base
        self.labels = IndexLabels(reader)
        self.view = EntityView(reader, base, self.labels)
        self.describer = Describer(reader, base)
        with reader.pinned():
            self.vocab = VocabularyCache(reader, base).get()

    def make(self, iris: list[str]) -> Rows:
        rows: Rows = []
        with self.reader.pinned():
            for iri in iris:
                d = self.describer.describe(iri, incoming=False, labels=self.labels)
                if not d.found or d.graph_size is not None:  # a graph's page counts its triples
                    continue
                doc = doc_of("/" + iri[len(self.base) :])
                for lang in LANGS:
                    page = self.view.build(d, self.vocab, lang, doc, URL_STAND_IN, None, 1)
                    rows.append((iri, lang, zlib.compress(pickle.dumps(compiled(page)), 1)))
        return rows

    def close(self) -> None:
        """Closes the index connection the labels used (the folder is about to be renamed)."""
        with contextlib.suppress(OSError, sqlite3.Error):
            forget_index(reused_index(self.reader.folder() / INDEX_FILENAME))


_worker: _Maker | None = None  # in a worker process: its maker, over the release read-only


def _start(folder: str, meta: dict[str, Any], base: str) -> None:
    global _worker
    _worker = _Maker(BuiltRelease(Path(folder), ox.Store.read_only(folder), meta), base)


def _make(iris: list[str]) -> Rows:
    assert _worker is not None, "a worker makes pages after _start"
    return _worker.make(iris)


def _html(value: Value) -> Html:
    return Html(link(value)) if isinstance(value, Shown) else value


def compiled(page: Page) -> Page:
    """``page`` with each shown value as its HTML, which is what the template writes of it (a
    string to unpickle, not an object, and no ``link()`` per value and request)."""
    return replace(
        page,
        kinds=[_html(v) for v in page.kinds],
        groups=[
            replace(g, rows=[replace(r, values=[_html(v) for v in r.values]) for r in g.rows])
            for g in page.groups
        ],
        incoming=[replace(g, items=[_html(v) for v in g.items]) for g in page.incoming],
        sources=[replace(s, label=_html(s.label)) for s in page.sources],
        evidence=[(_html(v), kind) for v, kind in page.evidence],
        evidence_themes=[_html(v) for v in page.evidence_themes],
    )


def attach(db: sqlite3.Connection) -> bool:
    """Attaches the page models beside the index ``db`` reads, when they were made by this code
    (the check of :func:`~endpoint.search_index_reader.index_as_built`, once per connection)."""
    return built_fingerprint(db, "fingerprint") == FINGERPRINT


class PageModels:
    """The pages the build made, for the release being served (see the module)."""

    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader
        # entity pages rendered from these and made from the store (/metrics)
        self.from_build = 0
        self.from_store = 0

    @staticmethod
    def _damaged(opened: OpenIndex | None, iri: str, lang: str, why: str) -> None:
        """Logs a damaged row once per thread and release (the page is made from the store)."""
        told: set[tuple[str, str]] = (
            opened.checked.setdefault("damaged pages", set()) if opened else set()
        )
        if (iri, lang) not in told:
            told.add((iri, lang))
            log.warning(
                "the page of %s (%s) that the build made cannot be read (%s); it is made from "
                "the store until the next release (run 'kennisgraaf build' to make it again)",
                iri,
                lang,
                why,
            )

    def get(self, iri: str, lang: str, page_url: str) -> Page | None:
        """The page of ``iri`` in ``lang`` at ``page_url`` (its address without the query), or
        ``None`` when the build did not make it (then make it from the store)."""
        query = "SELECT model FROM models.page WHERE iri = ? AND lang = ?"
        opened = index_as_built(self.reader, "pages", attach)
        row = read_from(opened, lambda db: db.execute(query, (iri, lang)).fetchone())
        if row is None:
            return None
        try:
            page = pickle.loads(zlib.decompress(row[0]))
        except (  # a damaged row (what unpickling raises for one): made from the store
            pickle.UnpicklingError,
            zlib.error,
            EOFError,
            AttributeError,
            ImportError,
            IndexError,
            KeyError,
            TypeError,
            ValueError,
        ) as e:
            self._damaged(opened, iri, lang, f"{type(e).__name__}: {e}")
            return None
        if not isinstance(page, Page):
            self._damaged(opened, iri, lang, f"a {type(page).__name__}, not a page")
            return None
        # on the text (Markup.replace would escape the address's quotes)
        ld = str(page.jsonld).replace(_STAND_IN_JSON, str(script_json(page_url)), 1)
        return replace(page, jsonld=Markup(ld))
