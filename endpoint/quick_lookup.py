"""Which queries are quick enough to answer in the server process, without a query worker.

Every query is evaluated in a worker process that can be stopped at the timeout. For a lookup of
one thing's triples that costs more than the query: the hand-over to the worker and back takes
about as much CPU as the lookup itself (``bench/README.md``). A query whose cost has a small
bound known before it runs needs no stopping, so it may run in the server process.

A *lookup* here is exactly this, and nothing else::

    [BASE <iri> | PREFIX p: <iri>]*
    (SELECT [DISTINCT | REDUCED] (* | ?var ...) | ASK) [WHERE]
    { [S P O [.]] }
    [LIMIT n] [OFFSET n]        (in either order)

with ``S`` an IRI (written ``<...>`` or as a prefixed name), ``P`` a variable, an IRI, ``a`` or
IRIs joined by ``|``, and ``O`` a variable or an IRI; or no pattern at all (``ASK {}``, what
clients send to see whether the endpoint is up: one empty solution, no data read). One triple
pattern with a fixed subject has
at most as many solutions as the subject has quads, and each costs one step of an index scan;
``small_subject`` checks that number (at most ``MAX_QUADS``) before the query runs: from the
list of larger subjects that ``kennisgraaf build`` writes into the release's metadata
(``ingest/large_subjects.py``) while the store is as built, else by counting (reading the quads
costs about as much as the lookup). No ``FILTER``,
``OPTIONAL``, second pattern, ``FROM``, ``SERVICE``, subquery, ``ORDER BY`` or ``VALUES``: all of
those fall outside the grammar and go to the workers as before, as does anything the one
regular expression below does not match exactly: comments, escapes in IRIs or names, names
outside ASCII, the subject's prefix declared twice, a relative IRI without a base. Refusing is always safe;
only a match must be certain. (One compiled expression, not the tokenizer of
``sparql_lexer.py``: that takes about as long as the lookup itself.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice
from typing import Any

import pyoxigraph as ox

from .sparql_lexer import resolve

MAX_QUERY_CHARS = 4000  # longer texts are not lookups
MAX_QUADS = 2000  # a subject with more quads than this is looked up by a worker

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_NS = r"(?:[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?:"
_PNAME = _NS + r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?"
_NAME = f"(?:{_IRI}|{_PNAME})"
_VAR = r"[?$][A-Za-z0-9_]+"
_DECLARATION = re.compile(rf"BASE\s*({_IRI})|PREFIX\s+({_NS})\s*({_IRI})", re.I)
_LOOKUP = re.compile(
    rf"""\s*
    (?P<prologue>(?:(?:BASE\s*{_IRI}|PREFIX\s+{_NS}\s*{_IRI})\s*)*)
    (?:SELECT(?:\s+(?P<modifier>DISTINCT|REDUCED))?\s*(?P<projection>\*|(?:{_VAR}\s*)+)|ASK)\s*
    (?:WHERE\s*)?
    \{{\s*
      (?:
        (?P<s>{_NAME})\s+
        (?P<p>{_VAR}|(?:a|{_NAME})(?:\s*\|\s*(?:a|{_NAME}))*)\s+
        (?P<o>{_VAR}|{_NAME})\s*
        \.?\s*
      )?
    \}}\s*
    (?P<slice>(?:(?:LIMIT|OFFSET)\s+[0-9]+\s*){{0,2}})""",
    re.I | re.X,
)
_VARIABLE = re.compile(_VAR)
_SLICE = re.compile(r"(LIMIT|OFFSET)\s+([0-9]+)", re.I)
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MAX_SLICE = 1_000_000_000  # a larger LIMIT or OFFSET is left to the engine


def lookup_subject(query: str, base_iri: str | None = None) -> str | None:
    """The subject IRI when ``query`` is a lookup (see the module), ``""`` for a lookup without
    a pattern (nothing to read), else ``None``."""
    found = parse_lookup(query, base_iri)
    return None if found is None else found.subject


@dataclass(frozen=True, slots=True)
class Lookup:
    """A query that is a lookup: its subject IRI (``""`` without a pattern) and what
    :meth:`shape` needs to tell more."""

    subject: str
    match: re.Match[str]
    # prefix -> its IRI as written and the base it is resolved against (None: declared twice)
    namespaces: dict[str, tuple[str, str | None] | None]

    def shape(self) -> LookupShape | None:
        """What the lookup asks in full, for answering it without the engine
        (``endpoint/lookup_answers.py``); ``None`` for the forms left to the engine: ``ASK``,
        ``SELECT *`` (the engine orders its variables its own way), ``REDUCED``, a variable
        named twice, ``LIMIT`` or ``OFFSET`` given twice or above :data:`MAX_SLICE`, relative
        IRIs, a path whose object is fixed, and no pattern."""
        m = self.match
        projection = m["projection"]
        if not self.subject or projection is None or projection == "*":
            return None
        if self._absolute(m["s"]) is None:
            return None
        modifier = (m["modifier"] or "").upper()
        if modifier == "REDUCED":
            return None
        names = tuple(v[1:] for v in _VARIABLE.findall(projection))
        if len(set(names)) != len(names):
            return None
        p, o = m["p"], m["o"]
        alternatives = p.split("|")
        p_var = p[1:] if p[0] in "?$" else None
        predicates: tuple[str, ...] | None = None
        if p_var is None:
            found = [self._absolute(part.strip()) for part in alternatives]
            if None in found:
                return None
            predicates = tuple(iri for iri in found if iri is not None)
        o_var = o[1:] if o[0] in "?$" else None
        o_iri = None if o_var is not None else self._absolute(o)
        if o_var is None and (o_iri is None or len(alternatives) > 1):
            return None  # an unknown object IRI, or a path with a fixed object
        if o_var is not None and o_var == p_var:
            return None
        limit = offset = None
        for word, number in _SLICE.findall(m["slice"]):
            if len(number) > len(str(MAX_SLICE)) or int(number) > MAX_SLICE:
                return None
            if word.upper() == "LIMIT":
                if limit is not None:
                    return None
                limit = int(number)
            else:
                if offset is not None:
                    return None
                offset = int(number)
        return LookupShape(
            self.subject,
            names,
            modifier == "DISTINCT",
            p_var,
            predicates,
            len(alternatives) > 1,
            o_var,
            o_iri,
            limit,
            offset or 0,
        )

    def _absolute(self, name: str) -> str | None:
        """The IRI ``name`` (``<...>``, a prefixed name or ``a``) stands for, when it is
        absolute (needs no base); else ``None``."""
        if name == "a":
            return RDF_TYPE
        if name.startswith("<"):
            iri = name[1:-1]
        else:
            prefix, _, local = name.partition(":")
            declared = self.namespaces.get(prefix)
            if declared is None:
                return None  # not declared, declared twice, or "A" (the keyword is "a")
            iri = declared[0] + local
        return iri if _ABSOLUTE.match(iri) else None


@dataclass(frozen=True, slots=True)
class LookupShape:
    """A lookup in full: ``SELECT [DISTINCT] ?names... { <subject> P O } [LIMIT] [OFFSET]``,
    with ``P`` the variable ``p_var`` or the IRIs ``predicates`` (a path of alternatives when
    ``path``), and ``O`` the variable ``o_var`` or the IRI ``o_iri``."""

    subject: str
    names: tuple[str, ...]
    distinct: bool
    p_var: str | None
    predicates: tuple[str, ...] | None
    path: bool
    o_var: str | None
    o_iri: str | None
    limit: int | None
    offset: int


def parse_lookup(query: str, base_iri: str | None = None) -> Lookup | None:
    """The lookup ``query`` is (see the module), ``None`` when it is not one."""
    if len(query) > MAX_QUERY_CHARS:
        return None
    m = _LOOKUP.fullmatch(query)
    if m is None:
        return None
    base = base_iri
    namespaces: dict[str, tuple[str, str | None] | None] = {}
    prologue = m["prologue"]
    if prologue:
        for d in _DECLARATION.finditer(prologue):
            if d[1] is not None:
                base = resolve(d[1][1:-1], base)
                if base is None:
                    return None
            else:
                prefix = d[2][:-1]
                namespaces[prefix] = None if prefix in namespaces else (d[3][1:-1], base)
    subject = m["s"]
    if subject is None:
        return Lookup("", m, namespaces)
    if subject.startswith("<"):
        iri = resolve(subject[1:-1], base)
    else:
        prefix, _, local = subject.partition(":")
        declared = namespaces.get(prefix)
        namespace = None if declared is None else resolve(*declared)
        iri = None if namespace is None else namespace + local
    return None if iri is None else Lookup(iri, m, namespaces)


def small_subject(store: ox.Store, meta: dict[str, Any], as_built: bool, subject: str) -> bool:
    """Whether ``subject`` has at most ``MAX_QUADS`` quads. ``meta`` is the release's metadata;
    its list of larger subjects holds while the store is ``as_built`` (no writes since)."""
    large = meta.get("large_subjects")
    if as_built and isinstance(large, dict) and large.get("quads") == MAX_QUADS:
        iris = large.get("iris")
        if isinstance(iris, list):
            return subject not in iris
    return few_quads(store, subject)


def few_quads(store: ox.Store, subject: str) -> bool:
    """Whether ``subject`` has at most ``MAX_QUADS`` quads (reads at most one more)."""
    node = ox.NamedNode(subject)
    found = islice(store.quads_for_pattern(node, None, None), MAX_QUADS + 1)
    return sum(1 for _ in found) <= MAX_QUADS
