"""Releases: every build writes a new store directory; a symlink switch makes it current.

    <store>/releases/<id>/        an Oxigraph store, never written after the build
    <store>/releases/<id>.json    what the release holds (id, time, triples, checksum)
    <store>/current -> releases/<id>

The switch is one ``rename`` of a symlink, so a reader sees either the old or the new release,
never a half-loaded one. A failed build removes its directory and leaves ``current`` alone.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import BuildError


def releases_dir(root: Path) -> Path:
    return root / "releases"


def current_release(root: Path) -> Path | None:
    link = root / "current"
    if not link.exists():
        return None
    return link.resolve()


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"er loopt al een build op {root}; wacht tot die klaar is en probeer het opnieuw"
            ) from None
        yield


def new_build_dir(root: Path) -> Path:
    rel = releases_dir(root)
    rel.mkdir(parents=True, exist_ok=True)
    path = rel / f".building-{os.getpid()}"
    if path.exists():
        shutil.rmtree(path)
    return path


def publish(root: Path, build_dir: Path, release_id: str, meta: dict[str, Any], keep: int) -> Path:
    final = releases_dir(root) / release_id
    if final.exists():
        shutil.rmtree(final)
    build_dir.rename(final)
    (releases_dir(root) / f"{release_id}.json").write_text(json.dumps(meta, indent=2) + "\n")
    tmp_link = root / "current.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(Path("releases") / release_id)
    os.replace(tmp_link, root / "current")
    prune(root, keep)
    return final


def list_releases(root: Path) -> list[dict[str, Any]]:
    rel = releases_dir(root)
    if not rel.is_dir():
        return []
    found = []
    for meta in rel.glob("*.json"):
        if (rel / meta.stem).is_dir():
            found.append((meta.stat().st_mtime_ns, json.loads(meta.read_text())))
    return [m for _t, m in sorted(found, key=lambda x: (x[0], x[1]["id"]))]


def prune(root: Path, keep: int) -> None:
    current = current_release(root)
    releases = list_releases(root)
    for meta in releases[: max(0, len(releases) - keep)]:
        path = releases_dir(root) / meta["id"]
        if current is not None and path.resolve() == current:
            continue
        shutil.rmtree(path, ignore_errors=True)
        (releases_dir(root) / f"{meta['id']}.json").unlink(missing_ok=True)


def discard(build_dir: Path) -> None:
    shutil.rmtree(build_dir, ignore_errors=True)
