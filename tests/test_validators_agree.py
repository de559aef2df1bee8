"""The fast SPARQL validator (ingest/shacl_sparql.py) must report exactly what pyshacl reports.

Run on every shape fixture (valid and invalid) and on the real data: same focus nodes, same
paths, same source shapes, same constraint components, same values.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from ingest.pyshacl_reference import pyshacl_results, report_results
from ingest.shacl_sparql import Check, UnsupportedShape, compile_shapes, validate_store
from tests import shapes_support as support


@lru_cache(maxsize=1)
def checks() -> list[Check]:
    return compile_shapes(support.load_shapes())


def to_store(g: Graph) -> ox.Store:
    store = ox.Store()
    store.load(g.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


def compare(path: Path) -> tuple[list, list]:  # type: ignore[type-arg]
    fast = validate_store(to_store(support.fixture_graph(path)), checks(), threads=1)
    ref = report_results(support.fixture_report(path)[1])
    return fast, ref


FIXTURES = support.valid_fixtures() + support.invalid_fixtures()


@pytest.mark.parametrize("path", FIXTURES, ids=[f"{p.parent.name}/{p.stem}" for p in FIXTURES])
def test_same_results_as_pyshacl(path: Path) -> None:
    fast, ref = compare(path)
    assert fast == ref
    if path.parent.name == "invalid":
        assert fast, "an invalid fixture must give at least one result"
        assert {r.shape for r in fast} == {str(support.expected_shape(path))}
    else:
        assert fast == []


def test_every_shape_compiles() -> None:
    shapes = support.load_shapes()
    compiled = {c.shape for c in checks()}
    from rdflib.namespace import SH

    targeted = set(shapes.subjects(SH.targetClass, None))
    declared = {str(p) for s in targeted for p in shapes.objects(s, SH.property)}
    # every property shape reachable from a target yields at least one check
    assert declared - compiled == set()


def test_unsupported_feature_is_refused() -> None:
    g = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> sh:targetClass <urn:C> ; sh:property <urn:p> .
        <urn:p> sh:path <urn:x> ; sh:closed true .
    """,
        format="turtle",
    )
    with pytest.raises(UnsupportedShape):
        compile_shapes(g)


def test_real_data_agrees(real_store: ox.Store) -> None:
    g = Graph()
    for q in real_store.quads_for_pattern(None, None, None, None):
        g.add(tuple(_rdflib(t) for t in (q.subject, q.predicate, q.object)))  # type: ignore[arg-type]
    fast = validate_store(real_store, checks())
    ref = pyshacl_results(g, support.load_shapes())
    assert fast == ref == []


def _rdflib(t: object) -> object:
    from ingest.pyshacl_reference import _to_rdflib

    return _to_rdflib(t)
