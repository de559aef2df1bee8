"""The labels of many IRIs at once, for the HTML pages: precomputed in the release's index.

``kennisgraaf build`` writes every labelled IRI's label per language into the release's index
(``search.sqlite``, table ``entry``, with the unique index ``entry_iri``). A page shows dozens of
linked things by their label; one indexed SQLite lookup for all of them costs about as much as
reading one label from the store, where Oxigraph reads every string of every quad from its
dictionary.

The index describes the release as it was built. After a write to the live store (SPARQL
Update, Graph Store) it may be out of date, so from the first write on, and for a release whose
index predates ``entry_iri``, the labels are read from the store instead (``skos:prefLabel``,
``rdfs:label``), as the RDF documents do.

One read-only connection per release, shared by the event loop and the threads the page routes
run in (one at a time, one chunk of IRIs at a time); a release whose index file went missing
falls back to the store.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from ontology.namespaces import STANDARD_PREFIXES

from .search_index_reader import connect_readonly, index_path
from .store import NoRelease, ReleaseStore

LABEL_PREDICATES = (
    ox.NamedNode(STANDARD_PREFIXES["skos"] + "prefLabel"),
    ox.NamedNode(STANDARD_PREFIXES["rdfs"] + "label"),
)
CHUNK = 500  # IRIs per SQL statement (SQLite allows 32,766 parameters)
IRI_INDEX = "entry_iri"

Labels = dict[str, dict[str, str]]  # IRI -> language ("" = none) -> label


class IndexLabels:
    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader
        self._lock = threading.Lock()
        # the release whose index is open, where it is, and the connection (None: unusable)
        self._open: tuple[str, Path, sqlite3.Connection | None] | None = None

    def of(self, iris: Iterable[str]) -> Labels:
        """The labels of ``iris`` (those that have one), per language."""
        wanted = list(dict.fromkeys(iris))
        if not wanted:
            return {}
        out: Labels = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            # one connection (its page cache stays warm), one thread at a time, one chunk at a
            # time: a page on the event loop waits at most one chunk (~1.5 ms) for a page in a
            # thread that names 20,000 links
            with self._lock:
                db = self._db()
                if db is None:
                    break
                try:
                    rows = db.execute(
                        "SELECT iri, label_nl, label_en, label_any FROM entry "
                        f"WHERE iri IN ({','.join('?' * len(chunk))})",
                        chunk,
                    ).fetchall()
                except sqlite3.Error:
                    db.close()
                    assert self._open is not None
                    self._open = (self._open[0], self._open[1], None)
                    break
            for iri, nl, en, other in rows:
                got = {k: v for k, v in (("nl", nl), ("en", en), ("", other)) if v}
                if got:
                    out[iri] = got
        else:
            return out
        return self._from_store(wanted)

    def _db(self) -> sqlite3.Connection | None:
        """The connection to the index of the release being served, or ``None`` when the
        labels must come from the store (writes made, no usable index)."""
        if self.reader.writes:
            return None
        try:
            target = self.reader.target
        except NoRelease:
            return None
        held = self._open
        if held is not None and held[0] == target:
            if held[2] is not None and not held[1].is_file():  # the index went: use the store
                return None
            return held[2]
        if held is not None and held[2] is not None:
            held[2].close()
        path = index_path(self.reader)
        db = _open(path)
        self._open = (target, path, db)
        return db

    def _from_store(self, iris: list[str]) -> Labels:
        out: Labels = {}
        nodes = []
        for iri in iris:
            try:
                nodes.append(ox.NamedNode(iri))
            except ValueError:
                continue
        for node, _lp, label in store_labels(self.reader, nodes):
            out.setdefault(node.value, {}).setdefault(label.language or "", label.value)
        return out


def store_labels(
    reader: ReleaseStore, nodes: Iterable[ox.NamedNode]
) -> Iterator[tuple[ox.NamedNode, ox.NamedNode, ox.Literal]]:
    """(thing, label predicate, label) for each of ``nodes``, read from the store by pattern:
    what the RDF documents carry, and the pages use when the index cannot say."""
    for node in nodes:
        for lp in LABEL_PREDICATES:
            for q in reader.quads(node, lp, None):
                if isinstance(q.object, ox.Literal):
                    yield node, lp, q.object


def _open(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        db = connect_readonly(path)
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (IRI_INDEX,)
        ).fetchone()
    except sqlite3.Error:
        return None
    if found is None:  # an index built before entry_iri: a lookup would scan the table
        db.close()
        return None
    return db
