"""``/sparql`` queries on a real ``kennisgraaf serve`` of the small test data set: every result
format, content negotiation, the dataset parameters, the service description, the editor, and
every way a request can be wrong."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.util
from rdflib.compare import isomorphic

from tests.sparql_support import mini_release, serving

KG = "https://kennisgraaf.nl/"
NPULS = KG + "id/programma/npuls"
BERICHT = KG + "graph/bron/bericht"
ONTOLOGIE = KG + "graph/ontologie"
SELECT = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label WHERE {{ <{NPULS}> skos:prefLabel ?label }}"""
CONSTRUCT = f"CONSTRUCT WHERE {{ <{NPULS}> ?p ?o }}"
SRJ = "application/sparql-results+json"
SRX = "application/sparql-results+xml"
RES = "{http://www.w3.org/2005/sparql-results#}"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

# rdflib (and SPARQLWrapper through it) still use ConjunctiveGraph inside their parsers
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    store = mini_release(tmp_path_factory.mktemp("sparql-endpoint") / "store")
    with serving(store) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


def media(r: httpx.Response) -> str:
    return r.headers["content-type"].split(";")[0].strip()


def labels_from(r: httpx.Response) -> list[str]:
    """The ?label values of a SELECT result in any of the four formats."""
    m = media(r)
    if m == SRJ:
        return [b["label"]["value"] for b in r.json()["results"]["bindings"]]
    if m == SRX:
        root = ET.fromstring(r.content)
        return [lit.text or "" for lit in root.iter(f"{RES}literal")]
    if m == "text/csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["label"]
        return [row[0] for row in rows[1:]]
    assert m == "text/tab-separated-values", m
    lines = r.text.splitlines()
    assert lines[0] == "?label"
    return [str(rdflib.util.from_n3(line)) for line in lines[1:]]  # "Npuls"@nl


