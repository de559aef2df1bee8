"""Writes on a real ``kennisgraaf serve``: SPARQL Update on ``/sparql`` and the Graph Store at
``/store``, the bearer token, writes disabled, bad bodies, and updates surviving a restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
import rdflib.compare

from tests.sparql_support import AUTH, TOKEN, mini_release, serving

UPDATE = {"Content-Type": "application/sparql-update"}
EX = "http://example.org/kg-test/"
TURTLE = f'@prefix ex: <{EX}> .\nex:s ex:p ex:o ;\n  ex:naam "Één"@nl .\n'.encode()
BROKEN = f'@prefix ex: <{EX}> .\nex:s ex:p ex:o .\nex:s ex:p "open string .\n'.encode()

# rdflib still uses ConjunctiveGraph inside its JSON-LD parser
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    store = mini_release(tmp_path_factory.mktemp("sparql-writes") / "store")
    with serving(store) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def read_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    store = mini_release(tmp_path_factory.mktemp("sparql-read-only") / "store")
    with serving(store, token=False) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


def ask(client: httpx.Client, query: str) -> bool:
    r = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


# --- SPARQL Update ---------------------------------------------------------------------------


def test_an_update_with_the_token_is_applied(client: httpx.Client) -> None:
    r = client.post(
        "/sparql",
        data={"update": f"INSERT DATA {{ GRAPH <{EX}g1> {{ <{EX}a> <{EX}p> 1 }} }}"},
        headers=AUTH,
    )
    assert r.status_code == 204, r.text
    assert ask(client, f"ASK {{ GRAPH <{EX}g1> {{ <{EX}a> <{EX}p> 1 }} }}")
    r = client.post("/sparql", content=f"DROP GRAPH <{EX}g1>".encode(), headers={**UPDATE, **AUTH})
    assert r.status_code == 204
    assert not ask(client, f"ASK {{ <{EX}a> ?p ?o }}")


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({}, "needs the bearer token"),
        ({"Authorization": "Bearer wrong-token"}, "token is wrong"),
        ({"Authorization": f"Bearer {TOKEN}x"}, "token is wrong"),
        ({"Authorization": f"Basic {TOKEN}"}, "Bearer scheme"),
        ({"Authorization": "Bearer"}, "token is wrong"),
    ],
)
def test_an_update_without_the_right_token_is_401(
    client: httpx.Client, headers: dict[str, str], says: str
) -> None:
    update = f"INSERT DATA {{ <{EX}unauthorised> <{EX}p> 1 }}"
    r = client.post("/sparql", content=update.encode(), headers={**UPDATE, **headers})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert says in r.text
    assert not ask(client, f"ASK {{ <{EX}unauthorised> ?p ?o }}")


def test_a_bad_update_says_where_and_writes_nothing(client: httpx.Client) -> None:
    update = f"INSERT DATA {{ <{EX}x> <{EX}p> 1 }} ;\nCLEAR XYZ"
    r = client.post("/sparql", content=update.encode(), headers={**UPDATE, **AUTH})
    assert r.status_code == 400
    assert "syntax error at line 2, column" in r.text and "expected" in r.text
    assert not ask(client, f"ASK {{ <{EX}x> ?p ?o }}")


def test_using_graph_uri_with_a_syntax_error_reports_the_clients_position(
    client: httpx.Client,
) -> None:
    update = "INSERT { ?s ?p 1 } WHERE { ?s ?p ?o FILTER( }"
    r = client.post(
        "/sparql",
        params={"using-graph-uri": f"{EX}g"},
        content=update.encode(),
        headers={**UPDATE, **AUTH},
    )
    assert r.status_code == 400
    assert f"line 1, column {len(update) + 1}" in r.text


def test_using_graph_uri_together_with_with_is_refused(client: httpx.Client) -> None:
    r = client.post(
        "/sparql",
        params={"using-named-graph-uri": f"{EX}people"},
        content=f"WITH <{EX}a> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}".encode(),
        headers={**UPDATE, **AUTH},
    )
    assert r.status_code == 400
    assert "WITH" in r.text and "using-graph-uri" in r.text


def test_a_query_and_an_update_in_one_request_are_refused(client: httpx.Client) -> None:
    r = client.post(
        "/sparql",
        data={"query": "ASK {}", "update": f"INSERT DATA {{ <{EX}both> <{EX}p> 1 }}"},
        headers=AUTH,
    )
    assert r.status_code == 400
    assert not ask(client, f"ASK {{ <{EX}both> ?p ?o }}")


def test_updates_without_graph_write_the_default_graph_that_gsp_calls_default(
    client: httpx.Client,
) -> None:
    r = client.post(
        "/sparql", data={"update": f"INSERT DATA {{ <{EX}d> <{EX}p> 'd' }}"}, headers=AUTH
    )
    assert r.status_code == 204
    r = client.get("/store", params={"default": ""}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert f'<{EX}d> <{EX}p> "d" .' in r.text
    assert ask(client, f"ASK {{ <{EX}d> ?p ?o }}")  # and queries see it in the union
    r = client.delete("/store", params={"default": ""}, headers=AUTH)
    assert r.status_code == 204
    assert not ask(client, f"ASK {{ <{EX}d> ?p ?o }}")


# --- the Graph Store -------------------------------------------------------------------------


def test_put_get_post_delete_a_graph(client: httpx.Client) -> None:
    graph = {"graph": f"{EX}gsp"}
    r = client.put(
        "/store", params=graph, content=TURTLE, headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert r.status_code == 201
    r = client.put(
        "/store", params=graph, content=TURTLE, headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert r.status_code == 204
    r = client.get("/store", params=graph)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert len(g) == 2
    assert (None, None, rdflib.Literal("Één", lang="nl")) in g
    more = f'<{EX}s> <{EX}q> "2" .'.encode()
    r = client.post(
        "/store",
        params=graph,
        content=more,
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert r.status_code == 204
    r = client.get("/store", params=graph, headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"] == "application/ld+json"
    assert len(rdflib.Graph().parse(data=r.text, format="json-ld")) == 3
    r = client.head("/store", params=graph)
    assert r.status_code == 200 and r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert r.content == b""
    r = client.delete("/store", params=graph, headers=AUTH)
    assert r.status_code == 204
    assert client.get("/store", params=graph).status_code == 404
    assert client.head("/store", params=graph).status_code == 404


def test_post_to_the_store_makes_a_new_graph(client: httpx.Client) -> None:
    r = client.post("/store", content=TURTLE, headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 201
    location = r.headers["location"]
    assert location.startswith(str(client.base_url).rstrip("/") + "/store/")
    by_param = client.get(
        "/store", params={"graph": location}, headers={"Accept": "application/n-triples"}
    )
    by_url = client.get(location, headers={"Accept": "application/n-triples"})
    assert by_param.status_code == by_url.status_code == 200
    assert by_param.text == by_url.text and f"<{EX}s>" in by_url.text


def test_post_multipart_adds_every_part(client: httpx.Client) -> None:
    graph = {"graph": f"{EX}multi"}
    files = [
        ("a", ("a.ttl", f"<{EX}m> <{EX}p> 1 .", "text/turtle")),
        ("b", ("b.nt", f'<{EX}m> <{EX}p> "2" .\n', "application/n-triples")),
    ]
    r = client.post("/store", params=graph, files=files, headers=AUTH)
    assert r.status_code == 201, r.text
    r = client.get("/store", params=graph, headers={"Accept": "application/n-triples"})
    assert len(r.text.strip().splitlines()) == 2


def test_put_with_broken_turtle_is_400_with_the_line_and_keeps_the_graph(
    client: httpx.Client,
) -> None:
    graph = {"graph": f"{EX}kept"}
    r = client.put(
        "/store", params=graph, content=TURTLE, headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert r.status_code == 201
    r = client.put(
        "/store", params=graph, content=BROKEN, headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert r.status_code == 400
    assert "line 3" in r.text and "Turtle" in r.text and "nothing was written" in r.text
    r = client.put(
        "/store",
        params=graph,
        content=BROKEN,
        headers={"Content-Type": "text/turtle", "Accept": "application/json", **AUTH},
    )
    assert r.json()["line"] == 3
    kept = client.get("/store", params=graph, headers={"Accept": "application/n-triples"})
    assert len(kept.text.strip().splitlines()) == 2


TRICKY = (
    f"@prefix ex: <{EX}> .\n"
    'ex:s ex:p "quote \\" backslash \\\\ newline \\n tab \\t }} ." ;\n'
    '  ex:naam "Coördinatieteam"@nl, "x"^^ex:dt, 12, true ;\n'
    f"  ex:q [ ex:r [ ex:t <{EX}café> ] ], <{EX}s> .\n"
).encode()


def test_put_and_post_keep_every_term_exactly(client: httpx.Client) -> None:
    graph = {"graph": f"{EX}tricky"}
    for method in ("PUT", "POST"):
        client.delete("/store", params=graph, headers=AUTH)
        r = client.request(
            method,
            "/store",
            params=graph,
            content=TRICKY,
            headers={"Content-Type": "text/turtle", **AUTH},
        )
        assert r.status_code == 201, r.text
        got = client.get("/store", params=graph, headers={"Accept": "application/n-triples"})
        sent = rdflib.Graph().parse(data=TRICKY, format="turtle")
        back = rdflib.Graph().parse(data=got.text, format="nt")
        assert rdflib.compare.isomorphic(sent, back), method  # blank nodes still linked
    # an empty POST changes nothing, an empty PUT empties the graph and keeps it
    r = client.post(
        "/store", params=graph, content=b"", headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert r.status_code == 204
    got = client.get("/store", params=graph, headers={"Accept": "application/n-triples"})
    assert len(got.text.strip().splitlines()) == len(sent)
    r = client.put(
        "/store", params=graph, content=b"", headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert r.status_code == 204
    got = client.get("/store", params=graph, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.text.strip() == ""


def test_a_reader_never_sees_a_graph_half_replaced(client: httpx.Client) -> None:
    """PUT is one transaction: while a graph is replaced again and again, every read of it finds
    all of the old or all of the new triples, never an empty or partly written graph (with a
    remove followed by an insert, a read in between found it empty)."""
    graph = {"graph": f"{EX}replaced"}
    versions = {
        n: "".join(f'<{EX}e{i}> <{EX}v> "{n}" .\n' for i in range(3000)).encode() for n in (1, 2)
    }
    headers = {"Content-Type": "application/n-triples", **AUTH}
    assert client.put("/store", params=graph, content=versions[1], headers=headers).is_success
    seen: list[tuple[int, int]] = []
    stop = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=client.base_url, timeout=30) as reader:
            while not stop.is_set():
                r = reader.get("/store", params=graph, headers={"Accept": "application/n-triples"})
                lines = r.text.strip().splitlines() if r.status_code == 200 else []
                values = {ln.rsplit(" ", 2)[1] for ln in lines}
                seen.append((len(lines), len(values)))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for n in (2, 1) * 8:
            r = client.put("/store", params=graph, content=versions[n], headers=headers)
            assert r.status_code == 204
    finally:
        stop.set()
        thread.join()
    assert seen
    assert all(s == (3000, 1) for s in seen), sorted(set(seen))


@pytest.mark.parametrize(
    ("content_type", "status", "says"),
    [
        ("application/n-quads", 415, "N-Quads and TriG hold a dataset"),
        ("application/trig", 415, "dataset"),
        ("text/csv", 415, "text/turtle"),
        (None, 415, "no Content-Type"),
        ("text/turtle; charset=latin-1", 415, "UTF-8"),
        ("multipart/form-data; boundary=x", 415, "multipart"),  # PUT takes no multipart
    ],
)
def test_put_with_a_body_type_that_is_no_graph_is_refused(
    client: httpx.Client, content_type: str | None, status: int, says: str
) -> None:
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    r = client.put(
        "/store", params={"graph": f"{EX}refused"}, content=b"<a> <b> <c> .", headers=headers
    )
    assert r.status_code == status
    assert says in r.text
    assert client.get("/store", params={"graph": f"{EX}refused"}).status_code == 404


def test_gsp_requests_that_do_not_name_a_graph_clearly(client: httpx.Client) -> None:
    assert client.delete("/store", params={"graph": f"{EX}absent"}, headers=AUTH).status_code == 404
    r = client.get("/store", params=[("graph", f"{EX}a"), ("default", "")])
    assert r.status_code == 400 and "both" in r.text
    r = client.get("/store", params=[("graph", f"{EX}a"), ("graph", f"{EX}b")])
    assert r.status_code == 400
    r = client.get("/store")
    assert r.status_code == 400 and "?graph=" in r.text
    r = client.put("/store", content=TURTLE, headers={"Content-Type": "text/turtle", **AUTH})
    assert r.status_code == 400
    r = client.get("/store/x", params={"graph": f"{EX}a"})
    assert r.status_code == 400 and "named twice" in r.text
    r = client.get("/store", params={"graph": f"{EX}absent"})
    assert r.status_code == 404 and "SELECT DISTINCT ?g" in r.text
    r = client.get("/store", params={"default": ""}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and "text/turtle" in r.text


def test_gsp_writes_need_the_token(client: httpx.Client) -> None:
    for method in ("PUT", "POST", "DELETE"):
        r = client.request(
            method,
            "/store",
            params={"graph": f"{EX}locked"},
            content=TURTLE,
            headers={"Content-Type": "text/turtle"},
        )
        assert r.status_code == 401, method
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/store", params={"graph": f"{EX}locked"}).status_code == 404


# --- writes disabled -------------------------------------------------------------------------


def test_without_a_token_setting_writes_are_403_and_say_how_to_enable(
    read_only: httpx.Client,
) -> None:
    r = read_only.post("/sparql", data={"update": "CLEAR ALL"}, headers=AUTH)
    assert r.status_code == 403
    assert "KENNISGRAAF_UPDATE_TOKEN" in r.text
    r = read_only.put(
        "/store",
        params={"graph": f"{EX}x"},
        content=TURTLE,
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert r.status_code == 403
    assert ask(read_only, "ASK { ?s ?p ?o }")  # CLEAR ALL did not run; reads work


def test_without_a_token_the_description_does_not_offer_update(read_only: httpx.Client) -> None:
    g = rdflib.Graph().parse(data=read_only.get("/sparql").text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in g
    assert (None, sd.supportedLanguage, sd.SPARQL11Update) not in g


# --- restart ---------------------------------------------------------------------------------


def test_updates_survive_a_restart(tmp_path: Path) -> None:
    store = mini_release(tmp_path / "store")
    with serving(store) as url:
        r = httpx.post(
            url + "/sparql",
            data={"update": f"INSERT DATA {{ GRAPH <{EX}kept> {{ <{EX}r> <{EX}p> 'blijft' }} }}"},
            headers=AUTH,
        )
        assert r.status_code == 204
        r = httpx.put(
            url + "/store",
            params={"graph": f"{EX}put"},
            content=TURTLE,
            headers={"Content-Type": "text/turtle", **AUTH},
        )
        assert r.status_code == 201
    with serving(store, token=False) as url, httpx.Client(base_url=url) as c:
        assert ask(c, f"ASK {{ GRAPH <{EX}kept> {{ <{EX}r> <{EX}p> 'blijft' }} }}")
        assert c.get("/store", params={"graph": f"{EX}put"}).status_code == 200
