"""Real clients against a real ``kennisgraaf serve``: SPARQLWrapper, rdflib's SPARQLStore and
SPARQLUpdateStore, and curl with the command lines the README shows."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized

from tests.sparql_support import AUTH, TOKEN, mini_release, serving

NPULS = "https://kennisgraaf.nl/id/programma/npuls"
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
SELECT = f"SELECT ?label WHERE {{ <{NPULS}> <{SKOS_LABEL}> ?label }}"
EX = "http://example.org/clients/"

# rdflib (and SPARQLWrapper through it) still use ConjunctiveGraph inside their parsers
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = mini_release(tmp_path_factory.mktemp("sparql-clients") / "store")
    with serving(store) as u:
        yield u


def wrapper(url: str, query: str, fmt: str) -> SPARQLWrapper:
    w = SPARQLWrapper(url + "/sparql", updateEndpoint=url + "/sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    return w


# --- SPARQLWrapper ---------------------------------------------------------------------------


def test_sparqlwrapper_select_in_json_and_xml(url: str) -> None:
    res = wrapper(url, SELECT, JSON).queryAndConvert()
    assert isinstance(res, dict)
    assert [b["label"]["value"] for b in res["results"]["bindings"]] == ["Npuls"]
    doc = wrapper(url, SELECT, XML).queryAndConvert()
    literals = doc.getElementsByTagName("literal")  # type: ignore[union-attr]
    assert [n.firstChild.data for n in literals] == ["Npuls"]  # type: ignore[union-attr]


@pytest.mark.parametrize(("fmt", "header"), [(CSV, "label"), (TSV, "?label")])
def test_sparqlwrapper_csv_and_tsv(url: str, fmt: str, header: str) -> None:
    res = wrapper(url, SELECT, fmt).queryAndConvert()
    assert isinstance(res, bytes)
    lines = res.decode().splitlines()
    assert lines[0] == header and "Npuls" in lines[1]


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_sparqlwrapper_ask_by_get_and_both_posts(url: str, method: str) -> None:
    w = wrapper(url, f"ASK {{ <{NPULS}> ?p ?o }}", JSON)
    if method != "GET":
        w.setMethod(POST)
    if method == "POSTDIRECTLY":
        w.setRequestMethod(POSTDIRECTLY)
    assert w.queryAndConvert() == {"head": {}, "boolean": True}


@pytest.mark.parametrize("fmt", [RDFXML, JSONLD, TURTLE])
def test_sparqlwrapper_construct(url: str, fmt: str) -> None:
    res = wrapper(url, f"CONSTRUCT WHERE {{ <{NPULS}> ?p ?o }}", fmt).queryAndConvert()
    if isinstance(res, bytes):  # SPARQLWrapper leaves Turtle as bytes
        res = rdflib.Graph().parse(data=res, format="turtle")
    assert isinstance(res, rdflib.Graph)
    assert (rdflib.URIRef(NPULS), None, rdflib.Literal("Npuls", lang="nl")) in res
    assert len(res) == 4


def test_sparqlwrapper_update_with_the_token(url: str) -> None:
    w = wrapper(
        url, f"INSERT DATA {{ GRAPH <{EX}sw> {{ <{EX}s> <{EX}p> 'sparqlwrapper' }} }}", JSON
    )
    w.setMethod(POST)
    w.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    assert w.query().response.status == 204
    check = wrapper(url, f"ASK {{ GRAPH <{EX}sw> {{ ?s ?p 'sparqlwrapper' }} }}", JSON)
    assert check.queryAndConvert()["boolean"] is True  # type: ignore[index,call-overload]


def test_sparqlwrapper_sees_our_errors(url: str) -> None:
    w = wrapper(url, f"INSERT DATA {{ <{EX}s> <{EX}p> 1 }}", JSON)
    w.setMethod(POST)
    with pytest.raises(Unauthorized):
        w.query()
    with pytest.raises(QueryBadFormed) as e:
        wrapper(url, "SELECT * WHERE { ?s ?p }", JSON).query()
    assert "syntax error at line 1" in str(e.value)


# --- rdflib ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_queries(url: str, method: str) -> None:
    graph = rdflib.Graph(SPARQLStore(url + "/sparql", method=method, returnFormat="json"))
    rows = list(graph.query(SELECT))
    assert [str(r[0]) for r in rows] == ["Npuls"]  # type: ignore[index]
    assert graph.query(f"ASK {{ <{NPULS}> ?p ?o }}").askAnswer is True


def test_rdflib_sparqlupdatestore_adds_and_removes(url: str) -> None:
    store = SPARQLUpdateStore(url + "/sparql", url + "/sparql", headers=dict(AUTH))
    dataset = rdflib.Dataset(store=store)
    g = dataset.graph(rdflib.URIRef(EX + "rdflib"))
    s, p = rdflib.URIRef(EX + "s"), rdflib.URIRef(EX + "p")
    g.add((s, p, rdflib.Literal("één")))
    g.add((s, p, rdflib.Literal(2)))
    assert len(g) == 2
    assert (s, p, rdflib.Literal("één")) in g
    g.remove((s, p, rdflib.Literal(2)))
    assert set(g.objects(s, p)) == {rdflib.Literal("één")}
    store.update(f"DELETE WHERE {{ GRAPH <{EX}rdflib> {{ ?s ?p ?o }} }}")
    assert len(g) == 0


def test_rdflib_sparqlupdatestore_without_token_is_refused(url: str) -> None:
    store = SPARQLUpdateStore(url + "/sparql", url + "/sparql")
    with pytest.raises(HTTPError, match="401"):  # Dataset.graph() sends CREATE GRAPH
        rdflib.Dataset(store=store).graph(rdflib.URIRef(EX + "refused"))
    with pytest.raises(HTTPError, match="401"):
        store.update(f"INSERT DATA {{ <{EX}s> <{EX}p> 1 }}")
    assert not rdflib.Graph(SPARQLStore(url + "/sparql")).query(f"ASK {{ <{EX}s> ?p 1 }}").askAnswer


# --- curl, as the README shows it ------------------------------------------------------------

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def curl(*args: str) -> tuple[int, str]:
    """Runs curl; returns (HTTP status, body)."""
    assert CURL is not None
    out = subprocess.run(
        [CURL, "-s", "-w", "\n%{http_code}", *args], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    body, _, status = out.stdout.rpartition("\n")
    return int(status), body


@needs_curl
def test_curl_query_with_data_urlencode(url: str) -> None:
    status, body = curl("--data-urlencode", f"query={SELECT}", f"{url}/sparql")
    assert status == 200
    assert [b["label"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["Npuls"]


@needs_curl
def test_curl_get_as_csv(url: str) -> None:
    status, body = curl(
        "-G", "-H", "Accept: text/csv", "--data-urlencode", f"query={SELECT}", f"{url}/sparql"
    )
    assert status == 200
    assert body.splitlines() == ["label", "Npuls"]


@needs_curl
def test_curl_service_description(url: str) -> None:
    status, body = curl(f"{url}/sparql")
    assert status == 200
    assert "sd:Service" in body or "sparql-service-description#Service" in body


@needs_curl
def test_curl_update_and_graph_store(url: str, tmp_path: Path) -> None:
    update = tmp_path / "update.ru"
    update.write_text(f"INSERT DATA {{ GRAPH <{EX}curl> {{ <{EX}s> <{EX}p> 'curl' }} }}")
    status, body = curl("--data-urlencode", f"update@{update}", f"{url}/sparql")
    assert status == 401 and "bearer token" in body
    status, _ = curl(
        "-H",
        f"Authorization: Bearer {TOKEN}",
        "--data-urlencode",
        f"update@{update}",
        f"{url}/sparql",
    )
    assert status == 204
    status, _ = curl(
        "-X", "POST",
        "-H", f"Authorization: Bearer {TOKEN}",
        "-H", "Content-Type: application/sparql-update",
        "--data-binary", f"@{update}",
        f"{url}/sparql",
    )  # fmt: skip
    assert status == 204
    data = tmp_path / "graaf.ttl"
    data.write_text(f"<{EX}t> <{EX}p> 'put' .\n")
    status, _ = curl(
        "-T", str(data),
        "-H", "Content-Type: text/turtle",
        "-H", f"Authorization: Bearer {TOKEN}",
        f"{url}/store?graph={EX}put",
    )  # fmt: skip
    assert status == 201
    status, body = curl(f"{url}/store?graph={EX}put")
    assert status == 200 and "put" in body
    status, _ = curl(
        "-X", "DELETE", "-H", f"Authorization: Bearer {TOKEN}", f"{url}/store?graph={EX}put"
    )
    assert status == 204
