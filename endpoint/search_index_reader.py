"""The query side of the search index that ``kennisgraaf build`` writes into each release.

The index is ``<release>/search.sqlite`` (see ``ingest/search_index.py``, which writes it; the
two packages do not import each other, so the file name, the format number and the analysis of
words are kept here too, and ``tests/test_search.py`` checks that both sides agree). It is
resolved from the release the :class:`~endpoint.store.ReleaseStore` is serving, so search and
store always switch together, and opened read-only (``mode=ro&immutable=1``): a release is never
written after its build.

A query is analysed like the indexed text (folded: no accents, case-folded; Dutch and English
Snowball stems) into terms; each term matches any of its forms as a word or word prefix, all
terms must match. The MATCH expression is built from those terms only, each quoted, and bound
as a parameter: nothing the user types reaches the SQL or the FTS syntax as it is.

Ranks (``score`` is the rank plus a fraction from BM25): 4 a label equals the query; 3 a label
begins with it; 2 all terms in the labels; 1 all terms in labels and alternative labels; 0 the
description was needed. Ties: BM25 (labels weigh 10, aliases 5, descriptions 1), then the
shorter label, then alphabetical.
"""

from __future__ import annotations

import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ontology.text import (
    ANALYZER,
    SEARCH_INDEX_FILE,
    SEARCH_INDEX_FORMAT,
    forms,
    index_names,
    stems,
    words,
)

from .page_common import Tagged, pick_in
from .store import NoRelease, ReleaseStore

FILENAME = SEARCH_INDEX_FILE
# pages of the index are read through a memory map (no read() per page; shared between processes)
MMAP_BYTES = 1 << 30
FORMAT = SEARCH_INDEX_FORMAT
MAX_TERMS = 16
PREFIX_MIN = 3  # a term this long or longer also matches words that begin with it

# Left out of a query that has other words too (they are in most labels and descriptions).
STOPWORDS = frozenset(
    {
        "de",
        "het",
        "een",
        "en",
        "of",
        "van",
        "in",
        "op",
        "aan",
        "voor",
        "met",
        "bij",
        "door",
        "naar",
        "over",
        "als",
        "om",
        "uit",
        "tot",
        "te",
        "er",
        "is",
        "zijn",
        "the",
        "a",
        "an",
        "and",
        "or",
        "on",
        "at",
        "for",
        "with",
        "by",
        "to",
        "from",
        "are",
    }
)


class NoIndex(RuntimeError):
    """The release being served has no usable search index."""


class UnknownKind(ValueError):
    pass


def _phrase(form: str) -> str:
    # Forms are runs of letters and digits (see _WORD), so quoting cannot be broken out of.
    return f'"{form}"*' if len(form) >= PREFIX_MIN else f'"{form}"'


@dataclass
class Query:
    """A user's text, analysed: the MATCH expressions and the forms for the exact ranks."""

    terms: list[str]
    match_all: str = ""
    match_label: str = ""
    match_alias: str = ""
    exact: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Query:
        ws = words(text)
        terms = list(dict.fromkeys(ws))
        content = [t for t in terms if t not in STOPWORDS]
        terms = (content or terms)[:MAX_TERMS]
        q = cls(terms)
        if not terms:
            return q
        groups = []
        for t in terms:
            alternatives = [t, *stems(t)]
            groups.append("(" + " OR ".join(_phrase(f) for f in alternatives) + ")")
        q.match_all = " AND ".join(groups)
        q.match_label = "{label} : (" + q.match_all + ")"
        q.match_alias = "{label alias} : (" + q.match_all + ")"
        q.exact = forms(ws[:MAX_TERMS])
        return q


@dataclass(frozen=True)
class Kind:  # shared by the requests of a thread (OpenIndex.checked)
    id: int
    iri: str
    key: str
    label_nl: str
    label_en: str
    n: int

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_nl


@dataclass
class Hit:
    iri: str
    labels: dict[str, str]
    aliases: list[str]
    descriptions: dict[str, str]
    kinds: list[Kind]
    score: float
    rank: int

    def label(self, lang: str) -> Tagged:
        """Its label for a reader of ``lang`` (else in the other language, else without one,
        else its IRI's last segment), marked with its language when that is another."""
        return pick_in(self.labels, lang) or Tagged(
            self.iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        )

    def description(self, lang: str) -> Tagged:
        return pick_in(self.descriptions, lang) or Tagged("")

    def kind_labels(self, lang: str) -> list[str]:
        return list(dict.fromkeys(k.label(lang) for k in self.kinds))


