"""Changes between releases: one edited record gives exactly that change in the patch and the feed.

Three real builds of the mini data into one store: R1, R2 (nothing changed), R3 (one hub's Dutch
name changed). Applying the patch to the older N-Quads dump must give the newer dump exactly.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from endpoint.app import create_app
from endpoint.settings import ServeSettings
from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import MINI

BASE = "https://kennisgraaf.nl/"
HUB = f"{BASE}id/hub/pilothub-xr"
LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
OLD_NAME, NEW_NAME = "Pilothub XR", "Pilothub XR en VR"
LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS = "https://www.w3.org/ns/activitystreams#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _next_second(after: float) -> None:
    """Release ids carry the build's second: make the next build start in a later one."""
    while int(time.time()) <= int(after):
        time.sleep(0.05)


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("changes")
    data, store = tmp / "data", tmp / "store"
    shutil.copytree(MINI, data)
    settings = BuildSettings(data=data, store=store, keep_releases=5)
    ids: list[str] = []
    done = 0.0
    for step in range(3):
        if step == 2:
            hubs = data / "hubs.yaml"
            text = hubs.read_text()
            assert f"naam: {OLD_NAME}\n" in text
            hubs.write_text(text.replace(f"naam: {OLD_NAME}\n", f"naam: {NEW_NAME}\n", 1))
        if ids:
            _next_second(done)
        outcome = pipeline.build(settings)
        done = time.time()
        assert outcome.release_id is not None
        ids.append(outcome.release_id)
    assert len(set(ids)) == 3
    return {"store": store, "ids": ids}


@pytest.fixture(scope="module")
def client(releases: dict[str, Any]) -> Iterator[TestClient]:
    from endpoint.changes import router

    app = create_app(ServeSettings(store=releases["store"]))
    if not any(getattr(r, "path", None) == "/changes/feed" for r in app.routes):
        app.include_router(router)
    with TestClient(app) as c:
        yield c


def _dump(store: Path, rid: str) -> set[ox.Quad]:
    raw = gzip.decompress((store / "exports" / rid / "kennisgraaf.nq.gz").read_bytes())
    return set(ox.parse(raw, format=ox.RdfFormat.N_QUADS))


def _parse_patch(text: str) -> tuple[dict[str, str], list[ox.Quad], list[ox.Quad]]:
    """A small RDF Patch reader: headers, then D and A rows inside one TX ... TC."""
    headers: dict[str, str] = {}
    removed: list[ox.Quad] = []
    added: list[ox.Quad] = []
    state = "header"
    for line in text.splitlines():
        if not line.strip():
            continue
        op, _, rest = line.partition(" ")
        if op == "H":
            assert state == "header", line
            key, _, value = rest.partition(" ")
            headers[key] = value.removesuffix(" .").strip()
        elif op == "TX":
            assert state == "header"
            state = "tx"
        elif op in ("D", "A"):
            assert state == "tx", line
            quads = list(ox.parse(rest.encode(), format=ox.RdfFormat.N_QUADS))
            assert len(quads) == 1, line
            (removed if op == "D" else added).append(quads[0])
        elif op == "TC":
            assert state == "tx"
            state = "done"
        else:
            raise AssertionError(f"unexpected patch row: {line}")
    assert state == "done", "patch has no complete transaction"
    return headers, removed, added


def _apply(old: set[ox.Quad], removed: list[ox.Quad], added: list[ox.Quad]) -> set[ox.Quad]:
    assert set(removed) <= old, "the patch removes quads the old dump does not have"
    assert not set(added) & old, "the patch adds quads the old dump already has"
    return (old - set(removed)) | set(added)


def _get_patch(client: TestClient, a: str, b: str) -> str:
    r = client.get(f"/changes/{a}/{b}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/rdf-patch")
    return r.text


# --- the patch -------------------------------------------------------------------------------


