"""A large graph of the Graph Store, streamed: pyoxigraph serialises it from the store in a
thread of its own, chunk by chunk, while the response sends what is ready.

Made whole in memory, the 1M-triple graph of the benchmark took 18.9 s before its first byte and
raised the server's memory from ~150 to 642 MB (a Python ``Triple`` per triple, then one
serialisation). ``Store.dump(from_graph=...)`` writes it without Python objects into a
:class:`ChunkPipe`: at most :data:`QUEUED` chunks of :data:`CHUNK` bytes wait for the client,
and a slow client pauses the dump. A client that leaves closes the pipe; the next write then
fails and the dump stops, so no thread is left waiting.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import AsyncIterator

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool

CHUNK = 64 * 1024
QUEUED = 8  # chunks that may wait for the client
POLL_S = 0.5  # how often a blocked side looks whether the other has gone


class ClientGone(OSError):
    """The response stopped reading (the client left): the dump ends."""


class ChunkPipe:
    """The file pyoxigraph writes into (from the dumping thread), read by :meth:`chunks`."""

    def __init__(self) -> None:
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(QUEUED)
        self._buf = bytearray()
        self.closed = threading.Event()

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.closed.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return
            except queue.Full:
                continue
        raise ClientGone("the client stopped reading")

    def write(self, data: bytes) -> int:
        self._buf += data
        if len(self._buf) >= CHUNK:
            self._put(bytes(self._buf))
            self._buf.clear()
        return len(data)

    def flush(self) -> None:  # pyoxigraph calls it; chunks go by size
        return None

    def finish(self, error: BaseException | None = None) -> None:
        """The end of the data: the rest of it, then the end (or the error that stopped it)."""
        if error is None and self._buf:
            self._put(bytes(self._buf))
        self._put(error)

    async def chunks(self) -> AsyncIterator[bytes]:
        """What the dump wrote, until its end; an error of the dump is raised here (the
        response is then cut off: its first bytes were sent)."""
        try:
            while True:
                try:
                    item = await run_in_threadpool(self._queue.get, True, POLL_S)
                except queue.Empty:
                    continue
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.closed.set()


def start_dump(
    store: ox.Store,
    graph: ox.NamedNode | ox.DefaultGraph,
    fmt: ox.RdfFormat,
    prefixes: dict[str, str],
) -> ChunkPipe:
    """Starts serialising ``graph`` of ``store`` in ``fmt`` (declaring ``prefixes``) in a thread;
    its bytes come out of the returned pipe."""
    pipe = ChunkPipe()

    def run() -> None:
        error: BaseException | None = None
        try:
            store.dump(pipe, format=fmt, from_graph=graph, prefixes=prefixes)  # type: ignore[arg-type]
        except (OSError, ValueError, RuntimeError) as e:  # also the client gone (ClientGone)
            error = e
        with contextlib.suppress(ClientGone):  # nobody reads the end any more
            pipe.finish(error)

    threading.Thread(target=run, name="graph-dump", daemon=True).start()
    return pipe
