"""Read ``data/*.yaml`` into records that remember the line of every value."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem

try:  # libyaml is much faster; fall back to the pure-Python loader where it is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


@dataclass
class Value:
    """A YAML value with the (1-based) line it starts on."""

    data: Any
    line: int


@dataclass
class RawRecord:
    file: str  # path as shown to the user, e.g. data/hubs.yaml
    line: int
    fields: dict[str, Value] = field(default_factory=dict)

    @property
    def id(self) -> str | None:
        v = self.fields.get("id")
        return str(v.data) if v is not None and v.data is not None else None


def _to_python(node: yaml.Node, loader: Any, file: str, problems: list[Problem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Value] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            line = key_node.start_mark.line + 1
            if key in out:
                problems.append(
                    Problem(
                        file,
                        line,
                        None,
                        key,
                        f"het veld '{key}' staat twee keer in dit record",
                        "houd één van de twee over; zet meerdere waarden in een lijst [a, b]",
                    )
                )
            out[key] = Value(_to_python(value_node, loader, file, problems), line)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            Value(_to_python(n, loader, file, problems), n.start_mark.line + 1) for n in node.value
        ]
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError):  # e.g. 2023-13-45 looks like a date but is none
        return str(node.value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def read_yaml(path: Path, shown: str) -> tuple[list[RawRecord], list[Problem]]:
    """Parse one YAML file of records. Syntax errors become Problems with their line."""
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        return [], [
            Problem(
                shown,
                None,
                None,
                None,
                f"het bestand is geen UTF-8 ({e.reason})",
                "sla het bestand op als UTF-8",
            )
        ]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(x for x in (e.context, e.problem) if x)
        return [], [
            Problem(
                shown,
                line,
                None,
                None,
                f"YAML-syntaxfout: {what}",
                "controleer inspringing (2 spaties), dubbele punten en aanhalingstekens "
                "rond tekst met ':' of '#'",
            )
        ]
    if root is None:
        return [], []
    if not isinstance(root, yaml.SequenceNode):
        return [], [
            Problem(
                shown,
                root.start_mark.line + 1,
                None,
                None,
                "het bestand moet een lijst van records zijn",
                "begin elk record met '- id: ...'",
            )
        ]
    records: list[RawRecord] = []
    for item in root.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problems.append(
                Problem(
                    shown,
                    line,
                    None,
                    None,
                    "dit lijstelement is geen record",
                    "schrijf een record als '- id: ...' met velden eronder",
                )
            )
            continue
        fields = _to_python(item, loader, shown, problems)
        records.append(RawRecord(shown, line, fields))
    loader.dispose()
    return records, problems
