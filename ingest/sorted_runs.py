"""Sort many lines in bounded memory: an external merge sort on disk.

``SortedRuns`` takes lines (bytes ending in ``\\n``), keeps up to ``budget`` bytes of them, and
when that is full writes them sorted and without repeats to a run file in a temporary folder.
``merged()`` then yields every distinct line once, in byte order, by merging the runs
(``heapq.merge``); memory is one budget plus a buffer per run, whatever the number of lines.
Used for the distinct objects of VoID (``export_union``) and the diff of two releases
(``changes``).
"""

from __future__ import annotations

import heapq
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

BUDGET = 16 * 2**20  # bytes of lines held before a run is written
READ_BUFFER = 1 << 16


class SortedRuns:
    def __init__(self, budget: int | None = None, folder: Path | None = None) -> None:
        self.budget = budget or BUDGET
        self._dir = Path(tempfile.mkdtemp(prefix="kg-sort-", dir=folder))
        self._runs: list[Path] = []
        self._lines: list[bytes] = []
        self._held = 0

    def add(self, line: bytes) -> None:
        self._lines.append(line)
        self._held += len(line)
        if self._held >= self.budget:
            self._spill()

    def extend(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.add(line)

    def _spill(self) -> None:
        path = self._dir / f"run-{len(self._runs):05d}"
        with open(path, "wb") as fh:
            fh.writelines(_distinct(sorted(self._lines)))
        self._runs.append(path)
        self._lines, self._held = [], 0

    def seal(self) -> None:
        """Write what is held to a run too: nothing more is added, memory is given back."""
        if self._lines:
            self._spill()

    def merged(self) -> Iterator[bytes]:
        """Every distinct line added, once, in byte order (can be read more than once)."""
        tail = sorted(self._lines)
        files = [open(p, "rb", buffering=READ_BUFFER) for p in self._runs]  # noqa: SIM115
        try:
            yield from _distinct(heapq.merge(*files, tail))
        finally:
            for fh in files:
                fh.close()

    def count(self) -> int:
        """How many distinct lines were added."""
        return sum(1 for _ in self.merged())

    def close(self) -> None:
        self._lines = []
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SortedRuns:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


def _distinct(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Sorted lines without repeats."""
    last = None
    for line in lines:
        if line != last:
            yield line
            last = line