@dataclass
class Results:
    total: int
    hits: list[Hit]
    facets: list[tuple[Kind, int]]  # kinds among all hits (before the kind filter), with counts


RANKED = """
WITH m AS (SELECT rowid AS id, bm25(fts, 10.0, 5.0, 1.0) AS bm FROM fts WHERE fts MATCH :all)
SELECT e.id, e.iri, e.label_nl, e.label_en, e.label_any, e.aliases, e.desc_nl, e.desc_en,
  e.desc_any, e.kinds, e.label_any_lang, e.desc_any_lang, m.bm,
  CASE
    WHEN e.id IN (SELECT entry FROM exact WHERE norm IN (:x1, :x2, :x3)) THEN 4
    WHEN e.id IN (SELECT entry FROM exact WHERE (norm >= :x1 AND norm < :x1e)
                  OR (norm >= :x2 AND norm < :x2e) OR (norm >= :x3 AND norm < :x3e)) THEN 3
    WHEN e.id IN (SELECT rowid FROM fts WHERE fts MATCH :label) THEN 2
    WHEN e.id IN (SELECT rowid FROM fts WHERE fts MATCH :alias) THEN 1
    ELSE 0
  END AS tier
FROM m JOIN entry e ON e.id = m.id
WHERE :kind IS NULL OR e.id IN (SELECT entry FROM entry_kind WHERE kind = :kind)
ORDER BY tier DESC, m.bm, e.sort_len, e.sort_key, e.id
LIMIT :limit OFFSET :offset
"""

TOTAL = """
SELECT count(*) FROM fts WHERE fts MATCH :all
  AND (:kind IS NULL OR rowid IN (SELECT entry FROM entry_kind WHERE kind = :kind))
"""

FACETS = """
SELECT ek.kind, count(*) FROM fts JOIN entry_kind ek ON ek.entry = fts.rowid
WHERE fts MATCH :all GROUP BY ek.kind
"""

_TOP = "\U0010ffff"


class OverBudget(Exception):
    """SQLite work stopped after its budget of steps (:func:`step_budget`)."""


STEP_GRAIN = 1000  # SQLite virtual machine instructions between two looks at the budget


@contextmanager
def step_budget(db: sqlite3.Connection, steps: int | None) -> Iterator[None]:
    """Within: statements on ``db`` stop after about ``steps`` SQLite virtual machine
    instructions, raising :class:`OverBudget` (``None``: no limit). A search at 1M triples runs
    some 25,000-35,000 of them a millisecond: what one word in ten thousand labels costs is not
    known before it runs, and this bounds it."""
    if steps is None:
        yield
        return
    looks = 0
    stopped = False

    def look() -> int:
        nonlocal looks, stopped
        looks += 1
        stopped = looks * STEP_GRAIN > steps
        return 1 if stopped else 0  # non-zero: SQLite interrupts the statement

    db.set_progress_handler(look, STEP_GRAIN)
    try:
        yield
    except sqlite3.OperationalError:
        if stopped:
            raise OverBudget(f"more than {steps} SQLite steps") from None
        raise
    finally:
        db.set_progress_handler(None, 0)


