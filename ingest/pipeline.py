"""``build`` and ``validate``: read -> map -> load into a fresh store -> validate -> publish."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ontology import iris
from ontology.namespaces import prefixes

from . import changes, incoming_index, release, topic_index
from .errors import BuildError, DataError, Problem
from .incoming_index import Links
from .kinds import KINDS_BY_FILE, Kind
from .large_subjects import large_iris
from .mapping import Mapped, Mapper
from .report import to_problems
from .ror import RorMapper, RorOrg, read_ror
from .settings import BuildSettings
from .shacl_sparql import Result, compile_shapes, validate_store
from .vocab import shapes_graph, vocabulary_quads
from .yaml_source import RawRecord, read_yaml

RDF_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}
TEXTS_DIR = "bronteksten"
ROR_DIR = "ror"
RDF_DIR = "rdf"

Progress = Callable[[str], None]
# Made into the release beside its index by code that is not ingest's: the command line passes
# the maker of what the pages read ready-made (endpoint/page_models.py: the entity pages, then
# the class rows and the ranked frequent words of the search into the same file). It gets the open store, the release's
# folder (its index written), the metadata the pages read, the base IRI and the progress; it
# returns how many things it made pages of.
PageMaker = Callable[[ox.Store, Path, dict[str, Any], str, Progress], int]
# Also the command line's: the answers to lookups of every subject (endpoint/lookup_answers.py),
# given the open store, the release's folder and the progress; returns how many subjects.
AnswerMaker = Callable[[ox.Store, Path, Progress], int]


def _quiet(_msg: str) -> None:
    return None


@dataclass
class Inputs:
    records: dict[Kind, list[RawRecord]] = field(default_factory=dict)
    ror: list[RorOrg] = field(default_factory=list)
    rdf_files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    count: int = 0


@dataclass
class Outcome:
    release_id: str | None
    triples: int
    records: int
    checksum: str
    path: Path | None
    seconds: dict[str, float]


def _shown(path: Path, data: Path) -> str:
    return f"{data.name}/{path.relative_to(data).as_posix()}"


def read_inputs(data: Path) -> Inputs:
    if not data.is_dir():
        raise BuildError(
            f"de datamap {data} bestaat niet; geef een map met --data of KENNISGRAAF_DATA"
        )
    inp = Inputs()
    for path in sorted(data.glob("*.yaml")) + sorted(data.glob("*.yml")):
        shown = _shown(path, data)
        kind = KINDS_BY_FILE.get(path.name)
        if kind is None:
            inp.problems.append(
                Problem(
                    shown,
                    None,
                    None,
                    None,
                    f"onbekend bestand '{path.name}'",
                    "gebruik een van: " + ", ".join(sorted(KINDS_BY_FILE)),
                )
            )
            continue
        recs, probs = read_yaml(path, shown)
        inp.records[kind] = recs
        inp.problems += probs
        inp.count += len(recs)
    for path in sorted((data / ROR_DIR).glob("*.json")):
        orgs, probs = read_ror(path, _shown(path, data))
        inp.ror += orgs
        inp.problems += probs
        inp.count += len(orgs)
    rdf = data / RDF_DIR
    if rdf.is_dir():
        for path in sorted(rdf.iterdir()):
            if path.suffix in RDF_FORMATS:
                inp.rdf_files.append(path)
            elif path.is_file() and path.name != "README.md":
                inp.problems.append(
                    Problem(
                        _shown(path, data),
                        None,
                        None,
                        None,
                        f"onbekend RDF-formaat '{path.suffix}'",
                        "gebruik .ttl, .nt, .nq of .trig",
                    )
                )
    return inp


def map_inputs(inp: Inputs, data: Path, base: str) -> Mapped:
    mapper = Mapper(base, data / TEXTS_DIR)
    ror = RorMapper(mapper)
    from .kinds import CONCEPT_KIND, KINDS, SCHEME_KIND

    order = [k for k in (*KINDS, SCHEME_KIND, CONCEPT_KIND) if k in inp.records]
    for kind in order:
        mapper.register(kind, inp.records[kind])
    ror.register(inp.ror)
    for kind in order:
        for rec in inp.records[kind]:
            mapper.map_record(kind, rec)
    ror.map(inp.ror)
    return mapper.out


def rdf_graph(base: str, path: Path) -> ox.NamedNode:
    return ox.NamedNode(iris.graph_iri(base, "bestand", iris.slugify(path.stem)))


# A line-based file (N-Triples, N-Quads) at least this large is loaded in parts, in parallel.
PARALLEL_LOAD_BYTES = 32 * 2**20


class _Part(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file, for one of the parallel bulk loads."""

    def __init__(self, path: Path, start: int, end: int) -> None:
        super().__init__()
        self._fh = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._fh.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left)
        if n <= 0:
            return 0
        got = self._fh.readinto(memoryview(buffer)[:n])
        self._left -= got
        return got

    def close(self) -> None:
        self._fh.close()
        super().close()


