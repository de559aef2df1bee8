"""What went wrong in the data, where, and how to fix it.

IngestError                 base: a failure the user can act on (exit code 1 or 2)
├── DataError               the data has problems; carries a list of Problem (exit 1)
└── BuildError              the build could not run: missing folder, store in use (exit 2)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str
    hint: str = ""

    def render(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = []
        if self.record:
            parts.append(f"record '{self.record}'")
        if self.field:
            parts.append(f"veld '{self.field}'")
        head = f"{where}: " + (", ".join(parts) + ": " if parts else "") + self.message
        return head + (f"\n    oplossing: {self.hint}" if self.hint else "")


class IngestError(Exception):
    exit_code = 2


class DataError(IngestError):
    exit_code = 1

    def __init__(self, problems: list[Problem], stage: str) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.message))
        self.stage = stage
        super().__init__(f"{len(self.problems)} problem(s) in {stage}")

    def render(self) -> str:
        n = len(self.problems)
        head = f"{n} {'probleem' if n == 1 else 'problemen'} gevonden ({self.stage}):"
        body = "\n".join(p.render() for p in self.problems)
        tail = "Er is niets geladen; de bestaande store is ongewijzigd."
        return f"{head}\n{body}\n{tail}"


class BuildError(IngestError):
    exit_code = 2
