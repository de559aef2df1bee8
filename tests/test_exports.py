"""Bulk exports: every dump holds exactly the store's content; manifest, VoID and downloads are true."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from endpoint.app import create_app
from endpoint.settings import ServeSettings
from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import MINI, run_cli

RDFLIB_FORMATS = {
    "nq": "nquads",
    "trig": "trig",
    "nt": "nt",
    "ttl": "turtle",
    "jsonld": "json-ld",
    "rdf": "xml",
}
OX_FORMATS = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
}
VOID = "http://rdfs.org/ns/void#"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The mini data set built (which writes the exports), then exported again by the CLI."""
    tmp = tmp_path_factory.mktemp("exports")
    data = tmp / "data"
    shutil.copytree(MINI, data)
    store_dir = tmp / "store"
    outcome = pipeline.build(BuildSettings(data=data, store=store_dir))
    out = tmp / "out"
    r = run_cli("export", "-q", "--store", store_dir, "--out", out)
    assert r.returncode == 0, r.stderr
    assert outcome.path is not None
    store = ox.Store.read_only(str(outcome.path))
    yield {
        "store_dir": store_dir,
        "store": store,
        "out": out,
        "release": outcome.release_id,
        "manifest": json.loads((out / "manifest.json").read_text()),
    }
    del store


def _key(t: Any) -> str:
    """A term as a string, with every blank node the same (labels differ between parsers)."""
    if isinstance(t, ox.BlankNode | rdflib.BNode):
        return "_:b"
    if isinstance(t, rdflib.Literal):
        return ox.Literal(
            str(t),
            language=t.language,
            datatype=ox.NamedNode(str(t.datatype)) if t.datatype and not t.language else None,
        ).__str__()
    if isinstance(t, rdflib.URIRef):
        return f"<{t}>"
    return str(t)


def _expected(store: ox.Store, f: dict[str, Any]) -> Counter[tuple[str, ...]]:
    quads = list(store)
    if f["graph"] is not None:
        quads = [q for q in quads if q.graph_name == ox.NamedNode(f["graph"])]
    if f["format"] in ("nq", "trig"):
        return Counter(
            (_key(q.subject), _key(q.predicate), _key(q.object), _key(q.graph_name)) for q in quads
        )
    triples = {(q.subject, q.predicate, q.object) for q in quads}  # the union: distinct triples
    return Counter((_key(s), _key(p), _key(o)) for s, p, o in triples)


def _ground(c: Counter[tuple[str, ...]]) -> set[tuple[str, ...]]:
    return {k for k in c if not any(x == "_:b" for x in k)}


def test_the_build_and_the_cli_write_the_same_dumps(built: dict[str, Any]) -> None:
    by_build = built["store_dir"] / "exports" / built["release"]
    assert (by_build / "manifest.json").is_file(), "build wrote no exports next to its release"
    a = {
        f["path"]: f["sha256"]
        for f in json.loads((by_build / "manifest.json").read_text())["files"]
    }
    b = {f["path"]: f["sha256"] for f in built["manifest"]["files"]}
    assert a == b


def test_there_is_a_dump_per_format_for_the_whole_and_per_graph(built: dict[str, Any]) -> None:
    files = built["manifest"]["files"]
    graphs = {g.value for g in built["store"].named_graphs()}
    assert graphs
    for ext in OX_FORMATS:
        assert any(f["path"] == f"kennisgraaf.{ext}.gz" for f in files)
        assert {f["graph"] for f in files if f["format"] == ext and f["graph"]} == graphs


def test_every_dump_parses_with_pyoxigraph_and_holds_exactly_the_store(
    built: dict[str, Any],
) -> None:
    store, out = built["store"], built["out"]
    assert any(isinstance(q.subject, ox.BlankNode) for q in store), (
        "expected the shapes' blank nodes"
    )
    for f in built["manifest"]["files"]:
        if f["compression"] != "gzip":
            continue
        raw = gzip.decompress((out / f["path"]).read_bytes())
        parsed = list(ox.parse(raw, format=OX_FORMATS[f["format"]]))
        if f["format"] in ("nq", "trig"):
            got = Counter(
                (_key(q.subject), _key(q.predicate), _key(q.object), _key(q.graph_name))
                for q in parsed
            )
        else:
            got = Counter((_key(t.subject), _key(t.predicate), _key(t.object)) for t in parsed)
        want = _expected(store, f)
        assert got == want, f["path"]
        assert sum(got.values()) == f["triples"], f["path"]


