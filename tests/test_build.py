"""Builds are deterministic, atomic and kept as releases; ``validate`` loads nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import run_cli


def test_building_twice_gives_the_same_graph(mini_data: Path, tmp_path: Path) -> None:
    a = pipeline.build(BuildSettings(data=mini_data, store=tmp_path / "a"))
    b = pipeline.build(BuildSettings(data=mini_data, store=tmp_path / "b"))
    assert a.checksum == b.checksum
    assert a.triples == b.triples
    assert a.release_id and a.release_id.endswith(a.checksum[:8])


def test_rebuild_switches_release_and_keeps_the_configured_number(
    mini_data: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    ids = []
    for n in range(4):
        (mini_data / "programmas.yaml").write_text(
            (mini_data / "programmas.yaml")
            .read_text()
            .replace("naam: Npuls" if n == 0 else f"naam: Npuls {n - 1}", f"naam: Npuls {n}")
        )
        out = pipeline.build(BuildSettings(data=mini_data, store=store, keep_releases=2))
        ids.append(out.release_id)
        assert os.readlink(store / "current") == f"releases/{out.release_id}"
    kept = sorted(p.name for p in (store / "releases").iterdir() if p.is_dir())
    assert kept == sorted(ids[-2:])
    s = ox.Store.read_only(str(store / "current"))
    assert bool(
        s.query(
            'ASK { ?p <http://www.w3.org/2004/02/skos/core#prefLabel> "Npuls 3"@nl }',
            use_default_graph_as_union=True,
        )
    )


def test_validate_writes_no_store(mini_data: Path, tmp_path: Path) -> None:
    result = run_cli("validate", "--data", mini_data, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "geldig" in result.stdout
    assert not (tmp_path / "store").exists()


def test_build_prints_progress_and_summary(mini_data: Path, tmp_path: Path) -> None:
    result = run_cli("build", "--data", mini_data, "--store", tmp_path / "s")
    assert result.returncode == 0, result.stderr
    assert "valideren van" in result.stderr
    assert "release " in result.stdout


def test_environment_settings_are_used(mini_data: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {
        **os.environ,
        "KENNISGRAAF_DATA": str(mini_data),
        "KENNISGRAAF_STORE": str(tmp_path / "env"),
        "KENNISGRAAF_BASE_IRI": "https://example.org/kg/",
    }
    r = subprocess.run(
        [sys.executable, "-m", "kennisgraaf", "build", "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    s = ox.Store.read_only(str(tmp_path / "env" / "current"))
    hub = ox.NamedNode("https://example.org/kg/id/hub/pilothub-xr")
    assert list(s.quads_for_pattern(hub, None, None, None))
    # the ontology moved with the base
    assert bool(
        s.query(
            "ASK { <https://example.org/kg/def/PilotHub> ?p ?o }", use_default_graph_as_union=True
        )
    )


def test_sources_have_named_graphs_with_provenance(mini_data: Path, tmp_path: Path) -> None:
    out = pipeline.build(BuildSettings(data=mini_data, store=tmp_path / "s"))
    s = ox.Store.read_only(str(out.path))
    graphs = {g.value for g in s.named_graphs()}
    assert "https://kennisgraaf.nl/graph/bron/bericht" in graphs
    assert "https://kennisgraaf.nl/graph/redactie" in graphs
    # the editorial description of Marian sits in the editorial graph, her name in the source graph
    q = """SELECT ?g WHERE { GRAPH ?g { <https://kennisgraaf.nl/id/persoon/marian-kat-de-jong>
           <http://purl.org/dc/terms/description> ?d } }"""
    assert [r["g"].value for r in s.query(q)] == ["https://kennisgraaf.nl/graph/redactie"]  # type: ignore[index, union-attr]
    q = """ASK { GRAPH <https://kennisgraaf.nl/graph/bron/bericht> {
           <https://kennisgraaf.nl/id/hub/pilothub-xr> <http://www.w3.org/ns/prov#wasDerivedFrom>
           <https://kennisgraaf.nl/id/bron/bericht> } }"""
    assert bool(s.query(q))


def test_an_editorial_post_lands_in_the_editorial_graph(mini_data: Path, tmp_path: Path) -> None:
    people = mini_data / "personen.yaml"
    people.write_text(
        people.read_text(encoding="utf-8")
        + "    functies:\n      - rol: programmamanager\n        bij: pilothub-xr\n",
        encoding="utf-8",
    )
    out = pipeline.build(BuildSettings(data=mini_data, store=tmp_path / "s"))
    s = ox.Store.read_only(str(out.path))
    q = """SELECT ?g ?unit WHERE { GRAPH ?g {
             <https://kennisgraaf.nl/id/persoon/marian-kat-de-jong> <http://www.w3.org/ns/org#holds> ?post .
             ?post <http://www.w3.org/ns/org#postIn> ?unit } }"""
    found = {(r["g"].value, r["unit"].value) for r in s.query(q)}  # type: ignore[index, union-attr]
    assert found == {
        ("https://kennisgraaf.nl/graph/bron/bericht", "https://kennisgraaf.nl/id/programma/npuls"),
        ("https://kennisgraaf.nl/graph/redactie", "https://kennisgraaf.nl/id/hub/pilothub-xr"),
    }


def test_a_large_n_triples_file_loads_in_parallel_parts_with_the_same_content(
    mini_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Big line-based files are bulk-loaded in parts (cut at line ends); the graph must be the
    same as one load, and a file with blank nodes must stay whole (each load renames them)."""
    rdf = mini_data / "rdf"
    rdf.mkdir()
    lines = [
        f'<https://example.org/s{i}> <https://example.org/p> "waarde {i} met een lange tekst" .'
        for i in range(3000)
    ]
    (rdf / "groot.nt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (rdf / "bnodes.nt").write_text(
        "".join(f'_:b <https://example.org/p> "{i}" .\n' for i in range(500)), encoding="utf-8"
    )
    whole = pipeline.build(BuildSettings(data=mini_data, store=tmp_path / "een", threads=1))
    monkeypatch.setattr(pipeline, "PARALLEL_LOAD_BYTES", 1000)
    assert len(pipeline._line_parts(rdf / "groot.nt", ox.RdfFormat.N_TRIPLES, 2)) == 2
    assert len(pipeline._line_parts(rdf / "bnodes.nt", ox.RdfFormat.N_TRIPLES, 2)) == 1
    parts = pipeline.build(BuildSettings(data=mini_data, store=tmp_path / "twee", threads=2))

    def content(out: pipeline.Outcome) -> set[str]:
        store = ox.Store.read_only(str(out.path))
        return {str(q) for q in store if not isinstance(q.subject, ox.BlankNode)}

    assert content(whole) == content(parts)
    assert whole.triples == parts.triples
    q = "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH ?g { ?b <https://example.org/p> ?o } FILTER isBlank(?b) }"
    store = ox.Store.read_only(str(parts.path))
    assert [r["n"].value for r in store.query(q)] == ["1"]  # type: ignore[index, union-attr]