def _line_parts(path: Path, fmt: ox.RdfFormat, threads: int) -> list[tuple[int, int]]:
    """Byte ranges (cut at line ends) to load in parallel, or one range for the whole file.

    Only N-Triples and N-Quads have one statement per line, and only a file without blank
    nodes: each bulk load names the blank nodes it reads anew, so ``_:b`` in two parts would
    become two nodes.
    """
    size = path.stat().st_size
    if threads < 2 or size < PARALLEL_LOAD_BYTES:
        return [(0, size)]
    if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return [(0, size)]
    with open(path, "rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 24):
            if b"_:" in tail + chunk:
                return [(0, size)]
            tail = chunk[-1:]
        cuts = [0]
        for i in range(1, threads):
            fh.seek(max(cuts[-1], size * i // threads))
            fh.readline()
            cuts.append(min(fh.tell(), size))
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _bulk_load(
    store: ox.Store,
    path: Path,
    fmt: ox.RdfFormat,
    base: str,
    to_graph: ox.NamedNode | None,
    threads: int,
) -> None:
    """``store.bulk_load`` of the file; a large line-based file in parts, one thread each.

    On a syntax error the file is parsed once more from the start, so that the error reported
    is the first one in the file, with its line, as a single load would report it.
    """
    parts = _line_parts(path, fmt, threads)
    if len(parts) == 1:
        store.bulk_load(path=str(path), format=fmt, base_iri=base, to_graph=to_graph)
        return
    errors: list[BaseException] = []

    def load(start: int, end: int) -> None:
        try:
            with io.BufferedReader(_Part(path, start, end), 1 << 20) as part:
                store.bulk_load(input=part, format=fmt, base_iri=base, to_graph=to_graph)
        except BaseException as e:  # re-raised in the calling thread
            errors.append(e)

    workers = [threading.Thread(target=load, args=part) for part in parts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        if any(isinstance(e, SyntaxError) for e in errors):
            for _quad in ox.parse(path=str(path), format=fmt, base_iri=base):
                pass
        raise errors[0]


def _load_rdf(
    store: ox.Store, path: Path, data: Path, base: str, threads: int = 1
) -> list[Problem]:
    fmt = RDF_FORMATS[path.suffix]
    to_graph_ = None if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) else rdf_graph(base, path)
    try:
        _bulk_load(store, path, fmt, base, to_graph_, threads)
    except SyntaxError as e:
        msg = str(e.args[0]) if e.args else str(e)
        return [
            Problem(
                _shown(path, data),
                e.lineno,
                None,
                None,
                f"RDF-syntaxfout: {msg}",
                "herstel het bestand op die regel; controleer het met een RDF-validator",
            )
        ]
    return []


def _validate(store: ox.Store, base: str, validator: str, threads: int) -> list[Result]:
    shapes = shapes_graph(base)
    if validator == "pyshacl":
        from .pyshacl_reference import pyshacl_results, to_graph  # pyshacl takes 0.5 s to import

        return pyshacl_results(to_graph(store.quads_for_pattern(None, None, None, None)), shapes)
    return validate_store(store, compile_shapes(shapes), threads=threads)


def _problems(
    results: list[Result], store: ox.Store, mapped: Mapped, inp: Inputs, data: Path, base: str
) -> list[Problem]:
    graph_files = {rdf_graph(base, p).value: _shown(p, data) for p in inp.rdf_files}
    subject_graphs: dict[str, str] = {}
    for r in results:
        if r.focus not in mapped.origins and not r.focus.startswith("_:"):
            for q in store.quads_for_pattern(ox.NamedNode(r.focus), None, None, None):
                if isinstance(q.graph_name, ox.NamedNode):
                    subject_graphs[r.focus] = q.graph_name.value
                    break
    return to_problems(
        results, shapes_graph(base), mapped.origins, graph_files, _curies(base), subject_graphs
    )


def _curies(base: str) -> dict[str, str]:
    from .kinds import COMMON_FIELDS, CONCEPT_KIND, KINDS, POST_FIELDS, SCHEME_KIND

    out = {}
    pre = prefixes(base)
    for kind in (*KINDS, SCHEME_KIND, CONCEPT_KIND):
        for f in (*kind.fields, *COMMON_FIELDS, *POST_FIELDS):
            p, _, local = f.predicate.partition(":")
            out[f.predicate] = pre[p] + local
    return out


def checksum(quads: list[ox.Quad], rdf_files: list[tuple[Path, str]]) -> str:
    """SHA-256 of what a build loads: the same inputs give the same checksum.

    That is the N-Quads of the quads made from ``data/`` and the vocabulary (sorted, without
    duplicates: the content of those graphs, whose blank nodes have stable labels), then per RDF
    file its graph and the SHA-256 of its bytes. Hashing the N-Quads dump of the whole store
    instead costs as much as loading it (about 16 s at a million triples), and a bulk load gives
    the blank nodes of a file new labels every time, so that dump is not stable anyway.
    """
    h = hashlib.sha256()
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert nquads is not None
    for line in sorted(set(nquads.splitlines(keepends=True))):
        h.update(line)
    for path, graph in rdf_files:
        f = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                f.update(chunk)
        h.update(f"# {path.name} {graph} {f.hexdigest()}\n".encode())
    return h.hexdigest()


def _run(
    settings: BuildSettings,
    progress: Progress,
    publish: bool,
    pages: PageMaker | None = None,
    answers: AnswerMaker | None = None,
) -> Outcome:
    data, base = settings.data, settings.base_iri
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()

    def step(name: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        seconds[name] = round(now - t0, 3)
        t0 = now

    progress(f"lezen van {data}/ ...")
    inp = read_inputs(data)
    if inp.problems:
        raise DataError(inp.problems, "inlezen")
    mapped = map_inputs(inp, data, base)
    if mapped.problems:
        raise DataError(mapped.problems, "omzetten naar RDF")
    step("map")
    progress(
        f"{inp.count} records omgezet naar {len(mapped.quads)} triples"
        + (f"; {len(inp.rdf_files)} RDF-bestand(en)" if inp.rdf_files else "")
    )

    if not publish:
        triples, digest = _fill_and_check(ox.Store(), settings, mapped, inp, progress, step)
        return Outcome(None, triples, inp.count, digest, None, seconds)

    settings.store.mkdir(parents=True, exist_ok=True)
    build_dir = release.new_build_dir(settings.store)
    try:
        store = ox.Store(str(build_dir))
        triples, digest = _fill_and_check(store, settings, mapped, inp, progress, step)
        store.flush()
        store.optimize()
        step("store")
        # the counts of large subjects and documents, the links to the most linked-to things
        # and the members of the topics are queries in Rust (no GIL): they run beside the
        # search index, which is mostly Python (1.5 s, 3.8 s, 2.1 s and 3.0 s alone at 1M)
        with ThreadPoolExecutor(max_workers=1) as beside:
            counting = beside.submit(_large_and_linked, store, base)
            topics = beside.submit(topic_index.topic_members, store, base)
            _search_index(store, build_dir, base, progress)
            large, large_docs, linked = counting.result()
            _incoming_index(build_dir, linked, base, progress)
            _topic_index(build_dir, topics.result(), progress)
        step("search")
        if pages is not None:
            made = pages(store, build_dir, {"large_documents": large_docs}, base, progress)
            progress(f"pagina's van {made} dingen vooraf gemaakt (nl, en)")
            step("pages")
        if answers is not None:
            made = answers(store, build_dir, progress)
            progress(f"antwoorden op opzoekvragen van {made} onderwerpen vooraf gemaakt")
            step("lookups")
        del store  # close the directory before it is renamed into place
        gc.collect()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        release_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{digest[:8]}"
        meta = {
            "id": release_id,
            "created": now.isoformat().replace("+00:00", "Z"),
            "triples": triples,
            "records": inp.count,
            "sha256_inputs": digest,
            "base_iri": base,
            "large_subjects": large,
            "large_documents": large_docs,
        }
        _exports(build_dir, meta, settings, progress)
        changes.write_changes(settings.store, build_dir, meta, settings.base_iri, progress)
        path = release.publish(settings.store, build_dir, release_id, meta, settings.keep_releases)
    except BaseException:
        gc.collect()  # drop the half-built store before its directory goes
        release.discard(build_dir)
        raise
    step("publish")
    progress(f"release {release_id} is nu actief ({path})")
    return Outcome(release_id, triples, inp.count, digest, path, seconds)


def _fill_and_check(
    store: ox.Store,
    settings: BuildSettings,
    mapped: Mapped,
    inp: Inputs,
    progress: Progress,
    step: Callable[[str], None],
) -> tuple[int, str]:
    """Load everything into ``store`` and validate it; raises DataError on any problem."""
    data, base = settings.data, settings.base_iri
    vocabulary = vocabulary_quads(base)
    store.bulk_extend(vocabulary)
    store.bulk_extend(mapped.quads)
    problems: list[Problem] = []
    for path in inp.rdf_files:
        progress(f"laden van {_shown(path, data)} ...")
        problems += _load_rdf(store, path, data, base, settings.threads)
    if problems:
        raise DataError(problems, "laden van RDF-bestanden")
    step("load")
    triples = len(store)
    progress(f"valideren van {triples} triples tegen shapes/ ({settings.validator}) ...")
    results = _validate(store, base, settings.validator, settings.threads)
    step("validate")
    if results:
        raise DataError(_problems(results, store, mapped, inp, data, base), "validatie (SHACL)")
    progress("geen overtredingen")
    graphs = [(p, _graph_of(p, base)) for p in inp.rdf_files]
    return triples, checksum(vocabulary + mapped.quads, graphs)


def _graph_of(path: Path, base: str) -> str:
    """The graph a file is loaded into ('' for N-Quads and TriG, which name their own)."""
    if RDF_FORMATS[path.suffix] in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        return ""
    return rdf_graph(base, path).value


def _exports(
    build_dir: Path, meta: dict[str, object], settings: BuildSettings, progress: Progress
) -> None:
    """Dumps, catalogue and VoID into ``<store>/exports/<id>/`` before the release goes live."""
    from .export import export_release, prune_exports
    from .settings import ExportSettings

    exp = ExportSettings(store=settings.store, base_iri=settings.base_iri, out=None)
    if exp.build_exports:
        progress("schrijven van de exports (dumps, catalogus, VoID) ...")
        export_release(build_dir, meta, exp)
        prune_exports(settings.store, keep=str(meta["id"]))


def build(
    settings: BuildSettings,
    progress: Progress = _quiet,
    pages: PageMaker | None = None,
    answers: AnswerMaker | None = None,
) -> Outcome:
    """A new release from ``settings.data``, published; with ``pages``, the entity pages, class
    rows and ranked words made beside its index (see :data:`PageMaker`); with ``answers``, the
    answers to lookups (:data:`AnswerMaker`)."""
    with release.build_lock(settings.store):
        return _run(settings, progress, publish=True, pages=pages, answers=answers)


def validate(settings: BuildSettings, progress: Progress = _quiet) -> Outcome:
    return _run(settings, progress, publish=False)


def _large_and_linked(
    store: ox.Store, base: str
) -> tuple[dict[str, object], dict[str, object], dict[str, Links]]:
    """The release's large subjects and documents (``ingest/large_subjects.py``), and the links
    to those documents' IRIs that have a page and more than ``incoming_index.MINIMUM`` (every
    such IRI has a large document)."""
    large, large_docs = large_iris(store)
    candidates = large_docs.get("iris")
    linked = incoming_index.links_to_many(
        store, candidates if isinstance(candidates, list) else [], base, incoming_index.MINIMUM
    )
    return large, large_docs, linked


def _incoming_index(
    build_dir: Path, linked: dict[str, Links], base: str, progress: Progress
) -> None:
    """The links to the most linked-to things, in page order, and the evidence among them,
    into the search index."""
    from .search_index import FILENAME

    written = incoming_index.write_incoming(build_dir / FILENAME, linked, base)
    progress(
        f"links op volgorde gezet voor {written} dingen met meer dan "
        f"{incoming_index.MINIMUM} links ernaartoe"
    )


def _topic_index(
    build_dir: Path,
    lists: topic_index.TopicLists,
    progress: Progress,
) -> None:
    """The members of every theme and target group, and what their pages show of evidence,
    into the search index."""
    from .search_index import FILENAME

    written = topic_index.write_topics(build_dir / FILENAME, lists)
    progress(f"leden van {len(lists.topics)} thema's en doelgroepen vastgelegd ({written} rijen)")


def _search_index(store: ox.Store, build_dir: Path, base: str, progress: Progress) -> None:
    """The search index, written into the release folder so that it switches with the store."""
    from .search_index import FILENAME, write_index

    progress("schrijven van de zoekindex ...")
    counts = write_index(store, build_dir / FILENAME, base)
    progress(f"zoekindex: {counts['entries']} entiteiten, {counts['kinds']} soorten")
