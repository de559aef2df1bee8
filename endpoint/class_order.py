"""The instances of a class in page order, kept per release so that paging stays fast.

Sorting a class of 100,000 instances by name takes Oxigraph seconds for every page
(``ORDER BY ... LIMIT 50 OFFSET n`` sorts the whole class each time; measured with pyoxigraph
0.5.13). So the order is computed once per (release version, class, sort, language): one query
for the instances with their labels (and one for their incoming links when sorting by them),
sorted in Python with accents and case ignored, and kept in a small LRU bounded by the number
of IRIs it holds. A page is then a slice of that list; its labels come from one query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import pyoxigraph as ox
from fastapi import FastAPI

from .entry_labels import LABEL_PREDICATES, local_name, pick, sort_key, values_block
from .store import ReleaseStore

SORTS = ("label", "-label", "links", "-links")
MAX_CACHED = 500_000  # IRIs kept over all cached orders

INSTANCES = """
SELECT ?s ?p ?l $class WHERE {
  ?s a $class FILTER(isIRI(?s))
  OPTIONAL { ?s ?p ?l VALUES ?p { %s } FILTER(isLiteral(?l)) }
}
"""

INCOMING = """
SELECT ?s $class (COUNT(DISTINCT ?x) AS ?n) WHERE {
  ?s a $class . ?x ?p ?s FILTER(isIRI(?s))
} GROUP BY ?s $class
"""

Key = tuple[str, str, str, str]


def build_order(reader: ReleaseStore, class_iri: str, sort: str, lang: str) -> list[str]:
    """Every IRI-named instance of ``class_iri``, in the order ``sort`` asks for."""
    subs = {ox.Variable("class"): ox.NamedNode(class_iri)}
    rank = {p: n for n, p in enumerate(LABEL_PREDICATES)}
    found: dict[str, dict[str, tuple[int, str]]] = {}
    for row in reader.select(INSTANCES % values_block(LABEL_PREDICATES), subs):
        labels = found.setdefault(row["s"].value, {})
        if row["l"] is not None:
            lg = getattr(row["l"], "language", None) or ""
            r = (rank[row["p"].value], row["l"].value)
            if lg not in labels or r < labels[lg]:
                labels[lg] = r
    names = {
        s: sort_key(pick({k: v[1] for k, v in labels.items()}, lang) or local_name(s))
        for s, labels in found.items()
    }
    if sort.endswith("links"):
        links = {r["s"].value: int(r["n"].value) for r in reader.select(INCOMING, subs)}
        sign = -1 if sort.startswith("-") else 1
        return sorted(names, key=lambda s: (sign * links.get(s, 0), names[s], s))
    return sorted(names, key=lambda s: (names[s], s), reverse=sort.startswith("-"))


class OrderCache:
    def __init__(self, max_items: int = MAX_CACHED) -> None:
        self.max_items = max_items
        self._entries: OrderedDict[Key, list[str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # guards the entries; held only briefly
        self._build_lock = threading.Lock()  # one order is built at a time

    def _hit(self, key: Key) -> list[str] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def get(self, key: Key, build: Callable[[], list[str]]) -> list[str]:
        found = self._hit(key)
        if found is not None:
            return found
        with self._build_lock:
            found = self._hit(key)
            if found is not None:
                return found
            order = build()
            with self._lock:
                for old in [k for k in self._entries if k[0] != key[0]]:  # older releases
                    self._size -= len(self._entries.pop(old))
                self._entries[key] = order
                self._size += len(order)
                while self._size > self.max_items and len(self._entries) > 1:
                    _, dropped = self._entries.popitem(last=False)
                    self._size -= len(dropped)
            return order


_create = threading.Lock()


def order_cache(app: FastAPI) -> OrderCache:
    """The app's cache (made on first use, so the app factory needs no change)."""
    cache = getattr(app.state, "class_order_cache", None)
    if cache is None:
        with _create:
            cache = getattr(app.state, "class_order_cache", None)
            if cache is None:
                cache = OrderCache()
                app.state.class_order_cache = cache
    assert isinstance(cache, OrderCache)
    return cache


def ordered(app: FastAPI, reader: ReleaseStore, class_iri: str, sort: str, lang: str) -> list[str]:
    key = (reader.version, class_iri, sort, lang)
    return order_cache(app).get(key, lambda: build_order(reader, class_iri, sort, lang))
