"""Lookups answered from the answers the build wrote (``endpoint/lookup_answers.py``): the same
bytes as the engine's for every subject of the real data in every form answered that way, the
forms left to the engine, files that cannot be used, and the way through the pool and a real
server (counted in ``/metrics``; after a write, and in other formats, the engine answers)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from endpoint import lookup_answers
from endpoint.app import create_app
from endpoint.executor import QueryJob
from endpoint.executor_pool import PoolExecutor
from endpoint.lookup_answers import FILENAME, answer, terms_of
from endpoint.quick_lookup import MAX_QUADS, parse_lookup
from endpoint.settings import ServeSettings
from endpoint.store import WRITES_FILE, ReleaseStore
from ingest import pipeline
from tests.live_server import live_server
from tests.pool_support import ALL, JSON, collect, run
from tests.sparql_support import TOKEN, WITHOUT_TOKEN, mini_release, update

BASE = "https://kennisgraaf.nl/"
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
X = "https://x.example/"


def engine(store: ox.Store, query: str) -> bytes:
    result = store.query(query, base_iri=BASE, use_default_graph_as_union=True)
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b""


def built(folder: Path, query: str) -> bytes | None:
    lookup = parse_lookup(query, BASE)
    assert lookup is not None, query
    shape = lookup.shape()
    assert shape is not None, query
    return answer(folder, shape)


@pytest.fixture(scope="module")
def folder(real_build: pipeline.Outcome) -> Path:
    assert real_build.path is not None
    return real_build.path


@pytest.fixture(scope="module")
def subjects(folder: Path) -> list[str]:
    db = sqlite3.connect(folder / FILENAME)
    try:
        return [iri for (iri,) in db.execute("SELECT iri FROM answer ORDER BY iri")]
    finally:
        db.close()


def test_the_build_writes_the_answers_of_every_subject(
    real_store: ox.Store, folder: Path, subjects: list[str]
) -> None:
    counts = real_store.query(
        "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) } GROUP BY ?s",
        use_default_graph_as_union=True,
    )
    expected = sorted(
        row["s"].value  # type: ignore[index,union-attr]
        for row in counts  # type: ignore[union-attr]
        if int(row["n"].value) <= MAX_QUADS  # type: ignore[index,union-attr]
    )
    assert len(expected) > 1000
    assert subjects == expected
    db = sqlite3.connect(folder / FILENAME)
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    db.close()
    assert meta == {"format": lookup_answers.FORMAT, "pyoxigraph": ox.__version__}


def test_kennisgraaf_build_writes_them(mini_store: Path) -> None:
    release = (mini_store / "current").resolve()
    db = sqlite3.connect(release / FILENAME)
    assert db.execute("SELECT COUNT(*) FROM answer").fetchone()[0] > 50
    db.close()


def _forms(subject: str, answer_json: bytes) -> list[str]:
    """Lookups of ``subject`` in every form answered from the file; ``answer_json`` is the
    engine's answer to all its triples (for a predicate and an object it has)."""
    s = f"<{subject}>"
    forms = [
        f"SELECT ?p ?o WHERE {{ {s} ?p ?o }}",
        f"select ?o $p where {{ {s} ?p ?o . }}",
        f"SELECT DISTINCT ?p WHERE {{ {s} ?p ?o }} LIMIT 3 OFFSET 1",
        f"SELECT ?x ?o WHERE {{ {s} ?p ?o }} OFFSET 2",
        f"SELECT DISTINCT ?x WHERE {{ {s} ?p ?o }}",
        f"SELECT ?p WHERE {{ {s} ?p ?o }} LIMIT 0",
        SKOS + f"SELECT ?label WHERE {{ {s} skos:prefLabel|skos:altLabel ?label }}",
        SKOS + RDFS + f"SELECT ?v {{ {s} rdfs:label|skos:prefLabel|rdfs:label ?v }} LIMIT 2",
        f"SELECT ?c WHERE {{ {s} a ?c }}",
        f"PREFIX : <{subject}> SELECT DISTINCT ?c WHERE {{ : a|a ?c }}",
    ]
    rows = json.loads(answer_json)["results"]["bindings"]
    if rows:
        forms.append(f"SELECT ?o WHERE {{ {s} <{rows[-1]['p']['value']}> ?o }}")
    objects = [r["o"]["value"] for r in rows if r["o"]["type"] == "uri"]
    if objects:
        forms.append(f"SELECT ?p WHERE {{ {s} ?p <{objects[0]}> }}")
    return forms


