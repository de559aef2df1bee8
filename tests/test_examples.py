"""The example queries (``queries/*.rq``) on the real graph, and the query editor that offers them.

Every example is run as it is (its own PREFIX declarations, the union default graph) against the
store built from ``data/``, and its answer is checked against the source data: specific names,
amounts and counts, several of them recomputed from the YAML files, so that an example that
drifts from the data fails here. The editor page is fetched from the real app: it must load YASGUI
from our own origin, offer every example, and reference nothing on another host.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import yaml
from fastapi.testclient import TestClient

from endpoint import examples_routes
from endpoint.app import create_app
from endpoint.settings import ServeSettings
from ingest import pipeline
from ontology import ONTOLOGY_DIR
from queries import GROUPS, Example, ExampleError, examples
from queries.catalog import parse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
QUERIES = ROOT / "queries"
ID = "https://kennisgraaf.nl/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PLAIN = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
BY_ID = {e.id: e for e in examples()}


# ---- helpers -----------------------------------------------------------------------------------
def render(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    """An IRI under /id/ -> its path (``hub/pilothub-xr``); a literal -> its lexical form, with
    ``^^<xsd name>`` for typed literals other than strings; unbound -> ``""``."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return term.value[len(ID) :] if term.value.startswith(ID) else term.value
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        return term.value if dt in PLAIN else f"{term.value}^^{dt.rsplit('#', 1)[-1]}"
    return str(term)


def run(store: ox.Store, example_id: str) -> list[dict[str, str]]:
    """The rows of a SELECT example, exactly as the file is written."""
    result = store.query(BY_ID[example_id].query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions), f"{example_id} is not a SELECT query"
    names = [v.value for v in result.variables]
    return [{n: render(row[n]) for n in names} for row in result]


def split(value: str, sep: str = ", ") -> set[str]:
    return set(value.split(sep)) if value else set()


def records(file: str) -> list[dict[str, Any]]:
    loaded = yaml.safe_load((DATA / file).read_text(encoding="utf-8"))
    return loaded or []


def all_records() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(DATA.glob("*.yaml")):
        for rec in records(path.name):
            yield path.name, rec


def ror_ids() -> set[str]:
    ids = set()
    for path in (DATA / "ror").glob("*.json"):
        for item in json.loads(path.read_text(encoding="utf-8")):
            ids.add(item.get("id") or item["ror_id"])
    return ids


def normalise(text: str) -> str:
    return " ".join(text.split())


# ---- the catalogue -----------------------------------------------------------------------------
RQ_FILES = sorted(QUERIES.glob("*.rq"))


def test_there_are_at_least_twelve_examples() -> None:
    assert len(RQ_FILES) >= 12
    assert sorted(BY_ID) == sorted(p.stem for p in RQ_FILES)


@pytest.mark.parametrize("path", RQ_FILES, ids=lambda p: p.stem)
def test_every_example_says_what_it_is_for(path: Path) -> None:
    example = parse(path.name, path.read_text(encoding="utf-8"))
    assert example.title and example.title_en and example.description and example.description_en
    assert example.title != example.title_en
    assert example.group in GROUPS
    # the header is metadata; the query that the editor gets starts after it
    assert not example.query.lstrip().startswith("# title")
    assert "PREFIX" in example.query


def test_every_user_group_has_an_example() -> None:
    assert Counter(e.group for e in examples()).keys() == GROUPS.keys()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# title: T\n# title@en: E\n# group: teachers\nSELECT * {}", "mist description"),
        (
            "# titel: T\n# title@en: E\n# group: teachers\n# description: D\nSELECT * {}",
            "x.rq:1: onbekend veld 'titel'",
        ),
        (
            "# title: T\n# title@en: E\n# group: leraren\n# description: D\nSELECT * {}",
            "onbekende groep 'leraren'",
        ),
        ("# title: T\n# title@en: E\n# group: teachers\n# description: D\n", "geen query"),
        ("# title: T\n#\n# title@en: E\nSELECT * {}", "x.rq:2:"),
    ],
)
def test_a_wrong_header_is_an_error_that_names_the_file(text: str, message: str) -> None:
    with pytest.raises(ExampleError, match=re.escape(message)):
        parse("x.rq", text)


