"""The links to the most linked-to things, in page order: written into the release's index.

An entity page lists what links to it, per relation, 25 at a time by name
(``endpoint/entity_view.py``). For a thing with a few hundred links that is one read by pattern;
for one with thousands (a source that every statement cites: 21,000 links at 1M triples) the
page read every subject of each relation, then the labels of all of them from the index, and
sorted them, to show 25: about 300 ms a page, every page of the list again.

So ``kennisgraaf build`` writes, into the release's ``search.sqlite``, for each IRI that has a
page (under the base IRI) and more than ``MINIMUM`` links to it (distinct relation and subject;
the candidates are the release's ``large_documents``, which hold every such IRI):

- ``incoming_list (id, object, predicate, n)``: one list per thing and relation, with the
  number of things in it;
- ``incoming (list, place, subject)``: each of them at its place (from 0) in the order of the
  page (:func:`ontology.text.link_order`: the name in Dutch, else English, else without
  language, else the IRI, case ignored, then the IRI; blank nodes last, ``subject`` NULL), so
  that a page is one indexed read of 25 rows (the thing and relation by number: 361,000 rows at
  1M triples take 24 MB of the index, against about 55 MB with their IRIs in every row);
- ``incoming_evidence (object, evidence, class)``: the evidence items and claims among those
  links (:data:`ontology.evidence_fields.EVIDENCE_LINKS`), each with its kind (the first of
  :data:`~ontology.evidence_fields.EVIDENCE_KINDS` it has, from the class listing of the same
  index): the page's "related evidence" in one indexed read, where a SPARQL query took 5-7 ms of
  a 9 ms page at 1M triples (a theme with 1,600 links).

The endpoint reads them while the store is as built (``endpoint/incoming_index.py``) and falls
back to reading the store after a write, for an index without these tables, and for a thing
that is not in them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from ontology.evidence_fields import EVIDENCE_KINDS, EVIDENCE_LINKS
from ontology.namespaces import expand
from ontology.text import index_names, link_order

# at most endpoint.entity_view.INLINE_LIMIT, above which a page of a thing not listed here reads
# its links with SPARQL (a page reads these tables first, for whatever they list)
MINIMUM = 300

SCHEMA = """
CREATE TABLE incoming_list (
    id INTEGER PRIMARY KEY, object TEXT NOT NULL, predicate TEXT NOT NULL, n INTEGER NOT NULL,
    UNIQUE (object, predicate));
CREATE TABLE incoming (
    list INTEGER NOT NULL, place INTEGER NOT NULL, subject TEXT,
    PRIMARY KEY (list, place)) WITHOUT ROWID;
CREATE TABLE incoming_evidence (
    object TEXT NOT NULL, evidence TEXT NOT NULL, class TEXT NOT NULL,
    PRIMARY KEY (object, evidence)) WITHOUT ROWID;
"""


# per relation, the distinct IRIs that link to ?o (IRIs hold no spaces; "_" stands for any blank
# node) and the number of distinct subjects: one row per relation, so that reading 21,000 links
# makes no Python object per link
LINKS = """
SELECT ?o ?p (GROUP_CONCAT(DISTINCT IF(isIRI(?x), STR(?x), "_"); SEPARATOR=" ") AS ?iris)
       (COUNT(DISTINCT ?x) AS ?n)
WHERE { ?x ?p ?o } GROUP BY ?o ?p
"""
OBJECT = ox.Variable("o")

Links = dict[str, list[str | None]]  # relation -> the IRIs that link with it, None: a blank node


def links_to_many(
    store: ox.Store, candidates: Iterable[str], base: str, minimum: int = MINIMUM
) -> dict[str, Links]:
    """The links to each of ``candidates`` that has a page (its IRI starts with ``base``) and
    more than ``minimum`` links (distinct relation and subject, in any graph). One query each,
    in Rust without the interpreter lock: the build runs this beside the search index."""
    out: dict[str, Links] = {}
    for iri in candidates:
        if not iri.startswith(base):
            continue  # a standard term (prov:Derivation, 64,500 links at 1M): no page
        rows = store.query(
            LINKS, use_default_graph_as_union=True, substitutions={OBJECT: ox.NamedNode(iri)}
        )
        assert isinstance(rows, ox.QuerySolutions)
        links: Links = {}
        for row in rows:
            found = row["iris"].value.split(" ")
            iris: list[str | None] = [x for x in found if x != "_"]
            iris += [None] * (int(row["n"].value) - len(iris))  # the blank nodes
            links[row["p"].value] = iris
        if sum(map(len, links.values())) > minimum:
            out[iri] = links
    return out


def write_incoming(path: Path, listed: dict[str, Links], base: str) -> int:
    """Adds the three tables to the index at ``path`` (which holds the labels, table ``entry``,
    and the class listings) with the links of ``listed`` (:func:`links_to_many`); returns how
    many things they hold."""
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        places = _order(db) if listed else {}
        kinds = _evidence_kinds(db, base) if listed else {}
        relations = [expand(c, base) for c in EVIDENCE_LINKS]
        blank = link_order({}, None)
        for iri, links in listed.items():
            for predicate, subjects in links.items():
                ordered = sorted(
                    subjects,
                    key=lambda s: blank if s is None else places.get(s) or link_order({}, s),
                )
                made = db.execute(
                    "INSERT INTO incoming_list (object, predicate, n) VALUES (?, ?, ?)",
                    (iri, predicate, len(ordered)),
                )
                db.executemany(
                    "INSERT INTO incoming VALUES (?, ?, ?)",
                    ((made.lastrowid, place, s) for place, s in enumerate(ordered)),
                )
            evidence = {
                s: kinds[s]
                for p in relations
                for s in links.get(p, ())
                if s is not None and s != iri and s in kinds
            }
            db.executemany(
                "INSERT INTO incoming_evidence VALUES (?, ?, ?)",
                ((iri, s, cls) for s, cls in evidence.items()),
            )
        db.commit()
        return len(listed)
    finally:
        db.close()


def _evidence_kinds(db: sqlite3.Connection, base: str) -> dict[str, str]:
    """Every evidence item and claim with its kind (the first of ``EVIDENCE_KINDS`` it has),
    from the class listings the index holds (every IRI with an ``rdf:type``, once per class)."""
    kinds = [expand(c, base) for c in EVIDENCE_KINDS]
    rows = db.execute(
        "SELECT m.iri, c.iri FROM listing AS x JOIN listed_class AS c ON c.id = x.class "
        "JOIN member AS m ON m.id = x.member WHERE c.iri IN (?, ?)",
        kinds,
    ).fetchall()
    out: dict[str, str] = {}
    for iri, cls in sorted(rows, key=lambda r: kinds.index(r[1])):
        out.setdefault(iri, cls)
    return out


def _order(db: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Where each labelled IRI stands in a list of links, by its labels in the index's ``entry``
    table (as the pages read them: ``endpoint/index_labels.py``); read whole, once: the links
    to the most linked-to things name most of the graph."""
    out = {}
    select = "SELECT iri, label_nl, label_en, label_any, label_any_lang FROM entry"
    for iri, *labels in db.execute(select):
        out[iri] = link_order(index_names(*labels), iri)
    return out
