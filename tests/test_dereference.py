"""Every IRI the project mints resolves: 303 from /id/, /def, /graph to /doc/, content
negotiation, fixed formats, Link headers, ETag/304, 404 with a search form, bad paths.

Runs the real app (FastAPI TestClient, in-process) on the real build of data/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from rdflib import Graph

from endpoint.app import create_app
from endpoint.dereference import doc_of, iri_path_of, words
from endpoint.settings import ServeSettings
from ingest import pipeline
from ontology.namespaces import CANONICAL_BASE
from tests.conftest import run_cli

BASE = CANONICAL_BASE
RDF_ACCEPT = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}
ENTITY = "/id/financiering/groeifondsbijdrage-digitaliseringsimpuls"
DOC = "/doc/financiering/groeifondsbijdrage-digitaliseringsimpuls"


def store_root(build: pipeline.Outcome) -> Path:
    assert build.path is not None
    return build.path.parent.parent


@pytest.fixture(scope="module")
def client(real_build: pipeline.Outcome) -> Iterator[TestClient]:
    app = create_app(ServeSettings(store=store_root(real_build), query_workers=0))
    with TestClient(app) as c:
        yield c


def minted_iris(store: ox.Store) -> set[str]:
    out: set[str] = set()
    for q in store.quads_for_pattern(None, None, None, None):
        for t in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(t, ox.NamedNode) and t.value.startswith(BASE):
                out.add(t.value)
    return out


def parse(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=fmt)}


def ground(triples: set[ox.Triple] | list[ox.Triple]) -> set[ox.Triple]:
    """Triples without blank nodes (those are compared by structure elsewhere)."""
    return {
        t
        for t in triples
        if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)
    }


def test_every_minted_iri_resolves_in_all_five_formats(
    client: TestClient, real_store: ox.Store
) -> None:
    iris = minted_iris(real_store)
    assert len(iris) > 500
    by_doc: dict[str, list[str]] = {}
    for iri in iris:
        path = "/" + iri[len(BASE) :].split("#", 1)[0]
        by_doc.setdefault(path, []).append(iri)
    failures: list[str] = []
    for n, (path, members) in enumerate(sorted(by_doc.items())):
        doc = doc_of(path)
        # the IRI itself: 303 to the document chosen by Accept (one format per IRI, rotating)
        ext = ("html", *RDF_ACCEPT)[n % 5]
        accept = "text/html" if ext == "html" else RDF_ACCEPT[ext][0]
        r = client.get(path, headers={"accept": accept}, follow_redirects=False)
        want = doc if ext == "html" else f"{doc}.{ext}"
        if r.status_code != 303 or r.headers["location"] != want:
            failures.append(f"{path} ({accept}): {r.status_code} {r.headers.get('location')}")
            continue
        page = client.get(doc, headers={"accept": "text/html"})
        if page.status_code != 200 or "<h1" not in page.text:
            failures.append(f"{doc} as HTML: {page.status_code}")
        for ext, (media, fmt) in RDF_ACCEPT.items():
            r = client.get(f"{doc}.{ext}")
            if r.status_code != 200 or not r.headers["content-type"].startswith(media):
                failures.append(f"{doc}.{ext}: {r.status_code} {r.headers.get('content-type')}")
                continue
            got = parse(r.content, fmt)
            for iri in members:
                node = ox.NamedNode(iri)
                own = {q.triple for q in real_store.quads_for_pattern(node, None, None, None)}
                missing = ground(own) - got
                if missing:
                    failures.append(f"{doc}.{ext} lacks {len(missing)} triples of <{iri}>")
                if not own and not any(node in (t.subject, t.object) for t in got):
                    failures.append(f"{doc}.{ext} does not mention <{iri}>")
    assert not failures, "\n".join(failures[:30])


def test_blank_nodes_of_a_shape_are_in_its_document(client: TestClient) -> None:
    r = client.get("/doc/def/shapes/Financiering-eind-datum.ttl")
    g = Graph().parse(data=r.text, format="turtle")
    # sh:or ( [ sh:datatype xsd:date ] [ ... ] [ ... ] ) comes with its list and members
    q = """PREFIX sh: <http://www.w3.org/ns/shacl#>
    SELECT ?dt WHERE { ?s sh:or/(<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*)/
        <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?m . ?m sh:datatype ?dt }"""
    assert len(list(g.query(q))) == 3


def test_documents_parse_with_rdflib_too(client: TestClient) -> None:
    for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")):
        g = Graph().parse(data=client.get(f"{DOC}.{ext}").text, format=fmt)
        assert len(g) > 20, ext


@pytest.mark.parametrize(
    ("accept", "target"),
    [
        ("text/html", DOC),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", DOC),
        ("text/turtle", DOC + ".ttl"),
        ("application/ld+json", DOC + ".jsonld"),
        ("application/json", DOC + ".jsonld"),
        ("application/n-triples", DOC + ".nt"),
        ("application/rdf+xml", DOC + ".rdf"),
        ("text/turtle;q=0.5, application/rdf+xml", DOC + ".rdf"),
        ("text/html;q=0.1, application/ld+json;q=0.9", DOC + ".jsonld"),
        ("*/*", DOC),
        ("", DOC),
    ],
)
def test_id_answers_303_by_accept(client: TestClient, accept: str, target: str) -> None:
    r = client.get(ENTITY, headers={"accept": accept}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == target
    assert "Accept" in r.headers["vary"]


def test_ontology_terms_concepts_and_graphs_redirect_to_doc(client: TestClient) -> None:
    for path, doc in (
        ("/def", "/doc/def"),
        ("/def/Hub", "/doc/def/Hub"),
        ("/def/shapes/Bron", "/doc/def/shapes/Bron"),
        ("/id/begrip/thema", "/doc/begrip/thema"),
        ("/id/begrip/thema/studiedata-en-ai", "/doc/begrip/thema/studiedata-en-ai"),
        ("/graph/ontologie", "/doc/graph/ontologie"),
        ("/graph/bron/update-pilothubs-2023", "/doc/graph/bron/update-pilothubs-2023"),
    ):
        r = client.get(path, headers={"accept": "text/turtle"}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, doc + ".ttl"), path
        page = client.get(path, headers={"accept": "text/html"})
        assert page.status_code == 200, path
        assert str(page.url).endswith(doc)


def test_doc_negotiates_and_names_the_fixed_document(client: TestClient) -> None:
    r = client.get(DOC, headers={"accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    assert r.headers["content-location"] == DOC + ".ttl"
    assert "Accept" in r.headers["vary"]
    html = client.get(DOC, headers={"accept": "text/html"})
    assert html.headers["content-location"] == DOC + ".html"
    fixed = client.get(DOC + ".html", headers={"accept": "text/turtle"})
    assert fixed.headers["content-type"].startswith("text/html")
    fixed = client.get(DOC + ".ttl", headers={"accept": "text/html"})
    assert fixed.headers["content-type"].startswith("text/turtle")


def test_link_headers_name_the_other_formats(client: TestClient) -> None:
    r = client.get(DOC + ".ttl")
    link = r.headers["link"]
    assert f'<{DOC}>; rel="canonical"' in link
    for ext, media in (
        ("html", "text/html"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
    ):
        assert f'<{DOC}.{ext}>; rel="alternate"; type="{media}"' in link
    assert f"<{DOC}.ttl>" not in link


def test_jsonld_has_a_context(client: TestClient) -> None:
    doc = json.loads(client.get(DOC + ".jsonld").content)
    assert doc["@context"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
    node = next(n for n in doc["@graph"] if n["@id"] == BASE + ENTITY[1:])
    assert "skos:prefLabel" in node


def test_rdf_document_holds_labels_incoming_and_provenance(client: TestClient) -> None:
    got = parse(client.get(DOC + ".nt").content, ox.RdfFormat.N_TRIPLES)
    me = ox.NamedNode(BASE + ENTITY[1:])
    pref = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    funder = ox.NamedNode(BASE + "id/organisatie/nationaal-groeifonds")
    assert any(t.subject == funder and t.predicate == pref for t in got)  # label of a link
    quote_p = ox.NamedNode(BASE + "def/quote")
    quotes = [t.object.value for t in got if t.predicate == quote_p]
    assert "560 miljoen komt van het Nationaal Groeifonds" in quotes
    part = got_incoming = parse(
        client.get("/doc/financiering/budget-digitaliseringsimpuls-onderwijs.nt").content,
        ox.RdfFormat.N_TRIPLES,
    )
    assert any(
        t.subject == me and t.object.value.endswith("budget-digitaliseringsimpuls-onderwijs")
        for t in got_incoming
    ), part


def test_graph_document_counts_its_triples(client: TestClient, real_store: ox.Store) -> None:
    g = BASE + "graph/redactie"
    n = sum(1 for _ in real_store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    got = parse(client.get("/doc/graph/redactie.nt").content, ox.RdfFormat.N_TRIPLES)
    counts = [t.object.value for t in got if t.predicate.value == "http://rdfs.org/ns/void#triples"]
    assert counts == [str(n)]
    page = BeautifulSoup(client.get("/doc/graph/redactie").text, "html.parser")
    stores = [a["href"] for a in page.find_all("a", href=True) if a["href"].startswith("/store?")]
    assert stores and all(parse_qs(urlsplit(h).query)["graph"] == [g] for h in stores)


def test_nothing_acceptable_is_406_with_the_list(client: TestClient) -> None:
    for path in (ENTITY, DOC):
        r = client.get(path, headers={"accept": "image/png"}, follow_redirects=False)
        assert r.status_code == 406
        for media in ("text/html", "text/turtle", "application/ld+json", "application/rdf+xml"):
            assert media in r.text
        assert "Vary" in r.headers or "vary" in r.headers


def test_unknown_iri_is_404_with_a_prefilled_search_form(client: TestClient) -> None:
    r = client.get("/id/hub/pilothub-quantum-computing", headers={"accept": "text/html"})
    assert r.status_code == 404
    page = BeautifulSoup(r.text, "html.parser")
    assert "pilothub-quantum-computing" in page.get_text()
    forms = [f for f in page.find_all("form") if f.get("action") == "/search"]
    assert forms and all(f.get("method") == "get" for f in forms)
    prefilled = [i.get("value") for f in forms for i in f.find_all("input", attrs={"name": "q"})]
    assert "pilothub quantum computing" in prefilled
    assert page.find("label", attrs={"for": forms[-1].find("input")["id"]})
    for path in ("/doc/hub/pilothub-quantum-computing", "/def/NoSuchTerm", "/graph/nope"):
        assert client.get(path, headers={"accept": "text/html"}).status_code == 404


def test_unknown_iri_for_an_rdf_client_is_a_short_plain_404(client: TestClient) -> None:
    r = client.get("/id/hub/nope", headers={"accept": "text/turtle"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/plain")
    assert "knows nothing about <https://kennisgraaf.nl/id/hub/nope>" in r.text
    assert client.get("/doc/hub/nope.ttl").status_code == 404


def test_etag_and_304_on_pages_and_documents(client: TestClient) -> None:
    for path, accept in ((DOC, "text/html"), (DOC + ".ttl", "*/*"), (DOC, "text/turtle")):
        r = client.get(path, headers={"accept": accept})
        etag = r.headers["etag"]
        assert r.headers["cache-control"].startswith("public")
        again = client.get(path, headers={"accept": accept, "if-none-match": etag})
        assert again.status_code == 304
        assert again.headers["etag"] == etag
        assert not again.content
    nl = client.get(DOC, headers={"accept": "text/html"}).headers["etag"]
    en = client.get(DOC + "?lang=en", headers={"accept": "text/html"}).headers["etag"]
    ttl = client.get(DOC, headers={"accept": "text/turtle"}).headers["etag"]
    assert len({nl, en, ttl}) == 3


def test_head_answers_like_get(client: TestClient) -> None:
    r = client.head(ENTITY, headers={"accept": "text/turtle"}, follow_redirects=False)
    assert r.status_code == 303
    assert client.head(DOC + ".ttl").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/id/%2E%2E/sparql",
        "/id/hub/%2E%2E/%2E%2E/sparql",
        "/doc/hub/..%2F..%2Fsparql",
        "/doc/hub//pilothub-xr",
        "/id/hub/pilothub%20xr",
        "/id/hub/%00",
        "/id/hub/a%3Cscript%3E",
        "/doc/" + "a" * 5000,
        "/id/" + "x/" * 600 + "y",
    ],
)
def test_bad_paths_are_a_clear_400(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 400, (path, r.status_code)
    assert "Traceback" not in r.text
    text = BeautifulSoup(r.text, "html.parser").get_text()
    assert "not an address" in text or "not a document" in text


def test_weird_encodings_never_fail(client: TestClient) -> None:
    for path in ("/id/hub/%FF%FE", "/id/hub/caf%C3%A9", "/doc/%E2%80%AE", "/id/hub/x%23y"):
        r = client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert "Traceback" not in r.text


def test_path_mapping_roundtrips() -> None:
    for iri_path in ("/id/hub/x", "/def", "/def/Hub", "/def/shapes/Bron", "/graph/bron/x"):
        doc = doc_of(iri_path)
        assert iri_path_of(doc[len("/doc/") :]) == iri_path
    assert words("hub/pilothub-xr.ttl") == "pilothub xr"
    assert words("def/CenterForTeachingAndLearning") == "Center For Teaching And Learning"


def test_another_base_iri_resolves_by_path(mini_data: Path, tmp_path: Path) -> None:
    base = "https://example.org/kg/"
    store = tmp_path / "store"
    r = run_cli("build", "-q", "--data", mini_data, "--store", store, "--base-iri", base)
    assert r.returncode == 0, r.stderr
    app = create_app(ServeSettings(store=store, base_iri=base, query_workers=0))
    with TestClient(app) as c:
        r = c.get("/id/hub/pilothub-xr", headers={"accept": "text/turtle"})
        assert r.status_code == 200
        got = parse(r.content, ox.RdfFormat.TURTLE)
        me = ox.NamedNode(base + "id/hub/pilothub-xr")
        assert any(t.subject == me for t in got)
        assert not any(
            CANONICAL_BASE in t.subject.value for t in got if isinstance(t.subject, ox.NamedNode)
        )
        page = BeautifulSoup(c.get("/id/hub/pilothub-xr").text, "html.parser")
        assert page.find("code", string=base + "id/hub/pilothub-xr")
        hrefs = [a["href"] for a in page.find_all("a", href=True)]
        assert not [h for h in hrefs if h.startswith(base)]  # links use the server's own paths
        assert "/doc/def/Hub" in hrefs  # its kind, linked to the term's document
        assert c.get("/def/Hub", headers={"accept": "text/html"}).status_code == 200