def test_continuation_lines_join_the_field_above() -> None:
    e = parse(
        "x.rq",
        "# title: T\n# title@en: E\n# group: editors\n# description: een\n#   twee\n"
        "# description@en: one\n#   two\nPREFIX kg: <https://kennisgraaf.nl/def/>\nASK {}\n",
    )
    assert (e.description, e.description_en) == ("een twee", "one two")
    assert e.query == "PREFIX kg: <https://kennisgraaf.nl/def/>\nASK {}\n"


def test_examples_follow_the_base_iri() -> None:
    moved = examples("http://localhost:8000/")
    assert all("https://kennisgraaf.nl/" not in e.query for e in moved)
    assert "<http://localhost:8000/def/>" in {e.id: e for e in moved}["ctl-netwerk"].query


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.id)
def test_every_example_runs_standalone_and_answers(real_store: ox.Store, example: Example) -> None:
    result = real_store.query(example.query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions | ox.QueryTriples), "use SELECT or CONSTRUCT"
    answers = list(result)
    assert answers, f"{example.id} gives no answer on the real data"


# ---- each example's answer ---------------------------------------------------------------------
def test_pilothubs_coordinatie(real_store: ox.Store) -> None:
    rows = run(real_store, "pilothubs-coordinatie")
    teams = {r["pilothub"]: r["team"] for r in rows}
    assert teams == {
        "hub/pilothub-xr": "team/coordinatieteam-pilothub-xr",
        "hub/pilothub-studiedata-en-ai": "team/coordinatieteam-pilothub-studiedata-en-ai",
        "hub/pilothub-docentondersteuning": "team/coordinatieteam-pilothub-docentondersteuning",
        "hub/pilothub-edtech": "team/coordinatieteam-pilothub-edtech",
    }
    xr = next(r for r in rows if r["pilothub"] == "hub/pilothub-xr")
    # "Neem dan contact op met het coördinatieteam via esther.vanderlinde@surf.nl"
    assert xr["contact"] == "mailto:esther.vanderlinde@surf.nl"
    assert all(r["contact"] == "" for r in rows if r is not xr)
    assert all(r["samenstelling"].endswith("mbo, hbo, wo en SURF") for r in rows)
    by_hub = {r["pilothubNaam"]: split(r["partners"]) for r in rows}
    assert by_hub["Pilothub Studiedata & AI"] == {
        "SURF",
        "Zone Studiedata",
        "Doorpakken op Digitalisering",
        "SIG AI",
        "SIG Learning analytics",
    }
    assert by_hub["Pilothub EdTech"] == {"SURF"}


def test_producten_per_doelgroep(real_store: ox.Store) -> None:
    rows = run(real_store, "producten-per-doelgroep")
    per_group: dict[str, set[str]] = {}
    for r in rows:
        per_group.setdefault(r["doelgroepNaam"], set()).add(r["productNaam"])
    leidraden = {
        "Leidraad digitale vaardigheden",
        "Leidraad open digitaal leermateriaal",
        "Leidraad studiedata & AI",
        "Leidraad wendbaar organiseren van onderwijs",
    }
    assert per_group["docentondersteuners"] == {
        "Instrument voor effectieve vraagarticulatie",
        "Monitoringsinstrument digitale bekwaamheid",
        "Jaarplan 2024 van de Kennishub leren & innoveren",
        *leidraden,
    }
    assert per_group["studenten"] == {"Contentstrategieën XR"}
    assert per_group["lerarenopleidingen"] == {
        "ICT Kennisbasis",
        "Categorie 'Leren en Innoveren' van de ICT Kennisbasis",
    }
    # a product with its own target group is listed under that group only, via itself
    leergang = [r for r in rows if r["productNaam"].startswith("Leergang")]
    assert [(r["doelgroepNaam"], r["viaNaam"]) for r in leergang] == [
        ("onderwijskundig ict-professionals", "Leergang voor onderwijskundig ICT-professionals")
    ]
    monitor = {
        (r["doelgroepNaam"], r["viaNaam"])
        for r in rows
        if r["productNaam"] == "Monitoringsinstrument digitale bekwaamheid"
    }
    assert ("docentondersteuners", "Pilothub Docentondersteuning") in monitor