class SearchIndex:
    """One release's index for one request, on the thread's connection (:func:`reused_index`)."""

    def __init__(self, path: Path, heads: Heads | None = None) -> None:
        """``heads``: the results of frequent words that the build ranked, if it did."""
        self.path = path
        self.heads = heads
        try:
            opened = reused_index(path)
        except OSError:
            raise NoIndex(
                "de release die nu wordt geserveerd heeft geen zoekindex (gemaakt voordat er "
                "zoeken was); maak een nieuwe release met 'kennisgraaf build' / this release has "
                "no search index: run 'kennisgraaf build'"
            ) from None
        except sqlite3.Error as e:
            raise _unreadable(e) from None
        checked_once(opened, "search", _check_search)
        self.db = opened.db
        self._opened = opened

    def close(self) -> None:
        """Nothing to close: the connection stays with the thread (:func:`reused_index`)."""

    def forget(self) -> None:
        """Closes the connection after a failed read: the next request opens the file again."""
        forget_index(self._opened)

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def kinds(self) -> dict[int, Kind]:
        """The kinds of the index, read once per thread and file."""
        kinds: dict[int, Kind] | None = self._opened.checked.get("kinds")
        if kinds is None:
            rows = self.db.execute("SELECT id, iri, key, label_nl, label_en, n FROM kind")
            kinds = self._opened.checked["kinds"] = {r[0]: Kind(*r) for r in rows}
        return kinds

    def kept(self, key: object, make: Callable[[], T]) -> T:
        """:func:`kept` for this index."""
        return kept(self._opened, key, make)

    def kind(self, name: str) -> Kind:
        """The kind named by its key (``kg:Hub``) or its IRI; raises :class:`UnknownKind`."""
        for k in self.kinds().values():
            if name in (k.key, k.iri):
                return k
        raise UnknownKind(name)

    def search(self, query: Query, kind: Kind | None, limit: int, offset: int) -> Results:
        if not query.terms:
            return Results(0, [], [])
        kinds = self.kinds()
        if kind is None and self.heads is not None:  # a frequent word: ranked by the build
            found = self.heads(self._opened, query, kinds, limit, offset)
            if found is not None:
                return found
        return ranked(self.db, kinds, query, kind, limit, offset)


# Results the build ranked (endpoint/search_heads.py), None when it did not rank these.
Heads = Callable[["OpenIndex", "Query", dict[int, "Kind"], int, int], "Results | None"]


# (a function of the connection: the build ranks the most frequent words with it too)
def ranked(
    db: sqlite3.Connection,
    kinds: dict[int, Kind],
    query: Query,
    kind: Kind | None,
    limit: int,
    offset: int,
) -> Results:
    """The results ``offset`` .. ``offset + limit`` of ``query`` (of ``kind``) in ``db``."""
    total, rows, facets = ranked_rows(db, query, kind, limit, offset)
    hits = [hit_of(row[1:-2], kinds, row[-2], row[-1]) for row in rows]
    return Results(total, hits, [(kinds[kid], n) for kid, n in facets if kid in kinds])


def ranked_rows(
    db: sqlite3.Connection, query: Query, kind: Kind | None, limit: int, offset: int
) -> tuple[int, list[Any], list[tuple[int, int]]]:
    """What :func:`ranked` reads: the total, the rows of :data:`RANKED` (entry id, the
    :data:`HIT_COLUMNS`, BM25, rank) and the number per kind id."""
    x = (query.exact + [query.exact[0]] * 3)[:3]
    params: dict[str, object] = {
        "all": query.match_all,
        "label": query.match_label,
        "alias": query.match_alias,
        "kind": kind.id if kind else None,
        "limit": limit,
        "offset": offset,
    }
    for i, form in enumerate(x, start=1):
        params[f"x{i}"] = form
        params[f"x{i}e"] = form + _TOP
    total = int(db.execute(TOTAL, params).fetchone()[0])
    rows = db.execute(RANKED, params).fetchall() if offset < total else []
    facets = [(int(k), int(n)) for k, n in db.execute(FACETS, {"all": query.match_all})]
    return total, rows, facets


# What a hit shows of its entry, in the order hit_of takes it.
HIT_COLUMNS = (
    "e.iri, e.label_nl, e.label_en, e.label_any, e.aliases, e.desc_nl, e.desc_en, e.desc_any, "
    "e.kinds, e.label_any_lang, e.desc_any_lang"
)


def hit_of(row: tuple[Any, ...], kinds: dict[int, Kind], bm: float, tier: int) -> Hit:
    """The hit of an ``entry`` row (:data:`HIT_COLUMNS`) with its BM25 and rank."""
    iri, nl, en, any_, aliases, dnl, den, dany, kids, any_lang, dany_lang = row
    return Hit(
        iri=iri,
        labels=index_names(nl, en, any_, any_lang),
        aliases=[a for a in aliases.split("\x1f") if a],
        descriptions=index_names(dnl, den, dany, dany_lang),
        kinds=[kinds[int(k)] for k in kids.split() if int(k) in kinds],
        score=round(tier + (-bm) / (1.0 - bm), 4) if bm <= 0 else float(tier),
        rank=tier,
    )


