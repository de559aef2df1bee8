"""Reads the W3C protocol test manifests (``tests/w3c/``) into requests a test can send.

Each test has one or more ``ht:Request`` (method, path, headers, body) with the expected
response (status or status class, result format, ASK value, ``Location`` template, response
headers, an RDF body to compare). ``run_test`` sends them in order to a live server and checks
every expectation; a test's failure message names the request and what differed.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import rdflib
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

W3C = Path(__file__).resolve().parent / "w3c"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

STATUS: dict[str, tuple[int, ...]] = {"OK": (200,), "Created": (201,), "NoContent": (204,)}
STATUS["NotFound"] = (404,)
STATUS.update({f"StatusCode{c}xx": tuple(range(c * 100, c * 100 + 100)) for c in (2, 3, 4, 5)})

RESULT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass
class Expected:
    statuses: list[str]
    format: str | None = None
    boolean: bool | None = None
    location_var: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str | None = None


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    expected: Expected


@dataclass
class W3CTest:
    id: str
    name: str
    requests: list[Request]
    graph_data: list[tuple[Path, str]]  # (file, graph IRI) loaded before the test

    def __str__(self) -> str:
        return self.id


def _list(g: rdflib.Graph, node: rdflib.term.Node | None) -> list[rdflib.term.Node]:
    return list(Collection(g, node)) if node is not None else []


def _headers(g: rdflib.Graph, node: rdflib.term.Node) -> list[tuple[str, str]]:
    return [
        (str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue)))
        for h in _list(g, g.value(node, HT.headers))
    ]


def _body(g: rdflib.Graph, node: rdflib.term.Node) -> tuple[str | None, str]:
    body = g.value(node, HT.body)
    if body is None:
        return None, "UTF-8"
    return str(g.value(body, CNT.chars)), str(g.value(body, CNT.characterEncoding) or "UTF-8")


def read_tests(manifest: Path, path_map: dict[str, str]) -> list[W3CTest]:
    """Every test described in ``manifest`` (listed or not), paths mapped by prefix."""
    g = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    tests = []
    for t in g.subjects(MF.action, None):
        action = g.value(t, MF.action)
        requests = []
        for r in _list(g, g.value(action, HT.requests)):
            text, encoding = _body(g, r)
            resp = g.value(r, HT.resp)
            assert resp is not None
            rtext, _ = _body(g, resp)
            path = str(g.value(r, HT.absolutePath))
            for old, new in path_map.items():
                if path.startswith(old):
                    path = new + path[len(old) :]
                    break
            loc = g.value(resp, MF.expectedLocation)
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            requests.append(
                Request(
                    method=str(g.value(r, HT.methodName)),
                    path=path,
                    headers=_headers(g, r),
                    body=text.encode(encoding.lower()) if text is not None else None,
                    expected=Expected(
                        statuses=sorted(
                            str(s).rsplit("#", 1)[1] for s in g.objects(resp, MF.expectedStatus)
                        ),
                        format=str(fmt) if fmt is not None else None,
                        boolean=str(boolean) == "true" if boolean is not None else None,
                        location_var=str(loc) if loc is not None else None,
                        headers=_headers(g, resp),
                        body=rtext,
                    ),
                )
            )
        graph_data = []
        for gd in g.objects(t, UT.graphData):
            file = g.value(gd, UT.graph)
            graph_data.append(
                (Path(str(file).removeprefix("file://")), str(g.value(gd, RDFS.label)))
            )
        assert g.value(t, RDF.type) is not None
        tests.append(
            W3CTest(str(t).rsplit("#", 1)[1], str(g.value(t, MF.name)), requests, graph_data)
        )
    return sorted(tests, key=lambda x: x.id)


def _media(value: str | None) -> tuple[str, str | None]:
    parts = [p.strip().lower() for p in (value or "").split(";")]
    charset = next((p.split("=", 1)[1] for p in parts[1:] if p.startswith("charset=")), None)
    return parts[0], charset


def ask_value(response: httpx.Response) -> bool:
    media, _ = _media(response.headers.get("content-type"))
    if media == "application/sparql-results+json":
        return bool(json.loads(response.text)["boolean"])
    root = ET.fromstring(response.content)
    node = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert node is not None, response.text
    return node.text == "true"


def check(req: Request, response: httpx.Response, base: str) -> None:
    exp = req.expected
    where = f"{req.method} {req.path} -> {response.status_code} {response.text[:300]!r}"
    allowed = {code for name in exp.statuses for code in STATUS[name]}
    assert response.status_code in allowed, f"expected {exp.statuses}: {where}"
    media, _ = _media(response.headers.get("content-type"))
    if exp.format is not None:
        assert media in RESULT_TYPES[exp.format], f"expected a {exp.format} result: {where}"
        if exp.format == "RDF":
            rdflib.Graph().parse(data=response.content, format=RDFLIB_FORMATS[media])
        elif exp.format == "tabular" and media == "application/sparql-results+json":
            assert "vars" in json.loads(response.text)["head"], where
    if exp.boolean is not None:
        assert ask_value(response) is exp.boolean, f"expected ASK = {exp.boolean}: {where}"
    for name, value in exp.headers:
        got = response.headers.get(name)
        if name.lower() == "content-type":
            assert _media(got) == _media(value), f"expected {name}: {value}, got {got}: {where}"
        else:
            assert got == value, f"expected {name}: {value}, got {got}: {where}"
    if exp.body is not None:
        expected = rdflib.Graph().parse(data=exp.body, format="turtle", publicID=base)
        got_graph = rdflib.Graph().parse(
            data=response.content, format=RDFLIB_FORMATS[media], publicID=base
        )
        assert isomorphic(expected, got_graph), (
            f"the graph differs: {where}\nexpected:\n{expected.serialize(format='nt')}"
            f"\ngot:\n{got_graph.serialize(format='nt')}"
        )


def run_test(
    client: httpx.Client, test: W3CTest, extra_headers: dict[str, str] | None = None
) -> None:
    """Sends every request of ``test`` in order and checks each response."""
    variables: dict[str, str] = {}
    for req in test.requests:
        path, body = req.path, req.body
        for var, value in variables.items():
            path = path.replace(var, value)
            if body is not None:
                body = body.replace(var.encode(), value.encode())
        headers = [*req.headers, *(extra_headers or {}).items()]
        response = client.request(req.method, path, headers=headers, content=body)
        check(req, response, str(client.base_url))
        if req.expected.location_var:
            location = response.headers.get("location")
            assert location, f"{req.method} {path}: no Location header"
            variables[req.expected.location_var] = location