def test_edited_record_gives_exactly_that_change(
    client: TestClient, releases: dict[str, Any]
) -> None:
    _r1, r2, r3 = releases["ids"]
    headers, removed, added = _parse_patch(_get_patch(client, r2, r3))
    assert headers["id"].endswith(f"changes/{r3}>")
    assert headers["prev"].endswith(f"changes/{r2}>")
    hub, label = ox.NamedNode(HUB), ox.NamedNode(LABEL)
    assert [(q.subject, q.predicate, q.object) for q in removed] == [
        (hub, label, ox.Literal(OLD_NAME, language="nl"))
    ]
    assert [(q.subject, q.predicate, q.object) for q in added] == [
        (hub, label, ox.Literal(NEW_NAME, language="nl"))
    ]
    old_graphs = {q.graph_name for q in _dump(releases["store"], r2) if q.subject == hub}
    assert removed[0].graph_name == added[0].graph_name
    assert removed[0].graph_name in old_graphs


def test_applying_the_patch_to_the_old_dump_gives_the_new_dump(
    client: TestClient, releases: dict[str, Any]
) -> None:
    store = releases["store"]
    r1, r2, r3 = releases["ids"]
    for a, b in ((r1, r2), (r2, r3), (r1, r3)):
        _h, removed, added = _parse_patch(_get_patch(client, a, b))
        assert _apply(_dump(store, a), removed, added) == _dump(store, b), (a, b)


def test_an_unchanged_rebuild_gives_an_empty_patch_blank_nodes_included(
    client: TestClient, releases: dict[str, Any]
) -> None:
    r1, r2, _r3 = releases["ids"]
    old = _dump(releases["store"], r1)
    assert any(isinstance(q.subject, ox.BlankNode) for q in old), "expected shape blank nodes"
    _h, removed, added = _parse_patch(_get_patch(client, r1, r2))
    assert removed == [] and added == []


def test_chained_patch_equals_the_direct_difference(
    client: TestClient, releases: dict[str, Any]
) -> None:
    r1, r2, r3 = releases["ids"]
    chained = _parse_patch(_get_patch(client, r1, r3))
    direct = _parse_patch(_get_patch(client, r2, r3))
    assert chained[1:] == direct[1:]
    assert chained[0]["prev"].endswith(f"changes/{r1}>")
    same = client.get(f"/changes?from={r3}&to={r3}")
    assert same.status_code == 200 and _parse_patch(same.text)[1:] == ([], [])
    since = client.get(f"/changes?from={r2}")  # to: the current release
    assert _parse_patch(since.text)[1:] == direct[1:]


def test_summary_counts_per_graph_and_names_the_entity(
    client: TestClient, releases: dict[str, Any]
) -> None:
    _r1, r2, r3 = releases["ids"]
    summary = json.loads((releases["store"] / "changes" / r3 / f"{r2}.json").read_text())
    assert (summary["added"], summary["removed"]) == (1, 1)
    assert [e["iri"] for e in summary["entities"]] == [HUB]
    assert summary["entities"][0]["change"] == "Update"
    assert sum(g["added"] for g in summary["graphs"].values()) == 1
    r = client.get(f"/changes/{r2}/{r3}?format=json")
    assert r.status_code == 200
    assert r.json()["steps"][0]["entity_changes"][0]["iri"] == HUB


# --- listing and feed ------------------------------------------------------------------------


def test_listing_names_every_release_with_time_and_links(
    client: TestClient, releases: dict[str, Any]
) -> None:
    r1, r2, r3 = releases["ids"]
    body = client.get("/changes", headers={"Accept": "application/json"}).json()
    assert [r["id"] for r in body["releases"]] == [r1, r2, r3]
    assert body["current"] == r3
    assert all(r["created"] and r["dump"] for r in body["releases"])
    assert {(c["from"], c["to"]) for c in body["changes"]} == {(r1, r2), (r2, r3)}
    html = client.get("/changes", headers={"Accept": "text/html"})
    assert "text/html" in html.headers["content-type"]
    assert f"/changes/{r2}/{r3}" in html.text
    info = client.get(f"/changes/{r2}").json()
    assert info["created"] and [c["to"] for c in info["changes_from"]] == [r3]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD)],
)
def test_feed_lists_exactly_the_changed_entity_as_update(
    client: TestClient, releases: dict[str, Any], accept: str, fmt: ox.RdfFormat
) -> None:
    _r1, _r2, r3 = releases["ids"]
    r = client.get("/changes/feed", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(accept)
    g = ox.Store()
    g.extend(ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(r.content, format=fmt))
    streams = [
        q.subject for q in g.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(LDES + "EventStream"))
    ]
    assert len(streams) == 1
    stream = streams[0]
    ts = list(g.quads_for_pattern(stream, ox.NamedNode(LDES + "timestampPath"), None))
    assert [q.object for q in ts] == [ox.NamedNode(PROV + "generatedAtTime")]
    assert list(g.quads_for_pattern(stream, ox.NamedNode(TREE + "view"), None))
    members = [q.object for q in g.quads_for_pattern(stream, ox.NamedNode(TREE + "member"), None)]
    assert len(members) == 1
    m = members[0]
    assert isinstance(m, ox.NamedNode)
    types = {q.object for q in g.quads_for_pattern(m, RDF_TYPE, None)}
    assert types == {ox.NamedNode(AS + "Update")}
    of = [q.object for q in g.quads_for_pattern(m, ox.NamedNode(DCT + "isVersionOf"), None)]
    assert of == [ox.NamedNode(HUB)]
    at = [q.object for q in g.quads_for_pattern(m, ox.NamedNode(PROV + "generatedAtTime"), None)]
    created = json.loads((releases["store"] / "releases" / f"{r3}.json").read_text())["created"]
    assert [a.value for a in at if isinstance(a, ox.Literal)] == [created]


