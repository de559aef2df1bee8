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

Each check has one exact query (the results it reports) and a *screen*: its condition folded
into one query per path that covers every check on that path, for all targets at once. The
screens join whole index scans with hash joins (about 11 s of CPU for a million triples, where
the 340 exact queries with their per-node lookups take about 46 s); a screen never misses a
violation of a check it covers, and only the checks of a path whose screen finds something run
their exact queries. Valid data therefore costs one query per path, and the report of invalid
data comes from the exact queries alone, exactly as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
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
class Screen:
    """How a check is folded into the screening query of its path (see :func:`validate_store`).

    ``kind`` is ``value`` (``cond`` on ``?v`` true: a violation), ``min``/``max`` (the number of
    distinct values for which ``cond`` holds, all values when ``cond`` is empty, against ``n``),
    ``has`` (``cond`` is the value that must be present) or ``unique`` (``sh:uniqueLang``).
    ``@@i@@`` in ``cond`` stands for "``?v`` matches ``helpers[i]``", a graph pattern on ``?v``.
    """

    kind: str
    cond: str = ""
    n: int = 0
    helpers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    shape: str  # the property shape IRI (or node shape for node-level checks)
    path: str
    component: str  # e.g. sh:MinCountConstraintComponent
    query: str  # SELECT ?f ?v
    target_class: str
    screen: Screen | None = None  # None: the exact query always runs


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

        def add(component: str, where: str, screen: Screen, select: str = "?f ?v") -> None:
            q = f"SELECT DISTINCT {select} WHERE {{ {focus} {where} }}"
            out.append(Check(shape, str(path), component, q, str(target), screen))

        def value_check(component: str, cond: str, screen_cond: str, helpers: list[str]) -> None:
            screen = Screen("value", screen_cond, helpers=tuple(helpers))
            add(component, f"?f {P} ?v . FILTER({cond})", screen)

        def count_having(component: str, cond: str, having: str, screen: Screen) -> None:
            inner = f"OPTIONAL {{ ?f {P} ?v . {cond} }}"
            q = f"SELECT ?f WHERE {{ {focus} {inner} }} GROUP BY ?f HAVING({having})"
            out.append(Check(shape, str(path), component, q, str(target), screen))

        def same(component: str, cond: str) -> None:
            """A value check whose condition reads no other nodes: the screen uses it as is."""
            value_check(component, cond, cond, [])

        if (n := g.value(prop, SH.minCount)) is not None:
            if int(n) == 1:
                add("MinCount", f"FILTER NOT EXISTS {{ ?f {P} ?any }}", Screen("min", n=1), "?f")
            else:
                count_having(
                    "MinCount", "", f"COUNT(DISTINCT ?v) < {int(n)}", Screen("min", n=int(n))
                )
        if (n := g.value(prop, SH.maxCount)) is not None:
            count_having("MaxCount", "", f"COUNT(DISTINCT ?v) > {int(n)}", Screen("max", n=int(n)))
        if (d := g.value(prop, SH.datatype)) is not None:
            same("Datatype", f"!{self._datatype_ok('?v', d)}")
        if (c := g.value(prop, SH["class"])) is not None:
            helpers: list[str] = []
            screen_cond = f"!{self._class_ok('?v', c, helpers)}"
            value_check("Class", f"!{self._class_ok('?v', c)}", screen_cond, helpers)
        if (k := g.value(prop, SH.nodeKind)) is not None:
            same("NodeKind", f"!{self._nodekind_ok('?v', k)}")
        if (pat := g.value(prop, SH.pattern)) is not None:
            if g.value(prop, SH.flags) is not None:
                raise UnsupportedShape(f"{prop}: sh:flags")
            same("Pattern", f"isBlank(?v) || !REGEX(STR(?v), {json.dumps(str(pat))})")
        if (lst := g.value(prop, SH["in"])) is not None:
            alts = " || ".join(f"sameTerm(?v, {_n3(x)})" for x in _list(g, lst))
            same("In", f"!({alts or 'false'})")
        for hv in g.objects(prop, SH.hasValue):
            add(
                "HasValue",
                f"FILTER NOT EXISTS {{ ?f {P} {_n3(hv)} }}",
                Screen("has", _n3(hv)),
                "?f",
            )
        if (lst := g.value(prop, SH.languageIn)) is not None:
            same("LanguageIn", f"!{self._lang_ok('?v', lst)}")
        if g.value(prop, SH.uniqueLang) == RLiteral(True):
            q = (
                # One result per language used twice; like the SHACL spec (and pyshacl), no sh:value.
                f"SELECT ?f WHERE {{ {focus} ?f {P} ?x . BIND(LANG(?x) AS ?l) "
                f'FILTER(?l != "") }} GROUP BY ?f ?l HAVING(COUNT(DISTINCT ?x) > 1)'
            )
            out.append(Check(shape, str(path), "UniqueLang", q, str(target), Screen("unique")))
        if (mi := g.value(prop, SH.minInclusive)) is not None:
            same("MinInclusive", f"!COALESCE(?v >= {_n3(mi)}, false)")
        if (lst := g.value(prop, SH["or"])) is not None:
            or_alts: list[str] = []
            or_screen: list[str] = []
            or_helpers: list[str] = []
            for member in _list(g, lst):
                if (dt := g.value(member, SH.datatype)) is not None:
                    or_alts.append(self._datatype_ok("?v", dt))
                    or_screen.append(self._datatype_ok("?v", dt))
                elif (cl := g.value(member, SH["class"])) is not None:
                    or_alts.append(self._class_ok("?v", cl))
                    or_screen.append(self._class_ok("?v", cl, or_helpers))
                else:
                    raise UnsupportedShape(f"{prop}: sh:or members must be sh:datatype or sh:class")
            value_check(
                "Or", f"!({' || '.join(or_alts)})", f"!({' || '.join(or_screen)})", or_helpers
            )
        if (node := g.value(prop, SH.node)) is not None:
            conds = []
            patterns = []
            for inner in g.objects(node, SH.property):
                inner_path = g.value(inner, SH.path)
                inner_value = g.value(inner, SH.hasValue)
                if inner_path is None or inner_value is None:
                    raise UnsupportedShape(
                        f"{node}: sh:node shapes may only hold sh:hasValue properties"
                    )
                conds.append(f"NOT EXISTS {{ ?v <{inner_path}> {_n3(inner_value)} }}")
                patterns.append(f"?v <{inner_path}> {_n3(inner_value)} .")
            # some inner value is missing <=> ?v does not match all the inner patterns together
            node_helpers = [" ".join(patterns)] if patterns else []
            value_check(
                "Node",
                " || ".join(conds) or "false",
                "!BOUND(@@0@@)" if patterns else "false",
                node_helpers,
            )
        if (qvs := g.value(prop, SH.qualifiedValueShape)) is not None:
            cond = self._qualified_cond(qvs)
            q_helpers: list[str] = []
            q_screen = self._qualified_cond(qvs, q_helpers)
            if (n := g.value(prop, SH.qualifiedMinCount)) is not None:
                count_having(
                    "QualifiedMinCount",
                    f"FILTER({cond})",
                    f"COUNT(DISTINCT ?v) < {int(n)}",
                    Screen("min", q_screen, int(n), tuple(q_helpers)),
                )
            if (n := g.value(prop, SH.qualifiedMaxCount)) is not None:
                count_having(
                    "QualifiedMaxCount",
                    f"FILTER({cond})",
                    f"COUNT(DISTINCT ?v) > {int(n)}",
                    Screen("max", q_screen, int(n), tuple(q_helpers)),
                )
        return out

    def _qualified_cond(self, qvs: Any, helpers: list[str] | None = None) -> str:
        g = self.g
        conds = []
        for p, o in g.predicate_objects(qvs):
            if p == SH.languageIn:
                conds.append(self._lang_ok("?v", o))
            elif p == SH.datatype:
                conds.append(self._datatype_ok("?v", o))
            elif p == SH["class"]:
                conds.append(self._class_ok("?v", o, helpers))
            elif p != RDF.type:
                raise UnsupportedShape(f"qualified value shape: {p} is not supported")
        return " && ".join(conds) or "true"

    def _datatype_ok(self, v: str, d: Any) -> str:
        if d == RDF.langString:
            return f'(isLiteral({v}) && LANG({v}) != "")'
        return f'(isLiteral({v}) && sameTerm(DATATYPE({v}), <{d}>) && LANG({v}) = "")'

    def _class_ok(self, v: str, c: Any, helpers: list[str] | None = None) -> str:
        """``v`` is an instance of ``c``: an EXISTS, or for a screen a helper (``helpers``)."""
        pattern = f"VALUES ?cc {{ {{CLASSES:{c}}} }} {v} {TYPE} ?cc"
        if helpers is None:
            return f"EXISTS {{ {pattern} }}"
        helpers.append(pattern)
        return f"BOUND(@@{len(helpers) - 1}@@)"

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

    if "{CLASSES}" in query:
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


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _read_lang_once(cond: str) -> str:
    """``cond`` with ``LANG(?v)`` as ``?l`` and ``isLiteral(?v)`` as ``BOUND(?l)``.

    Every function of ``?v`` reads the term's text from the store again; the screens read
    ``LANG(?v)`` once into ``?l`` (``BIND``), which is bound exactly when ``?v`` is a literal.
    String literals in the condition (a pattern, an ``sh:in`` value) are left as they are.
    """
    out = []
    last = 0
    for m in _STRING.finditer(cond):
        out.append(_lang_vars(cond[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_lang_vars(cond[last:]))
    return "".join(out)


def _lang_vars(code: str) -> str:
    return code.replace("LANG(?v)", "?l").replace("isLiteral(?v)", "BOUND(?l)")


def _screen_query(path: str, checks: list[Check], classes: Callable[[str], list[str]]) -> str:
    """One query for every check on ``path``: the classes of the focus nodes it flags.

    Per focus node and class (a hash join of the class index with the whole ``path`` index, no
    lookups per node), the values are aggregated; a group is flagged when the condition of any
    check of a target with that class holds. The helpers (``?v`` is an instance of a class, or
    a concept of a scheme) are hash-joined on ``?v`` too: ``BOUND(?kN)`` replaces the EXISTS
    of the exact query. A value check counts a value whose condition is an error as valid, as
    ``FILTER`` does, through ``COALESCE(..., false)``.
    """
    helpers: dict[str, int] = {}

    def cond(c: Check) -> str:
        assert c.screen is not None
        text = c.screen.cond
        for i, pattern in enumerate(c.screen.helpers):
            j = helpers.setdefault(pattern, len(helpers))
            text = text.replace(f"@@{i}@@", f"?k{j}")
        return _read_lang_once(text)

    # Each per-row expression is bound once (BIND), each aggregate computed once, however many
    # checks use them; the aggregates then only read variables.
    binds: dict[str, str] = {}
    aggregates: dict[str, str] = {}

    def bind(expr: str) -> str:
        return binds.setdefault(expr, f"?b{len(binds)}")

    def aggregate(expr: str) -> str:
        return aggregates.setdefault(expr, f"?a{len(aggregates)}")

    def counted(c: Check) -> str:
        if not cond(c):
            return aggregate("COUNT(DISTINCT ?v)")
        return aggregate(f"COUNT(DISTINCT {bind(f'IF(COALESCE({cond(c)}, false), ?v, ?none)')})")

    def member(targets: list[str]) -> str:
        # sameTerm compares the store's encoded terms; = and IN would look up their text
        classes_ = sorted({k for t in targets for k in classes(t)})
        return "(" + " || ".join(f"sameTerm(?c, <{k}>)" for k in classes_) + ")"

    by_target: dict[str, list[Check]] = {}
    for c in checks:
        by_target.setdefault(c.target_class, []).append(c)
    value_targets: dict[str, list[str]] = {}  # condition -> the targets that check it
    group_terms: list[str] = []
    optional = False
    for target, cs in by_target.items():
        tests: list[str] = []
        for c in cs:
            assert c.screen is not None
            kind, n = c.screen.kind, c.screen.n
            if kind == "value":
                value_targets.setdefault(f"COALESCE({cond(c)}, false)", []).append(target)
            elif kind == "min":
                optional = True
                tests.append(f"{counted(c)} < {n}")
            elif kind == "max":
                tests.append(f"{counted(c)} > {n}")
            elif kind == "has":
                optional = True
                has = bind(f"IF(COALESCE(sameTerm(?v, {c.screen.cond}), false), 1, 0)")
                tests.append(f"{aggregate(f'SUM({has})')} < 1")
            elif kind == "unique":
                tagged = 'COALESCE(?l != "", false)'
                values = aggregate(f"COUNT(DISTINCT {bind(f'IF({tagged}, ?v, ?none)')})")
                langs = aggregate(f"COUNT(DISTINCT {bind(f'IF({tagged}, ?l, ?none)')})")
                tests.append(f"{values} > {langs}")
            else:
                raise ValueError(f"unknown screen kind {kind!r}")
        if tests:
            group_terms.append(f"({member([target])} && ({' || '.join(tests)}))")
    if value_targets:
        bad = " || ".join(f"({member(ts)} && {cond_})" for cond_, ts in value_targets.items())
        flag = bind(f"IF(BOUND(?v) && ({bad}), 1, 0)")  # no value, no value violation
        group_terms.append(f"{aggregate(f'SUM({flag})')} > 0")
    targets = " ".join(f"<{k}>" for k in sorted({k for t in by_target for k in classes(t)}))
    focus = f"{{ SELECT ?f ?c WHERE {{ VALUES ?c {{ {targets} }} ?f {TYPE} ?c }} }}"
    joined = "".join(
        f" OPTIONAL {{ SELECT DISTINCT ?v (true AS ?k{j}) WHERE {{ {pattern} }} }}"
        for pattern, j in helpers.items()
    )
    lang = " BIND(LANG(?v) AS ?l)" if any("?l" in e for e in binds) else ""
    values_part = f"{{ {{ SELECT ?f ?v WHERE {{ ?f <{path}> ?v }} }}{lang}{joined} }}"
    if optional:
        values_part = f"OPTIONAL {values_part}"
    bound = "".join(f" BIND({expr} AS {var})" for expr, var in binds.items())
    selected = " ".join(f"({expr} AS {var})" for expr, var in aggregates.items())
    return (
        f"SELECT DISTINCT ?c WHERE {{ {{ SELECT ?c {selected} WHERE {{ {focus} {values_part}{bound} }} "
        f"GROUP BY ?f ?c }} FILTER({' || '.join(group_terms)}) }}"
    )


def validate_store(store: Store, checks: Iterable[Check], threads: int = 2) -> list[Result]:
    """Run every check on the union of the store's graphs. Results are sorted, without duplicates.

    First the screens, one query per path (see :func:`_screen_query`); then the exact queries of
    the checks whose path and target a screen flagged, and of any check without a screen.
    """
    checks = list(checks)
    closure: dict[str, list[str]] = {}

    def classes(cls: str) -> list[str]:
        if cls not in closure:
            closure[cls] = _subclasses(store, cls)
        return closure[cls]

    by_path: dict[str, list[Check]] = {}
    for c in checks:
        if c.screen is not None:
            by_path.setdefault(c.path, []).append(c)
    screens = [
        (path, _fill_classes(_screen_query(path, cs, classes), "", closure, store))
        for path, cs in by_path.items()
    ]

    def screen(item: tuple[str, str]) -> set[str]:
        return {sol["c"].value for sol in _solutions(store, item[1])}

    workers = max(1, threads)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        flagged = dict(zip(by_path, pool.map(screen, screens), strict=True))
    exact = [
        c
        for c in checks
        if c.screen is None or flagged[c.path].intersection(classes(c.target_class))
    ]
    prepared = [(c, _fill_classes(c.query, c.target_class, closure, store)) for c in exact]

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

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = [r for rows in pool.map(run, prepared) for r in rows]
    return sorted(set(results), key=lambda r: (r.focus, r.shape, r.value or ""))


def compile_shapes(shapes: Graph) -> list[Check]:
    return Compiler(shapes).compile()


__all__ = ["Check", "Result", "UnsupportedShape", "compile_shapes", "validate_store", "BNode"]
