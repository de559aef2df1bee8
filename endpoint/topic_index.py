"""The members of a theme or target group, from the release's index.

``kennisgraaf build`` writes every concept of the topic schemes with its members, each under the
class its page shows it under and with its place there per language, what an evidence item
without a concept of its own is about (``vias``) and the notation of an evidence item's
strength, and what a page shows of each evidence item and claim (``ingest/topic_index.py``:
tables ``topic``, ``topic_row`` and ``evidence_field``). A topic page reads here how many
members each class has and the rows it shows of each (25 of a class, by place), with their names
in the reader's language from the class listing (``endpoint/class_listing.py``: the same as
``texts_of`` gives), instead of two reads by pattern per member (a theme of 1,600 members at 1M
triples: 50 ms) or all of its 2,200 rows (17 ms, and as long again to group and sort them); and
the fields of the evidence it shows in one more query (5-10 ms by SPARQL).

The tables describe the release as built: after a write to the live store, for an index without
them, for a concept that is not in them and for one with a member the class listing does not
name, :meth:`IndexedTopics.listing` says ``None`` and the page reads the store
(``endpoint/topic_pages.py``), as the links (``endpoint/incoming_index.py``) and the labels
(``endpoint/index_labels.py``) do.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from .class_listing import has_member_texts
from .search_index_reader import has_tables, read_as_built, rows_by_iri
from .store import ReleaseStore

# member, what it is about when it has no concept of its own (space-separated IRIs, '' for
# none), notation of its strength, its name in the reader's language and the language of that
# name ('' for none)
MemberRow = tuple[str, str, str | None, str, str]
# evidence item or claim, field, value, strength of a supporter ('' for none)
FieldRow = tuple[str, str, str, str]

COUNTS = "SELECT class, COUNT(*) FROM topic_row WHERE topic = ? GROUP BY class"
# one query per language: a column cannot be a parameter
ROWS = {
    lang: f"""SELECT t.member, t.vias, t.notation, m.name_{lang}, m.lang_name_{lang}
    FROM topic_row AS t JOIN member AS m ON m.iri = t.member
    WHERE t.topic = ? AND t.class = ? AND t.pos_{lang} >= ? AND t.pos_{lang} < ?
    ORDER BY t.pos_{lang}"""
    for lang in ("nl", "en")
}


class Listing(NamedTuple):
    topic: int  # its id in the index (for :meth:`IndexedTopics.rows`)
    counts: dict[str, int]  # per class that members show under, how many


class IndexedTopics:
    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader

    def listing(self, concept: str, prop: str) -> Listing | None:
        """How many members of ``concept`` (a thing has it through ``prop``) show under each
        class; ``None`` when the index cannot say (see the module)."""

        def read(db: sqlite3.Connection) -> Listing | None:
            found = db.execute(
                "SELECT id, ordered FROM topic WHERE concept = ? AND property = ?",
                (concept, prop),
            ).fetchone()
            if found is None or not found[1]:
                return None
            return Listing(found[0], dict(db.execute(COUNTS, found[:1]).fetchall()))

        return read_as_built(self.reader, "topics", _usable, read)

    def rows(
        self, topic: int, cls: str, lang: str, start: int, size: int
    ) -> list[MemberRow] | None:
        """The members of ``topic`` (of :meth:`listing`) shown under ``cls`` at the places
        ``start`` to ``start + size`` in the order for readers of ``lang``, named for them;
        ``None`` when the index cannot say after all."""
        return read_as_built(
            self.reader,
            "topics",
            _usable,
            lambda db: db.execute(ROWS[lang], (topic, cls, start, start + size)).fetchall(),
        )

    def holders(self, prop: str) -> dict[str, int] | None:
        """Per concept that things have through ``prop``, how many distinct things have it
        (the counts of the index pages), ``None`` when the index cannot say."""

        def read(db: sqlite3.Connection) -> dict[str, int]:
            query = "SELECT concept, holders FROM topic WHERE property = ?"
            return dict(db.execute(query, (prop,)).fetchall())

        return read_as_built(self.reader, "topic_holders", _has_holders, read)

    def evidence_fields(self, iris: list[str]) -> list[FieldRow] | None:
        """The fields of the evidence items and claims ``iris`` as the build listed them (the
        rows of ``EVIDENCE`` in ``endpoint/topic_pages.py``), ``None`` when the index cannot
        say; only for members this index listed (the store may have changed since)."""
        select = "SELECT iri, field, value, strength FROM evidence_field"
        return read_as_built(
            self.reader, "topics", _usable, lambda db: rows_by_iri(db, select, iris)
        )


_HAS_TABLES = has_tables("topic", "topic_row", "evidence_field")


def _has_holders(db: sqlite3.Connection) -> bool:
    """Whether the index counts the things that have each concept (one built before not)."""
    return "holders" in {r[1] for r in db.execute("PRAGMA table_info(topic)")}


def _usable(db: sqlite3.Connection) -> bool:
    """The topic tables, and the class listing's names and their index (the join's)."""
    return _HAS_TABLES(db) and has_member_texts(db)
