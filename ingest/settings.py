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
    build_pages: bool = Field(
        True,
        description=(
            "make the entity pages, the class rows and the ranked frequent words of the "
            "search during 'kennisgraaf build' (see README)"
        ),
    )

    @field_validator("base_iri")
    @classmethod
    def _base(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")) or not v.endswith("/"):
            raise ValueError("the base IRI starts with http:// or https:// and ends with '/'")
        return v


class ExportSettings(BaseSettings):
    """``kennisgraaf export`` and the exports a build writes next to its release."""

    model_config = SettingsConfigDict(
        env_prefix="KENNISGRAAF_", env_ignore_empty=True, extra="ignore"
    )

    store: Path = Field(Path("store"), description="folder that holds the releases of the store")
    out: Path | None = Field(
        None, description="folder for the dumps (default: <store>/exports/<release>)"
    )
    base_iri: str = Field(CANONICAL_BASE, description="base of every IRI the project mints")
    public_url: str | None = Field(
        None, description="where the server is reached, for links in the catalogue (default: base)"
    )
    publisher_name: str = Field("Kennisgraaf", description="publisher named in the catalogue")
    contact_email: str | None = Field(None, description="contact e-mail named in the catalogue")
    contact_url: str | None = Field(
        None, description="contact web page in the catalogue (default: the public URL)"
    )
    license: str = Field(
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        description="licence IRI of the data (EU licence vocabulary)",
    )
    build_exports: bool = Field(True, description="write the exports during 'kennisgraaf build'")

    @field_validator("base_iri", "public_url")
    @classmethod
    def _base(cls, v: str | None) -> str | None:
        if v is not None and (not v.startswith(("http://", "https://")) or not v.endswith("/")):
            raise ValueError("the URL starts with http:// or https:// and ends with '/'")
        return v

    @property
    def url(self) -> str:
        return self.public_url or self.base_iri
