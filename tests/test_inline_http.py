"""Lookups answered inside uvicorn's protocol, without ASGI (``endpoint/inline_http.py``).

A real uvicorn server in this process (so that the test can see which way each request went)
with the real app over the small data set: a lookup is answered inline, with the same bytes the
app gives it; everything else goes to the app as before, on the same connection; keep-alive,
pipelining, ``Connection: close``, ``Expect: 100-continue``, bodies too large to wait for and
errors all behave as with uvicorn's own protocol; inline answers are counted in ``/metrics``."""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from endpoint import inline_http, serve
from endpoint.settings import ServeSettings
from tests.inline_support import ENTITY, LOOKUP, Server
from tests.sparql_support import mini_release
from tests.test_metrics import parse, value

NOT_A_LOOKUP = f"SELECT ?p WHERE {{ <{ENTITY}> ?p ?o FILTER(isIRI(?o)) }}"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
FORMATS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(mini_release(tmp_path_factory.mktemp("inline") / "store")) as running:
        yield running


@pytest.fixture
def fresh(server: Server) -> Server:
    server.clear()
    return server


def raw_post(query: str, *headers: bytes) -> bytes:
    """A form-encoded query as it goes over the wire, with extra header lines."""
    body = urllib.parse.urlencode({"query": query}).encode()
    return b"".join(
        (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\n",
            *(h + b"\r\n" for h in headers),
            b"Content-Type: application/x-www-form-urlencoded\r\n",
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
        )
    )


def without_date(response: httpx.Response) -> list[tuple[str, str]]:
    return [(k, v) for k, v in response.headers.multi_items() if k != "date"]


def by_app(server: Server, request: httpx.Request) -> httpx.Response:
    """``request`` answered with the inline answerer switched off (a new connection reads the
    app's answerer again), so the app answers it over ASGI."""
    answer = server.app.inline  # type: ignore[attr-defined]
    server.app.inline = None  # type: ignore[attr-defined]
    try:
        with httpx.Client() as client:
            return client.send(request)
    finally:
        server.app.inline = answer  # type: ignore[attr-defined]


@pytest.mark.parametrize("accept", FORMATS)
def test_a_lookup_is_answered_inline_with_the_bytes_the_app_gives(
    fresh: Server, accept: str
) -> None:
    request = httpx.Request(
        "POST",
        fresh.url + "/sparql",
        data={"query": LOOKUP},
        headers={"Accept": accept},
    )
    with httpx.Client() as client:
        inline = client.send(request)
    assert fresh.inline_answered == ["POST /sparql"]
    assert fresh.asgi_paths == []
    fresh.clear()
    app = by_app(fresh, request)
    assert fresh.inline_answered == [] and fresh.asgi_paths == ["POST /sparql"]
    assert inline.status_code == app.status_code == 200
    assert without_date(inline) == without_date(app)
    assert inline.content == app.content
    assert "Pilothub XR" in inline.text


SWEEP_QUERIES = [
    LOOKUP,
    f"ASK {{ <{ENTITY}> ?p ?o }}",
    "ASK {}",
    "PREFIX id: <https://kennisgraaf.nl/id/hub/> SELECT DISTINCT ?p WHERE { id:pilothub-xr ?p ?o }",
    "BASE <https://kennisgraaf.nl/id/> SELECT * { <hub/pilothub-xr> a ?c } LIMIT 1 OFFSET 1",
    "SELECT * WHERE { <hub/pilothub-xr> a ?c }",  # relative without a base: the app's base
    f"SELECT ?o WHERE {{ <{ENTITY}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?o }}",
    f"SELECT ?p ?o WHERE {{ <{ENTITY}> ?p ?o  # a comment: not a lookup\n}}",
    f"SELECT ?p ?o WHERE {{ <{ENTITY}> ?p }}",  # a syntax error
]
SWEEP_ACCEPTS = [
    None,
    "*/*",
    "application/sparql-results+json",
    "application/sparql-results+xml, text/csv;q=0.9",
    "text/csv;q=0.1, text/tab-separated-values",
    "text/turtle",
    "application/json",
    "nothing/known",
]


