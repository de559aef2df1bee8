"""Curated records -> RDF quads, one named graph per source document.

Two passes: first every id is registered (so references may point forward and across files),
then each record is mapped. Every problem names the file, the line, the record and the field,
and says how to fix it; mapping goes on after a problem so that one run reports them all.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from ontology import iris
from ontology.namespaces import expand

from . import values
from .errors import Problem
from .kinds import (
    CONCEPT_KIND,
    KINDS,
    KINDS_BY_NAME,
    POST_FIELDS,
    SCHEME_KIND,
    SPECIAL_KEYS,
    Field,
    Kind,
)
from .yaml_source import RawRecord, Value

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
EDITORIAL_SOURCE = "kennisgraaf-redactie"


@dataclass(frozen=True)
class Origin:
    """Where the triples about a subject come from, for error reports."""

    file: str
    line: int | None
    record: str | None


@dataclass
class Entry:
    kind: str
    iri: NamedNode
    label: str
    record: RawRecord | None


@dataclass
class Mapped:
    quads: list[Quad] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def normalise_text(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


class Mapper:
    def __init__(self, base: str, texts_dir: Path) -> None:
        self.base = base
        self.texts_dir = texts_dir
        self.entries: dict[str, Entry] = {}
        self.concepts: dict[tuple[str, str], Entry] = {}
        self.schemes: dict[str, Entry] = {}
        self.source_texts: dict[str, str | None] = {}
        self.out = Mapped()
        self._p: dict[str, NamedNode] = {}

    # -- helpers ---------------------------------------------------------------------------
    def pred(self, curie: str) -> NamedNode:
        node = self._p.get(curie)
        if node is None:
            node = self._p[curie] = NamedNode(iris.rebase(expand(curie), self.base))
        return node

    def problem(
        self, rec: RawRecord, line: int | None, fld: str | None, msg: str, hint: str = ""
    ) -> None:
        self.out.problems.append(Problem(rec.file, line or rec.line, rec.id, fld, msg, hint))

    def graph_of_source(self, source_id: str) -> NamedNode:
        return NamedNode(iris.graph_iri(self.base, "bron", source_id))

    @property
    def editorial_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/redactie")

    # -- pass 1: ids -----------------------------------------------------------------------
    def register(self, kind: Kind, records: Iterable[RawRecord]) -> None:
        for rec in records:
            rid = rec.id
            if rid is None:
                self.problem(
                    rec,
                    rec.line,
                    "id",
                    "het record heeft geen id",
                    "geef elk record een uniek 'id' van kleine letters, cijfers en streepjes",
                )
                continue
            if not iris.is_slug(rid):
                self.problem(
                    rec,
                    rec.fields["id"].line,
                    "id",
                    f"'{rid}' is geen geldig id",
                    f"gebruik alleen kleine letters, cijfers en streepjes, bijvoorbeeld "
                    f"'{iris.slugify(rid) or 'mijn-record'}'",
                )
                continue
            label = str(rec.fields["naam"].data) if "naam" in rec.fields else rid
            if kind is CONCEPT_KIND:
                scheme_v = rec.fields.get("schema")
                if scheme_v is None or not isinstance(scheme_v.data, str):
                    self.problem(
                        rec,
                        rec.line,
                        "schema",
                        "het begrip noemt geen begrippenkader",
                        "zet 'schema: <id uit begrippenkaders.yaml>' in het record",
                    )
                    continue
                key = (scheme_v.data, rid)
                iri = NamedNode(iris.concept_iri(self.base, scheme_v.data, rid))
                if key in self.concepts:
                    self._duplicate(rec, self.concepts[key].record)
                    continue
                self.concepts[key] = Entry("begrip", iri, label, rec)
                continue
            if kind is SCHEME_KIND:
                if rid in self.schemes:
                    self._duplicate(rec, self.schemes[rid].record)
                    continue
                self.schemes[rid] = Entry(
                    "begrippenkader", NamedNode(iris.scheme_iri(self.base, rid)), label, rec
                )
                continue
            if rid in self.entries:
                self._duplicate(rec, self.entries[rid].record)
                continue
            self.entries[rid] = Entry(
                kind.name, NamedNode(iris.entity_iri(self.base, kind.segment, rid)), label, rec
            )
            if kind.name == "bron":
                self._register_source_text(rec)

    def _duplicate(self, rec: RawRecord, first: RawRecord | None) -> None:
        where = f"{first.file}:{first.line}" if first else "de ROR-gegevens"
        self.problem(
            rec,
            rec.fields["id"].line,
            "id",
            f"het id '{rec.id}' bestaat al ({where})",
            "kies een ander id; een id mag maar één keer voorkomen",
        )

    def _register_source_text(self, rec: RawRecord) -> None:
        v = rec.fields.get("bestand")
        rid = rec.id or ""
        if v is None:
            self.source_texts[rid] = None
            return
        path = self.texts_dir / str(v.data)
        if not path.is_file():
            self.problem(
                rec,
                v.line,
                "bestand",
                f"het brontekstbestand '{v.data}' bestaat niet in {self.texts_dir.name}/",
                f"zet de tekst in {self.texts_dir.name}/{v.data} of verbeter de bestandsnaam",
            )
            self.source_texts[rid] = None
            return
        self.source_texts[rid] = normalise_text(path.read_text(encoding="utf-8"))

    # -- pass 2: triples -------------------------------------------------------------------
    def map_record(self, kind: Kind, rec: RawRecord) -> None:
        rid = rec.id
        if rid is None or not iris.is_slug(rid):
            return
        entry = self._entry_for(kind, rec)
        if entry is None or entry.record is not rec:
            return  # a duplicate: already reported
        s = entry.iri
        self.out.origins[s.value] = Origin(rec.file, rec.line, rid)
        graph, sources = self._provenance(kind, rec, s)
        editorial = rec.fields.get("redactioneel")
        editorial_fields: dict[str, Value] = {}
        if editorial is not None:
            editorial_fields = self._editorial(rec, editorial, s, kind)

        allowed = self._allowed_keys(kind)
        for key, val in rec.fields.items():
            if key in SPECIAL_KEYS or key == "schema":
                continue
            if key not in allowed:
                self._unknown_key(rec, kind, key, val.line, allowed)

        fields = kind.fields
        for f in fields:
            for lang_key, lang in ((f.key, "nl"), (f.key + "_en", "en")):
                if lang == "en" and f.type not in ("text", "texts"):
                    continue
                for source, target_graph in (
                    (rec.fields, graph),
                    (editorial_fields, self.editorial_graph),
                ):
                    v = source.get(lang_key)
                    if v is not None:
                        self._map_field(rec, s, f, v, lang, target_graph, kind)
            if f.required and f.key not in rec.fields and f.key not in editorial_fields:
                self.problem(
                    rec,
                    rec.line,
                    f.key,
                    f"het verplichte veld '{f.key}' ontbreekt",
                    self._field_hint(f),
                )

        # classes
        for c in kind.classes:
            self.out.quads.append(Quad(s, RDF_TYPE, self.pred(c), graph))
        sort = rec.fields.get("soort") or editorial_fields.get("soort")
        if sort is not None and isinstance(sort.data, str):
            for c in kind.classes_by_sort.get(sort.data, ()):
                self.out.quads.append(Quad(s, RDF_TYPE, self.pred(c), graph))

        if kind is CONCEPT_KIND:
            self._concept_extras(rec, s, graph)
        if kind.name == "persoon":
            for where, target_graph in (
                (rec.fields, graph),
                (editorial_fields, self.editorial_graph),
            ):
                if "functies" in where:
                    self._posts(rec, s, target_graph, sources, where["functies"])
        if kind.name == "bron":
            self._source_graph(s, rid)

    def _entry_for(self, kind: Kind, rec: RawRecord) -> Entry | None:
        rid = rec.id or ""
        if kind is CONCEPT_KIND:
            scheme = rec.fields.get("schema")
            if scheme is None or not isinstance(scheme.data, str):
                return None
            if scheme.data not in self.schemes:
                self.problem(
                    rec,
                    scheme.line,
                    "schema",
                    f"het begrippenkader '{scheme.data}' bestaat niet",
                    self._suggest(scheme.data, self.schemes, "begrippenkaders.yaml"),
                )
                return None
            return self.concepts.get((scheme.data, rid))
        if kind is SCHEME_KIND:
            return self.schemes.get(rid)
        return self.entries.get(rid)

    def _allowed_keys(self, kind: Kind) -> set[str]:
        keys = {f.key for f in kind.fields}
        keys |= {f.key + "_en" for f in kind.fields if f.type in ("text", "texts")}
        return keys

    def _unknown_key(
        self, rec: RawRecord, kind: Kind, key: str, line: int, allowed: set[str], where: str = ""
    ) -> None:
        close = difflib.get_close_matches(key, sorted(allowed | set(SPECIAL_KEYS)), n=1)
        hint = (
            f"bedoelt u '{close[0]}'?"
            if close
            else (
                f"toegestane velden voor een {kind.label or kind.name}: "
                + ", ".join(sorted(allowed))
            )
        )
        self.problem(rec, line, where + key, f"onbekend veld '{where}{key}'", hint)

    def _field_hint(self, f: Field) -> str:
        if f.type == "concept":
            return f"schrijf het id van een begrip uit het begrippenkader '{f.scheme}' (begrippen.yaml)"
        if f.type == "ref":
            return "schrijf het id van een " + " of ".join(self._kind_label(t) for t in f.targets)
        return f.help or f"vul '{f.key}' in"

    def _kind_label(self, name: str) -> str:
        k = KINDS_BY_NAME.get(name)
        return (k.label or k.name) if k else name

    def _suggest(self, wanted: str, pool: Iterable[str], where: str) -> str:
        close = difflib.get_close_matches(wanted, list(pool), n=1)
        return (f"bedoelt u '{close[0]}'? " if close else "") + f"of voeg het toe aan {where}"

    def _map_field(
        self,
        rec: RawRecord,
        s: NamedNode,
        f: Field,
        v: Value,
        lang: str,
        graph: NamedNode,
        kind: Kind,
    ) -> None:
        items: list[Value]
        if isinstance(v.data, list):
            if not f.many and f.type != "texts":
                self.problem(
                    rec,
                    v.line,
                    f.key,
                    f"'{f.key}' heeft één waarde, geen lijst",
                    "schrijf één waarde na de dubbele punt",
                )
                return
            items = v.data
        else:
            items = [v]
        key = f.key if lang == "nl" else f"{f.key}_en"
        p = self.pred(f.predicate)
        for item in items:
            if isinstance(item.data, dict):
                self.problem(
                    rec,
                    item.line,
                    key,
                    "verwacht een waarde, geen record met velden",
                    self._field_hint(f),
                )
                continue
            obj = self._term(rec, f, key, item, lang, kind)
            if obj is None:
                continue
            if f.type == "amount":
                node = NamedNode(s.value + "#bedrag")
                self.out.quads += [
                    Quad(s, p, node, graph),
                    Quad(node, RDF_TYPE, self.pred("schema:MonetaryAmount"), graph),
                    Quad(node, self.pred("schema:value"), obj, graph),
                    Quad(node, self.pred("schema:currency"), Literal("EUR"), graph),
                ]
            elif f.inverse:
                assert isinstance(obj, NamedNode)
                self.out.quads.append(Quad(obj, p, s, graph))
            else:
                self.out.quads.append(Quad(s, p, obj, graph))

    def _term(
        self, rec: RawRecord, f: Field, key: str, item: Value, lang: str, kind: Kind
    ) -> NamedNode | Literal | None:
        try:
            if f.type in ("text", "texts"):
                return values.text(item.data, lang)
            if f.type == "ref":
                return self._resolve_ref(rec, f, key, item)
            if f.type == "concept":
                scheme = f.scheme
                if scheme is None:  # skos:broader: the record's own scheme
                    sv = rec.fields.get("schema")
                    scheme = str(sv.data) if sv else ""
                return self._resolve_concept(rec, key, item, scheme)
            return values.PARSERS[f.type](item.data)
        except values.BadValue as e:
            self.problem(rec, item.line, key, str(e), e.hint)
            return None

    def _resolve_ref(self, rec: RawRecord, f: Field, key: str, item: Value) -> NamedNode | None:
        target = str(item.data).strip()
        entry = self.entries.get(target)
        wanted = " of ".join(self._kind_label(t) for t in f.targets)
        if entry is None:
            pool = [k for k, e in self.entries.items() if e.kind in f.targets]
            self.problem(
                rec,
                item.line,
                key,
                f"verwijst naar '{target}', maar er is geen record met dat id",
                self._suggest(target, pool, "het juiste bestand") + f" (verwacht: een {wanted})",
            )
            return None
        if entry.kind not in f.targets:
            self.problem(
                rec,
                item.line,
                key,
                f"verwijst naar '{target}', een {self._kind_label(entry.kind)}; hier hoort een {wanted}",
                f"verwijs naar een {wanted}, of gebruik een ander veld",
            )
            return None
        return entry.iri

    def _resolve_concept(
        self, rec: RawRecord, key: str, item: Value, scheme: str
    ) -> NamedNode | None:
        cid = str(item.data).strip()
        entry = self.concepts.get((scheme, cid))
        if entry is None:
            pool = [c for (sch, c) in self.concepts if sch == scheme]
            self.problem(
                rec,
                item.line,
                key,
                f"'{cid}' is geen begrip in het begrippenkader '{scheme}'",
                self._suggest(cid, pool, f"begrippen.yaml (met 'schema: {scheme}')"),
            )
            return None
        return entry.iri

    def _provenance(self, kind: Kind, rec: RawRecord, s: NamedNode) -> tuple[NamedNode, list[str]]:
        """Returns the record's named graph and its source ids; writes the PROV triples."""
        rid = rec.id or ""
        if kind.name == "bron":
            return self.graph_of_source(rid), []
        v = rec.fields.get("bronnen")
        if v is None:
            if kind is SCHEME_KIND:
                if EDITORIAL_SOURCE in self.entries:
                    g = self.graph_of_source(EDITORIAL_SOURCE)
                    self.out.quads.append(
                        Quad(
                            s,
                            self.pred("prov:wasDerivedFrom"),
                            self.entries[EDITORIAL_SOURCE].iri,
                            g,
                        )
                    )
                    return g, [EDITORIAL_SOURCE]
                return self.editorial_graph, []
            self.problem(
                rec,
                rec.line,
                "bronnen",
                "het record noemt geen bron",
                "voeg 'bronnen:' toe met '- bron: <id uit bronnen.yaml>' en 'citaat: \"...\"' "
                "(een letterlijk citaat uit die bron)",
            )
            return self.editorial_graph, []
        items = v.data if isinstance(v.data, list) else [v]
        sources: list[str] = []
        graph: NamedNode | None = None
        n = 0
        for item in items:
            if not isinstance(item.data, dict) or "bron" not in item.data:
                self.problem(
                    rec,
                    item.line,
                    "bronnen",
                    "elke bron is een regel '- bron: <id>' met 'citaat: ...'",
                    "schrijf bijvoorbeeld:\n      - bron: update-pilothubs-2023\n"
                    '        citaat: "Coördinatieteam pilothub XR"',
                )
                continue
            src_v: Value = item.data["bron"]
            src = str(src_v.data)
            for extra in item.data:
                if extra not in ("bron", "citaat"):
                    self.problem(
                        rec,
                        item.data[extra].line,
                        f"bronnen.{extra}",
                        f"onbekend veld '{extra}' in een bron",
                        "een bron heeft alleen 'bron' en 'citaat'",
                    )
            entry = self.entries.get(src)
            if entry is None or entry.kind != "bron":
                pool = [k for k, e in self.entries.items() if e.kind == "bron"]
                self.problem(
                    rec,
                    src_v.line,
                    "bronnen.bron",
                    f"de bron '{src}' bestaat niet",
                    self._suggest(src, pool, "bronnen.yaml"),
                )
                continue
            n += 1
            sources.append(src)
            if graph is None:
                graph = self.graph_of_source(src)
            quote_v: Value | None = item.data.get("citaat")
            text = self.source_texts.get(src)
            if text is not None:
                if quote_v is None or not str(quote_v.data or "").strip():
                    self.problem(
                        rec,
                        item.line,
                        "bronnen.citaat",
                        f"het citaat uit '{src}' ontbreekt",
                        "neem een korte, letterlijke zin uit de brontekst over die dit record onderbouwt",
                    )
                elif normalise_text(str(quote_v.data)) not in text:
                    self.problem(
                        rec,
                        quote_v.line,
                        "bronnen.citaat",
                        f"het citaat staat niet letterlijk in de bron '{src}'",
                        "kopieer het citaat precies uit de brontekst (spaties en regeleinden tellen niet mee)",
                    )
            d = NamedNode(f"{s.value}#bron-{n}")
            self.out.quads += [
                Quad(s, self.pred("prov:wasDerivedFrom"), entry.iri, graph),
                Quad(s, self.pred("prov:qualifiedDerivation"), d, graph),
                Quad(d, RDF_TYPE, self.pred("prov:Derivation"), graph),
                Quad(d, self.pred("prov:entity"), entry.iri, graph),
            ]
            if quote_v is not None and str(quote_v.data or "").strip():
                self.out.quads.append(
                    Quad(
                        d,
                        self.pred("kg:quote"),
                        Literal(normalise_text(str(quote_v.data)), language="nl"),
                        graph,
                    )
                )
        return graph or self.editorial_graph, sources

    def _editorial(self, rec: RawRecord, v: Value, s: NamedNode, kind: Kind) -> dict[str, Value]:
        if not isinstance(v.data, dict):
            self.problem(
                rec,
                v.line,
                "redactioneel",
                "'redactioneel' moet velden bevatten",
                "schrijf 'redactioneel:' met daaronder 'toelichting: ...' en de velden die niet in de bron staan",
            )
            return {}
        fields = dict(v.data)
        note = fields.pop("toelichting", None)
        if note is None:
            self.problem(
                rec,
                v.line,
                "redactioneel",
                "een redactionele aanvulling heeft een toelichting nodig",
                "zet 'toelichting: ...' onder 'redactioneel' en leg uit waarop de aanvulling berust",
            )
        else:
            try:
                self.out.quads.append(
                    Quad(
                        s,
                        self.pred("skos:editorialNote"),
                        values.text(note.data),
                        self.editorial_graph,
                    )
                )
            except values.BadValue as e:
                self.problem(rec, note.line, "redactioneel.toelichting", str(e), e.hint)
        allowed = self._allowed_keys(kind) | ({"functies"} if kind.name == "persoon" else set())
        for key in list(fields):
            if key not in allowed:
                self._unknown_key(rec, kind, key, fields[key].line, allowed, "redactioneel.")
                del fields[key]
            elif key in rec.fields and key != "functies":  # posts may come from both
                self.problem(
                    rec,
                    fields[key].line,
                    f"redactioneel.{key}",
                    f"'{key}' staat zowel in het record als onder 'redactioneel'",
                    "zet het veld op één van beide plaatsen",
                )
        return fields

    def _concept_extras(self, rec: RawRecord, s: NamedNode, graph: NamedNode) -> None:
        scheme = self.schemes[str(rec.fields["schema"].data)].iri
        self.out.quads.append(Quad(s, self.pred("skos:inScheme"), scheme, graph))
        if "breder" not in rec.fields:
            self.out.quads += [
                Quad(s, self.pred("skos:topConceptOf"), scheme, graph),
                Quad(scheme, self.pred("skos:hasTopConcept"), s, graph),
            ]

    def _posts(
        self, rec: RawRecord, person: NamedNode, graph: NamedNode, sources: list[str], v: Value
    ) -> None:
        items = v.data if isinstance(v.data, list) else [v]
        for item in items:
            if not isinstance(item.data, dict):
                self.problem(
                    rec,
                    item.line,
                    "functies",
                    "elke functie is een regel '- rol: ...' met 'bij: ...'",
                    "schrijf bijvoorbeeld '- {rol: programmamanager, bij: kennishub-leren-en-innoveren}'",
                )
                continue
            data: dict[str, Value] = item.data
            for key in data:
                if key not in {f.key for f in POST_FIELDS}:
                    self.problem(
                        rec,
                        data[key].line,
                        f"functies.{key}",
                        f"onbekend veld '{key}' in een functie",
                        "een functie heeft 'rol', 'bij', en eventueel 'start' en 'eind'",
                    )
            if "rol" not in data or "bij" not in data:
                self.problem(
                    rec,
                    item.line,
                    "functies",
                    "een functie noemt 'rol' en 'bij'",
                    "vul beide in: de rol (begrip uit 'rol') en het id van de organisatie of eenheid",
                )
                continue
            rol, bij = str(data["rol"].data), str(data["bij"].data)
            post = NamedNode(f"{self.base}id/functie/{rec.id}--{rol}--{bij}")
            terms: list[tuple[Field, NamedNode | Literal]] = []
            for f in POST_FIELDS:
                if f.key in data:
                    t = self._term(
                        rec, f, f"functies.{f.key}", data[f.key], "nl", KINDS_BY_NAME["persoon"]
                    )
                    if t is None:
                        break
                    terms.append((f, t))
            else:
                self.out.origins[post.value] = Origin(rec.file, item.line, rec.id)
                rol_label = self.concepts[("rol", rol)].label
                unit_label = self.entries[bij].label
                self.out.quads += [
                    Quad(post, RDF_TYPE, self.pred("org:Post"), graph),
                    Quad(
                        post,
                        self.pred("skos:prefLabel"),
                        Literal(f"{rol_label}, {unit_label}", language="nl"),
                        graph,
                    ),
                    Quad(post, self.pred("org:heldBy"), person, graph),
                    Quad(person, self.pred("org:holds"), post, graph),
                ]
                self.out.quads += [Quad(post, self.pred(f.predicate), t, graph) for f, t in terms]
                self.out.quads += [
                    Quad(post, self.pred("prov:wasDerivedFrom"), self.entries[src].iri, graph)
                    for src in sources
                ]

    def _source_graph(self, s: NamedNode, rid: str) -> None:
        g = self.graph_of_source(rid)
        self.out.quads += [
            Quad(g, RDF_TYPE, self.pred("prov:Entity"), g),
            Quad(g, self.pred("prov:wasDerivedFrom"), s, g),
        ]

    # -- driver ----------------------------------------------------------------------------
    def run(self, records: dict[Kind, list[RawRecord]]) -> Mapped:
        order = [k for k in (*KINDS, SCHEME_KIND, CONCEPT_KIND) if k in records]
        for kind in order:
            self.register(kind, records[kind])
        for kind in order:
            for rec in records[kind]:
                self.map_record(kind, rec)
        return self.out
