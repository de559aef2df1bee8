"""Which ``Executor`` runs the queries: the one place that decides.

``KENNISGRAAF_QUERY_WORKERS`` > 0 (the default): queries run in worker processes that can be
stopped at the timeout (``endpoint/executor_pool.py``). 0: everything runs in this process
(``LocalExecutor``: no timeout). Writes are possible only when an update token
is set; the store is then opened read-write (``ReleaseStore(writable=True)``).
"""

from __future__ import annotations

from .executor import Executor
from .executor_local import LocalExecutor
from .executor_pool import PoolExecutor
from .settings import ServeSettings
from .store import ReleaseStore


def writes_enabled(settings: ServeSettings) -> bool:
    return settings.update_token is not None


def make_executor(settings: ServeSettings, reader: ReleaseStore) -> Executor:
    if settings.query_workers > 0:
        return PoolExecutor(settings, reader)
    return LocalExecutor(
        reader.store,
        writable=writes_enabled(settings),
        wrote=reader.wrote,
        will_write=reader.will_write,
    )
