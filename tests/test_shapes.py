"""The SHACL shapes (shapes/kennisgraaf.ttl) against their fixtures in tests/shapes/, with pyshacl.

* every ``valid/*.ttl`` conforms;
* every ``invalid/<Shape>__<case>.ttl`` does not, and every result comes from ``kgsh:<Shape>``;
* every property shape has an invalid fixture, every node shape a valid one;
* the shapes stay inside the SHACL subset that ingest/shacl_sparql.py compiles (README);
* every kind, field and required/single-valued rule of ingest/kinds.py has its shape.

The data graph of a fixture is the fixture + tests/shapes/context.ttl + ontology/kennisgraaf.ttl +
shapes/class-hierarchy.ttl (tests/shapes_support.py).
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from ingest.kinds import CONCEPT_KIND, KINDS, POST_FIELDS, SCHEME_KIND, UNIT_KINDS, Field, Kind
from ontology.namespaces import expand
from shapes_support import (
    CLASS_HIERARCHY,
    KGSH,
    ONTOLOGY,
    background_graph,
    expected_shape,
    fixture_graph,
    invalid_fixtures,
    load_shapes,
    results,
    run_pyshacl,
    valid_fixtures,
)

# Organisatie fields that ROR (ingest/ror.py) fills next to the curated value, each fact in its own
# source graph: several values are legitimate there, so these have no sh:maxCount (README).
MULTI_SOURCE_FIELDS = {("organisatie", f) for f in ("soort", "ror", "plaats", "opgericht", "onderdeel_van")}

# Constraint families: one per property shape, so that every result has one clear message.
FAMILIES: dict[URIRef, str] = {
    SH.minCount: "count", SH.maxCount: "count",
    SH.qualifiedValueShape: "qualified", SH.qualifiedMinCount: "qualified",
    SH.qualifiedMaxCount: "qualified",
    SH.datatype: "datatype", SH["class"]: "class", SH.nodeKind: "nodeKind", SH.pattern: "pattern",
    SH["in"]: "in", SH.hasValue: "hasValue", SH.languageIn: "languageIn", SH.uniqueLang: "uniqueLang",
    SH.minInclusive: "minInclusive", SH.node: "node", SH["or"]: "or",
}
ANNOTATIONS = {RDF.type, SH.path, SH.name, SH.message, SH.severity}
NODE_SHAPE_PREDICATES = {RDF.type, RDFS.label, RDFS.comment, SH.targetClass, SH.property}


def _id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def classes() -> Graph:
    """The rdfs:subClassOf triples the validator sees: ontology + class hierarchy."""
    g = Graph()
    g.parse(ONTOLOGY, format="turtle")
    g.parse(CLASS_HIERARCHY, format="turtle")
    return g


def targeted_node_shapes(shapes: Graph) -> list[URIRef]:
    return sorted({s for s in shapes.subjects(SH.targetClass, None) if isinstance(s, URIRef)})


def top_property_shapes(shapes: Graph) -> set[URIRef]:
    """Property shapes of targeted node shapes: the ones pyshacl reports as sh:sourceShape."""
    return {p for n in targeted_node_shapes(shapes) for p in shapes.objects(n, SH.property)}  # type: ignore[misc]


def nested_node_shapes(shapes: Graph) -> set[object]:
    return set(shapes.objects(None, SH.node))


def all_property_shapes(shapes: Graph) -> set[object]:
    return set(shapes.objects(None, SH.property))


def subclasses(classes: Graph, cls: URIRef) -> set[URIRef]:
    """cls and everything rdfs:subClassOf* it."""
    return {c for c in classes.transitive_subjects(RDFS.subClassOf, cls) if isinstance(c, URIRef)} | {cls}


def superclasses(classes: Graph, cls: URIRef) -> set[URIRef]:
    return {c for c in classes.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)} | {cls}


def shape_of(name: str) -> URIRef:
    return KGSH[name]


def local(term: object) -> str:
    return str(term).rsplit("/", 1)[-1]


# -- fixtures against pyshacl ------------------------------------------------------------------


def test_context_conforms(shapes: Graph) -> None:
    conforms, report = run_pyshacl(background_graph(), shapes)
    assert conforms, "tests/shapes/context.ttl must conform:\n" + "\n".join(map(str, results(report)))


@pytest.mark.parametrize("path", valid_fixtures(), ids=_id)
def test_valid_fixture_conforms(path: Path, shapes: Graph) -> None:
    conforms, report = run_pyshacl(fixture_graph(path), shapes)
    found = [(local(r.source_shape), str(r.focus), r.message) for r in results(report)]
    assert conforms, f"{path.name} should conform, but: {found}"


@pytest.mark.parametrize("path", invalid_fixtures(), ids=_id)
def test_invalid_fixture_violates_only_its_shape(path: Path, shapes: Graph) -> None:
    conforms, report = run_pyshacl(fixture_graph(path), shapes)
    found = results(report)
    assert not conforms and found, f"{path.name} should violate {local(expected_shape(path))}"
    wrong = [(local(r.source_shape), str(r.focus), r.message) for r in found
             if r.source_shape != expected_shape(path)]
    assert not wrong, f"{path.name}: results from other shapes than {local(expected_shape(path))}: {wrong}"
    assert all(r.message for r in found), "every result carries the shape's message"


# -- coverage ------------------------------------------------------------------------------------


def test_every_property_shape_has_an_invalid_fixture(shapes: Graph) -> None:
    covered = {expected_shape(p) for p in invalid_fixtures()}
    missing = sorted(local(p) for p in top_property_shapes(shapes) - covered)
    assert not missing, f"property shapes without tests/shapes/invalid/<shape>__<case>.ttl: {missing}"


def test_every_invalid_fixture_names_a_property_shape(shapes: Graph) -> None:
    known = top_property_shapes(shapes)
    unknown = sorted(p.name for p in invalid_fixtures() if expected_shape(p) not in known)
    assert not unknown, f"fixtures named after no property shape of a targeted node shape: {unknown}"


def test_every_node_shape_has_a_valid_fixture(shapes: Graph, classes: Graph) -> None:
    used: set[URIRef] = set()
    for path in valid_fixtures():
        g = Graph()
        g.parse(path, format="turtle")
        types = set(g.objects(None, RDF.type))
        for node_shape in targeted_node_shapes(shapes):
            targets = set().union(*(subclasses(classes, t) for t in shapes.objects(node_shape, SH.targetClass)))  # type: ignore[arg-type]
            if types & targets:
                used.add(node_shape)
    missing = sorted(local(n) for n in set(targeted_node_shapes(shapes)) - used)
    assert not missing, f"node shapes with no focus node in any tests/shapes/valid/*.ttl: {missing}"


def test_every_nested_node_shape_is_used_by_a_tested_property_shape(shapes: Graph) -> None:
    tested = {expected_shape(p) for p in invalid_fixtures()}
    used = {shapes.value(p, SH.node) for p in tested}
    assert nested_node_shapes(shapes) <= used


# -- messages and names ------------------------------------------------------------------------


def test_every_property_shape_has_a_dutch_name_and_messages_in_dutch_and_english(shapes: Graph) -> None:
    bad = []
    for p in sorted(all_property_shapes(shapes), key=str):
        msgs = [m for m in shapes.objects(p, SH.message) if isinstance(m, Literal)]  # type: ignore[arg-type]
        names = [n for n in shapes.objects(p, SH.name) if isinstance(n, Literal)]  # type: ignore[arg-type]
        if sorted(m.language or "" for m in msgs) != ["en", "nl"] or not any(n.language == "nl" for n in names):
            bad.append(local(p))
        if any(not str(m).strip() for m in msgs):
            bad.append(local(p))
    assert not bad, f"property shapes without sh:name@nl and one sh:message@nl and @en: {bad}"


def test_every_shape_is_an_iri_under_kgsh(shapes: Graph) -> None:
    shapes_ = (set(targeted_node_shapes(shapes)) | nested_node_shapes(shapes) | all_property_shapes(shapes)
               | set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)))
    bad = sorted(str(s) for s in shapes_ if not (isinstance(s, URIRef) and str(s).startswith(str(KGSH))))
    assert not bad, f"shapes must be IRIs under {KGSH}: {bad}"
    declared = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    used = set(targeted_node_shapes(shapes)) | nested_node_shapes(shapes) | all_property_shapes(shapes)
    assert declared == used, f"declared but unused shapes: {sorted(map(local, declared - used))}"


# -- the SHACL subset ----------------------------------------------------------------------------


def _list(g: Graph, head: object) -> list[object]:
    return list(Collection(g, head))  # type: ignore[arg-type]


def _subset_problems(shapes: Graph) -> list[str]:
    out: list[str] = []
    for n in targeted_node_shapes(shapes):
        extra = set(shapes.predicates(n)) - NODE_SHAPE_PREDICATES
        if extra:
            out.append(f"{local(n)}: node shape predicates {sorted(map(local, extra))}")
    for n in nested_node_shapes(shapes):
        if (n, SH.targetClass, None) in shapes:
            out.append(f"{local(n)}: a sh:node shape has no targets")
        if set(shapes.predicates(n)) - {RDF.type, RDFS.label, SH.property}:  # type: ignore[arg-type]
            out.append(f"{local(n)}: a sh:node shape holds only sh:property")
        for p in shapes.objects(n, SH.property):  # type: ignore[arg-type]
            if set(shapes.predicates(p)) - ANNOTATIONS - {SH.hasValue} or shapes.value(p, SH.hasValue) is None:  # type: ignore[arg-type]
                out.append(f"{local(p)}: property shapes of a sh:node shape hold only sh:path + sh:hasValue")
    for p in top_property_shapes(shapes):
        preds = set(shapes.predicates(p))
        if not isinstance(shapes.value(p, SH.path), URIRef):
            out.append(f"{local(p)}: sh:path must be one predicate IRI")
        unknown = preds - ANNOTATIONS - set(FAMILIES)
        if unknown:
            out.append(f"{local(p)}: unsupported {sorted(map(local, unknown))}")
        families = {FAMILIES[x] for x in preds if x in FAMILIES}
        if len(families) != 1:
            out.append(f"{local(p)}: one constraint family per property shape, found {sorted(families)}")
        if shapes.value(p, SH.severity) not in (None, SH.Violation):
            out.append(f"{local(p)}: severity must be sh:Violation")
        if (kind := shapes.value(p, SH.nodeKind)) is not None and kind not in (SH.IRI, SH.Literal):
            out.append(f"{local(p)}: sh:nodeKind is sh:IRI or sh:Literal")
        if (lst := shapes.value(p, SH["in"])) is not None and not all(
                isinstance(x, Literal) for x in _list(shapes, lst)):
            out.append(f"{local(p)}: sh:in lists literals")
        if (lst := shapes.value(p, SH["or"])) is not None:
            for member in _list(shapes, lst):
                mp = list(shapes.predicate_objects(member))  # type: ignore[arg-type]
                if not isinstance(member, BNode) or len(mp) != 1 or mp[0][0] not in (SH.datatype, SH["class"]):
                    out.append(f"{local(p)}: sh:or members are [ sh:datatype X ] or [ sh:class X ]")
        if (q := shapes.value(p, SH.qualifiedValueShape)) is not None:
            qp = list(shapes.predicate_objects(q))
            if not isinstance(q, BNode) or [x for x, _ in qp] != [SH.languageIn]:
                out.append(f"{local(p)}: sh:qualifiedValueShape is [ sh:languageIn (...) ]")
            if shapes.value(p, SH.qualifiedMinCount) is None and shapes.value(p, SH.qualifiedMaxCount) is None:
                out.append(f"{local(p)}: sh:qualifiedValueShape needs a qualified count")
        if (node := shapes.value(p, SH.node)) is not None and node not in nested_node_shapes(shapes):
            out.append(f"{local(p)}: sh:node must name a node shape")
    return out


def test_shapes_stay_in_the_supported_shacl_subset(shapes: Graph) -> None:
    problems = _subset_problems(shapes)
    assert not problems, "\n".join(problems)


# -- the contract: ingest/kinds.py ---------------------------------------------------------------


def _kind_shapes() -> list[tuple[str, Kind | None, tuple[Field, ...], tuple[str, ...]]]:
    """(node shape name, kind, fields, classes a node of it carries)."""
    out: list[tuple[str, Kind | None, tuple[Field, ...], tuple[str, ...]]] = []
    for kind in (*KINDS, SCHEME_KIND, CONCEPT_KIND):
        extra = tuple(c for cs in kind.classes_by_sort.values() for c in cs)
        out.append((kind.name.capitalize(), kind, kind.fields, kind.classes + extra))
    out.append(("Functie", None, POST_FIELDS, ("org:Post",)))
    return out


def _props_with_path(shapes: Graph, node_shape: URIRef, predicate: URIRef) -> list[object]:
    return [p for p in shapes.objects(node_shape, SH.property) if shapes.value(p, SH.path) == predicate]  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [k[0] for k in _kind_shapes()])
def test_kind_has_node_shape_and_field_shapes(shapes: Graph, classes: Graph, name: str) -> None:
    _name, kind, fields, kind_classes = next(k for k in _kind_shapes() if k[0] == name)
    node = shape_of(name)
    targets = set(shapes.objects(node, SH.targetClass))
    assert targets, f"kgsh:{name} targets no class"
    own = {URIRef(expand(c)) for c in kind_classes}
    assert any(superclasses(classes, c) & targets for c in own), f"kgsh:{name} does not target {sorted(own)}"
    problems = []
    for f in fields:
        if f.inverse:  # <unit> kg:hasGoal <goal>: checked on every unit
            for unit in UNIT_KINDS:
                if not _props_with_path(shapes, shape_of(unit.capitalize()), URIRef(expand(f.predicate))):
                    problems.append(f"kgsh:{unit.capitalize()} has no shape for {f.predicate} ({kind and kind.name}.{f.key})")
            continue
        props = _props_with_path(shapes, node, URIRef(expand(f.predicate)))
        if not props:
            problems.append(f"{f.key}: no property shape for {f.predicate}")
            continue
        mins = [shapes.value(p, SH.minCount) or shapes.value(p, SH.qualifiedMinCount) for p in props]  # type: ignore[arg-type]
        maxs = [shapes.value(p, SH.maxCount) or shapes.value(p, SH.qualifiedMaxCount) for p in props]  # type: ignore[arg-type]
        unique = any(shapes.value(p, SH.uniqueLang) == Literal(True) for p in props)  # type: ignore[arg-type]
        if f.required and not any(m is not None and int(m) >= 1 for m in mins):
            problems.append(f"{f.key} is required but nothing sets a minimum count")
        single = any(m is not None and int(m) == 1 for m in maxs) or unique
        if not f.many and f.type != "texts" and not single and (kind and kind.name, f.key) not in MULTI_SOURCE_FIELDS:
            problems.append(f"{f.key} is single-valued but nothing sets sh:maxCount 1")
        if f.many and any(m is not None for m in maxs):
            problems.append(f"{f.key} takes a list but has a maximum count")
    derived = _props_with_path(shapes, node, URIRef(expand("prov:wasDerivedFrom")))
    needs_source = name == "Functie" or (kind is not None and kind.needs_source and kind is not SCHEME_KIND)
    has_min = any(shapes.value(p, SH.minCount) for p in derived)  # type: ignore[arg-type]
    if needs_source and not has_min:
        problems.append("records of this kind need 'bronnen': no sh:minCount on prov:wasDerivedFrom")
    if not needs_source and has_min:
        problems.append("this kind needs no source, but prov:wasDerivedFrom has a minimum count")
    assert not problems, f"kgsh:{name}:\n" + "\n".join(problems)


def test_each_record_is_the_focus_of_exactly_one_node_shape(shapes: Graph, classes: Graph) -> None:
    """No two node shapes may target the same record (else one mistake gives two reports)."""
    closure = {n: set().union(*(subclasses(classes, t) for t in shapes.objects(n, SH.targetClass)))  # type: ignore[arg-type]
               for n in targeted_node_shapes(shapes)}
    for a, b in combinations(closure, 2):
        assert not closure[a] & closure[b], f"{local(a)} and {local(b)} both target {sorted(closure[a] & closure[b])}"
    for name, _kind, _fields, kind_classes in _kind_shapes():
        hit = {local(n) for n, cl in closure.items() if any(URIRef(expand(c)) in cl for c in kind_classes)}
        assert hit == {name}, f"records of kgsh:{name} (classes {kind_classes}) are targeted by {sorted(hit)}"
