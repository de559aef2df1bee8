"""What the store says about one IRI, and that description as an RDF document.

The description of ``<e>`` (a concise bounded description, made for people and crawlers):

- its own triples, from every graph, and those of its hash IRIs that it links to (``<e#bedrag>``,
  the source references ``<e#bron-1>`` with their ``kg:quote``) and of its blank nodes;
- the labels (``skos:prefLabel``, ``rdfs:label``) of every resource those triples link to;
- the triples that link to ``<e>`` (incoming), with the labels of their subjects;
- for a named graph: ``void:triples``, how many triples it holds.

IRIs are bound with pyoxigraph ``substitutions`` (never pasted into the query). Serialisation is
pyoxigraph's; JSON-LD gets an ``@context`` with the prefixes it uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ontology.namespaces import STANDARD_PREFIXES, prefixes, sparql_prologue

from .graph_store import used_prefixes
from .index_labels import IndexLabels, store_labels
from .negotiation import JSONLD, NTRIPLES, RDFXML, TURTLE, Format
from .store import ReleaseStore

E = ox.Variable("e")
VOID_TRIPLES = ox.NamedNode(STANDARD_PREFIXES["void"] + "triples")
MAX_INCOMING = 20_000  # triples in an RDF document; the HTML page pages through the rest
MAX_BLANK = 200  # blank nodes followed per description
SMALL = 300  # at most this many quads from and to a thing: its document on the event loop
LOOP_BUDGET = 3000  # quads a description on the event loop may read (its hash IRIs, blank nodes)

EXISTS = """
SELECT ?e WHERE {
  FILTER(EXISTS { ?e ?p ?o } || EXISTS { ?s ?p ?e } || EXISTS { ?s ?e ?o }
         || EXISTS { GRAPH ?e { ?s ?p ?o } })
}"""

INCOMING = f"""
SELECT ?e ?s ?p ?lp ?l WHERE {{
  ?s ?p ?e .
  OPTIONAL {{ VALUES ?lp {{ skos:prefLabel rdfs:label }} ?s ?lp ?l }}
}} LIMIT {MAX_INCOMING}"""

GRAPH_SIZE = "SELECT ?e (COUNT(*) AS ?n) WHERE { GRAPH ?e { ?s ?p ?o } } GROUP BY ?e"

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    TURTLE.key: ox.RdfFormat.TURTLE,
    JSONLD.key: ox.RdfFormat.JSON_LD,
    NTRIPLES.key: ox.RdfFormat.N_TRIPLES,
    RDFXML.key: ox.RdfFormat.RDF_XML,
}


class TooLarge(Exception):
    """A description read more quads than its budget."""


@dataclass
class Description:
    iri: str
    # outgoing, hash IRIs, blank nodes: one quad per statement (from any of its graphs)
    triples: list[ox.Quad] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # IRI -> lang -> label
    label_triples: list[ox.Triple] = field(default_factory=list)
    incoming: list[ox.Triple] = field(default_factory=list)
    graph_size: int | None = None  # when the IRI names a graph

    @property
    def found(self) -> bool:
        return bool(self.triples or self.incoming or self.graph_size is not None)

    def add_label(self, node: Any, lp: Any, label: Any) -> None:
        if label is None or not isinstance(node, ox.NamedNode):
            return
        lang = getattr(label, "language", None) or ""
        self.labels.setdefault(node.value, {}).setdefault(lang, label.value)
        self.label_triples.append(ox.Triple(node, lp, label))


class Describer:
    """Reads descriptions from the release through :class:`ReleaseStore` (SELECT only)."""

    def __init__(self, reader: ReleaseStore, base: str) -> None:
        self.reader = reader
        self.base = base
        self.prologue = sparql_prologue(base)
        self.prefix_map = prefixes(base)

    def small(self, iri: str) -> bool:
        """Whether the document of ``iri`` is quick to make: not a named graph (whose triples are
        counted), and not on the build's list of IRIs with more than :data:`SMALL` quads from and
        to them (the release's metadata, ``ingest/large_subjects.py``). A small document is made
        on the event loop (about a millisecond, as long as handing it to a thread costs); the
        others, and every document once the store has taken a write (the list no longer holds),
        in a thread, so that a page of 20,000 links (a few hundred milliseconds) never holds up
        other requests."""
        if iri.startswith(self.base + "graph/"):
            return False
        large = self.reader.large_documents(SMALL)
        return large is not None and iri not in large  # None: a write, an older release

    def exists(self, iri: str) -> bool:
        return bool(self.reader.select(self.prologue + EXISTS, {E: ox.NamedNode(iri)}))

    def describe(
        self,
        iri: str,
        *,
        incoming: bool,
        labels: IndexLabels | None = None,
        budget: int | None = None,
    ) -> Description:
        """The description of ``iri``. The labels of what it links to come from ``labels`` (the
        release's index, for the HTML page) or else from the store, as triples of the document.

        The thing's own triples, those of its hash IRIs and of its blank nodes are read by
        pattern (no SPARQL to parse and plan); the incoming links with one SELECT. With a
        ``budget``, reading more quads than that raises :class:`TooLarge` (a document that
        :meth:`small` let onto the event loop but whose hash IRIs or blank nodes hold many)."""
        node = ox.NamedNode(iri)
        d = Description(iri)
        blanks: list[ox.BlankNode] = []
        linked: list[ox.NamedNode] = []
        read = 0

        def take(subject: ox.NamedNode | ox.BlankNode, own: bool) -> list[ox.NamedNode]:
            """Adds the statements of ``subject`` (each once, whatever its graphs: each subject is
            taken once, so its predicate and object say which; no ``Triple`` made per quad);
            returns its hash IRIs when it is the thing."""
            nonlocal read
            hashes = []
            seen: set[tuple[Any, Any]] = set()
            for q in self.reader.quads(subject, None, None):
                read += 1
                if budget is not None and read > budget:
                    raise TooLarge(iri)
                key = (q.predicate, q.object)
                if key in seen:
                    continue
                seen.add(key)
                d.triples.append(q)
                o = q.object
                if isinstance(o, ox.BlankNode):
                    blanks.append(o)
                elif isinstance(o, ox.NamedNode):
                    linked.append(o)
                    if own and o.value.startswith(iri + "#"):
                        hashes.append(o)
            return hashes

        for h in dict.fromkeys(take(node, True)):
            take(h, False)
        done: set[ox.BlankNode] = set()
        while blanks and len(done) < MAX_BLANK:
            b = blanks.pop()
            if b in done:
                continue
            done.add(b)
            take(b, False)
        targets = list(dict.fromkeys(linked))
        if labels is not None:
            d.labels = labels.of(o.value for o in targets)
        else:
            for o, lp, label in store_labels(self.reader, targets):
                d.add_label(o, lp, label)
        if iri.startswith(self.base + "graph/"):
            size = self.reader.select(self.prologue + GRAPH_SIZE, {E: node})
            if size:
                d.graph_size = int(size[0]["n"].value)
        if incoming:
            inc: set[ox.Triple] = set()
            for r in self.reader.select(self.prologue + INCOMING, {E: node}):
                t = ox.Triple(r["s"], r["p"], node)  # one the thing also has: once, by triples()
                if t not in inc:
                    inc.add(t)
                    d.incoming.append(t)
                d.add_label(r["s"], r["lp"], r["l"])
        return d

    def triples(self, d: Description) -> list[ox.Triple]:
        """Every triple of the RDF document, without duplicates."""
        own = [ox.Triple(q.subject, q.predicate, q.object) for q in d.triples]
        out = list(dict.fromkeys([*own, *d.incoming, *d.label_triples]))
        if d.graph_size is not None:
            out.append(
                ox.Triple(
                    ox.NamedNode(d.iri),
                    VOID_TRIPLES,
                    ox.Literal(str(d.graph_size), datatype=ox.NamedNode(XSD_INTEGER)),
                )
            )
        return out

    def serialize(self, d: Description, fmt: Format) -> bytes:
        triples = self.triples(d)
        used = used_prefixes(triples, self.prefix_map)
        if fmt.key == JSONLD.key:
            return jsonld(triples, used)
        out = ox.serialize(triples, format=RDF_FORMATS[fmt.key], prefixes=used)
        return out or b""


XSD_INTEGER = STANDARD_PREFIXES["xsd"] + "integer"


def jsonld(triples: list[ox.Triple], used: dict[str, str]) -> bytes:
    """pyoxigraph's JSON-LD (expanded) with an ``@context`` of prefixes and compact keys."""
    raw = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]"
    nodes = json.loads(raw)
    if isinstance(nodes, dict):
        nodes = nodes.get("@graph", [nodes])
    ordered = sorted(used.items(), key=lambda kv: -len(kv[1]))

    def compact(iri: str) -> str:
        for p, ns in ordered:
            if iri.startswith(ns) and len(iri) > len(ns) and ":" not in iri[len(ns) :]:
                local = iri[len(ns) :]
                if all(c.isalnum() or c in "_-." for c in local):
                    return f"{p}:{local}"
        return iri

    graph = [{(k if k.startswith("@") else compact(k)): v for k, v in n.items()} for n in nodes]
    doc = {"@context": dict(sorted(used.items())), "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()
