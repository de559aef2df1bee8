"""Content negotiation: the formats the endpoint can give, ``Accept`` parsing and the choice.

One table (``FORMATS``) says, per format, its media type, the other media types that select it
in an ``Accept`` header, the names of the ``format`` parameter (for links: ``?format=csv``) and its
W3C format IRI (for the service description). ``OFFERS`` lists, per kind of result, the formats
in the order the server prefers them when the client is indifferent.

The choice follows RFC 9110: every media range has a quality (``q``, default 1, ``0`` refuses);
a format gets the quality of the most specific range that matches it (``text/csv`` before
``text/*`` before ``*/*``); the best quality wins, then the more specific match, then the server's
order. No ``Accept`` header means ``*/*``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from .executor import ResultKind

T = TypeVar("T")


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str  # the Content-Type we send (without charset)
    label: str
    w3c: str  # http://www.w3.org/ns/formats/...
    names: tuple[str, ...] = ()  # values of the ``format`` parameter
    aliases: tuple[str, ...] = ()  # other media types in Accept that select this format

    @property
    def accepts(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    def content_type(self) -> str:
        """The Content-Type header value: text types say that they are UTF-8."""
        return (
            f"{self.media_type}; charset=utf-8"
            if self.media_type.startswith("text/")
            else (self.media_type)
        )


W3C = "http://www.w3.org/ns/formats/"

SRJ = Format(
    "json",
    "application/sparql-results+json",
    "SPARQL JSON",
    W3C + "SPARQL_Results_JSON",
    ("json", "srj"),
    ("application/json",),
)
SRX = Format(
    "xml",
    "application/sparql-results+xml",
    "SPARQL XML",
    W3C + "SPARQL_Results_XML",
    ("xml", "srx"),
    ("application/xml", "text/xml"),
)
CSV = Format("csv", "text/csv", "CSV", W3C + "SPARQL_Results_CSV", ("csv",))
TSV = Format("tsv", "text/tab-separated-values", "TSV", W3C + "SPARQL_Results_TSV", ("tsv",))
TURTLE = Format(
    "ttl",
    "text/turtle",
    "Turtle",
    W3C + "Turtle",
    ("ttl", "turtle", "n3"),  # Turtle is N3 too
    ("application/x-turtle", "application/turtle", "text/n3"),
)
NTRIPLES = Format(
    "nt",
    "application/n-triples",
    "N-Triples",
    W3C + "N-Triples",
    ("nt", "ntriples", "n-triples"),
    ("text/plain",),
)
JSONLD = Format(
    "jsonld",
    "application/ld+json",
    "JSON-LD",
    W3C + "JSON-LD",
    ("jsonld", "json-ld", "json"),
    ("application/json", "application/x-json+ld"),
)
RDFXML = Format(
    "rdf",
    "application/rdf+xml",
    "RDF/XML",
    W3C + "RDF_XML",
    ("rdf", "rdfxml", "rdf+xml", "rdf-xml", "owl", "xml"),
    ("application/xml", "text/xml"),
)
NQUADS = Format(
    "nq", "application/n-quads", "N-Quads", W3C + "N-Quads", ("nq", "nquads", "n-quads")
)
TRIG = Format("trig", "application/trig", "TriG", W3C + "TriG", ("trig",))
HTML = Format("html", "text/html", "HTML", "", ("html",), ("application/xhtml+xml",))

FORMATS: tuple[Format, ...] = (SRJ, SRX, CSV, TSV, TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG)

# what each kind of result can be given as, in the server's order of preference
OFFERS: Mapping[ResultKind, tuple[Format, ...]] = {
    "solutions": (SRJ, SRX, CSV, TSV),
    "boolean": (SRJ, SRX, CSV, TSV),
    "graph": (TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG),
}
# a single graph (service description, Graph Store GET)
GRAPH_OFFERS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML, NQUADS, TRIG)

KIND_NAMES: Mapping[ResultKind, str] = {
    "solutions": "a SELECT result",
    "boolean": "an ASK result",
    "graph": "a CONSTRUCT or DESCRIBE result",
}


class UnknownFormat(ValueError):
    """The ``format`` parameter names no format we know."""


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def match(self, media_type: str) -> int:
        """-1 if this range does not match ``media_type``; else its specificity (0, 1 or 2)."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == s else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed parts are skipped. None or an empty
    header means ``*/*``."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        t, slash, s = mt.partition("/")
        if not slash or not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        for param in fields[1:]:
            name, eq, value = param.partition("=")
            if eq and name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = -1.0
        if q >= 0:
            ranges.append(MediaRange(t, s, q))
    return ranges


def quality(ranges: Sequence[MediaRange], media_types: Iterable[str]) -> tuple[float, int]:
    """(quality, specificity) of a format known by ``media_types`` under ``ranges``; (0, -1) if
    no range matches. The most specific matching range decides, over all the media types, so
    ``*/*, application/sparql-results+json;q=0`` refuses SPARQL JSON even though
    ``application/json`` (another name for it) matches ``*/*``."""
    best_spec, best_q = -1, 0.0
    for mt in media_types:
        for r in ranges:
            s = r.match(mt)
            if s > best_spec or (s == best_spec and s >= 0 and r.q > best_q):
                best_spec, best_q = s, r.q
    return (best_q, best_spec) if best_spec >= 0 else (0.0, -1)


def _preferred(
    ranges: Sequence[MediaRange], offers: Sequence[T], names: Callable[[T], Iterable[str]]
) -> T | None:
    """The offer with the best (quality, specificity); the earlier offer on a tie; None if the
    client accepts none of them."""
    chosen: T | None = None
    best = (0.0, -1)
    for offer in offers:
        q = quality(ranges, names(offer))
        if q[0] > 0 and q > best:
            chosen, best = offer, q
    return chosen


def negotiate(ranges: Sequence[MediaRange], offers: Sequence[Format]) -> Format | None:
    """The offer the client prefers; None if it accepts none of them."""
    return _preferred(ranges, offers, lambda f: f.accepts)


def best_media_type(accept: str | None, offered: Sequence[str]) -> str | None:
    """Of plain media types (for routes outside the format table: downloads, changes), the one
    the ``Accept`` header prefers; the first offered when the client is indifferent."""
    return _preferred(parse_accept(accept), offered, lambda mt: (mt,))


def by_parameter(value: str, offers: Sequence[Format]) -> Format | None:
    """The offer that the ``format`` parameter ``value`` names (a short name or a media type)."""
    v = value.strip().lower()
    mt = v.split(";")[0].strip()
    for f in offers:
        if v in f.names or mt in f.accepts:
            return f
    return None


def known_parameter(value: str) -> bool:
    return any(by_parameter(value, offers) for offers in (*OFFERS.values(), (HTML,)))


def choose(accept: str | None, format_param: str | None, offers: Sequence[Format]) -> Format | None:
    """The format for ``offers``: the ``format`` parameter wins over ``Accept``. Raises
    ``UnknownFormat`` for a parameter that names no format at all."""
    if format_param:
        if not known_parameter(format_param):
            raise UnknownFormat(format_param)
        return by_parameter(format_param, offers)
    return negotiate(parse_accept(accept), offers)


def job_formats(accept: str | None, format_param: str | None) -> dict[ResultKind, str | None]:
    """``QueryJob.formats``: the media type to use per kind of result (None: 406)."""
    return dict(_job_formats(accept, format_param))


@lru_cache(maxsize=256)
def _job_formats(
    accept: str | None, format_param: str | None
) -> tuple[tuple[ResultKind, str | None], ...]:
    # clients send the same few Accept headers again and again: negotiate each once (bounded,
    # so that many different headers only cost a recomputation)
    out: list[tuple[ResultKind, str | None]] = []
    for kind, offers in OFFERS.items():
        f = choose(accept, format_param, offers)
        out.append((kind, f.media_type if f else None))
    return tuple(out)


def by_media_type(media_type: str) -> Format | None:
    mt = media_type.split(";")[0].strip().lower()
    return next((f for f in FORMATS if f.media_type == mt), None)


@lru_cache(maxsize=64)
def content_type(media_type: str) -> str:
    """The Content-Type header for a media type we serialise (adds ``charset=utf-8`` to text)."""
    f = by_media_type(media_type)
    return f.content_type() if f else media_type


def describe(offers: Sequence[Format]) -> str:
    """``text/turtle (format=ttl), ...`` for messages."""
    return ", ".join(f"{f.media_type} (format={f.names[0]})" for f in offers)


def prefers_html(accept: str | None) -> bool:
    """True for a browser: it names HTML itself (not only through ``*/*``) and likes it at least
    as much as any RDF format."""
    ranges = parse_accept(accept)
    html = quality(ranges, HTML.accepts)
    if html[0] <= 0 or html[1] < 2:
        return False
    rdf = max((quality(ranges, f.accepts) for f in GRAPH_OFFERS), default=(0.0, -1))
    return html[0] >= rdf[0]


def wants_json(accept: str | None) -> bool:
    """For error bodies: JSON when the client names a JSON type itself and does not prefer
    plain text."""
    if not accept:
        return False
    ranges = [r for r in parse_accept(accept) if r.q > 0]
    named = any(
        r.type == "application" and (r.subtype == "json" or r.subtype.endswith("+json"))
        for r in ranges
    )
    if not named:
        return False
    js = quality(ranges, ("application/json", "application/sparql-results+json"))
    text = quality(ranges, ("text/plain",))
    return js >= text
