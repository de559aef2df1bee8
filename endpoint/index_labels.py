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

The index is read on the connection each thread keeps to it
(:func:`endpoint.search_index_reader.reused_index`), so a page on the event loop never waits for
one in a thread; a release whose index file went missing falls back to the store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from ontology.namespaces import STANDARD_PREFIXES
from ontology.text import index_names

from .search_index_reader import OpenIndex, index_as_built, read_from, rows_by_iri
from .store import ReleaseStore

LABEL_PREDICATES = (
    ox.NamedNode(STANDARD_PREFIXES["skos"] + "prefLabel"),
    ox.NamedNode(STANDARD_PREFIXES["rdfs"] + "label"),
)
IRI_INDEX = "entry_iri"

Labels = dict[str, dict[str, str]]  # IRI -> language ("" = none) -> label


class IndexLabels:
    def __init__(self, reader: ReleaseStore) -> None:
        self.reader = reader

    def of(self, iris: Iterable[str]) -> Labels:
        """The labels of ``iris`` (those that have one), per language."""
        wanted = list(dict.fromkeys(iris))
        if not wanted:
            return {}
        select = "SELECT iri, label_nl, label_en, label_any, label_any_lang FROM entry"
        rows = read_from(self._index(), lambda db: rows_by_iri(db, select, wanted))
        if rows is None:  # no usable index, or a failed read
            return self._from_store(wanted)
        out: Labels = {}
        for iri, *labels in rows:
            got = index_names(*labels)  # a label in German as "de", as from the store
            if got:
                out[iri] = got
        return out

    def _index(self) -> OpenIndex | None:
        """The index to read the labels from, ``None`` when they must come from the store
        (writes made, no usable index)."""
        return index_as_built(self.reader, "labels", _usable)

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


def _usable(db: sqlite3.Connection) -> bool:
    """Whether the index has ``entry_iri`` (one built before it: a lookup would scan the table)
    and the language of each fallback label (``label_any_lang``, index format 3)."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?"
    columns = {r[1] for r in db.execute("PRAGMA table_info(entry)")}
    return db.execute(sql, (IRI_INDEX,)).fetchone() is not None and "label_any_lang" in columns


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