@pytest.mark.parametrize("query", SWEEP_QUERIES)
def test_every_answer_is_the_same_with_and_without_the_inline_way(
    fresh: Server, query: str
) -> None:
    """Each query by GET, form POST and query POST, with each Accept header, gzip or not, and
    the format parameter: status, headers and body as the app gives them."""
    requests = []
    for accept in SWEEP_ACCEPTS:
        for gz in (False, True):
            headers = {"Accept-Encoding": "gzip" if gz else "identity"}
            if accept is not None:
                headers["Accept"] = accept
            url = fresh.url + "/sparql"
            requests += [
                httpx.Request("GET", url, params={"query": query}, headers=headers),
                httpx.Request("POST", url, data={"query": query}, headers=headers),
                httpx.Request(
                    "POST",
                    url,
                    content=query.encode(),
                    headers={**headers, "Content-Type": "application/sparql-query"},
                ),
            ]
    for fmt in ("json", "csv", "tsv", "xml", "ttl", "nonsense"):
        requests.append(
            httpx.Request("GET", fresh.url + "/sparql", params={"query": query, "format": fmt})
        )
    with httpx.Client() as client:
        inline = [client.send(r) for r in requests]
    answered_inline = len(fresh.inline_answered)
    by_the_app = [by_app(fresh, r) for r in requests]
    for request, a, b in zip(requests, inline, by_the_app, strict=True):
        where = f"{request.method} {request.url} {dict(request.headers)}"
        assert (a.status_code, without_date(a)) == (b.status_code, without_date(b)), where
        assert a.content == b.content, where
    is_lookup = query not in SWEEP_QUERIES[-2:]
    assert (answered_inline > 0) == is_lookup


def test_get_and_gzip_inline_as_through_the_app(fresh: Server) -> None:
    url = fresh.url + "/sparql?" + urllib.parse.urlencode({"query": LOOKUP})
    request = httpx.Request("GET", url, headers={"Accept-Encoding": "gzip"})
    with httpx.Client() as client:
        inline = client.send(request)
    assert fresh.inline_answered == ["GET /sparql"]
    app = by_app(fresh, request)
    assert inline.headers["content-encoding"] == "gzip"
    assert inline.headers["vary"] == "Accept, Accept-Encoding"
    assert without_date(inline) == without_date(app)
    assert inline.content == app.content
    assert b"Pilothub XR" in inline.content


def test_what_is_not_a_lookup_goes_to_the_app(
    fresh: Server, caplog: pytest.LogCaptureFixture
) -> None:
    with httpx.Client(base_url=fresh.url) as client:
        assert client.post("/sparql", data={"query": NOT_A_LOOKUP}).status_code == 200
        # errors are the app's to word: a format nobody can give, a bad query
        refused = client.post("/sparql", data={"query": LOOKUP}, headers={"Accept": "image/png"})
        assert refused.status_code == 406
        bad = client.post("/sparql", data={"query": "SELECT ?x WHERE { <a> ?p }"})
        assert bad.status_code == 400 and "line 1" in bad.text
        # a lookup whose result the client cannot take: the app's 406, not a broken connection
        turtle = client.post("/sparql", data={"query": LOOKUP}, headers={"Accept": "text/turtle"})
        assert turtle.status_code == 406 and "Accept" in turtle.text
        # CORS is the app's too
        cors = client.post("/sparql", data={"query": LOOKUP}, headers={"Origin": "https://x.org"})
        assert cors.headers["access-control-allow-origin"] == "*"
        assert client.get("/health").status_code == 200
    assert fresh.inline_answered == []
    assert fresh.asgi_paths == ["POST /sparql"] * 5 + ["GET /health"]
    assert "inline answer" not in caplog.text  # declined, not failed


def test_pipelined_requests_are_answered_in_order_on_one_connection(fresh: Server) -> None:
    def post(query: str) -> bytes:
        return raw_post(query, b"Accept: text/csv")

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    wire = post(LOOKUP) + post(count) + post("ASK {}") + post(LOOKUP)
    with socket.create_connection(("127.0.0.1", fresh.port), timeout=10) as s:
        s.sendall(wire)
        answers = read_responses(s, 4)
    assert [a[0] for a in answers] == [200] * 4
    assert answers[0][1] == answers[3][1] and b"Pilothub XR" in answers[0][1]
    assert answers[1][1].startswith(b"n\r\n")
    assert answers[2][1] == b"true"
    # the first is answered inline as it arrives; requests queued behind one that the app
    # answers are started as uvicorn starts them, through the app
    assert fresh.inline_answered == ["POST /sparql"]
    assert fresh.asgi_paths == ["POST /sparql"] * 3
    fresh.clear()
    queries = [LOOKUP, "ASK {}", LOOKUP.replace("?p ?o", "?o ?p")]
    with socket.create_connection(("127.0.0.1", fresh.port), timeout=10) as s:
        s.sendall(b"".join(post(q) for q in queries))
        answers = read_responses(s, 3)
    assert [a[1][:4] for a in answers] == [b"p,o\r", b"true", b"o,p\r"]
    assert fresh.inline_answered == ["POST /sparql"] * 3 and fresh.asgi_paths == []