def test_every_dump_parses_with_rdflib_and_holds_exactly_the_store(built: dict[str, Any]) -> None:
    store, out = built["store"], built["out"]
    for f in built["manifest"]["files"]:
        if f["compression"] != "gzip":
            continue
        raw = gzip.decompress((out / f["path"]).read_bytes())
        want = _expected(store, f)
        if f["format"] in ("nq", "trig"):
            ds = rdflib.Dataset()
            ds.parse(data=raw, format=RDFLIB_FORMATS[f["format"]])
            got = Counter(
                (_key(s), _key(p), _key(o), _key(g))
                for s, p, o, g in ds.quads((None, None, None, None))
            )
        else:
            g = rdflib.Graph().parse(data=raw, format=RDFLIB_FORMATS[f["format"]])
            got = Counter((_key(s), _key(p), _key(o)) for s, p, o in g)
        assert _ground(got) == _ground(want), f["path"]
        assert len(got) == len(want) or sum(got.values()) == sum(want.values()), f["path"]


def test_manifest_sizes_and_checksums_are_true(built: dict[str, Any]) -> None:
    out = built["out"]
    files = built["manifest"]["files"]
    assert {f["path"] for f in files} | {"manifest.json", "SHA256SUMS"} == {
        p.name for p in out.iterdir()
    }
    for f in files:
        data = (out / f["path"]).read_bytes()
        assert len(data) == f["bytes"], f["path"]
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
    sums = (out / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(files)


def test_json_ld_dump_expands_with_pyld(built: dict[str, Any]) -> None:
    from pyld import jsonld as pyld  # a dev dependency (pyproject.toml)

    doc = json.loads(gzip.decompress((built["out"] / "kennisgraaf.jsonld.gz").read_bytes()))
    expanded = pyld.expand(doc)
    subjects = {n["@id"] for n in expanded if "@id" in n}
    store_subjects = {
        q.subject.value for q in built["store"] if isinstance(q.subject, ox.NamedNode)
    }
    assert store_subjects <= subjects


def test_void_counts_are_the_true_counts(built: dict[str, Any]) -> None:
    store, out = built["store"], built["out"]
    base = built["manifest"]["base_iri"]
    triples = {
        (q.subject, q.predicate, q.object) for q in store if q.graph_name != ox.DefaultGraph()
    }
    void = rdflib.Graph().parse(out / "void.ttl", format="turtle")
    ds = rdflib.URIRef(built["manifest"]["public_url"] + "catalog#dataset-kennisgraaf")
    V = rdflib.Namespace(VOID)

    def value(s: Any, p: Any) -> int:
        v = void.value(s, p)
        assert v is not None, f"{s} has no {p}"
        return int(v)

    assert value(ds, V.triples) == len(triples)
    assert value(ds, V.distinctSubjects) == len({s for s, _p, _o in triples})
    assert value(ds, V.distinctObjects) == len({o for _s, _p, o in triples})
    assert value(ds, V.entities) == len(
        {
            s
            for s, _p, _o in triples
            if isinstance(s, ox.NamedNode) and s.value.startswith(base + "id/")
        }
    )
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    classes = Counter(
        o.value
        for _s, p, o in {(s, p, o) for s, p, o in triples if p == rdf_type}
        if isinstance(o, ox.NamedNode)
    )
    # class partitions count distinct instances
    instances: dict[str, set[Any]] = {}
    for s, p, o in triples:
        if p == rdf_type and isinstance(o, ox.NamedNode):
            instances.setdefault(o.value, set()).add(s)
    got_classes = {
        str(void.value(part, V["class"])): int(void.value(part, V.entities))
        for part in void.objects(ds, V.classPartition)
    }  # type: ignore[arg-type]
    assert got_classes == {c: len(s) for c, s in instances.items()}
    assert set(got_classes) == set(classes)
    props = Counter(p.value for _s, p, _o in triples)
    got_props = {
        str(void.value(part, V.property)): int(void.value(part, V.triples))
        for part in void.objects(ds, V.propertyPartition)
    }  # type: ignore[arg-type]
    assert got_props == dict(props)
    assert str(void.value(ds, V.sparqlEndpoint)).endswith("/sparql")
    dumps = {str(d) for d in void.objects(ds, V.dataDump)}
    assert any(d.endswith(f"/download/{built['release']}/kennisgraaf.nt.gz") for d in dumps)


def test_export_without_a_release_says_what_to_do(tmp_path: Path) -> None:
    r = run_cli("export", "--store", tmp_path / "leeg")
    assert r.returncode == 2
    assert "kennisgraaf build" in r.stderr
    assert "Traceback" not in r.stderr


def test_export_refuses_to_overwrite_a_foreign_folder(
    built: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "mijn-bestand.txt").write_text("niet weggooien")
    r = run_cli("export", "--store", built["store_dir"], "--out", tmp_path)
    assert r.returncode == 2
    assert "niet leeg" in r.stderr
    assert (tmp_path / "mijn-bestand.txt").read_text() == "niet weggooien"


# --- serving ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(built: dict[str, Any]) -> TestClient:
    from endpoint.downloads import router

    app = create_app(ServeSettings(store=built["store_dir"]))
    if not any(getattr(r, "path", None) == "/download/" for r in app.routes):
        app.include_router(router)
    return TestClient(app)


def test_download_listing_names_the_current_release(
    client: TestClient, built: dict[str, Any]
) -> None:
    r = client.get("/download/", headers={"Accept": "application/json"})
    assert r.status_code == 200
    body = r.json()
    assert body["release"] == built["release"]
    assert any(f["path"] == "kennisgraaf.nq.gz" for f in body["files"])
    html = client.get("/download/", headers={"Accept": "text/html"})
    assert "text/html" in html.headers["content-type"]
    assert "kennisgraaf.ttl.gz" in html.text


def test_download_serves_the_exact_bytes_with_etag(
    client: TestClient, built: dict[str, Any]
) -> None:
    entry = next(f for f in built["manifest"]["files"] if f["path"] == "kennisgraaf.nq.gz")
    r = client.get(f"/download/{built['release']}/kennisgraaf.nq.gz")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in r.headers
    assert hashlib.sha256(r.content).hexdigest() == entry["sha256"]
    assert r.headers["etag"] == f'"{entry["sha256"]}"'
    again = client.get(
        f"/download/{built['release']}/kennisgraaf.nq.gz",
        headers={"If-None-Match": r.headers["etag"]},
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/download/../store",
        "/download/%2e%2e/%2e%2e/current",
        "/download/%2e%2e%2fexports/manifest.json",
        "/download/RELEASE/..%2fmanifest.json",
        "/download/RELEASE/%2e%2e%2f%2e%2e%2fcurrent",
        "/download/RELEASE/%2fetc%2fpasswd",
        "/download/..%2f..%2f..%2fetc/passwd",
        "/download/onbekend-20990101/kennisgraaf.nq.gz",
        "/download/RELEASE/geen-bestand.nq.gz",
        "/download/RELEASE/SHA256SUMSX",
    ],
)
def test_download_never_leaves_the_export_folder(
    client: TestClient, built: dict[str, Any], path: str
) -> None:
    r = client.get(path.replace("RELEASE", built["release"]))
    assert 400 <= r.status_code < 500
    assert b"root:" not in r.content
    assert r.headers.get("content-type", "").startswith(
        ("application/json", "text/plain", "text/html")
    )


