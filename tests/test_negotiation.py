"""Content negotiation of ``/sparql`` and ``/store``: Accept with q-values and wildcards, the
``format`` parameter, and who counts as a browser."""

from __future__ import annotations

import pytest

from endpoint.negotiation import (
    GRAPH_OFFERS,
    OFFERS,
    UnknownFormat,
    choose,
    job_formats,
    negotiate,
    parse_accept,
    prefers_html,
    wants_json,
)

SRJ = "application/sparql-results+json"
SRX = "application/sparql-results+xml"
CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def pick(accept: str | None, kind: str = "solutions") -> str | None:
    f = negotiate(parse_accept(accept), OFFERS[kind])  # type: ignore[index]
    return f.media_type if f else None


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, "solutions", SRJ),
        ("", "solutions", SRJ),
        ("*/*", "solutions", SRJ),
        ("*/*", "boolean", SRJ),
        ("*/*", "graph", "text/turtle"),
        ("text/csv", "solutions", "text/csv"),
        ("text/tab-separated-values", "solutions", "text/tab-separated-values"),
        (SRX, "solutions", SRX),
        ("application/json", "solutions", SRJ),
        ("application/json", "graph", "application/ld+json"),
        ("application/xml", "solutions", SRX),
        ("application/xml", "graph", "application/rdf+xml"),
        ("text/*", "solutions", SRX),  # text/xml is SPARQL XML too
        ("text/*", "graph", "text/turtle"),
        ("application/*", "solutions", SRJ),
        ("application/*", "graph", "text/turtle"),  # as application/x-turtle
        # q-values decide; a more specific range decides over a wildcard
        ("text/csv;q=0.5, application/sparql-results+xml", "solutions", SRX),
        ("text/csv, */*", "solutions", "text/csv"),
        ("*/*;q=0.9, text/csv;q=0.1", "solutions", SRJ),
        ("*/*, application/sparql-results+json;q=0", "solutions", SRX),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.2", "graph", "application/rdf+xml"),
        ("application/ld+json", "graph", "application/ld+json"),
        ("application/n-quads", "graph", "application/n-quads"),
        ("application/trig", "graph", "application/trig"),
        ("TEXT/CSV", "solutions", "text/csv"),
        (
            "garbage, text/csv;q=abc, text/tab-separated-values",
            "solutions",
            "text/tab-separated-values",
        ),
        # nothing acceptable
        ("image/png", "solutions", None),
        ("text/csv", "graph", None),
        ("text/turtle", "solutions", None),
        ("*/*;q=0", "solutions", None),
    ],
)
def test_accept_header(accept: str | None, kind: str, expected: str | None) -> None:
    assert pick(accept, kind) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("json", {"solutions": SRJ, "boolean": SRJ, "graph": "application/ld+json"}),
        ("xml", {"solutions": SRX, "boolean": SRX, "graph": "application/rdf+xml"}),
        ("csv", {"solutions": "text/csv", "boolean": "text/csv", "graph": None}),
        (
            "tsv",
            {
                "solutions": "text/tab-separated-values",
                "boolean": "text/tab-separated-values",
                "graph": None,
            },
        ),
        ("ttl", {"solutions": None, "boolean": None, "graph": "text/turtle"}),
        ("turtle", {"solutions": None, "boolean": None, "graph": "text/turtle"}),
        ("nt", {"solutions": None, "boolean": None, "graph": "application/n-triples"}),
        ("jsonld", {"solutions": None, "boolean": None, "graph": "application/ld+json"}),
        ("rdf", {"solutions": None, "boolean": None, "graph": "application/rdf+xml"}),
        ("rdfxml", {"solutions": None, "boolean": None, "graph": "application/rdf+xml"}),
        ("nq", {"solutions": None, "boolean": None, "graph": "application/n-quads"}),
        ("trig", {"solutions": None, "boolean": None, "graph": "application/trig"}),
        ("text/csv", {"solutions": "text/csv", "boolean": "text/csv", "graph": None}),
        ("application/sparql-results+xml", {"solutions": SRX, "boolean": SRX, "graph": None}),
        ("CSV", {"solutions": "text/csv", "boolean": "text/csv", "graph": None}),
    ],
)
def test_format_parameter_wins_over_accept(value: str, expected: dict[str, str | None]) -> None:
    assert job_formats("application/sparql-results+xml, text/turtle", value) == expected


def test_without_format_parameter_accept_decides_per_kind() -> None:
    assert job_formats("text/csv, text/turtle;q=0.5", None) == {
        "solutions": "text/csv",
        "boolean": "text/csv",
        "graph": "text/turtle",
    }


@pytest.mark.parametrize("value", ["xyz", "text/html-ish", "exe"])
def test_unknown_format_parameter_is_an_error(value: str) -> None:
    with pytest.raises(UnknownFormat):
        job_formats(None, value)


def test_a_known_format_that_cannot_hold_a_graph_is_none_not_an_error() -> None:
    assert choose(None, "csv", GRAPH_OFFERS) is None


@pytest.mark.parametrize(
    ("accept", "browser"),
    [
        (CHROME, True),
        (FIREFOX, True),
        ("text/html", True),
        (None, False),
        ("*/*", False),
        ("text/turtle", False),
        ("text/turtle, text/html;q=0.5", False),
        ("text/html;q=0.9, text/turtle;q=0.9", True),
        ("text/*", False),
        ("application/sparql-results+json", False),
    ],
)
def test_who_gets_the_query_editor(accept: str | None, browser: bool) -> None:
    assert prefers_html(accept) is browser


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", True),
        ("application/sparql-results+json", True),
        ("application/sparql-results+json,application/json,text/javascript", True),
        ("text/plain, application/json;q=0.5", False),
        (CHROME, False),
    ],
)
def test_errors_come_as_json_only_when_asked(accept: str | None, json: bool) -> None:
    assert wants_json(accept) is json
