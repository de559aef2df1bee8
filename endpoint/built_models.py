"""The file of what the build made for the pages of a release (``pages.sqlite``), and the
fingerprints that say whether it was made by the code now serving.

``kennisgraaf build`` writes into the release's folder the content of each entity page
(:mod:`endpoint.page_models`) and the rows of the class pages (:mod:`endpoint.class_rows`). Each
part carries a fingerprint of the sources of the modules that made it (table ``meta``); a part
made by other code (a server upgraded without a new build) is not used: the page is made from
the store, as it is without the file. The file is read through the thread's connection to the
release's index, to which it is attached as ``models``.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from pathlib import Path
from types import ModuleType

from .search_index_reader import attach_beside

FILENAME = "pages.sqlite"
SCHEMA = "models"  # the name the file is attached under
META = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"


def fingerprint(*modules: ModuleType) -> str:
    """SHA-256 of the sources of ``modules`` (and of the pickle protocol)."""
    h = hashlib.sha256(f"pickle {pickle.DEFAULT_PROTOCOL}\n".encode())
    for module in modules:
        path = getattr(module, "__file__", None)
        h.update(Path(path).read_bytes() if path else module.__name__.encode())
    return h.hexdigest()


def built_fingerprint(db: sqlite3.Connection, key: str) -> str | None:
    """The fingerprint ``key`` the build wrote into the file beside the index ``db`` reads
    (attaching it), ``None`` without one (no file, not a file of the build's)."""
    try:
        if not attach_beside(db, FILENAME, SCHEMA):
            return None
        found = db.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(found[0]) if found is not None else None
