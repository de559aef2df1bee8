"""Write the dumps of a release: every RDF format, gzip-compressed, plus manifest, catalogue, VoID.

    <store>/exports/<release>/
        kennisgraaf.nq.gz  kennisgraaf.trig.gz            the whole dataset, named graphs kept
        kennisgraaf.nt.gz  .ttl.gz  .jsonld.gz  .rdf.gz    the union of all graphs (triples)
        graaf-<graph>.<ext>.gz                            each named graph, in every format
        kennisgraaf.context.jsonld                        the @context of the JSON-LD dumps
        catalog.ttl  void.ttl                             DCAT-AP 3 catalogue, VoID description
        manifest.json  SHA256SUMS                         path, media type, bytes, SHA-256, triples

The dumps are written in one pass over the store by pyoxigraph's own serialisers straight into
gzip streams (``export_dumps``), so their memory stays flat; the same pass gathers the counts of
VoID (``export_union.UnionStats``), so the export reads the store once and holds no triples. The
folder is written under a temporary name and renamed into place at the end: a reader sees either
the complete old export or the complete new one. Export folders whose release has been pruned are
removed at the next export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import release
from .errors import BuildError
from .export_dumps import write_context, write_dumps
from .export_formats import (
    CONTEXT,
    CONTEXT_FORMAT,
    DATASET_NAME,
    EU_FILE_TYPE,
    FORMATS,
    FORMATS_BY_EXT,
    FileEntry,
    Format,
    file_name,
    graph_slug,
)
from .export_union import UnionStats
from .settings import ExportSettings

__all__ = [
    "CONTEXT",
    "DATASET_NAME",
    "EU_FILE_TYPE",
    "FORMATS",
    "FORMATS_BY_EXT",
    "FileEntry",
    "Format",
    "export_current",
    "export_release",
    "file_name",
    "graph_slug",
    "prune_exports",
    "write_dumps",
    "write_export",
]

MANIFEST = "manifest.json"
CATALOG = "catalog.ttl"
VOID = "void.ttl"

Progress = Callable[[str], None]


def _quiet(_msg: str) -> None:
    return None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _plain_entry(out: Path, name: str, media_type: str, fmt: str) -> FileEntry:
    path = out / name
    return FileEntry(
        name, media_type, fmt, None, path.stat().st_size, sha256_file(path), None, None
    )


def write_export(
    store: ox.Store,
    out: Path,
    meta: dict[str, Any],
    settings: ExportSettings,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Write dumps, catalogue, VoID and manifest of ``store`` into ``out`` (atomically)."""
    from .catalog import write_catalog
    from .void import write_void

    base = settings.base_iri
    out = out.absolute()
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise BuildError(
            f"de map {out} is niet leeg en bevat geen eerdere export; "
            "kies een lege of nieuwe map met --out"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    stats = UnionStats(base + "id/", out.parent)
    try:
        files = write_dumps(store, tmp, base, progress, stats=stats)
        write_context(tmp, base)
        manifest: dict[str, Any] = {
            "release": meta.get("id"),
            "created": meta.get("created"),
            "base_iri": base,
            "public_url": settings.url,
            "quads": len(store),
            "files": [asdict(f) for f in files],
        }
        progress("schrijven van catalog.ttl en void.ttl ...")
        write_catalog(store, tmp / CATALOG, manifest, settings)
        write_void(store, tmp / VOID, manifest, settings, stats)
        manifest["files"] += [
            asdict(_plain_entry(tmp, CATALOG, "text/turtle", "ttl")),
            asdict(_plain_entry(tmp, VOID, "text/turtle", "ttl")),
            asdict(_plain_entry(tmp, CONTEXT, "application/ld+json", CONTEXT_FORMAT)),
        ]
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        (tmp / "SHA256SUMS").write_text(
            "".join(f"{f['sha256']}  {f['path']}\n" for f in manifest["files"])
        )
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        stats.close()
    return manifest


def _swap_in(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def exports_dir(store_root: Path) -> Path:
    return store_root / "exports"


def prune_exports(store_root: Path, keep: str | None = None) -> None:
    """Remove export folders whose release is gone (pruned or failed); ``keep`` is spared."""
    root = exports_dir(store_root)
    if not root.is_dir():
        return
    releases = release.releases_dir(store_root)
    for path in root.iterdir():
        if path.name.startswith("."):
            continue
        if path.is_dir() and path.name != keep and not (releases / path.name).is_dir():
            shutil.rmtree(path, ignore_errors=True)


def export_release(
    release_path: Path, meta: dict[str, Any], settings: ExportSettings, progress: Progress = _quiet
) -> dict[str, Any]:
    """Exports of a store folder that is closed (a release, or a build about to be published)."""
    store = ox.Store.read_only(str(release_path))
    try:
        out = settings.out or exports_dir(settings.store) / str(meta["id"])
        return write_export(store, out, meta, settings, progress)
    finally:
        del store


def export_current(settings: ExportSettings, progress: Progress = _quiet) -> dict[str, Any]:
    """``kennisgraaf export``: the exports of ``<store>/current``."""
    current = release.current_release(settings.store)
    if current is None or not current.is_dir():
        raise BuildError(
            f"er is geen release in {settings.store}; "
            "maak er eerst een met 'kennisgraaf build' of geef de juiste --store"
        )
    meta_file = current.with_suffix(".json")
    meta: dict[str, Any] = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    meta.setdefault("id", current.name)
    if "created" not in meta:
        mtime = dt.datetime.fromtimestamp(current.stat().st_mtime, dt.UTC).replace(microsecond=0)
        meta["created"] = mtime.isoformat().replace("+00:00", "Z")
    manifest = export_release(current, meta, settings, progress)
    if settings.out is None:
        prune_exports(settings.store)
    return manifest
