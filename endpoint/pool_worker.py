"""A query worker process of the pool (``endpoint/executor_pool.py``); the parent's side is there.

Started as ``python -m endpoint.pool_worker FD PARENT_PID`` with one end of a socket pair as
``FD``. The worker opens the release read-only (``Store.read_only``), runs one job at a time and
streams the serialised result back, so a query that runs too long can be stopped by ending this
process. Messages in both directions are frames: one type byte, a 4-byte big-endian length, the
payload.

    parent -> worker   J <job as JSON>          run a query
                       O <path, generation and memory_quads as JSON>  open the release now
                       Q                        quit
    worker -> parent   X <error as JSON>        the job failed (before or during the result)
                       A <head length, head, bytes>  the whole result (it fits in one chunk)
                       H <kind and media type>  a larger result starts (sent with its first chunk)
                       C <bytes>                a chunk of the serialised result
                       E                        the result is complete

The head (``{"kind": ..., "media": ...}``) waits until the first chunk (``CHUNK`` bytes) is full
or the result is complete, so a query whose result is small, or that fails or times out before
it has produced a chunk, gets a proper error answer instead of a cut stream; and a small result
frees its worker at once (``A``), before the client has read it.

**The release in memory**: a job carries ``memory_quads``; when the release has at most that many
quads, a thread of the worker copies it into an in-memory store (``MemoryCopy``) while the worker
answers from the store on disk, and the worker answers from the copy once it is complete (its
queries run up to six times faster there). The head of each result says which store answered
(``"memory"``). The copy is made of the store's own quads, blank nodes included, in the order the
store gives them, so every worker's copy is the same; results without ORDER BY may come in
another order than from the store on disk.

The worker leaves when the socket closes, when it reads ``Q``, or when its parent is gone (a
thread watches the parent's pid), so no worker outlives the server. It ignores SIGINT: a Ctrl-C
in the terminal reaches the whole process group, and the server stops its workers itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from itertools import islice
from typing import Any, BinaryIO, cast

import pyoxigraph as ox

FRAME = struct.Struct(">cI")
LENGTH = struct.Struct(">I")
CHUNK = 64 * 1024
PARENT_POLL = 0.5
_POSITION = re.compile(r"error at (\d+):(\d+)")


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return FRAME.pack(kind, len(payload)) + payload


class ParentGone(Exception):
    pass


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) < n:
        raise ParentGone
    return data


def recv_frame(stream: BinaryIO) -> tuple[bytes, bytes]:
    """The next frame from ``stream`` (the socket as a buffered file: a frame's header and a
    small payload come in one ``recv``)."""
    kind, size = FRAME.unpack(_read_exactly(stream, FRAME.size))
    return kind, _read_exactly(stream, size) if size else b""


class ChunkWriter:
    """The file pyoxigraph serialises into: collects ``CHUNK`` bytes, then sends a frame.
    Memory stays at one chunk whatever the size of the result; a slow reader on the other end
    blocks ``sendall`` (the socket's buffer is full), which pauses the serialiser."""

    def __init__(self, sock: socket.socket, header: bytes) -> None:
        self._sock = sock
        self._header: bytes | None = header
        self._buf = bytearray()
        self.broken = False

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError:
            self.broken = True
            raise

    def _flush_chunk(self) -> None:
        out = b""
        if self._header is not None:
            out, self._header = frame(b"H", self._header), None
        self._send(out + frame(b"C", bytes(self._buf)))
        self._buf.clear()

    def write(self, data: bytes) -> int:
        self._buf += data
        if len(self._buf) >= CHUNK:
            self._flush_chunk()
        return len(data)

    def flush(self) -> None:  # pyoxigraph calls it at the end; chunks are sent by size
        return None

    def finish(self) -> None:
        if self._header is not None:  # the whole result fits in one chunk: one frame
            head = self._header
            self._send(frame(b"A", LENGTH.pack(len(head)) + head + bytes(self._buf)))
            return
        if self._buf:
            self._flush_chunk()
        self._send(frame(b"E"))


def _error(what: str, message: str, **extra: Any) -> bytes:
    return frame(b"X", json.dumps({"type": what, "message": message, **extra}).encode())


def _query_kwargs(job: dict[str, Any]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if job["default_graphs"]:
        kw["default_graph"] = [ox.NamedNode(g) for g in job["default_graphs"]]
    else:
        kw["use_default_graph_as_union"] = True
    if job["named_graphs"]:
        kw["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    return kw


class MemoryCopy:
    """A copy of a release in an in-memory store, made in a thread (``store`` is set once it is
    complete; never when the release has more than ``limit`` quads, or when cancelled)."""

    BATCH = 1_000  # quads a call: the call holds the GIL, which the queries' thread needs
    NICE = 10  # the copy's thread yields the processor to queries

    def __init__(self, disk: ox.Store, limit: int, *, start: bool = True) -> None:
        self.store: ox.Store | None = None
        self.cancelled = False
        self._disk: ox.Store | None = disk
        self._limit = limit
        self._thread = threading.Thread(target=self._run, name="memory-copy", daemon=True)
        if start:
            self._thread.start()

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # Linux: a thread is a task
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.NICE)
        self.copy()
        self._disk = None  # the worker closes the store on disk once it stops using it

    def copy(self) -> None:
        """Makes the copy (in the thread; a test may call it itself with ``start=False``)."""
        disk, limit = self._disk, self._limit
        assert disk is not None
        try:
            if len(disk) > limit:
                return
            memory = ox.Store()
            quads = disk.quads_for_pattern(None, None, None, None)
            while not self.cancelled and (batch := list(islice(quads, self.BATCH))):
                memory.extend(batch)
        except (OSError, RuntimeError, ValueError, MemoryError):
            return  # the worker goes on answering from the store on disk
        if not self.cancelled:
            self.store = memory

    def join(self, timeout: float | None = None) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)


class Worker:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.store: ox.Store | None = None
        self.opened: tuple[str, int] | None = None
        self.copy: MemoryCopy | None = None  # the copy being made
        self.in_memory = False  # whether ``store`` is the copy in memory

    def _open(self, path: str, generation: int, memory_quads: int) -> ox.Store:
        if self.store is None or self.opened != (path, generation):
            if self.copy is not None:
                self.copy.cancelled = True
            self.store = self.copy = None  # close the old release before opening the new one
            self.opened, self.in_memory = None, False
            self.store = ox.Store.read_only(path)
            self.opened = (path, generation)
            if memory_quads > 0:
                self.copy = MemoryCopy(self.store, memory_quads)
        elif self.copy is not None and self.copy.store is not None:
            self.store, self.copy, self.in_memory = self.copy.store, None, True
        return self.store

    def run(self, job: dict[str, Any]) -> None:
        try:
            store = self._open(job["path"], job["generation"], job.get("memory_quads", 0))
        except OSError as e:
            self.sock.sendall(
                _error("store", f"the release at {job['path']} could not be opened: {e}")
            )
            return
        try:
            res = store.query(job["query"], base_iri=job["base_iri"], **_query_kwargs(job))
        except SyntaxError as e:
            m = _POSITION.search(str(e))
            line, column = (int(m[1]), int(m[2])) if m else (None, None)
            self.sock.sendall(_error("query", str(e), line=line, column=column))
            return
        except (OSError, RuntimeError, ValueError) as e:
            self.sock.sendall(_error("query", f"evaluation failed: {e}"))
            return
        kind = (
            "solutions"
            if isinstance(res, ox.QuerySolutions)
            else "boolean"
            if isinstance(res, ox.QueryBoolean)
            else "graph"
        )
        media = job["formats"].get(kind)
        fmt: ox.RdfFormat | ox.QueryResultsFormat | None = None
        if media is not None:
            fmt = (
                ox.RdfFormat.from_media_type(media)
                if kind == "graph"
                else ox.QueryResultsFormat.from_media_type(media)
            )
        if fmt is None:
            self.sock.sendall(_error("not_acceptable", f"no format for {media}", kind=kind))
            return
        head = {"kind": kind, "media": media, "memory": self.in_memory}
        out = ChunkWriter(self.sock, json.dumps(head).encode())
        try:
            res.serialize(output=out, format=fmt)  # type: ignore[arg-type]
        except (OSError, RuntimeError, ValueError) as e:
            if out.broken:
                raise ParentGone from None
            self.sock.sendall(_error("query", f"evaluation failed: {e}"))
            return
        finally:
            del res
        if out.broken:
            raise ParentGone
        try:
            out.finish()
        except OSError:
            raise ParentGone from None

    def loop(self) -> None:
        stream = cast(BinaryIO, self.sock.makefile("rb", buffering=64 * 1024))
        while True:
            kind, payload = recv_frame(stream)
            if kind == b"Q":
                return
            if kind == b"J":
                self.run(json.loads(payload))
            elif kind == b"O":  # (a failure to open is reported with the first query)
                job = json.loads(payload)
                with contextlib.suppress(OSError):
                    self._open(job["path"], job["generation"], job["memory_quads"])


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL)
        if os.getppid() != parent:
            os._exit(0)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, parent = int(argv[1]), int(argv[2])
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:
        return 0
    sock = socket.socket(fileno=fd)
    try:
        Worker(sock).loop()
    except (ParentGone, OSError):
        pass
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
