"""The words of the home, class and theme pages, in Dutch and English.

One table per language with the same keys (``tests/test_entry_pages.py`` checks that); a
template gets the table of the reader's language as ``t`` and writes ``{{ t.key }}``. Strings
with ``{name}`` placeholders are filled in with :func:`fill` (``{{ t.key | fill(n=3) }}``).
"""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "home_title": "Kennisgraaf: kennis over onderwijsinnovatie",
        "home_intro": (
            "Eén vindplaats voor kennis over digitale onderwijsinnovatie in mbo, hbo en wo: wie "
            "werkt waaraan (organisaties, programma's, hubs, teams, gemeenschappen, Centers for "
            "Teaching & Learning, personen), wat zij maken (producten) en wat er bekend is over "
            "wat werkt (bewijs). Elk feit verwijst naar zijn bron."
        ),
        "holds": "Wat de graaf bevat",
        "holds_caption": "Aantal per soort; elke soort opent de lijst van alles van die soort.",
        "kind": "Soort",
        "count": "Aantal",
        "release_line": "Release {id}: {triples} triples.",
        "all_classes": "Alle klassen met hun aantallen",
        "sources": "Bronnen",
        "sources_intro": "De documenten waaruit de gegevens komen, met het aantal beschreven dingen.",
        "described_things": "{n} beschreven dingen",
        "entries": "Ingangen per gebruiker",
        "researchers": "Voor onderzoekers",
        "researchers_text": (
            "Stel eigen vragen in SPARQL: in de query-editor, of vanuit elk programma aan het "
            "SPARQL 1.1-endpoint /sparql (resultaten als JSON, XML, CSV of TSV); één graaf "
            "lezen kan via het Graph Store Protocol op /store?graph=…. De ontologie "
            "beschrijft elke klasse en eigenschap in het Nederlands en Engels."
        ),
        "editor": "Query-editor",
        "examples_json": "Voorbeeldvragen (JSON)",
        "ontology": "Ontologie",
        "service_description": "Servicebeschrijving van het endpoint",
        "examples_for_group": "Voorbeeldvragen in de editor",
        "teachers": "Voor docenten, docentondersteuners en CTL-medewerkers",
        "teachers_text": (
            "Blader per thema (bijvoorbeeld XR of learning analytics) of per doelgroep: op één "
            "pagina de actoren, producten en het bewijs. Of zoek op een woord."
        ),
        "themes": "Thema's",
        "target_groups": "Doelgroepen",
        "search": "Zoeken",
        "directors": "Voor opleidingsdirecteuren en bestuurders",
        "directors_text": (
            "Beoordeel een voorstel aan wat bekend is: per thema het bewijs met zijn soort, "
            "zijn sterkte (0 tot 5 hangsloten) en zijn bron, en de beweringen die het ondersteunt."
        ),
        "evidence_per_theme": "Bewijs per thema",
        "all_evidence": "Alle bewijsstukken",
        "all_claims": "Alle beweringen",
        "partners": "Voor partnercatalogi",
        "partners_text": (
            "Neem de gegevens over: de hele graaf en elke brongraaf als bestand in elk gangbaar "
            "RDF-formaat, beschreven in een DCAT-AP 3-catalogus en een VoID-beschrijving, en "
            "alleen wat veranderde tussen twee releases."
        ),
        "downloads": "Downloads",
        "catalog": "DCAT-AP-catalogus",
        "void": "VoID-beschrijving",
        "changes": "Wijzigingen",
        "changes_feed": "Wijzigingen als Linked Data Event Stream",
        "editors": "Voor redacteuren van de Kennishub",
        "editors_text": (
            "De gegevens staan als YAML in de map data/ van de repository, één bestand per "
            "soort (organisaties.yaml, hubs.yaml, producten.yaml, bewijs.yaml, ...). "
            "De handleiding voor redacteuren is data/README.md. 'kennisgraaf validate' "
            "controleert alles en noemt bij elke fout het bestand, de regel en de oplossing; "
            "'kennisgraaf build' laadt een nieuwe release. De README van de repository "
            "beschrijft alle commando's."
        ),
        "editors_check": "Controleer na een build wat er veranderde:",
        "classes_title": "Klassen",
        "classes_intro": (
            "Alle klassen waarvan de graaf dingen bevat, met hun aantal. Een klasse opent de "
            "lijst van haar instanties."
        ),
        "class_col": "Klasse",
        "iri_col": "IRI",
        "instances_of": "Alles van de soort {label}",
        "n_instances": "{n} in totaal",
        "sort_by": "Sorteer",
        "sort_label": "op naam (A-Z)",
        "sort_-label": "op naam (Z-A)",
        "sort_links": "minst verwezen eerst",
        "sort_-links": "meest verwezen eerst",
        "name": "Naam",
        "description": "Beschrijving",
        "links": "Verwijzingen",
        "links_title": "Hoeveel andere dingen naar dit ding verwijzen",
        "paging": "Pagina's",
        "page_of": "Pagina {page} van {pages}",
        "previous": "Vorige pagina",
        "next": "Volgende pagina",
        "first": "Eerste pagina",
        "last": "Laatste pagina",
        "showing": "{first} tot en met {last} van {n}",
        "class_definition": "Definitie",
        "query_this": "Deze lijst als SPARQL-vraag",
        "themes_title": "Thema's",
        "themes_intro": (
            "De thema's waar actoren, producten en bewijs over gaan. Per thema het aantal dingen "
            "dat het thema heeft."
        ),
        "target_groups_title": "Doelgroepen",
        "target_groups_intro": (
            "De groepen mensen voor wie iets bedoeld is. Per doelgroep het aantal dingen dat "
            "voor die groep bedoeld is."
        ),
        "theme": "Thema",
        "target_group": "Doelgroep",
        "things": "Dingen",
        "broader": "Breder",
        "narrower": "Smaller",
        "also_known_as": "Ook genoemd",
        "definition": "Definitie",
        "actors": "Actoren",
        "products": "Producten",
        "evidence": "Bewijs",
        "other": "Ook over dit onderwerp",
        "none_here": "Geen.",
        "evidence_items": "Bewijsstukken",
        "claims": "Beweringen",
        "evidence_kind": "Soort",
        "strength": "Sterkte",
        "source": "Bron",
        "supports": "Ondersteunt",
        "supported_by": "Ondersteund door",
        "via": "via {label}",
        "via_title": "Heeft zelf geen {what}; telt mee via waar het over gaat",
        "no_support": "nog geen bewijs in de graaf",
        "topic_summary": "{actors} actoren, {products} producten, {evidence} bewijs",
        "back_to_index": "Alle {what}",
        "error_title": "Niet gevonden",
        "bad_request_title": "Onjuiste vraag",
        "what_to_do": "Wat nu?",
        "to_classes": "Bekijk alle klassen",
        "to_themes": "Bekijk alle thema's",
        "to_target_groups": "Bekijk alle doelgroepen",
        "to_home": "Naar de startpagina",
        "err_too_long": (
            "de parameter '{name}' is {n} tekens lang; er mogen er ten hoogste {max} zijn"
        ),
        "err_no_class": (
            "er is geen klasse gegeven: voeg ?iri= toe met de IRI van een klasse, bijvoorbeeld "
            "/klasse?iri=kg:Product; /klassen noemt alle klassen"
        ),
        "err_not_iri": (
            "iri={value} is geen IRI ({reason}); geef een volledige IRI zoals {example} of een "
            "naam met prefix zoals kg:Product"
        ),
        "err_bad_sort": "sort={value} bestaat niet; gebruik een van: {choices}",
        "err_bad_page": (
            "page={value} is geen paginanummer; geef een geheel getal vanaf 1, bijvoorbeeld page=2"
        ),
        "err_unknown_class": (
            "de graaf bevat niets van de klasse {iri}: die is hier onbekend of heeft geen "
            "instanties met een IRI; kies een klasse uit de lijst van alle klassen"
        ),
        "err_page_beyond": (
            "pagina {page} bestaat niet: deze klasse heeft {n} instanties, {pages} pagina('s) "
            "van {size}; ga naar de laatste pagina"
        ),
        "err_bad_slug": (
            "{value} is hier niet de naam van een {what}: namen bestaan uit kleine letters, "
            "cijfers en '-'; kies er een uit de lijst"
        ),
        "err_unknown_topic": "er is geen {what} '{slug}' in de graaf; kies er een uit de lijst",
        "err_unknown_kind": (
            "kind={value} staat niet op deze pagina; kind is de IRI van een van de soorten "
            "hier: {kinds}; laat kind weg voor de eerste pagina van elke soort"
        ),
        "err_page_needs_kind": (
            "page zonder kind: geef ook kind, de IRI van de soort waarvan u de pagina wilt "
            "zien (de links 'Volgende pagina' op de pagina doen dat)"
        ),
        "err_topic_page_beyond": (
            "pagina {page} bestaat niet: deze soort heeft hier {n} leden, {pages} pagina('s) "
            "van {size}; ga naar de laatste pagina"
        ),
    },
    "en": {
        "home_title": "Kennisgraaf: knowledge of education innovation",
        "home_intro": (
            "One place to find knowledge of digital innovation in Dutch vocational and higher "
            "education: who works on what (organisations, programmes, hubs, teams, communities, "
            "Centers for Teaching & Learning, people), what they make (products) and what is "
            "known about what works (evidence). Every fact points to its source."
        ),
        "holds": "What the graph holds",
        "holds_caption": "Number per kind; each kind opens the list of everything of that kind.",
        "kind": "Kind",
        "count": "Number",
        "release_line": "Release {id}: {triples} triples.",
        "all_classes": "All classes with their numbers",
        "sources": "Sources",
        "sources_intro": "The documents the data comes from, with the number of things described.",
        "described_things": "{n} things described",
        "entries": "Entry points per user",
        "researchers": "For researchers",
        "researchers_text": (
            "Ask your own questions in SPARQL: in the query editor, or from any program at the "
            "SPARQL 1.1 endpoint /sparql (results as JSON, XML, CSV or TSV); read one graph "
            "with the Graph Store Protocol at /store?graph=…. The ontology "
            "describes every class and property in Dutch and English."
        ),
        "editor": "Query editor",
        "examples_json": "Example queries (JSON)",
        "ontology": "Ontology",
        "service_description": "Service description of the endpoint",
        "examples_for_group": "Example queries in the editor",
        "teachers": "For teachers, teacher-support staff and CTL staff",
        "teachers_text": (
            "Browse by theme (for example XR or learning analytics) or by target group: the "
            "actors, products and evidence on one page. Or search for a word."
        ),
        "themes": "Themes",
        "target_groups": "Target groups",
        "search": "Search",
        "directors": "For education directors",
        "directors_text": (
            "Judge a proposal against what is known: for each theme the evidence with its kind, "
            "its strength (0 to 5 padlocks) and its source, and the claims it supports."
        ),
        "evidence_per_theme": "Evidence per theme",
        "all_evidence": "All evidence items",
        "all_claims": "All claims",
        "partners": "For partner catalogues",
        "partners_text": (
            "Take the data into yours: the whole graph and each source graph as files in every "
            "common RDF format, described in a DCAT-AP 3 catalogue and a VoID description, and "
            "only what changed between two releases."
        ),
        "downloads": "Downloads",
        "catalog": "DCAT-AP catalogue",
        "void": "VoID description",
        "changes": "Changes",
        "changes_feed": "Changes as a Linked Data Event Stream",
        "editors": "For Kennishub editors",
        "editors_text": (
            "The data is kept as YAML in the folder data/ of the repository, one file per kind "
            "(organisaties.yaml, hubs.yaml, producten.yaml, bewijs.yaml, ...). The editors' "
            "guide is data/README.md. 'kennisgraaf validate' checks everything and names the "
            "file, the line and the fix of each problem; 'kennisgraaf build' loads a new "
            "release. The repository's README describes every command."
        ),
        "editors_check": "After a build, check what changed:",
        "classes_title": "Classes",
        "classes_intro": (
            "Every class the graph has things of, with their number. A class opens the list of "
            "its instances."
        ),
        "class_col": "Class",
        "iri_col": "IRI",
        "instances_of": "Everything of the kind {label}",
        "n_instances": "{n} in all",
        "sort_by": "Sort",
        "sort_label": "by name (A-Z)",
        "sort_-label": "by name (Z-A)",
        "sort_links": "least referred to first",
        "sort_-links": "most referred to first",
        "name": "Name",
        "description": "Description",
        "links": "References",
        "links_title": "How many other things refer to this thing",
        "paging": "Pages",
        "page_of": "Page {page} of {pages}",
        "previous": "Previous page",
        "next": "Next page",
        "first": "First page",
        "last": "Last page",
        "showing": "{first} to {last} of {n}",
        "class_definition": "Definition",
        "query_this": "This list as a SPARQL query",
        "themes_title": "Themes",
        "themes_intro": (
            "The themes that actors, products and evidence are about. For each theme the number "
            "of things that have it."
        ),
        "target_groups_title": "Target groups",
        "target_groups_intro": (
            "The groups of people something is meant for. For each target group the number of "
            "things meant for it."
        ),
        "theme": "Theme",
        "target_group": "Target group",
        "things": "Things",
        "broader": "Broader",
        "narrower": "Narrower",
        "also_known_as": "Also called",
        "definition": "Definition",
        "actors": "Actors",
        "products": "Products",
        "evidence": "Evidence",
        "other": "Also on this subject",
        "none_here": "None.",
        "evidence_items": "Evidence items",
        "claims": "Claims",
        "evidence_kind": "Kind",
        "strength": "Strength",
        "source": "Source",
        "supports": "Supports",
        "supported_by": "Supported by",
        "via": "via {label}",
        "via_title": "Has no {what} of its own; counted through what it is about",
        "no_support": "no evidence in the graph yet",
        "topic_summary": "{actors} actors, {products} products, {evidence} evidence",
        "back_to_index": "All {what}",
        "error_title": "Not found",
        "bad_request_title": "Bad request",
        "what_to_do": "What now?",
        "to_classes": "See all classes",
        "to_themes": "See all themes",
        "to_target_groups": "See all target groups",
        "to_home": "Go to the home page",
        "err_too_long": "the parameter '{name}' is {n} characters long; at most {max} are allowed",
        "err_no_class": (
            "no class given: add ?iri= with the IRI of a class, for example "
            "/klasse?iri=kg:Product; /klassen lists every class"
        ),
        "err_not_iri": (
            "iri={value} is not an IRI ({reason}); give a full IRI such as {example} or a "
            "prefixed name such as kg:Product"
        ),
        "err_bad_sort": "sort={value} is not known; use one of: {choices}",
        "err_bad_page": (
            "page={value} is not a page number; give a whole number from 1, for example page=2"
        ),
        "err_unknown_class": (
            "the graph holds nothing of the class {iri}: it is unknown here or has no "
            "instances with an IRI; choose a class from the list of all classes"
        ),
        "err_page_beyond": (
            "page {page} does not exist: this class has {n} instances, {pages} page(s) of "
            "{size}; go to the last page"
        ),
        "err_bad_slug": (
            "{value} is not the name of a {what} here: names are lower-case letters, digits "
            "and '-'; choose one from the list"
        ),
        "err_unknown_topic": "there is no {what} '{slug}' in the graph; choose one from the list",
        "err_unknown_kind": (
            "kind={value} is not on this page; kind is the IRI of one of the kinds here: "
            "{kinds}; leave kind out for the first page of every kind"
        ),
        "err_page_needs_kind": (
            "page without kind: give kind as well, the IRI of the kind whose page you want "
            "(the 'Next page' links on the page do so)"
        ),
        "err_topic_page_beyond": (
            "page {page} does not exist: this kind has {n} members here, {pages} page(s) of "
            "{size}; go to the last page"
        ),
    },
}


def texts(lang: str) -> dict[str, str]:
    """The table for ``lang`` (Dutch for anything else)."""
    return TEXT.get(lang, TEXT["nl"])


def fill(template: str, **values: Any) -> str:
    """``"{n} in all"`` with ``n=3`` -> ``"3 in all"`` (a Jinja filter as well)."""
    return template.format(**values)
