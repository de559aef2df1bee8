"""How a topic page (``/thema/{slug}``, ``/doelgroep/{slug}``) groups and orders its members.

A member shows under one class, the first of its classes found in :data:`SECTIONS`; the classes
show in the order of their section and of their place in it; the members of a class in the
order of :func:`member_order` (evidence items strongest first, then by name, ties by IRI).

Both the build, which writes each member's class and place per language into the release's
index (``ingest/topic_index.py``), and the topic pages, which group and order the members
themselves when they read them from the store (``endpoint/topic_pages.py``), use these rules, so
the index and the store give the same pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from .namespaces import expand

# Which section a member is shown in, by the first of its classes found here.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "actors",
        (
            "kg:Hub",
            "kg:Programme",
            "kg:CenterForTeachingAndLearning",
            "kg:Team",
            "kg:Community",
            "org:Organization",
            "foaf:Person",
        ),
    ),
    ("products", ("kg:Product",)),
    ("evidence", ("kg:EvidenceItem", "kg:EvidenceClaim")),
    ("other", ("kg:Activity", "kg:Goal", "kg:Event", "kg:Funding", "kg:SourceDocument")),
)


@lru_cache(maxsize=64)
def expand_all(curies: tuple[str, ...], base: str) -> tuple[str, ...]:
    """The IRIs of ``curies`` (``kg:Hub``): made once per tuple and base (a theme of the 1M-triple
    graph asks for them for each of its 1,600 members: 40 ms a page)."""
    return tuple(expand(c, base) for c in curies)


def section_of(classes: Iterable[str], base: str) -> tuple[str, str]:
    """(section, class) for a member with ``classes`` (at least one)."""
    have = set(classes)
    for section, curies in SECTIONS:
        for c in expand_all(curies, base):
            if c in have:
                return section, c
    return "other", min(have)


def class_place(cls: str, base: str) -> tuple[int, int, str]:
    """Where the members shown under ``cls`` come on the page: by section, then by the class's
    place in its section (a class no section names: after those it names, by IRI)."""
    section = section_of((cls,), base)[0]
    n = next(i for i, (sid, _) in enumerate(SECTIONS) if sid == section)
    order = expand_all(SECTIONS[n][1], base)
    return n, order.index(cls) if cls in order else 99, cls


def strength_notation(notations: Iterable[str]) -> str | None:
    """The notation of an evidence item's strength that orders it: the smallest of its
    ``skos:notation`` texts, when that is digits (higher is stronger); else ``None``."""
    first = min(notations, default=None)
    return first if first and first.isdigit() else None


def member_order(
    cls: str, notation: str | None, key: str, iri: str
) -> tuple[float, str, str] | tuple[str, str]:
    """What a member shown under ``cls`` sorts by: for evidence items the strength's notation
    (see :func:`strength_notation`; strongest first, those without last), then its sort key
    (``ontology.text.sort_key`` of its name in the reader's language), then its IRI, so that
    members with the same name keep one order however they were read."""
    if cls.endswith("EvidenceItem"):
        return -float(notation or -1), key, iri
    return key, iri