def test_bewijs_per_thema_en_sterkte(real_store: ox.Store) -> None:
    rows = run(real_store, "bewijs-per-thema-en-sterkte")
    got = {(r["themaNaam"], r["hangsloten"], r["aantal"]) for r in rows}
    assert got == {
        ("XR", "0", "1^^integer"),
        ("blended learning", "1", "1^^integer"),
        ("blended learning", "0", "1^^integer"),
        ("docentprofessionalisering", "1", "2^^integer"),
        ("docentprofessionalisering", "0", "1^^integer"),
        ("evidence-informed werken", "0", "1^^integer"),
        ("gepersonaliseerd leren", "1", "1^^integer"),
        ("gepersonaliseerd leren", "0", "1^^integer"),
        ("gepersonaliseerd leren", "", "1^^integer"),
        ("learning analytics", "", "1^^integer"),
        ("studiedata & AI", "", "1^^integer"),
        ("zelfregulerend leren", "1", "1^^integer"),
        ("zelfregulerend leren", "0", "1^^integer"),
    }
    unknown = {r["sterkteNaam"] for r in rows if r["hangsloten"] == ""}
    assert unknown == {"onbekend"}
    # every evidence item of bewijs.yaml is counted under at least one theme
    named = set()
    for r in rows:
        named |= {b.rsplit(" (", 1)[0] for b in split(r["bewijsstukken"], " | ")}
    assert named == {r["naam"] for r in records("bewijs.yaml")}


def test_ctl_netwerk(real_store: ox.Store) -> None:
    rows = run(real_store, "ctl-netwerk")
    # ctls.yaml holds no CTL of a single institution yet, so no row names an institution
    assert records("ctls.yaml") == []
    assert [r for r in rows if r["instelling"]] == []
    assert {(r["wat"], r["ding"]) for r in rows} == {
        ("team", "team/ctl-team"),
        ("gemeenschap of netwerk", "gemeenschap/landelijk-ctl-netwerk"),
        ("subsidieregeling", "financiering/ctl-subsidieregeling"),
        ("activiteit", "activiteit/eerste-ctl-ronde"),
        ("activiteit", "activiteit/begeleiding-ctl-subsidieregeling"),
        ("activiteit", "activiteit/kennisdeling-rondom-ctls"),
        ("doel", "doel/ctl-in-alle-onderwijsinstellingen"),
        ("doel", "doel/subsidieregeling-ctls-fase-1"),
        ("doel", "doel/verbinding-npuls-lokale-kennisnetwerken"),
    }
    netwerk = next(r for r in rows if r["ding"] == "gemeenschap/landelijk-ctl-netwerk")
    assert netwerk["netwerkOfLeden"] == ""  # the sources name no members yet


def test_ctl_netwerk_lists_a_ctl_with_its_institution_and_network() -> None:
    """The branch for CTLs of single institutions, on a small graph that has one."""
    store = ox.Store()
    store.load(path=str(ONTOLOGY_DIR / "kennisgraaf.ttl"), format=ox.RdfFormat.TURTLE)
    store.load(
        """
        @prefix kg: <https://kennisgraaf.nl/def/> . @prefix org: <http://www.w3.org/ns/org#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix dcterms: <http://purl.org/dc/terms/> .
        <https://kennisgraaf.nl/id/ctl/ctl-uu> a kg:CenterForTeachingAndLearning ;
            skos:prefLabel "Centre for Academic Teaching"@nl ;
            org:unitOf <https://kennisgraaf.nl/id/organisatie/uu> ;
            org:memberOf <https://kennisgraaf.nl/id/gemeenschap/landelijk-ctl-netwerk> .
        <https://kennisgraaf.nl/id/organisatie/uu> skos:prefLabel "Universiteit Utrecht"@nl .
        <https://kennisgraaf.nl/id/gemeenschap/landelijk-ctl-netwerk> a kg:Community ;
            skos:prefLabel "Landelijk CTL-netwerk"@nl ;
            dcterms:subject <https://kennisgraaf.nl/id/begrip/thema/centers-for-teaching-and-learning> .
        """,
        format=ox.RdfFormat.TURTLE,
    )
    rows = run(store, "ctl-netwerk")
    assert {(r["wat"], r["naam"], r["instelling"], r["netwerkOfLeden"]) for r in rows} == {
        (
            "Center for Teaching & Learning",
            "Centre for Academic Teaching",
            "Universiteit Utrecht",
            "Landelijk CTL-netwerk",
        ),
        ("gemeenschap of netwerk", "Landelijk CTL-netwerk", "", "Centre for Academic Teaching"),
    }


