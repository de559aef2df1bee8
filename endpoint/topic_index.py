"""The members of a theme or target group, from the release's index.

``kennisgraaf build`` writes every concept of the topic schemes with its members, their classes,
what an evidence item without a concept of its own is about (``via``) and the notation of an
evidence item's strength (``ingest/topic_index.py``: tables ``topic`` and ``topic_member``). A
topic page reads them here in one indexed query instead of two reads by pattern per member (a
theme of 1,600 members at 1M triples: 50 ms).

The tables describe the release as built: after a write to the live store, for an index without
them and for a concept that is not in them, :meth:`IndexedTopics.members` says ``None`` and the
page reads the store (``endpoint/topic_pages.py``), as the links (``endpoint/incoming_index.py``)
and the labels (``endpoint/index_labels.py``) do.
"""

from __future__ import annotations

import sqlite3

from .search_index_reader import OpenIndex, forget_index, has_tables, index_as_built
from .store import ReleaseStore

# member, class, via ('' for a member with the concept itself), notation of its strength
MemberRow = tuple[str, str, str, str | None]


class IndexedTopics:
    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader

    def members(self, concept: str, prop: str) -> list[MemberRow] | None:
        """The member rows of ``concept`` (a thing has it through ``prop``), ``None`` when the
        index cannot say (see the module); ``[]`` for a concept without members."""
        opened = self._index()
        if opened is None:
            return None
        try:
            found = opened.db.execute(
                "SELECT id FROM topic WHERE concept = ? AND property = ?", (concept, prop)
            ).fetchone()
            if found is None:
                return None
            rows: list[MemberRow] = opened.db.execute(
                "SELECT member, class, via, notation FROM topic_member WHERE topic = ?", found
            ).fetchall()
        except sqlite3.Error:
            forget_index(opened)
            return None
        return rows

    def _index(self) -> OpenIndex | None:
        return index_as_built(self.reader, "topics", _HAS_TABLES)


_HAS_TABLES = has_tables("topic", "topic_member")