def _check_search(db: sqlite3.Connection) -> bool:
    """Raises :class:`NoIndex` for an index this version cannot search."""
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as e:
        raise _unreadable(e) from None
    if version != FORMAT or meta.get("analyzer") != ANALYZER:
        raise NoIndex(
            "de zoekindex van deze release is door een andere versie gemaakt; maak een "
            "nieuwe release met 'kennisgraaf build' / the search index was made by "
            "another version: run 'kennisgraaf build'"
        )
    return True


def _unreadable(e: sqlite3.Error) -> NoIndex:
    return NoIndex(
        f"de zoekindex van deze release is onleesbaar ({e}); maak een nieuwe release "
        "met 'kennisgraaf build' / the search index cannot be read: run "
        "'kennisgraaf build'"
    )


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection to a release's index: read-only and immutable (a release never changes, so
    SQLite takes no locks and keeps what it read), usable from any thread."""
    db = sqlite3.connect(
        path.absolute().as_uri() + "?mode=ro&immutable=1", uri=True, check_same_thread=False
    )
    db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    return db


T = TypeVar("T")
_held = threading.local()  # per thread: its OpenIndex


@dataclass
class OpenIndex:
    """A thread's connection to one index file, and what its users checked of it once."""

    key: tuple[str, int, int, int]  # path, inode, size, modification time
    db: sqlite3.Connection
    checked: dict[str, Any] = field(default_factory=dict)


def reused_index(path: Path) -> OpenIndex:
    """This thread's read-only connection to the index file at ``path``, kept for the thread's
    next request while it is the same file (path, inode, size and modification time: a
    release's index never changes, but one removed or replaced under a running server is
    noticed). Opening a connection, checking it and preparing its statements again cost about
    half of a cold search (0.8 of 1.8 ms) and a third of a class page.

    One connection per thread (the event loop's, and each of the threads pages run in; anyio
    ends a thread after 10 s without work): moving on to another file closes the old one. Raises
    ``OSError`` for a missing file (or anything but a file), ``sqlite3.Error`` for one SQLite
    cannot open."""
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise FileNotFoundError(path)
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    held: OpenIndex | None = getattr(_held, "index", None)
    if held is not None and held.key == key:
        return held
    _held.index = None
    if held is not None:
        held.db.close()
    opened = OpenIndex(key, connect_readonly(path))
    _held.index = opened
    return opened


def checked_once(opened: OpenIndex, name: str, check: Callable[[sqlite3.Connection], T]) -> T:
    """What ``check`` says of the connection, asked once per thread and file (``name`` keeps the
    answer); a check that raises forgets the connection, so the next request opens and checks the
    file again."""
    if name not in opened.checked:
        try:
            opened.checked[name] = check(opened.db)
        except BaseException:
            forget_index(opened)
            raise
    answer: T = opened.checked[name]
    return answer


def kept(opened: OpenIndex, key: object, make: Callable[[], T]) -> T:
    """What ``make`` gives, made once per thread and index file: for what describes the release
    as built (a page's fixed parts), not for anything a write to the live store changes."""
    memo: dict[object, Any] = opened.checked.setdefault("kept", {})
    if key not in memo:
        memo[key] = make()
    found: T = memo[key]
    return found


def forget_index(opened: OpenIndex) -> None:
    """Closes a connection that failed a check or a query: the next request opens the file again."""
    if getattr(_held, "index", None) is opened:
        _held.index = None
    opened.db.close()


def read_as_built(
    reader: ReleaseStore,
    name: str,
    check: Callable[[sqlite3.Connection], bool],
    read: Callable[[sqlite3.Connection], T],
) -> T | None:
    """What ``read`` reads from the index of the release as built (see :func:`index_as_built`,
    whose ``name`` and ``check`` these are); ``None`` when the index cannot say, also when the
    read fails (the connection is then forgotten)."""
    return read_from(index_as_built(reader, name, check), read)


def read_from(opened: OpenIndex | None, read: Callable[[sqlite3.Connection], T]) -> T | None:
    """What ``read`` reads from ``opened``; ``None`` without an index or when the read fails
    (the connection is then forgotten: the next request opens the file again)."""
    if opened is None:
        return None
    try:
        return read(opened.db)
    except sqlite3.Error:
        forget_index(opened)
        return None


