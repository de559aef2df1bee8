"""SHACL shapes for the Kennisgraaf data (Turtle files in this folder)."""

from pathlib import Path

SHAPES_DIR = Path(__file__).resolve().parent

__all__ = ["SHAPES_DIR"]