# --- bad requests ----------------------------------------------------------------------------


def test_unknown_release_is_404_listing_the_known_ones(
    client: TestClient, releases: dict[str, Any]
) -> None:
    r1, _r2, r3 = releases["ids"]
    for path in (
        f"/changes/20000101T000000Z-deadbeef/{r3}",
        f"/changes/{r1}/20990101T000000Z-deadbeef",
        "/changes/20000101T000000Z-deadbeef",
        "/changes?from=20000101T000000Z-deadbeef",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        body = r.json()
        assert "onbekende release" in body["error"]
        assert r1 in body["error"] and body["known"] == releases["ids"]


def test_backwards_is_404_saying_what_is_available(
    client: TestClient, releases: dict[str, Any]
) -> None:
    r1, r2, r3 = releases["ids"]
    r = client.get(f"/changes/{r3}/{r1}")
    assert r.status_code == 404
    assert f"{r1} -> {r2}" in r.json()["error"]


def test_unknown_format_is_a_4xx(client: TestClient, releases: dict[str, Any]) -> None:
    _r1, r2, r3 = releases["ids"]
    assert client.get(f"/changes/{r2}/{r3}?format=xml").status_code == 400
    assert client.get(f"/changes/{r2}/{r3}", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/changes/feed?format=pdf").status_code == 400
    assert client.get("/changes/feed", headers={"Accept": "application/pdf"}).status_code == 406
    r = client.get("/changes/feed", headers={"Accept": "application/pdf"})
    assert "text/turtle" in r.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/changes/../releases",
        "/changes/%2e%2e/%2e%2e",
        "/changes/..%2f..%2fetc/passwd",
        "/changes/RELEASE/..%2fRELEASE",
        "/changes/%2e%2e%2fchanges%2fRELEASE/RELEASE",
        "/changes/RELEASE/%2fetc%2fpasswd",
        "/changes/%2e%2e",
        "/changes?from=..%2f..%2fetc%2fpasswd&to=RELEASE",
    ],
)
def test_paths_never_leave_the_store(
    client: TestClient, releases: dict[str, Any], path: str
) -> None:
    r = client.get(path.replace("RELEASE", releases["ids"][-1]))
    assert 400 <= r.status_code < 500, path
    assert b"root:" not in r.content
    assert not r.headers.get("content-type", "").startswith("application/rdf-patch")


# --- the pieces, on small inputs -------------------------------------------------------------


def test_entities_are_created_updated_or_deleted_by_subject() -> None:
    from ingest.changes import diff, summarise

    g = "<http://g/1>"

    def line(s: str, o: str) -> bytes:
        return f'<http://x/{s}> <http://p> "{o}" {g} .\n'.encode()

    old = {line("kept", "a"), line("kept#part", "b"), line("gone", "c"), line("same", "d")}
    new = {line("kept", "a"), line("kept#part", "B"), line("born", "e"), line("same", "d")}
    new.add(b'_:b0 <http://p> "f" ' + g.encode() + b" .\n")
    removed, added = diff(old, new)
    s = summarise(old, new, removed, added)
    assert {e["iri"]: e["change"] for e in s["entities"]} == {
        "http://x/kept": "Update",
        "http://x/gone": "Delete",
        "http://x/born": "Create",
    }
    assert s["graphs"] == {"http://g/1": {"added": 3, "removed": 2}}


