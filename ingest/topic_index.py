"""The members of every theme and target group: written into the release's index.

A topic page (``/thema/{slug}``, ``/doelgroep/{slug}``: ``endpoint/topic_pages.py``) shows what
has the concept (``dcterms:subject``, ``kg:targetGroup``), by class, and the evidence items and
claims that have none of their own but are about (``kg:about``) one of those. Read by pattern
from the store, that is one read per member for its classes and one per member for what is
about it: 50 ms of a 145 ms theme page at 1M triples (1,600 members), and the strength of every
evidence item (which orders them) another 40 ms.

So ``kennisgraaf build`` writes, into the release's ``search.sqlite``, for every concept of the
schemes of :data:`ontology.iris.TOPIC_SCHEMES`:

- ``topic (id, concept, property, holders, ordered)``: one row per concept, also for one
  without members; ``holders`` how many distinct things have it (what ``/themas`` and
  ``/doelgroepen`` count; 15-20 ms of SPARQL per index page at 1M triples); ``ordered`` 1 when
  its members are in ``topic_row``, 0 when one of them has no name in the class listing (the
  page then reads the store, which names it by its IRI);
- ``topic_row (topic, class, pos_nl, pos_en, member, vias, notation)``: one row per member (an
  IRI), under the class the page shows it under, with its place among the members of that class
  in each language (``ontology/topic_sections.py``: evidence items strongest first, then by the
  name of the class listing, ties by IRI), so that a page reads the 25 rows it shows of each
  class, not all of them (a theme of 1,600 members at 1M triples: 2,200 rows with their names
  joined, then grouped and sorted, 40% of a 42 ms page); ``vias`` the things with the concept
  that an evidence item or claim without one of its own is about (space-separated, ``''`` for
  a member with the concept itself); ``notation`` the smallest ``skos:notation`` of its
  ``kg:evidenceStrength`` (the digits that order evidence items), for evidence items and claims;
- ``evidence_field (iri, field, value, strength)``: what a topic page shows of an evidence item
  or claim (its type, strength and the notation of that, its source documents, the claims it
  supports, the evidence that supports it with that one's strength), the rows of the page's
  query ``EVIDENCE`` (``endpoint/topic_pages.py``) for every evidence item and claim of the graph
  at once; ``strength`` is ``''`` but for ``supported_by``. A theme page at 1M triples asked the
  store for its 50 shown items in 5-10 ms; the index answers in well under one.

The queries (the concepts, their members with their classes, the evidence through ``kg:about``,
the notations, the evidence fields) run in Rust beside the search index: 3.0 s at 1M triples with the rows made into
Python tuples; the tables are written after the index (whose class listing names the
members), 0.4 s. The endpoint reads the tables while the store is as built (``endpoint/topic_index.py``) and reads
the store after a write or without them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from ontology.evidence_fields import FIELDS_OF_E
from ontology.iris import TOPIC_SCHEMES, scheme_iri
from ontology.namespaces import expand, sparql_prologue
from ontology.topic_sections import member_order, section_of, strength_notation

SCHEMA = """
CREATE TABLE topic (
    id INTEGER PRIMARY KEY, concept TEXT NOT NULL, property TEXT NOT NULL,
    holders INTEGER NOT NULL, ordered INTEGER NOT NULL, UNIQUE (concept, property));
CREATE TABLE topic_row (
    topic INTEGER NOT NULL, class TEXT NOT NULL, pos_nl INTEGER NOT NULL, pos_en INTEGER NOT NULL,
    member TEXT NOT NULL, vias TEXT NOT NULL, notation TEXT,
    PRIMARY KEY (topic, class, pos_nl)) WITHOUT ROWID;
CREATE TABLE evidence_field (
    iri TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, strength TEXT NOT NULL,
    PRIMARY KEY (iri, field, value, strength)) WITHOUT ROWID;
