"""Facts from the five source documents, asked of the store built from ``data/``.

Each fact is one SPARQL query with the exact answer the source text supports. The facts are
grouped per source document (``data/bronteksten/<id>.txt``); every group has at least 15.

Values are rendered compactly so that expectations stay readable:
  * an IRI under ``https://kennisgraaf.nl/id/`` -> the path after it (``hub/pilothub-xr``),
    other IRIs stay whole (``mailto:...``, ``https://ror.org/...``, ``kg:`` terms as full IRIs);
  * a literal -> its lexical form, plus ``^^<xsd local name>`` unless it is a (language-)string
    (``2023-05-11^^date``, ``560000000^^decimal``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
import pytest

from ontology.namespaces import sparql_prologue

PREFIXES = sparql_prologue()
ID = "https://kennisgraaf.nl/id/"
DEF = "https://kennisgraaf.nl/def/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PLAIN = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
REDACTIE = "https://kennisgraaf.nl/graph/redactie"


def render(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        v = term.value
        return v[len(ID) :] if v.startswith(ID) else v
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt in PLAIN:
            return term.value
        return f"{term.value}^^{dt.rsplit('#', 1)[-1]}"
    return str(term)


def answer(store: ox.Store, query: str) -> set[str] | set[tuple[str, ...]]:
    """The set of first-column values (one variable) or of row tuples (several)."""
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions), "use a SELECT query"
    names = [v.value for v in result.variables]
    rows = [tuple(render(row[n]) for n in names) for row in result]
    if len(names) == 1:
        return {r[0] for r in rows}
    return set(rows)


def iri(path: str) -> str:
    """``hub/pilothub-xr`` -> ``<https://kennisgraaf.nl/id/hub/pilothub-xr>``."""
    return f"<{ID}{path}>"


@dataclass(frozen=True)
class Fact:
    id: str
    query: str
    expected: set[str] | set[tuple[str, ...]]


def check(store: ox.Store, fact: Fact) -> None:
    got = answer(store, fact.query)
    assert got == fact.expected, f"{fact.id}: expected {fact.expected!r}, got {got!r}"


def derived_from(kind_class: str, source: str) -> str:
    return f"SELECT ?x WHERE {{ ?x a {kind_class} ; prov:wasDerivedFrom {iri('bron/' + source)} }}"


