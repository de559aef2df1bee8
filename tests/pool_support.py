"""The query-worker pool on a release, for the tests of the pool and of what builds on it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from endpoint.executor import QueryResult
from endpoint.executor_pool import PoolExecutor
from endpoint.settings import ServeSettings
from endpoint.store import ReleaseStore

T = TypeVar("T")
JSON = "application/sparql-results+json"
ALL = {"solutions": JSON, "boolean": JSON, "graph": "text/turtle"}
# no answer in a lifetime: four-fold cross join of a store of a few thousand triples
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# rows at once and without end: a two-fold cross join (16 million rows, gigabytes of JSON)
CUT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"


def run(
    root: Path,
    body: Callable[[PoolExecutor], Awaitable[T]],
    writable: bool = False,
    **settings: Any,
) -> T:
    """Runs ``body`` with a fresh pool over ``root``; the pool is closed afterwards."""

    async def main() -> T:
        pool = PoolExecutor(
            ServeSettings(store=root, **settings), ReleaseStore(root, writable=writable)
        )
        try:
            return await body(pool)
        finally:
            await pool.aclose()

    return asyncio.run(main())


async def collect(result: QueryResult) -> bytes:
    return b"".join([chunk async for chunk in result.chunks])


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
