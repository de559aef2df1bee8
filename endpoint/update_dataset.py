"""The SPARQL 1.1 Protocol's ``using-graph-uri`` / ``using-named-graph-uri`` for updates.

pyoxigraph's ``Store.update`` takes no dataset, so the parameters become ``USING <g>`` and
``USING NAMED <g>`` clauses in front of the ``WHERE`` of every ``DELETE/INSERT ... WHERE``
operation, which is what they mean (SPARQL 1.1 Protocol 2.2.3). ``DELETE WHERE { P }`` is
written as ``DELETE { P } USING ... WHERE { P }``. An update that sets its own dataset (``USING``
or ``WITH``) together with the parameters is refused, as the protocol requires.

Only IRIs go into the text, each checked and written by ``pyoxigraph.NamedNode``. The update
is read by a small lexer that knows strings, IRIs, comments and braces, so a ``WHERE`` inside a
string or a sub-query is left alone. Insertions do not add lines; ``original_position`` maps a
parser position in the rewritten text back to the text the client sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<word>[^\s{}()<>"'\#,;\[\]]+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class DatasetConflict(ValueError):
    """The update sets its own dataset (USING/WITH) and the request sets one too."""


@dataclass
class Token:
    kind: str
    text: str
    start: int
    depth: int  # brace depth before the token


def tokens(update: str) -> list[Token]:
    out = []
    depth = 0
    for m in _TOKEN.finditer(update):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start(), depth))
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
    return out


def _is(tok: Token | None, word: str) -> bool:
    return tok is not None and tok.kind == "word" and tok.text.upper() == word


@dataclass
class Rewritten:
    text: str
    # (offset in the client's text, inserted text), in order
    inserts: list[tuple[int, str]] = field(default_factory=list)

    def original_offset(self, offset: int) -> int:
        """The offset in the client's text of ``offset`` in ``self.text`` (a place inside an
        insertion maps to where the insertion was made)."""
        shift = 0
        for at, added in self.inserts:
            start = at + shift
            if offset < start:
                break
            if offset < start + len(added):
                return at
            shift += len(added)
        return offset - shift

    def original_position(self, line: int, column: int) -> tuple[int, int]:
        """(line, column), 1-based, in the client's text for a position in ``self.text``."""
        lines = self.text.split("\n")
        if line < 1 or line > len(lines):
            return line, column
        offset = sum(len(x) + 1 for x in lines[: line - 1]) + column - 1
        orig = self.original_offset(offset)
        before = self.original[:orig]
        return before.count("\n") + 1, orig - (before.rfind("\n") + 1) + 1

    @property
    def original(self) -> str:
        parts, last, shift = [], 0, 0
        for at, added in self.inserts:
            parts.append(self.text[last : at + shift])
            last = at + shift + len(added)
            shift += len(added)
        parts.append(self.text[last:])
        return "".join(parts)


def with_dataset(
    update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]
) -> Rewritten:
    """``update`` with the protocol dataset applied to each of its DELETE/INSERT operations.
    Raises ``ValueError`` for a graph that is not an absolute IRI, ``DatasetConflict`` when the
    update has its own USING or WITH."""
    if not default_graphs and not named_graphs:
        return Rewritten(update)
    using = " ".join(
        [f"USING {ox.NamedNode(g)}" for g in default_graphs]
        + [f"USING NAMED {ox.NamedNode(g)}" for g in named_graphs]
    )
    toks = tokens(update)
    for t in toks:
        if t.depth == 0 and (_is(t, "USING") or _is(t, "WITH")):
            raise DatasetConflict(
                f"the update has its own {t.text.upper()} clause and the request has "
                "using-graph-uri or using-named-graph-uri too"
            )
    inserts: list[tuple[int, str]] = []
    for i, t in enumerate(toks):
        if t.depth != 0 or not _is(t, "WHERE"):
            continue
        if i > 0 and _is(toks[i - 1], "DELETE"):
            # DELETE WHERE { P }  ->  DELETE { P } USING ... WHERE { P }
            pattern = _group(toks, i + 1)
            if pattern is not None:  # else malformed: the parser will say where
                inserts.append((t.start, f"{pattern} {using} "))
        else:
            inserts.append((t.start, f"{using} "))
    out, last = [], 0
    for at, added in inserts:
        out += [update[last:at], added]
        last = at
    out.append(update[last:])
    return Rewritten("".join(out), inserts)


def _group(toks: list[Token], i: int) -> str | None:
    """The brace group that starts at token ``i``, rebuilt from its tokens (no comments)."""
    if i >= len(toks) or toks[i].kind != "open":
        return None
    depth = toks[i].depth
    for j in range(i + 1, len(toks)):
        if toks[j].kind == "close" and toks[j].depth == depth + 1:
            return " ".join(t.text for t in toks[i : j + 1])
    return None
