"""The SHACL shapes (shapes/kennisgraaf.ttl) against their fixtures in tests/shapes/, with pyshacl.

* every ``valid/*.ttl`` conforms;
* every ``invalid/<Shape>__<case>.ttl`` does not, and every result comes from ``kgsh:<Shape>``;
* every property shape has an invalid fixture, every node shape a valid one;
* the shapes stay inside the SHACL subset that ingest/shacl_sparql.py compiles (shapes/README.md);
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
from rdflib.term import Node

from ingest.kinds import CONCEPT_KIND, KINDS, POST_FIELDS, SCHEME_KIND, UNIT_KINDS, Field, Kind
from ontology.namespaces import expand
from tests.shapes_support import (
    CLASS_HIERARCHY,
    KGSH,
    ONTOLOGY,
    background_graph,
    expected_shape,
    fixture_report,
    invalid_fixtures,
    load_shapes,
    results,
    run_pyshacl,
    valid_fixtures,
)

# Organisatie fields that ROR (ingest/ror.py) fills next to the curated value, each fact in its own
# source graph: several values are legitimate, so these have no sh:maxCount (shapes/README.md).
MULTI_SOURCE_FIELDS = {
    ("organisatie", key) for key in ("soort", "ror", "plaats", "opgericht", "onderdeel_van")
}

# Constraint families: one per property shape, so that every result has one clear message.
FAMILIES: dict[Node, str] = {
    SH.minCount: "count",
    SH.maxCount: "count",
    SH.qualifiedValueShape: "qualified",
    SH.qualifiedMinCount: "qualified",
    SH.qualifiedMaxCount: "qualified",
    SH.datatype: "datatype",
    SH["class"]: "class",
    SH.nodeKind: "nodeKind",
    SH.pattern: "pattern",
    SH["in"]: "in",
    SH.hasValue: "hasValue",
    SH.languageIn: "languageIn",
    SH.uniqueLang: "uniqueLang",
    SH.minInclusive: "minInclusive",
    SH.node: "node",
    SH["or"]: "or",
}
ANNOTATIONS: set[Node] = {RDF.type, SH.path, SH.name, SH.message, SH.severity}
NODE_SHAPE_PREDICATES: set[Node] = {RDF.type, RDFS.label, RDFS.comment, SH.targetClass, SH.property}
SOURCE_DOCUMENT = URIRef(expand("kg:SourceDocument"))
WAS_DERIVED_FROM = URIRef(expand("prov:wasDerivedFrom"))


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


# -- helpers -------------------------------------------------------------------------------------


def local(term: object) -> str:
    return str(term).rsplit("/", 1)[-1]


def targeted_node_shapes(shapes: Graph) -> list[Node]:
    return sorted(set(shapes.subjects(SH.targetClass, None)), key=str)


def top_property_shapes(shapes: Graph) -> set[Node]:
    """Property shapes of targeted node shapes: the ones pyshacl names as sh:sourceShape."""
    return {p for n in targeted_node_shapes(shapes) for p in shapes.objects(n, SH.property)}


def nested_node_shapes(shapes: Graph) -> set[Node]:
    return set(shapes.objects(None, SH.node))


def all_property_shapes(shapes: Graph) -> set[Node]:
    return set(shapes.objects(None, SH.property))


def value(g: Graph, s: Node, p: URIRef) -> Node | None:
    return g.value(s, p)


def subclasses(classes: Graph, cls: Node) -> set[Node]:
    """cls and everything rdfs:subClassOf* it."""
    return {c for c in classes.transitive_subjects(RDFS.subClassOf, cls) if c is not None} | {cls}


def closures(shapes: Graph, classes: Graph) -> dict[Node, set[Node]]:
    """Node shape -> every class whose instances it targets."""
    out: dict[Node, set[Node]] = {}
    for n in targeted_node_shapes(shapes):
        out[n] = set()
        for t in shapes.objects(n, SH.targetClass):
            out[n] |= subclasses(classes, t)
    return out


def shapes_for(closure: dict[Node, set[Node]], kind_classes: tuple[str, ...]) -> list[Node]:
    """The node shapes whose focus nodes include a record with these classes."""
    own = {URIRef(expand(c)) for c in kind_classes}
    return [n for n, cl in closure.items() if own & cl]


def props_with_path(shapes: Graph, node_shapes: list[Node], predicate: URIRef) -> list[Node]:
    return [
        p
        for n in node_shapes
        for p in shapes.objects(n, SH.property)
        if value(shapes, p, SH.path) == predicate
    ]


def as_int(term: Node | None) -> int | None:
    return int(term) if isinstance(term, Literal) else None


# -- fixtures against pyshacl --------------------------------------------------------------------


def test_context_conforms(shapes: Graph) -> None:
    conforms, report = run_pyshacl(background_graph(), shapes)
    found = "\n".join(map(str, results(report)))
    assert conforms, f"tests/shapes/context.ttl must conform:\n{found}"


@pytest.mark.parametrize("path", valid_fixtures(), ids=lambda p: p.stem)
def test_valid_fixture_conforms(path: Path) -> None:
    conforms, report = fixture_report(path)
    found = [(local(r.source_shape), str(r.focus), r.message) for r in results(report)]
    assert conforms, f"{path.name} should conform, but: {found}"


@pytest.mark.parametrize("path", invalid_fixtures(), ids=lambda p: p.stem)
def test_invalid_fixture_violates_only_its_shape(path: Path) -> None:
    expected = expected_shape(path)
    conforms, report = fixture_report(path)
    found = results(report)
    assert not conforms and found, f"{path.name} should violate {local(expected)}"
    wrong = [
        (local(r.source_shape), str(r.focus), r.message)
        for r in found
        if r.source_shape != expected
    ]
    assert not wrong, f"{path.name}: results from other shapes than {local(expected)}: {wrong}"
    assert all(r.message for r in found), "every result carries the shape's message"


# -- coverage ------------------------------------------------------------------------------------


def test_every_property_shape_has_an_invalid_fixture(shapes: Graph) -> None:
    covered = {expected_shape(p) for p in invalid_fixtures()}
    missing = sorted(local(p) for p in top_property_shapes(shapes) - covered)
    assert not missing, f"no tests/shapes/invalid/<shape>__<case>.ttl for: {missing}"


def test_every_invalid_fixture_names_a_property_shape(shapes: Graph) -> None:
    known = top_property_shapes(shapes)
    unknown = sorted(p.name for p in invalid_fixtures() if expected_shape(p) not in known)
    assert not unknown, (
        f"fixtures named after no property shape of a targeted node shape: {unknown}"
    )


def test_every_node_shape_has_a_valid_fixture(shapes: Graph, classes: Graph) -> None:
    closure = closures(shapes, classes)
    used: set[Node] = set()
    for path in valid_fixtures():
        types = set(Graph().parse(path, format="turtle").objects(None, RDF.type))
        used |= {n for n, cl in closure.items() if types & cl}
    missing = sorted(local(n) for n in set(closure) - used)
    assert not missing, f"node shapes with no focus node in any tests/shapes/valid/*.ttl: {missing}"


def test_every_nested_node_shape_is_used_by_a_tested_property_shape(shapes: Graph) -> None:
    used = {value(shapes, expected_shape(p), SH.node) for p in invalid_fixtures()}
    assert nested_node_shapes(shapes) <= used


# -- messages and names --------------------------------------------------------------------------


def test_every_property_shape_has_a_dutch_name_and_messages_in_dutch_and_english(
    shapes: Graph,
) -> None:
    bad = []
    for p in sorted(all_property_shapes(shapes), key=str):
        msgs = [m for m in shapes.objects(p, SH.message) if isinstance(m, Literal)]
        names = [n for n in shapes.objects(p, SH.name) if isinstance(n, Literal)]
        if (
            sorted(m.language or "" for m in msgs) != ["en", "nl"]
            or any(not str(m).strip() for m in msgs)
            or not any(n.language == "nl" for n in names)
        ):
            bad.append(local(p))
    assert not bad, f"property shapes without sh:name@nl and one sh:message@nl and @en: {bad}"


def test_every_shape_is_an_iri_under_kgsh(shapes: Graph) -> None:
    used = (
        set(targeted_node_shapes(shapes)) | nested_node_shapes(shapes) | all_property_shapes(shapes)
    )
    declared = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    bad = sorted(
        str(s) for s in used | declared if not (isinstance(s, URIRef) and s.startswith(str(KGSH)))
    )
    assert not bad, f"shapes must be IRIs under {KGSH}: {bad}"
    assert declared == used, f"declared but unused shapes: {sorted(map(local, declared - used))}"


# -- the SHACL subset ----------------------------------------------------------------------------


def _subset_problems(shapes: Graph) -> list[str]:
    out: list[str] = []
    nested = nested_node_shapes(shapes)
    for n in targeted_node_shapes(shapes):
        extra = set(shapes.predicates(n)) - NODE_SHAPE_PREDICATES
        if extra:
            out.append(f"{local(n)}: node shape predicates {sorted(map(local, extra))}")
    for n in nested:
        if set(shapes.predicates(n)) - {RDF.type, RDFS.label, SH.property}:
            out.append(f"{local(n)}: a sh:node shape holds only sh:property (no targets)")
        for p in shapes.objects(n, SH.property):
            if (
                set(shapes.predicates(p)) - ANNOTATIONS - {SH.hasValue}
                or value(shapes, p, SH.hasValue) is None
            ):
                out.append(
                    f"{local(p)}: a sh:node shape's properties hold only sh:path + sh:hasValue"
                )
    for p in top_property_shapes(shapes):
        preds = set(shapes.predicates(p))
        if not isinstance(value(shapes, p, SH.path), URIRef):
            out.append(f"{local(p)}: sh:path must be one predicate IRI")
        unknown = preds - ANNOTATIONS - set(FAMILIES)
        if unknown:
            out.append(f"{local(p)}: unsupported {sorted(map(local, unknown))}")
        families = {FAMILIES[x] for x in preds if x in FAMILIES}
        if len(families) != 1:
            out.append(f"{local(p)}: one constraint family per shape, found {sorted(families)}")
        if value(shapes, p, SH.severity) not in (None, SH.Violation):
            out.append(f"{local(p)}: severity must be sh:Violation")
        if value(shapes, p, SH.nodeKind) not in (None, SH.IRI, SH.Literal):
            out.append(f"{local(p)}: sh:nodeKind is sh:IRI or sh:Literal")
        in_list = value(shapes, p, SH["in"])
        if in_list is not None and not all(
            isinstance(x, Literal) for x in Collection(shapes, in_list)
        ):
            out.append(f"{local(p)}: sh:in lists literals")
        if (lst := value(shapes, p, SH["or"])) is not None:
            for member in Collection(shapes, lst):
                mp = list(shapes.predicate_objects(member))
                if not (
                    isinstance(member, BNode)
                    and len(mp) == 1
                    and mp[0][0] in (SH.datatype, SH["class"])
                ):
                    out.append(f"{local(p)}: sh:or members are [ sh:datatype X ] or [ sh:class X ]")
        if (q := value(shapes, p, SH.qualifiedValueShape)) is not None:
            if not isinstance(q, BNode) or list(shapes.predicates(q)) != [SH.languageIn]:
                out.append(f"{local(p)}: sh:qualifiedValueShape is [ sh:languageIn (...) ]")
            if not ({SH.qualifiedMinCount, SH.qualifiedMaxCount} & preds):
                out.append(f"{local(p)}: sh:qualifiedValueShape needs a qualified count")
        if (node := value(shapes, p, SH.node)) is not None and node not in nested:
            out.append(f"{local(p)}: sh:node must name a node shape")
    return out


def test_shapes_stay_in_the_supported_shacl_subset(shapes: Graph) -> None:
    problems = _subset_problems(shapes)
    assert not problems, "\n".join(problems)


# -- the contract: ingest/kinds.py ---------------------------------------------------------------


def _kind_shapes() -> dict[str, tuple[Kind | None, tuple[Field, ...], tuple[str, ...]]]:
    """Node shape name -> (kind, fields, every class a record of it may carry)."""
    out: dict[str, tuple[Kind | None, tuple[Field, ...], tuple[str, ...]]] = {}
    for kind in (*KINDS, SCHEME_KIND, CONCEPT_KIND):
        by_sort = tuple(c for cs in kind.classes_by_sort.values() for c in cs)
        out[kind.name.capitalize()] = (kind, kind.fields, kind.classes + by_sort)
    out["Functie"] = (None, POST_FIELDS, ("org:Post",))
    return out


KIND_SHAPES = _kind_shapes()


def _field_problems(shapes: Graph, mine: list[Node], kind: Kind | None, f: Field) -> list[str]:
    props = props_with_path(shapes, mine, URIRef(expand(f.predicate)))
    if not props:
        return [f"{f.key}: no property shape for {f.predicate}"]
    out = []
    mins = [
        as_int(value(shapes, p, SH.minCount) or value(shapes, p, SH.qualifiedMinCount))
        for p in props
    ]
    maxs = [
        as_int(value(shapes, p, SH.maxCount) or value(shapes, p, SH.qualifiedMaxCount))
        for p in props
    ]
    unique = any(value(shapes, p, SH.uniqueLang) == Literal(True) for p in props)
    if f.required and not any(m is not None and m >= 1 for m in mins):
        out.append(f"{f.key} is required but nothing sets a minimum count")
    single = unique or any(m == 1 for m in maxs)
    exempt = (kind.name if kind else "", f.key) in MULTI_SOURCE_FIELDS
    if not f.many and f.type != "texts" and not single and not exempt:
        out.append(f"{f.key} is single-valued but nothing sets sh:maxCount 1")
    if f.many and any(m is not None for m in maxs):
        out.append(f"{f.key} takes a list but has a maximum count")
    return out


@pytest.mark.parametrize("name", sorted(KIND_SHAPES))
def test_kind_has_node_shape_and_field_shapes(shapes: Graph, classes: Graph, name: str) -> None:
    """kgsh:<Kind> targets the kind's records; every field is checked by a shape that targets them."""
    kind, fields, kind_classes = KIND_SHAPES[name]
    closure = closures(shapes, classes)
    node = KGSH[name]
    assert node in closure, f"kgsh:{name} targets no class"
    assert node in shapes_for(closure, kind_classes), f"kgsh:{name} does not target {kind_classes}"
    mine = shapes_for(closure, kind_classes)
    problems = []
    for f in fields:
        if not f.inverse:
            problems += _field_problems(shapes, mine, kind, f)
            continue
        for unit in UNIT_KINDS:  # <unit> kg:hasGoal <this record>: checked on every unit
            unit_shapes = shapes_for(closure, KIND_SHAPES[unit.capitalize()][2])
            if not props_with_path(shapes, unit_shapes, URIRef(expand(f.predicate))):
                problems.append(f"no shape checks {f.predicate} on a {unit} ({f.key})")
    derived = props_with_path(shapes, mine, WAS_DERIVED_FROM)
    needs_source = kind is None or (kind.needs_source and kind is not SCHEME_KIND)
    has_min = any(value(shapes, p, SH.minCount) is not None for p in derived)
    if needs_source and not has_min:
        problems.append(
            "records of this kind need 'bronnen': no sh:minCount on prov:wasDerivedFrom"
        )
    if not needs_source and has_min:
        problems.append("this kind needs no source, but prov:wasDerivedFrom has a minimum count")
    cited = any(value(shapes, p, SH["class"]) == SOURCE_DOCUMENT for p in derived)
    if (kind is None or kind.needs_source) and not cited:
        problems.append("nothing checks that prov:wasDerivedFrom points at a kg:SourceDocument")
    assert not problems, f"kgsh:{name}:\n" + "\n".join(problems)


def test_no_check_is_made_twice_on_one_record(shapes: Graph, classes: Graph) -> None:
    """Node shapes that target the same records never check the same path with the same kind of
    constraint, so one mistake gives one result (the organisation kinds share kgsh:Organisatie)."""
    closure = closures(shapes, classes)

    def checks(n: Node) -> set[tuple[Node | None, str]]:
        return {
            (value(shapes, p, SH.path), FAMILIES[x])
            for p in shapes.objects(n, SH.property)
            for x in shapes.predicates(p)
            if x in FAMILIES
        }

    for a, b in combinations(closure, 2):
        if closure[a] & closure[b]:
            twice = checks(a) & checks(b)
            assert not twice, (
                f"{local(a)} and {local(b)} target the same records; both check {twice}"
            )
