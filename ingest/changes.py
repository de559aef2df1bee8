"""What changed between two releases: an RDF Patch and a JSON summary, written at build time.

    <store>/changes/<to>/<from>.rdfp.gz   RDF Patch (https://afs.github.io/rdf-patch/), gzip
    <store>/changes/<to>/<from>.json      per graph added/removed counts, the changed entities

``<from>`` is the release that was current when ``<to>`` was built. The patch turns the N-Quads
dump of ``<from>`` (``kennisgraaf.nq.gz``) into the dump of ``<to>``: ``D`` lines are quads to
remove, ``A`` lines quads to add, one transaction. Both sides are taken from the release's
N-Quads dump when there is one (that is the file partners hold), else from its store folder.

The difference is taken on N-Quads lines (pyoxigraph writes one quad per line, the same quad
always as the same line). Blank nodes keep their labels: the vocabulary gives them stable ones
(``ingest/vocab.py``), so an unchanged build gives an empty patch. Both dumps are held as sets
of lines in memory: fine up to a few million quads (about 300 bytes a quad); beyond that, sort
the two dumps on disk and merge them line by line instead.

The folder sits beside ``exports/`` (not in it) so that ``kennisgraaf export`` rewriting a
release's exports does not lose its changes; folders whose release is gone are removed here.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import release
from .settings import ExportSettings

DUMP = "kennisgraaf.nq.gz"
PATCH_MEDIA_TYPE = "application/rdf-patch"
DEFAULT_GRAPH = ""  # key of the default graph in the summary

Progress = Callable[[str], None]


def _quiet(_msg: str) -> None:
    return None


def changes_dir(store_root: Path) -> Path:
    return store_root / "changes"


def release_iri(url: str, release_id: str) -> str:
    """The IRI that names a release in patch headers: ``{public_url}changes/<id>``."""
    return f"{url}changes/{release_id}"


def _lines_of_dump(path: Path) -> set[bytes]:
    with gzip.open(path, "rb") as fh:
        return {line if line.endswith(b"\n") else line + b"\n" for line in fh if line.strip()}


def _lines_of_store(path: Path) -> set[bytes]:
    store = ox.Store.read_only(str(path))
    try:
        buf = io.BytesIO()
        store.dump(buf, format=ox.RdfFormat.N_QUADS)
    finally:
        del store
    return {line for line in buf.getvalue().splitlines(keepends=True) if line.strip()}


def release_lines(store_root: Path, release_id: str, store_path: Path | None = None) -> set[bytes]:
    """The N-Quads lines of a release: its dump if written, else its store folder."""
    dump = store_root / "exports" / release_id / DUMP
    if dump.is_file():
        return _lines_of_dump(dump)
    return _lines_of_store(store_path or release.releases_dir(store_root) / release_id)


def _subject(line: bytes) -> str | None:
    """The entity a line is about: its subject IRI without fragment (None for a blank node)."""
    if not line.startswith(b"<"):
        return None
    end = line.find(b">")
    return line[1:end].decode().split("#", 1)[0] if end > 0 else None


def _graph_names(lines: list[bytes]) -> list[str]:
    quads = ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS)
    return [q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "" for q in quads]


def diff(old: set[bytes], new: set[bytes]) -> tuple[list[bytes], list[bytes]]:
    """(removed, added) N-Quads lines, each sorted."""
    return sorted(old - new), sorted(new - old)


def summarise(
    old: set[bytes], new: set[bytes], removed: list[bytes], added: list[bytes]
) -> dict[str, Any]:
    """Counts per graph and the changed entities, each Create, Update or Delete."""
    graphs: dict[str, dict[str, int]] = {}
    entity_graphs: dict[str, set[str]] = {}
    for kind, lines in (("removed", removed), ("added", added)):
        for line, graph in zip(lines, _graph_names(lines), strict=True):
            counts = graphs.setdefault(graph, {"added": 0, "removed": 0})
            counts[kind] += 1
            entity = _subject(line)
            if entity is not None:
                entity_graphs.setdefault(entity, set()).add(graph)
    before = {e for e in map(_subject, old) if e in entity_graphs}
    after = {e for e in map(_subject, new) if e in entity_graphs}
    entities = []
    for iri in sorted(entity_graphs):
        change = "Update" if iri in before and iri in after else "Create"
        if iri not in after:
            change = "Delete"
        entities.append({"iri": iri, "change": change, "graphs": sorted(entity_graphs[iri])})
    return {
        "added": len(added),
        "removed": len(removed),
        "graphs": dict(sorted(graphs.items())),
        "entities": entities,
    }


def patch_lines(
    from_iri: str, to_iri: str, removed: Iterable[bytes], added: Iterable[bytes]
) -> Iterable[bytes]:
    """An RDF Patch: header (``id`` the new release, ``prev`` the old one), one transaction."""
    yield f"H id <{to_iri}> .\n".encode()
    yield f"H prev <{from_iri}> .\n".encode()
    yield b"TX .\n"
    for line in removed:
        yield b"D " + line
    for line in added:
        yield b"A " + line
    yield b"TC .\n"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_changes(
    store_root: Path,
    new_path: Path,
    meta: dict[str, Any],
    base_iri: str,
    progress: Progress = _quiet,
) -> dict[str, Any] | None:
    """Diff the current release against the one about to be published (``new_path``).

    Call after the exports of the new release are written and before it is published. Returns
    the summary, or None when there is no earlier release to compare with.
    """
    new_id = str(meta["id"])
    prune_changes(store_root, keep=new_id)
    current = release.current_release(store_root)
    if current is None or not current.is_dir() or current.name == new_id:
        return None
    old_id = current.name
    progress(f"verschillen met release {old_id} berekenen ...")
    old_meta_file = current.with_suffix(".json")
    old_meta: dict[str, Any] = {}
    if old_meta_file.is_file():
        old_meta = json.loads(old_meta_file.read_text())
    if "created" not in old_meta:
        mtime = dt.datetime.fromtimestamp(current.stat().st_mtime, dt.UTC).replace(microsecond=0)
        old_meta["created"] = mtime.isoformat().replace("+00:00", "Z")
    old = release_lines(store_root, old_id, current)
    new = release_lines(store_root, new_id, new_path)
    removed, added = diff(old, new)
    url = ExportSettings(store=store_root, base_iri=base_iri, out=None).url
    body = b"".join(patch_lines(release_iri(url, old_id), release_iri(url, new_id), removed, added))
    packed = gzip.compress(body, mtime=0)
    out = changes_dir(store_root) / new_id
    out.mkdir(parents=True, exist_ok=True)
    name = f"{old_id}.rdfp.gz"
    summary: dict[str, Any] = {
        "from": {"id": old_id, "created": old_meta.get("created")},
        "to": {"id": new_id, "created": meta.get("created")},
        "patch": {
            "path": name,
            "media_type": PATCH_MEDIA_TYPE,
            "compression": "gzip",
            "bytes": len(packed),
            "sha256": hashlib.sha256(packed).hexdigest(),
        },
        **summarise(old, new, removed, added),
    }
    _write_atomic(out / name, packed)
    _write_atomic(out / f"{old_id}.json", (json.dumps(summary, indent=2) + "\n").encode())
    progress(
        f"{len(removed)} quads verwijderd, {len(added)} toegevoegd, "
        f"{len(summary['entities'])} entiteiten gewijzigd sinds {old_id}"
    )
    return summary


def prune_changes(store_root: Path, keep: str | None = None) -> None:
    """Remove change folders whose release is gone (pruned or failed); ``keep`` is spared."""
    root = changes_dir(store_root)
    if not root.is_dir():
        return
    releases = release.releases_dir(store_root)
    for path in root.iterdir():
        if path.is_dir() and path.name != keep and not (releases / path.name).is_dir():
            shutil.rmtree(path, ignore_errors=True)