def test_every_lookup_of_the_real_data_is_the_engines_answer(
    real_store: ox.Store, folder: Path, subjects: list[str]
) -> None:
    compared = 0
    for subject in subjects:
        whole = engine(real_store, f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}")
        for query in _forms(subject, whole):
            assert built(folder, query) == engine(real_store, query), query
            compared += 1
    assert compared > 10 * len(subjects)


def test_the_terms_are_the_engines_own_bytes() -> None:
    """Literals with quotes, escapes, control characters, languages and datatypes, blank nodes,
    the same triple in two graphs and in the default graph: cut from the engine's answer and put
    together again, they are the engine's answer."""
    store = ox.Store()
    s, p, q = ox.NamedNode(f"{X}s"), ox.NamedNode(f"{X}p"), ox.NamedNode(f"{X}q")
    objects = [
        ox.Literal('q"\\\n\t\x01\x7f\u2028é}'),
        ox.Literal("nl", language="nl-NL"),
        ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.BlankNode(),
        ox.NamedNode(f"{X}o"),
    ]
    for graph in (ox.NamedNode(f"{X}g1"), ox.NamedNode(f"{X}g2"), ox.DefaultGraph()):
        for o in objects:
            store.add(ox.Quad(s, p, o, graph))
        store.add(ox.Quad(s, q, objects[0], graph))
    text = engine(store, f"SELECT ?p ?o WHERE {{ <{X}s> ?p ?o }}").decode()
    rows = terms_of(text)
    assert len(rows) == 3 * (len(objects) + 1)
    rebuilt = ",".join(f'{{"p":{p},"o":{o}}}' for p, o in rows)
    assert text == '{"head":{"vars":["p","o"]},"results":{"bindings":[' + rebuilt + "]}}"
    assert terms_of('{"head":{"vars":["p","o"]},"results":{"bindings":[]}}') == []
    for bad in ('{"head":{"vars":["o","p"]},"results":{"bindings":[]}}', text[:-1], text + " "):
        with pytest.raises(lookup_answers.Unexpected):
            terms_of(bad)


def test_a_store_of_odd_terms_answers_as_the_engine(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    s = ox.NamedNode(f"{X}s")
    for i, o in enumerate(
        [ox.Literal('"\\\n'), ox.BlankNode(), ox.NamedNode(f"{X}é"), ox.Literal("x", language="en")]
    ):
        for graph in (ox.NamedNode(f"{X}g"), ox.DefaultGraph()):
            store.add(ox.Quad(s, ox.NamedNode(f"{X}p{i % 2}"), o, graph))
    folder = tmp_path / "answers"
    folder.mkdir()
    assert lookup_answers.write_answers(store, folder, lambda _: None) == 1
    for query in [
        f"SELECT ?p ?o WHERE {{ <{X}s> ?p ?o }}",
        f"SELECT DISTINCT ?o WHERE {{ <{X}s> ?p ?o }}",
        f"SELECT ?o WHERE {{ <{X}s> <{X}p1>|<{X}p0>|<{X}p1> ?o }}",
        f"SELECT ?o WHERE {{ <{X}s> <{X}p0> ?o }}",
        f"SELECT ?p WHERE {{ <{X}s> ?p <{X}é> }}",
        f"SELECT ?o WHERE {{ <{X}s> <{X}nothing> ?o }}",
    ]:
        assert built(folder, query) == engine(store, query), query


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ <{X}s> ?p ?o }}",  # the engine orders the variables its own way
        f"SELECT REDUCED ?p WHERE {{ <{X}s> ?p ?o }}",
        f"ASK {{ <{X}s> ?p ?o }}",
        "SELECT ?p WHERE { <s> ?p ?o }",  # relative: resolved against the base
        "PREFIX ex: <s/> SELECT ?p WHERE { ex:e ?p ?o }",
        f"SELECT ?o WHERE {{ <{X}s> A ?o }}",  # the keyword is "a"
        f"SELECT ?p WHERE {{ <{X}s> ?p ?o }} LIMIT 1 LIMIT 2",
        f"SELECT ?p WHERE {{ <{X}s> ?p ?o }} OFFSET 1 OFFSET 2",
        f"SELECT ?p WHERE {{ <{X}s> ?p ?o }} LIMIT 99999999999",
        f"SELECT ?x WHERE {{ <{X}s> ?x ?x }}",
        f"SELECT ?p ?p WHERE {{ <{X}s> ?p ?o }}",
        f"SELECT ?x WHERE {{ <{X}s> <{X}p>|<{X}q> <{X}o> }}",
        f"PREFIX ex: <{X}> PREFIX ex: <{X}> SELECT ?o WHERE {{ <{X}s> ex:p ?o }}",
        "SELECT ?x WHERE { } LIMIT 1",
    ],
)
def test_other_forms_are_left_to_the_engine(query: str) -> None:
    lookup = parse_lookup(query, BASE)
    assert lookup is not None, "a lookup, but not one the file answers"
    assert lookup.shape() is None


