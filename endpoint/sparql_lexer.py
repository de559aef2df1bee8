"""A small SPARQL tokenizer, enough to find what a query asks the server to call (``SERVICE``).

``tokenize`` splits a query into tokens and skips whitespace and comments (``#`` to the end of
the line, outside IRIs and strings). It knows IRIs (``<...>``, with ``\\u`` escapes), the four
forms of string literals, variables, blank-node labels, prefixed names, numbers, language tags,
words (keywords, function names) and punctuation. It does not check the grammar.

``service_targets`` finds every ``SERVICE [SILENT] target {`` and resolves the target: IRIs
against ``BASE``, prefixed names against ``PREFIX``. It matches what pyoxigraph 0.5.13 accepts,
which is more than the grammar: its parser finds keywords without word boundaries
(``trueSERVICE <x> {}``, ``SERVICESILENT<x>{}`` and ``SERVICE:x {}`` all call a service, and
``PREFIXex: <x>`` declares ``ex:``). So the search is for the letters ``service`` anywhere outside
IRIs, strings, comments and variable names, and a prefix counts with every namespace any
declaration could give it. When in doubt it reports a target as ``unresolved``, which the caller
refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

TokenKind = Literal[
    "iri", "string", "var", "bnode", "pname", "langtag", "number", "word", "punct", "error"
]

_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = f"{_BASE_CHARS}_"
_PN_CHARS = f"{_PN_CHARS_U}\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = f"[{_BASE_CHARS}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

_RULES: list[tuple[TokenKind, re.Pattern[str]]] = [
    ("string", re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.S)),
    ("string", re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''", re.S)),
    ("string", re.compile(r'"(?:[^"\\\n\r]|\\.)*"')),
    ("string", re.compile(r"'(?:[^'\\\n\r]|\\.)*'")),
    ("iri", re.compile(rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>")),
    ("var", re.compile(rf"[?$]{_VARNAME}")),
    ("bnode", re.compile(rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?")),
    ("langtag", re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")),
    ("number", re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")),
    ("pname", re.compile(rf"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?")),
    ("word", re.compile(r"\w+")),
    ("punct", re.compile(r"\^\^|&&|\|\||!=|<=|>=|<<|>>|\{\||\|\}|\S")),
]
_SPACE = re.compile(r"(?:\s+|#[^\n\r]*)+")
_UCHAR_RE = re.compile(_UCHAR)
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_SERVICE = re.compile("service", re.I)
_SILENT = re.compile("silent", re.I)
_PREFIX_WORD = re.compile("prefix", re.I)


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    start: int  # offset in the query
    end: int

    def upper(self) -> str:
        return self.text.upper()


def skip_space(text: str, pos: int) -> int:
    """The offset of the first character at or after ``pos`` that is not space or comment."""
    m = _SPACE.match(text, pos)
    return m.end() if m else pos


def tokenize(text: str, pos: int = 0) -> Iterator[Token]:
    """The tokens of ``text`` from ``pos`` on. A quote that opens no valid string (for example one
    that is not closed on its line) is an ``error`` token of one character; lexing goes on after
    it, so nothing behind a broken string is hidden."""
    n = len(text)
    while True:
        pos = skip_space(text, pos)
        if pos >= n:
            return
        for kind, rule in _RULES:
            m = rule.match(text, pos)
            if m and m.end() > pos:
                if kind == "punct" and m.group() in "\"'":
                    kind = "error"
                yield Token(kind, m.group(), pos, m.end())
                pos = m.end()
                break


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def iri_value(token: Token) -> str:
    """The IRI of an ``iri`` token, with ``\\u``/``\\U`` escapes decoded."""
    return _UCHAR_RE.sub(lambda m: chr(int(m.group()[2:], 16)), token.text[1:-1])


def pname_parts(text: str) -> tuple[str, str]:
    """``("ex", "a.b")`` for ``ex:a\\.b``: the prefix and the local name with escapes removed."""
    prefix, _, local = text.partition(":")
    return prefix, _LOCAL_ESCAPE.sub(r"\1", local)


# what urlsplit takes for a scheme (RFC 3986) in a text without spaces or control characters
# (those that IRIs have): checked first, since urlsplit costs more than a lookup's other steps
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def resolve(iri: str, base: str | None) -> str | None:
    """``iri`` made absolute against ``base``; None when it is relative and there is no base."""
    if _SCHEME.match(iri) or urlsplit(iri).scheme:
        return iri
    if base is None or not urlsplit(base).scheme:
        return None
    return urljoin(base, iri)


@dataclass(frozen=True)
class ServiceTarget:
    """One place where the query asks for a ``SERVICE``: ``iris`` are the absolute IRIs the
    target can stand for (more than one when a prefix is declared more than once); ``kind`` is
    ``variable`` for ``SERVICE ?x`` and ``unresolved`` when the IRI cannot be known (undeclared
    prefix, relative IRI without a base)."""

    kind: Literal["iri", "variable", "unresolved"]
    text: str
    iris: tuple[str, ...]
    line: int
    column: int


def _declarations(
    query: str, tokens: list[Token], base_iri: str | None
) -> tuple[dict[str, set[str | None]], list[tuple[int, str | None]]]:
    """Every namespace each prefix may have (None: could not be resolved), and the base in
    force from each offset on."""
    prefixes: dict[str, set[str | None]] = {}
    bases: list[tuple[int, str | None]] = [(0, base_iri)]
    base = base_iri
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.kind == "word" and tok.upper() == "BASE" and nxt is not None and nxt.kind == "iri":
            base = resolve(iri_value(nxt), base)
            bases.append((nxt.end, base))
            continue
        name: str | None = None
        if tok.kind == "word" and tok.upper() == "PREFIX" and nxt is not None:
            if nxt.kind == "pname" and nxt.text.endswith(":") and nxt.text.count(":") == 1:
                name = nxt.text[:-1]
                nxt = tokens[i + 2] if i + 2 < len(tokens) else None
        elif tok.kind == "pname" and _PREFIX_WORD.match(tok.text) and tok.text.endswith(":"):
            # the parser reads "PREFIXex:" as "PREFIX ex:"
            name = tok.text[6:-1]
        if name is not None and nxt is not None and nxt.kind == "iri":
            prefixes.setdefault(name, set()).add(resolve(iri_value(nxt), base))
    return prefixes, bases


def _base_at(bases: list[tuple[int, str | None]], offset: int) -> str | None:
    base = bases[0][1]
    for start, b in bases:
        if start <= offset:
            base = b
    return base


def service_targets(query: str, base_iri: str | None = None) -> list[ServiceTarget]:
    """Every ``SERVICE`` target in ``query`` (a query or an update)."""
    if "service" not in query.lower():  # fast path: most queries
        return []
    tokens = list(tokenize(query))
    prefixes, bases = _declarations(query, tokens, base_iri)
    out: list[ServiceTarget] = []
    for i, tok in enumerate(tokens):
        if tok.kind not in ("word", "pname", "langtag", "number", "punct", "error"):
            continue  # IRIs, strings, variables and blank nodes cannot hide a keyword
        for m in _SERVICE.finditer(tok.text):
            if (
                m.start() == 0
                and tok.kind == "pname"
                and i > 0
                and tokens[i - 1].kind == "word"
                and tokens[i - 1].upper() in ("GRAPH", "FROM", "NAMED")
            ):
                continue  # GRAPH service:g { ... } names a graph
            after = tok.start + m.end()
            starts = [skip_space(query, after)]
            silent = _SILENT.match(query, starts[0])
            if silent:  # SERVICE SILENT, also glued: SERVICESILENT<x>; or a target silentx:a
                starts.append(skip_space(query, silent.end()))
            for start in starts:
                target = _target(query, start, prefixes, _base_at(bases, start))
                if target is not None:
                    out.append(target)
    return out


def _target(
    query: str, start: int, prefixes: dict[str, set[str | None]], base: str | None
) -> ServiceTarget | None:
    """The target at ``start`` if a ``{`` follows it (else this is no SERVICE clause)."""
    found = tokenize(query, start)
    target = next(found, None)
    brace = next(found, None)
    if target is None or brace is None or not brace.text.startswith("{"):
        return None
    line, column = position(query, target.start)
    if target.kind == "var":
        return ServiceTarget("variable", target.text, (), line, column)
    if target.kind == "iri":
        iri = resolve(iri_value(target), base)
        if iri is None:
            return ServiceTarget("unresolved", target.text, (), line, column)
        return ServiceTarget("iri", target.text, (iri,), line, column)
    if target.kind == "pname":
        prefix, local = pname_parts(target.text)
        namespaces = prefixes.get(prefix)
        if not namespaces or None in namespaces:
            return ServiceTarget("unresolved", target.text, (), line, column)
        iris = tuple(sorted(f"{ns}{local}" for ns in namespaces if ns is not None))
        return ServiceTarget("iri", target.text, iris, line, column)
    return None
