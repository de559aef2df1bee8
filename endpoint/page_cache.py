"""Rendered pages and documents kept in memory, by what makes them what they are.

The key is a page's ``ETag`` (which names the content being served, :attr:`ReleaseStore.version`,
and the representation: document, format, language, parameters) plus the query string as sent
(the language switch link repeats it). A build or a write changes the version, so an old entry is
never served again; it just ages out. The cache is bounded by bytes (least recently used goes
first) and holds nothing that replicas would need to share: it only saves work.

``BoundedCache`` is the same bounded store for other values (``endpoint/response_cache.py`` keeps
whole responses in one).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

DEFAULT_BYTES = 64 * 1024 * 1024
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Least recently used goes first once the values' sizes add up to more than
    ``max_bytes``; a value larger than an eighth of that is not kept (a huge one is not worth
    crowding out many small ones). ``max_bytes`` 0 keeps nothing. Safe across threads."""

    def __init__(self, max_bytes: int, size: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self._size = size
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0  # for /metrics
        self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return item[0]

    @property
    def bytes(self) -> int:
        return self._bytes

    def put(self, key: K, value: V) -> None:
        size = self._size(value)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)


class PageCache(BoundedCache[tuple[str, str], bytes]):
    """Rendered pages by (``ETag``, query string)."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        super().__init__(max_bytes, len)
