"""An ``Executor`` that runs everything in this process, in threads (no timeout, no cancel).

For tests of the protocol layer and for small deployments; the default executor runs queries in
worker processes that can be stopped (``endpoint/executor_pool.py``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool

from .executor import (
    Dataset,
    NotAcceptable,
    QueryError,
    QueryJob,
    QueryResult,
    ResultKind,
    WritesDisabled,
)

T = TypeVar("T")
CHUNK = 64 * 1024


def query_kwargs(dataset: Dataset) -> dict[str, object]:
    """``Store.query`` keyword arguments for ``dataset``."""
    kw: dict[str, object] = {}
    if dataset.default_graphs:
        kw["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
    else:
        kw["use_default_graph_as_union"] = True
    if dataset.named_graphs:
        kw["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
    return kw


_POSITION = re.compile(r"error at (\d+):(\d+)")


def parse_error(e: SyntaxError) -> QueryError:
    """pyoxigraph's parser message (``error at LINE:COLUMN: ...``) with its position."""
    m = _POSITION.search(str(e))
    return QueryError(str(e), int(m[1]) if m else None, int(m[2]) if m else None)


def serialize(job: QueryJob, store: ox.Store) -> tuple[ResultKind, str, bytes]:
    """Evaluates ``job`` and serialises the whole result (the local executor buffers)."""
    try:
        res = store.query(job.query, base_iri=job.base_iri, **query_kwargs(job.dataset))  # type: ignore[arg-type]
    except SyntaxError as e:
        raise parse_error(e) from None
    kind: ResultKind
    if isinstance(res, ox.QuerySolutions):
        kind = "solutions"
    elif isinstance(res, ox.QueryBoolean):
        kind = "boolean"
    else:
        kind = "graph"
    media = job.formats.get(kind)
    if media is None:
        raise NotAcceptable(kind)
    try:
        if isinstance(res, ox.QueryTriples):
            fmt = ox.RdfFormat.from_media_type(media)
            assert fmt is not None, media
            data = res.serialize(format=fmt)
        else:
            rfmt = ox.QueryResultsFormat.from_media_type(media)
            assert rfmt is not None, media
            data = res.serialize(format=rfmt)
    except OSError as e:
        raise QueryError(f"evaluation failed: {e}") from None
    return kind, media, data or b""


class LocalExecutor:
    def __init__(
        self,
        store: Callable[[], ox.Store],
        writable: bool = False,
        wrote: Callable[[], None] = lambda: None,
        will_write: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._writable = writable
        self._wrote = wrote  # tells the reader that the store changed
        self._will_write = will_write  # and before, that it is about to
        self._write_lock = asyncio.Lock()

    async def query(self, job: QueryJob) -> QueryResult:
        kind, media, data = await run_in_threadpool(serialize, job, self._store())

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(data), CHUNK):
                yield data[i : i + CHUNK]

        return QueryResult(kind, media, chunks())

    async def update(self, update: str, base_iri: str | None = None) -> None:
        def run(store: ox.Store) -> None:
            try:
                store.update(update, base_iri=base_iri)
            except SyntaxError as e:
                raise parse_error(e) from None

        await self.write(run)

    async def write(self, fn: Callable[[ox.Store], T]) -> T:
        if not self._writable:
            raise WritesDisabled("writes are disabled: set KENNISGRAAF_UPDATE_TOKEN to allow them")
        async with self._write_lock:
            store = self._store()
            self._will_write()
            try:
                return await run_in_threadpool(fn, store)
            finally:
                self._wrote()

    async def read(self, fn: Callable[[ox.Store], T]) -> T:
        return await run_in_threadpool(fn, self._store())

    async def aclose(self) -> None:
        return None
