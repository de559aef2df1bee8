"""A new release is opened in a thread, never on the event loop.

After ``kennisgraaf build`` switches ``current``, the next request that reads the store opens
the new release (``ReleaseStore.store``): its RocksDB files and its metadata, about 30 ms at 1M
triples. Most requests read the store on the event loop (the response cache's version, small
pages, lookups), so that request would hold up every other one. ``OpensReleaseInThread`` sits
in front of the app and, when ``current`` points to a release that is not open yet, opens it in
a thread before the request goes on; the check is one ``readlink``. The inline lookups of
``endpoint/inline_http.py`` decline in that moment (``PoolExecutor._lookup``), so the request
comes this way.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from .store import ReleaseStore

log = logging.getLogger("kennisgraaf.release")


class OpensReleaseInThread:
    def __init__(self, app: ASGIApp, reader: ReleaseStore) -> None:
        self.app = app
        self.reader = reader

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.reader.needs_opening():
            try:
                await run_in_threadpool(self.reader.store)
            except Exception:  # gone again, or broken: the app answers it its own way
                log.debug("opening the current release failed", exc_info=True)
        await self.app(scope, receive, send)