def test_financiering_per_programma(real_store: ox.Store) -> None:
    rows = run(real_store, "financiering-per-programma")
    dio = [r for r in rows if r["gefinancierdNaam"] == "Digitaliseringsimpuls Onderwijs"]
    amounts = {r["soortNaam"] + ":" + r["bedragEuro"] for r in dio}
    assert amounts == {
        "totaalbudget:603000000^^decimal",
        "fondsbijdrage:560000000^^decimal",
        "in-kindbijdrage:43000000^^decimal",
        "in-kindbijdrage:40000000^^decimal",
    }
    assert all(r["programmaNaam"] == "Digitaliseringsimpuls Onderwijs" for r in dio)
    groeifonds = next(r for r in dio if r["soortNaam"] == "fondsbijdrage")
    assert groeifonds["financiers"] == "Nationaal Groeifonds"
    # the parts of the total budget add up to it: 560 + 43 = 603 million
    total = next(r for r in dio if r["soortNaam"] == "totaalbudget")
    parts = [r for r in dio if r["deelVanNaam"] == total["financieringNaam"]]
    assert sum(int(r["bedragEuro"].split("^^")[0]) for r in parts) == 603_000_000
    # the transformation hubs fall under the programme
    hubs = {r["gefinancierdNaam"] for r in rows if r["gefinancierdNaam"].startswith("Transf")}
    assert len(hubs) == 2
    assert {r["programmaNaam"] for r in rows if r["gefinancierdNaam"] in hubs} == {
        "Digitaliseringsimpuls Onderwijs"
    }
    cop = next(r for r in rows if r["gefinancierdNaam"] == "CoP Leren en ict")
    assert (cop["soortNaam"], cop["financiers"], cop["bedragEuro"]) == ("subsidie", "OCW", "")


def test_personen_en_functies(real_store: ox.Store) -> None:
    rows = run(real_store, "personen-en-functies")
    assert {(r["eenheidNaam"], r["persoonNaam"], r["rolNaam"]) for r in rows} == {
        ("Kennishub leren & innoveren", "Marian Kat-de Jong", "programmamanager"),
        ("Kennishub leren & innoveren", "Aukje Leufkens", "aanvoerder"),
        ("Kennishub leren & innoveren", "Irene Wannet", "aanvoerder"),
        ("Themagroep blended learning", "Gerard Reimink", "contactpersoon"),
        ("Themagroep blended learning", "Wendy van Deursen", "contactpersoon"),
        ("Themagroep Cyclus werkbezoeken", "Andy van Dissel", "contactpersoon"),
        ("CoP Leren en ict", "Irma van der Neut", "contactpersoon"),
        ("CoP Leren en ict", "John Schobben", "contactpersoon"),
    }
    john = next(r for r in rows if r["persoonNaam"] == "John Schobben")
    assert (john["email"], john["werkgeverNaam"]) == (
        "mailto:john.schobben@leijgraaf.nl",
        "Leijgraaf",
    )
    assert {r["onderdeelVanNaam"] for r in rows if r["eenheidNaam"].startswith("Kennishub")} == {
        "Npuls"
    }


def test_cop_leren_en_ict_wat_bleef(real_store: ox.Store) -> None:
    rows = run(real_store, "cop-leren-en-ict-wat-bleef")
    got = {
        (r["onderdeel"], r["statusNaam"], frozenset(split(r["voortgezetOfOvergezetNaar"])))
        for r in rows
    }
    assert got == {
        (
            "gemeenschap/cop-leren-en-ict",
            "afgerond",
            frozenset(
                {
                    "Onderzoekswerkplaats gepersonaliseerd leren met ict",
                    "Werkgroep innoveren van Doorpakken op Digitalisering",
                }
            ),
        ),
        (
            "gemeenschap/themagroep-blended-learning",
            "voortgezet",
            frozenset({"Netwerk van de ambassadeurs van saMBO-ICT", "MIE coaches"}),
        ),
        ("gemeenschap/themagroep-cyclus-werkbezoeken", "voortgezet", frozenset()),
        ("team/facilitatoren-cop-leren-en-ict", "", frozenset()),
        (
            "product/producten-cop-leren-en-ict",
            "overgezet",
            frozenset({"ECBO", "Lemma 'gepersonaliseerd leren 2'"}),
        ),
        ("product/site-cop-leren-en-ict", "offline", frozenset()),
    }