def test_composed_patches_cancel_what_was_undone() -> None:
    from endpoint.changes import _compose

    q1, q2, q3 = (f"<http://s> <http://p> <http://o{i}> .\n".encode() for i in (1, 2, 3))
    first = b"TX .\nD " + q1 + b"A " + q2 + b"TC .\n"
    second = b"TX .\nD " + q2 + b"A " + q1 + b"A " + q3 + b"TC .\n"
    assert _compose([first, second]) == ([], [q3])
    assert _compose([first]) == ([q1], [q2])


# --- diffing without holding the releases ---------------------------------------------------


def test_sorted_runs_give_every_line_once_in_order_and_clean_up(tmp_path: Path) -> None:
    import random

    from ingest.sorted_runs import SortedRuns

    rng = random.Random(5)
    lines = [
        f"<http://x/{rng.randrange(500)}> <http://p> {i % 37} .\n".encode() for i in range(3000)
    ]
    with SortedRuns(budget=1000, folder=tmp_path) as runs:
        runs.extend(lines)
        runs.seal()
        assert len(list(tmp_path.glob("kg-sort-*/run-*"))) > 20  # many runs were merged
        assert list(runs.merged()) == sorted(set(lines))
        assert list(runs.merged()) == sorted(set(lines))  # can be read again
        assert runs.count() == len(set(lines))
    assert not list(tmp_path.iterdir()), "the runs are left behind"


def test_streamed_patch_is_the_in_memory_diff_and_applies(tmp_path: Path) -> None:
    import random

    from ingest.changes import diff, sorted_lines, summarise, write_patch

    rng = random.Random(11)

    def line(i: int) -> bytes:
        s = f"<http://x/e{i % 97}{'#d' if i % 5 == 0 else ''}>" if i % 13 else f"_:b{i % 7}"
        return f'{s} <http://p/{i % 4}> "{i}" <http://g/{i % 3}> .\n'.encode()

    old = [line(i) for i in rng.sample(range(5000), 3000)]
    new = [line(i) for i in rng.sample(range(5000), 3000)]
    old += old[:50]  # a dump never repeats a line, but the diff must not care
    patch = tmp_path / "p.rdfp.gz"
    with sorted_lines(old, tmp_path, 500) as a, sorted_lines(new, tmp_path, 500) as b:
        assert len(list(tmp_path.glob("kg-sort-*/run-*"))) > 40  # each release in many runs
        summary = write_patch(patch, "http://r/1", "http://r/2", a.merged(), b.merged())
        got = summary.result(a.merged(), b.merged())
    removed, added = diff(old, new)
    assert got == summarise(set(old), set(new), removed, added)
    assert got["removed"] == len(removed) and got["added"] == len(added)
    text = gzip.decompress(patch.read_bytes()).decode()
    assert text == (
        "H id <http://r/2> .\nH prev <http://r/1> .\nTX .\n"
        + "".join("D " + x.decode() for x in removed)
        + "".join("A " + x.decode() for x in added)
        + "TC .\n"
    )
    headers, rem, add = _parse_patch(text)
    parse = lambda ls: set(ox.parse(b"".join(ls), format=ox.RdfFormat.N_QUADS))  # noqa: E731
    assert _apply(parse(set(old)), rem, add) == parse(set(new))
    assert [p.name for p in tmp_path.iterdir()] == ["p.rdfp.gz"], "temporary files left behind"


def test_a_release_without_its_dump_is_read_from_its_store(
    releases: dict[str, Any], tmp_path: Path
) -> None:
    from ingest.changes import release_lines

    store, rid = releases["store"], releases["ids"][-1]
    from_dump = set(release_lines(store, rid))
    folder = tmp_path / "tmp"
    folder.mkdir()
    from_store = release_lines(store, "zonder-dump", store / "releases" / rid, folder)
    assert set(from_store) == from_dump
    assert not list(folder.iterdir()), "the temporary dump is left behind"
