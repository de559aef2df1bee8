"""Loading the SHACL shapes and their fixtures; shared by the shape tests and the validator comparison.

Fixtures live in ``tests/shapes/``:

``valid/<name>.ttl``
    must conform.
``invalid/<ShapeLocalName>__<case>.ttl``
    must violate exactly the property shape ``kgsh:<ShapeLocalName>`` (every result has that
    ``sh:sourceShape``).
``context.ttl``
    shared context (sources, concept schemes, records to refer to) merged into every fixture.

The data graph of a fixture is the fixture + ``context.ttl`` + the ontology
(``ontology/kennisgraaf.ttl``) + ``shapes/class-hierarchy.ttl``: ``sh:class`` and
``sh:targetClass`` follow the ``rdfs:subClassOf`` triples in those files.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

ROOT = Path(__file__).resolve().parents[1]
SHAPES_FILE = ROOT / "shapes" / "kennisgraaf.ttl"
CLASS_HIERARCHY = ROOT / "shapes" / "class-hierarchy.ttl"
ONTOLOGY = ROOT / "ontology" / "kennisgraaf.ttl"
FIXTURES = ROOT / "tests" / "shapes"
CONTEXT = FIXTURES / "context.ttl"

KGSH = Namespace("https://kennisgraaf.nl/def/shapes/")


class Result(NamedTuple):
    focus: Node
    path: Node | None
    source_shape: Node
    message: str | None


def load_shapes() -> Graph:
    """The shapes graph (``shapes/kennisgraaf.ttl``), freshly parsed."""
    g = Graph()
    g.parse(SHAPES_FILE, format="turtle")
    return g


@lru_cache(maxsize=1)
def _background() -> Graph:
    g = Graph()
    for path in (CONTEXT, ONTOLOGY, CLASS_HIERARCHY):
        g.parse(path, format="turtle")
    return g


def background_graph() -> Graph:
    """Context + ontology + class hierarchy: what every fixture is validated together with (a copy)."""
    g = Graph()
    g += _background()
    return g


def fixture_graph(path: Path | str) -> Graph:
    """The data graph for one fixture: the fixture merged with the background graph."""
    g = background_graph()
    g.parse(Path(path), format="turtle")
    return g


def run_pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    """pyshacl with the project's settings; returns (conforms, report graph)."""
    conforms, report, _text = validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=False
    )
    assert isinstance(report, Graph)
    return bool(conforms), report


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The shapes graph, parsed once per test session (callers must not change it)."""
    return load_shapes()


@cache
def fixture_report(path: Path) -> tuple[bool, Graph]:
    """pyshacl's verdict on one fixture, computed once per session: the shape tests and the
    comparison with the SPARQL validator read the same report."""
    return run_pyshacl(fixture_graph(path), shapes_graph())


def results(report: Graph, lang: str = "nl") -> list[Result]:
    """The report's results as (focus, path, source shape, message in ``lang``).

    Only the top-level results (``sh:result`` of the report): pyshacl also puts the results of a
    nested ``sh:node`` check in the report, under ``sh:detail``; they are not reported separately.
    """
    out = []
    top = [
        r
        for rep in report.subjects(RDF.type, SH.ValidationReport)
        for r in report.objects(rep, SH.result)
    ]
    for r in top:
        messages = [m for m in report.objects(r, SH.resultMessage) if isinstance(m, Literal)]
        chosen = next(
            (m for m in messages if m.language == lang), messages[0] if messages else None
        )
        focus, shape = report.value(r, SH.focusNode), report.value(r, SH.sourceShape)
        assert focus is not None and shape is not None
        out.append(
            Result(
                focus,
                report.value(r, SH.resultPath),
                shape,
                None if chosen is None else str(chosen),
            )
        )
    return sorted(out, key=lambda x: (str(x.source_shape), str(x.focus), str(x.path)))


def valid_fixtures() -> list[Path]:
    return sorted((FIXTURES / "valid").glob("*.ttl"))


def invalid_fixtures() -> list[Path]:
    return sorted((FIXTURES / "invalid").glob("*.ttl"))


def expected_shape(path: Path) -> URIRef:
    """``invalid/Hub-naam-nl__ontbreekt.ttl`` -> ``kgsh:Hub-naam-nl``."""
    return KGSH[path.stem.split("__", 1)[0]]