def test_producten_voorgesteld_door_pilothubs(real_store: ox.Store) -> None:
    rows = run(real_store, "producten-voorgesteld-door-pilothubs")
    per_hub: dict[str, set[str]] = {}
    for r in rows:
        per_hub.setdefault(r["pilothubNaam"], set())
        if r["product"]:
            per_hub[r["pilothubNaam"]].add(r["product"].removeprefix("product/"))
    assert per_hub == {
        "Pilothub XR": {
            "landelijke-xr-infrastructuur",
            "contentstrategieen-xr",
            "blauwdruk-organisatiestructuur-xr",
            "goede-voorbeelden-en-stappenplannen-xr",
            "verkenningen-toekomstige-diensten-xr",
        },
        "Pilothub Studiedata & AI": {
            "educational-data-competence-center",
            "nationale-experimenteeromgeving-learning-analytics",
            "best-en-worst-practices-learning-analytics",
            "startdocument-pilothub-studiedata-en-ai",
        },
        "Pilothub Docentondersteuning": {
            "monitoringsinstrument-digitale-bekwaamheid",
            "vraagarticulatie-instrument",
            "leergang-onderwijskundig-ict-professionals",
        },
        "Pilothub EdTech": set(),  # the update names no products for EdTech
    }
    assert {r["statusNaam"] for r in rows if r["pilothubNaam"] == "Pilothub XR"} == {"voorgesteld"}
    start = next(
        r for r in rows if r["product"].endswith("startdocument-pilothub-studiedata-en-ai")
    )
    assert start["voorgesteldDoorNaam"] == "Coördinatieteam pilothub Studiedata & AI"


def test_bewijs_voor_beweringen(real_store: ox.Store) -> None:
    rows = run(real_store, "bewijs-voor-beweringen")
    claims = {r["bewering"].removeprefix("bewering/") for r in rows}
    assert claims == {r["id"] for r in records("beweringen.yaml")}
    supported: dict[str, set[str]] = {}
    for r in rows:
        if r["bewijs"]:
            supported.setdefault(r["bewering"].removeprefix("bewering/"), set()).add(
                r["bewijs"].removeprefix("bewijs/")
            )
    # the same links as 'ondersteunt' in bewijs.yaml (top level or editorial)
    expected: dict[str, set[str]] = {}
    for rec in records("bewijs.yaml"):
        for claim in rec.get("ondersteunt", []) + rec.get("redactioneel", {}).get(
            "ondersteunt", []
        ):
            expected.setdefault(claim, set()).add(rec["id"])
    assert supported == expected
    assert supported["docenten-leren-het-best-just-in-context"] == {
        "opinie-blog-professionele-leergemeenschappen",
        "praktijkervaring-werkplaats-onderwijsleertechnologie",
    }
    assert claims - supported.keys() == {
        "samenwerken-aan-leermaterialen-verbetert-kwaliteit",
        "leidinggevenden-zorgen-voor-randvoorwaarden",
        "transformatiehubs-broedplaatsen-van-innovatie",
    }
    assert all(r["bronnen"] for r in rows if r["bewijs"])


def test_bronnen_en_citaten_per_hub(real_store: ox.Store) -> None:
    rows = run(real_store, "bronnen-en-citaten-per-hub")
    assert {r["hub"].removeprefix("hub/") for r in rows} == {r["id"] for r in records("hubs.yaml")}
    xr = {r["citaat"] for r in rows if r["hub"] == "hub/pilothub-xr"}
    assert xr == {
        "Het bouwen aan de community is al gestart.",
        "Om deze uitdagingen te adresseren moeten we vooral investeren in de randvoorwaardelijke "
        "kant van XR.",
    }
    for r in rows:
        source = r["bron"].removeprefix("bron/")
        assert r["graaf"] == f"https://kennisgraaf.nl/graph/bron/{source}"
        text = (DATA / "bronteksten" / f"{source}.txt").read_text(encoding="utf-8")
        assert normalise(r["citaat"]) in normalise(text), r
    assert {r["datum"] for r in rows if r["bron"] == "bron/update-pilothubs-2023"} == {
        "2023-05-11^^date"
    }


