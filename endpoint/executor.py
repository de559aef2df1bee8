"""Where SPARQL queries and updates run: the one small interface between HTTP and the store.

The protocol layer (``endpoint/sparql_protocol.py``, ``endpoint/graph_store.py``) decides what is
asked and in which format; an ``Executor`` runs it and hands back the serialised result as a stream
of byte chunks. Swapping the embedded store for a remote SPARQL store means another ``Executor``.

Errors the protocol layer turns into HTTP answers:
``QueryError`` (400, parser message with line and column), ``NotAcceptable`` (406: the result kind
has no format the client accepts), ``QueryTimeout`` (503), ``Overloaded`` (503 + Retry-After),
``WritesDisabled`` (403).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

import pyoxigraph as ox

ResultKind = Literal["solutions", "boolean", "graph"]
T = TypeVar("T")


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset of a query (SPARQL 1.1 Protocol ``default-graph-uri``/``named-graph-uri``,
    or ``FROM``/``FROM NAMED``). Empty ``default_graphs`` means the union of all graphs (our
    default); empty ``named_graphs`` means all named graphs of the store."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryJob:
    query: str
    # media type to use for each kind of result; None means the client accepts none (406)
    formats: Mapping[ResultKind, str | None]
    dataset: Dataset = field(default_factory=Dataset)
    base_iri: str | None = None


@dataclass
class QueryResult:
    kind: ResultKind
    media_type: str
    chunks: AsyncIterator[bytes]
    # the whole serialised result when it is already complete (a small result): sent as one
    # plain response, without the streaming machinery
    body: bytes | None = None


class ExecutorError(Exception):
    """Base of the errors an executor raises; ``str()`` is the message for the client."""


class QueryError(ExecutorError):
    """The query or update does not parse or cannot be evaluated."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class NotAcceptable(ExecutorError):
    def __init__(self, kind: ResultKind) -> None:
        super().__init__(f"no acceptable format for a {kind} result")
        self.kind = kind


class QueryTimeout(ExecutorError):
    pass


class Overloaded(ExecutorError):
    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WritesDisabled(ExecutorError):
    pass


class Executor(Protocol):
    async def query(self, job: QueryJob) -> QueryResult:
        """Runs ``job``; raises before the first chunk for a bad query, a refused format,
        overload or a timeout that hits before results flow."""
        ...

    async def update(self, update: str, base_iri: str | None = None) -> None:
        """Runs a SPARQL 1.1 Update on the live store (serialised with every other write)."""
        ...

    async def write(self, fn: Callable[[ox.Store], T]) -> T:
        """Runs ``fn`` with exclusive write access to the live store (Graph Store writes)."""
        ...

    async def read(self, fn: Callable[[ox.Store], T]) -> T:
        """Runs a quick read ``fn`` on the live store in-process (no timeout; for our own
        bounded lookups such as ``HEAD`` or a graph's existence)."""
        ...

    async def aclose(self) -> None: ...
