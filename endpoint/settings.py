"""Serve settings: command-line options override ``KENNISGRAAF_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ontology.namespaces import CANONICAL_BASE


class ServeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KENNISGRAAF_", env_ignore_empty=True, extra="ignore"
    )

    store: Path = Field(Path("store"), description="folder that holds the releases of the store")
    host: str = Field("127.0.0.1", description="interface to listen on")
    port: int = Field(8000, ge=1, le=65535, description="port to listen on")
    base_iri: str = Field(CANONICAL_BASE, description="base of every IRI the project mints")

    @field_validator("base_iri")
    @classmethod
    def _base(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")) or not v.endswith("/"):
            raise ValueError("the base IRI starts with http:// or https:// and ends with '/'")
        return v