def test_a_file_that_cannot_answer_leaves_it_to_the_engine(
    folder: Path, subjects: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    query = f"SELECT ?p ?o WHERE {{ <{subjects[0]}> ?p ?o }}"
    assert built(folder, query) is not None
    assert built(folder, f"SELECT ?p ?o WHERE {{ <{X}not-in-the-release> ?p ?o }}") is None

    def copy(name: str) -> Path:
        target = tmp_path / name
        target.mkdir()
        shutil.copy(folder / FILENAME, target / FILENAME)
        return target

    def change(name: str, sql: str, *args: object) -> Path:
        target = copy(name)
        db = sqlite3.connect(target / FILENAME)
        db.execute(sql, args)
        db.commit()
        db.close()
        return target

    missing = tmp_path / "missing"
    missing.mkdir()
    garbage = copy("garbage")
    (garbage / FILENAME).write_bytes(b"not a database" * 100)
    other_format = change("format", "UPDATE meta SET value = 'x' WHERE key = 'format'")
    other_engine = change("engine", "UPDATE meta SET value = '0.0' WHERE key = 'pyoxigraph'")
    no_table = change("table", "DROP TABLE answer")
    damaged = change("rows", "UPDATE answer SET rows = 'no tab here' WHERE iri = ?", subjects[0])
    unknown = change("ids", "UPDATE answer SET rows = '999999\t{}' WHERE iri = ?", subjects[0])
    for target in (missing, garbage, other_format, other_engine, no_table, damaged, unknown):
        caplog.clear()
        with caplog.at_level("WARNING", logger="kennisgraaf.sparql"):
            assert built(target, query) is None, target.name
            assert built(target, query) is None, target.name
        # said once, with what to do, for a file that is there but cannot be used
        warnings = [r.getMessage() for r in caplog.records]
        if target is missing:
            assert warnings == []
        else:
            assert len(warnings) == 1, (target.name, warnings)
            assert str(target / FILENAME) in warnings[0] and "kennisgraaf build" in warnings[0]
    assert built(damaged, f"SELECT ?p ?o WHERE {{ <{subjects[1]}> ?p ?o }}") is not None


# --- through the pool and a real server ---------------------------------------------------


def test_the_pool_answers_json_lookups_from_the_file_and_the_rest_by_the_engine(
    tmp_path: Path,
) -> None:
    root = mini_release(tmp_path / "store")
    release = (root / "current").resolve()
    subject = next(iter(sqlite3.connect(release / FILENAME).execute("SELECT iri FROM answer")))[0]
    query = SKOS + f"SELECT ?l ?p WHERE {{ <{subject}> ?p ?l }}"
    xml = "application/sparql-results+xml"

    async def body(pool: PoolExecutor) -> tuple[list[bytes], list[int]]:
        await collect(await pool.query(QueryJob("ASK {}", ALL)))  # opens the release
        seen = [
            await collect(await pool.query(QueryJob(query, ALL))),
            await collect(await pool.query(QueryJob(query + " # by a worker", ALL))),
        ]
        counts = [pool.built_lookups]
        formats = {"solutions": xml, "boolean": xml, "graph": None}
        seen.append(await collect(await pool.query(QueryJob(query, formats))))  # type: ignore[arg-type]
        counts.append(pool.built_lookups)
        await pool.update(f'INSERT DATA {{ <{subject}> <{X}p> "na de build" }}')
        seen.append(await collect(await pool.query(QueryJob(query, ALL))))
        counts += [pool.built_lookups, pool.lookups]
        return seen, counts

    seen, counts = run(root, body, writable=True)
    assert seen[0] == seen[1] and b'"l":' in seen[0]
    assert seen[2].startswith(b"<?xml")
    assert b"na de build" in seen[3] and b"na de build" not in seen[0]
    # XML and after the write: the engine, in this process (the first ASK opened the release)
    assert counts == [1, 1, 1, 3]

    async def off(pool: PoolExecutor) -> tuple[bytes, int]:
        await collect(await pool.query(QueryJob("ASK {}", ALL)))
        return await collect(await pool.query(QueryJob(query, ALL))), pool.built_lookups

    assert run(mini_release(tmp_path / "off"), off, built_lookups=False) == (seen[0], 0)


def test_a_real_server_answers_from_the_file_and_counts_it(tmp_path: Path) -> None:
    root = mini_release(tmp_path / "store")
    release = (root / "current").resolve()
    subject = next(iter(sqlite3.connect(release / FILENAME).execute("SELECT iri FROM answer")))[0]
    query = f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"
    store = ox.Store.read_only(str(release))
    expected = engine(store, query)
    del store
    with live_server(root, WITHOUT_TOKEN) as url:
        got = [
            httpx.post(f"{url}/sparql", data={"query": query}, headers={"accept": JSON}),
            httpx.get(f"{url}/sparql", params={"query": query}, headers={"accept": JSON}),
        ]
        metrics = httpx.get(f"{url}/metrics").text
    for r in got:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith(JSON)
        assert r.content == expected
    assert "kennisgraaf_lookups_built_total 2" in metrics.splitlines()


# --- a release written to, and the server started again --------------------------------------


def test_a_server_started_again_after_a_write_answers_from_the_store(tmp_path: Path) -> None:
    root = mini_release(tmp_path / "store")
    release = (root / "current").resolve()
    assert not (release / WRITES_FILE).exists()  # as built
    subject = next(iter(sqlite3.connect(release / FILENAME).execute("SELECT iri FROM answer")))[0]
    query = f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"

    async def write(pool: PoolExecutor) -> str:
        await collect(await pool.query(QueryJob("ASK {}", ALL)))
        await pool.update(f'INSERT DATA {{ <{subject}> <{X}p> "na de build" }}')
        return pool._reader.version

    async def again(pool: PoolExecutor) -> tuple[bytes, int, int, str]:
        await collect(await pool.query(QueryJob("ASK {}", ALL)))
        answer = await collect(await pool.query(QueryJob(query, ALL)))
        return answer, pool.built_lookups, pool._reader.writes, pool._reader.version

    version = run(root, write, writable=True)
    assert json.loads((release / WRITES_FILE).read_text()) == {"writes": 1}
    # started again read-only, as a server without the update token
    answer, built_answers, writes, version_again = run(root, again)
    assert b"na de build" in answer
    assert built_answers == 0 and writes == 1
    assert (
        version_again == version != str(json.loads(release.with_suffix(".json").read_text())["id"])
    )


def test_the_count_of_writes_is_kept_before_and_after_each_write(tmp_path: Path) -> None:
    root = mini_release(tmp_path / "store")
    reader = ReleaseStore(root, writable=True)
    reader.store()
    assert reader.writes == 0 and not (reader.folder() / WRITES_FILE).exists()
    reader.will_write()  # a write that fails or is cut off still counts: the store may differ
    again = ReleaseStore(root)
    again.store()
    assert again.writes == 1
    reader.wrote()
    reader.will_write()
    reader.wrote()
    third = ReleaseStore(root)
    third.store()
    assert third.writes == 2 and third.version.endswith(".2")
    (reader.folder() / WRITES_FILE).write_text("damaged")
    fourth = ReleaseStore(root)
    fourth.store()
    assert fourth.writes == 1  # unreadable: written to at least once


def test_the_in_process_executor_keeps_the_count_too(tmp_path: Path) -> None:
    root = mini_release(tmp_path / "store")
    app = create_app(ServeSettings(store=root, query_workers=0, update_token=TOKEN))
    with TestClient(app) as client:
        update(client, f'INSERT DATA {{ <{X}s> <{X}p> "na de build" }}')
    again = ReleaseStore(root)
    again.store()
    assert again.writes == 1
