"""What changed between two releases: an RDF Patch and a JSON summary, written at build time.

    <store>/changes/<to>/<from>.rdfp.gz   RDF Patch (https://afs.github.io/rdf-patch/), gzip
    <store>/changes/<to>/<from>.json      per graph added/removed counts, the changed entities

``<from>`` is the release that was current when ``<to>`` was built. The patch turns the N-Quads
dump of ``<from>`` (``kennisgraaf.nq.gz``) into the dump of ``<to>``: ``D`` lines are quads to
remove, ``A`` lines quads to add, one transaction. Both sides are taken from the release's
N-Quads dump when there is one (that is the file partners hold), else from its store folder.

The difference is taken on N-Quads lines (pyoxigraph writes one quad per line, the same quad
always as the same line). Blank nodes keep their labels: the vocabulary gives them stable ones
(``ingest/vocab.py``), so an unchanged build gives an empty patch. Neither release is held in
memory: each one's lines are sorted on disk (``sorted_runs.SortedRuns``, an external merge sort
in runs of 16 MB), then one merge pass over the two sorted sequences writes the ``D`` lines
straight into the patch and the ``A`` lines to a file that follows them; the summary holds only
what changed. A second read of the sorted runs tells Create from Update from Delete for the
changed entities.

The folder sits beside ``exports/`` (not in it) so that ``kennisgraaf export`` rewriting a
release's exports does not lose its changes; folders whose release is gone are removed here.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Container, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import release
from .errors import BuildError
from .export import sha256_file
from .settings import ExportSettings
from .sorted_runs import SortedRuns

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


def _lines_of_dump(path: Path) -> Iterator[bytes]:
    with gzip.open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                yield line if line.endswith(b"\n") else line + b"\n"


def _lines_of_store(path: Path, folder: Path) -> Iterator[bytes]:
    """``Store.dump`` as N-Quads into a temporary file in ``folder``, then its lines."""
    store = ox.Store.read_only(str(path))
    fd, name = tempfile.mkstemp(prefix=".dump-", suffix=".nq", dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            store.dump(fh, format=ox.RdfFormat.N_QUADS)
        del store
        with open(tmp, "rb") as fh:
            yield from (line for line in fh if line.strip())
    finally:
        tmp.unlink(missing_ok=True)


def release_lines(
    store_root: Path, release_id: str, store_path: Path | None = None, folder: Path | None = None
) -> Iterator[bytes]:
    """The N-Quads lines of a release (any order): its dump if written, else its store folder."""
    dump = store_root / "exports" / release_id / DUMP
    if dump.is_file():
        return _lines_of_dump(dump)
    path = store_path or release.releases_dir(store_root) / release_id
    return _lines_of_store(path, folder or Path(tempfile.gettempdir()))


def sorted_lines(
    lines: Iterable[bytes], folder: Path | None = None, budget: int | None = None
) -> SortedRuns:
    """``lines`` sorted on disk, each once (``.merged()``); memory is one ``SortedRuns`` budget."""
    runs = SortedRuns(budget, folder)
    try:
        runs.extend(lines)
        runs.seal()
    except BaseException:
        runs.close()
        raise
    return runs


def _subject_key(line: bytes) -> bytes | None:
    """The entity a line is about as bytes: its subject IRI without fragment (None: blank node)."""
    if not line.startswith(b"<"):
        return None
    end = line.find(b">")
    return line[1:end].split(b"#", 1)[0] if end > 0 else None


def _subject(line: bytes) -> str | None:
    """The entity a line is about: its subject IRI without fragment (None for a blank node)."""
    key = _subject_key(line)
    return None if key is None else key.decode()


def _graph_names(lines: list[bytes]) -> list[str]:
    quads = ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS)
    return [q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "" for q in quads]


def merge_diff(old: Iterable[bytes], new: Iterable[bytes]) -> Iterator[tuple[str, bytes]]:
    """One pass over two sorted sequences of distinct lines: ``("removed" | "added", line)``.

    Lines come in byte order, so the removed lines and the added lines are each sorted.
    """
    a, b = iter(old), iter(new)
    x, y = next(a, None), next(b, None)
    while x is not None and y is not None:
        if x == y:
            x, y = next(a, None), next(b, None)
        elif x < y:
            yield "removed", x
            x = next(a, None)
        else:
            yield "added", y
            y = next(b, None)
    while x is not None:
        yield "removed", x
        x = next(a, None)
    while y is not None:
        yield "added", y
        y = next(b, None)


def diff(old: Iterable[bytes], new: Iterable[bytes]) -> tuple[list[bytes], list[bytes]]:
    """(removed, added) N-Quads lines, each sorted (in memory: for small inputs and tests)."""
    removed: list[bytes] = []
    added: list[bytes] = []
    for kind, line in merge_diff(sorted(set(old)), sorted(set(new))):
        (removed if kind == "removed" else added).append(line)
    return removed, added


class Summary:
    """Counts per graph and the changed entities, fed the changed lines one by one.

    Holds what changed (the entities and a batch of lines to parse), never the releases.
    """

    BATCH = 4096

    def __init__(self) -> None:
        self.counts = {"added": 0, "removed": 0}
        self.graphs: dict[str, dict[str, int]] = {}
        self.entity_graphs: dict[bytes, set[str]] = {}
        self._pending: dict[str, list[bytes]] = {"added": [], "removed": []}

    def add(self, kind: str, line: bytes) -> None:
        self.counts[kind] += 1
        pending = self._pending[kind]
        pending.append(line)
        if len(pending) >= self.BATCH:
            self._flush(kind)

    def _flush(self, kind: str) -> None:
        lines, self._pending[kind] = self._pending[kind], []
        for line, graph in zip(lines, _graph_names(lines), strict=True):
            counts = self.graphs.setdefault(graph, {"added": 0, "removed": 0})
            counts[kind] += 1
            entity = _subject_key(line)
            if entity is not None:
                self.entity_graphs.setdefault(entity, set()).add(graph)

    def result(self, old: Iterable[bytes], new: Iterable[bytes]) -> dict[str, Any]:
        """The summary; ``old`` and ``new`` (all lines of each release) tell Create from Update
        from Delete, and are read only when some entity changed."""
        for kind in self._pending:
            self._flush(kind)
        changed = self.entity_graphs
        before = _present(old, changed) if changed else set()
        after = _present(new, changed) if changed else set()
        entities = []
        for key in sorted(changed):
            change = "Update" if key in before and key in after else "Create"
            if key not in after:
                change = "Delete"
            iri = key.decode()
            entities.append({"iri": iri, "change": change, "graphs": sorted(changed[key])})
        return {
            "added": self.counts["added"],
            "removed": self.counts["removed"],
            "graphs": dict(sorted(self.graphs.items())),
            "entities": entities,
        }


def _present(lines: Iterable[bytes], wanted: Container[bytes]) -> set[bytes]:
    return {k for k in map(_subject_key, lines) if k is not None and k in wanted}


def summarise(
    old: Iterable[bytes], new: Iterable[bytes], removed: list[bytes], added: list[bytes]
) -> dict[str, Any]:
    """Counts per graph and the changed entities, each Create, Update or Delete."""
    summary = Summary()
    for kind, lines in (("removed", removed), ("added", added)):
        for line in lines:
            summary.add(kind, line)
    return summary.result(old, new)


def write_patch(
    path: Path, from_iri: str, to_iri: str, old: Iterable[bytes], new: Iterable[bytes]
) -> Summary:
    """Diff two sorted line sequences into the gzipped RDF Patch ``path`` in one merge pass.

    ``D`` lines go straight into the patch; ``A`` lines wait in a file beside it (they come after
    all ``D`` lines), so memory does not grow with either release or with the change.
    """
    summary = Summary()
    added_tmp = path.with_name(f".{path.name}.added-{os.getpid()}")
    try:
        with (
            open(path, "wb") as raw,
            open(added_tmp, "w+b") as added,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        ):
            gz.write(f"H id <{to_iri}> .\nH prev <{from_iri}> .\nTX .\n".encode())
            for kind, line in merge_diff(old, new):
                summary.add(kind, line)
                if kind == "removed":
                    gz.write(b"D " + line)
                else:
                    added.write(b"A " + line)
            added.seek(0)
            shutil.copyfileobj(added, gz, 1 << 20)
            gz.write(b"TC .\n")
    finally:
        added_tmp.unlink(missing_ok=True)
    return summary


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
    url = ExportSettings(store=store_root, base_iri=base_iri, out=None).url
    out = changes_dir(store_root) / new_id
    out.mkdir(parents=True, exist_ok=True)
    name = f"{old_id}.rdfp.gz"
    tmp = out / f".{name}.tmp-{os.getpid()}"
    old = sorted_lines(release_lines(store_root, old_id, current, out), out)
    try:
        new = sorted_lines(release_lines(store_root, new_id, new_path, out), out)
        try:
            found = write_patch(
                tmp, release_iri(url, old_id), release_iri(url, new_id), old.merged(), new.merged()
            )
            counts = found.result(old.merged(), new.merged())
        finally:
            new.close()
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise BuildError(
            f"de verschillen met release {old_id} konden niet worden geschreven ({err}); "
            f"de twee releases worden in {out} op schijf gesorteerd (ongeveer twee keer hun "
            "N-Quads): maak daar ruimte vrij en bouw opnieuw"
        ) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        old.close()
    summary: dict[str, Any] = {
        "from": {"id": old_id, "created": old_meta.get("created")},
        "to": {"id": new_id, "created": meta.get("created")},
        "patch": {
            "path": name,
            "media_type": PATCH_MEDIA_TYPE,
            "compression": "gzip",
            "bytes": tmp.stat().st_size,
            "sha256": sha256_file(tmp),
        },
        **counts,
    }
    os.replace(tmp, out / name)
    _write_atomic(out / f"{old_id}.json", (json.dumps(summary, indent=2) + "\n").encode())
    progress(
        f"{counts['removed']} quads verwijderd, {counts['added']} toegevoegd, "
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
