"""The memory and CPU time of a server and every process it started, read from ``/proc``.

A server here is a process tree: ``kennisgraaf serve --processes 2`` is a parent, its server
processes and their query workers; ``oxigraph serve`` is one process with threads. Memory is the
sum of the tree's PSS (proportional set size, ``/proc/<pid>/smaps_rollup``): a page shared by
several processes (the Python runtime, the memory-mapped search index, the store's files) counts
once over all of them, so the figure is what the server as a whole takes from the machine. Where
``smaps_rollup`` cannot be read, RSS (``VmRSS``) stands in, which counts shared pages in every
process.

:class:`MemorySampler` reads the tree's memory every quarter of a second in a thread, for the
peak under load; the benchmarks report it at the start (ready, before any request), its peak
and at the end of the run.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

EVERY_S = 0.25


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it (children of each of its threads, recursively)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            tasks = list(Path(f"/proc/{p}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
    return out


def memory_kb(pid: int) -> int:
    """The PSS of one process in kB (its RSS where PSS cannot be read; 0 when it is gone)."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return 0


def tree_memory_mb(pid: int) -> float:
    return sum(memory_kb(p) for p in tree(pid)) / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU time (user + system) of ``pid`` and every process below it."""
    ticks = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """The memory of a process tree at the start, its peak while running, and at the end."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ready = tree_memory_mb(pid)
        self.peak = self.ready
        self._stop = threading.Event()
        self._on = threading.Event()
        self._on.set()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """No samples until :meth:`resume`: while the server waits for its turn (its memory
        does not grow without requests), so that reading ``/proc`` of several servers at once
        takes no CPU from the one being measured."""
        self._on.clear()

    def resume(self) -> None:
        self._on.set()

    def _run(self) -> None:
        while not self._stop.wait(EVERY_S):
            if self._on.is_set():
                self.peak = max(self.peak, tree_memory_mb(self.pid))

    def stop(self) -> dict[str, Any]:
        """Stops sampling (before the server is stopped) and gives the figures in MB."""
        end = tree_memory_mb(self.pid)
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, end)
        return {
            "ready_mb": round(self.ready, 1),
            "peak_mb": round(self.peak, 1),
            "end_mb": round(end, 1),
            "processes": len(tree(self.pid)),
        }


def memory_table(
    size_label: str, servers: dict[str, tuple[str, dict[str, Any] | None]]
) -> list[str]:
    """Markdown lines: the memory of each server (title, its ``memory`` result) in a run."""
    lines = [
        f"**{size_label} triples, memory** (PSS of all the server's processes, MB; ready = "
        "started, before the first timed request; for Kennisgraaf's endpoint, once its query "
        "workers answer from their copies in memory)",
        "",
        "| server | processes | ready | peak | end |",
        "|---|---:|---:|---:|---:|",
    ]
    for title, memory in servers.values():
        if memory:
            lines.append(
                f"| {title} | {memory['processes']} | {memory['ready_mb']:.0f} "
                f"| {memory['peak_mb']:.0f} | {memory['end_mb']:.0f} |"
            )
    return [*lines, ""]
