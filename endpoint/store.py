"""Read access to the current release: the only module that opens the Oxigraph store.

A build publishes a new release by switching the ``current`` symlink; this reader notices the
switch on the next request and opens the new release: read-only, or read-write when the server
accepts writes (SPARQL Update, Graph Store). Writes change that release in place; the next
``kennisgraaf build`` makes a new release without them.

How many writes a release has had is kept in its folder (:data:`WRITES_FILE`), written before
each write begins: a server started again on a release written to before knows that the store
is no longer as built, so that nothing the build made beside the store (pages, index, answers
to lookups, the list of large subjects) stands in for it, and its ``ETag``s do not repeat.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox

WRITES_FILE = "writes.json"  # in a release's folder: {"writes": N} once it has been written to


class NoRelease(RuntimeError):
    pass


class ReleaseStore:
    def __init__(self, root: Path, writable: bool = False) -> None:
        self.root = root
        self.writable = writable
        self._lock = threading.Lock()
        self._target: str | None = None
        self._opened: tuple[ox.Store, str] | None = None  # the open release and its name
        self._counted: tuple[str, int] | None = None  # (version, quads) after writes
        self.meta: dict[str, Any] = {}
        self.writes = 0  # writes to the open release (SPARQL Update, Graph Store) since it opened
        self._pin = threading.local()
        self._link = os.fspath(root / "current")  # read at every store(): made once
        self._resolved: tuple[str, Path] | None = None  # a release's name and its folder
        self._large: tuple[object, frozenset[str]] | None = None  # large_documents, as a set

    def current_target(self) -> str | None:
        """What ``current`` points to now (one ``readlink``; ``None`` without a release)."""
        try:
            return os.readlink(self._link)
        except OSError:
            return None

    def store(self) -> ox.Store:
        return self._current()[0]

    def open_store(self) -> ox.Store | None:
        """The store of the release ``current`` points to when it is open, else ``None`` (one
        ``readlink``). When it is not, the next :meth:`store` opens it: the store and the
        release's metadata, tens of milliseconds, work for a thread
        (``endpoint/release_opening.py``)."""
        opened = self._opened
        if opened is not None and opened[1] == self.current_target():
            return opened[0]
        return None

    def needs_opening(self) -> bool:
        """Whether ``current`` points to a release that is not open yet (one ``readlink``;
        ``False`` while there is no release at all: nothing to open)."""
        target = self.current_target()
        opened = self._opened
        return target is not None and (opened is None or opened[1] != target)

    def _current(self) -> tuple[ox.Store, str]:
        """The store of the release ``current`` points to, and its name (one pair, even while
        another thread opens a newer release)."""
        target = self.current_target()
        if target is None:
            raise NoRelease(f"no release in {self.root}: run 'kennisgraaf build' first")
        opened = self._opened
        if opened is None or opened[1] != target:
            with self._lock:
                opened = self._opened
                if opened is None or opened[1] != target:
                    path = (self.root / target).resolve()
                    self._opened = None  # close the old release before opening the new one
                    store = ox.Store(str(path)) if self.writable else ox.Store.read_only(str(path))
                    meta = path.with_suffix(".json")
                    self.meta = json.loads(meta.read_text()) if meta.is_file() else {}
                    self._target = target
                    self.writes = _writes_of(path)
                    opened = self._opened = (store, target)
        return opened

    def triples(self) -> int:
        """How many quads the store serves: the build's count (in the release's metadata) while
        the store is as built, else counted once per :attr:`version` (``len`` reads every quad:
        0.2 s at 1M triples, too much for every ``/health`` probe)."""
        store = self.store()
        built = self.meta.get("triples")
        if not self.writes and isinstance(built, int):
            return built
        version = self.version
        counted = self._counted
        if counted is None or counted[0] != version:
            counted = self._counted = (version, len(store))
        return counted[1]

    def large_documents(self, quads: int) -> frozenset[str] | None:
        """The IRIs with more than ``quads`` quads from and to them, from the build's list in
        the release's metadata (``ingest/large_subjects.py``), as a set made once per release;
        ``None`` when that list does not hold: after a write, for a release built before it or
        with another limit."""
        if self.writes:
            return None
        large = self.meta.get("large_documents")
        known = self._large
        if known is None or known[0] is not large:  # another release
            if not (
                isinstance(large, dict)
                and large.get("quads") == quads
                and isinstance(large.get("iris"), list)
            ):
                return None
            known = self._large = (large, frozenset(large["iris"]))
        return known[1]

    def will_write(self) -> None:
        """Called by the executors before every write: records in the release's folder that
        its store is no longer as built (the count it will have after this write)."""
        path = self.path
        if path is not None:
            _record_writes(path, self.writes + 1)

    def wrote(self) -> None:
        """Called by the executors after every write, so that :attr:`version` changes (the
        release's folder has the count already: :meth:`will_write`)."""
        self.writes += 1

    @property
    def version(self) -> str:
        """Names the content being served: the release id, plus the writes made to it since.

        Pages and RDF documents use it as their ``ETag``, so a build or a write changes it."""
        self.store()
        rid = str(self.meta.get("id") or self._target or "")
        return f"{rid}.{self.writes}" if self.writes else rid

    @property
    def target(self) -> str:
        """The name of the release being served (opening it when ``current`` switched); within
        :meth:`pinned`, the pinned release's."""
        pinned: str | None = getattr(self._pin, "target", None)
        if pinned is not None:
            return pinned
        self.store()
        assert self._target is not None
        return self._target

    @property
    def path(self) -> Path | None:
        """The folder of the release that is open (after the first ``store()``); within
        :meth:`pinned`, the pinned release's."""
        target: str | None = getattr(self._pin, "target", None) or self._target
        return self._resolve(target) if target else None

    def folder(self) -> Path:
        """The folder of the release being served: within :meth:`pinned` the pinned one's (no
        ``readlink``), else the current one's, opening it (:class:`NoRelease` before any
        build)."""
        return self._resolve(self.target)

    def _resolve(self, target: str) -> Path:
        resolved = self._resolved
        if resolved is None or resolved[0] != target:  # resolve() costs ~20 us: once a release
            resolved = self._resolved = (target, (self.root / target).resolve())
        return resolved[1]

    @contextmanager
    def pinned(self) -> Iterator[ox.Store]:
        """Within the block, this thread's reads (:meth:`quads`, :meth:`select`,
        :meth:`column`) go to the release open when it began: a page is made from one release
        even if a build switches ``current`` meanwhile, and the symlink is read once, not at
        every read (a page makes dozens)."""
        outer: ox.Store | None = getattr(self._pin, "store", None)
        outer_target: str | None = getattr(self._pin, "target", None)
        outer_memo: dict[object, Any] | None = getattr(self._pin, "memo", None)
        if outer is not None:  # nested: the outer block's
            store, target, memo = outer, outer_target, outer_memo
        else:
            store, target = self._current()
            memo = {}
        self._pin.store, self._pin.target, self._pin.memo = store, target, memo
        try:
            yield store
        finally:
            self._pin.store, self._pin.target, self._pin.memo = outer, outer_target, outer_memo

    def pin_memo(self) -> dict[object, Any] | None:
        """Within :meth:`pinned`, a dictionary that lives as long as the block (the outermost),
        for what need not be found out again within one page; ``None`` outside."""
        memo: dict[object, Any] | None = getattr(self._pin, "memo", None)
        return memo

    def _reading(self) -> ox.Store:
        pinned: ox.Store | None = getattr(self._pin, "store", None)
        return pinned if pinned is not None else self.store()

    def quads(self, s: Any = None, p: Any = None, o: Any = None) -> Iterator[ox.Quad]:
        """The quads matching a pattern, from every graph (``None`` matches anything).

        Cheaper than a SPARQL query for one pattern: no parsing or planning (about 0.02 ms
        for one subject and predicate at 1M triples, against 0.1 ms for the same SELECT)."""
        return self._reading().quads_for_pattern(s, p, o)

    def has(self, s: Any = None, p: Any = None, o: Any = None) -> bool:
        """Whether any quad matches the pattern (stops at the first)."""
        return next(iter(self.quads(s, p, o)), None) is not None

    def column(
        self, query: str, substitutions: dict[ox.Variable, Any] | None, name: str
    ) -> list[Any]:
        """One variable of a SELECT's solutions (cheaper than :meth:`select` for long answers)."""
        res = self._reading().query(
            query, use_default_graph_as_union=True, substitutions=substitutions
        )
        assert isinstance(res, ox.QuerySolutions)
        return [sol[name] for sol in res]

    def select(
        self, query: str, substitutions: dict[ox.Variable, Any] | None = None
    ) -> list[dict[str, Any]]:
        res = self._reading().query(
            query, use_default_graph_as_union=True, substitutions=substitutions
        )
        assert isinstance(res, ox.QuerySolutions)
        names = [v.value for v in res.variables]
        return [{n: sol[n] for n in names} for sol in res]


def _writes_of(folder: Path) -> int:
    """How many writes the release in ``folder`` has had (0: none, as built)."""
    try:
        writes = json.loads((folder / WRITES_FILE).read_text(encoding="utf-8"))["writes"]
    except FileNotFoundError:
        return 0
    except (OSError, ValueError, KeyError, TypeError):
        return 1  # unreadable: written to, at least once
    return writes if isinstance(writes, int) and writes > 0 else 1


def _record_writes(folder: Path, writes: int) -> None:
    if _writes_of(folder) >= writes:
        return
    tmp = folder / f".{WRITES_FILE}.tmp"
    tmp.write_text(json.dumps({"writes": writes}), encoding="utf-8")
    os.replace(tmp, folder / WRITES_FILE)
