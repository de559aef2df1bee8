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
    (?:SELECT(?:\s+(?:DISTINCT|REDUCED))?\s*(?:\*|(?:{_VAR}\s*)+)|ASK)\s*
    (?:WHERE\s*)?
    \{{\s*
      (?:
        (?P<s>{_NAME})\s+
        (?:{_VAR}|(?:a|{_NAME})(?:\s*\|\s*(?:a|{_NAME}))*)\s+
        (?:{_VAR}|{_NAME})\s*
        \.?\s*
      )?
    \}}\s*
    (?:(?:LIMIT|OFFSET)\s+[0-9]+\s*){{0,2}}""",
    re.I | re.X,
)


def lookup_subject(query: str, base_iri: str | None = None) -> str | None:
    """The subject IRI when ``query`` is a lookup (see the module), ``""`` for a lookup without
    a pattern (nothing to read), else ``None``."""
    if len(query) > MAX_QUERY_CHARS:
        return None
    m = _LOOKUP.fullmatch(query)
    if m is None:
        return None
    subject = m["s"]
    if subject is None:
        return ""
    wanted = None if subject.startswith("<") else subject.partition(":")[0]
    base = base_iri
    namespace: str | None = None
    declared = 0
    for d in _DECLARATION.finditer(m["prologue"]):
        if d[1] is not None:
            base = resolve(d[1][1:-1], base)
            if base is None:
                return None
        elif d[2][:-1] == wanted:  # only the subject's prefix matters (declared once)
            declared += 1
            namespace = resolve(d[3][1:-1], base)
    if wanted is None:
        return resolve(subject[1:-1], base)
    if declared != 1 or namespace is None:
        return None
    return namespace + subject.partition(":")[2]


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
