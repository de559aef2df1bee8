"""Names of terms for people, and the order in which a page shows properties.

- Labels (``nl``/``en``) of every class and property: the ontology and the shapes in the store
  (``rdfs:label``, ``skos:prefLabel``, ``sh:name``), and for the standard vocabularies that have
  no label in the store, the small table :data:`STANDARD` below.
- Order: the property shapes in ``shapes/`` carry ``sh:group`` (a ``sh:PropertyGroup`` with
  labels and ``sh:order``) and ``sh:order``; a page asks :meth:`Vocabulary.place` where a
  property of a thing of some classes goes.

Both are read once per release (:attr:`ReleaseStore.version`) and kept in memory: two small
queries, not one per page.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ontology.namespaces import STANDARD_PREFIXES, sparql_prologue

from .store import ReleaseStore

P = STANDARD_PREFIXES

# Standard terms we use, with Dutch and English labels (the store holds only our own terms').
STANDARD: dict[str, tuple[str, str]] = {
    P["rdf"] + "type": ("soort", "type"),
    P["rdfs"] + "label": ("label", "label"),
    P["rdfs"] + "comment": ("toelichting", "comment"),
    P["rdfs"] + "seeAlso": ("zie ook", "see also"),
    P["rdfs"] + "domain": ("domein", "domain"),
    P["rdfs"] + "range": ("bereik", "range"),
    P["rdfs"] + "subClassOf": ("subklasse van", "subclass of"),
    P["rdfs"] + "subPropertyOf": ("subeigenschap van", "subproperty of"),
    P["rdfs"] + "isDefinedBy": ("gedefinieerd in", "defined by"),
    P["owl"] + "versionInfo": ("versie", "version"),
    P["owl"] + "Class": ("klasse", "class"),
    P["owl"] + "ObjectProperty": ("objecteigenschap", "object property"),
    P["owl"] + "DatatypeProperty": ("gegevenseigenschap", "datatype property"),
    P["owl"] + "Ontology": ("ontologie", "ontology"),
    P["rdf"] + "Property": ("eigenschap", "property"),
    P["skos"] + "prefLabel": ("naam", "name"),
    P["skos"] + "altLabel": ("andere naam", "alternative name"),
    P["skos"] + "definition": ("definitie", "definition"),
    P["skos"] + "notation": ("notatie", "notation"),
    P["skos"] + "editorialNote": ("redactionele noot", "editorial note"),
    P["skos"] + "broader": ("breder begrip", "broader concept"),
    P["skos"] + "narrower": ("smaller begrip", "narrower concept"),
    P["skos"] + "inScheme": ("in begrippenkader", "in concept scheme"),
    P["skos"] + "topConceptOf": ("topbegrip van", "top concept of"),
    P["skos"] + "hasTopConcept": ("heeft topbegrip", "has top concept"),
    P["skos"] + "exactMatch": ("zelfde begrip elders", "exact match"),
    P["skos"] + "closeMatch": ("verwant begrip elders", "close match"),
    P["skos"] + "Concept": ("begrip", "concept"),
    P["skos"] + "ConceptScheme": ("begrippenkader", "concept scheme"),
    P["dcterms"] + "title": ("titel", "title"),
    P["dcterms"] + "description": ("beschrijving", "description"),
    P["dcterms"] + "subject": ("thema", "theme"),
    P["dcterms"] + "type": ("soort", "kind"),
    P["dcterms"] + "issued": ("datum", "date issued"),
    P["dcterms"] + "created": ("gemaakt", "created"),
    P["dcterms"] + "creator": ("auteur", "author"),
    P["dcterms"] + "publisher": ("uitgever", "publisher"),
    P["dcterms"] + "isPartOf": ("onderdeel van", "part of"),
    P["dcterms"] + "language": ("taal", "language"),
    P["dcterms"] + "license": ("licentie", "licence"),
    P["foaf"] + "homepage": ("website", "website"),
    P["foaf"] + "mbox": ("e-mail", "e-mail"),
    P["foaf"] + "Person": ("persoon", "person"),
    P["org"] + "subOrganizationOf": ("onderdeel van", "part of"),
    P["org"] + "hasSubOrganization": ("heeft onderdeel", "has part"),
    P["org"] + "unitOf": ("eenheid van", "unit of"),
    P["org"] + "hasUnit": ("heeft eenheid", "has unit"),
    P["org"] + "memberOf": ("lid van", "member of"),
    P["org"] + "hasMember": ("lid", "member"),
    P["org"] + "linkedTo": ("verbonden met", "linked to"),
    P["org"] + "holds": ("functie", "post"),
    P["org"] + "heldBy": ("vervuld door", "held by"),
    P["org"] + "postIn": ("bij", "post in"),
    P["org"] + "role": ("rol", "role"),
    P["org"] + "Organization": ("organisatie", "organisation"),
    P["org"] + "FormalOrganization": ("formele organisatie", "formal organisation"),
    P["org"] + "OrganizationalUnit": ("organisatie-eenheid", "organisational unit"),
    P["org"] + "Post": ("functie", "post"),
    P["prov"] + "wasDerivedFrom": ("bron", "source"),
    P["prov"] + "qualifiedDerivation": ("bronvermelding", "source reference"),
    P["prov"] + "entity": ("brondocument", "source document"),
    P["prov"] + "wasAssociatedWith": ("uitgevoerd door", "carried out by"),
    P["prov"] + "generated": ("resultaat", "result"),
    P["prov"] + "Derivation": ("bronvermelding", "source reference"),
    P["prov"] + "Entity": ("entiteit", "entity"),
    P["prov"] + "Activity": ("activiteit", "activity"),
    P["schema"] + "amount": ("bedrag", "amount"),
    P["schema"] + "value": ("waarde", "value"),
    P["schema"] + "currency": ("valuta", "currency"),
    P["schema"] + "startDate": ("begindatum", "start date"),
    P["schema"] + "endDate": ("einddatum", "end date"),
    P["schema"] + "foundingDate": ("opgericht", "founded"),
    P["schema"] + "funder": ("financier", "funder"),
    P["schema"] + "fundedItem": ("gefinancierd", "funded item"),
    P["schema"] + "organizer": ("organisator", "organiser"),
    P["schema"] + "producer": ("gemaakt door", "made by"),
    P["schema"] + "sameAs": ("zelfde als", "same as"),
    P["schema"] + "url": ("webadres", "URL"),
    P["schema"] + "worksFor": ("werkzaam bij", "works for"),
    P["schema"] + "timeRequired": ("leestijd", "time required"),
    P["schema"] + "domainIncludes": ("gebruikt bij", "domain includes"),
    P["schema"] + "rangeIncludes": ("waarden uit", "range includes"),
    P["schema"] + "Organization": ("organisatie", "organisation"),
    P["schema"] + "EducationalOrganization": ("onderwijsinstelling", "educational organisation"),
    P["schema"] + "GovernmentOrganization": ("overheidsorganisatie", "government organisation"),
    P["schema"] + "Person": ("persoon", "person"),
    P["schema"] + "WebSite": ("website", "website"),
    P["schema"] + "Service": ("dienst", "service"),
    P["schema"] + "MonetaryAmount": ("geldbedrag", "monetary amount"),
    P["sh"] + "NodeShape": ("knoopvorm", "node shape"),
    P["sh"] + "PropertyShape": ("eigenschapsvorm", "property shape"),
    P["sh"] + "PropertyGroup": ("eigenschapsgroep", "property group"),
    P["sh"] + "path": ("pad", "path"),
    P["sh"] + "property": ("eigenschap", "property"),
    P["sh"] + "targetClass": ("doelklasse", "target class"),
    P["sh"] + "message": ("melding", "message"),
    P["sh"] + "name": ("naam", "name"),
    P["sh"] + "severity": ("ernst", "severity"),
    P["sh"] + "group": ("groep", "group"),
    P["sh"] + "order": ("volgorde", "order"),
    P["void"] + "triples": ("aantal triples", "number of triples"),
    "http://purl.org/vocab/vann/preferredNamespacePrefix": ("voorkeursprefix", "preferred prefix"),
    "http://purl.org/vocab/vann/preferredNamespaceUri": (
        "voorkeursnaamruimte",
        "preferred namespace",
    ),
}

OTHER_GROUP = ("", {"nl": "Overige gegevens", "en": "Other data"}, 10_000)

LABELS = """
SELECT ?t ?l WHERE {
  VALUES ?g { %s %s }
  GRAPH ?g { ?t rdfs:label|skos:prefLabel ?l }
  FILTER(isIRI(?t))
}
"""

PLACES = """
SELECT ?class ?path ?group ?order ?gorder ?glabel WHERE {
  ?node sh:targetClass ?class ; sh:property ?ps .
  ?ps sh:path ?path ; sh:group ?group .
  OPTIONAL { ?ps sh:order ?order }
  OPTIONAL { ?group sh:order ?gorder }
  OPTIONAL { ?group rdfs:label ?glabel }
}
"""

SUPERCLASSES = "SELECT ?c ?super WHERE { ?c rdfs:subClassOf ?super FILTER(isIRI(?super)) }"


@dataclass(frozen=True)
class Place:
    group: str  # the sh:PropertyGroup IRI ("" for the other data)
    group_order: float
    order: float


@dataclass
class Vocabulary:
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    group_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    places: dict[tuple[str, str], Place] = field(default_factory=dict)  # (class, path)
    fallback: dict[str, Place] = field(default_factory=dict)  # path -> first place seen
    supers: dict[str, set[str]] = field(default_factory=dict)

    def label(self, iri: str, lang: str) -> str | None:
        found = self.labels.get(iri)
        if found:
            return (
                found.get(lang) or found.get("nl") or found.get("en") or next(iter(found.values()))
            )
        std = STANDARD.get(iri)
        if std:
            return std[0] if lang == "nl" else std[1]
        return None

    def classes_up(self, classes: set[str]) -> set[str]:
        out, todo = set(), list(classes)
        while todo:
            c = todo.pop()
            if c not in out:
                out.add(c)
                todo += self.supers.get(c, ())
        return out

    def place(self, path: str, classes: set[str]) -> Place:
        best: Place | None = None
        for c in classes:
            p = self.places.get((c, path))
            if p is not None and (
                best is None or (p.group_order, p.order) < (best.group_order, best.order)
            ):
                best = p
        return best or self.fallback.get(path) or Place("", OTHER_GROUP[2], 0)

    def group_label(self, group: str, lang: str) -> str:
        found = self.group_labels.get(group) or OTHER_GROUP[1]
        return found.get(lang) or found.get("nl") or ""


def _num(term: object) -> float:
    try:
        return float(getattr(term, "value", ""))
    except ValueError:
        return 0.0


class VocabularyCache:
    """One :class:`Vocabulary` per release version."""

    def __init__(self, reader: ReleaseStore, base: str) -> None:
        self.reader = reader
        self.base = base
        self.prologue = sparql_prologue(base)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._vocab = Vocabulary()

    def ready(self) -> bool:
        """Whether the vocabulary of the release being served is loaded (``get`` is then a
        dictionary away; loading it reads the ontology and shapes: tens of milliseconds)."""
        return self.reader.version == self._version

    def get(self) -> Vocabulary:
        version = self.reader.version
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self._vocab = self._load()
                    self._version = version
        return self._vocab

    def _load(self) -> Vocabulary:
        v = Vocabulary()
        graphs = (f"<{self.base}graph/ontologie>", f"<{self.base}graph/vormen>")
        for r in self.reader.select(self.prologue + LABELS % graphs):
            lang = getattr(r["l"], "language", None) or "nl"
            v.labels.setdefault(r["t"].value, {}).setdefault(lang, r["l"].value)
        for r in self.reader.select(self.prologue + SUPERCLASSES):
            v.supers.setdefault(r["c"].value, set()).add(r["super"].value)
        for r in self.reader.select(self.prologue + PLACES):
            group = r["group"].value
            place = Place(group, _num(r["gorder"]) if r["gorder"] else 100, _num(r["order"]))
            key = (r["class"].value, r["path"].value)
            old = v.places.get(key)
            if old is None or place.order < old.order:
                v.places[key] = place
            fb = v.fallback.get(r["path"].value)
            if fb is None or (place.group_order, place.order) < (fb.group_order, fb.order):
                v.fallback[r["path"].value] = place
            if r["glabel"]:
                lang = getattr(r["glabel"], "language", None) or "nl"
                v.group_labels.setdefault(group, {})[lang] = r["glabel"].value
        return v
