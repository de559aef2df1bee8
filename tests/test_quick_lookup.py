"""Lookups answered in the server process (``endpoint/quick_lookup.py``): which queries count as
one, the same bytes as a query worker gives, the list of large subjects the build writes, and a
lookup answered while every worker is busy, on the pool and on a real ``kennisgraaf serve``."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from endpoint.executor import Dataset, Overloaded, QueryJob, QueryTimeout
from endpoint.executor_pool import PoolExecutor
from endpoint.quick_lookup import MAX_QUADS, few_quads, lookup_subject, small_subject
from ingest.large_subjects import large_subjects
from tests.live_server import live_server
from tests.pool_support import ALL, ENDLESS, JSON, collect, run
from tests.sparql_support import WITHOUT_TOKEN, mini_release

X = "https://x.example/"


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mini_release(tmp_path_factory.mktemp("quick") / "store")


@pytest.fixture(scope="module")
def subject(store_root: Path) -> str:
    """An entity of the small data set with several triples."""
    store = ox.Store.read_only(str((store_root / "current").resolve()))
    rows = store.query(
        "SELECT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://kennisgraaf.nl/id/')) } "
        "GROUP BY ?s HAVING (COUNT(*) > 5) ORDER BY ?s LIMIT 1",
        use_default_graph_as_union=True,
    )
    return next(iter(rows))[0].value  # type: ignore[union-attr,index]


# --- which queries are lookups ---------------------------------------------------------------

LOOKUPS = [
    (f"SELECT ?p ?o WHERE {{ <{X}e> ?p ?o }}", None, f"{X}e"),
    (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?label WHERE {{ <{X}e> skos:prefLabel|skos:altLabel ?label }}",
        None,
        f"{X}e",
    ),
    ("select * { <e> a ?c . } limit 3 offset 2", X, f"{X}e"),  # relative, with the job's base
    (f"BASE <{X}> select * {{ <e> a ?c . }} offset 2 limit 3", None, f"{X}e"),
    (f"ASK{{<{X}e> ?p <{X}o>}}", None, f"{X}e"),
    (f"PREFIX : <{X}> SELECT DISTINCT ?p WHERE {{ :e ?p ?o }}", None, f"{X}e"),
    (f"PREFIX ex: <{X}> SELECT REDUCED ?p WHERE {{ ex:e a ex:C }}", None, f"{X}e"),
    (f"PREFIX ex: <{X}> SELECT ?p WHERE {{ ex: ?p ?o }}", None, X),
    # only the subject's prefix must be declared once (the others do not bound the cost)
    (f"PREFIX p: <{X}> PREFIX p: <{X}q/> PREFIX : <{X}> SELECT ?o {{ :e p:x ?o }}", None, f"{X}e"),
    # no pattern: nothing to read (what clients send to see whether the endpoint is up)
    ("ASK {}", None, ""),
    ("SELECT * WHERE {} LIMIT 1", None, ""),
    (f"PREFIX ex: <{X}>\nselect ?x where {{ }} offset 1", None, ""),
]

NOT_LOOKUPS = [
    "select * { <e> a ?c }",  # relative, no base
    f"PREFIX : <{X}> PREFIX : <https://y.example/> SELECT ?p WHERE {{ :e ?p ?o }}",
    "SELECT ?p WHERE { ex:e ?p ?o }",  # undeclared prefix
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o FILTER(?o) }}",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o . ?o ?q ?r }}",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o ; ?q ?r }}",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o , ?r }}",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
    "SELECT ?p WHERE { ?s ?p ?o }",
    f"SELECT ?p WHERE {{ <{X}e> ?p* ?o }}",
    f"SELECT ?p WHERE {{ <{X}e> ^<{X}p> ?o }}",
    f"SELECT ?p WHERE {{ <{X}e> <{X}p>/<{X}q> ?o }}",
    f"SELECT ?p FROM <{X}g> WHERE {{ <{X}e> ?p ?o }}",
    f"SELECT ?p WHERE {{ GRAPH ?g {{ <{X}e> ?p ?o }} }}",
    f"SELECT ?p WHERE {{ {{ <{X}e> ?p ?o }} }}",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o }} ORDER BY ?p",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o }} GROUP BY ?p",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o }} VALUES ?p {{ <{X}a> }}",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ <{X}e> ?p ?o }}",
    f'SELECT ?p WHERE {{ <{X}e> ?p "x" }}',
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o }} # a comment",
    f"SELECT ?p WHERE {{ SERVICE <{X}s> {{ <{X}e> ?p ?o }} }}",
    f"SELECT ?p WHERE {{ <{X}\\u0065> ?p ?o }}",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o }}}}",
    f"SELECT ?p WHERE {{ <{X}e> ?p ?o }} LIMIT -1",
    f"CONSTRUCT WHERE {{ <{X}e> ?p ?o }}",
    f"DESCRIBE <{X}e>",
    f"INSERT DATA {{ <{X}e> <{X}p> <{X}o> }}",
    "ASK { {} }",
    "SELECT * WHERE { } VALUES ?x { 1 }",
    "SELECT * WHERE { } ORDER BY ?x",
    "CONSTRUCT {} WHERE {}",
    "SELECT ?p WHERE { <" + X + "e> ?p ?o }" + " " * 5000,  # too long to look at
]


@pytest.mark.parametrize(("query", "base", "subject"), LOOKUPS)
def test_a_lookup_is_recognised_with_its_subject(
    query: str, base: str | None, subject: str
) -> None:
    assert lookup_subject(query, base) == subject


@pytest.mark.parametrize("query", NOT_LOOKUPS)
def test_anything_else_goes_to_the_workers(query: str) -> None:
    assert lookup_subject(query) is None


# --- how many quads a subject has ------------------------------------------------------------


def test_the_build_lists_large_subjects_and_the_endpoint_trusts_the_list_only_as_built() -> None:
    store = ox.Store()
    big, small = ox.NamedNode(f"{X}big"), ox.NamedNode(f"{X}small")
    p, g = ox.NamedNode(f"{X}p"), ox.NamedNode(f"{X}g")
    store.extend(ox.Quad(big, p, ox.Literal(str(i)), g) for i in range(MAX_QUADS + 1))
    store.extend(ox.Quad(small, p, ox.Literal(str(i)), g) for i in range(3))
    store.add(ox.Quad(ox.BlankNode(), p, ox.Literal("a blank node is never looked up")))
    meta = {"large_subjects": large_subjects(store)}
    assert meta["large_subjects"] == {"quads": MAX_QUADS, "iris": [big.value]}
    assert large_subjects(store, 2) == {"quads": 2, "iris": [big.value, small.value]}
    assert few_quads(store, small.value) and not few_quads(store, big.value)
    assert small_subject(store, meta, True, small.value)
    assert not small_subject(store, meta, True, big.value)
    # the list is believed while the store is as built: a subject it does not name is small ...
    trusted = {"large_subjects": {"quads": MAX_QUADS, "iris": []}}
    assert small_subject(store, trusted, True, big.value)
    # ... and not after a write, for another limit, or without a list: then the quads are counted
    assert not small_subject(store, trusted, False, big.value)
    other = {"large_subjects": {"quads": MAX_QUADS * 2, "iris": []}}
    assert not small_subject(store, other, True, big.value)
    assert not small_subject(store, {}, True, big.value)


def test_a_release_says_which_subjects_are_large(store_root: Path) -> None:
    meta = json.loads((store_root / "current").resolve().with_suffix(".json").read_text())
    assert meta["large_subjects"] == {"quads": MAX_QUADS, "iris": []}


# --- the pool answers lookups itself ---------------------------------------------------------

FORMATS = [
    ("solutions", JSON),
    ("solutions", "application/sparql-results+xml"),
    ("solutions", "text/csv"),
    ("solutions", "text/tab-separated-values"),
]


def test_lookups_give_the_bytes_of_a_worker_without_one(store_root: Path, subject: str) -> None:
    queries = [
        f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}",
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?l WHERE {{ <{subject}> skos:prefLabel|skos:altLabel ?l }}",
        "SELECT * WHERE {} LIMIT 1",
    ]

    async def body(pool: PoolExecutor) -> tuple[list[bytes], list[bytes], int, int]:
        # the first query opens the release (in a thread: no lookup before it is open)
        await collect(await pool.query(QueryJob("ASK {}", ALL)))
        assert pool.lookups == 0
        here, there = [], []
        for q in queries:
            for _kind, media in FORMATS:
                formats = {"solutions": media, "boolean": media, "graph": None}
                here.append(await collect(await pool.query(QueryJob(q, formats))))  # type: ignore[arg-type]
                # with a comment it is no lookup: a worker answers
                worker = QueryJob(q + " # by a worker", formats)  # type: ignore[arg-type]
                there.append(await collect(await pool.query(worker)))
        ask = await collect(await pool.query(QueryJob(f"ASK {{ <{subject}> a ?c }}", ALL)))
        assert ask == b'{"head":{},"boolean":true}'
        lookups = pool.lookups
        # a dataset of the request's own goes to a worker too
        graph = f"{X}no-such-graph"
        job = QueryJob(queries[0], ALL, Dataset(default_graphs=(graph,)))
        empty = json.loads(await collect(await pool.query(job)))
        assert empty["results"]["bindings"] == []
        return here, there, lookups, pool.lookups

    # workers on disk, as the lookups here: from a copy in memory the rows may come in another
    # order (the same rows: tests/test_worker_memory.py)
    here, there, lookups, after = run(store_root, body, memory_quads=0)
    assert lookups == after == len(queries) * len(FORMATS) + 1
    assert here == there
    assert all(there) and len(set(there)) == len(there)


def test_a_lookup_is_answered_while_every_worker_is_busy(store_root: Path, subject: str) -> None:
    async def body(pool: PoolExecutor) -> tuple[bytes, float]:
        await pool.start()
        slow = asyncio.ensure_future(pool.query(QueryJob(ENDLESS, ALL)))
        while pool._busy == 0:
            await asyncio.sleep(0.01)
        with pytest.raises(Overloaded):
            await pool.query(QueryJob("ASK { ?s ?p ?o }", ALL))
        t0 = time.monotonic()
        answer = await collect(await pool.query(QueryJob(f"ASK {{ <{subject}> ?p ?o }}", ALL)))
        assert await collect(await pool.query(QueryJob("ASK {}", ALL))) == answer
        took = time.monotonic() - t0
        with pytest.raises(QueryTimeout):
            await slow
        return answer, took

    answer, took = run(store_root, body, query_timeout=3, query_workers=1, query_queue=0)
    assert answer == b'{"head":{},"boolean":true}'
    assert took < 2  # not after the slow query's timeout


def test_a_subject_the_release_lists_as_large_goes_to_a_worker(
    store_root: Path, subject: str
) -> None:
    async def body(pool: PoolExecutor) -> tuple[int, bytes]:
        pool._reader.store()
        pool._reader.meta = {
            **pool._reader.meta,
            "large_subjects": {"quads": MAX_QUADS, "iris": [subject]},
        }
        result = await pool.query(QueryJob(f"ASK {{ <{subject}> ?p ?o }}", ALL))
        return pool.lookups, await collect(result)

    lookups, answer = run(store_root, body)
    assert lookups == 0 and answer == b'{"head":{},"boolean":true}'


def test_after_a_write_a_lookup_sees_it_and_counts_quads(store_root: Path, tmp_path: Path) -> None:
    root = mini_release(tmp_path / "store")
    new = f"{X}nieuw"

    async def body(pool: PoolExecutor) -> tuple[bytes, bytes, int]:
        query = f"SELECT ?o WHERE {{ <{new}> <{X}p> ?o }}"
        await collect(await pool.query(QueryJob("ASK {}", ALL)))  # opens the release
        before = await collect(await pool.query(QueryJob(query, ALL)))
        await pool.update(f'INSERT DATA {{ <{new}> <{X}p> "na de build" }}')
        after = await collect(await pool.query(QueryJob(query, ALL)))
        return before, after, pool.lookups

    before, after, lookups = run(root, body, writable=True)
    assert b"na de build" not in before and b"na de build" in after
    assert lookups == 2


# --- on a real server ------------------------------------------------------------------------


def test_a_real_server_answers_lookups_while_its_worker_runs_a_slow_query(
    tmp_path: Path, subject: str
) -> None:
    root = mini_release(tmp_path / "store")
    env = {
        **WITHOUT_TOKEN,
        "KENNISGRAAF_QUERY_WORKERS": "1",
        "KENNISGRAAF_QUERY_QUEUE": "0",
        "KENNISGRAAF_QUERY_TIMEOUT": "4",
    }
    accept = {"Accept": JSON}
    with live_server(root, env) as url:
        slow: list[int] = []

        def send_slow() -> threading.Thread:
            thread = threading.Thread(
                target=lambda: slow.append(
                    httpx.post(url + "/sparql", data={"query": ENDLESS}, timeout=30).status_code
                )
            )
            thread.start()
            return thread

        thread = send_slow()
        try:
            deadline = time.monotonic() + 20
            while True:  # until the slow query holds the only worker
                busy = httpx.post(
                    url + "/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers=accept
                )
                if busy.status_code == 503 or time.monotonic() > deadline:
                    break
                if not thread.is_alive():  # refused: this ASK held the worker when it came
                    thread.join()
                    slow.clear()
                    thread = send_slow()
                time.sleep(0.05)
            assert busy.status_code == 503 and "KENNISGRAAF_QUERY_WORKERS" in busy.text
            r = httpx.get(
                url + "/sparql",
                params={"query": f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"},
                headers=accept,
            )
            assert r.status_code == 200
            assert len(r.json()["results"]["bindings"]) > 5
        finally:
            thread.join()
    assert slow == [503]  # stopped at the timeout