"""

# every concept of the scheme with the number of things that have it (the query of the index
# pages, endpoint/topic_pages.py: INDEX)
HOLDERS = """
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) $scheme $prop WHERE {
  ?c skos:inScheme $scheme OPTIONAL { ?s $prop ?c }
} GROUP BY ?c $scheme $prop
"""

# what has the concept, with each of its classes (the classes after the pairs: 0.9 s at 1M
# triples, against 1.1-1.3 s in one pattern)
DIRECT = """
SELECT ?c ?m ?cls $scheme $prop WHERE {
  { SELECT DISTINCT ?c ?m $scheme $prop WHERE {
      ?c skos:inScheme $scheme . ?m $prop ?c FILTER(isIRI(?m)) } }
  ?m a ?cls FILTER(!isTRIPLE(?cls))
}
"""

# evidence items and claims without the property, about something that has the concept
VIA = """
SELECT ?c ?m ?cls ?via $scheme $prop WHERE {
  ?c skos:inScheme $scheme . ?via $prop ?c FILTER(!isTRIPLE(?via))
  ?m kg:about ?via FILTER(isIRI(?m))
  FILTER NOT EXISTS { ?m $prop ?any }
  VALUES ?cls { kg:EvidenceItem kg:EvidenceClaim } ?m a ?cls
}
"""

NOTATIONS = """
SELECT ?m (MIN(STR(?n)) AS ?notation) WHERE {
  VALUES ?cls { kg:EvidenceItem kg:EvidenceClaim } ?m a ?cls .
  ?m kg:evidenceStrength/skos:notation ?n
} GROUP BY ?m
"""

# every evidence item and claim with the fields a topic page shows of it
EVIDENCE_FIELDS = (
    "SELECT ?e ?field ?v ?w WHERE {\n"
    "  VALUES ?cls { kg:EvidenceItem kg:EvidenceClaim } ?e a ?cls ." + FIELDS_OF_E + "}\n"
)

Row = tuple[str, str, str]  # member, class, via ('' for none)
Topics = dict[tuple[str, str], list[Row]]  # (concept, property) -> its rows
Field = tuple[str, str, str, str]  # evidence item or claim, field, value, strength ('' for none)


class TopicLists(NamedTuple):
    base: str
    topics: Topics
    holders: dict[tuple[str, str], int]  # (concept, property) -> things that have it
    notations: dict[str, str]  # evidence item or claim -> notation of its strength
    fields: set[Field]


def topic_members(store: ox.Store, base: str) -> TopicLists:
    """The members of every concept of the topic schemes and how many have it, the notation
    of the evidence items and claims that have one, and the fields of every evidence item and
    claim."""
    prologue = sparql_prologue(base)
    out: Topics = {}
    holders: dict[tuple[str, str], int] = {}
    for scheme, curie in TOPIC_SCHEMES:
        prop = expand(curie, base)
        subs = {
            ox.Variable("scheme"): ox.NamedNode(scheme_iri(base, scheme)),
            ox.Variable("prop"): ox.NamedNode(prop),
        }
        for row in _select(store, prologue + HOLDERS, subs, "scheme", "prop"):
            out.setdefault((row["c"].value, prop), [])
            holders[row["c"].value, prop] = int(row["n"].value)
        for query, through in ((DIRECT, False), (VIA, True)):
            for row in _select(store, prologue + query, subs, "scheme", "prop"):
                via = row["via"].value if through else ""
                rows = out.setdefault((row["c"].value, prop), [])
                rows.append((row["m"].value, row["cls"].value, via))
    notations = {
        r["m"].value: r["notation"].value for r in _select(store, prologue + NOTATIONS, {})
    }
    fields = {
        (r["e"].value, r["field"].value, r["v"].value, r["w"].value if r["w"] else "")
        for r in _select(store, prologue + EVIDENCE_FIELDS, {})
    }
    return TopicLists(base, out, holders, notations, fields)


def _select(
    store: ox.Store, query: str, subs: dict[ox.Variable, ox.NamedNode], *used: str
) -> ox.QuerySolutions:
    res = store.query(
        query,
        use_default_graph_as_union=True,
        substitutions={k: v for k, v in subs.items() if k.value in used},
    )
    assert isinstance(res, ox.QuerySolutions)
    return res


def write_topics(path: Path, lists: TopicLists) -> int:
    """Adds the three tables to the index at ``path``, whose class listing (``member``: the
    names and sort keys per language) is already written; returns how many member rows they
    hold."""
    db = sqlite3.connect(path)
    try:
        names = {
            iri: ((name_nl, sort_nl), (name_en, sort_en))
            for iri, name_nl, sort_nl, name_en, sort_en in db.execute(
                "SELECT iri, name_nl, sort_nl, name_en, sort_en FROM member"
            )
        }
        db.executescript(SCHEMA)
        written = 0
        for (concept, prop), rows in lists.topics.items():
            ordered = _ordered(rows, lists, names)
            made = db.execute(
                "INSERT INTO topic (concept, property, holders, ordered) VALUES (?, ?, ?, ?)",
                (concept, prop, lists.holders.get((concept, prop), 0), int(ordered is not None)),
            )
            db.executemany(
                "INSERT INTO topic_row VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((made.lastrowid, *row) for row in ordered or ()),
            )
            written += len(ordered or ())
        db.executescript("CREATE INDEX topic_row_en ON topic_row (topic, class, pos_en);")
        db.executemany("INSERT INTO evidence_field VALUES (?, ?, ?, ?)", sorted(lists.fields))
        db.commit()
        return written
    finally:
        db.close()


Names = dict[str, tuple[tuple[str, str], tuple[str, str]]]  # IRI -> (name, sort key) nl, en
Placed = tuple[str, int, int, str, str, str | None]  # class, pos_nl, pos_en, member, vias, notation


def _ordered(rows: list[Row], lists: TopicLists, names: Names) -> list[Placed] | None:
    """The members of ``rows`` as ``topic_row`` holds them; ``None`` when one of them has no name
    in the class listing (``names``)."""
    classes: dict[str, set[str]] = {}
    vias: dict[str, set[str]] = {}
    for member, cls, via in rows:
        classes.setdefault(member, set()).add(cls)
        if via:
            vias.setdefault(member, set()).add(via)
    if any(not (m in names and names[m][0][0] and names[m][1][0]) for m in classes):
        return None
    by_class: dict[str, list[str]] = {}
    for m, cs in classes.items():
        by_class.setdefault(section_of(cs, lists.base)[1], []).append(m)
    notation = {m: strength_notation((n,)) for m in classes if (n := lists.notations.get(m))}
    out: list[Placed] = []
    for cls, members in by_class.items():
        places = [
            {
                m: i
                for i, m in enumerate(
                    sorted(members, key=lambda m: member_order(cls, notation.get(m), name[m], m))
                )
            }
            for name in (
                {m: names[m][0][1] for m in members},  # the sort keys in Dutch
                {m: names[m][1][1] for m in members},  # in English
            )
        ]
        out += (
            (
                cls,
                places[0][m],
                places[1][m],
                m,
                " ".join(sorted(vias[m])) if m in vias else "",
                lists.notations.get(m),
            )
            for m in members
        )
    return out
