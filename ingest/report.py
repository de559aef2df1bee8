"""Shape violations -> Problems that name the YAML file, line, record and field."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import SH

from .errors import Problem
from .kinds import COMMON_FIELDS, CONCEPT_KIND, KINDS, POST_FIELDS, SCHEME_KIND
from .mapping import Origin
from .shacl_sparql import Result

_FIELD_BY_PREDICATE: dict[str, str] = {}


def _field_names(expand: dict[str, str]) -> dict[str, str]:
    if not _FIELD_BY_PREDICATE:
        for kind in (*KINDS, SCHEME_KIND, CONCEPT_KIND):
            for f in (*kind.fields, *COMMON_FIELDS, *POST_FIELDS):
                _FIELD_BY_PREDICATE.setdefault(expand.get(f.predicate, f.predicate), f.key)
        _FIELD_BY_PREDICATE.setdefault("http://www.w3.org/ns/prov#wasDerivedFrom", "bronnen")
        _FIELD_BY_PREDICATE.setdefault("http://www.w3.org/ns/prov#qualifiedDerivation", "bronnen")
    return _FIELD_BY_PREDICATE


def messages(shapes: Graph, lang: str = "nl") -> dict[str, str]:
    out: dict[str, str] = {}
    for shape, msg in shapes.subject_objects(SH.message):
        if getattr(msg, "language", None) == lang or str(shape) not in out:
            out[str(shape)] = str(msg)
    return out


def to_problems(
    results: list[Result],
    shapes: Graph,
    origins: dict[str, Origin],
    graph_files: dict[str, str],
    predicate_iris: dict[str, str],
    subject_graphs: dict[str, str] | None = None,
) -> list[Problem]:
    msgs = messages(shapes)
    fields = _field_names(predicate_iris)
    problems = []
    for r in results:
        subject = r.focus.split("#", 1)[0]
        origin = origins.get(r.focus) or origins.get(subject)
        fld = fields.get(r.path, f"<{r.path}>")
        msg = msgs.get(r.shape) or f"voldoet niet aan {r.shape} ({r.component})"
        value = f" (waarde: {r.value})" if r.value is not None else ""
        shape_name = str(URIRef(r.shape)).rsplit("/", 1)[-1]
        if origin is not None:
            problems.append(
                Problem(
                    origin.file,
                    origin.line,
                    origin.record,
                    fld,
                    msg + value,
                    f"regel {shape_name} in shapes/",
                )
            )
        else:
            graph = (subject_graphs or {}).get(r.focus, "")
            file = graph_files.get(graph, "data/")
            problems.append(
                Problem(file, None, r.focus, fld, msg + value, f"regel {shape_name} in shapes/")
            )
    return problems