# ----------------------------------------------------------------------------------------------
# 1. kennishub-leren-en-innoveren.txt (webpagina)
# ----------------------------------------------------------------------------------------------
KH = iri("hub/kennishub")
KENNISHUB = [
    Fact(
        "bron-naam-en-soort",
        f"""SELECT ?naam ?soort WHERE {{ {iri("bron/kennishub-leren-en-innoveren")}
              skos:prefLabel ?naam ; dcterms:type ?soort . FILTER(lang(?naam) = "nl") }}""",
        {("Kennishub leren & innoveren", "begrip/bronsoort/webpagina")},
    ),
    Fact(
        "programmamanager-is-marian-kat-de-jong",
        f"""SELECT ?p WHERE {{ ?post a org:Post ; org:postIn {KH} ;
              org:role {iri("begrip/rol/programmamanager")} ; org:heldBy ?p }}""",
        {"persoon/marian-kat-de-jong"},
    ),
    Fact(
        "aanvoerders-bij-naam",
        f"""SELECT ?naam WHERE {{ ?p org:holds ?post ; skos:prefLabel ?naam .
              ?post org:postIn {KH} ; org:role {iri("begrip/rol/aanvoerder")} }}""",
        {"Aukje Leufkens", "Irene Wannet"},
    ),
    Fact(
        "functie-iri-van-de-programmamanager",
        f"""SELECT ?post WHERE {{ {iri("persoon/marian-kat-de-jong")} org:holds ?post }}""",
        {"functie/marian-kat-de-jong--programmamanager--kennishub"},
    ),
    Fact(
        "vier-teams-van-de-kennishub",
        f"""SELECT ?t WHERE {{ ?t org:subOrganizationOf {KH} ;
              kg:teamType {iri("begrip/teamsoort/programmateam")} }}""",
        {
            "team/team-onderzoek-en-kennis",
            "team/team-vindbaarheid",
            "team/team-docentondersteuning",
            "team/ctl-team",
        },
    ),
    Fact(
        "voorheen-kennisinfrastructuur",
        f"SELECT ?a WHERE {{ {KH} skos:altLabel ?a }}",
        {"Kennisinfrastructuur"},
    ),
    Fact(
        "is-een-kennishub",
        f"""SELECT ?c ?soort WHERE {{ {KH} a ?c ; kg:hubType ?soort .
              FILTER(?c IN (kg:KnowledgeHub, kg:PilotHub, kg:TransformationHub)) }}""",
        {(DEF + "KnowledgeHub", "begrip/hubsoort/kennishub")},
    ),
    Fact(
        "zes-doelgroepen",
        f"SELECT ?g WHERE {{ {KH} kg:targetGroup ?g }}",
        {
            "begrip/doelgroep/" + g
            for g in (
                "docenten",
                "docentondersteuners",
                "opleidingsdirecteuren-en-onderwijsmanagers",
                "ctls",
                "beleidsafdelingen",
                "centrale-diensten",
            )
        },
    ),
    Fact(
        "zes-doelen-in-fase-1",
        f"""SELECT ?d WHERE {{ {KH} kg:hasGoal ?d .
              ?d kg:inPhase {iri("begrip/fase/fase-1")} ; kg:goalType {iri("begrip/doelsoort/fasedoel")} }}""",
        {
            "doel/" + d
            for d in (
                "kennisnetwerken-in-kaart-brengen-en-versterken",
                "programmaonderdelen-ondersteunen-met-evidence-informed-werken",
                "verbinding-npuls-lokale-kennisnetwerken",
                "verkenning-eenduidige-vindplaats",
                "subsidieregeling-ctls-fase-1",
                "onderzoek-beschikbaar-stellen",
            )
        },
    ),
    Fact(
        "drie-gebruikersverhalen-met-doelgroep",
        f"""SELECT ?d ?g WHERE {{ {KH} kg:hasGoal ?d .
              ?d kg:goalType {iri("begrip/doelsoort/gebruikersverhaal")} ; kg:targetGroup ?g }}""",
        {
            ("doel/gebruikersverhaal-docent", "begrip/doelgroep/docenten"),
            (
                "doel/gebruikersverhaal-onderwijsdirecteur",
                "begrip/doelgroep/opleidingsdirecteuren-en-onderwijsmanagers",
            ),
            ("doel/gebruikersverhaal-ondersteunende-dienst", "begrip/doelgroep/centrale-diensten"),
        },
    ),
    Fact(
        "gebruikersverhaal-docent-letterlijk",
        f"""SELECT ?l WHERE {{ {iri("doel/gebruikersverhaal-docent")} skos:prefLabel ?l .
              FILTER(lang(?l) = "nl") }}""",
        {
            "Als docent wil ik over de kennis, zelfvertrouwen én ondersteuning beschikken om "
            "gebruik te maken van de digitale middelen die mij helpen het beste onderwijs te "
            "verzorgen."
        },
    ),
    Fact(
        "leidraden-per-thema-uit-de-activiteit",
        f"""SELECT ?thema WHERE {{ {iri("activiteit/ontwikkeling-leidraden")} prov:generated ?p .
              ?p kg:productType {iri("begrip/productsoort/leidraad")} ; dcterms:subject ?thema }}""",
        {
            "begrip/thema/" + t
            for t in (
                "open-digitaal-leermateriaal",
                "wendbaar-organiseren-van-onderwijs",
                "digitale-vaardigheden",
                "studiedata-en-ai",
            )
        },
    ),
    Fact(
        "gepubliceerd-via-onderwijskennis-nl",
        f"""SELECT ?p WHERE {{ ?p kg:publishedVia {iri("product/onderwijskennis-nl")} ;
              prov:wasDerivedFrom {iri("bron/kennishub-leren-en-innoveren")} }}""",
        {
            "product/" + p
            for p in (
                "leidraden-nro",
                "themapaginas-onderwijskennis",
                "leidraad-open-digitaal-leermateriaal",
                "leidraad-wendbaar-organiseren-van-onderwijs",
                "leidraad-digitale-vaardigheden",
                "leidraad-studiedata-en-ai",
            )
        },
    ),
    Fact(
        "nro-brengt-calls-uit",
        f"""SELECT ?f ?soort WHERE {{ ?f schema:funder {iri("organisatie/nro")} ;
              kg:fundingType ?soort }}""",
        {("financiering/nro-calls", "begrip/financieringssoort/onderzoekscall")},
    ),
    Fact(
        "ctl-subsidieregeling-is-subsidieregeling",
        "SELECT ?s WHERE { ?s a kg:SubsidyScheme }",
        {"financiering/ctl-subsidieregeling"},
    ),
    Fact(
        "activiteiten-van-het-ctl-team",
        f"SELECT ?a WHERE {{ ?a prov:wasAssociatedWith {iri('team/ctl-team')} }}",
        {"activiteit/begeleiding-ctl-subsidieregeling", "activiteit/kennisdeling-rondom-ctls"},
    ),
    Fact(
        "jaarplan-2024-gemaakt-door-kennishub-en-beschikbaar",
        f"""SELECT ?maker ?status WHERE {{ {iri("product/jaarplan-2024-kennishub")}
              schema:producer ?maker ; kg:lifecycleStatus ?status }}""",
        {("hub/kennishub", "begrip/levensfase/beschikbaar")},
    ),
    Fact(
        "personen-afgeleid-uit-de-pagina",
        derived_from("foaf:Person", "kennishub-leren-en-innoveren"),
        {"persoon/marian-kat-de-jong", "persoon/aukje-leufkens", "persoon/irene-wannet"},
    ),
    Fact(
        "citaat-bij-de-programmamanager",
        f"""SELECT ?q WHERE {{ {iri("persoon/marian-kat-de-jong")} prov:qualifiedDerivation ?d .
              ?d prov:entity {iri("bron/kennishub-leren-en-innoveren")} ; kg:quote ?q }}""",
        {"Marian Kat-de Jong Programmamanager"},
    ),
    Fact(
        "weten-wat-werkt-onderbouwd-door-expertopinie",
        f"""SELECT ?b ?soort ?sterkte WHERE {{
              ?b kg:supportsClaim {iri("bewering/weten-wat-werkt-helpt-goede-keuzes")} ;
                 kg:evidenceType ?soort ; kg:evidenceStrength ?sterkte }}""",
        {
            (
                "bewijs/opinie-kennishub-weten-wat-werkt",
                "begrip/bewijssoort/expertopinie",
                "begrip/bewijssterkte/sterkte-0",
            )
        },
    ),
    Fact(
        "netwerkdoel-gedeeld-door-team-en-pilothub",
        f"""SELECT ?u WHERE {{ ?u kg:hasGoal
              {iri("doel/landelijk-netwerk-onderwijskundig-ict-professionals-over-twee-jaar")} }}""",
        {"team/team-docentondersteuning", "hub/pilothub-docentondersteuning"},
    ),
]

