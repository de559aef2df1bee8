"""Rendered pages and documents kept in memory, by what makes them what they are.

The key is a page's ``ETag`` (which names the content being served, :attr:`ReleaseStore.version`,
and the representation: document, format, language, parameters) plus the query string as sent
(the language switch link repeats it). A build or a write changes the version, so an old entry is
never served again; it just ages out. The cache is bounded by bytes (least recently used goes
first) and holds nothing that replicas would need to share: it only saves work.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

DEFAULT_BYTES = 64 * 1024 * 1024


class PageCache:
    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[str, str], body: bytes) -> None:
        if len(body) > self.max_bytes // 8:
            return  # a huge page is not worth crowding out many small ones
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._items[key] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._items)
