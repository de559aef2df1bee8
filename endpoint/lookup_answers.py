"""Lookups answered from what the build wrote, without parsing and evaluating them.

A lookup (``endpoint/quick_lookup.py``: one triple pattern with a fixed subject) costs the
engine about 100 us at 1M triples, most of it fixed: parsing and planning the query, opening a
snapshot of the store, and decoding each IRI and literal of the answer from the store's table
of strings. ``kennisgraaf build`` therefore writes, for every IRI subject of the release with at
most ``MAX_QUADS`` quads, the answer the engine gives to ``SELECT ?p ?o WHERE { <subject> ?p ?o
}`` as SPARQL JSON, cut into its terms (:func:`write_answers`, file :data:`FILENAME` in the
release's folder): the predicate and object of each solution, as the engine wrote them, in the
engine's order. Any lookup of such a subject whose answer is asked as SPARQL JSON is then made
from those terms (:func:`answer`), the way the engine would make it from the same quads:

- a variable predicate: every solution; a single IRI: the solutions with that predicate; IRIs
  joined by ``|`` (a property path): for each alternative in the order written, the objects
  with that predicate not given before (the engine evaluates paths as sets);
- a fixed object: the solutions with that object;
- the projection in the order written (variables that the pattern does not bind are in the
  head and in no solution), ``DISTINCT`` keeping the first of equal solutions, then ``OFFSET``
  and ``LIMIT``.

Byte for byte the engine's answer: the terms are the engine's own bytes, and the tests compare
every lookup of the real data, in every form answered here, with the engine's
(``tests/test_lookup_answers.py``). Everything else goes to the engine as before: another
format, ``SELECT *``, ``REDUCED``, ``ASK``, relative IRIs (:meth:`Lookup.shape`), a subject the
file does not have, the store after a write (the file describes the release as built), and a
file written by another version of pyoxigraph or of this module (:data:`FORMAT`), whose
serialisation may differ.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .quick_lookup import MAX_QUADS, LookupShape
from .search_index_reader import connect_readonly

log = logging.getLogger("kennisgraaf.sparql")
FILENAME = "lookups.sqlite"
FORMAT = "1"  # of the file and of the answers made from it
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE predicate (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, term TEXT NOT NULL);
-- per subject its solutions, one per line: the predicate's id, a tab, the object's JSON (a
-- table with rowids: WITHOUT ROWID would move most answers to overflow pages, twice the size)
CREATE TABLE answer (iri TEXT PRIMARY KEY, rows TEXT NOT NULL);
"""
_ALL = "SELECT ?p ?o WHERE {{ {} ?p ?o }}"  # the subject as pyoxigraph writes it
_SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"
_JSON = ox.QueryResultsFormat.JSON
_HEAD = '{"head":{"vars":["p","o"]},"results":{"bindings":['
_decoder = json.JSONDecoder()


class Unexpected(ValueError):
    """The engine's answer is not shaped as this module expects (another pyoxigraph)."""


def terms_of(answer: str) -> list[tuple[str, str]]:
    """The predicate and object of each solution of the engine's SPARQL JSON answer to
    :data:`_ALL`, each exactly as the engine wrote it."""
    if not answer.startswith(_HEAD):
        raise Unexpected(answer[:80])
    rows = []
    i = len(_HEAD)
    if answer[i] != "]":
        while True:
            if not answer.startswith('{"p":', i):
                raise Unexpected(answer[i : i + 80])
            _, end = _decoder.raw_decode(answer, i + 5)
            p = answer[i + 5 : end]
            if not answer.startswith(',"o":', end):
                raise Unexpected(answer[end : end + 80])
            _, stop = _decoder.raw_decode(answer, end + 5)
            rows.append((p, answer[end + 5 : stop]))
            if answer.startswith("},", stop):
                i = stop + 2
            elif answer.startswith("}]", stop):
                i = stop + 1
                break
            else:
                raise Unexpected(answer[stop : stop + 80])
    if answer[i:] != "]}}":
        raise Unexpected(answer[i : i + 80])
    return rows


def write_answers(store: ox.Store, folder: Path, progress: Callable[[str], None]) -> int:
    """Writes the answers of every IRI subject of ``store`` with at most ``MAX_QUADS`` quads
    into ``folder / FILENAME``; returns how many subjects."""
    predicates: dict[str, int] = {}
    out = sqlite3.connect(folder / FILENAME)
    written = 0
    try:
        out.executescript(SCHEMA)
        subjects = [s["s"] for s in _select(store, _SUBJECTS)]
        batch: list[tuple[str, str]] = []
        for subject in sorted(subjects, key=lambda s: s.value):
            answer = _select(store, _ALL.format(subject)).serialize(format=_JSON) or b""
            rows = terms_of(answer.decode())
            if len(rows) > MAX_QUADS:
                continue  # looked up by a query worker
            lines = []
            for p, o in rows:
                pid = predicates.get(p)
                if pid is None:
                    pid = predicates[p] = len(predicates)
                lines.append(f"{pid}\t{o}")
            batch.append((subject.value, "\n".join(lines)))
            if len(batch) >= 10_000:
                out.executemany("INSERT INTO answer VALUES (?, ?)", batch)
                written += len(batch)
                batch = []
                progress(f"antwoorden op opzoekvragen: {written} van {len(subjects)}")
        out.executemany("INSERT INTO answer VALUES (?, ?)", batch)
        written += len(batch)
        out.executemany(
            "INSERT INTO predicate VALUES (?, ?, ?)",
            [(pid, json.loads(term)["value"], term) for term, pid in predicates.items()],
        )
        out.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("format", FORMAT), ("pyoxigraph", ox.__version__)],
        )
        out.commit()
    finally:
        out.close()
    return written


