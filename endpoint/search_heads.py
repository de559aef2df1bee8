"""The first results of the most frequent words, ranked by the build.

A search ranks every entry its words match (BM25, then the ranks of
:mod:`endpoint.search_index_reader`) before it can show the first twenty: a word in most
labels of a large graph ("team" in 14,700 of 63,000 entries at 1M triples) takes 50-60 ms where
a rare one takes half a millisecond, and SQLite's full-text index has no way to stop early. So
``kennisgraaf build`` ranks, with the server's own query (:func:`ranked_rows`), every word form
of the index that is in :data:`HEAD_DOCS` entries or more, searched alone and without a kind:
its total, its number per kind and its first :data:`HEAD_HITS` results (entry id, BM25, rank),
into the release's ``pages.sqlite`` (table ``search_head``, keyed by the analysed query). A
search for such a word then reads its page of results from there and the entries' texts from
the index: the same results, in the same order, with the same scores.

Searches of several words, with a kind, past the stored results, in a release built without
them or by other code (:data:`FINGERPRINT`) are ranked per request, as before.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys

from ontology import text

from . import search_index_reader
from .built_models import built_fingerprint, fingerprint
from .search_index_reader import (
    HIT_COLUMNS,
    Kind,
    OpenIndex,
    Query,
    Results,
    checked_once,
    hit_of,
    ranked_rows,
)

log = logging.getLogger("kennisgraaf.search")
HEAD_DOCS = 1000  # a word form in this many entries or more is ranked by the build
HEAD_HITS = 100  # the results kept of each: its first five pages
TABLE = "search_head"
SCHEMA = f"""
CREATE TABLE {TABLE} (key TEXT PRIMARY KEY, total INTEGER NOT NULL, facets TEXT NOT NULL,
                      hits TEXT NOT NULL) WITHOUT ROWID;
"""
META_KEY = "search_heads"
FINGERPRINT = fingerprint(search_index_reader, text, sys.modules[__name__])
VOCABULARY = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.head_vocab USING fts5vocab(main, fts, row)"


def key_of(query: Query) -> str:
    """What identifies an analysed query: its MATCH expression and its exact forms."""
    return "\x1f".join([query.match_all, *query.exact])


def write_heads(
    index: sqlite3.Connection, out: sqlite3.Connection, min_docs: int = HEAD_DOCS
) -> int:
    """Ranks every word form of ``index`` in ``min_docs`` entries or more into ``out`` (its
    table and fingerprint); returns how many queries."""
    out.executescript(SCHEMA)
    index.execute(VOCABULARY)
    terms = index.execute("SELECT term FROM temp.head_vocab WHERE doc >= ?", (min_docs,))
    made: set[str] = set()
    for (term,) in terms.fetchall():
        query = Query.parse(term)
        key = key_of(query)
        if not query.terms or key in made:
            continue
        total, rows, facets = ranked_rows(index, query, None, HEAD_HITS, 0)
        hits = [(row[0], row[-2], row[-1]) for row in rows]
        out.execute(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?)",
            (key, total, json.dumps(facets), json.dumps(hits)),
        )
        made.add(key)
    out.execute("INSERT INTO meta VALUES (?, ?)", (META_KEY, FINGERPRINT))
    return len(made)


def usable(db: sqlite3.Connection) -> bool:
    """Whether the ranked words beside the index ``db`` reads were ranked by this code (a check
    for :func:`~endpoint.search_index_reader.checked_once`; attaches the file)."""
    return built_fingerprint(db, META_KEY) == FINGERPRINT


HEAD = f"SELECT total, facets, hits FROM models.{TABLE} WHERE key = ?"
ENTRIES = f"SELECT {HIT_COLUMNS}, e.id FROM entry e WHERE e.id IN ({{}})"


def read_heads(
    opened: OpenIndex, query: Query, kinds: dict[int, Kind], limit: int, offset: int
) -> Results | None:
    """The results ``offset`` .. ``offset + limit`` of ``query`` as the build ranked them;
    ``None`` when it did not (a search of several words, past the results it kept, no usable
    file: then rank them)."""
    try:
        if not checked_once(opened, "search_heads", usable):
            return None
        found = opened.db.execute(HEAD, (key_of(query),)).fetchone()
        if found is None:
            return None
        total, facets, hits = int(found[0]), json.loads(found[1]), json.loads(found[2])
        if offset + limit > len(hits) and len(hits) < total:
            return None
        page = hits[offset : offset + limit]
        ids = [int(h[0]) for h in page]
        sql = ENTRIES.format(",".join("?" * len(ids)))
        rows = {row[-1]: row[:-1] for row in opened.db.execute(sql, ids)}
        shown = [hit_of(rows[int(i)], kinds, float(bm), int(tier)) for i, bm, tier in page]
    except (sqlite3.Error, ValueError, TypeError, KeyError, IndexError) as e:
        opened.checked["search_heads"] = False  # damaged: ranked per request from now on
        log.warning(
            "the frequent words the build ranked beside %s cannot be read (%s: %s); this "
            "thread ranks every search until the next release (run 'kennisgraaf build' to "
            "rank them again)",
            opened.key[0],
            type(e).__name__,
            e,
        )
        return None
    return Results(total, shown, [(kinds[int(k)], int(n)) for k, n in facets if int(k) in kinds])
