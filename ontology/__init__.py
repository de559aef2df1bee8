"""The Kennisgraaf vocabulary: namespaces, the IRI scheme, and the ontology files.

Both ``ingest`` (which mints IRIs) and ``endpoint`` (which resolves them) import from here;
they never import each other.
"""

from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent

__all__ = ["ONTOLOGY_DIR"]