def _select(store: ox.Store, query: str) -> Any:
    return store.query(query, use_default_graph_as_union=True)


class _Answers:
    """One thread's connection to a release's file, and its predicates."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db: sqlite3.Connection | None = None
        self.terms: dict[str, str] = {}  # predicate id, as written in the rows -> its JSON
        self.ids: dict[str, str] = {}  # predicate IRI -> its id, as written in the rows
        self.warned = False
        path = folder / FILENAME
        if not path.is_file():
            return  # a release built before the answers: the engine answers
        db = None
        try:
            db = connect_readonly(path)
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            made_by = (meta.get("format"), meta.get("pyoxigraph"))
            if made_by != (FORMAT, ox.__version__):
                self.warn(f"written by other code ({made_by}, now {(FORMAT, ox.__version__)})")
                db.close()
                return
            for pid, iri, term in db.execute("SELECT id, iri, term FROM predicate"):
                self.terms[str(pid)] = term
                self.ids[iri] = str(pid)
        except sqlite3.Error as e:
            self.warn(f"unreadable: {e}")
            if db is not None:
                db.close()
            return
        self.db = db

    def warn(self, why: str) -> None:
        """Says once (per thread and release) that the file cannot be used, and what to do."""
        if not self.warned:
            self.warned = True
            log.warning(
                "the answers to lookups in %s are %s; lookups are evaluated by the engine "
                "instead (slower) until 'kennisgraaf build' makes a new release",
                self.folder / FILENAME,
                why,
            )

    def rows(self, subject: str) -> str | None:
        assert self.db is not None
        try:
            found = self.db.execute("SELECT rows FROM answer WHERE iri = ?", (subject,)).fetchone()
        except sqlite3.Error as e:
            self.warn(f"unreadable: {e}")
            return None
        return None if found is None else str(found[0])


_held = threading.local()


def _answers(folder: Path) -> _Answers:
    held: _Answers | None = getattr(_held, "answers", None)
    if held is None or held.folder != folder:
        if held is not None and held.db is not None:
            held.db.close()
        held = _held.answers = _Answers(folder)
    return held


def answer(folder: Path, shape: LookupShape) -> bytes | None:
    """The SPARQL JSON answer to the lookup ``shape`` in the release in ``folder`` as built,
    made from its file; ``None`` when the file cannot give it (see the module)."""
    answers = _answers(folder)
    if answers.db is None:
        return None
    text = answers.rows(shape.subject)
    if text is None:
        return None
    try:
        return _made(answers, shape, _rows(answers, shape, text))
    except (KeyError, IndexError, ValueError) as e:
        answers.warn(f"damaged (the answer of {shape.subject}: {e!r})")
        return None


def _rows(answers: _Answers, shape: LookupShape, text: str) -> list[list[str]]:
    """The predicate id and object of each solution of the pattern, in the engine's order."""
    rows = [line.split("\t", 1) for line in text.split("\n")] if text else []
    if shape.predicates is not None:
        wanted = [answers.ids.get(iri) for iri in shape.predicates]
        if shape.path:  # a set of objects: the first of each, alternative after alternative
            seen: set[str] = set()
            found = []
            for pid in wanted:
                for row in rows:
                    if row[0] == pid and row[1] not in seen:
                        seen.add(row[1])
                        found.append(row)
            rows = found
        else:
            rows = [row for row in rows if row[0] == wanted[0]]
    if shape.o_iri is not None:
        rows = [row for row in rows if _is_iri(row[1], shape.o_iri)]
    return rows


def _made(answers: _Answers, shape: LookupShape, rows: list[list[str]]) -> bytes:
    terms = answers.terms
    p_name, o_name = shape.p_var, shape.o_var
    names = [n for n in shape.names if n in (p_name, o_name)]
    if names == [p_name, o_name]:
        solutions = [f'{{"{p_name}":{terms[p]},"{o_name}":{o}}}' for p, o in rows]
    elif names == [o_name, p_name]:
        solutions = [f'{{"{o_name}":{o},"{p_name}":{terms[p]}}}' for p, o in rows]
    elif names == [p_name]:
        solutions = [f'{{"{p_name}":{terms[p]}}}' for p, _ in rows]
    elif names == [o_name]:
        solutions = [f'{{"{o_name}":{o}}}' for _, o in rows]
    else:
        solutions = ["{}"] * len(rows)
    if shape.distinct:
        solutions = list(dict.fromkeys(solutions))
    end = None if shape.limit is None else shape.offset + shape.limit
    solutions = solutions[shape.offset : end]
    head = ",".join(f'"{name}"' for name in shape.names)
    return (
        '{"head":{"vars":[' + head + ']},"results":{"bindings":[' + ",".join(solutions) + "]}}"
    ).encode()


def _is_iri(term: str, iri: str) -> bool:
    if not term.startswith('{"type":"uri"'):
        return False
    value: Any = json.loads(term).get("value")
    return bool(value == iri)