# ----------------------------------------------------------------------------------------------
# 2. digitaliseringsimpuls-transformatiehubs.txt (artikel)
# ----------------------------------------------------------------------------------------------
BUDGET = iri("financiering/budget-digitaliseringsimpuls-onderwijs")
DIGI = iri("programma/digitaliseringsimpuls-onderwijs")
INKIND = iri("begrip/financieringssoort/inkind-bijdrage")
DIGITALISERINGSIMPULS = [
    Fact(
        "bron-naam-en-soort",
        f"""SELECT ?naam ?soort WHERE {{ {iri("bron/digitaliseringsimpuls-transformatiehubs")}
              skos:prefLabel ?naam ; dcterms:type ?soort . FILTER(lang(?naam) = "nl") }}""",
        {("Digitaliseringsimpuls onderwijs: transformatiehubs", "begrip/bronsoort/artikel")},
    ),
    Fact(
        "totaalbudget-603-miljoen-euro",
        f"""SELECT ?v ?cur WHERE {{ {BUDGET} schema:amount ?a .
              ?a a schema:MonetaryAmount ; schema:value ?v ; schema:currency ?cur }}""",
        {("603000000^^decimal", "EUR")},
    ),
    Fact(
        "groeifonds-draagt-560-miljoen-bij",
        f"""SELECT ?f ?v WHERE {{ ?f schema:funder {iri("organisatie/nationaal-groeifonds")} ;
              schema:amount/schema:value ?v }}""",
        {("financiering/groeifondsbijdrage-digitaliseringsimpuls", "560000000^^decimal")},
    ),
    Fact(
        "in-kind-bedragen-zoals-vermeld",
        f"SELECT ?v WHERE {{ ?f kg:fundingType {INKIND} ; schema:amount/schema:value ?v }}",
        {"43000000^^decimal", "40000000^^decimal"},
    ),
    Fact(
        "verschil-43-en-40-miljoen-beschreven",
        f"""SELECT ?f WHERE {{ ?f kg:fundingType {INKIND} ; dcterms:description ?d .
              FILTER(CONTAINS(?d, "43 miljoen") && CONTAINS(?d, "40 miljoen")) }}""",
        {
            "financiering/inkind-bijdrage-instellingen-43-miljoen",
            "financiering/inkind-bijdrage-instellingen-40-miljoen",
        },
    ),
    Fact(
        "delen-van-het-totaalbudget",
        f"SELECT ?f WHERE {{ ?f dcterms:isPartOf {BUDGET} }}",
        {
            "financiering/groeifondsbijdrage-digitaliseringsimpuls",
            "financiering/inkind-bijdrage-instellingen-43-miljoen",
        },
    ),
    Fact(
        "delen-tellen-op-tot-603-miljoen",
        f"""SELECT (SUM(?v) AS ?som) WHERE {{ ?f dcterms:isPartOf {BUDGET} ;
              schema:amount/schema:value ?v }}""",
        {"603000000^^decimal"},
    ),
    Fact(
        "looptijd-8-jaar",
        f"SELECT ?l WHERE {{ {DIGI} kg:durationNote ?l }}",
        {"de komende 8 jaar"},
    ),
    Fact(
        "twee-transformatiehubs",
        "SELECT ?h WHERE { ?h a kg:TransformationHub }",
        {
            "hub/transformatiehub-digitale-leermaterialen",
            "hub/transformatiehub-wendbaar-en-efficient-georganiseerd-onderwijs",
        },
    ),
    Fact(
        "transformatiehubs-horen-bij-de-digitaliseringsimpuls",
        f"SELECT ?h WHERE {{ ?h org:subOrganizationOf {DIGI} ; kg:hubType {iri('begrip/hubsoort/transformatiehub')} }}",
        {
            "hub/transformatiehub-digitale-leermaterialen",
            "hub/transformatiehub-wendbaar-en-efficient-georganiseerd-onderwijs",
        },
    ),
    Fact(
        "groeifondsgeld-naar-de-transformatiehubs",
        f"""SELECT ?h WHERE {{ {iri("financiering/groeifondsbijdrage-digitaliseringsimpuls")}
              schema:fundedItem ?h . ?h a kg:TransformationHub }}""",
        {
            "hub/transformatiehub-digitale-leermaterialen",
            "hub/transformatiehub-wendbaar-en-efficient-georganiseerd-onderwijs",
        },
    ),
    Fact(
        "elke-transformatiehub-heeft-een-kernteam",
        f"""SELECT ?t ?h WHERE {{ ?t kg:teamType {iri("begrip/teamsoort/kernteam")} ;
              org:subOrganizationOf ?h . ?h a kg:TransformationHub }}""",
        {
            (
                "team/kernteam-transformatiehub-digitale-leermaterialen",
                "hub/transformatiehub-digitale-leermaterialen",
            ),
            (
                "team/kernteam-transformatiehub-wendbaar-en-efficient-georganiseerd-onderwijs",
                "hub/transformatiehub-wendbaar-en-efficient-georganiseerd-onderwijs",
            ),
        },
    ),
    Fact(
        "rol-captain-of-innovation",
        f"""SELECT ?l WHERE {{ {iri("begrip/rol/captain-of-innovation")} skos:inScheme
              {iri("begrip/rol")} ; skos:prefLabel ?l . FILTER(lang(?l) = "nl") }}""",
        {"captain of innovation"},
    ),
    Fact(
        "doelen-transformatiehub-digitale-leermaterialen",
        f"SELECT ?d WHERE {{ {iri('hub/transformatiehub-digitale-leermaterialen')} kg:hasGoal ?d }}",
        {
            "doel/leermaterialen-via-een-plek-vinden",
            "doel/docenten-werken-samen-aan-leermaterialen",
            "doel/complexe-vraagstukken-onderwijspraktijk-oplossen",
        },
    ),
    Fact(
        "afspraken-met-uitgevers-en-bibliotheken",
        f"SELECT ?g WHERE {{ {iri('activiteit/afspraken-uitgevers-en-bibliotheken')} kg:targetGroup ?g }}",
        {"begrip/doelgroep/uitgevers", "begrip/doelgroep/bibliotheken"},
    ),
    Fact(
        "meer-transformatiehubs-vanaf-2025-voorgesteld",
        f"""SELECT ?door ?status WHERE {{ {iri("activiteit/start-meer-transformatiehubs-vanaf-2025")}
              prov:wasAssociatedWith ?door ; kg:lifecycleStatus ?status }}""",
        {("programma/digitaliseringsimpuls-onderwijs", "begrip/levensfase/voorgesteld")},
    ),
    Fact(
        "flexibilisering-als-redactionele-alias",
        f"""SELECT ?a ?g WHERE {{ GRAPH ?g {{
              {iri("hub/transformatiehub-wendbaar-en-efficient-georganiseerd-onderwijs")}
              skos:altLabel ?a }} }}""",
        {("transformatiehub flexibilisering van onderwijs", REDACTIE)},
    ),
    Fact(
        "groeifonds-is-een-fonds",
        f"SELECT ?s WHERE {{ {iri('organisatie/nationaal-groeifonds')} kg:organisationType ?s }}",
        {"begrip/organisatiesoort/fonds"},
    ),
    Fact(
        "npuls-onder-digitaliseringsimpuls-is-redactioneel",
        f"""SELECT ?g WHERE {{ GRAPH ?g {{ {iri("programma/npuls")} dcterms:isPartOf {DIGI} }} }}""",
        {REDACTIE},
    ),
    Fact(
        "hubs-afgeleid-uit-het-artikel",
        derived_from("kg:Hub", "digitaliseringsimpuls-transformatiehubs"),
        {
            "hub/transformatiehub-digitale-leermaterialen",
            "hub/transformatiehub-wendbaar-en-efficient-georganiseerd-onderwijs",
        },
    ),
]

