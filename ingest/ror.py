"""Dutch education organisations from ROR (CC0) -> organisation records in the graph ``ror``.

Two layouts are read: the flattened one of ``ror_nl_education.json`` and the full ROR v2
records of ``ror_nl_education_sector_bodies.json`` (``{"ror_id", "record": {...}}``).
An organisation that ``organisaties.yaml`` also describes (same ``ror:``) keeps the curated id;
ROR's facts are added to it in the ROR graph.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from ontology import iris

from .errors import Problem
from .mapping import RDF_TYPE, Entry, Mapper, Origin
from .values import XSD_GYEAR

ROR_SOURCE = "ror"

TYPE_TO_SORT = {
    "education": "onderwijsinstelling",
    "government": "overheid",
    "funder": "fonds",
    "nonprofit": "sectororganisatie",
}
STATUS_TO_LIFECYCLE = {"active": "actief", "inactive": "gestopt", "withdrawn": "gestopt"}


@dataclass
class RorOrg:
    file: str
    index: int
    ror_id: str
    name: str
    labels: list[tuple[str, str | None, list[str]]]  # value, lang, types
    types: list[str]
    status: str
    established: int | None
    city: str | None
    links: list[str]
    wikidata: str | None
    relationships: list[tuple[str, str]] = field(default_factory=list)  # (type, ror id)


def _flat(item: dict[str, Any], file: str, index: int) -> RorOrg:
    return RorOrg(
        file=file,
        index=index,
        ror_id=item["ror_id"],
        name=item["name"],
        labels=[(n["value"], n.get("lang"), n.get("types", [])) for n in item.get("names", [])],
        types=item.get("types", []),
        status=item.get("status", "active"),
        established=item.get("established"),
        city=(item.get("city") or [None])[0],
        links=list(item.get("links", [])),
        wikidata=(item.get("external_ids") or {}).get("wikidata"),
        relationships=[(r["type"], r["id"]) for r in item.get("relationships", [])],
    )


def _v1(rec: dict[str, Any], file: str, index: int) -> RorOrg:
    labels: list[tuple[str, str | None, list[str]]] = [(rec["name"], None, ["ror_display"])]
    labels += [(x["label"], x.get("iso639"), ["label"]) for x in rec.get("labels", [])]
    labels += [(a, None, ["alias"]) for a in rec.get("aliases", [])]
    labels += [(a, None, ["acronym"]) for a in rec.get("acronyms", [])]
    wikidata = (rec.get("external_ids") or {}).get("Wikidata") or {}
    addresses = rec.get("addresses") or []
    return RorOrg(
        file=file,
        index=index,
        ror_id=rec["id"],
        name=rec["name"],
        labels=labels,
        types=[t.lower() for t in rec.get("types", [])],
        status=rec.get("status", "active"),
        established=rec.get("established"),
        city=addresses[0].get("city") if addresses else None,
        links=list(rec.get("links", [])),
        wikidata=wikidata.get("preferred") or (wikidata.get("all") or [None])[0],
        relationships=[(r["type"].lower(), r["id"]) for r in rec.get("relationships", [])],
    )


def _full(item: dict[str, Any], file: str, index: int) -> RorOrg:
    rec = item["record"]
    if "names" not in rec:  # ROR schema v1
        return _v1(rec, file, index)
    names = rec.get("names", [])
    display = next(
        (n["value"] for n in names if "ror_display" in n.get("types", [])), names[0]["value"]
    )
    locs = rec.get("locations") or []
    wikidata = next(
        (
            e.get("preferred") or (e.get("all") or [None])[0]
            for e in rec.get("external_ids", [])
            if e.get("type") == "wikidata"
        ),
        None,
    )
    return RorOrg(
        file=file,
        index=index,
        ror_id=rec["id"],
        name=display,
        labels=[(n["value"], n.get("lang"), n.get("types", [])) for n in names],
        types=rec.get("types", []),
        status=rec.get("status", "active"),
        established=rec.get("established"),
        city=locs[0]["geonames_details"]["name"] if locs else None,
        links=[link["value"] for link in rec.get("links", []) if link.get("type") == "website"],
        wikidata=wikidata,
        relationships=[(r["type"], r["id"]) for r in rec.get("relationships", [])],
    )


def read_ror(path: Path, shown: str) -> tuple[list[RorOrg], list[Problem]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        return [], [
            Problem(
                shown,
                e.lineno,
                None,
                None,
                f"JSON-syntaxfout: {e.msg}",
                "herstel het bestand of haal een nieuwe kopie uit de ROR-dump",
            )
        ]
    orgs: list[RorOrg] = []
    problems: list[Problem] = []
    for i, item in enumerate(data):
        try:
            orgs.append(_full(item, shown, i) if "record" in item else _flat(item, shown, i))
        except (KeyError, IndexError, TypeError) as e:
            problems.append(
                Problem(
                    shown,
                    None,
                    f"#{i}",
                    None,
                    f"ROR-record {i} is onvolledig ({type(e).__name__}: {e})",
                    "gebruik ROR-records in het v2-formaat",
                )
            )
    return orgs, problems


class RorMapper:
    """Registers ROR organisations in a Mapper and writes their triples."""

    def __init__(self, mapper: Mapper) -> None:
        self.m = mapper
        self.by_ror: dict[str, NamedNode] = {}

    @property
    def graph(self) -> NamedNode:
        return NamedNode(iris.graph_iri(self.m.base, "bron", ROR_SOURCE))

    def register(self, orgs: list[RorOrg]) -> None:
        curated: dict[str, str] = {}
        for rid, entry in self.m.entries.items():
            rec = entry.record
            if entry.kind == "organisatie" and rec is not None and "ror" in rec.fields:
                curated[str(rec.fields["ror"].data).rstrip("/")] = rid
        for org in orgs:
            if org.ror_id in self.by_ror:
                continue
            if org.ror_id in curated:
                self.by_ror[org.ror_id] = self.m.entries[curated[org.ror_id]].iri
                continue
            slug = iris.slugify(org.name)
            if slug in self.m.entries:
                other = self.m.entries[slug]
                rec = other.record
                where = f"{rec.file}:{rec.line}" if rec else org.file
                self.m.out.problems.append(
                    Problem(
                        where.rsplit(":", 1)[0] if rec else org.file,
                        rec.line if rec else None,
                        slug,
                        "ror",
                        f"het id '{slug}' is ook de naam van ROR-organisatie {org.ror_id}",
                        f"als het dezelfde organisatie is: zet 'ror: {org.ror_id}' in het record; "
                        "anders: kies een ander id",
                    )
                )
                continue
            iri = NamedNode(iris.entity_iri(self.m.base, "organisatie", slug))
            self.m.entries[slug] = Entry("organisatie", iri, org.name, None)
            self.by_ror[org.ror_id] = iri

    def map(self, orgs: list[RorOrg]) -> None:
        g = self.graph
        source = self.m.entries.get(ROR_SOURCE)
        if source is None and orgs:
            self.m.out.problems.append(
                Problem(
                    orgs[0].file,
                    None,
                    None,
                    None,
                    "de bron 'ror' ontbreekt in bronnen.yaml",
                    "voeg een bron met 'id: ror' toe (soort: dataset) zodat de ROR-organisaties een herkomst hebben",
                )
            )
            return
        q = self.m.out.quads
        p = self.m.pred
        seen: set[str] = set()
        for org in orgs:
            s = self.by_ror.get(org.ror_id)
            if s is None or org.ror_id in seen:
                continue
            seen.add(org.ror_id)
            self.m.out.origins.setdefault(
                s.value, Origin(org.file, None, f"{org.ror_id} ({org.name})")
            )
            q.append(Quad(s, RDF_TYPE, p("org:Organization"), g))
            q.append(Quad(s, RDF_TYPE, p("schema:Organization"), g))
            if "education" in org.types:
                q.append(Quad(s, RDF_TYPE, p("org:FormalOrganization"), g))
                q.append(Quad(s, RDF_TYPE, p("schema:EducationalOrganization"), g))
            q += self._labels(s, org, g)
            q.append(Quad(s, p("schema:sameAs"), NamedNode(org.ror_id), g))
            if org.wikidata:
                q.append(
                    Quad(
                        s,
                        p("schema:sameAs"),
                        NamedNode(f"http://www.wikidata.org/entity/{org.wikidata}"),
                        g,
                    )
                )
            if org.city:
                q.append(Quad(s, p("kg:city"), Literal(org.city), g))
            if org.established:
                q.append(
                    Quad(
                        s,
                        p("schema:foundingDate"),
                        Literal(str(org.established), datatype=XSD_GYEAR),
                        g,
                    )
                )
            for link in org.links:
                if link.startswith(("http://", "https://")) and "wikipedia.org" not in link:
                    try:
                        q.append(Quad(s, p("foaf:homepage"), NamedNode(link), g))
                    except ValueError:
                        continue
            for t in org.types:
                if t == "funder" and "education" in org.types:
                    continue  # a university that also funds research is no fund
                concept = self.m.concepts.get(("organisatiesoort", TYPE_TO_SORT.get(t, "")))
                if concept:
                    q.append(Quad(s, p("kg:organisationType"), concept.iri, g))
            status = self.m.concepts.get(("levensfase", STATUS_TO_LIFECYCLE.get(org.status, "")))
            if status:
                q.append(Quad(s, p("kg:lifecycleStatus"), status.iri, g))
            for rel, target in org.relationships:
                o = self.by_ror.get(target)
                if o is None:
                    continue
                pred = {"parent": "org:subOrganizationOf", "child": "org:hasSubOrganization"}.get(
                    rel, "org:linkedTo"
                )
                q.append(Quad(s, p(pred), o, g))
            assert source is not None
            d = NamedNode(f"{s.value}#ror")
            q += [
                Quad(s, p("prov:wasDerivedFrom"), source.iri, g),
                Quad(s, p("prov:qualifiedDerivation"), d, g),
                Quad(d, RDF_TYPE, p("prov:Derivation"), g),
                Quad(d, p("prov:entity"), source.iri, g),
                Quad(d, p("kg:quote"), Literal(org.ror_id), g),
            ]

    def _labels(self, s: NamedNode, org: RorOrg, g: NamedNode) -> list[Quad]:
        p = self.m.pred
        curated = any(e.iri == s and e.record is not None for e in self.m.entries.values())
        out: list[Quad] = []
        nl = next((v for v, lang, types in org.labels if lang == "nl" and "label" in types), None)
        en = next((v for v, lang, types in org.labels if lang == "en" and "label" in types), None)
        if not curated:  # a curated record has its own prefLabel
            out.append(Quad(s, p("skos:prefLabel"), Literal(nl or org.name, language="nl"), g))
            if en and en != (nl or org.name):
                out.append(Quad(s, p("skos:prefLabel"), Literal(en, language="en"), g))
        main = {nl, en, org.name}
        for value, lang, _types in org.labels:
            if value not in main:
                out.append(Quad(s, p("skos:altLabel"), Literal(value, language=lang or "nl"), g))
        return out
