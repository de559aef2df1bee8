"""Build settings: command-line options override ``KENNISGRAAF_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ontology.namespaces import CANONICAL_BASE


class BuildSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KENNISGRAAF_", env_ignore_empty=True, extra="ignore"
    )

    data: Path = Field(
        Path("data"), description="folder with the curated records and external data"
    )
    store: Path = Field(Path("store"), description="folder that holds the releases of the store")
    base_iri: str = Field(CANONICAL_BASE, description="base of every IRI the project mints")
    validator: Literal["sparql", "pyshacl"] = Field("sparql", description="SHACL engine")
    keep_releases: int = Field(3, ge=1, le=100, description="how many past releases to keep")
    threads: int = Field(2, ge=1, le=64, description="threads for validation queries")

    @field_validator("base_iri")
    @classmethod
    def _base(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")) or not v.endswith("/"):
            raise ValueError("the base IRI starts with http:// or https:// and ends with '/'")
        return v
