"""The members of every theme and target group: written into the release's index.

A topic page (``/thema/{slug}``, ``/doelgroep/{slug}``: ``endpoint/topic_pages.py``) shows what
has the concept (``dcterms:subject``, ``kg:targetGroup``), by class, and the evidence items and
claims that have none of their own but are about (``kg:about``) one of those. Read by pattern
from the store, that is one read per member for its classes and one per member for what is
about it: 50 ms of a 145 ms theme page at 1M triples (1,600 members), and the strength of every
evidence item (which orders them) another 40 ms.

So ``kennisgraaf build`` writes, into the release's ``search.sqlite``, for every concept of the
schemes of :data:`ontology.iris.TOPIC_SCHEMES`:

- ``topic (id, concept, property, holders)``: one row per concept, also for one without
  members; ``holders`` how many distinct things have it (what ``/themas`` and ``/doelgroepen``
  count; 15-20 ms of SPARQL per index page at 1M triples);
- ``topic_member (topic, member, class, via, notation)``: per member (an IRI) each of its
  classes; ``via`` the thing with the concept that an evidence item or claim without one of its
  own is about (``''`` for a member with the concept itself; a member about several has a row
  for each); ``notation`` the smallest ``skos:notation`` of its ``kg:evidenceStrength`` (the
  digits that order evidence items, strongest first), for evidence items and claims;
- ``evidence_field (iri, field, value, strength)``: what a topic page shows of an evidence item
  or claim (its type, strength and the notation of that, its source documents, the claims it
  supports, the evidence that supports it with that one's strength), the rows of the page's
  query ``EVIDENCE`` (``endpoint/topic_pages.py``) for every evidence item and claim of the graph
  at once; ``strength`` is ``''`` but for ``supported_by``. A theme page at 1M triples asked the
  store for its 50 shown items in 5-10 ms; the index answers in well under one.

The queries (the concepts, their members with their classes, the evidence through ``kg:about``,
the notations, the evidence fields) run in Rust beside the search index: 3.0 s at 1M triples with the rows made into
Python tuples; the tables are written after the index, 0.4 s. The endpoint reads the tables while the store is as built (``endpoint/topic_index.py``) and reads
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

SCHEMA = """
CREATE TABLE topic (
    id INTEGER PRIMARY KEY, concept TEXT NOT NULL, property TEXT NOT NULL,
    holders INTEGER NOT NULL, UNIQUE (concept, property));
CREATE TABLE topic_member (
    topic INTEGER NOT NULL, member TEXT NOT NULL, class TEXT NOT NULL, via TEXT NOT NULL,
    notation TEXT, PRIMARY KEY (topic, member, class, via)) WITHOUT ROWID;
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
    return TopicLists(out, holders, notations, fields)


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
    """Adds the three tables to the index at ``path``; returns how many member rows they
    hold."""
    topics, notations = lists.topics, lists.notations
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        written = 0
        for (concept, prop), rows in topics.items():
            made = db.execute(
                "INSERT INTO topic (concept, property, holders) VALUES (?, ?, ?)",
                (concept, prop, lists.holders.get((concept, prop), 0)),
            )
            unique = dict.fromkeys(rows)  # a triple in two graphs is one member
            db.executemany(
                "INSERT INTO topic_member VALUES (?, ?, ?, ?, ?)",
                ((made.lastrowid, m, cls, via, notations.get(m)) for m, cls, via in unique),
            )
            written += len(unique)
        db.executemany("INSERT INTO evidence_field VALUES (?, ?, ?, ?)", sorted(lists.fields))
        db.commit()
        return written
    finally:
        db.close()
