"""A fast SHACL validator: our shapes compiled to SPARQL and run on the Oxigraph store.

pyshacl parses the whole data graph into rdflib first, which costs about 80 s and 1.2 GB at a
million triples. Our shapes use a small part of SHACL Core, and each of those constraint
components is one SPARQL query over the instances of the target class, which Oxigraph answers
from its indexes. pyshacl stays the reference: ``tests/test_validators_agree.py`` runs both on
every shape fixture and on the real data and requires the same results.

Supported (anything else raises :class:`UnsupportedShape`, so a new shape cannot be silently
ignored): targets ``sh:targetClass``; property shapes with a predicate ``sh:path`` and
``sh:minCount``, ``sh:maxCount``, ``sh:datatype``, ``sh:class``, ``sh:nodeKind``,
``sh:pattern``, ``sh:in``, ``sh:hasValue``, ``sh:languageIn``, ``sh:uniqueLang``,
``sh:minInclusive``, ``sh:or`` (of ``sh:datatype``/``sh:class`` alternatives),
``sh:node`` (a node shape of ``sh:hasValue`` property shapes) and ``sh:qualifiedValueShape``
(of ``sh:languageIn``/``sh:datatype``/``sh:class``) with qualified min/max counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Store
from rdflib import RDF, BNode, Graph, URIRef
from rdflib import Literal as RLiteral
from rdflib.collection import Collection
from rdflib.namespace import SH

SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

HANDLED = {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH.nodeKind,
    SH.pattern,
    SH["in"],
    SH.hasValue,
    SH.languageIn,
    SH.uniqueLang,
    SH.minInclusive,
    SH["or"],
    SH.node,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    # annotations
    SH.message,
    SH.name,
    SH.description,
    SH.severity,
    SH.order,
    SH.group,
    RDF.type,
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
}


NODE_HANDLED = {
    SH.targetClass,
    SH.property,
    RDF.type,
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#isDefinedBy"),
}


class UnsupportedShape(ValueError):
    pass


@dataclass(frozen=True)
class Check:
    shape: str  # the property shape IRI (or node shape for node-level checks)
    path: str
    component: str  # e.g. sh:MinCountConstraintComponent
    query: str  # SELECT ?f ?v
    target_class: str


@dataclass(frozen=True)
class Result:
    focus: str  # IRI or _:id
    path: str
    value: str | None
    shape: str
    component: str


def _n3(term: Any) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, RLiteral):
        lex = json.dumps(str(term), ensure_ascii=False)
        if term.language:
            return f"{lex}@{term.language}"
        if term.datatype:
            return f"{lex}^^<{term.datatype}>"
        return lex
    raise UnsupportedShape(f"cannot use {term!r} in a compiled shape")


def _list(g: Graph, head: Any) -> list[Any]:
    return list(Collection(g, head))


class Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes

    def compile(self) -> list[Check]:
        checks: list[Check] = []
        for shape in sorted(set(self.g.subjects(SH.targetClass, None)), key=str):
            for p, _o in self.g.predicate_objects(shape):
                if p not in NODE_HANDLED:
                    raise UnsupportedShape(f"{shape}: {p} on a node shape is not supported")
            for target in sorted(self.g.objects(shape, SH.targetClass), key=str):
                for prop in sorted(self.g.objects(shape, SH.property), key=str):
                    checks += self._property(prop, target)
        return checks

    def _property(self, prop: Any, target: Any) -> list[Check]:
        g = self.g
        for p, _o in g.predicate_objects(prop):
            if p not in HANDLED:
                raise UnsupportedShape(f"{prop}: {p} is not supported by the SPARQL validator")
        path = g.value(prop, SH.path)
        if not isinstance(path, URIRef):
            raise UnsupportedShape(f"{prop}: only predicate paths are supported")
        shape = str(prop)
        P = f"<{path}>"
        focus = f"VALUES ?c {{ {{CLASSES}} }} ?f {TYPE} ?c ."
        out: list[Check] = []

        def add(component: str, where: str, select: str = "?f ?v") -> None:
            q = f"SELECT DISTINCT {select} WHERE {{ {focus} {where} }}"
            out.append(Check(shape, str(path), component, q, str(target)))

        def value_check(component: str, cond: str) -> None:
            add(component, f"?f {P} ?v . FILTER({cond})")

        def count_having(component: str, cond: str, having: str) -> None:
            inner = f"OPTIONAL {{ ?f {P} ?v . {cond} }}"
            q = f"SELECT ?f WHERE {{ {focus} {inner} }} GROUP BY ?f HAVING({having})"
            out.append(Check(shape, str(path), component, q, str(target)))

        if (n := g.value(prop, SH.minCount)) is not None:
            if int(n) == 1:
                add("MinCount", f"FILTER NOT EXISTS {{ ?f {P} ?any }}", "?f")
            else:
                count_having("MinCount", "", f"COUNT(DISTINCT ?v) < {int(n)}")
        if (n := g.value(prop, SH.maxCount)) is not None:
            count_having("MaxCount", "", f"COUNT(DISTINCT ?v) > {int(n)}")
        if (d := g.value(prop, SH.datatype)) is not None:
            value_check("Datatype", f"!{self._datatype_ok('?v', d)}")
        if (c := g.value(prop, SH["class"])) is not None:
            value_check("Class", f"!{self._class_ok('?v', c)}")
        if (k := g.value(prop, SH.nodeKind)) is not None:
            value_check("NodeKind", f"!{self._nodekind_ok('?v', k)}")
        if (pat := g.value(prop, SH.pattern)) is not None:
            if g.value(prop, SH.flags) is not None:
                raise UnsupportedShape(f"{prop}: sh:flags")
            value_check("Pattern", f"isBlank(?v) || !REGEX(STR(?v), {json.dumps(str(pat))})")
        if (lst := g.value(prop, SH["in"])) is not None:
            alts = " || ".join(f"sameTerm(?v, {_n3(x)})" for x in _list(g, lst))
            value_check("In", f"!({alts or 'false'})")
        for hv in g.objects(prop, SH.hasValue):
            add("HasValue", f"FILTER NOT EXISTS {{ ?f {P} {_n3(hv)} }}", "?f")
        if (lst := g.value(prop, SH.languageIn)) is not None:
            value_check("LanguageIn", f"!{self._lang_ok('?v', lst)}")
        if g.value(prop, SH.uniqueLang) == RLiteral(True):
            q = (
                # One result per language used twice; like the SHACL spec (and pyshacl), no sh:value.
                f"SELECT ?f WHERE {{ {focus} ?f {P} ?x . BIND(LANG(?x) AS ?l) "
                f'FILTER(?l != "") }} GROUP BY ?f ?l HAVING(COUNT(DISTINCT ?x) > 1)'
            )
            out.append(Check(shape, str(path), "UniqueLang", q, str(target)))
        if (mi := g.value(prop, SH.minInclusive)) is not None:
            value_check("MinInclusive", f"!COALESCE(?v >= {_n3(mi)}, false)")
        if (lst := g.value(prop, SH["or"])) is not None:
            or_alts: list[str] = []
            for member in _list(g, lst):
                if (dt := g.value(member, SH.datatype)) is not None:
                    or_alts.append(self._datatype_ok("?v", dt))
                elif (cl := g.value(member, SH["class"])) is not None:
                    or_alts.append(self._class_ok("?v", cl))
                else:
                    raise UnsupportedShape(f"{prop}: sh:or members must be sh:datatype or sh:class")
            value_check("Or", f"!({' || '.join(or_alts)})")
        if (node := g.value(prop, SH.node)) is not None:
            conds = []
            for inner in g.objects(node, SH.property):
                inner_path = g.value(inner, SH.path)
                inner_value = g.value(inner, SH.hasValue)
                if inner_path is None or inner_value is None:
                    raise UnsupportedShape(
                        f"{node}: sh:node shapes may only hold sh:hasValue properties"
                    )
                conds.append(f"NOT EXISTS {{ ?v <{inner_path}> {_n3(inner_value)} }}")
            value_check("Node", " || ".join(conds) or "false")
        if (qvs := g.value(prop, SH.qualifiedValueShape)) is not None:
            cond = self._qualified_cond(qvs)
            if (n := g.value(prop, SH.qualifiedMinCount)) is not None:
                count_having(
                    "QualifiedMinCount", f"FILTER({cond})", f"COUNT(DISTINCT ?v) < {int(n)}"
                )
            if (n := g.value(prop, SH.qualifiedMaxCount)) is not None:
                count_having(
                    "QualifiedMaxCount", f"FILTER({cond})", f"COUNT(DISTINCT ?v) > {int(n)}"
                )
        return out

    def _qualified_cond(self, qvs: Any) -> str:
        g = self.g
        conds = []
        for p, o in g.predicate_objects(qvs):
            if p == SH.languageIn:
                conds.append(self._lang_ok("?v", o))
            elif p == SH.datatype:
                conds.append(self._datatype_ok("?v", o))
            elif p == SH["class"]:
                conds.append(self._class_ok("?v", o))
            elif p != RDF.type:
                raise UnsupportedShape(f"qualified value shape: {p} is not supported")
        return " && ".join(conds) or "true"

    def _datatype_ok(self, v: str, d: Any) -> str:
        if d == RDF.langString:
            return f'(isLiteral({v}) && LANG({v}) != "")'
        return f'(isLiteral({v}) && sameTerm(DATATYPE({v}), <{d}>) && LANG({v}) = "")'

    def _class_ok(self, v: str, c: Any) -> str:
        return f"EXISTS {{ VALUES ?cc {{ {{CLASSES:{c}}} }} {v} {TYPE} ?cc }}"

    def _nodekind_ok(self, v: str, k: Any) -> str:
        return {
            SH.IRI: f"isIRI({v})",
            SH.Literal: f"isLiteral({v})",
            SH.BlankNode: f"isBlank({v})",
            SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
            SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))",
            SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
        }[k]

    def _lang_ok(self, v: str, lst: Any) -> str:
        langs = [str(x) for x in _list(self.g, lst)]
        alts = " || ".join(f"langMatches(LANG({v}), {json.dumps(lang)})" for lang in langs)
        return f"(isLiteral({v}) && ({alts or 'false'}))"


def _solutions(store: Store, query: str) -> QuerySolutions:
    res = store.query(query, use_default_graph_as_union=True)
    assert isinstance(res, QuerySolutions)
    return res


def _subclasses(store: Store, cls: str) -> list[str]:
    q = f"SELECT DISTINCT ?c WHERE {{ ?c {SUBCLASS}* <{cls}> }}"
    found = [sol["c"].value for sol in _solutions(store, q)]
    return sorted(set(found) | {cls})


def _fill_classes(query: str, target: str, closure: dict[str, list[str]], store: Store) -> str:
    def values(cls: str) -> str:
        if cls not in closure:
            closure[cls] = _subclasses(store, cls)
        return " ".join(f"<{c}>" for c in closure[cls])

    query = query.replace("{CLASSES}", values(target))
    while "{CLASSES:" in query:
        start = query.index("{CLASSES:")
        end = query.index("}", start)
        query = query[:start] + values(query[start + len("{CLASSES:") : end]) + query[end + 1 :]
    return query


def _term(t: Any) -> str | None:
    if t is None:
        return None
    if isinstance(t, NamedNode):
        return t.value
    if isinstance(t, BlankNode):
        return f"_:{t.value}"
    if isinstance(t, Literal):
        return str(t)
    return str(t)


def validate_store(store: Store, checks: Iterable[Check], threads: int = 2) -> list[Result]:
    """Run every check on the union of the store's graphs. Results are sorted, without duplicates."""
    closure: dict[str, list[str]] = {}
    prepared = [(c, _fill_classes(c.query, c.target_class, closure, store)) for c in checks]

    def run(item: tuple[Check, str]) -> list[Result]:
        check, query = item
        rows = []
        for sol in _solutions(store, query):
            f = sol["f"]
            try:
                v = sol["v"]
            except KeyError:
                v = None
            rows.append(Result(_term(f) or "", check.path, _term(v), check.shape, check.component))
        return rows

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        results = [r for rows in pool.map(run, prepared) for r in rows]
    return sorted(set(results), key=lambda r: (r.focus, r.shape, r.value or ""))


def compile_shapes(shapes: Graph) -> list[Check]:
    return Compiler(shapes).compile()


__all__ = ["Check", "Result", "UnsupportedShape", "compile_shapes", "validate_store", "BNode"]