# ----------------------------------------------------------------------------------------------
# 3. update-pilothubs-2023.txt (nieuwsbericht, 11 mei 2023)
# ----------------------------------------------------------------------------------------------
UPDATE = iri("bron/update-pilothubs-2023")
SDAI = iri("hub/pilothub-studiedata-en-ai")
UPDATE_PILOTHUBS = [
    Fact(
        "datum-en-leestijd",
        f"SELECT ?d ?t WHERE {{ {UPDATE} dcterms:issued ?d ; schema:timeRequired ?t }}",
        {("2023-05-11^^date", "PT7M^^duration")},
    ),
    Fact(
        "bron-soort-nieuwsbericht",
        f"SELECT ?s WHERE {{ {UPDATE} dcterms:type ?s }}",
        {"begrip/bronsoort/nieuwsbericht"},
    ),
    Fact(
        "vier-pilothubs",
        "SELECT ?h WHERE { ?h a kg:PilotHub }",
        {
            "hub/pilothub-studiedata-en-ai",
            "hub/pilothub-xr",
            "hub/pilothub-docentondersteuning",
            "hub/pilothub-edtech",
        },
    ),
    Fact(
        "pilothubs-in-ontwikkeling",
        f"SELECT ?h WHERE {{ ?h a kg:PilotHub ; kg:lifecycleStatus {iri('begrip/levensfase/in-ontwikkeling')} }}",
        {
            "hub/pilothub-studiedata-en-ai",
            "hub/pilothub-xr",
            "hub/pilothub-docentondersteuning",
            "hub/pilothub-edtech",
        },
    ),
    Fact(
        "coordinatieteam-per-pilothub",
        f"""SELECT ?t ?h WHERE {{ ?t kg:teamType {iri("begrip/teamsoort/coordinatieteam")} ;
              org:subOrganizationOf ?h }}""",
        {
            ("team/coordinatieteam-pilothub-" + h, "hub/pilothub-" + h)
            for h in ("studiedata-en-ai", "xr", "docentondersteuning", "edtech")
        },
    ),
    Fact(
        "kernteams-nog-te-benoemen",
        f"""SELECT ?t WHERE {{ ?t kg:teamType {iri("begrip/teamsoort/kernteam")} ;
              org:subOrganizationOf ?h ; kg:composition ?c . ?h a kg:PilotHub .
              FILTER(CONTAINS(?c, "nog te benoemen")) }}""",
        {
            "team/kernteam-pilothub-" + h
            for h in ("studiedata-en-ai", "xr", "docentondersteuning", "edtech")
        },
    ),
    Fact(
        "contact-coordinatieteam-xr",
        f"SELECT ?m WHERE {{ {iri('team/coordinatieteam-pilothub-xr')} foaf:mbox ?m }}",
        {"mailto:esther.vanderlinde@surf.nl"},
    ),
    Fact(
        "geen-persoon-verzonnen-bij-het-xr-adres",
        "SELECT ?p WHERE { ?p a foaf:Person ; foaf:mbox <mailto:esther.vanderlinde@surf.nl> }",
        set(),
    ),
    Fact(
        "producten-voorgesteld-door-pilothub-studiedata-en-ai",
        f"SELECT ?p WHERE {{ ?p kg:proposedBy {SDAI} }}",
        {
            "product/educational-data-competence-center",
            "product/nationale-experimenteeromgeving-learning-analytics",
            "product/best-en-worst-practices-learning-analytics",
        },
    ),
    Fact(
        "producten-uit-het-startdocument-studiedata-en-ai",
        f"""SELECT ?p WHERE {{ ?p dcterms:isPartOf {iri("product/startdocument-pilothub-studiedata-en-ai")} ;
              kg:lifecycleStatus {iri("begrip/levensfase/voorgesteld")} }}""",
        {
            "product/educational-data-competence-center",
            "product/nationale-experimenteeromgeving-learning-analytics",
        },
    ),
    Fact(
        "startdocument-medio-april-2023",
        f"SELECT ?d WHERE {{ {iri('product/startdocument-pilothub-studiedata-en-ai')} dcterms:issued ?d }}",
        {"2023-04^^gYearMonth"},
    ),
    Fact(
        "bijeenkomst-15-maart-met-100-collegas",
        f"""SELECT ?d ?n WHERE {{ {iri("evenement/bijeenkomst-plan-studiedata-en-ai-2023-03-15")}
              schema:startDate ?d ; kg:participantCount ?n }}""",
        {("2023-03-15^^date", "100^^integer")},
    ),
    Fact(
        "partners-van-pilothub-studiedata-en-ai",
        f"SELECT ?p WHERE {{ {SDAI} kg:partner ?p }}",
        {
            "organisatie/surf",
            "gemeenschap/zone-studiedata",
            "programma/doorpakken-op-digitalisering",
            "gemeenschap/sig-ai",
            "gemeenschap/sig-learning-analytics",
        },
    ),
    Fact(
        "zone-studiedata-van-het-versnellingsplan",
        f"SELECT ?p WHERE {{ {iri('gemeenschap/zone-studiedata')} org:subOrganizationOf ?p }}",
        {"programma/versnellingsplan-onderwijsinnovatie-met-ict"},
    ),
    Fact(
        "doorpakken-op-digitalisering-van-de-mbo-raad",
        f"SELECT ?o WHERE {{ {iri('programma/doorpakken-op-digitalisering')} kg:executedBy ?o }}",
        {"organisatie/mbo-raad"},
    ),
    Fact(
        "inventarisatie-door-vijf-partijen",
        f"""SELECT ?a WHERE {{ {iri("bewijs/inventarisatie-bestaande-producten-studiedata-en-ai")}
              kg:evidenceType {iri("begrip/bewijssoort/inventarisatie")} ; dcterms:creator ?a }}""",
        {
            "organisatie/surf",
            "gemeenschap/zone-studiedata",
            "programma/doorpakken-op-digitalisering",
            "gemeenschap/sig-ai",
            "gemeenschap/sig-learning-analytics",
        },
    ),
    Fact(
        "vijf-hoofdcomponenten-plan-xr",
        f"""SELECT ?d WHERE {{ {iri("hub/pilothub-xr")} kg:hasGoal ?d .
              ?d kg:goalType {iri("begrip/doelsoort/plancomponent")} }}""",
        {
            "doel/xr-community-uitbouwen",
            "doel/xr-infrastructuur-bouwen",
            "doel/xr-contentstrategieen-ontwikkelen",
            "doel/xr-blauwdruk-organisatiestructuur",
            "doel/xr-nieuwe-technologieen-onderzoeken",
        },
    ),
    Fact(
        "twee-doelstellingen-docentondersteuning",
        f"""SELECT ?d WHERE {{ {iri("hub/pilothub-docentondersteuning")} kg:hasGoal ?d .
              ?d kg:goalType {iri("begrip/doelsoort/doelstelling")} }}""",
        {
            "doel/kwaliteit-en-randvoorwaarden-docentondersteuning-versterken",
            "doel/onderwijskundig-ict-professional-als-schakel-versterken",
        },
    ),
    Fact(
        "vier-doelstellingen-edtech",
        f"""SELECT ?d WHERE {{ {iri("hub/pilothub-edtech")} kg:hasGoal ?d .
              ?d kg:goalType {iri("begrip/doelsoort/doelstelling")} }}""",
        {
            "doel/edtech-professionaliseringsslag",
            "doel/edtech-inkoopstrategie-verbeteren",
            "doel/edtech-samenwerkingsvormen-ontwikkelen",
            "doel/edtech-innovaties-opschalen",
        },
    ),
    Fact(
        "producten-voorgesteld-door-pilothub-docentondersteuning",
        f"SELECT ?p WHERE {{ ?p kg:proposedBy {iri('hub/pilothub-docentondersteuning')} }}",
        {
            "product/monitoringsinstrument-digitale-bekwaamheid",
            "product/vraagarticulatie-instrument",
            "product/leergang-onderwijskundig-ict-professionals",
        },
    ),
    Fact(
        "plan-van-aanpak-edtech-met-schrijfteam",
        f"SELECT ?m WHERE {{ {iri('product/plan-van-aanpak-pilothub-edtech')} schema:producer ?m }}",
        {"team/coordinatieteam-pilothub-edtech", "team/schrijfteam-pilothub-edtech"},
    ),
    Fact(
        "startdocument-aangeboden-aan-regieteam",
        f"SELECT ?s WHERE {{ {iri('team/regieteam')} kg:teamType ?s }}",
        {"begrip/teamsoort/regieteam"},
    ),
    Fact(
        "citaat-met-het-xr-contactadres",
        f"""SELECT ?q WHERE {{ {iri("team/coordinatieteam-pilothub-xr")}
              prov:qualifiedDerivation/kg:quote ?q . FILTER(CONTAINS(?q, "@")) }}""",
        {"Neem dan contact op met het coördinatieteam via esther.vanderlinde@surf.nl"},
    ),
    Fact(
        "teams-afgeleid-uit-de-update",
        derived_from("kg:Team", "update-pilothubs-2023"),
        {"team/regieteam", "team/schrijfteam-pilothub-edtech"}
        | {
            f"team/{soort}-pilothub-{h}"
            for soort in ("coordinatieteam", "kernteam")
            for h in ("studiedata-en-ai", "xr", "docentondersteuning", "edtech")
        },
    ),
]