def test_gemeenschappen_en_status(real_store: ox.Store) -> None:
    rows = run(real_store, "gemeenschappen-en-status")
    assert sorted(r["gemeenschap"].removeprefix("gemeenschap/") for r in rows) == sorted(
        r["id"] for r in records("gemeenschappen.yaml")
    )
    status = {r["gemeenschapNaam"]: r["statusNaam"] for r in rows}
    assert status["CoP Leren en ict"] == "afgerond"
    assert status["Themagroep blended learning"] == "voortgezet"
    assert status["Landelijke XR-community"] == "in ontwikkeling"
    assert status["SIG AI"] == "(niet bekend)"
    # every community with a status in the YAML (top level or editorial) has one in the answer
    with_status = {
        r["naam"]
        for r in records("gemeenschappen.yaml")
        if "status" in r or "status" in r.get("redactioneel", {})
    }
    assert {n for n, s in status.items() if s != "(niet bekend)"} == with_status


def test_doelen_per_fase(real_store: ox.Store) -> None:
    rows = run(real_store, "doelen-per-fase")
    # one row per (unit, goal) pair of doelen.yaml ('van' at the top level or editorial)
    pairs: Counter[str] = Counter()
    for rec in records("doelen.yaml"):
        pairs[rec["id"]] += len(rec.get("van", []) + rec.get("redactioneel", {}).get("van", []))
    assert Counter(r["doel"].removeprefix("doel/") for r in rows) == pairs
    fase1 = [r for r in rows if r["faseNaam"] == "fase 1"]
    assert Counter(r["eenheidNaam"] for r in fase1) == {
        "Kennishub leren & innoveren": 6,
        "Pilothub Studiedata & AI": 1,
    }
    assert rows[: len(fase1)] == fase1  # phases first, goals without a phase after them
    ctl = next(r for r in rows if r["doel"] == "doel/subsidieregeling-ctls-fase-1")
    assert split(ctl["activiteiten"], " | ") == {
        "Eerste ronde voor ondersteuning bij het opzetten of (door)ontwikkelen van een CTL",
        "Ondersteunen bij de begeleiding van de CTL-subsidieregeling",
    }


def test_evenementen(real_store: ox.Store) -> None:
    rows = run(real_store, "evenementen")
    assert [(r["datum"].split("^^")[0], r["deelnemers"]) for r in rows] == [
        ("2020-12", "200^^integer"),
        ("2020-12-03", ""),
        ("2020-12-16", ""),
        ("2023-03-15", "100^^integer"),
    ]
    assert rows[-1]["organisatoren"] == "Coördinatieteam pilothub Studiedata & AI"
    assert len(rows) == len(records("evenementen.yaml"))


def test_organisaties_met_identifiers(real_store: ox.Store) -> None:
    rows = run(real_store, "organisaties-met-identifiers")
    assert {r["ror"] for r in rows} == ror_ids()
    assert len(rows) == len(ror_ids())  # one row per organisation
    by_name = {r["naam"]: r for r in rows}
    assert by_name["SURF"]["ror"] == "https://ror.org/009vhk114"
    assert by_name["SURF"]["organisatie"] == "organisatie/surf"
    assert by_name["Open Universiteit"]["wikidata"] == "http://www.wikidata.org/entity/Q1407397"
    assert by_name["NRO"]["ror"] == "https://ror.org/00yqqb480"


def test_producten_als_schema_org(real_store: ox.Store) -> None:
    result = real_store.query(
        BY_ID["producten-als-schema-org"].query, use_default_graph_as_union=True
    )
    assert isinstance(result, ox.QueryTriples)
    triples = set(result)
    schema = "https://schema.org/"
    works = {
        t.subject.value
        for t in triples
        if t.predicate.value.endswith("#type") and t.object == ox.NamedNode(schema + "CreativeWork")
    }
    assert {w.removeprefix(ID + "product/") for w in works} == {
        r["id"] for r in records("producten.yaml")
    }
    based_on = {t.subject.value for t in triples if t.predicate.value == schema + "isBasedOn"}
    assert based_on == works  # every product names the source it rests on
    leergang = ox.NamedNode(ID + "product/leergang-onderwijskundig-ict-professionals")
    assert (
        ox.Triple(
            leergang,
            ox.NamedNode(schema + "audience"),
            ox.NamedNode(ID + "begrip/doelgroep/onderwijskundig-ict-professionals"),
        )
        in triples
    )
    assert (
        ox.Triple(
            leergang,
            ox.NamedNode(schema + "learningResourceType"),
            ox.Literal("leergang", language="nl"),
        )
        in triples
    )


