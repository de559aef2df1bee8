"""Which subjects of a release have many quads: written into the release's metadata.

The endpoint answers a lookup of one subject's triples in its own process instead of a query
worker when the subject has at most ``LIMIT`` quads (``endpoint/quick_lookup.py``). Counting them
per request would cost about as much as the lookup, so the build lists the few subjects above
the limit once (one GROUP BY, about 1.4 s at 1M triples), in the release's JSON next to the store:

    "large_subjects": {"quads": 2000, "iris": ["https://...", ...]}

The endpoint trusts the list only while the store is as built and ``quads`` is its own limit;
otherwise it counts.
"""

from __future__ import annotations

import pyoxigraph as ox

LIMIT = 2000

QUERY = """
SELECT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }
GROUP BY ?s HAVING (COUNT(*) > %d)
ORDER BY ?s
"""


def large_subjects(store: ox.Store, limit: int = LIMIT) -> dict[str, object]:
    """The metadata entry: the limit and the IRIs of the subjects with more quads than it."""
    rows = store.query(QUERY % int(limit), use_default_graph_as_union=True)
    assert isinstance(rows, ox.QuerySolutions)
    return {"quads": limit, "iris": [r[0].value for r in rows]}