# ----------------------------------------------------------------------------------------------
# 4. professionele-leergemeenschappen-ict.txt (blog)
# ----------------------------------------------------------------------------------------------
BLOG = iri("bron/professionele-leergemeenschappen-ict")
OU_BEWIJS = iri("bewijs/praktijkervaring-cursus-open-universiteit")
BLOG_FACTS = [
    Fact(
        "bron-soort-blog",
        f"SELECT ?s WHERE {{ {BLOG} dcterms:type ?s }}",
        {"begrip/bronsoort/blog"},
    ),
    Fact(
        "titel-is-redactioneel-toegelicht",
        f"""SELECT (COUNT(?n) AS ?aantal) WHERE {{ GRAPH <{REDACTIE}> {{
              {BLOG} skos:editorialNote ?n }} }}""",
        {"1^^integer"},
    ),
    Fact(
        "bewering-just-in-context",
        f"""SELECT ?l WHERE {{ {iri("bewering/docenten-leren-het-best-just-in-context")}
              a kg:EvidenceClaim ; skos:prefLabel ?l . FILTER(lang(?l) = "nl") }}""",
        {
            "Docenten leren het beste als dat leren gekoppeld aan hun dagelijkse praktijk "
            "plaatsvindt (just-in-context)."
        },
    ),
    Fact(
        "bewijs-voor-just-in-context",
        f"SELECT ?b WHERE {{ ?b kg:supportsClaim {iri('bewering/docenten-leren-het-best-just-in-context')} }}",
        {
            "bewijs/opinie-blog-professionele-leergemeenschappen",
            "bewijs/praktijkervaring-werkplaats-onderwijsleertechnologie",
        },
    ),
    Fact(
        "blog-opinie-is-expertopinie-sterkte-0",
        f"""SELECT ?soort ?sterkte WHERE {{ {iri("bewijs/opinie-blog-professionele-leergemeenschappen")}
              kg:evidenceType ?soort ; kg:evidenceStrength ?sterkte }}""",
        {("begrip/bewijssoort/expertopinie", "begrip/bewijssterkte/sterkte-0")},
    ),
    Fact(
        "ou-ervaring-is-praktijkverslag-sterkte-1",
        f"SELECT ?soort ?sterkte WHERE {{ {OU_BEWIJS} kg:evidenceType ?soort ; kg:evidenceStrength ?sterkte }}",
        {("begrip/bewijssoort/praktijkverslag", "begrip/bewijssterkte/sterkte-1")},
    ),
    Fact(
        "ou-ervaring-gaat-over-cursus-en-open-universiteit",
        f"SELECT ?o WHERE {{ {OU_BEWIJS} kg:about ?o }}",
        {"product/cursus-open-universiteit-onderwijsconferentie", "organisatie/open-universiteit"},
    ),
    Fact(
        "ou-ervaring-twee-bevindingen",
        f"SELECT (COUNT(?b) AS ?n) WHERE {{ {OU_BEWIJS} kg:finding ?b }}",
        {"2^^integer"},
    ),
    Fact(
        "open-universiteit-samengevoegd-met-ror",
        "SELECT ?o WHERE { ?o schema:sameAs <https://ror.org/018dfmf50> }",
        {"organisatie/open-universiteit"},
    ),
    Fact(
        "cursus-gemaakt-door-open-universiteit",
        f"SELECT ?m WHERE {{ {iri('product/cursus-open-universiteit-onderwijsconferentie')} schema:producer ?m }}",
        {"organisatie/open-universiteit"},
    ),
    Fact(
        "werkplaats-met-hogeschool-rotterdam",
        f"""SELECT ?p ?soort WHERE {{ {iri("gemeenschap/werkplaats-onderwijsleertechnologie")}
              kg:partner ?p ; kg:communityType ?soort }}""",
        {("organisatie/hogeschool-rotterdam", "begrip/gemeenschapsoort/werkplaats")},
    ),
    Fact(
        "praktijkonderzoek-projectonderwijs-in-de-werkplaats",
        f"""SELECT ?a WHERE {{ ?a prov:wasAssociatedWith
              {iri("gemeenschap/werkplaats-onderwijsleertechnologie")} ;
              dcterms:subject {iri("begrip/thema/projectonderwijs")} }}""",
        {"activiteit/praktijkonderzoek-digitale-ondersteuning-projectonderwijs"},
    ),
    Fact(
        "ict-kennisbasis-categorie-leren-en-innoveren",
        f"SELECT ?p WHERE {{ ?p dcterms:isPartOf {iri('product/ict-kennisbasis')} }}",
        {"product/ict-kennisbasis-leren-en-innoveren"},
    ),
    Fact(
        "ict-kennisbasis-voor-lerarenopleidingen",
        f"SELECT ?g WHERE {{ {iri('product/ict-kennisbasis')} kg:targetGroup ?g }}",
        {"begrip/doelgroep/lerarenopleidingen"},
    ),
    Fact(
        "versnellingsagenda-in-het-ho",
        f"SELECT ?s WHERE {{ {iri('programma/versnellingsagenda-onderwijsinnovatie-met-ict')} kg:sector ?s }}",
        {"begrip/sector/ho"},
    ),
    Fact(
        "hbo-en-wo-vallen-onder-ho",
        f"SELECT ?s WHERE {{ ?s skos:broader {iri('begrip/sector/ho')} }}",
        {"begrip/sector/hbo", "begrip/sector/wo"},
    ),
    Fact(
        "mbo-valt-niet-onder-ho",
        f"SELECT ?b WHERE {{ {iri('begrip/sector/mbo')} skos:broader ?b }}",
        set(),
    ),
    Fact(
        "vernieuwd-opleidingsaanbod-voorgesteld",
        f"""SELECT ?status ?sector WHERE {{ {iri("product/vernieuwd-opleidingsaanbod-ho-docenten")}
              kg:lifecycleStatus ?status ; kg:sector ?sector }}""",
        {("begrip/levensfase/voorgesteld", "begrip/sector/ho")},
    ),
    Fact(
        "gemeenschappen-afgeleid-uit-de-blog",
        derived_from("kg:Community", "professionele-leergemeenschappen-ict"),
        {
            "gemeenschap/professionele-leergemeenschappen-ho",
            "gemeenschap/werkplaats-onderwijsleertechnologie",
        },
    ),
    Fact(
        "citaat-just-in-context",
        f"""SELECT ?q WHERE {{ {iri("bewering/docenten-leren-het-best-just-in-context")}
              prov:qualifiedDerivation/kg:quote ?q }}""",
        {
            "docenten het beste leren als dat leren gekoppeld aan hun dagelijkse praktijk plaats "
            "vindt (just-in-context)"
        },
    ),
]