# --- queries that work ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, SRJ),
        ("*/*", SRJ),
        (SRJ, SRJ),
        (SRX, SRX),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", SRJ),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.8", SRX),
    ],
)
def test_select_in_every_result_format(
    client: httpx.Client, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": SELECT}, headers=headers)
    assert r.status_code == 200, r.text
    assert media(r) == expected
    assert labels_from(r) == ["Npuls"]
    assert "accept" in r.headers["vary"].lower()
    if expected.startswith("text/"):
        assert "charset=utf-8" in r.headers["content-type"].lower()


def test_get_form_post_and_direct_post_give_the_same_answer(client: httpx.Client) -> None:
    get = client.get("/sparql", params={"query": SELECT})
    form = client.post("/sparql", data={"query": SELECT})
    direct = client.post(
        "/sparql",
        content=SELECT.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert get.status_code == form.status_code == direct.status_code == 200
    assert get.json() == form.json() == direct.json()


@pytest.mark.parametrize(("fmt", "expected"), [("json", SRJ), ("xml", SRX)])
def test_ask_as_json_and_xml(client: httpx.Client, fmt: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": f"ASK {{ <{NPULS}> ?p ?o }}", "format": fmt})
    assert r.status_code == 200
    assert media(r) == expected
    if fmt == "json":
        assert r.json()["boolean"] is True
    else:
        node = ET.fromstring(r.content).find(f"{RES}boolean")
        assert node is not None and node.text == "true"
    r = client.get("/sparql", params={"query": "ASK { <urn:x:nothing> ?p ?o }"})
    assert r.json()["boolean"] is False


@pytest.mark.parametrize(
    ("accept", "expected", "rdflib_format"),
    [
        (None, "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/trig", "application/trig", "trig"),
    ],
)
def test_construct_in_every_rdf_format(
    client: httpx.Client, accept: str | None, expected: str, rdflib_format: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert r.status_code == 200, r.text
    assert media(r) == expected
    reference = client.get(
        "/sparql", params={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"}
    )
    if rdflib_format in ("nquads", "trig"):  # dataset formats: read with pyoxigraph
        quads = ox.parse(r.content, ox.RdfFormat.from_media_type(expected))
        nt = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
        graph = rdflib.Graph().parse(data=nt, format="nt")
    else:
        graph = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    assert len(graph) == 4
    assert isomorphic(graph, rdflib.Graph().parse(data=reference.text, format="nt"))
    assert (rdflib.URIRef(NPULS), None, rdflib.Literal("Npuls", lang="nl")) in graph


def test_describe_gives_rdf(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": f"DESCRIBE <{NPULS}>"})
    assert r.status_code == 200
    assert media(r) == "text/turtle"
    assert len(rdflib.Graph().parse(data=r.text, format="turtle")) >= 4


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("xml", SRX),
        ("text/csv", "text/csv"),
    ],
)
def test_the_format_parameter_wins_over_accept(
    client: httpx.Client, fmt: str, expected: str
) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": fmt}, headers={"Accept": SRJ})
    assert r.status_code == 200
    assert media(r) == expected
    assert labels_from(r) == ["Npuls"]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("json", "application/ld+json"),
        ("xml", "application/rdf+xml"),
        ("nt", "application/n-triples"),
    ],
)
def test_the_format_parameter_for_construct(client: httpx.Client, fmt: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": fmt})
    assert r.status_code == 200
    assert media(r) == expected


def test_the_default_graph_is_the_union_of_all_graphs(client: httpx.Client) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    per_graph = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    union = int(
        client.get("/sparql", params={"query": count}).json()["results"]["bindings"][0]["n"][
            "value"
        ]
    )
    named = int(
        client.get("/sparql", params={"query": per_graph}).json()["results"]["bindings"][0]["n"][
            "value"
        ]
    )
    assert union == named > 1000


def test_default_graph_uri_and_named_graph_uri_choose_the_dataset(client: httpx.Client) -> None:
    ask_npuls = f"ASK {{ <{NPULS}> ?p ?o }}"
    only_ontology = client.get(
        "/sparql", params={"query": ask_npuls, "default-graph-uri": ONTOLOGIE}
    )
    assert only_ontology.json()["boolean"] is False
    with_bericht = client.get(
        "/sparql",
        params=[
            ("query", ask_npuls),
            ("default-graph-uri", ONTOLOGIE),
            ("default-graph-uri", BERICHT),
        ],
    )
    assert with_bericht.json()["boolean"] is True
    graphs = client.get(
        "/sparql",
        params={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": BERICHT,
        },
    )
    assert [b["g"]["value"] for b in graphs.json()["results"]["bindings"]] == [BERICHT]


def test_relative_iris_resolve_against_the_base_iri(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "ASK { <id/programma/npuls> ?p ?o }"})
    assert r.json()["boolean"] is True


# --- the service description and the editor --------------------------------------------------


def test_a_plain_get_gives_the_service_description_in_turtle(client: httpx.Client) -> None:
    r = client.get("/sparql")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "accept" in r.headers["vary"].lower()
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    service = g.value(None, rdflib.RDF.type, SD.Service)
    assert service is not None
    base = str(client.base_url).rstrip("/")
    assert g.value(service, SD.endpoint) == rdflib.URIRef(base + "/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) in g  # this server takes writes
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = {str(o) for o in g.objects(service, SD.resultFormat)}
    for name in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        assert f"http://www.w3.org/ns/formats/{name}" in formats
    see_also = {str(o) for o in g.objects(service, rdflib.RDFS.seeAlso)}
    assert see_also == {
        base + p for p in ("/catalog", "/.well-known/void", "/download/", "/changes")
    }
    dataset = g.value(service, SD.defaultDataset)
    assert dataset is not None
    assert g.value(dataset, rdflib.URIRef("http://purl.org/dc/terms/title")) is not None
    names = {str(g.value(n, SD.name)) for n in g.objects(dataset, SD.namedGraph)}
    assert {BERICHT, ONTOLOGIE} <= names


@pytest.mark.parametrize(
    ("request_kw", "expected", "rdflib_format"),
    [
        ({"headers": {"Accept": "application/ld+json"}}, "application/ld+json", "json-ld"),
        ({"headers": {"Accept": "application/rdf+xml"}}, "application/rdf+xml", "xml"),
        ({"params": {"format": "ttl"}}, "text/turtle", "turtle"),
        ({"params": {"format": "nt"}}, "application/n-triples", "nt"),
    ],
)
def test_the_service_description_in_other_formats(
    client: httpx.Client, request_kw: dict[str, dict[str, str]], expected: str, rdflib_format: str
) -> None:
    r = client.get("/sparql", **request_kw)  # type: ignore[arg-type]
    assert r.status_code == 200
    assert media(r) == expected
    g = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    assert g.value(None, rdflib.RDF.type, SD.Service) is not None


def test_a_browser_gets_the_query_editor(client: httpx.Client) -> None:
    r = client.get("/sparql", headers={"Accept": CHROME})
    assert r.status_code == 200
    assert media(r) == "text/html"
    assert "<form" in r.text and 'action="/sparql"' in r.text
    assert "accept" in r.headers["vary"].lower()
    # but a browser that sends a query gets the result
    r = client.get(
        "/sparql", params={"query": SELECT, "format": "json"}, headers={"Accept": CHROME}
    )
    assert media(r) == SRJ


def test_the_home_page_links_the_endpoint_and_its_description(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert 'href="/sparql"' in r.text
    assert 'href="/sparql?format=ttl"' in r.text
    assert r.text.count("/store") >= 1


# --- wrong requests ------------------------------------------------------------------------


def test_a_bad_query_says_where_and_what(client: httpx.Client) -> None:
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }"
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 400
    assert media(r) == "text/plain"
    assert "syntax error at line 3, column" in r.text
    assert "expected" in r.text
    assert "Traceback" not in r.text


def test_a_bad_query_as_json_when_the_client_wants_json(client: httpx.Client) -> None:
    r = client.post(
        "/sparql",
        content=b"ASK {",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["line"] == 1 and body["column"] == 6
    assert "syntax error" in body["error"] and body["hint"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "text/turtle"])
def test_a_post_body_of_another_type_is_415(client: httpx.Client, content_type: str) -> None:
    r = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": content_type})
    assert r.status_code == 415
    assert "application/sparql-query" in r.text and content_type in r.text


def test_a_post_without_content_type_is_415(client: httpx.Client) -> None:
    r = client.post("/sparql", content=b"query=ASK%20%7B%7D")
    assert r.status_code == 415
    assert "Content-Type" in r.text


def test_a_body_in_another_charset_is_refused(client: httpx.Client) -> None:
    r = client.post(
        "/sparql",
        content="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert r.status_code == 415
    assert "UTF-8" in r.text
    r = client.post(
        "/sparql", content=b"ASK { \xff }", headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 400
    assert "UTF-8" in r.text


@pytest.mark.parametrize(
    "request_kw",
    [
        {"method": "GET", "url": "/sparql", "headers": {"Accept": SRJ}},
        {"method": "POST", "url": "/sparql", "data": {"format": "json"}},
        {"method": "GET", "url": "/sparql", "params": {"query": "  "}},
    ],
)
def test_a_missing_query_says_what_to_send(
    client: httpx.Client, request_kw: dict[str, object]
) -> None:
    r = client.request(**request_kw)  # type: ignore[arg-type]
    assert r.status_code == 400
    text = r.text if media(r) == "text/plain" else r.json()["error"] + r.json()["hint"]
    assert "query" in text and "application/sparql-query" in text


def test_two_queries_or_a_query_and_an_update_are_refused(client: httpx.Client) -> None:
    r = client.get("/sparql", params=[("query", "ASK {}"), ("query", "SELECT * {}")])
    assert r.status_code == 400 and "2 'query' parameters" in r.text
    r = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert r.status_code == 400 and "both a query and an update" in r.text
    r = client.post(
        "/sparql",
        params={"query": "ASK {}"},
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 400


def test_an_unacceptable_accept_is_406_and_lists_the_formats(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406
    assert "CONSTRUCT" in r.text and "text/turtle" in r.text and "application/ld+json" in r.text
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/csv" in r.text


def test_a_known_format_that_does_not_fit_the_result_is_406(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": "csv"})
    assert r.status_code == 406
    assert "format=ttl" in r.text


def test_an_unknown_format_parameter_is_400(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": "excel"})
    assert r.status_code == 400
    assert "'excel'" in r.text and "format=csv" in r.text


def test_a_graph_parameter_that_is_not_an_iri_is_400(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400
    assert "default-graph-uri" in r.text


def test_other_methods_are_405(client: httpx.Client) -> None:
    r = client.put("/sparql", content=b"ASK {}")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD, POST"
    assert "/store" in r.text


def test_an_update_by_get_is_refused_and_changes_nothing(client: httpx.Client) -> None:
    before = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    r = client.get("/sparql", params={"update": "CLEAR ALL"})
    assert r.status_code == 400
    assert "POST" in r.text
    after = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    assert before == after
    assert json.dumps(after) != json.dumps({})
