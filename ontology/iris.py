"""The one place that mints IRIs and maps them to server paths.

Scheme (Dutch URI-strategie style): things under ``{base}id/{type}/{slug}``, ontology terms
under ``{base}def/{Term}``, concepts under ``{base}id/begrip/{scheme}/{slug}``, named graphs
under ``{base}graph/...``.
"""

from __future__ import annotations

import re
import unicodedata

from .namespaces import CANONICAL_BASE

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """Lower-case ASCII slug: accents stripped, ``&`` -> ``en``, other runs -> ``-``."""
    text = text.replace("&", " en ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text.lower()).strip("-")
    return text


# The concept schemes with a page per concept (``/thema/{slug}``, ``/doelgroep/{slug}``), each with
# the property that ties a thing to one of its concepts.
TOPIC_SCHEMES = (("thema", "dcterms:subject"), ("doelgroep", "kg:targetGroup"))


def is_slug(value: str) -> bool:
    return bool(SLUG_RE.match(value))


def entity_iri(base: str, segment: str, slug: str) -> str:
    return f"{base}id/{segment}/{slug}"


def concept_iri(base: str, scheme: str, slug: str) -> str:
    return f"{base}id/begrip/{scheme}/{slug}"


def scheme_iri(base: str, scheme: str) -> str:
    return f"{base}id/begrip/{scheme}"


def graph_iri(base: str, kind: str, slug: str) -> str:
    return f"{base}graph/{kind}/{slug}"


def term_iri(base: str, term: str) -> str:
    return f"{base}def/{term}"


def ontology_iri(base: str) -> str:
    return f"{base}def"


def rebase(iri: str, base: str) -> str:
    """Move an IRI under the canonical base to ``base`` (identity when they are equal)."""
    if base != CANONICAL_BASE and iri.startswith(CANONICAL_BASE):
        return base + iri[len(CANONICAL_BASE) :]
    return iri


def path_of(iri: str, base: str) -> str | None:
    """The server path that resolves ``iri``, or None when it is not ours."""
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    return None
