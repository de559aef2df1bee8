"""The dump formats and file names of an export, and the manifest entry of one file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

DATASET_NAME = "kennisgraaf"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
CONTEXT = f"{DATASET_NAME}.context.jsonld"  # the @context of the JSON-LD dumps, published
CONTEXT_FORMAT = "jsonld-context"  # its manifest "format": not a dump (no catalogue entry)


@dataclass(frozen=True)
class Format:
    ext: str
    rdf: ox.RdfFormat
    media_type: str
    file_type: str  # EU file-type authority code
    label: str

    @property
    def dataset(self) -> bool:
        return self.ext in ("nq", "trig")


FORMATS: tuple[Format, ...] = (
    Format("nq", ox.RdfFormat.N_QUADS, "application/n-quads", "RDF_N_QUADS", "N-Quads"),
    Format("trig", ox.RdfFormat.TRIG, "application/trig", "RDF_TRIG", "TriG"),
    Format("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", "RDF_N_TRIPLES", "N-Triples"),
    Format("ttl", ox.RdfFormat.TURTLE, "text/turtle", "RDF_TURTLE", "Turtle"),
    Format("jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "JSON_LD", "JSON-LD"),
    Format("rdf", ox.RdfFormat.RDF_XML, "application/rdf+xml", "RDF_XML", "RDF/XML"),
)
FORMATS_BY_EXT = {f.ext: f for f in FORMATS}


@dataclass
class FileEntry:
    path: str
    media_type: str
    format: str
    compression: str | None
    bytes: int
    sha256: str
    triples: int | None
    graph: str | None  # None: the whole dataset (nq/trig) or the union (triple formats)


def graph_slug(graph: str, base: str) -> str:
    """``{base}graph/bron/ror`` -> ``bron-ror``; any other IRI -> a short hash."""
    prefix = base + "graph/"
    if graph.startswith(prefix):
        rest = graph[len(prefix) :]
        slug = "".join(c if c.isalnum() or c == "-" else "-" for c in rest.lower()).strip("-")
        if slug and len(slug) <= 120:
            return slug
    return "iri-" + hashlib.sha1(graph.encode()).hexdigest()[:12]


def file_name(stem: str, fmt: Format) -> str:
    return f"{stem}.{fmt.ext}.gz"
