"""Which subjects (and documents) of a release have many quads: written into its metadata.

The endpoint answers a lookup of one subject's triples in its own process instead of a query
worker when the subject has at most ``LIMIT`` quads (``endpoint/quick_lookup.py``). Counting them
per request would cost about as much as the lookup, so the build lists the few subjects above
the limit once (one GROUP BY, about 1.4 s at 1M triples), in the release's JSON next to the store:

    "large_subjects": {"quads": 2000, "iris": ["https://...", ...]}

The endpoint trusts the list only while the store is as built and ``quads`` is its own limit;
otherwise it counts.

Likewise the IRIs whose document (``/doc/...``: the quads from and to the IRI) holds more than
``DOCUMENT_LIMIT`` quads, about 160 at 1M triples (one GROUP BY over both directions, 3.8 s, run
after the first in the same thread):

    "large_documents": {"quads": 300, "iris": ["https://...", ...]}

The endpoint makes any other document on its event loop (about a millisecond), and these, whose
counts and lists of links take up to a few hundred milliseconds, in a thread; after a write, all
in a thread.
"""

from __future__ import annotations

import pyoxigraph as ox

LIMIT = 2000
DOCUMENT_LIMIT = 300

QUERY = """
SELECT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }
GROUP BY ?s HAVING (COUNT(*) > %d)
ORDER BY ?s
"""

DOCUMENTS = """
SELECT ?x WHERE { { ?x ?p ?o FILTER(isIRI(?x)) } UNION { ?s ?p ?x FILTER(isIRI(?x)) } }
GROUP BY ?x HAVING (COUNT(*) > %d)
ORDER BY ?x
"""


def large_subjects(store: ox.Store, limit: int = LIMIT) -> dict[str, object]:
    """The metadata entry: the limit and the IRIs of the subjects with more quads than it."""
    rows = store.query(QUERY % int(limit), use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    return {"quads": limit, "iris": [r[0].value for r in rows]}


def large_documents(store: ox.Store, limit: int = DOCUMENT_LIMIT) -> dict[str, object]:
    """The metadata entry: the limit and the IRIs with more quads from and to them than it."""
    rows = store.query(DOCUMENTS % int(limit), use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    return {"quads": limit, "iris": [r[0].value for r in rows]}


def large_iris(store: ox.Store) -> tuple[dict[str, object], dict[str, object]]:
    """Both entries, one query after the other (for a thread beside the search index)."""
    return large_subjects(store), large_documents(store)
