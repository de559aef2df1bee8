"""The DCAT-AP 3 catalogue (``catalog.ttl``) of an export, conforming to DCAT-AP 3.0.1 and DCAT-AP-NL 3.0.

Datasets: the whole graph, each named (source) graph, and each product and evidence item of the
graph (so that partner catalogues can harvest them; their landing page is the entity IRI). Every
dump is a distribution with its media type, EU file type, byte size and SHA-256. The SPARQL
endpoint is a ``dcat:DataService``. Every node the catalogue points to is typed and labelled in
the catalogue itself, so the class-range shapes hold without loading outside vocabularies.

Written as a stream: the items are read one at a time from the type index (their properties looked
up per item, labels looked up when named) and serialised as they come; only the header datasets,
the item IRIs (to take each once) and the concepts and agents the items name (to write each once)
are kept. Holding every item and every label of the graph, as before, cost +180 MB at 1M triples
and about +700 MB at 5M.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ontology.namespaces import prefixes, sparql_prologue

from .export import DATASET_NAME, EU_FILE_TYPE, FORMATS_BY_EXT, graph_slug
from .settings import ExportSettings

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
IANA = "http://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"
EDUC = EU + "data-theme/EDUC"
PUBLIC = EU + "access-right/PUBLIC"
CC0 = EU + "licence/CC0"
LANGS = {"nl": EU + "language/NLD", "en": EU + "language/ENG"}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
DCAT_AP = "http://data.europa.eu/r5r/"

CATALOG_PREFIXES = {
    **prefixes(),
    "spdx": SPDX,
    "dcatap": DCAT_AP,
    "iana": IANA,
    "filetype": EU_FILE_TYPE,
}

ITEM_CLASSES = (("Product", "product"), ("EvidenceItem", "bewijs"))
ITEM_PROPERTIES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/description",
    "http://purl.org/dc/terms/subject",
    "https://schema.org/producer",
    "http://purl.org/dc/terms/creator",
    "http://purl.org/dc/terms/issued",
)


def N(iri: str) -> ox.NamedNode:  # noqa: N802 - reads like the Turtle it builds
    return ox.NamedNode(iri)


def lit(value: str, lang: str | None = None, dtype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    if dtype:
        return ox.Literal(value, datatype=N(dtype))
    return ox.Literal(value)


class Graph:
    """A tiny triple collector that keeps insertion order and drops duplicates."""

    def __init__(self) -> None:
        self.triples: dict[ox.Triple, None] = {}

    def add(self, s: ox.NamedNode | ox.BlankNode, p: str, o: Any) -> None:
        self.triples[ox.Triple(s, N(p), o)] = None

    def typed(self, s: ox.NamedNode | ox.BlankNode, *classes: str) -> ox.NamedNode | ox.BlankNode:
        for c in classes:
            self.add(s, RDF_TYPE, N(c))
        return s


class Labels:
    """The ``skos:prefLabel`` of an IRI per language (the first by value), looked up when asked:
    the catalogue names a few concepts, agents and sources, so it holds no map of every label."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._pref = N(SKOS + "prefLabel")

    def get(self, iri: str) -> dict[str, str] | None:
        found = sorted(
            (o.value, o.language or "nl")
            for q in self.store.quads_for_pattern(N(iri), self._pref, None, None)
            if isinstance(o := q.object, ox.Literal)
        )
        out: dict[str, str] = {}
        for value, lang in found:
            out.setdefault(lang, value)
        return out or None


