"""The default ``Executor``: queries run in worker processes that can be stopped at the timeout.

pyoxigraph cannot cancel a query, so each query runs in a worker process
(``endpoint/pool_worker.py``) that opens the current release read-only; the worker streams the
serialised result back in chunks through a socket that this process reads with asyncio (the
event loop never blocks on a worker). A query that runs past ``query_timeout`` is stopped by
ending its worker; a fresh worker takes its place.

- **Timeout**: counted from the moment a worker takes the query. If no bytes were sent yet, the
  query is answered ``QueryTimeout`` (503). Results are sent once the first 64 KiB are ready (or
  the result is complete), so most queries either finish or time out cleanly; if the limit hits
  while a large result is already streaming, the stream is cut: the chunked response ends without
  its last chunk, which every HTTP client reports as an incomplete read.
- **Capacity**: at most ``query_workers`` queries run at once, ``query_queue`` more wait (at most
  ``query_timeout`` seconds) for a free worker; beyond that ``Overloaded`` (503 + Retry-After).
- **Memory**: each job carries ``memory_quads`` (``KENNISGRAAF_MEMORY_QUADS``): a worker copies
  a release of at most that many quads into memory in a thread and answers from the copy once it
  is complete (``pool_worker.MemoryCopy``); each result says which store answered, which the
  gauge ``in_memory`` counts. A new worker is told to open the release (``O``) before its
  first query, so that the copy begins at once.
- **Writes** (``update``, ``write``) run in this process on the read-write store of the
  ``ReleaseStore``, one at a time, and never while a worker query runs (a read-only store opened
  in another process during a write is undefined behaviour): a write waits for the queries in
  flight, new queries wait for the write, then the workers reopen the store (a generation counter
  goes with each job, as does the release folder, so a new build is picked up too). Writes are
  not stopped by the timeout; only holders of the update token can send them.
- **Lookups** of one thing's triples (``endpoint/quick_lookup.py``: one triple pattern with a
  fixed subject of at most 2,000 quads) are answered in this process, in the event loop: their
  cost has a small bound known before they run, so they need no stopping, and the hand-over to a
  worker would cost as much as the lookup. They do not count against the workers and the queue,
  and they wait for no write (while one runs or waits, they go to a worker like any query).
- ``read`` runs a quick function in this process's thread pool.
- Workers leave when ``aclose`` asks, when their socket closes or when this process is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar, cast

from starlette.concurrency import run_in_threadpool

from . import lookup_answers
from .child_env import child_env
from .executor import (
    Dataset,
    ExecutorError,
    NotAcceptable,
    Overloaded,
    QueryError,
    QueryJob,
    QueryResult,
    QueryTimeout,
    ResultKind,
    WritesDisabled,
)
from .executor_local import parse_error, serialize
from .limits import check_service
from .negotiation import SRJ
from .pool_worker import FRAME, LENGTH, frame
from .quick_lookup import Lookup, parse_lookup, small_subject
from .settings import ServeSettings
from .store import NoRelease, ReleaseStore

T = TypeVar("T")
log = logging.getLogger("kennisgraaf.pool")
WORKER_MODULE = f"{__package__}.pool_worker"


class WorkerFailed(ExecutorError):
    """A worker process ended in the middle of a query (for example: out of memory)."""


class _Worker:
    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.proc = proc
        self.reader = reader
        self.writer = writer
        self.in_memory = False  # its last result came from its copy of the release in memory

    @property
    def pid(self) -> int:
        return self.proc.pid

    def usable(self) -> bool:
        return self.proc.poll() is None and not self.reader.at_eof()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.writer.close()

    async def read(self) -> tuple[bytes, bytes]:
        kind, size = FRAME.unpack(await self.reader.readexactly(FRAME.size))
        return kind, (await self.reader.readexactly(size) if size else b"")


class _RWLock:
    """Many readers (worker queries) or one writer; a waiting writer stops new readers.
    Releasing is synchronous, so a timer callback can release."""

    def __init__(self) -> None:
        self.readers = 0
        self.writer = False
        self._readers_waiting: list[asyncio.Future[None]] = []
        self._writers_waiting: deque[asyncio.Future[None]] = deque()

    def try_acquire_read(self) -> bool:
        if not self.writer and not self._writers_waiting:
            self.readers += 1
            return True
        return False

    async def acquire_read(self) -> None:
        if self.try_acquire_read():
            return
        fut = asyncio.get_running_loop().create_future()
        self._readers_waiting.append(fut)
        await self._wait(fut, self.release_read, self._readers_waiting)

    async def acquire_write(self) -> None:
        if not self.writer and self.readers == 0 and not self._writers_waiting:
            self.writer = True
            return
        fut = asyncio.get_running_loop().create_future()
        self._writers_waiting.append(fut)
        await self._wait(fut, self.release_write, self._writers_waiting)

    async def _wait(
        self, fut: asyncio.Future[None], release: Callable[[], None], queue: Any
    ) -> None:
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                release()  # granted just as we gave up: hand it on
            elif fut in queue:
                queue.remove(fut)
                self._wake()
            raise

    def release_read(self) -> None:
        self.readers -= 1
        self._wake()

    def release_write(self) -> None:
        self.writer = False
        self._wake()

    def _wake(self) -> None:
        if self.writer:
            return
        if self._writers_waiting:
            if self.readers == 0:
                fut = self._writers_waiting.popleft()
                self.writer = True
                fut.set_result(None)
            return
        waiting, self._readers_waiting = self._readers_waiting, []
        for fut in waiting:
            if not fut.done():
                self.readers += 1
                fut.set_result(None)


class _Run:
    """One query on one worker: holds the worker and a read lock until the result is complete,
    the consumer leaves, or the deadline ends it (by killing the worker)."""

    def __init__(self, pool: PoolExecutor, worker: _Worker, timeout: float) -> None:
        self.pool = pool
        self.worker = worker
        self.done = False
        self.timed_out = False
        loop = asyncio.get_running_loop()
        self._timer = loop.call_at(loop.time() + timeout, self._expire)

    def _expire(self) -> None:
        if not self.done:
            self.timed_out = True
            self.pool.counts["timeout"] += 1
            log.info("query stopped at the timeout (worker %s)", self.worker.pid)
            self._end(kill=True)

    def finish(self) -> None:
        self._end(kill=False)

    def abort(self) -> None:
        self._end(kill=True)

    def _end(self, kill: bool) -> None:
        if self.done:
            return
        self.done = True
        self._timer.cancel()
        self.pool._end_run(self.worker, kill)

    async def read(self) -> tuple[bytes, bytes]:
        try:
            return await self.worker.read()
        except (asyncio.IncompleteReadError, ConnectionError):
            if self.timed_out:
                raise _TimedOut from None
            pid, code = self.worker.pid, self.worker.proc.poll()
            self.pool.counts["failed"] += 1
            self.abort()
            raise WorkerFailed(
                f"the query worker (process {pid}) stopped in the middle of the query"
                + (f" with exit code {code}" if code is not None else "")
                + "; the query may need more memory than the server has: make it more "
                "selective, or tell the operator if it keeps happening"
            ) from None


class _TimedOut(Exception):
    pass


class PoolExecutor:
    def __init__(self, settings: ServeSettings, reader: ReleaseStore) -> None:
        self._settings = settings
        self._reader = reader
        self._size = settings.query_workers
        self._timeout = settings.query_timeout
        self._queue = settings.query_queue
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._workers: set[_Worker] = set()
        self._spawning = 0
        self._busy = 0
        self._waiting = 0
        self._generation = 0
        self._rw = _RWLock()
        self._write_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._seen: tuple[str | None, str] = (None, "")
        self.lookups = 0  # lookups answered in this process (see _lookup)
        self.built_lookups = 0  # of which made from the build's answers (lookup_answers.py)
        self._built = settings.built_lookups
        # for /metrics: queries handed to a worker, refused (503), stopped at the timeout, and
        # lost with their worker
        self.counts = {"worker": 0, "refused": 0, "timeout": 0, "failed": 0}

    # --- workers -------------------------------------------------------------------------

    def gauges(self) -> dict[str, int]:
        """For /metrics: workers configured, alive, running a query, answering from their copy
        of the release in memory (as of their last result), and queries waiting."""
        return {
            "configured": self._size,
            "alive": len(self._workers),
            "in_memory": sum(w.in_memory for w in self._workers),
            "busy": self._busy,
            "waiting": self._waiting,
        }

    def worker_pids(self) -> list[int]:
        """The process ids of the live workers (for tests and metrics)."""
        return sorted(w.pid for w in self._workers)

    async def start(self) -> None:
        """Starts the workers now (else they start with the first query)."""
        self._replenish()
        while self._spawning:
            await asyncio.sleep(0.01)

    async def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        try:
            proc = await run_in_threadpool(
                subprocess.Popen,
                [sys.executable, "-m", WORKER_MODULE, str(child.fileno()), str(os.getpid())],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                env=child_env(),
            )
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent)
        return _Worker(proc, reader, writer)

    def _background(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _replenish(self) -> None:
        while not self._closed and len(self._workers) + self._spawning < self._size:
            self._spawning += 1
            self._background(self._add_worker())

    async def _add_worker(self) -> None:
        try:
            worker = await self._spawn()
        except Exception as e:
            log.error("could not start a query worker: %s", e)
            return
        finally:
            self._spawning -= 1
        if self._closed:
            worker.kill()
            self._background(self._reap(worker))
            return
        self._workers.add(worker)
        await self._open_ahead(worker)
        self._idle.put_nowait(worker)

    async def _open_ahead(self, worker: _Worker) -> None:
        """Has a new worker open the current release now, so that its copy in memory is made
        before its first query rather than from it on (also for a worker that replaces one
        stopped at the timeout). Not while a write runs or waits, nor without a release: the
        first query opens it then."""
        if not self._rw.try_acquire_read():
            return
        try:
            path = await self._current_path()
        except (NoRelease, OSError):
            return
        finally:
            self._rw.release_read()
        with contextlib.suppress(ConnectionError, RuntimeError):
            worker.writer.write(frame(b"O", self._open_payload(path)))

    async def _reap(self, worker: _Worker, grace: float = 0.0) -> None:
        try:
            await run_in_threadpool(worker.proc.wait, grace or None)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            await run_in_threadpool(worker.proc.wait)

    def _discard(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        worker.kill()
        self._background(self._reap(worker))
        self._replenish()

    def _end_run(self, worker: _Worker, kill: bool) -> None:
        self._busy -= 1
        self._rw.release_read()
        if kill or not worker.usable() or self._closed:
            self._discard(worker)
        else:
            self._idle.put_nowait(worker)

    async def _take_worker(self, until: float) -> _Worker:
        loop = asyncio.get_running_loop()
        while True:
            if not self._idle.empty():
                worker = self._idle.get_nowait()
                if worker.usable():
                    return worker
                self._discard(worker)
                continue
            self._waiting += 1
            try:
                worker = await asyncio.wait_for(self._idle.get(), max(0.0, until - loop.time()))
            except TimeoutError:
                self.counts["refused"] += 1
                raise Overloaded(
                    f"no query worker became free within {self._timeout:g} s: "
                    f"{self._size} queries run at once (KENNISGRAAF_QUERY_WORKERS)",
                    self._retry_after(),
                ) from None
            finally:
                self._waiting -= 1
            if worker.usable():
                return worker
            self._discard(worker)

    def _retry_after(self) -> int:
        return max(1, min(30, round(self._timeout)))

    # --- Executor ------------------------------------------------------------------------

    async def query(self, job: QueryJob) -> QueryResult:
        check_service(job.query, self._settings.service_allow, job.base_iri)
        if self._closed:
            raise Overloaded("the server is shutting down", self._retry_after())
        if (quick := self._lookup(job)) is not None:
            return quick
        self._replenish()
        if self._busy + self._waiting >= self._size + self._queue:
            self.counts["refused"] += 1
            raise Overloaded(
                f"all {self._size} query workers are busy and {self._waiting} queries are "
                f"waiting (KENNISGRAAF_QUERY_WORKERS, KENNISGRAAF_QUERY_QUEUE)",
                self._retry_after(),
            )
        loop = asyncio.get_running_loop()
        until = loop.time() + self._timeout
        path = await self._current_path()
        worker = await self._take_worker(until)
        self._busy += 1
        try:
            if not self._rw.try_acquire_read():
                await asyncio.wait_for(self._rw.acquire_read(), max(0.0, until - loop.time()))
        except BaseException as e:
            self._busy -= 1
            self._idle.put_nowait(worker)
            if isinstance(e, TimeoutError):
                raise Overloaded(
                    f"a write kept the store busy for more than {self._timeout:g} s",
                    self._retry_after(),
                ) from None
            raise
        run = _Run(self, worker, self._timeout)
        self.counts["worker"] += 1
        try:
            worker.writer.write(frame(b"J", self._job_payload(job, path)))
            await worker.writer.drain()
            kind, payload = await run.read()
        except _TimedOut:
            raise self._timeout_error() from None
        except ConnectionError:
            run.abort()
            raise WorkerFailed("the query worker could not be reached; try again") from None
        except BaseException:
            run.abort()
            raise
        if kind == b"X":
            run.finish()
            raise _error(json.loads(payload))
        if kind == b"A":  # the whole result: the worker is free again
            run.finish()
            size = LENGTH.unpack_from(payload)[0]
            head = json.loads(payload[LENGTH.size : LENGTH.size + size])
            worker.in_memory = bool(head.get("memory"))
            body = payload[LENGTH.size + size :]
            return QueryResult(cast(ResultKind, head["kind"]), head["media"], _once(body), body)
        if kind != b"H":
            run.abort()
            raise WorkerFailed(f"the query worker answered {kind!r}; try again")
        head = json.loads(payload)
        worker.in_memory = bool(head.get("memory"))
        return QueryResult(
            cast(ResultKind, head["kind"]), head["media"], self._stream(run, self._timeout)
        )

    def quick(self, job: QueryJob) -> QueryResult | None:
        """The answer to ``job`` when it is a lookup that can be answered now, without
        waiting (see ``_lookup``); ``None`` otherwise, for ``query`` to run it. For callers
        that must not wait (``endpoint/inline_http.py``)."""
        if self._closed:
            return None
        return self._lookup(job)

    def _lookup(self, job: QueryJob) -> QueryResult | None:
        """The answer to a lookup (see the module), evaluated here; ``None`` for any other
        query, and for a lookup while a write runs or waits."""
        if job.dataset != Dataset():
            return None
        store = self._reader.open_store()
        if store is None:  # a new release: opened in a thread first (release_opening.py)
            return None
        lookup = parse_lookup(job.query, job.base_iri)
        if lookup is None or not self._rw.try_acquire_read():
            return None
        try:
            as_built = not self._reader.writes
            subject = lookup.subject
            if subject and not small_subject(store, self._reader.meta, as_built, subject):
                return None
            data = self._built_answer(lookup, job) if as_built else None
            if data is None:
                kind, media, data = serialize(job, store)
            else:
                kind, media = "solutions", SRJ.media_type
                self.built_lookups += 1
        finally:
            self._rw.release_read()
        self.lookups += 1
        return QueryResult(kind, media, _once(data), data)

    def _built_answer(self, lookup: Lookup, job: QueryJob) -> bytes | None:
        """The answer the build's file makes (``endpoint/lookup_answers.py``) to a lookup asked
        as SPARQL JSON of the release as built; ``None`` when it makes none."""
        if not self._built or job.formats.get("solutions") != SRJ.media_type:
            return None
        shape = lookup.shape()
        folder = self._reader.path
        if shape is None or folder is None:
            return None
        return lookup_answers.answer(folder, shape)

    def _timeout_error(self) -> QueryTimeout:
        return QueryTimeout(
            f"it ran longer than {self._timeout:g} s, the limit set by KENNISGRAAF_QUERY_TIMEOUT"
        )

    async def _stream(self, run: _Run, timeout: float) -> AsyncIterator[bytes]:
        try:
            while True:
                try:
                    kind, payload = await run.read()
                except _TimedOut:
                    # bytes have been sent: all we can do is cut the stream
                    raise QueryTimeout(
                        f"it ran longer than {timeout:g} s, the limit set by "
                        "KENNISGRAAF_QUERY_TIMEOUT, after its result had started; the result "
                        "was cut off"
                    ) from None
                if kind == b"C":
                    yield payload
                elif kind == b"E":
                    run.finish()
                    return
                elif kind == b"X":
                    run.finish()
                    raise _error(json.loads(payload))
                else:
                    raise WorkerFailed(f"the query worker answered {kind!r}")
        finally:
            run.abort()  # the consumer left early (or an error): stop the worker

    async def _current_path(self) -> str:
        """The folder of the current release; opening a new one (in the ``ReleaseStore``)
        happens in a thread, the check for a switch (one ``readlink``) here."""
        target = self._reader.current_target()
        if target is None or target != self._seen[0]:
            path = await run_in_threadpool(self._release_path)
            self._seen = (target, path)
        return self._seen[1]

    def _release_path(self) -> str:
        self._reader.store()  # notices a new release (raises NoRelease when there is none)
        path = self._reader.path
        assert path is not None
        return str(path)

    def _release_fields(self, path: str) -> dict[str, Any]:
        """What a worker opens: the release's folder, the generation of its writes, and how
        many quads it may copy into memory."""
        return {
            "path": path,
            "generation": self._generation,
            "memory_quads": self._settings.memory_quads,
        }

    def _open_payload(self, path: str) -> bytes:
        return json.dumps(self._release_fields(path)).encode()

    def _job_payload(self, job: QueryJob, path: str) -> bytes:
        return json.dumps(
            {
                "query": job.query,
                "formats": dict(job.formats),
                "default_graphs": list(job.dataset.default_graphs),
                "named_graphs": list(job.dataset.named_graphs),
                "base_iri": job.base_iri,
                **self._release_fields(path),
            }
        ).encode()

    async def update(self, update: str, base_iri: str | None = None) -> None:
        check_service(update, self._settings.service_allow, base_iri)

        def run(store: Any) -> None:
            try:
                store.update(update, base_iri=base_iri)
            except SyntaxError as e:
                raise parse_error(e) from None
            except (OSError, RuntimeError, ValueError) as e:
                raise QueryError(f"the update failed: {e}") from None

        await self.write(run)

    async def write(self, fn: Callable[[Any], T]) -> T:
        if not self._reader.writable:
            raise WritesDisabled("writes are disabled: set KENNISGRAAF_UPDATE_TOKEN to allow them")
        async with self._write_lock:
            await self._rw.acquire_write()  # waits for the queries in flight
            try:
                self._reader.store()  # the release being written to is open
                self._reader.will_write()
                return await run_in_threadpool(lambda: fn(self._reader.store()))
            finally:
                self._generation += 1  # workers reopen the store before their next query
                self._reader.wrote()
                self._rw.release_write()

    async def read(self, fn: Callable[[Any], T]) -> T:
        return await run_in_threadpool(lambda: fn(self._reader.store()))

    async def aclose(self) -> None:
        """Stops every worker (asks first, kills after a second) and waits for them."""
        self._closed = True
        workers = list(self._workers)
        self._workers.clear()
        for w in workers:
            if w.proc.poll() is None and not w.writer.is_closing():
                with contextlib.suppress(ConnectionError, RuntimeError):
                    w.writer.write(frame(b"Q"))
            w.writer.close()
        await asyncio.gather(*(self._reap(w, grace=1.0) for w in workers))
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    if data:
        yield data


def _error(e: dict[str, Any]) -> ExecutorError:
    if e["type"] == "query":
        return QueryError(e["message"], e.get("line"), e.get("column"))
    if e["type"] == "not_acceptable":
        return NotAcceptable(e["kind"])
    return ExecutorError(e["message"])
