"""Write the dumps of a release: every RDF format, gzip-compressed, plus manifest, catalogue, VoID.

    <store>/exports/<release>/
        kennisgraaf.nq.gz  kennisgraaf.trig.gz            the whole dataset, named graphs kept
        kennisgraaf.nt.gz  .ttl.gz  .jsonld.gz  .rdf.gz    the union of all graphs (triples)
        graaf-<graph>.<ext>.gz                            each named graph, in every format
        catalog.ttl  void.ttl                             DCAT-AP 3 catalogue, VoID description
        manifest.json  SHA256SUMS                         path, media type, bytes, SHA-256, triples

Everything is written by pyoxigraph's own serialisers straight into gzip streams, so memory
stays flat. The folder is written under a temporary name and renamed into place at the end: a
reader sees either the complete old export or the complete new one. Export folders whose
release has been pruned are removed at the next export.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ontology.namespaces import prefixes

from . import release
from .errors import BuildError
from .settings import ExportSettings

MANIFEST = "manifest.json"
CATALOG = "catalog.ttl"
VOID = "void.ttl"
DATASET_NAME = "kennisgraaf"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Format:
    ext: str
    rdf: ox.RdfFormat
    media_type: str
    file_type: str  # EU file-type authority code
    label: str

    @property
    def dataset(self) -> bool:
        return self.ext in ("nq", "trig")


FORMATS: tuple[Format, ...] = (
    Format("nq", ox.RdfFormat.N_QUADS, "application/n-quads", "RDF_N_QUADS", "N-Quads"),
    Format("trig", ox.RdfFormat.TRIG, "application/trig", "RDF_TRIG", "TriG"),
    Format("nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", "RDF_N_TRIPLES", "N-Triples"),
    Format("ttl", ox.RdfFormat.TURTLE, "text/turtle", "RDF_TURTLE", "Turtle"),
    Format("jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", "JSON_LD", "JSON-LD"),
    Format("rdf", ox.RdfFormat.RDF_XML, "application/rdf+xml", "RDF_XML", "RDF/XML"),
)
FORMATS_BY_EXT = {f.ext: f for f in FORMATS}

UNION = """
CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }
"""
UNION_COUNT = """
SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }
"""

Progress = Callable[[str], None]


def _quiet(_msg: str) -> None:
    return None


@dataclass
class FileEntry:
    path: str
    media_type: str
    format: str
    compression: str | None
    bytes: int
    sha256: str
    triples: int | None
    graph: str | None  # None: the whole dataset (nq/trig) or the union (triple formats)


class _Counting:
    """A binary sink that hashes and counts what passes through to ``raw``."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> int:
        self.sha.update(chunk)
        self.size += len(chunk)
        return int(self.raw.write(chunk))

    def flush(self) -> None:
        self.raw.flush()


def graph_slug(graph: str, base: str) -> str:
    """``{base}graph/bron/ror`` -> ``bron-ror``; any other IRI -> a short hash."""
    prefix = base + "graph/"
    if graph.startswith(prefix):
        rest = graph[len(prefix) :]
        slug = "".join(c if c.isalnum() or c == "-" else "-" for c in rest.lower()).strip("-")
        if slug and len(slug) <= 120:
            return slug
    return "iri-" + hashlib.sha1(graph.encode()).hexdigest()[:12]


def file_name(stem: str, fmt: Format) -> str:
    return f"{stem}.{fmt.ext}.gz"


def _write_gz(path: Path, write: Callable[[Any], None]) -> tuple[int, str]:
    with open(path, "wb") as raw:
        counting = _Counting(raw)
        # mtime=0 and no file name: the same content gives the same bytes and checksum
        with gzip.GzipFile(filename="", mode="wb", fileobj=counting, mtime=0) as gz:
            write(gz)
    return counting.size, counting.sha.hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _count(store: ox.Store, query: str) -> int:
    res = store.query(query)
    assert isinstance(res, ox.QuerySolutions)
    for row in res:
        return int(row[0].value)
    return 0


def named_graphs(store: ox.Store) -> list[ox.NamedNode]:
    return sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=str)


def write_dumps(
    store: ox.Store, out: Path, base: str, progress: Progress = _quiet
) -> list[FileEntry]:
    pre = prefixes(base)
    entries: list[FileEntry] = []
    quads = len(store)
    union_triples = _count(store, UNION_COUNT)
    for fmt in FORMATS:
        name = file_name(DATASET_NAME, fmt)
        progress(f"schrijven van {name} ...")
        if fmt.dataset:

            def dump_all(gz: Any, fmt: Format = fmt) -> None:
                store.dump(gz, format=fmt.rdf, prefixes=pre)

            size, sha = _write_gz(out / name, dump_all)
            count = quads
        else:

            def dump_union(gz: Any, fmt: Format = fmt) -> None:
                res = store.query(UNION)
                assert isinstance(res, ox.QueryTriples)
                res.serialize(gz, format=fmt.rdf)

            size, sha = _write_gz(out / name, dump_union)
            count = union_triples
        entries.append(FileEntry(name, fmt.media_type, fmt.ext, "gzip", size, sha, count, None))
    for graph in named_graphs(store):
        slug = graph_slug(graph.value, base)
        count = _count(
            store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
        )
        for fmt in FORMATS:
            name = file_name(f"graaf-{slug}", fmt)

            def dump_graph(gz: Any, fmt: Format = fmt, graph: ox.NamedNode = graph) -> None:
                if fmt.dataset:  # keep the graph name: dump only that graph's quads
                    ox.serialize(
                        store.quads_for_pattern(None, None, None, graph),
                        gz,
                        format=fmt.rdf,
                        prefixes=pre,
                    )
                else:
                    store.dump(gz, format=fmt.rdf, from_graph=graph, prefixes=pre)

            size, sha = _write_gz(out / name, dump_graph)
            entries.append(
                FileEntry(name, fmt.media_type, fmt.ext, "gzip", size, sha, count, graph.value)
            )
    return entries


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
    try:
        files = write_dumps(store, tmp, base, progress)
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
        write_void(store, tmp / VOID, manifest, settings)
        manifest["files"] += [
            asdict(_plain_entry(tmp, CATALOG, "text/turtle", "ttl")),
            asdict(_plain_entry(tmp, VOID, "text/turtle", "ttl")),
        ]
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        (tmp / "SHA256SUMS").write_text(
            "".join(f"{f['sha256']}  {f['path']}\n" for f in manifest["files"])
        )
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
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
