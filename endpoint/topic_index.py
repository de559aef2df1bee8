"""The members of a theme or target group, from the release's index.

``kennisgraaf build`` writes every concept of the topic schemes with its members, their classes,
what an evidence item without a concept of its own is about (``via``) and the notation of an
evidence item's strength, and what a page shows of each evidence item and claim
(``ingest/topic_index.py``: tables ``topic``, ``topic_member`` and ``evidence_field``). A topic
page reads its members here in one indexed query instead of two reads by pattern per member (a
theme of 1,600 members at 1M triples: 50 ms), with each member's name and sort key in the
reader's language from the class listing (``endpoint/class_listing.py``: the same as
``texts_of`` gives; 6-8 ms for the names of 1,600 members looked up apart), and the fields of
the evidence it shows in one more (5-10 ms by SPARQL).

The tables describe the release as built: after a write to the live store, for an index without
them and for a concept that is not in them, :meth:`IndexedTopics.members` says ``None`` and the
page reads the store (``endpoint/topic_pages.py``), as the links (``endpoint/incoming_index.py``)
and the labels (``endpoint/index_labels.py``) do.
"""

from __future__ import annotations

import sqlite3

from .class_listing import has_member_texts
from .search_index_reader import has_tables, read_as_built, rows_by_iri
from .store import ReleaseStore

# member, class, via ('' for a member with the concept itself), notation of its strength, its
# name and sort key in the reader's language (None for a member the class listing lacks; name
# '' when it has none)
MemberRow = tuple[str, str, str, str | None, str | None, str | None]
# evidence item or claim, field, value, strength of a supporter ('' for none)
FieldRow = tuple[str, str, str, str]

# one query per language: a column cannot be a parameter
MEMBERS = {
    lang: f"""SELECT t.member, t.class, t.via, t.notation, m.name_{lang}, m.sort_{lang}
    FROM topic_member AS t LEFT JOIN member AS m ON m.iri = t.member WHERE t.topic = ?"""
    for lang in ("nl", "en")
}


class IndexedTopics:
    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader

    def members(self, concept: str, prop: str, lang: str) -> list[MemberRow] | None:
        """The member rows of ``concept`` (a thing has it through ``prop``), named for readers
        of ``lang``; ``None`` when the index cannot say (see the module); ``[]`` for a concept
        without members."""

        def read(db: sqlite3.Connection) -> list[MemberRow] | None:
            found = db.execute(
                "SELECT id FROM topic WHERE concept = ? AND property = ?", (concept, prop)
            ).fetchone()
            return None if found is None else db.execute(MEMBERS[lang], found).fetchall()

        return read_as_built(self.reader, "topics", _usable, read)

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


_HAS_TABLES = has_tables("topic", "topic_member", "evidence_field")


def _has_holders(db: sqlite3.Connection) -> bool:
    """Whether the index counts the things that have each concept (one built before not)."""
    return "holders" in {r[1] for r in db.execute("PRAGMA table_info(topic)")}


def _usable(db: sqlite3.Connection) -> bool:
    """The topic tables, and the class listing's names and their index (the join's)."""
    return _HAS_TABLES(db) and has_member_texts(db)