def test_unknown_release_says_which_is_current(client: TestClient, built: dict[str, Any]) -> None:
    r = client.get("/download/20000101T000000Z-deadbeef/kennisgraaf.nq.gz")
    assert r.status_code == 404
    assert built["release"] in r.json()["error"]


def test_a_symlink_in_the_export_is_not_followed(client: TestClient, built: dict[str, Any]) -> None:
    folder = built["store_dir"] / "exports" / built["release"]
    manifest = json.loads((folder / "manifest.json").read_text())
    target = folder / "kennisgraaf.nt.gz"
    saved = target.read_bytes()
    target.unlink()
    target.symlink_to("/etc/passwd")
    try:
        r = client.get(f"/download/{built['release']}/kennisgraaf.nt.gz")
        assert r.status_code == 404
        assert b"root:" not in r.content
    finally:
        target.unlink()
        target.write_bytes(saved)
    assert manifest["files"]


@pytest.mark.parametrize("url", ["/catalog", "/.well-known/void"])
@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_catalog_and_void_negotiate(
    client: TestClient, built: dict[str, Any], url: str, accept: str, fmt: ox.RdfFormat
) -> None:
    name = "catalog.ttl" if url == "/catalog" else "void.ttl"
    want = set(
        ox.parse(
            path=str(built["store_dir"] / "exports" / built["release"] / name),
            format=ox.RdfFormat.TURTLE,
        )
    )
    r = client.get(url, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    assert set(ox.parse(io.BytesIO(r.content), format=fmt)) == want
    html = client.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
    assert "text/html" in html.headers["content-type"]
    assert "<h1>" in html.text and "<pre>" not in html.text  # a page for people, not raw RDF


def test_catalog_refuses_an_unknown_format(client: TestClient) -> None:
    r = client.get("/catalog", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "text/turtle" in r.json()["error"]


# --- the one-pass writer on hard cases ------------------------------------------------------

EX = "https://kennisgraaf.nl/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _n(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


@pytest.fixture(scope="module")
def tricky() -> ox.Store:
    """Blank nodes shared across graphs, the same triple in several graphs (also more earlier
    graphs than the per-graph lookup handles), literals of every kind, an empty named graph,
    a default-graph quad, and a big graph that spans many batches."""
    store = ox.Store()
    shared = ox.BlankNode("gedeeld")
    big, small, empty = _n("graph/groot"), _n("graph/klein"), _n("graph/leeg")
    literals = [
        ox.Literal("plat"),
        ox.Literal("kaas", language="nl"),
        ox.Literal("cheese", language="en-GB"),
        ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("2024-05-11", datatype=ox.NamedNode(XSD + "date")),
        ox.Literal('regel 1\nregel "2"\t\\ einde', language="nl"),
        ox.Literal("ünïcødé ✓ <>&'", datatype=ox.NamedNode(EX + "def/eigenType")),
    ]
    quads = [
        ox.Quad(_n(f"id/ding/{i}"), _n("def/waarde"), literals[i % len(literals)], big)
        for i in range(300)
    ]
    quads += [ox.Quad(_n(f"id/ding/{i}"), _n("def/ziet"), shared, big) for i in range(0, 300, 7)]
    quads += [
        ox.Quad(shared, _n("def/naam"), ox.Literal("gedeelde knoop", language="nl"), big),
        # the same triples again in another graph: once in the union, in both graph files
        ox.Quad(shared, _n("def/naam"), ox.Literal("gedeelde knoop", language="nl"), small),
        ox.Quad(_n("id/ding/0"), _n("def/waarde"), literals[0], small),
        ox.Quad(_n("id/ding/0"), _n("def/ziet"), shared, small),
        ox.Quad(_n("id/alleen-klein"), _n("def/ziet"), shared, small),
        ox.Quad(_n("id/standaard"), _n("def/waarde"), ox.Literal("in de standaardgraaf")),
    ]
    # more earlier graphs than PER_GRAPH_LIMIT: the last ones repeat a triple of the first
    for i in range(9):
        g = _n(f"graph/reeks-{i}")
        quads.append(ox.Quad(_n("id/reeks"), _n("def/stap"), ox.Literal(str(i)), g))
        quads.append(ox.Quad(_n("id/ding/1"), _n("def/waarde"), literals[1], g))
    store.extend(quads)
    store.add_graph(empty)
    return store


def _dataset(quads: Any) -> ox.Dataset:
    ds = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object, q.graph_name) for q in quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return ds


def _want(store: ox.Store, f: dict[str, Any]) -> list[ox.Quad]:
    quads = list(store)
    if f["graph"] is not None:
        quads = [q for q in quads if q.graph_name == ox.NamedNode(f["graph"])]
    if f["format"] in ("nq", "trig"):
        return quads
    named = {q.triple for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    return [ox.Quad(t.subject, t.predicate, t.object) for t in named]


@pytest.fixture(scope="module")
def tricky_dumps(
    tricky: ox.Store, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[dict[str, Any]]]:
    from dataclasses import asdict

    from ingest import export_dumps

    out = tmp_path_factory.mktemp("tricky")
    saved = export_dumps.BATCH
    export_dumps.BATCH = 16  # many batches, so batch edges fall inside subjects and graphs
    try:
        entries = export_dumps.write_dumps(tricky, out, EX)
    finally:
        export_dumps.BATCH = saved
    return out, [asdict(e) for e in entries]


def test_hard_cases_every_dump_is_exact_with_blank_nodes_kept_apart_and_shared(
    tricky: ox.Store, tricky_dumps: tuple[Path, list[dict[str, Any]]]
) -> None:
    out, files = tricky_dumps
    graphs = {g.value for g in tricky.named_graphs()}
    assert {f["graph"] for f in files if f["graph"]} == graphs  # the empty graph too
    assert len(files) == len(OX_FORMATS) * (len(graphs) + 1)
    for f in files:
        raw = gzip.decompress((out / f["path"]).read_bytes())
        parsed = list(ox.parse(raw, format=OX_FORMATS[f["format"]]))
        if f["format"] not in ("nq", "trig"):
            parsed = [ox.Quad(t.subject, t.predicate, t.object) for t in parsed]
        want = _want(tricky, f)
        assert len(parsed) == len(want) == f["triples"], f["path"]
        # canonical blank-node labels: the shared blank node is one node in every file
        assert _dataset(parsed) == _dataset(want), f["path"]


def test_hard_cases_the_union_has_each_triple_once(
    tricky: ox.Store, tricky_dumps: tuple[Path, list[dict[str, Any]]]
) -> None:
    out, files = tricky_dumps
    union = {q.triple for q in tricky if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert len(union) < sum(1 for q in tricky if not isinstance(q.graph_name, ox.DefaultGraph))
    for ext, name in RDFLIB_FORMATS.items():
        if ext in ("nq", "trig"):
            continue
        raw = gzip.decompress((out / f"kennisgraaf.{ext}.gz").read_bytes())
        parsed = list(ox.parse(raw, format=OX_FORMATS[ext]))
        assert len(parsed) == len(set(parsed)) == len(union), ext
        g = rdflib.Graph().parse(data=raw, format=name)
        assert len(g) == len(union), ext
        assert not any("standaardgraaf" in str(o) for o in g.objects()), ext


def test_hard_cases_whole_dataset_lines_are_the_store_dump_lines(
    tricky: ox.Store, tricky_dumps: tuple[Path, list[dict[str, Any]]]
) -> None:
    """``ingest/changes.py`` diffs these lines with ``Store.dump``'s: they must be the same bytes."""
    out, _files = tricky_dumps
    lines = gzip.decompress((out / "kennisgraaf.nq.gz").read_bytes()).splitlines()
    dumped = tricky.dump(format=ox.RdfFormat.N_QUADS)
    assert dumped is not None
    assert sorted(lines) == sorted(dumped.splitlines())


def test_json_ld_dumps_carry_the_published_context(built: dict[str, Any]) -> None:
    from pyld import jsonld as pyld

    out = built["out"]
    entry = next(f for f in built["manifest"]["files"] if f["path"] == "kennisgraaf.context.jsonld")
    assert entry["media_type"] == "application/ld+json"
    published = json.loads((out / entry["path"]).read_text())["@context"]
    assert published["kg"] == built["manifest"]["base_iri"] + "def/"
    for f in built["manifest"]["files"]:
        if f["format"] != "jsonld":
            continue
        doc = json.loads(gzip.decompress((out / f["path"]).read_bytes()))
        assert doc["@context"] == published, f["path"]
        # the context only names prefixes: the nodes mean what the serialiser wrote
        assert pyld.expand(doc) == pyld.expand(doc["@graph"]), f["path"]
    whole = json.loads(gzip.decompress((out / "kennisgraaf.jsonld.gz").read_bytes()))
    compacted = pyld.compact(whole, published)
    assert any(k.startswith("kg:") for n in compacted["@graph"] for k in n)


def test_a_failing_writer_stops_the_export_with_its_error(tmp_path: Path) -> None:
    from ingest.export_sink import Sink

    sink = Sink(tmp_path / "x.nt.gz", ox.RdfFormat.N_TRIPLES)
    quad = ox.Quad(_n("id/a"), _n("def/b"), ox.Literal("c"), _n("graph/g"))
    sink.feed([quad])  # a quad where a triple belongs: the serialiser raises in its thread
    with pytest.raises(ValueError, match="named graphs"):
        for _ in range(20):  # the feeder is never blocked by a writer that stopped
            sink.feed([quad] * 100)
        sink.close()


# --- VoID counts gathered in the dump pass -------------------------------------------------------


def _true_counts(store: ox.Store, space: str) -> dict[str, Any]:
    """VoID's counts over the union of the named graphs, from every quad in Python."""
    triples = {q.triple for q in store if not isinstance(q.graph_name, ox.DefaultGraph)}
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    subjects = {t.subject for t in triples}
    graphs: Counter[str] = Counter(
        q.graph_name.value for q in store if isinstance(q.graph_name, ox.NamedNode)
    )
    return {
        "triples": len(triples),
        "subjects": len(subjects),
        "objects": len({t.object for t in triples}),
        "entities": len(
            {s for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(space)}
        ),
        "properties": dict(Counter(t.predicate.value for t in triples)),
        "classes": dict(
            Counter(
                t.object.value
                for t in triples
                if t.predicate == rdf_type and isinstance(t.object, ox.NamedNode)
            )
        ),
        "graphs": {g.value: graphs.get(g.value, 0) for g in store.named_graphs()},
    }


def _counts_of(stats: Any) -> dict[str, Any]:
    return {
        "triples": stats.triples,
        **stats.distinct(),
        "properties": {p.value: n for p, n in stats.properties.items()},
        "classes": {c.value: n for c, n in stats.classes.items()},
        "graphs": stats.graph_triples,
    }


@pytest.fixture(scope="module")
def typed(tricky: ox.Store) -> ox.Store:
    """The hard cases plus classes: typed in several graphs (one instance counted once), a
    blank-node instance, a class that is a blank node (not an IRI class), and subjects outside
    the uriSpace."""
    store = ox.Store()
    store.extend(tricky)
    store.add_graph(_n("graph/leeg"))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    thing, other = _n("def/Ding"), ox.NamedNode("http://example.org/Ander")
    big, small = _n("graph/groot"), _n("graph/klein")
    store.extend(ox.Quad(_n(f"id/ding/{i}"), rdf_type, thing, big) for i in range(0, 300, 3))
    store.extend(ox.Quad(_n(f"id/ding/{i}"), rdf_type, thing, small) for i in range(0, 30, 3))
    store.extend(
        [
            ox.Quad(ox.BlankNode("gedeeld"), rdf_type, other, small),
            ox.Quad(_n("id/ding/1"), rdf_type, ox.BlankNode("klasse"), small),
            ox.Quad(ox.NamedNode("http://example.org/buiten"), rdf_type, other, small),
            ox.Quad(ox.NamedNode("http://example.org/buiten"), _n("def/ziet"), thing, big),
        ]
    )
    return store


def test_void_counts_from_the_dump_pass_are_the_true_counts(
    typed: ox.Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import export_dumps, sorted_runs
    from ingest.export_union import UnionStats

    monkeypatch.setattr(export_dumps, "BATCH", 16)  # subject runs cross batch edges
    monkeypatch.setattr(sorted_runs, "BUDGET", 256)  # the distinct objects spill many runs
    stats = UnionStats(EX + "id/", tmp_path)
    try:
        (tmp_path / "out").mkdir()
        export_dumps.write_dumps(typed, tmp_path / "out", EX, stats=stats)
        assert len(list(tmp_path.glob("kg-sort-*/run-*"))) > 5
        assert _counts_of(stats) == _true_counts(typed, EX + "id/")
    finally:
        stats.close()
    assert not list(tmp_path.glob("kg-sort-*")), "the sort's files are left behind"


def test_void_on_its_own_makes_the_same_counts(typed: ox.Store, tmp_path: Path) -> None:
    from ingest.export_union import union_stats

    stats = union_stats(typed, EX + "id/", tmp_path, batch=7)
    try:
        assert _counts_of(stats) == _true_counts(typed, EX + "id/")
    finally:
        stats.close()
