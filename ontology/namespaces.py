"""Prefixes used everywhere: Turtle output, SPARQL prologues, templates.

The ontology namespace is fixed in the Turtle files as ``CANONICAL_BASE + "def/"``; a build with
another base IRI rewrites every IRI under the canonical base (see :func:`ontology.iris.rebase`).
"""

CANONICAL_BASE = "https://kennisgraaf.nl/"

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "rov": "http://www.w3.org/ns/regorg#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "adms": "http://www.w3.org/ns/adms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "time": "http://www.w3.org/2006/time#",
    "void": "http://rdfs.org/ns/void#",
}


def prefixes(base: str = CANONICAL_BASE) -> dict[str, str]:
    """All prefixes, with the project's own under ``base``."""
    own = {
        "kg": f"{base}def/",
        "kgid": f"{base}id/",
        "kgsh": f"{base}def/shapes/",
    }
    return {**STANDARD_PREFIXES, **own}


def expand(curie: str, base: str = CANONICAL_BASE) -> str:
    """``"skos:prefLabel"`` -> full IRI. Raises KeyError for an unknown prefix."""
    prefix, _, local = curie.partition(":")
    return prefixes(base)[prefix] + local


def sparql_prologue(base: str = CANONICAL_BASE) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes(base).items())