# ----------------------------------------------------------------------------------------------
# 5. afronding-cop-leren-en-ict.txt (afsluitbericht, december 2020)
# ----------------------------------------------------------------------------------------------
COP_BRON = iri("bron/afronding-cop-leren-en-ict")
COP = iri("gemeenschap/cop-leren-en-ict")
BLENDED = iri("gemeenschap/themagroep-blended-learning")
COP_FACTS = [
    Fact(
        "bron-december-2020-afsluitbericht",
        f"SELECT ?d ?s WHERE {{ {COP_BRON} dcterms:issued ?d ; dcterms:type ?s }}",
        {("2020-12^^gYearMonth", "begrip/bronsoort/afsluitbericht")},
    ),
    Fact(
        "bron-auteurs",
        f"SELECT ?a WHERE {{ {COP_BRON} dcterms:creator ?a }}",
        {"persoon/marius-van-zandwijk", "persoon/john-schobben"},
    ),
    Fact(
        "cop-andere-namen",
        f"SELECT ?a WHERE {{ {COP} skos:altLabel ?a }}",
        {
            "CoP Onderwijs en ICT",
            "Community of Practice Leren en ict",
            "Community of Practice Gepersonaliseerd leren en ict",
        },
    ),
    Fact(
        "cop-afgerond-op-31-december-2020",
        f"SELECT ?s ?eind WHERE {{ {COP} kg:lifecycleStatus ?s ; schema:endDate ?eind }}",
        {("begrip/levensfase/afgerond", "2020-12-31^^date")},
    ),
    Fact(
        "cop-voor-docenten-en-teammanagers-in-het-mbo",
        f"SELECT ?g ?s WHERE {{ {COP} kg:targetGroup ?g ; kg:sector ?s }}",
        {
            ("begrip/doelgroep/docenten", "begrip/sector/mbo"),
            ("begrip/doelgroep/teammanagers", "begrip/sector/mbo"),
        },
    ),
    Fact(
        "twee-themagroepen-gaan-door",
        f"""SELECT ?t ?s WHERE {{ ?t org:subOrganizationOf {COP} ;
              kg:communityType {iri("begrip/gemeenschapsoort/themagroep")} ; kg:lifecycleStatus ?s }}""",
        {
            ("gemeenschap/themagroep-blended-learning", "begrip/levensfase/voortgezet"),
            ("gemeenschap/themagroep-cyclus-werkbezoeken", "begrip/levensfase/voortgezet"),
        },
    ),
    Fact(
        "blended-learning-gaat-door-in-twee-netwerken",
        f"SELECT ?n WHERE {{ {BLENDED} kg:continuedIn ?n }}",
        {"gemeenschap/ambassadeursnetwerk-sambo-ict", "gemeenschap/netwerk-mie-coaches"},
    ),
    Fact(
        "contactpersonen-blended-learning",
        f"""SELECT ?naam WHERE {{ ?post org:postIn {BLENDED} ;
              org:role {iri("begrip/rol/contactpersoon")} ; org:heldBy/skos:prefLabel ?naam }}""",
        {"Gerard Reimink", "Wendy van Deursen"},
    ),
    Fact(
        "contactpersoon-cyclus-werkbezoeken",
        f"SELECT ?p WHERE {{ {iri('gemeenschap/themagroep-cyclus-werkbezoeken')} kg:contactPerson ?p }}",
        {"persoon/andy-van-dissel"},
    ),
    Fact(
        "beweging-gaat-door-in-werkplaats-en-werkgroep",
        f"SELECT ?n WHERE {{ {COP} kg:continuedIn ?n }}",
        {
            "gemeenschap/onderzoekswerkplaats-gepersonaliseerd-leren-met-ict",
            "gemeenschap/werkgroep-innoveren-doorpakken-op-digitalisering",
        },
    ),
    Fact(
        "producten-overgezet-naar-ecbo",
        f"""SELECT ?naar ?s WHERE {{ {iri("product/producten-cop-leren-en-ict")}
              kg:movedTo ?naar ; kg:lifecycleStatus ?s }}""",
        {
            ("organisatie/ecbo", "begrip/levensfase/overgezet"),
            ("product/lemma-gepersonaliseerd-leren-2", "begrip/levensfase/overgezet"),
        },
    ),
    Fact(
        "lemma-in-de-canon-van-ecbo",
        f"""SELECT ?canon ?maker WHERE {{ {iri("product/lemma-gepersonaliseerd-leren-2")}
              dcterms:isPartOf ?canon . ?canon schema:producer ?maker }}""",
        {("product/canon-van-het-beroepsonderwijs", "organisatie/ecbo")},
    ),
    Fact(
        "cop-site-offline-eind-februari-2021",
        f"""SELECT ?s ?eind WHERE {{ {iri("product/site-cop-leren-en-ict")} a schema:WebSite ;
              kg:lifecycleStatus ?s ; schema:endDate ?eind }}""",
        {("begrip/levensfase/offline", "2021-02^^gYearMonth")},
    ),
    Fact(
        "eindseminars-meer-dan-200-deelnemers",
        f"""SELECT ?d ?n WHERE {{ {iri("evenement/eindseminars-cop-leren-en-ict-2020-12")}
              schema:startDate ?d ; kg:participantCount ?n }}""",
        {("2020-12^^gYearMonth", "200^^integer")},
    ),
    Fact(
        "eindseminars-op-3-en-16-december",
        f"""SELECT ?d WHERE {{ ?e a kg:Event ; schema:organizer {COP} ; schema:startDate ?d .
              FILTER(DATATYPE(?d) = xsd:date) }}""",
        {"2020-12-03^^date", "2020-12-16^^date"},
    ),
    Fact(
        "ocw-subsidie-stopt-31-december-2020",
        f"""SELECT ?f ?eind WHERE {{ ?f schema:funder {iri("organisatie/ocw")} ;
              schema:fundedItem {COP} ; schema:endDate ?eind }}""",
        {("financiering/ocw-subsidie-cop-leren-en-ict", "2020-12-31^^date")},
    ),
    Fact(
        "iva-eindrapport-lessons-learned",
        f"""SELECT ?soort ?uitgever ?over WHERE {{ {iri("bewijs/eindrapport-iva-lessons-learned-cop")}
              kg:evidenceType ?soort ; dcterms:publisher ?uitgever ; kg:about ?over }}""",
        {
            (
                "begrip/bewijssoort/lessons-learned",
                "organisatie/iva-onderwijs",
                "gemeenschap/cop-leren-en-ict",
            )
        },
    ),
    Fact(
        "e-mailadressen-uit-de-bron",
        """SELECT ?p ?m WHERE { ?p a foaf:Person ; foaf:mbox ?m }""",
        {
            ("persoon/irma-van-der-neut", "mailto:vanderneut@iva-onderwijs.nl"),
            ("persoon/john-schobben", "mailto:john.schobben@leijgraaf.nl"),
        },
    ),
    Fact(
        "werkgever-uit-e-maildomein-is-redactioneel",
        f"""SELECT ?p ?org WHERE {{ GRAPH <{REDACTIE}> {{ ?p schema:worksFor ?org }} }}""",
        {
            ("persoon/irma-van-der-neut", "organisatie/iva-onderwijs"),
            ("persoon/john-schobben", "organisatie/leijgraaf"),
        },
    ),
    Fact(
        "facilitering-van-bovenaf-onderbouwd",
        f"""SELECT ?b ?soort WHERE {{ ?b kg:supportsClaim
              {iri("bewering/facilitering-van-bovenaf-sluit-niet-aan")} ; kg:evidenceType ?soort }}""",
        {("bewijs/uitgangspunten-cop-leren-en-ict", "begrip/bewijssoort/expertopinie")},
    ),
    Fact(
        "owpict-website",
        f"SELECT ?u WHERE {{ {iri('product/owpict-nl')} schema:url ?u }}",
        {"https://owpict.nl"},
    ),
    Fact(
        "citaat-subsidie-ocw",
        f"""SELECT ?q WHERE {{ {iri("financiering/ocw-subsidie-cop-leren-en-ict")}
              prov:qualifiedDerivation ?d . ?d prov:entity {COP_BRON} ; kg:quote ?q .
              FILTER(STRSTARTS(?q, "31 december")) }}""",
        {"31 december 2020 stopt de subsidie van OCW."},
    ),
    Fact(
        "personen-afgeleid-uit-het-afsluitbericht",
        derived_from("foaf:Person", "afronding-cop-leren-en-ict"),
        {
            "persoon/" + p
            for p in (
                "gerard-reimink",
                "wendy-van-deursen",
                "andy-van-dissel",
                "irma-van-der-neut",
                "john-schobben",
                "marius-van-zandwijk",
            )
        },
    ),
]