class CatalogBuilder:
    def __init__(self, store: ox.Store, manifest: dict[str, Any], settings: ExportSettings):
        self.store = store
        self.manifest = manifest
        self.s = settings
        self.base = settings.base_iri
        self.url = settings.url
        self.g = Graph()
        self.prologue = sparql_prologue(self.base)
        self.labels = Labels(store)
        self.nodes = Graph()  # concepts, schemes and agents: few, named by many datasets
        self.modified = lit(str(manifest["created"]), dtype=XSD + "dateTime")
        self.cat = N(self.url + "catalog")
        self.publisher = N(self.url + "catalog#uitgever")
        self.contact = N(self.url + "catalog#contact")
        self.service = N(self.url + "catalog#sparql")

    def ref(self, iri: str) -> str:
        return f"{self.url}catalog#{iri}"

    # --- shared nodes -------------------------------------------------------------------
    def shared(self) -> None:
        g = self.g
        g.typed(self.publisher, FOAF + "Agent", FOAF + "Organization")
        g.add(self.publisher, FOAF + "name", lit(self.s.publisher_name, "nl"))
        g.add(self.publisher, FOAF + "homepage", N(self.url))
        g.typed(N(self.url), FOAF + "Document")
        g.typed(self.contact, VCARD + "Kind", VCARD + "Organization")
        g.add(self.contact, VCARD + "fn", lit(self.s.publisher_name))
        if self.s.contact_email:
            g.add(self.contact, VCARD + "hasEmail", N("mailto:" + self.s.contact_email))
        g.add(self.contact, VCARD + "hasURL", N(self.s.contact_url or self.url))
        for lic in dict.fromkeys((self.s.license, CC0)):
            g.typed(N(lic), DCT + "LicenseDocument")
        g.typed(N(PUBLIC), DCT + "RightsStatement")
        self.in_eu_scheme(PUBLIC)
        self.concept(
            EDUC,
            {"nl": "Onderwijs, cultuur en sport", "en": "Education, culture and sport"},
            EU + "data-theme",
        )
        for code, iri in LANGS.items():
            g.typed(N(iri), DCT + "LinguisticSystem")
            self.in_eu_scheme(iri)
            g.add(N(iri), SKOS + "prefLabel", lit({"nl": "Nederlands", "en": "Engels"}[code], "nl"))
        g.typed(N(SPARQL_PROTOCOL), DCT + "Standard")
        g.add(N(SPARQL_PROTOCOL), DCT + "title", lit("SPARQL 1.1 Protocol", "en"))

    def in_eu_scheme(self, iri: str) -> None:
        """An EU authority-table term: ``.../authority/<table>/<code>`` is in ``.../<table>``."""
        scheme = iri.rsplit("/", 1)[0]
        self.nodes.add(N(iri), SKOS + "inScheme", N(scheme))
        self.nodes.typed(N(scheme), SKOS + "ConceptScheme")
        self.nodes.add(N(scheme), DCT + "title", lit(scheme.rsplit("/", 1)[-1], "en"))

    def concept(self, iri: str, labels: dict[str, str], scheme: str | None = None) -> None:
        self.nodes.typed(N(iri), SKOS + "Concept")
        for lang, text in labels.items():
            self.nodes.add(N(iri), SKOS + "prefLabel", lit(text, lang))
        if scheme:
            self.nodes.typed(N(scheme), SKOS + "ConceptScheme")
            self.nodes.add(N(iri), SKOS + "inScheme", N(scheme))
            title = (self.labels.get(scheme) or {}).get("nl", scheme.rsplit("/", 1)[-1])
            self.nodes.add(N(scheme), DCT + "title", lit(title, "nl"))

    def agent(self, iri: str) -> ox.NamedNode:
        node = N(iri)
        self.nodes.typed(node, FOAF + "Agent")
        names = self.labels.get(iri) or {"nl": iri.rsplit("/", 1)[-1]}
        for lang, text in names.items():
            self.nodes.add(node, FOAF + "name", lit(text, lang))
        return node

    def common(self, ds: ox.NamedNode, identifier: str) -> None:
        """What every dataset carries (DCAT-AP-NL mandatory set)."""
        g = self.g
        g.typed(ds, DCAT + "Dataset")
        g.add(ds, DCT + "identifier", lit(identifier))
        g.add(ds, DCT + "publisher", self.publisher)
        g.add(ds, DCAT + "contactPoint", self.contact)
        g.add(ds, DCT + "accessRights", N(PUBLIC))
        g.add(ds, DCAT + "theme", N(EDUC))
        g.add(ds, DCT + "modified", self.modified)
        g.add(ds, DCT + "language", N(LANGS["nl"]))
        g.add(self.cat, DCAT + "dataset", ds)

    # --- the parts ----------------------------------------------------------------------
    def catalog(self) -> None:
        g, c = self.g, self.cat
        g.typed(c, DCAT + "Catalog")
        g.add(c, DCT + "title", lit("Kennisgraaf: catalogus", "nl"))
        g.add(c, DCT + "title", lit("Kennisgraaf: catalogue", "en"))
        g.add(
            c,
            DCT + "description",
            lit(
                "Catalogus van de Kennisgraaf, de linked-data kennisgraaf van onderwijsinnovatie in "
                "mbo, hbo en wo: de volledige graaf en elke brongraaf als downloads in alle gangbare "
                "RDF-formaten, het SPARQL-endpoint, en de producten en het bewijs die de graaf beschrijft.",
                "nl",
            ),
        )
        g.add(
            c,
            DCT + "description",
            lit(
                "Catalogue of Kennisgraaf, the linked-data knowledge graph of education innovation in "
                "Dutch vocational and higher education: the whole graph and each source graph as "
                "downloads in every common RDF format, the SPARQL endpoint, and the products and "
                "evidence the graph describes.",
                "en",
            ),
        )
        g.add(c, DCT + "publisher", self.publisher)
        g.add(c, DCAT + "contactPoint", self.contact)
        g.add(c, DCT + "license", N(self.s.license))
        g.add(c, DCT + "issued", self.modified)
        g.add(c, DCT + "modified", self.modified)
        g.add(c, FOAF + "homepage", N(self.url))
        for iri in LANGS.values():
            g.add(c, DCT + "language", N(iri))
        g.add(c, DCAT + "themeTaxonomy", N(EU + "data-theme"))
        g.add(c, DCAT + "service", self.service)

    def distributions(self, ds: ox.NamedNode, graph: str | None, licence: str) -> None:
        g = self.g
        for f in self.manifest["files"]:
            if f["graph"] != graph or f["format"] not in FORMATS_BY_EXT:
                continue
            fmt = FORMATS_BY_EXT[f["format"]]
            dist = N(self.ref("dist-" + f["path"]))
            url = N(f"{self.url}download/{self.manifest['release']}/{f['path']}")
            g.typed(dist, DCAT + "Distribution")
            g.add(ds, DCAT + "distribution", dist)
            g.add(dist, DCT + "title", lit(f"{f['path']} ({fmt.label}, gzip)", "nl"))
            g.add(
                dist,
                DCT + "description",
                lit(
                    f"{fmt.label}, gzip-gecomprimeerd; {f['triples']} "
                    + ("quads" if fmt.dataset and graph is None else "triples"),
                    "nl",
                ),
            )
            g.add(dist, DCAT + "accessURL", url)
            g.add(dist, DCAT + "downloadURL", url)
            media = N(IANA + fmt.media_type)
            g.typed(media, DCT + "MediaType")
            g.add(dist, DCAT + "mediaType", media)
            gzip_type = N(IANA + "application/gzip")
            g.typed(gzip_type, DCT + "MediaType")
            g.add(dist, DCAT + "compressFormat", gzip_type)
            ftype = N(EU_FILE_TYPE + fmt.file_type)
            g.typed(ftype, DCT + "MediaTypeOrExtent")
            self.in_eu_scheme(ftype.value)
            g.add(dist, DCT + "format", ftype)
            g.add(dist, DCAT + "byteSize", lit(str(f["bytes"]), dtype=XSD + "nonNegativeInteger"))
            ck = N(self.ref("checksum-" + f["path"]))
            g.typed(ck, SPDX + "Checksum")
            alg = N(SPDX + "checksumAlgorithm_sha256")
            g.typed(alg, SPDX + "ChecksumAlgorithm")
            g.add(ck, SPDX + "algorithm", alg)
            g.add(ck, SPDX + "checksumValue", lit(f["sha256"], dtype=XSD + "hexBinary"))
            g.add(dist, SPDX + "checksum", ck)
            g.add(dist, DCT + "license", N(licence))
            g.add(dist, DCT + "modified", self.modified)

    def whole(self) -> ox.NamedNode:
        g = self.g
        ds = N(self.ref("dataset-" + DATASET_NAME))
        self.common(ds, ds.value)
        g.add(ds, DCT + "title", lit("Kennisgraaf: de volledige graaf", "nl"))
        g.add(ds, DCT + "title", lit("Kennisgraaf: the whole graph", "en"))
        g.add(
            ds,
            DCT + "description",
            lit(
                "Alle graven van de Kennisgraaf: organisaties, personen, programma's, hubs, "
                "producten, bewijs en hun bronnen, met de ontologie en de SHACL-vormen.",
                "nl",
            ),
        )
        g.add(
            ds,
            DCT + "description",
            lit(
                "Every graph of Kennisgraaf: organisations, people, programmes, hubs, products, "
                "evidence and their sources, with the ontology and the SHACL shapes.",
                "en",
            ),
        )
        g.add(ds, DCT + "creator", self.publisher)
        g.add(ds, DCAT + "landingPage", N(self.url))
        g.add(ds, FOAF + "page", N(self.url))
        g.add(ds, DCT + "license", N(self.s.license))
        g.add(ds, DCAT + "version", lit(self.manifest["release"]))  # the release it describes
        self.distributions(ds, None, self.s.license)
        return ds

    def graphs(self, whole: ox.NamedNode) -> None:
        g = self.g
        seen: set[str] = set()
        for f in self.manifest["files"]:
            graph = f["graph"]
            if graph is None or graph in seen:
                continue
            seen.add(graph)
            slug = graph_slug(graph, self.base)
            ds = N(self.ref("graaf-" + slug))
            self.common(ds, graph)
            source = self.base + "id/" + graph[len(self.base + "graph/") :]
            names = self.labels.get(source) or {}
            nl = names.get("nl") or f"graaf {slug}"
            en = names.get("en") or f"graph {slug}"
            g.add(ds, DCT + "title", lit(f"Kennisgraaf, {nl}", "nl"))
            g.add(ds, DCT + "title", lit(f"Kennisgraaf, {en}", "en"))
            g.add(
                ds,
                DCT + "description",
                lit(
                    f"De benoemde graaf <{graph}> van de Kennisgraaf ({f['triples']} triples).",
                    "nl",
                ),
            )
            g.add(
                ds,
                DCT + "description",
                lit(f"The named graph <{graph}> of Kennisgraaf ({f['triples']} triples).", "en"),
            )
            g.add(ds, DCT + "creator", self.publisher)
            g.add(ds, DCT + "isPartOf", whole)
            g.add(whole, DCT + "hasPart", ds)
            licence = CC0 if slug == "bron-ror" else self.s.license
            g.add(ds, DCT + "license", N(licence))
            g.add(ds, DCAT + "version", lit(self.manifest["release"]))
            if names:
                doc = N(source)
                g.typed(doc, FOAF + "Document")
                g.add(ds, DCAT + "landingPage", doc)
                g.add(ds, FOAF + "page", doc)
            self.distributions(ds, graph, licence)

    def items(self) -> Iterator[list[ox.Triple]]:
        """Each product and evidence item as a dataset, one item at a time (none is kept)."""
        header = self.g
        try:
            for e, kind in self._items():
                props = self._properties(e)
                if props:
                    self.g = Graph()
                    self.item(e.value, kind, props)
                    yield list(self.g.triples)
        finally:
            self.g = header

    def _items(self) -> Iterator[tuple[ox.NamedNode, str]]:
        """Products and evidence items, each once (an item typed in several graphs too).

        Read from the store's type index, not with SPARQL: a ``VALUES`` join over ``?e a ?class``
        gathers every typed node of the graph in memory first. Only the item IRIs are kept."""
        rdf_type = N(RDF_TYPE)
        for local, kind in ITEM_CLASSES:
            seen: set[ox.NamedNode] = set()
            for q in self.store.quads_for_pattern(None, rdf_type, N(self.base + "def/" + local)):
                e = q.subject
                if isinstance(e, ox.NamedNode) and e not in seen:
                    seen.add(e)
                    yield e, kind

    def _properties(self, e: ox.NamedNode) -> dict[str, list[Any]]:
        props: dict[str, list[Any]] = {}
        for p in ITEM_PROPERTIES:
            objects = [q.object for q in self.store.quads_for_pattern(e, N(p), None, None)]
            if objects:
                props[p] = objects
        return props

    def item(self, iri: str, kind: str, props: dict[str, list[Any]]) -> None:
        g = self.g
        ds = N(self.ref(f"{kind}-{iri.rstrip('/').rsplit('/', 1)[-1]}"))
        self.common(ds, iri)
        names: dict[str, str] = {}
        for o in props.get(SKOS + "prefLabel", []):
            if isinstance(o, ox.Literal):
                names.setdefault(o.language or "nl", o.value)
                g.add(ds, DCT + "title", lit(o.value, o.language or "nl"))
        descs = [o for o in props.get(DCT + "description", []) if isinstance(o, ox.Literal)]
        for o in descs:
            g.add(ds, DCT + "description", lit(o.value, o.language or "nl"))
        if not descs:
            what = {"product": "Product", "bewijs": "Bewijs"}[kind]
            g.add(
                ds,
                DCT + "description",
                lit(f"{what} in de Kennisgraaf: {names.get('nl', iri)}.", "nl"),
            )
        page = N(iri)
        g.typed(page, FOAF + "Document")
        g.add(ds, DCAT + "landingPage", page)
        g.add(ds, FOAF + "page", page)
        g.add(ds, DCAT + "keyword", lit({"product": "product", "bewijs": "bewijs"}[kind], "nl"))
        for t in props.get(DCT + "subject", []):
            if isinstance(t, ox.NamedNode):
                labels = self.labels.get(t.value) or {"nl": t.value.rsplit("/", 1)[-1]}
                self.concept(t.value, labels, t.value.rsplit("/", 1)[0])
                g.add(ds, DCAT + "theme", t)
                g.add(
                    ds,
                    DCAT + "keyword",
                    lit(labels.get("nl", next(iter(labels.values()))), "nl"),
                )
        creators = [
            o
            for p in ("https://schema.org/producer", DCT + "creator")
            for o in props.get(p, [])
            if isinstance(o, ox.NamedNode)
        ]
        for c in creators or [self.publisher]:
            g.add(ds, DCT + "creator", self.agent(c.value) if c != self.publisher else c)
        for d in props.get(DCT + "issued", []):
            if isinstance(d, ox.Literal) and d.datatype.value in (
                XSD + "date",
                XSD + "dateTime",
                XSD + "gYear",
                XSD + "gYearMonth",
            ):
                g.add(ds, DCT + "issued", d)
        g.add(ds, DCT + "isReferencedBy", N(self.ref("dataset-" + DATASET_NAME)))

    def service_(self, whole: ox.NamedNode) -> None:
        g, sv = self.g, self.service
        g.typed(sv, DCAT + "DataService")
        g.add(sv, DCT + "title", lit("Kennisgraaf SPARQL-endpoint", "nl"))
        g.add(sv, DCT + "title", lit("Kennisgraaf SPARQL endpoint", "en"))
        g.add(
            sv,
            DCT + "description",
            lit(
                "SPARQL 1.1-endpoint over de volledige graaf; een GET die RDF vraagt geeft de "
                "servicebeschrijving.",
                "nl",
            ),
        )
        g.add(
            sv,
            DCT + "description",
            lit(
                "SPARQL 1.1 endpoint over the whole graph; a GET asking for RDF returns the service "
                "description.",
                "en",
            ),
        )
        g.add(sv, DCT + "identifier", lit(self.url + "sparql"))
        g.add(sv, DCAT + "endpointURL", N(self.url + "sparql"))
        g.add(sv, DCAT + "endpointDescription", N(self.url + "sparql"))
        g.add(sv, DCAT + "servesDataset", whole)
        g.add(sv, DCT + "publisher", self.publisher)
        g.add(sv, DCT + "creator", self.publisher)
        g.add(sv, DCAT + "contactPoint", self.contact)
        g.add(sv, DCT + "accessRights", N(PUBLIC))
        g.add(sv, DCT + "license", N(self.s.license))
        g.add(sv, DCAT + "theme", N(EDUC))
        g.add(sv, DCT + "conformsTo", N(SPARQL_PROTOCOL))
        g.add(sv, DCT + "modified", self.modified)

    def build(self) -> Iterator[ox.Triple]:
        """The catalogue as a stream: the catalogue, whole graph, graphs and service first, then
        the items one by one, then the concepts and agents they named."""
        self.catalog()
        self.shared()
        whole = self.whole()
        self.graphs(whole)
        self.service_(whole)
        header = self.g.triples
        yield from header
        for triples in self.items():
            yield from triples
        yield from (t for t in self.nodes.triples if t not in header)


def catalog_triples(
    store: ox.Store, manifest: dict[str, Any], settings: ExportSettings
) -> list[ox.Triple]:
    return list(CatalogBuilder(store, manifest, settings).build())


def write_catalog(
    store: ox.Store, path: Path, manifest: dict[str, Any], settings: ExportSettings
) -> None:
    triples = CatalogBuilder(store, manifest, settings).build()
    ox.serialize(triples, str(path), format=ox.RdfFormat.TURTLE, prefixes=CATALOG_PREFIXES)
