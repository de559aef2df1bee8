"""The links to the most linked-to things, per relation and in page order, from the release's index.

``kennisgraaf build`` lists, for each thing with more than a few hundred links to it, the things
that link to it in the order of its page (``ingest/incoming_index.py``: tables
``incoming_list`` and ``incoming``). An entity page of such a thing reads its counts and the 25
links of each relation it shows from there, instead of every link and every label (a source with
21,000 links at 1M triples: a few milliseconds against 300).

The tables describe the release as built: after a write to the live store, for an index without
them and for a thing that is not in them, :meth:`IndexedIncoming.counts` says ``None`` and the
page reads the store (``endpoint/entity_view.py``). Read on the connection each thread keeps to
the index, of the release being served (or pinned), as the labels are
(``endpoint/index_labels.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from .rdf_document import SMALL
from .search_index_reader import OpenIndex, has_tables, index_as_built, read_from
from .store import ReleaseStore

T = TypeVar("T")


class IndexedIncoming:
    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader

    def counts(self, iri: str) -> dict[str, int] | None:
        """The number of things that link to ``iri`` per relation, ``None`` when the index cannot
        say (see the module). Asked only for a thing on the release's list of large documents
        (when it has one): every listed thing is on it, and an entity page asks for every
        thing, where the index's answer "not listed" cost 18 us of 1 ms."""
        large = self.reader.large_documents(SMALL)
        if large is not None and iri not in large:
            return None
        query = "SELECT predicate, n FROM incoming_list WHERE object = ?"
        return self._read(lambda db: dict(db.execute(query, (iri,)).fetchall()) or None)

    def evidence(self, iri: str) -> dict[str, str] | None:
        """The evidence items and claims among the links to ``iri`` with their kinds, as the
        build listed them for a thing it listed the links of; ``None`` when the index cannot
        say (ask only for a thing :meth:`counts` answered)."""
        query = "SELECT evidence, class FROM incoming_evidence WHERE object = ?"
        return self._read(lambda db: dict(db.execute(query, (iri,)).fetchall()))

    def page(self, iri: str, predicate: str, start: int, size: int) -> list[str | None] | None:
        """The things that link to ``iri`` with ``predicate`` at places ``start`` to
        ``start + size - 1`` of the page's order (``None`` for a blank node); ``None`` when the
        index cannot say."""
        query = (
            "SELECT subject FROM incoming WHERE list = "
            "(SELECT id FROM incoming_list WHERE object = ? AND predicate = ?) "
            "AND place >= ? AND place < ? ORDER BY place"
        )
        args = (iri, predicate, start, start + size)
        return self._read(lambda db: [r[0] for r in db.execute(query, args).fetchall()])

    def _read(self, read: Callable[[sqlite3.Connection], T]) -> T | None:
        return read_from(self._index(), read)

    def _index(self) -> OpenIndex | None:
        return index_as_built(self.reader, "incoming", _HAS_TABLES)


_HAS_TABLES = has_tables("incoming", "incoming_list", "incoming_evidence")