def index_path(reader: ReleaseStore) -> Path:
    """Where the search index of the release ``reader`` serves is: within
    :meth:`ReleaseStore.pinned` the pinned one's (no ``readlink``, and a release a build
    switched to meanwhile is not opened in the middle of a page), else the current one's
    (opening it; ``NoRelease`` before any build)."""
    return reader.folder() / FILENAME


IRI_CHUNK = 500  # IRIs per statement of rows_by_iri (SQLite allows 32,766 parameters)


def rows_by_iri(db: sqlite3.Connection, select: str, iris: list[str]) -> list[Any]:
    """The rows of ``select`` (``SELECT ... FROM t``, whose table has a column ``iri`` with an
    index) for ``iris``: one statement per :data:`IRI_CHUNK` of them. SQLite errors go to the
    caller, who forgets the connection."""
    rows: list[Any] = []
    for start in range(0, len(iris), IRI_CHUNK):
        chunk = iris[start : start + IRI_CHUNK]
        where = f" WHERE iri IN ({','.join('?' * len(chunk))})"
        rows += db.execute(select + where, chunk).fetchall()
    return rows


def has_tables(*names: str) -> Callable[[sqlite3.Connection], bool]:
    """A check for :func:`index_as_built`: whether the index has all the tables ``names`` (one
    built before them has not)."""
    sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({})"
    sql = sql.format(", ".join("?" * len(names)))

    def check(db: sqlite3.Connection) -> bool:
        return bool(db.execute(sql, names).fetchone()[0] == len(names))

    return check


def attach_beside(db: sqlite3.Connection, filename: str, schema: str) -> bool:
    """Attaches the file ``filename`` in the folder of the index ``db`` reads, read-only, as
    ``schema`` (once: already attached is attached); whether it is. A missing file or one
    SQLite cannot open is not attached; other errors go to the caller."""
    names = {r[1]: r[2] for r in db.execute("PRAGMA database_list")}
    if schema in names:
        return True
    main = names.get("main", "")
    path = Path(main).with_name(filename) if main else None
    if path is None or not path.is_file():
        return False
    try:
        uri = path.absolute().as_uri() + "?mode=ro&immutable=1"
        db.execute("ATTACH DATABASE ? AS " + schema, (uri,))
    except sqlite3.DatabaseError:
        return False
    return True


_FILE = ("index", None)  # the pin's memo: the index file as looked at, (OpenIndex or None,)


def index_as_built(
    reader: ReleaseStore, name: str, check: Callable[[sqlite3.Connection], bool]
) -> OpenIndex | None:
    """This thread's connection to the index of the release ``reader`` serves (within
    :meth:`ReleaseStore.pinned`, the pinned one's), for what the index says of the release as
    built: ``None`` after a write to the live store, without a usable index, and when ``check``
    (asked once per thread and file, see :func:`checked_once`) says it lacks what the caller
    reads; the caller then reads the store."""
    if reader.writes:
        return None
    memo = reader.pin_memo()  # within a page: the file looked at once (4 times an entity page)
    if memo is not None and ("index", name) in memo:
        found: OpenIndex | None = memo["index", name]
        if found is None or getattr(_held, "index", None) is found:  # not forgotten since
            return found
    # the file, looked at once a page whatever its users ask of it (not when it was forgotten)
    looked: tuple[OpenIndex | None] | None = memo.get(_FILE) if memo is not None else None
    if looked is None or (looked[0] is not None and getattr(_held, "index", None) is not looked[0]):
        try:
            looked = (reused_index(index_path(reader)),)
        except (NoRelease, NoIndex, OSError, sqlite3.Error):
            looked = (None,)  # a missing file: the store
        if memo is not None:
            memo[_FILE] = looked
    opened = looked[0]
    try:
        usable = opened is not None and checked_once(opened, name, check)
    except (NoIndex, sqlite3.Error):
        opened, usable = None, False
    answer = opened if usable else None
    if memo is not None:
        memo["index", name] = answer
    return answer


def open_index(reader: ReleaseStore, heads: Heads | None = None) -> SearchIndex:
    return SearchIndex(index_path(reader), heads)