def _ids(facts: list[Fact]) -> list[str]:
    return [f.id for f in facts]


@pytest.mark.parametrize("fact", KENNISHUB, ids=_ids(KENNISHUB))
def test_kennishub_leren_en_innoveren(real_store: ox.Store, fact: Fact) -> None:
    check(real_store, fact)


@pytest.mark.parametrize("fact", DIGITALISERINGSIMPULS, ids=_ids(DIGITALISERINGSIMPULS))
def test_digitaliseringsimpuls_transformatiehubs(real_store: ox.Store, fact: Fact) -> None:
    check(real_store, fact)


@pytest.mark.parametrize("fact", UPDATE_PILOTHUBS, ids=_ids(UPDATE_PILOTHUBS))
def test_update_pilothubs_2023(real_store: ox.Store, fact: Fact) -> None:
    check(real_store, fact)


@pytest.mark.parametrize("fact", BLOG_FACTS, ids=_ids(BLOG_FACTS))
def test_professionele_leergemeenschappen_ict(real_store: ox.Store, fact: Fact) -> None:
    check(real_store, fact)


@pytest.mark.parametrize("fact", COP_FACTS, ids=_ids(COP_FACTS))
def test_afronding_cop_leren_en_ict(real_store: ox.Store, fact: Fact) -> None:
    check(real_store, fact)


def test_every_group_has_at_least_15_facts() -> None:
    for group in (KENNISHUB, DIGITALISERINGSIMPULS, UPDATE_PILOTHUBS, BLOG_FACTS, COP_FACTS):
        assert len(group) >= 15
        assert len(set(_ids(group))) == len(group)


def test_ror_universities_that_also_fund_research_are_no_funds(real_store: ox.Store) -> None:
    """ROR types TU Delft 'education' and 'funder'; it is an education institution, not a fund."""
    q = (
        PREFIXES
        + """SELECT ?soort WHERE {
        ?o schema:sameAs <https://ror.org/02e2c7k09> ; kg:organisationType ?soort }"""
    )
    found = {
        r["soort"].value.rsplit("/", 1)[-1]
        for r in real_store.query(q, use_default_graph_as_union=True)
    }  # type: ignore[index, union-attr]
    assert found == {"onderwijsinstelling"}
