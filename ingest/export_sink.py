"""One dump file, written in its own thread: pyoxigraph's serialiser fed in batches, into gzip.

The export reads the store once and hands each batch of quads (or triples) to every file that
needs it (``Sink.feed``). Each sink runs ``pyoxigraph.serialize`` over the batches it is given, so
a Turtle, TriG, JSON-LD or RDF/XML file is one document written by Oxigraph's own streaming
serialiser, while the store is read only once for all of them. A sink holds at most
``QUEUE_DEPTH`` batches, so memory is bounded by the batch size, not by the graph.

The gzip stream is deterministic (no file name, mtime 0): the same content gives the same bytes
and checksum. zlib and hashlib release the GIL, so compression runs beside the reading.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import threading
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

GZIP_LEVEL = 6  # measured: level 3 is ~20% bigger, 9 ~2x slower for ~4% less (bench/README.md)
QUEUE_DEPTH = 4  # batches waiting per sink
CHUNK = 1 << 18  # bytes handed to zlib at a time

Item = ox.Quad | ox.Triple


class GzipWriter:
    """A binary sink that gzips into ``path`` and counts size and SHA-256 of the bytes written."""

    def __init__(self, path: Path, level: int = GZIP_LEVEL) -> None:
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._zip = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip container, mtime 0
        self._buf = bytearray()
        self.sha = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self._buf += data
        if len(self._buf) >= CHUNK:
            self._emit(self._zip.compress(self._buf))
            self._buf.clear()
        return len(data)

    def flush(self) -> None:
        return None

    def _emit(self, packed: bytes) -> None:
        if packed:
            self.sha.update(packed)
            self.size += len(packed)
            self._fh.write(packed)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._emit(self._zip.compress(self._buf))
            self._emit(self._zip.flush())
        finally:
            self._fh.close()


class JsonLdFrame:
    """Puts pyoxigraph's JSON-LD (a top-level array of node objects) under an ``@context``:
    ``{"@context": {...}, "@graph": [...]}``. The context only declares prefixes, so every node
    expands to exactly what the serialiser wrote."""

    def __init__(self, raw: GzipWriter, context: dict[str, str]) -> None:
        self.raw = raw
        self._head = b'{"@context":' + json.dumps(context).encode() + b',\n"@graph":'
        self._started = False

    def write(self, data: bytes) -> int:
        if not self._started:
            first = bytes(data).lstrip()[:1]
            if not first:
                return len(data)
            if first != b"[":
                raise ValueError(
                    "pyoxigraph's JSON-LD serialiser did not start with a top-level array "
                    f"(got {first!r}); the @context frame expects one"
                )
            self.raw.write(self._head)
            self._started = True
        return self.raw.write(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        if not self._started:
            self.raw.write(self._head + b"[]")
        self.raw.write(b"}\n")
        self.raw.close()


class Sink:
    """A dump file written by ``ox.serialize`` in its own thread from the batches it is fed."""

    def __init__(
        self,
        path: Path,
        fmt: ox.RdfFormat,
        prefixes: dict[str, str] | None = None,
        *,
        context: dict[str, str] | None = None,
        level: int = GZIP_LEVEL,
    ) -> None:
        self.path = path
        self.count = 0
        self.error: BaseException | None = None
        self._raw = GzipWriter(path, level)
        self._out: GzipWriter | JsonLdFrame = (
            JsonLdFrame(self._raw, context) if context is not None else self._raw
        )
        self._fmt = fmt
        self._prefixes = prefixes
        self._queue: queue.Queue[Sequence[Item] | None] = queue.Queue(maxsize=QUEUE_DEPTH)
        self._ended = False  # the serialiser has seen the end of the input
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"export {path.name}", daemon=True)
        self._thread.start()

    def feed(self, batch: Sequence[Item]) -> None:
        if self.error is not None:
            raise self.error
        if batch:
            self.count += len(batch)
            self._queue.put(batch)

    def close(self) -> tuple[int, str]:
        """Finish the file; returns its size and SHA-256. Raises what the writer ran into."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()
        if self.error is not None:
            raise self.error
        return self._raw.size, self._raw.sha.hexdigest()

    def abort(self) -> None:
        """Stop without raising (the caller is already handling an error)."""
        with contextlib.suppress(BaseException):  # the first error is the one reported
            self.close()

    def _items(self) -> Iterator[Item]:
        while True:
            batch = self._queue.get()
            if batch is None:
                self._ended = True
                return
            yield from batch

    def _run(self) -> None:
        try:
            items = cast(Iterator[ox.Quad], self._items())  # quads or triples, as fed
            out = cast(IO[bytes], self._out)  # write() is all the serialiser calls
            ox.serialize(items, out, format=self._fmt, prefixes=self._prefixes)
            self._out.close()
        except BaseException as exc:  # noqa: BLE001 - handed to the feeding thread
            self.error = exc
            with contextlib.suppress(OSError):
                self._raw.close()
            while not self._ended:  # keep taking batches so that the feeder never blocks
                self._ended = self._queue.get() is None