def test_redactionele_feiten(real_store: ox.Store) -> None:
    rows = run(real_store, "redactionele-feiten")
    editorial = {rec["id"] for _, rec in all_records() if "redactioneel" in rec}
    assert {r["record"].rsplit("/", 1)[-1] for r in rows} == editorial
    assert len(rows) == len(editorial)
    xr = next(r for r in rows if r["record"] == "hub/pilothub-xr")
    assert xr["redactioneleVelden"] == "subOrganizationOf"
    assert xr["toelichting"].startswith("De update zegt niet letterlijk")
    strength = next(r for r in rows if r["record"] == "bewijs/ervaringen-instellingen-met-xr")
    assert strength["redactioneleVelden"] == "bewijssterkte"  # the ontology's Dutch label
    goal = next(r for r in rows if r["record"] == "doel/ctl-in-alle-onderwijsinstellingen")
    assert goal["redactioneleVelden"] == "heeft doel"  # stored the other way round


def test_bronnen_en_hun_dekking(real_store: ox.Store) -> None:
    rows = run(real_store, "bronnen-en-hun-dekking")
    cited: Counter[str] = Counter()
    quotes: dict[str, set[str]] = {}
    for _, rec in all_records():
        sources = rec.get("bronnen", [])
        for source in {s["bron"] for s in sources}:
            cited[source] += 1
        for s in sources:
            if "citaat" in s:
                quotes.setdefault(s["bron"], set()).add(normalise(s["citaat"]))
    got = {r["bron"].removeprefix("bron/"): r for r in rows}
    assert got.keys() == {r["id"] for r in records("bronnen.yaml")}
    for source, row in got.items():
        if source == "ror":
            assert row["records"] == f"{len(ror_ids())}^^integer"
            continue
        assert row["records"] == f"{cited[source]}^^integer", source
        assert row["citaten"] == f"{len(quotes.get(source, ()))}^^integer", source
    assert got["update-pilothubs-2023"]["bestand"] == "update-pilothubs-2023.txt"
    assert rows[0]["bron"] == "bron/update-pilothubs-2023"  # the most used source comes first


def test_grafen_en_omvang(real_store: ox.Store) -> None:
    rows = run(real_store, "grafen-en-omvang")
    assert sum(int(r["triples"].split("^^")[0]) for r in rows) == len(real_store)
    graphs = {r["graaf"].removeprefix("https://kennisgraaf.nl/graph/") for r in rows}
    sources = {f"bron/{r['id']}" for r in records("bronnen.yaml")}
    assert graphs == sources | {"redactie", "ontologie", "vormen"}
    named = {r["graaf"].rsplit("/", 1)[-1]: r["bronNaam"] for r in rows if r["bronNaam"]}
    assert named["update-pilothubs-2023"] == "Achter de schermen | Update van de pilothubs"
    assert len(named) == len(sources)


# ---- the editor page and /sparql/examples ------------------------------------------------------
class _Page(HTMLParser):
    """Collects the URLs a page references and its text outside the query and the JSON block."""

    URL_ATTRS = {"src", "href", "action", "srcset", "poster", "data", "formaction", "background"}

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self.config = ""
        self._in: list[str] = []
        self._json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name, value in attrs:
            if name in self.URL_ATTRS and value is not None:
                self.refs.append((tag, name, value))
            if name == "style" and value:
                self.styles.append(value)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        self._json = tag == "script" and a.get("type") == "application/json"
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
        self._json = False

    def handle_data(self, data: str) -> None:
        current = self._in[-1] if self._in else ""
        if self._json:
            self.config += data
        elif current == "style":
            self.styles.append(data)
        elif current not in ("textarea", "script"):
            self.text.append(data)


@pytest.fixture(scope="module")
def client(real_build: pipeline.Outcome) -> Iterator[TestClient]:
    assert real_build.path is not None
    store_root = real_build.path.parent.parent  # <root>/releases/<id>
    assert (store_root / "current").resolve() == real_build.path.resolve()
    app = create_app(ServeSettings(store=store_root, query_workers=0))
    if not any(getattr(r, "path", None) == "/sparql/examples" for r in app.routes):
        app.include_router(examples_routes.router)
    with TestClient(app) as c:
        yield c