def test_answers_do_not_pile_up_for_a_client_that_does_not_read(fresh: Server) -> None:
    """Thousands of pipelined lookups from a client that reads nothing: once the server's
    buffer for the connection is full, the next answer waits (through the app, as uvicorn
    makes it wait) instead of every answer being made and kept in memory."""
    request = raw_post(LOOKUP)
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", fresh.port))
        s.settimeout(5)
        with contextlib.suppress(TimeoutError):  # the server stops reading: fine
            s.sendall(request * 4000)  # some 9 MB of answers
        time.sleep(1)
        buffered = [
            p.transport.get_write_buffer_size() for p in fresh.server.server_state.connections
        ]
    assert buffered and max(buffered) < 256 * 1024
    assert 0 < len(fresh.inline_answered) < 4000


def test_keep_alive_and_connection_close(fresh: Server) -> None:
    with httpx.Client(base_url=fresh.url) as client:
        for _ in range(5):  # one connection, inline and app answers in turn
            assert client.post("/sparql", data={"query": LOOKUP}).status_code == 200
            assert client.post("/sparql", data={"query": NOT_A_LOOKUP}).status_code == 200
    assert len(fresh.inline_answered) == 5 and len(fresh.asgi_paths) == 5
    request = raw_post(LOOKUP, b"Connection: close")
    with socket.create_connection(("127.0.0.1", fresh.port), timeout=10) as s:
        s.sendall(request)
        received = b""
        while chunk := s.recv(65536):  # the server closes the connection after the answer
            received += chunk
    head = received.partition(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 200") and b"connection: close" in head
    assert len(fresh.inline_answered) == 6


def test_an_idle_connection_is_closed_after_an_inline_answer(fresh: Server) -> None:
    """As after any answer: uvicorn's keep-alive timeout (1 s here) closes it."""
    request = raw_post(LOOKUP)
    with socket.create_connection(("127.0.0.1", fresh.port), timeout=10) as s:
        s.sendall(request)
        assert read_responses(s, 1)[0][0] == 200
        started = time.monotonic()
        assert s.recv(100) == b""  # closed by the server, not by our 10 s timeout
        assert time.monotonic() - started < 5
    assert fresh.inline_answered == ["POST /sparql"]


def test_bodies_the_protocol_cannot_wait_for_go_to_the_app(fresh: Server) -> None:
    with httpx.Client(base_url=fresh.url) as client:
        # a client that waits for "100 Continue" before it sends the body
        waiting = client.post("/sparql", data={"query": LOOKUP}, headers={"Expect": "100-continue"})
        assert waiting.status_code == 200
        # a body longer than the protocol waits for (still within the app's limit)
        long = client.post("/sparql", data={"query": LOOKUP + " " * inline_http.BODY_MAX})
        assert long.status_code == 200
        # a body of unknown length
        chunked = client.post(
            "/sparql",
            content=iter([b"query=", urllib.parse.quote(LOOKUP).encode()]),
            headers=FORM,
        )
        assert chunked.status_code == 200
        assert waiting.content == long.content == chunked.content
    assert fresh.inline_answered == []
    assert fresh.asgi_paths == ["POST /sparql"] * 3


def test_inline_answers_are_counted_in_metrics(fresh: Server) -> None:
    def lookups_counted(client: httpx.Client) -> float:
        got = parse(client.get("/metrics").text)
        return value(
            got, "kennisgraaf_http_requests_total", area="sparql", method="POST", code="200"
        )

    with httpx.Client(base_url=fresh.url) as client:
        before = lookups_counted(client)
        for _ in range(3):
            client.post("/sparql", data={"query": LOOKUP})
        assert lookups_counted(client) == before + 3
    assert len(fresh.inline_answered) == 3


def test_a_defect_in_the_answerer_leaves_the_request_to_the_app(
    fresh: Server, caplog: pytest.LogCaptureFixture
) -> None:
    answer = fresh.app.inline  # type: ignore[attr-defined]

    def broken(*request: Any) -> Any:
        raise RuntimeError("a defect")

    fresh.app.inline = broken  # type: ignore[attr-defined]
    try:
        with httpx.Client(base_url=fresh.url) as client:
            got = client.post("/sparql", data={"query": LOOKUP})
            again = client.post("/sparql", data={"query": LOOKUP})  # the connection lives on
    finally:
        fresh.app.inline = answer  # type: ignore[attr-defined]
    assert got.status_code == again.status_code == 200 and "Pilothub XR" in got.text
    assert fresh.asgi_paths == ["POST /sparql"] * 2
    assert "the inline answer to POST /sparql failed" in caplog.text


def test_requests_for_other_paths_never_wait_for_the_answerer(fresh: Server) -> None:
    with httpx.Client(base_url=fresh.url) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/doc/hub/pilothub-xr").status_code == 200
        assert client.post("/store?default", content=b"", headers={}).status_code in (401, 403)
        assert client.post("/sparql", data={"query": NOT_A_LOOKUP}).status_code == 200
    assert fresh.inline_asked == ["POST /sparql"]  # only the path it answers
    assert fresh.asgi_paths == ["GET /health", "GET /doc/hub/pilothub-xr"] + [
        "POST /store",
        "POST /sparql",
    ]


def test_takes_only_what_it_can_wait_for() -> None:
    def takes(
        method: str,
        headers: list[tuple[bytes, bytes]],
        expect: bool = False,
        path: str = "/sparql",
    ) -> bool:
        protocol = inline_http.InlineHttpProtocol.__new__(inline_http.InlineHttpProtocol)
        protocol.expect_100_continue = expect
        protocol._paths = frozenset({"/sparql"})

        class Cycle:
            scope = {"method": method, "headers": headers, "path": path}

        return protocol.takes(Cycle())  # type: ignore[arg-type]

    small = [(b"content-length", b"100")]
    assert takes("GET", []) and takes("POST", small) and takes("GET", small)
    assert not takes("POST", [])  # length unknown
    assert not takes("POST", [(b"content-length", str(inline_http.BODY_MAX + 1).encode())])
    assert not takes("POST", [(b"transfer-encoding", b"chunked"), *small])
    assert not takes("POST", small, expect=True)
    assert not takes("HEAD", []) and not takes("PUT", small) and not takes("DELETE", [])
    assert not takes("GET", [], path="/doc/x") and not takes("POST", small, path="/store")


def test_serve_uses_the_inline_protocol(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **options: seen.update(options))
    store = mini_release(tmp_path / "store")
    assert serve.serve(ServeSettings(store=store)) == 0
    assert seen["http"] == inline_http.HTTP
    assert uvicorn.importer.import_from_string(seen["http"]) is inline_http.InlineHttpProtocol


def test_the_answerer_is_found_behind_wrapping_middleware() -> None:
    class Inner:
        inline = staticmethod(lambda *a: None)
        inline_paths = frozenset({"/sparql"})

    class AnyPath:
        inline = staticmethod(lambda *a: None)

    class Wrapper:
        def __init__(self, app: Any) -> None:
            self.app = app

    assert inline_http.answerer(Wrapper(Wrapper(Inner()))) == (Inner.inline, Inner.inline_paths)
    assert inline_http.answerer(AnyPath()) == (AnyPath.inline, None)
    assert inline_http.answerer(Wrapper(object())) is None


def read_responses(s: socket.socket, n: int) -> list[tuple[int, bytes]]:
    """``n`` HTTP/1.1 responses with Content-Length from ``s``: (status, body) each."""
    buffer = b""
    out: list[tuple[int, bytes]] = []
    while len(out) < n:
        while b"\r\n\r\n" not in buffer:
            chunk = s.recv(65536)
            assert chunk, "connection closed early"
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in lines
            if line.lower().startswith(b"content-length:")
        )
        while len(buffer) < length:
            chunk = s.recv(65536)
            assert chunk, "connection closed early"
            buffer += chunk
        out.append((status, buffer[:length]))
        buffer = buffer[length:]
    return out
