"""Reads the RDF graph in a Graph Store PUT or POST body, by its Content-Type.

A graph comes as Turtle, N-Triples, RDF/XML or JSON-LD; a POST may also be
``multipart/form-data`` with one such document per part (each with its own Content-Type, or a
file name whose extension says the format). N-Quads and TriG hold datasets, not one graph, and
are refused (415) like any other type. A syntax error is a 400 that says where. Blank nodes get
fresh identifiers, so a merge never joins them with blank nodes already in the store.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass

import pyoxigraph as ox

from .problems import HttpProblem
from .protocol_request import check_charset, media_type

# media type -> format; the first of each format is the one we name in messages
UPLOAD_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
EXTENSIONS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
ACCEPTED = "text/turtle, application/n-triples, application/rdf+xml or application/ld+json"


@dataclass(frozen=True)
class Part:
    content_type: str | None
    filename: str | None
    body: bytes


def unsupported(mt: str | None, multipart_allowed: bool) -> HttpProblem:
    also = " (or, for POST, multipart/form-data with such parts)" if multipart_allowed else ""
    if not mt:
        return HttpProblem(
            415,
            "the body has no Content-Type",
            hint=f"say what the graph is written in: {ACCEPTED}{also}",
        )
    why = (
        "; N-Quads and TriG hold a dataset, and this request writes one graph"
        if mt in ("application/n-quads", "application/trig")
        else ""
    )
    return HttpProblem(
        415,
        f"a graph cannot be sent as {mt}{why}",
        hint=f"send it as {ACCEPTED}{also}",
    )


def format_of(content_type: str | None, filename: str | None) -> ox.RdfFormat | None:
    mt, params = media_type(content_type)
    if mt:
        check_charset(params, "graph")
        return UPLOAD_TYPES.get(mt)
    if filename and "." in filename:
        return EXTENSIONS.get(filename.rsplit(".", 1)[1].lower())
    return None


def parse_graph(body: bytes, fmt: ox.RdfFormat, base_iri: str, part: str = "") -> list[ox.Triple]:
    """The triples of ``body``; HttpProblem 400 with the place of a syntax error."""
    try:
        quads = list(
            ox.parse(
                body,
                fmt,
                base_iri=base_iri,
                without_named_graphs=True,
                rename_blank_nodes=True,
            )
        )
    except SyntaxError as e:
        where = f" in {part}" if part else ""
        line = e.lineno if isinstance(e.lineno, int) else None
        column = e.offset if isinstance(e.offset, int) else None
        raise HttpProblem(
            400,
            f"the {fmt.name} body{where} has a syntax error: {e.msg or e}",
            hint="correct the document at that place and send it again; nothing was written",
            line=line,
            column=column,
        ) from None
    except ValueError as e:
        raise HttpProblem(400, f"the body cannot be read as {fmt.name}: {e}") from None
    return [q.triple for q in quads]


def multipart_parts(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/form-data body (stdlib ``email`` parser)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise HttpProblem(
            400,
            "the multipart/form-data body could not be split into parts",
            hint="check the boundary parameter of the Content-Type and the body's delimiters",
        )
    parts = []
    for p in message.iter_parts():
        payload = p.get_payload(decode=True)
        parts.append(
            Part(
                p.get("Content-Type"),
                p.get_filename() or p.get_param("name", header="content-disposition"),  # type: ignore[arg-type]
                payload if isinstance(payload, bytes) else b"",
            )
        )
    return parts


def read_graph(
    body: bytes, content_type: str | None, base_iri: str, *, multipart_allowed: bool
) -> list[ox.Triple]:
    """All triples of a PUT/POST body."""
    mt, _ = media_type(content_type)
    if mt == "multipart/form-data" and multipart_allowed:
        assert content_type is not None
        triples: list[ox.Triple] = []
        for i, part in enumerate(multipart_parts(body, content_type), start=1):
            name = f"part {i}" + (f" ({part.filename})" if part.filename else "")
            fmt = format_of(part.content_type, part.filename)
            if fmt is None:
                pmt = media_type(part.content_type)[0]
                problem = unsupported(pmt, multipart_allowed)
                problem.message = f"{name}: {problem.message}"
                raise problem
            triples += parse_graph(part.body, fmt, base_iri, name)
        return triples
    fmt = format_of(content_type, None)
    if fmt is None:
        raise unsupported(mt, multipart_allowed)
    return parse_graph(body, fmt, base_iri)
