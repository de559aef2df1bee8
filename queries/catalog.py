"""Read the example queries (``queries/*.rq``) and their header comments.

A header is the run of ``#`` lines at the top of a file: ``# key: value`` lines, each optionally
continued on following lines that start with ``#`` and at least two spaces. Keys:
``title`` and ``title@en`` (required), ``group`` (required, one of :data:`GROUPS`),
``description`` (required) and ``description@en``. Anything else in the header is an error that
names the file and the line, so a typo never silently drops a field.

The files use the canonical base ``https://kennisgraaf.nl/``; :func:`examples` moves them to the
base a server runs with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from ontology.namespaces import CANONICAL_BASE

# The user groups of DESIGN.md, in the order the editor lists them: id -> (Dutch, English) label.
GROUPS: dict[str, tuple[str, str]] = {
    "researchers": ("Onderzoekers", "Researchers"),
    "teachers": (
        "Docenten, docentondersteuners en CTL's",
        "Teachers, teacher-support staff and CTLs",
    ),
    "directors": ("Opleidingsdirecteuren en bestuurders", "Education directors"),
    "partners": ("Partnercatalogi", "Partner catalogues"),
    "editors": ("Redacteuren van de Kennishub", "Kennishub editors"),
}
REQUIRED_KEYS = ("title", "title@en", "group", "description")
KEYS = (*REQUIRED_KEYS, "description@en")

_FIELD = re.compile(r"#\s?([a-z]+(?:@[a-z]+)?):\s*(.*)$")
_CONTINUED = re.compile(r"#\s{2,}(\S.*)$")


class ExampleError(ValueError):
    """A query file whose header is wrong; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Example:
    id: str  # the file name without .rq
    title: str
    title_en: str
    group: str
    description: str
    description_en: str
    query: str  # the SPARQL text after the header

    @property
    def group_label(self) -> tuple[str, str]:
        return GROUPS[self.group]

    def for_base(self, base: str) -> Example:
        """The same example with every IRI under the canonical base moved to ``base``."""
        if base == CANONICAL_BASE:
            return self
        return replace(self, query=self.query.replace(CANONICAL_BASE, base))

    def as_json(self) -> dict[str, Any]:
        nl, en = self.group_label
        return {
            "id": self.id,
            "title": {"nl": self.title, "en": self.title_en},
            "group": self.group,
            "group_label": {"nl": nl, "en": en},
            "description": {"nl": self.description, "en": self.description_en},
            "query": self.query,
        }


def parse(name: str, text: str) -> Example:
    """One ``.rq`` file: ``name`` is its file name (used as the id and in messages)."""
    fields: dict[str, str] = {}
    last: str | None = None
    lines = text.splitlines()
    body_start = len(lines)
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#"):
            body_start = number - 1
            break
        field = _FIELD.match(line)
        continued = _CONTINUED.match(line)
        if field and not continued:
            key, value = field.group(1), field.group(2).strip()
            if key not in KEYS:
                raise ExampleError(
                    f"{name}:{number}: onbekend veld '{key}' in de kop; gebruik {', '.join(KEYS)}"
                )
            if key in fields:
                raise ExampleError(f"{name}:{number}: veld '{key}' staat twee keer in de kop")
            fields[key] = value
            last = key
        elif continued and last is not None:
            fields[last] = f"{fields[last]} {continued.group(1).strip()}"
        else:
            raise ExampleError(
                f"{name}:{number}: de kop bestaat uit regels '# veld: waarde' "
                "(een vervolgregel begint met '#' en twee spaties)"
            )
    missing = [k for k in REQUIRED_KEYS if not fields.get(k)]
    if missing:
        raise ExampleError(f"{name}: de kop mist {', '.join(missing)}")
    if fields["group"] not in GROUPS:
        raise ExampleError(
            f"{name}: onbekende groep '{fields['group']}'; kies uit {', '.join(GROUPS)}"
        )
    query = "\n".join(lines[body_start:]).strip() + "\n"
    if not query.strip():
        raise ExampleError(f"{name}: na de kop staat geen query")
    return Example(
        id=name.removesuffix(".rq"),
        title=fields["title"],
        title_en=fields["title@en"],
        group=fields["group"],
        description=fields["description"],
        description_en=fields.get("description@en", ""),
        query=query,
    )


@lru_cache(maxsize=1)
def load() -> tuple[Example, ...]:
    """Every example shipped in this package, ordered by user group, then by id."""
    found = [
        parse(entry.name, entry.read_text(encoding="utf-8"))
        for entry in resources.files("queries").iterdir()
        if entry.name.endswith(".rq")
    ]
    order = list(GROUPS)
    return tuple(sorted(found, key=lambda e: (order.index(e.group), e.id)))


def examples(base: str = CANONICAL_BASE) -> tuple[Example, ...]:
    """The examples, with their IRIs under ``base``."""
    return tuple(e.for_base(base) for e in load())
