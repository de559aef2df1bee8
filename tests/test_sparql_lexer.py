"""The SPARQL tokenizer and the SERVICE check: tricky cases, each one checked against what
pyoxigraph itself calls (a local listener records the connection attempts)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
import pytest

from endpoint.limits import ServiceRefused, check_service
from endpoint.sparql_lexer import iri_value, resolve, service_targets, tokenize

EVIL = "http://127.0.0.1:9/sparql"
ALLOWED = "https://query.wikidata.org/sparql"


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


class Listener:
    """Accepts connections on 127.0.0.1 and closes them at once, counting them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    lst = Listener()
    yield lst
    lst.sock.close()


def calls_a_service(query: str, listener: Listener) -> bool:
    """Whether pyoxigraph connects to the service (one triple so that joins are evaluated)."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal(True)))
    before = listener.count
    try:
        list(store.query(query))  # type: ignore[call-overload]
    except SyntaxError:
        return False
    except (OSError, RuntimeError):
        pass
    return listener.count > before


def test_tokens_of_each_kind() -> None:
    q = 'PREFIX ex: <http://e/> SELECT ?x $y WHERE { _:b ex:p "s"@en ; a 1.5e3 } # SERVICE'
    assert kinds(q) == [
        ("word", "PREFIX"),
        ("pname", "ex:"),
        ("iri", "<http://e/>"),
        ("word", "SELECT"),
        ("var", "?x"),
        ("var", "$y"),
        ("word", "WHERE"),
        ("punct", "{"),
        ("bnode", "_:b"),
        ("pname", "ex:p"),
        ("string", '"s"'),
        ("langtag", "@en"),
        ("punct", ";"),
        ("word", "a"),
        ("number", "1.5e3"),
        ("punct", "}"),
    ]


@pytest.mark.parametrize(
    "literal",
    [
        '"SERVICE <x> {}"',
        "'SERVICE <x> {}'",
        '"""a "" SERVICE <x> {} \n"""',
        "'''it''s SERVICE <x> {}'''",
        r'"say \"SERVICE <x> {}\""',
    ],
)
def test_strings_of_all_four_forms_are_one_token(literal: str) -> None:
    assert kinds(f"SELECT ({literal} AS ?s) {{}}")[2] == ("string", literal)


def test_a_hash_in_an_iri_or_a_string_is_no_comment() -> None:
    toks = kinds('SELECT * { <http://e/#a> ?p "#b" } # comment')
    assert ("iri", "<http://e/#a>") in toks
    assert ("string", '"#b"') in toks
    assert toks[-1] == ("punct", "}")


def test_less_than_with_a_space_is_an_operator() -> None:
    assert ("punct", "<") in kinds("FILTER(?a < ?b)")


def test_unicode_escapes_in_an_iri_are_decoded() -> None:
    (tok,) = list(tokenize(r"<http://127.0.0.1:\u0039/>"))
    assert iri_value(tok) == "http://127.0.0.1:9/"


def test_an_unclosed_quote_hides_nothing_after_it() -> None:
    toks = kinds('SELECT * { "open\n SERVICE <x> { } }')
    assert ("error", '"') in toks
    assert ("word", "SERVICE") in toks


REFUSED = [
    f"SELECT * {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"select * {{ service <{EVIL}> {{ ?s ?p ?o }} }}",
    f"SELECT * {{ SeRvIcE SiLeNt <{EVIL}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:sparql { ?s ?p ?o } }",
    "BASE <http://127.0.0.1:9/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
    f"SELECT * {{ ?s ?p trueSERVICE <{EVIL}> {{ ?a ?b ?c }} }}",
    f"SELECT * {{ ?s ?p ?o FILTER(true)SERVICE<{EVIL}>{{ ?a ?b ?c }} }}",
    f"SELECT * {{ SERVICE # a comment\n <{EVIL}> {{ ?s ?p ?o }} }}",
    r"SELECT * { SERVICE <http://\u0031\u0032\u0037.0.0.1:9/sparql> { ?s ?p ?o } }",
    f"PREFIX e: <{ALLOWED}> PREFIXe: <http://127.0.0.1:9/> SELECT * {{ SERVICE e: {{ ?s ?p ?o }} }}",
    f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("query", REFUSED)
def test_every_form_of_service_is_found(query: str, listener: Listener) -> None:
    query = query.replace(".0.0.1:9/", f".0.0.1:{listener.port}/")
    if not query.startswith("INSERT"):
        assert calls_a_service(query, listener), "pyoxigraph does not call this one: fix the case"
    with pytest.raises(ServiceRefused):
        check_service(query, ["query.wikidata.org"])


@pytest.mark.parametrize(
    "query",
    [
        f'SELECT * {{ ?s ?p "SERVICE <{EVIL}> {{ }}" }}',
        f"SELECT * {{ ?s ?p ?o }} # SERVICE <{EVIL}> {{ }}",
        f"SELECT * {{ ?s <{EVIL}> ?o }}",
        "PREFIX service: <http://127.0.0.1:9/> SELECT * { GRAPH service:g { ?s ?p ?o } }",
        "PREFIX service: <http://127.0.0.1:9/> SELECT * { ?s service:p ?o }",
        "SELECT ?service { ?service ?p ?o }",
        f"SELECT * {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}",
        "PREFIX wd: <https://query.wikidata.org/> SELECT * { SERVICE wd:sparql { ?s ?p ?o } }",
    ],
)
def test_what_is_not_a_refused_service_passes(query: str, listener: Listener) -> None:
    check_service(query, ["query.wikidata.org"])
    if "wikidata" not in query:
        assert not calls_a_service(query.replace(":9/", f":{listener.port}/"), listener)


def test_a_variable_target_is_refused_even_when_hosts_are_allowed() -> None:
    with pytest.raises(ServiceRefused, match="not a variable"):
        check_service("SELECT * { SERVICE ?where { ?s ?p ?o } }", ["query.wikidata.org"])


def test_an_undeclared_prefix_or_relative_iri_is_refused() -> None:
    with pytest.raises(ServiceRefused, match="full IRI"):
        check_service("SELECT * { SERVICE x:y { ?s ?p ?o } }", ["query.wikidata.org"])
    with pytest.raises(ServiceRefused, match="full IRI"):
        check_service("SELECT * { SERVICE <sparql> { ?s ?p ?o } }", ["query.wikidata.org"])


def test_a_relative_iri_resolves_against_the_base_the_server_gives() -> None:
    q = "SELECT * { SERVICE <sparql> { ?s ?p ?o } }"
    check_service(q, ["query.wikidata.org"], base_iri="https://query.wikidata.org/")
    with pytest.raises(ServiceRefused):
        check_service(q, ["query.wikidata.org"], base_iri="http://127.0.0.1:9/")


def test_the_message_says_where_and_what_to_do() -> None:
    q = f"SELECT * {{\n  SERVICE <{EVIL}> {{ ?s ?p ?o }}\n}}"
    with pytest.raises(ServiceRefused) as refused:
        check_service(q, ["query.wikidata.org"])
    msg = str(refused.value)
    assert "line 2, column 11" in msg
    assert "'127.0.0.1'" in msg
    assert "KENNISGRAAF_SERVICE_ALLOW" in msg
    with pytest.raises(ServiceRefused, match="calls no other SPARQL services"):
        check_service(q, [])


@pytest.mark.parametrize(
    ("iri", "allow", "ok"),
    [
        ("https://query.wikidata.org/sparql", ["query.wikidata.org"], True),
        ("https://QUERY.wikidata.org./sparql", ["query.wikidata.org"], True),
        ("https://query.wikidata.org.evil.example/", ["query.wikidata.org"], False),
        ("http://query.wikidata.org@evil.example/", ["query.wikidata.org"], False),
        ("http://localhost:7878/query", ["localhost:7878"], True),
        ("http://localhost:7879/query", ["localhost:7878"], False),
        ("https://a.example.org/sparql", ["*.example.org"], True),
        ("https://example.org.evil/sparql", ["*.example.org"], False),
        ("https://example.org/sparql/x", ["https://example.org/sparql"], True),
        ("http://example.org/sparql", ["https://example.org/sparql"], False),
        ("https://example.org/other", ["https://example.org/sparql"], False),
        ("file:///etc/passwd", ["localhost"], False),
    ],
)
def test_allow_list_matching(iri: str, allow: list[str], ok: bool) -> None:
    q = f"SELECT * {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}"
    if ok:
        check_service(q, allow)
    else:
        with pytest.raises(ServiceRefused):
            check_service(q, allow)


def test_service_targets_lists_each_service() -> None:
    q = f"PREFIX e: <{ALLOWED}/> SELECT * {{ SERVICE e:a {{ }} SERVICE SILENT ?x {{ }} }}"
    targets = service_targets(q)
    assert [(t.kind, t.iris) for t in targets] == [
        ("iri", (f"{ALLOWED}/a",)),
        ("variable", ()),
    ]


@pytest.mark.parametrize(
    "iri",
    [
        "https://kennisgraaf.nl/id/hub/1",
        "urn:isbn:123",
        "mailto:a@b.nl",
        "a+b.c-d:x",
        "HTTP://X/",
        "x:",
        "1abc:x",  # a scheme starts with a letter
        "+x:y",
        "ab_c:x",  # '_' is no scheme character
        "../relative",
        "relative/path:with-colon",
        "#frag",
        "",
        ":x",
        "é:x",
        " http://x/",  # urlsplit strips leading spaces: the long way still sees them
        "ht\ttp://x/",
    ],
)
def test_resolve_finds_a_scheme_exactly_where_urlsplit_does(iri: str) -> None:
    base = "https://kennisgraaf.nl/base/"
    expected = iri if urlsplit(iri).scheme else urljoin(base, iri)
    assert resolve(iri, base) == expected
    assert resolve(iri, None) == (iri if urlsplit(iri).scheme else None)
