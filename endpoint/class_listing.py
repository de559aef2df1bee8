"""The instances of a class in page order, read from the release's index (``search.sqlite``).

``kennisgraaf build`` writes the class listings into the release's search index
(``ingest/search_index.py``, :func:`write_listing`): per class its instances with their rank by
name in each language and their number of incoming links, with an index per order. A page is
one indexed range read (``ORDER BY … LIMIT 50 OFFSET k``), so the first request is as fast as
any other and the server keeps nothing of the listings in memory. The file is read read-only on
the connection each thread keeps to it, as the search does
(:func:`endpoint.search_index_reader.reused_index`); the class IRI and the numbers reach SQLite
only as bound parameters, the ``ORDER BY`` clause is one of the fixed ones below.

The index describes the release as built. Once the live store was written to (SPARQL Update,
Graph Store), :class:`StoreListing` gives the same listings read from the store instead, by the
same rules, so a page lists what the store holds; slower (every instance of the class and its
names are read for each page), which only a server that takes writes pays.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from ontology.text import sort_name

from .entry_labels import TEXT_COLUMNS, Texts, fetch_texts, listed_texts
from .page_common import LANGS
from .search_index_reader import (
    FORMAT,
    checked_once,
    forget_index,
    index_path,
    kept,
    read_as_built,
    reused_index,
    rows_by_iri,
)
from .store import ReleaseStore

log = logging.getLogger("kennisgraaf.pages")
T = TypeVar("T")
SORTS = ("label", "-label", "links", "-links")

# (sort, lang) -> the column of each member's place in its class in that order (the build's:
# ties by the rank, which already follows the IRI), and whether the page reads it backwards.
PLACES = {
    (sort, lang): place
    for lang in ("nl", "en")
    for sort, place in (
        ("label", (f"pos_label_{lang}", False)),
        ("-label", (f"pos_label_{lang}", True)),
        ("links", (f"pos_links_{lang}", False)),
        ("-links", (f"pos_most_{lang}", False)),
    )
}

CLASS = "SELECT id, n FROM listed_class WHERE iri = ?"
# A page is a range of places in one index, however deep (an OFFSET would be skipped row by row:
# 2-3 ms for page 1,290 of a class of 64,000); only the page's rows are joined to their IRI.
PAGE = """
SELECT {shown} FROM (
  SELECT member, {place} FROM listing WHERE class = ? AND {place} BETWEEN ? AND ?
) p {join}
ORDER BY p.{place}{backwards}
"""
MEMBER_JOIN = "JOIN member m ON m.id = p.member"
# The rows as the build made them (endpoint/class_rows.py), in the page's language (bound last):
# the page needs nothing else of its members.
ROWS_JOIN = "LEFT JOIN models.class_row r ON r.member = p.member AND r.lang = ?"

SHOWN = ("iri", "links", *TEXT_COLUMNS)


def page_query(place: tuple[str, bool], shown: tuple[str, ...] = SHOWN, rows: bool = False) -> str:
    """:data:`PAGE` for one of :data:`PLACES`; ``rows``: each row's HTML (``r.html``) instead
    of ``shown``."""
    column, backwards = place
    select = "r.html" if rows else ", ".join("m." + c for c in shown)
    join = ROWS_JOIN if rows else MEMBER_JOIN
    return PAGE.format(
        shown=select, place=column, join=join, backwards=" DESC" if backwards else ""
    )


def place_range(place: tuple[str, bool], total: int, limit: int, offset: int) -> tuple[int, int]:
    """The first and last place of a page (read backwards from the end for a reversed order)."""
    if place[1]:
        return total - offset - limit, total - offset - 1
    return offset, offset + limit - 1


QUERIES = {
    (key, texts): page_query(place, SHOWN if texts else SHOWN[:2])
    for key, place in PLACES.items()
    for texts in (True, False)
}
ROWS_QUERIES = {key: page_query(place, rows=True) for key, place in PLACES.items()}
TABLES = ("listed_class", "member", "listing")

MESSAGES = {
    "nl": (
        "de release die nu wordt geserveerd heeft geen bruikbare klassenlijsten: {why}; maak "
        "een nieuwe release met 'kennisgraaf build' en probeer het dan opnieuw"
    ),
    "en": (
        "the release being served has no usable class listings: {why}; make a new release "
        "with 'kennisgraaf build', then try again"
    ),
}
REASONS = {
    "nl": {
        "missing": "de release heeft geen index (search.sqlite)",
        "format": "de index is door een andere versie gemaakt (formaat {detail}, nodig: {format})",
        "unreadable": "de index is onleesbaar ({detail})",
        "tables": "de index mist de tabel(len) {detail}",
    },
    "en": {
        "missing": "the release has no index (search.sqlite)",
        "format": "the index was made by another version (format {detail}, needed: {format})",
        "unreadable": "the index cannot be read ({detail})",
        "tables": "the index lacks the table(s) {detail}",
    },
}


class NoListing(RuntimeError):
    """The release has no usable class listings (built by an older version, or damaged)."""

    def __init__(self, reason: str, detail: object = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    def message(self, lang: str) -> str:
        lang = lang if lang in MESSAGES else "en"
        why = REASONS[lang][self.reason].format(detail=self.detail, format=FORMAT)
        return MESSAGES[lang].format(why=why)


@dataclass(frozen=True)
class ListedPage:
    total: int  # instances of the class; 0 when the graph has none
    rows: list[tuple[str, int]]  # (IRI, incoming links) of the page, in order; [] with html
    # the names and descriptions of the rows, when the listing holds them (else: fetch_texts)
    texts: dict[str, Texts] | None = None
    # the rows' HTML as the build made it (endpoint/class_rows.py), when it made every one
    html: list[str] | None = None


class ClassListing:
    """One release's class listings for one request, on the thread's connection to the index
    (``search_index_reader.reused_index``), checked once per thread and file."""

    def __init__(
        self, path: Path, rows: Callable[[sqlite3.Connection], bool] | None = None
    ) -> None:
        """``rows``: whether the rows the build made can be read (asked once per thread and
        file; see :mod:`endpoint.class_rows`)."""
        try:
            self._opened = opened = reused_index(path)
        except OSError:
            raise NoListing("missing") from None
        except sqlite3.Error as e:
            raise NoListing("unreadable", e) from None
        self.db = opened.db
        self.texts: bool = checked_once(opened, "listing", _check_listing)
        try:
            self.rows = rows is not None and checked_once(opened, "class_rows", rows)
        except sqlite3.Error as e:
            raise NoListing("unreadable", e) from None

    def close(self) -> None:
        """Nothing to close: the connection stays with the thread."""

    def _unreadable(self, e: sqlite3.Error) -> NoListing:
        forget_index(self._opened)  # the next request opens the file again
        return NoListing("unreadable", e)

    def __enter__(self) -> ClassListing:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def kept(self, key: object, make: Callable[[], T]) -> T:
        """:func:`~endpoint.search_index_reader.kept` for this index (the listings describe the
        release as built)."""
        return kept(self._opened, key, make)

    def _rows(
        self, key: tuple[str, str], cid: int, total: int, limit: int, offset: int
    ) -> list[str]:
        """The page's rows as the build made them; none when it did not make one of them, and
        none from now on (in this thread and release) when they cannot be read: the page then
        makes them."""
        first, last = place_range(PLACES[key], total, limit, offset)
        try:
            made = self.db.execute(ROWS_QUERIES[key], (cid, first, last, key[1])).fetchall()
        except sqlite3.Error as e:
            self._opened.checked["class_rows"] = self.rows = False
            log.warning(
                "the class rows the build made for %s cannot be read (%s); this thread makes "
                "them per page until the next release (run 'kennisgraaf build' to make them "
                "again)",
                self._opened.key[0],
                e,
            )
            return []
        return [str(r[0]) for r in made] if all(r[0] is not None for r in made) else []

    def counts(self) -> dict[str, int]:
        """Every class with instances, and how many (distinct IRIs)."""
        try:
            return {str(i): int(n) for i, n in self.db.execute("SELECT iri, n FROM listed_class")}
        except sqlite3.Error as e:
            raise self._unreadable(e) from None

    def page(self, class_iri: str, sort: str, lang: str, limit: int, offset: int) -> ListedPage:
        """The instances ``offset`` .. ``offset + limit`` of ``class_iri`` in ``sort`` order."""
        key = (sort, lang if lang == "en" else "nl")
        query = QUERIES[key, self.texts]
        try:
            found = self.db.execute(CLASS, (class_iri,)).fetchone()
            if found is None:
                return ListedPage(0, [])
            cid, total = found
            rows = []
            html = (
                self._rows(key, cid, total, limit, offset) if self.rows and offset < total else []
            )
            if html:
                return ListedPage(int(total), [], html=html)
            if offset < total:  # (a row the build did not make: all made here)
                first, last = place_range(PLACES[key], total, limit, offset)
                rows = self.db.execute(query, (cid, first, last)).fetchall()
        except sqlite3.Error as e:
            raise self._unreadable(e) from None
        texts = {str(r[0]): listed_texts(*r[2:]) for r in rows} if self.texts else None
        return ListedPage(int(total), [(str(r[0]), int(r[1])) for r in rows], texts)


def _check_listing(db: sqlite3.Connection) -> bool:
    """Raises :class:`NoListing` for an index without usable listings; else whether its listings
    hold the names and descriptions of the rows."""
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {r[1] for r in db.execute("PRAGMA table_info(member)")}
    except sqlite3.Error as e:
        raise NoListing("unreadable", e) from None
    if version != FORMAT:
        raise NoListing("format", version)
    missing = [t for t in TABLES if t not in tables]
    if missing:
        raise NoListing("tables", ", ".join(missing))
    return set(SHOWN) <= columns


def texts_of(
    reader: ReleaseStore, iris: Iterable[str], descriptions: bool = True
) -> dict[str, Texts]:
    """The names and descriptions of ``iris`` as :func:`fetch_texts` reads them from the store:
    those of the instances of a class from the build's listing, which chose them by the same
    rules (one indexed query: 1 ms for the 300 things a theme page shows at 1M triples, against
    23 ms by pattern), the others from the store; all from the store after a write and for an
    index without the listing's texts or the index of their IRIs (``descriptions=False``: the
    store is asked for the names only)."""
    wanted = list(dict.fromkeys(iris))
    select = f"SELECT iri, {', '.join(TEXT_COLUMNS)} FROM member"
    rows = read_as_built(
        reader, "member_texts", has_member_texts, lambda db: rows_by_iri(db, select, wanted)
    )
    listed = {str(r[0]): listed_texts(*r[1:]) for r in rows or ()}
    out = fetch_texts(reader, [iri for iri in wanted if iri not in listed], descriptions)
    out.update(listed)
    return out


def has_member_texts(db: sqlite3.Connection) -> bool:
    """Whether the listing holds the names and descriptions, and the index of its IRIs."""
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    columns = {r[1] for r in db.execute("PRAGMA table_info(member)")}
    return "member_iri" in indexes and set(SHOWN) <= columns


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class StoreListing:
    """The class listings of a release written to since its build, read from the store by the
    rules the build follows (``ingest/search_index.py``: ``Listing``, ``INCOMING``): a thing
    sorts by its name as the pages read it (:func:`~endpoint.entry_labels.fetch_texts`) in the
    reader's language, else the other, else without language, else any, else its local name
    (:func:`ontology.text.sort_name`), ties by IRI; its links are the distinct things that
    refer to it, in any graph. (The numbers per class come from the callers' own ``GROUP BY``:
    :func:`class_counts` gives none after a write.)"""

    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader

    def close(self) -> None:
        return None

    def __enter__(self) -> StoreListing:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def page(self, class_iri: str, sort: str, lang: str, limit: int, offset: int) -> ListedPage:
        try:
            cls = ox.NamedNode(class_iri)
        except ValueError:
            return ListedPage(0, [])
        reader = self.reader
        with reader.pinned():
            members = {
                q.subject.value
                for q in reader.quads(None, RDF_TYPE, cls)
                if isinstance(q.subject, ox.NamedNode)
            }
            want = lang if lang == "en" else "nl"
            texts = fetch_texts(reader, members, descriptions=False)
            names = {iri: sort_name(texts[iri].labels, iri, want, LANGS) for iri in members}
            order = sorted(members, key=lambda iri: (names[iri], iri))
            links: dict[str, int] = {}
            if sort.endswith("links"):  # a stable sort: equal counts keep the order of names
                links = {iri: self.links(iri) for iri in order}
                order.sort(key=lambda iri: -links[iri] if sort.startswith("-") else links[iri])
            elif sort.startswith("-"):
                order.reverse()
            shown = order[offset : offset + limit]
            rows = [(iri, links[iri] if links else self.links(iri)) for iri in shown]
            return ListedPage(len(members), rows)

    def links(self, iri: str) -> int:
        return len({q.subject for q in self.reader.quads(None, None, ox.NamedNode(iri))})


def class_counts(reader: ReleaseStore) -> dict[str, int] | None:
    """Instances per class (IRI instances of IRI classes), as the release's build counted them;
    ``None`` when the release has no usable listings or was written to since (then ask the
    store)."""
    reader.store()  # opens the release ``current`` points to (and resets its writes)
    if reader.writes:
        return None
    try:
        with ClassListing(index_path(reader)) as listing:
            return listing.counts()
    except NoListing:
        return None


def open_listing(
    reader: ReleaseStore, rows: Callable[[sqlite3.Connection], bool] | None = None
) -> ClassListing | StoreListing:
    """The listings of the release served: from its index while the store is as built (with
    the rows the build made when ``rows`` says they can be read), else (after a write) from the
    store."""
    reader.store()  # opens the release ``current`` points to (and resets its writes)
    if reader.writes:
        return StoreListing(reader)
    return ClassListing(index_path(reader), rows)
