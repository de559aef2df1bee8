"""An editor breaks the data in each way an editor could; the build must say what, where and
how to fix it, exit 1, print no stack trace, and leave the store that was there serving."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import run_cli


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


# (name, file, old, new, expected record, expected field, line needle in the broken file,
#  words the message or the fix must contain)
BREAKAGES = [
    (
        "syntax-error",
        "hubs.yaml",
        "  soort: pilothub",
        "  soort: [pilothub",
        None,
        None,
        None,
        ["YAML-syntaxfout", "oplossing"],
    ),
    (
        "missing-label",
        "hubs.yaml",
        "  naam: Pilothub XR\n",
        "",
        "pilothub-xr",
        "naam",
        None,
        ["ontbreekt", "naam"],
    ),
    (
        "unknown-reference",
        "hubs.yaml",
        "onderdeel_van: npuls",
        "onderdeel_van: npulss",
        "pilothub-xr",
        "onderdeel_van",
        "npulss",
        ["npulss", "bedoelt u 'npuls'"],
    ),
    (
        "bad-date",
        "bronnen.yaml",
        "datum: 2023-05-11",
        "datum: 2023-13-45",
        "bericht",
        "datum",
        "2023-13-45",
        ["2023-13-45", "JJJJ-MM-DD"],
    ),
    (
        "wrong-kind",
        "hubs.yaml",
        "onderdeel_van: npuls",
        "onderdeel_van: marian-kat-de-jong",
        "pilothub-xr",
        "onderdeel_van",
        "marian-kat-de-jong",
        ["een persoon", "programma"],
    ),
    (
        "duplicate-id",
        "programmas.yaml",
        "- id: npuls\n",
        "- id: pilothub-xr\n",
        "pilothub-xr",
        "id",
        "- id: pilothub-xr",
        ["bestaat al", "hubs.yaml"],
    ),
    (
        "wrong-amount",
        "financiering.yaml",
        "bedrag: € 560.000.000",
        "bedrag: 560 miljoen",
        "groeifonds-bijdrage",
        "bedrag",
        "560 miljoen",
        ["geen bedrag", "€ 603.000.000"],
    ),
    (
        "quote-not-in-source",
        "hubs.yaml",
        "bereikbaar via xr@example.nl.",
        "bereikbaar via xr@voorbeeld.nl.",
        "pilothub-xr",
        "bronnen.citaat",
        "voorbeeld",
        ["niet letterlijk", "bericht"],
    ),
    (
        "unknown-field",
        "hubs.yaml",
        "  thema: [xr]",
        "  themas: [xr]",
        "pilothub-xr",
        "themas",
        "themas",
        ["onbekend veld", "bedoelt u 'thema'"],
    ),
    (
        "unknown-concept",
        "hubs.yaml",
        "  soort: pilothub",
        "  soort: pilot-hub",
        "pilothub-xr",
        "soort",
        "pilot-hub",
        ["hubsoort", "bedoelt u 'pilothub'"],
    ),
    (
        "missing-source",
        "programmas.yaml",
        "  bronnen:\n    - bron: bericht\n      citaat: Update van de pilothubs\n",
        "",
        "npuls",
        "bronnen",
        None,
        ["noemt geen bron", "citaat"],
    ),
    (
        "bad-email",
        "personen.yaml",
        "  naam: Marian Kat-de Jong\n",
        "  naam: Marian Kat-de Jong\n  email: marian-at-example\n",
        "marian-kat-de-jong",
        "email",
        "marian-at-example",
        ["geen e-mailadres"],
    ),
    (
        "unknown-editorial-field",
        "personen.yaml",
        "    beschrijving: Programmamanager bij Npuls.",
        "    beschrijvin: Programmamanager bij Npuls.",
        "marian-kat-de-jong",
        "redactioneel.beschrijvin",
        "beschrijvin:",
        ["onbekend veld 'redactioneel.beschrijvin'", "bedoelt u 'beschrijving'"],
    ),
]


@pytest.fixture
def built(mini_data: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    store = tmp_path / "store"
    ok = run_cli("build", "--data", mini_data, "--store", store)
    assert ok.returncode == 0, ok.stderr
    return mini_data, store, os.readlink(store / "current")


@pytest.mark.parametrize("case", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_broken_data_is_reported_and_store_untouched(
    case: tuple, built: tuple[Path, Path, str]
) -> None:  # type: ignore[type-arg]
    name, file, old, new, record, field, needle, words = case
    data, store, before = built
    edit(data / file, old, new)
    result = run_cli("build", "--data", data, "--store", store)
    out = result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    assert f"data/{file}" in out, out
    if needle is not None:
        assert f"data/{file}:{line_of(data / file, needle)}" in out, out
    else:
        assert re.search(rf"data/{re.escape(file)}:\d+", out), out
    if record is not None:
        assert f"record '{record}'" in out, out
    if field is not None:
        assert f"veld '{field}'" in out, out
    for w in words:
        assert w in out, (w, out)
    assert "oplossing:" in out
    assert "ongewijzigd" in out
    # the store that was there is untouched and still answers
    assert os.readlink(store / "current") == before
    assert not list((store / "releases").glob(".building-*"))
    s = ox.Store.read_only(str(store / "current"))
    ask = s.query(
        'ASK { ?h <http://www.w3.org/2004/02/skos/core#prefLabel> "Pilothub XR"@nl }',
        use_default_graph_as_union=True,
    )
    assert bool(ask)


@pytest.mark.parametrize("case", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_validate_reports_the_same(case: tuple, mini_data: Path) -> None:  # type: ignore[type-arg]
    _name, file, old, new, record, _field, _needle, _words = case
    edit(mini_data / file, old, new)
    result = run_cli("validate", "--data", mini_data)
    assert result.returncode == 1
    assert f"data/{file}" in result.stderr
    if record is not None:
        assert f"record '{record}'" in result.stderr


def test_shape_violation_in_external_rdf_names_the_file(built: tuple[Path, Path, str]) -> None:
    data, store, before = built
    (data / "rdf").mkdir()
    (data / "rdf" / "extern.ttl").write_text(
        "<https://kennisgraaf.nl/id/hub/zonder-naam> a <https://kennisgraaf.nl/def/PilotHub> .\n"
    )
    result = run_cli("build", "--data", data, "--store", store)
    assert result.returncode == 1, result.stderr
    assert "data/rdf/extern.ttl" in result.stderr
    assert "https://kennisgraaf.nl/id/hub/zonder-naam" in result.stderr
    assert "validatie (SHACL)" in result.stderr
    assert os.readlink(store / "current") == before


def test_rdf_syntax_error_names_file_and_line(built: tuple[Path, Path, str]) -> None:
    data, store, before = built
    (data / "rdf").mkdir()
    (data / "rdf" / "kapot.nt").write_text('<https://a.nl/x> <https://a.nl/p> "ok" .\n<x> <y> .\n')
    result = run_cli("build", "--data", data, "--store", store)
    assert result.returncode == 1
    assert "data/rdf/kapot.nt:2" in result.stderr
    assert os.readlink(store / "current") == before


def test_several_problems_are_reported_in_one_run(mini_data: Path) -> None:
    edit(mini_data / "hubs.yaml", "onderdeel_van: npuls", "onderdeel_van: nergens")
    edit(mini_data / "bronnen.yaml", "datum: 2023-05-11", "datum: gisteren")
    result = run_cli("validate", "--data", mini_data)
    assert result.returncode == 1
    assert "2 problemen" in result.stderr
    assert "nergens" in result.stderr and "gisteren" in result.stderr


def test_missing_data_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("validate", "--data", tmp_path / "bestaat-niet")
    assert result.returncode == 2
    assert "bestaat niet" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_base_iri_setting(mini_data: Path) -> None:
    env_result = run_cli("validate", "--data", mini_data, "--base-iri", "ftp://x")
    assert env_result.returncode == 2
    assert "KENNISGRAAF_BASE_IRI" in env_result.stderr