def editor(client: TestClient, query: str = "") -> tuple[str, _Page]:
    r = client.get("/sparql" + query, headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(r.text)
    return r.text, page


def test_the_editor_page_loads_yasgui_from_our_origin(client: TestClient) -> None:
    html, page = editor(client)
    assert (ROOT / "endpoint/static/yasgui/yasgui.min.js").is_file(), "run 'make install'"
    assert "/static/yasgui/yasgui.min.js" in page.scripts
    assert "/static/kg-editor.js" in page.scripts
    assert ("link", "href", "/static/yasgui/yasgui.min.css") in page.refs
    assert '<html lang="nl">' in html
    # the form without JavaScript: a labelled textarea that submits to /sparql
    assert ("form", "action", "/sparql") in page.refs
    assert '<label for="query">' in html and 'id="query" name="query"' in html
    config = json.loads(page.config)
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"]["kg"] == "https://kennisgraaf.nl/def/"
    assert [e["id"] for e in config["examples"]] == [e.id for e in examples()]
    assert "https://kennisgraaf.nl/def/PilotHub" in config["classes"]
    assert "https://kennisgraaf.nl/def/proposedBy" in config["properties"]
    assert "http://www.w3.org/ns/org#subOrganizationOf" in config["properties"]


def test_the_editor_page_offers_every_example(client: TestClient) -> None:
    _html, page = editor(client)
    links = {value for tag, name, value in page.refs if tag == "a" and name == "href"}
    text = " ".join(page.text)
    for e in examples():
        assert f"/sparql?voorbeeld={e.id}#editor" in links
        assert e.title in text and e.title_en in text and e.description in text
    for nl, en in GROUPS.values():
        assert nl in text and en in text


def test_an_example_opens_in_the_editor(client: TestClient) -> None:
    html, page = editor(client, "?voorbeeld=financiering-per-programma")
    example = BY_ID["financiering-per-programma"]
    assert json.loads(page.config)["query"] == example.query
    assert "Voorbeeld: Hoeveel geld gaat er naar welk programma" in html
    assert "schema:fundedItem ?gefinancierd" in html  # in the no-JS form's textarea


def test_every_asset_of_the_editor_page_comes_from_our_origin(client: TestClient) -> None:
    _html, page = editor(client)
    assert page.refs
    for tag, name, value in page.refs:
        parts = urlsplit(value)
        assert not parts.scheme and not parts.netloc, f"<{tag} {name}={value}> leaves our origin"
        if value.startswith("#"):
            continue
        r = client.get(value.split("#", 1)[0], headers={"Accept": "text/html,*/*;q=0.8"})
        assert r.status_code == 200, f"<{tag} {name}={value}>: {r.status_code}"
    text = " ".join(page.text) + " ".join(page.styles)
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), text
    # what the stylesheets load (fonts, images) also comes from here
    for href in ("/static/yasgui/yasgui.min.css", "/static/kg-editor.css", "/static/style.css"):
        css = client.get(href).text
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css) and "@import" not in css, href


def test_the_examples_as_json(client: TestClient) -> None:
    r = client.get("/sparql/examples")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    items = r.json()
    assert [i["id"] for i in items] == [e.id for e in examples()]
    first = items[0]
    assert set(first) == {"id", "title", "group", "group_label", "description", "query", "editor"}
    by_id = {i["id"]: i for i in items}
    xr = by_id["pilothubs-coordinatie"]
    assert xr["title"] == {
        "nl": "Wie coördineert elke pilothub?",
        "en": "Who coordinates each pilot hub?",
    }
    assert xr["group"] == "teachers"
    assert xr["editor"] == "/sparql?voorbeeld=pilothubs-coordinatie"
    path = QUERIES / "pilothubs-coordinatie.rq"
    assert xr["query"] == parse(path.name, path.read_text(encoding="utf-8")).query
    assert xr["query"].startswith("PREFIX kg: <https://kennisgraaf.nl/def/>")


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.id)
def test_every_example_runs_through_the_sparql_endpoint(
    client: TestClient, real_store: ox.Store, example: Example
) -> None:
    """As the editor sends it: a form POST to /sparql, with YASGUI's Accept headers."""
    direct = real_store.query(example.query, use_default_graph_as_union=True)
    assert isinstance(direct, ox.QuerySolutions | ox.QueryTriples)
    graph = isinstance(direct, ox.QueryTriples)
    accept = "text/turtle" if graph else "application/sparql-results+json"
    r = client.post("/sparql", data={"query": example.query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text[:500]
    if graph:
        served = {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)}
        assert served == set(direct)
    else:
        assert len(r.json()["results"]["bindings"]) == len(list(direct))
