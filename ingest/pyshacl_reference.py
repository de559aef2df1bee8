"""The reference validator: pyshacl over the same data, for comparison and for ``--validator pyshacl``."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from .shacl_sparql import Result


def _to_rdflib(term: object) -> object:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_graph(quads: Iterable[ox.Quad]) -> Graph:
    g = Graph()
    for q in quads:
        g.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))  # type: ignore[arg-type]
    return g


COMPONENT = {
    str(SH[name + "ConstraintComponent"]): name
    for name in [
        "MinCount",
        "MaxCount",
        "Datatype",
        "Class",
        "NodeKind",
        "Pattern",
        "In",
        "HasValue",
        "LanguageIn",
        "UniqueLang",
        "MinInclusive",
        "Or",
        "Node",
        "QualifiedMinCount",
        "QualifiedMaxCount",
    ]
}


def _name(term: object) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return ox_literal_str(term)
    return str(term)


def ox_literal_str(lit: Literal) -> str:
    """The N-Triples form pyoxigraph's ``str(Literal)`` gives, so results compare equal."""
    return str(_to_ox(lit))


def _to_ox(lit: Literal) -> ox.Literal:
    if lit.language:
        return ox.Literal(str(lit), language=lit.language)
    if lit.datatype:
        return ox.Literal(str(lit), datatype=ox.NamedNode(str(lit.datatype)))
    return ox.Literal(str(lit))


def pyshacl_results(data: Graph, shapes: Graph) -> list[Result]:
    _conforms, report, _text = validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True
    )
    assert isinstance(report, Graph)
    return report_results(report)


def report_results(report: Graph) -> list[Result]:
    """The top-level results of a pyshacl validation report, in our comparable form."""
    out = set()
    top = [
        r
        for rep in report.subjects(RDF.type, SH.ValidationReport)
        for r in report.objects(rep, SH.result)
    ]
    for r in top:  # nested sh:node results sit under sh:detail and are not reported separately
        comp = str(report.value(r, SH.sourceConstraintComponent))
        value = report.value(r, SH.value)
        out.add(
            Result(
                _name(report.value(r, SH.focusNode)),
                str(report.value(r, SH.resultPath)),
                None
                if value is None
                or comp.endswith(
                    (
                        "MinCountConstraintComponent",
                        "HasValueConstraintComponent",
                        "QualifiedMinCountConstraintComponent",
                        "QualifiedMaxCountConstraintComponent",
                        "MaxCountConstraintComponent",
                    )
                )
                else _name(value),
                str(report.value(r, SH.sourceShape)),
                COMPONENT.get(comp, comp),
            )
        )
    return sorted(out, key=lambda r: (r.focus, r.shape, r.value or ""))
