"""Serve settings: command-line options override ``KENNISGRAAF_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ontology.namespaces import CANONICAL_BASE


class ServeSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KENNISGRAAF_", env_ignore_empty=True, extra="ignore"
    )

    store: Path = Field(Path("store"), description="folder that holds the releases of the store")
    host: str = Field("127.0.0.1", description="interface to listen on")
    port: int = Field(8000, ge=1, le=65535, description="port to listen on")
    base_iri: str = Field(CANONICAL_BASE, description="base of every IRI the project mints")
    update_token: SecretStr | None = Field(
        None, description="bearer token for SPARQL Update and Graph Store writes; unset: no writes"
    )
    query_timeout: float = Field(
        30.0, gt=0, description="seconds before a query is stopped and answered 503"
    )
    query_workers: int = Field(
        2, ge=0, le=64, description="worker processes that run queries (0: in-process, no timeout)"
    )
    server_processes: int = Field(
        1,
        ge=1,
        le=64,
        description="server processes sharing the port, each with its own query workers; more "
        "than 1 only when writes are off (no update token)",
    )
    memory_quads: int = Field(
        2_000_000,
        ge=0,
        description="a release of at most this many quads is copied into each query worker's "
        "memory, where queries run up to six times faster (about 0.4 GB a million quads, per worker); "
        "0: workers read the store on disk",
    )
    built_lookups: bool = Field(
        True,
        description="answer lookups asked as SPARQL JSON from the answers the build wrote "
        "(false: every lookup is evaluated by the engine)",
    )
    query_queue: int = Field(
        64, ge=0, description="queries that may wait for a free worker before 503 Overloaded"
    )
    max_body: int = Field(
        16 * 1024 * 1024, ge=1024, description="largest request body in bytes (413 above it)"
    )
    page_cache_mb: int = Field(
        64, ge=0, description="MiB of rendered pages kept in memory per server process (0: none)"
    )
    response_cache_mb: int = Field(
        32,
        ge=0,
        description="MiB of whole page responses answered before the app (0: none)",
    )
    service_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="hosts a SERVICE clause may call (comma-separated); empty: SERVICE refused",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"], description="origins allowed to read by CORS"
    )
    metrics_dir: Path | None = Field(
        None,
        description="folder where the processes of one server share their /metrics figures "
        "(serve --processes makes one)",
    )

    @field_validator("service_allow", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, v: object) -> object:
        if isinstance(v, str):
            return [x.strip() for x in v.split(",") if x.strip()]
        return v

    @field_validator("server_processes")
    @classmethod
    def _processes(cls, v: int, info: ValidationInfo) -> int:
        if v > 1 and info.data.get("update_token") is not None:
            raise ValueError(
                "more than one server process needs writes off: only one process can open the "
                "store for writing; unset KENNISGRAAF_UPDATE_TOKEN, or serve with 1 process"
            )
        return v

    @field_validator("base_iri")
    @classmethod
    def _base(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")) or not v.endswith("/"):
            raise ValueError("the base IRI starts with http:// or https:// and ends with '/'")
        return v
