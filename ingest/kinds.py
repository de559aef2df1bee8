"""What an editor may write in ``data/*.yaml``: one kind of record per file.

This table is the contract between the curated data, the mapping to RDF, the ontology
(``ontology/kennisgraaf.ttl`` declares every ``kg:`` term used here) and the shapes
(``shapes/kennisgraaf.ttl``). The README's data section is written from it, and
``tests/test_kinds.py`` checks that ontology and shapes cover everything named here.

Field types:

``text``     a Dutch string (``@nl``); ``<field>_en`` gives the English one (``@en``)
``texts``    a list of Dutch strings
``date``     ``2023-05-11``, ``2023-05`` or ``2023`` (xsd:date, xsd:gYearMonth, xsd:gYear)
``amount``   ``€ 603.000.000`` or ``EUR 603000000`` (a schema:MonetaryAmount in euros)
``integer``  a whole number
``duration`` an ISO 8601 duration such as ``PT7M``
``email``    ``naam@example.nl`` (becomes a ``mailto:`` IRI)
``url``      ``https://...`` (an IRI)
``ref``      the id of another record, of one of the kinds in ``targets``
``concept``  the id of a concept in the concept scheme ``scheme`` (``begrippen.yaml``)
``literal``  a plain string without language (identifiers, file names)
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Every kind that a ``ref`` field may point at when "anything" is meant.
ACTOR_KINDS = ("organisatie", "programma", "hub", "team", "ctl", "gemeenschap", "persoon")
UNIT_KINDS = ("organisatie", "programma", "hub", "team", "ctl", "gemeenschap")
ANY_KINDS = (
    *ACTOR_KINDS,
    "product",
    "bewijs",
    "bewering",
    "financiering",
    "doel",
    "activiteit",
    "evenement",
    "bron",
)


@dataclass(frozen=True)
class Field:
    key: str
    predicate: str
    type: str
    many: bool = False
    required: bool = False
    targets: tuple[str, ...] = ()
    scheme: str | None = None
    inverse: bool = False  # the triple is <target> predicate <this record>
    help: str = ""


@dataclass(frozen=True, eq=False)
class Kind:
    name: str  # the kind's name in messages and in ``ref`` targets
    file: str  # data/<file>
    segment: str  # IRI path segment: {base}id/<segment>/<id>
    classes: tuple[str, ...]
    fields: tuple[Field, ...]
    # a ``soort`` concept id -> extra classes for records of that sort
    classes_by_sort: dict[str, tuple[str, ...]] = field(default_factory=dict)
    needs_source: bool = True
    label: str = ""


# Fields that every kind has.
COMMON_FIELDS: tuple[Field, ...] = (
    Field("naam", "skos:prefLabel", "text", required=True, help="de naam zoals de bron hem noemt"),
    Field("alias", "skos:altLabel", "texts", help="andere namen, afkortingen, vroegere namen"),
    Field("beschrijving", "dcterms:description", "text", help="een korte beschrijving"),
    Field("thema", "dcterms:subject", "concept", many=True, scheme="thema"),
    Field("doelgroep", "kg:targetGroup", "concept", many=True, scheme="doelgroep"),
    Field("sector", "kg:sector", "concept", many=True, scheme="sector"),
    Field("website", "foaf:homepage", "url", many=True),
)

# Fields handled by the mapper itself, not one triple each.
SPECIAL_KEYS = ("id", "bronnen", "redactioneel", "functies")


def _kind(
    name: str,
    file: str,
    segment: str,
    classes: tuple[str, ...],
    fields: tuple[Field, ...] = (),
    **kw: object,
) -> Kind:
    return Kind(name, file, segment, classes, COMMON_FIELDS + fields, **kw)  # type: ignore[arg-type]


KINDS: tuple[Kind, ...] = (
    _kind(
        "bron",
        "bronnen.yaml",
        "bron",
        ("kg:SourceDocument",),
        (
            Field("datum", "dcterms:issued", "date"),
            Field("soort", "dcterms:type", "concept", scheme="bronsoort", required=True),
            Field("uitgever", "dcterms:publisher", "ref", targets=UNIT_KINDS),
            Field("auteur", "dcterms:creator", "ref", many=True, targets=ACTOR_KINDS),
            Field("bestand", "kg:sourceFile", "literal"),
            Field("leestijd", "schema:timeRequired", "duration"),
            Field("taal", "dcterms:language", "literal"),
        ),
        needs_source=False,
        label="brondocument",
    ),
    _kind(
        "organisatie",
        "organisaties.yaml",
        "organisatie",
        ("org:Organization", "schema:Organization"),
        (
            Field("soort", "kg:organisationType", "concept", scheme="organisatiesoort"),
            Field("ror", "schema:sameAs", "url", help="de ROR-identifier, https://ror.org/..."),
            Field("plaats", "kg:city", "literal"),
            Field("opgericht", "schema:foundingDate", "date"),
            Field("onderdeel_van", "org:subOrganizationOf", "ref", targets=("organisatie",)),
        ),
        classes_by_sort={
            "onderwijsinstelling": ("org:FormalOrganization", "schema:EducationalOrganization"),
            "overheid": ("org:FormalOrganization", "schema:GovernmentOrganization"),
        },
        label="organisatie",
    ),
    _kind(
        "programma",
        "programmas.yaml",
        "programma",
        ("kg:Programme",),
        (
            Field("onderdeel_van", "dcterms:isPartOf", "ref", targets=("programma",)),
            Field("uitgevoerd_door", "kg:executedBy", "ref", many=True, targets=UNIT_KINDS),
            Field("start", "schema:startDate", "date"),
            Field("eind", "schema:endDate", "date"),
            Field("looptijd", "kg:durationNote", "text"),
        ),
        label="programma",
    ),
    _kind(
        "hub",
        "hubs.yaml",
        "hub",
        ("kg:Hub",),
        (
            Field("soort", "kg:hubType", "concept", scheme="hubsoort", required=True),
            Field("onderdeel_van", "org:subOrganizationOf", "ref", targets=("programma",)),
            Field("partner", "kg:partner", "ref", many=True, targets=UNIT_KINDS),
            Field("status", "kg:lifecycleStatus", "concept", scheme="levensfase"),
            Field("start", "schema:startDate", "date"),
        ),
        classes_by_sort={
            "pilothub": ("kg:PilotHub",),
            "transformatiehub": ("kg:TransformationHub",),
            "kennishub": ("kg:KnowledgeHub",),
        },
        label="hub",
    ),
    _kind(
        "team",
        "teams.yaml",
        "team",
        ("kg:Team",),
        (
            Field("soort", "kg:teamType", "concept", scheme="teamsoort", required=True),
            Field("onderdeel_van", "org:subOrganizationOf", "ref", targets=UNIT_KINDS),
            Field("samenstelling", "kg:composition", "text"),
            Field("contact", "foaf:mbox", "email", many=True),
            Field("partner", "kg:partner", "ref", many=True, targets=UNIT_KINDS),
        ),
        label="team",
    ),
    _kind(
        "ctl",
        "ctls.yaml",
        "ctl",
        ("kg:CenterForTeachingAndLearning",),
        (
            Field("onderdeel_van", "org:unitOf", "ref", required=True, targets=("organisatie",)),
            Field("lid_van", "org:memberOf", "ref", many=True, targets=("gemeenschap",)),
            Field("contact", "foaf:mbox", "email", many=True),
        ),
        label="Center for Teaching & Learning",
    ),
    _kind(
        "gemeenschap",
        "gemeenschappen.yaml",
        "gemeenschap",
        ("kg:Community",),
        (
            Field("soort", "kg:communityType", "concept", scheme="gemeenschapsoort", required=True),
            Field("onderdeel_van", "org:subOrganizationOf", "ref", targets=UNIT_KINDS),
            Field("status", "kg:lifecycleStatus", "concept", scheme="levensfase"),
            Field("voortgezet_in", "kg:continuedIn", "ref", many=True, targets=UNIT_KINDS),
            Field("contactpersoon", "kg:contactPerson", "ref", many=True, targets=("persoon",)),
            Field("lid", "org:hasMember", "ref", many=True, targets=ACTOR_KINDS),
            Field("partner", "kg:partner", "ref", many=True, targets=UNIT_KINDS),
            Field("start", "schema:startDate", "date"),
            Field("eind", "schema:endDate", "date"),
        ),
        label="gemeenschap of netwerk",
    ),
    _kind(
        "persoon",
        "personen.yaml",
        "persoon",
        ("foaf:Person", "schema:Person"),
        (
            Field("email", "foaf:mbox", "email", many=True),
            Field("werkzaam_bij", "schema:worksFor", "ref", many=True, targets=("organisatie",)),
        ),
        label="persoon",
    ),
    _kind(
        "product",
        "producten.yaml",
        "product",
        ("kg:Product",),
        (
            Field("soort", "kg:productType", "concept", scheme="productsoort", required=True),
            Field("status", "kg:lifecycleStatus", "concept", scheme="levensfase"),
            Field("voorgesteld_door", "kg:proposedBy", "ref", many=True, targets=UNIT_KINDS),
            Field("gemaakt_door", "schema:producer", "ref", many=True, targets=ACTOR_KINDS),
            Field("onderdeel_van", "dcterms:isPartOf", "ref", targets=("product",)),
            Field("gepubliceerd_via", "kg:publishedVia", "ref", many=True, targets=("product",)),
            Field(
                "overgezet_naar", "kg:movedTo", "ref", many=True, targets=("product", "organisatie")
            ),
            Field("url", "schema:url", "url"),
            Field("datum", "dcterms:issued", "date"),
            Field("eind", "schema:endDate", "date"),
        ),
        classes_by_sort={"website": ("schema:WebSite",), "dienst": ("schema:Service",)},
        label="product",
    ),
    _kind(
        "bewijs",
        "bewijs.yaml",
        "bewijs",
        ("kg:EvidenceItem",),
        (
            Field("soort", "kg:evidenceType", "concept", scheme="bewijssoort", required=True),
            Field(
                "sterkte", "kg:evidenceStrength", "concept", scheme="bewijssterkte", required=True
            ),
            Field("bevinding", "kg:finding", "texts"),
            Field("over", "kg:about", "ref", many=True, targets=ANY_KINDS),
            Field("ondersteunt", "kg:supportsClaim", "ref", many=True, targets=("bewering",)),
            Field("auteur", "dcterms:creator", "ref", many=True, targets=ACTOR_KINDS),
            Field("uitgever", "dcterms:publisher", "ref", targets=UNIT_KINDS),
            Field("datum", "dcterms:issued", "date"),
        ),
        label="bewijs",
    ),
    _kind(
        "bewering",
        "beweringen.yaml",
        "bewering",
        ("kg:EvidenceClaim",),
        (Field("over", "kg:about", "ref", many=True, targets=ANY_KINDS),),
        label="bewering",
    ),
    _kind(
        "financiering",
        "financiering.yaml",
        "financiering",
        ("kg:Funding",),
        (
            Field("soort", "kg:fundingType", "concept", scheme="financieringssoort", required=True),
            Field("bedrag", "schema:amount", "amount"),
            Field("financier", "schema:funder", "ref", many=True, targets=ACTOR_KINDS),
            Field("gefinancierd", "schema:fundedItem", "ref", many=True, targets=ANY_KINDS),
            Field("onderdeel_van", "dcterms:isPartOf", "ref", targets=("financiering",)),
            Field("start", "schema:startDate", "date"),
            Field("eind", "schema:endDate", "date"),
            Field("looptijd", "kg:durationNote", "text"),
        ),
        classes_by_sort={"subsidieregeling": ("kg:SubsidyScheme",)},
        label="financiering",
    ),
    _kind(
        "doel",
        "doelen.yaml",
        "doel",
        ("kg:Goal",),
        (
            Field(
                "van",
                "kg:hasGoal",
                "ref",
                many=True,
                required=True,
                targets=UNIT_KINDS,
                inverse=True,
            ),
            Field("soort", "kg:goalType", "concept", scheme="doelsoort"),
            Field("fase", "kg:inPhase", "concept", scheme="fase"),
        ),
        label="doel",
    ),
    _kind(
        "activiteit",
        "activiteiten.yaml",
        "activiteit",
        ("kg:Activity",),
        (
            Field(
                "uitgevoerd_door", "prov:wasAssociatedWith", "ref", many=True, targets=ACTOR_KINDS
            ),
            Field("fase", "kg:inPhase", "concept", scheme="fase"),
            Field("draagt_bij_aan", "kg:contributesTo", "ref", many=True, targets=("doel",)),
            Field("resultaat", "prov:generated", "ref", many=True, targets=("product",)),
            Field("status", "kg:lifecycleStatus", "concept", scheme="levensfase"),
        ),
        label="activiteit",
    ),
    _kind(
        "evenement",
        "evenementen.yaml",
        "evenement",
        ("kg:Event",),
        (
            Field("datum", "schema:startDate", "date", required=True),
            Field("organisator", "schema:organizer", "ref", many=True, targets=ACTOR_KINDS),
            Field("deelnemers", "kg:participantCount", "integer"),
            Field("over", "kg:about", "ref", many=True, targets=ANY_KINDS),
        ),
        label="evenement",
    ),
)

# Concept schemes live in begrippen.yaml: each record is a concept with ``schema`` and an id
# unique within that scheme; ``begrippenkaders.yaml`` describes the schemes themselves.
SCHEME_KIND = Kind(
    "begrippenkader",
    "begrippenkaders.yaml",
    "begrip",
    ("skos:ConceptScheme",),
    (
        Field("naam", "skos:prefLabel", "text", required=True),
        Field("beschrijving", "dcterms:description", "text"),
    ),
    label="begrippenkader",
)
CONCEPT_KIND = Kind(
    "begrip",
    "begrippen.yaml",
    "begrip",
    ("skos:Concept",),
    (
        Field("naam", "skos:prefLabel", "text", required=True),
        Field("alias", "skos:altLabel", "texts"),
        Field("definitie", "skos:definition", "text"),
        Field("breder", "skos:broader", "concept", many=True),  # same scheme
        Field("notatie", "skos:notation", "literal"),
        Field("exact", "skos:exactMatch", "url", many=True),
        Field("verwant", "skos:closeMatch", "url", many=True),
    ),
    label="begrip",
)

# Nested under a person: ``functies: [{rol: <rol concept>, bij: <unit id>, start, eind}]``.
POST_FIELDS: tuple[Field, ...] = (
    Field("rol", "org:role", "concept", scheme="rol", required=True),
    Field("bij", "org:postIn", "ref", required=True, targets=UNIT_KINDS),
    Field("start", "schema:startDate", "date"),
    Field("eind", "schema:endDate", "date"),
)

KINDS_BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
KINDS_BY_FILE: dict[str, Kind] = {k.file: k for k in (*KINDS, SCHEME_KIND, CONCEPT_KIND)}
