"""Synthetic Kennisgraaf data that passes our shapes, for benchmarks.

    python -m bench.generate --triples 1000000 --out bench/out/gen-1000000

writes a complete data folder: a copy of the real ``data/`` (the YAML records, ``bronteksten/``,
``ror/``, so the concept schemes and source documents exist) plus ``rdf/synthetic.nt`` with
exactly ``--triples`` synthetic triples in our own vocabulary. ``kennisgraaf build`` loads that
file into the graph ``graph/bestand/synthetic`` and validates it with everything else.

The records are made the way ``ingest/mapping.py`` maps YAML: the kinds, fields, classes,
concept schemes and reference targets all come from ``ingest/kinds.py``, so the data follows the
contract when it changes. Every entity (IRI ``{base}id/<segment>/syn-<n>``, ``n`` unique over all
kinds) has a Dutch ``skos:prefLabel`` (sometimes an English one too), descriptions, concept
values from the real schemes in ``begrippen.yaml``, references to earlier synthetic entities of
the right kinds, dates, and provenance: ``prov:wasDerivedFrom`` one or two of the real source
documents with a ``prov:qualifiedDerivation`` (``<entity>#bron-<i>``, a ``prov:Derivation`` with
``prov:entity`` and a ``kg:quote``). Persons hold ``org:Post``s, fundings have a
``schema:MonetaryAmount`` (``<funding>#bedrag``), goals are attached with ``kg:hasGoal``.

Deterministic: a fixed seed, no dictionaries or sets iterated in hash order, the same arguments
and the same ``data/`` give byte-identical output. The N-Triples file is streamed; memory does
not grow with the size (references are computed from per-kind counters, nothing is kept).
Without duplicates: the file has exactly as many triples as the store will count for it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from ingest.kinds import KINDS_BY_NAME, POST_FIELDS, Field, Kind
from ontology import iris
from ontology.namespaces import CANONICAL_BASE, expand

GENERATOR_VERSION = 1
DEFAULT_SEED = 20240511
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "data"
MANIFEST = "synthetic.json"
RDF_FILE = "synthetic.nt"
XSD = "http://www.w3.org/2001/XMLSchema#"

# How many entities of each kind one block of the stream holds (the order is the block's
# order: kinds that others must refer to come first).
MIX: tuple[tuple[str, int], ...] = (
    ("organisatie", 2),
    ("programma", 1),
    ("hub", 2),
    ("team", 2),
    ("ctl", 1),
    ("gemeenschap", 2),
    ("persoon", 6),
    ("product", 4),
    ("bewijs", 3),
    ("bewering", 2),
    ("financiering", 2),
    ("doel", 2),
    ("activiteit", 2),
    ("evenement", 2),
)

# Chance that an optional field is filled in (by key; otherwise by type).
P_KEY = {
    "beschrijving": 0.85,
    "alias": 0.3,
    "website": 0.3,
    "thema": 0.7,
    "doelgroep": 0.5,
    "sector": 0.5,
    "bevinding": 0.8,
    "over": 0.8,
    "status": 0.6,
    "onderdeel_van": 0.6,
    "bedrag": 0.8,
}
P_TYPE = {"text": 0.4, "texts": 0.4, "concept": 0.6, "ref": 0.5}
P_OPTIONAL = 0.5
P_ENGLISH = {"naam": 0.5}
P_ENGLISH_OTHER = 0.25
MAX_MANY = {"ref": 3, "concept": 2, "texts": 2, "email": 1, "url": 1}

WORDS = [
    "onderwijs",
    "innovatie",
    "docenten",
    "studenten",
    "leren",
    "digitale",
    "vaardigheden",
    "studiedata",
    "kunstmatige",
    "intelligentie",
    "praktijk",
    "onderzoek",
    "netwerk",
    "samenwerking",
    "instellingen",
    "mbo",
    "hbo",
    "wo",
    "professionals",
    "ondersteuning",
    "leermaterialen",
    "open",
    "toetsing",
    "feedback",
    "didactiek",
    "kennis",
    "delen",
    "opschalen",
    "pilot",
    "evaluatie",
    "ervaringen",
    "aanpak",
    "regio",
    "ontwikkeling",
    "teams",
    "coördinatie",
    "één",
    "begeleiding",
    "leeromgeving",
    "platform",
    "gegevens",
    "privacy",
    "ethiek",
    "inclusie",
    "wendbaar",
    "flexibel",
    "curriculum",
    "professionalisering",
    "community",
    "bijeenkomst",
    "webinar",
    "verkenning",
    "inventarisatie",
    "resultaten",
    "impact",
    "doelen",
    "visie",
    "transformatie",
    "hybride",
    "extended",
    "reality",
    "edtech",
    "markt",
    "inkoop",
]
THEMES = (
    "Studiedata",
    "XR",
    "Docentondersteuning",
    "EdTech",
    "Leermaterialen",
    "Toetsing",
    "Flexibilisering",
    "AI",
    "Privacy",
    "Inclusie",
)
CITIES = ("Utrecht", "Amsterdam", "Rotterdam", "Den Haag", "Eindhoven", "Groningen", "Tilburg")
ENGLISH = {
    "organisatie": "Organisation",
    "programma": "Programme",
    "hub": "Hub",
    "team": "Team",
    "ctl": "Centre for Teaching and Learning",
    "gemeenschap": "Community",
    "persoon": "Person",
    "product": "Product",
    "bewijs": "Evidence",
    "bewering": "Claim",
    "financiering": "Funding",
    "doel": "Goal",
    "activiteit": "Activity",
    "evenement": "Event",
}
FIRST = ("Anne", "Bram", "Chris", "Daan", "Eva", "Fatima", "Gijs", "Hanna", "Ilse", "Joost")
LAST = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos")


# -- vocabulary of the real data ---------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    concepts: dict[str, tuple[str, ...]]  # scheme -> concept ids, sorted
    sources: tuple[str, ...]  # ids of the source documents in bronnen.yaml, sorted


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [r for r in data if isinstance(r, dict)]


def read_vocabulary(data: Path) -> Vocabulary:
    concepts: dict[str, set[str]] = {}
    for rec in _records(data / "begrippen.yaml"):
        scheme, cid = rec.get("schema"), rec.get("id")
        if isinstance(scheme, str) and isinstance(cid, str) and iris.is_slug(cid):
            concepts.setdefault(scheme, set()).add(cid)
    sources = sorted(
        str(r["id"])
        for r in _records(data / "bronnen.yaml")
        if isinstance(r.get("id"), str) and iris.is_slug(r["id"])
    )
    if not sources:
        raise SystemExit(f"{data}/bronnen.yaml has no source documents to derive from")
    return Vocabulary(
        {s: tuple(sorted(ids)) for s, ids in sorted(concepts.items())}, tuple(sources)
    )


# -- the data folder ---------------------------------------------------------------------------


def data_files(data: Path) -> list[Path]:
    """The files of the real data folder that a generated folder copies, sorted."""
    out = [*sorted(data.glob("*.yaml")), *sorted(data.glob("*.yml"))]
    for sub in ("bronteksten", "ror", "rdf"):
        if (data / sub).is_dir():
            out += sorted(p for p in (data / sub).rglob("*") if p.is_file())
    return out


def inputs_digest(data: Path) -> str:
    """SHA-256 over everything the output depends on: the real data, this module, the kinds."""
    h = hashlib.sha256()
    h.update(f"generator {GENERATOR_VERSION}\n".encode())
    for path in [
        *data_files(data),
        Path(__file__).resolve(),
        ROOT / "ingest" / "kinds.py",
    ]:
        try:
            name = path.relative_to(data).as_posix()
        except ValueError:
            name = path.name
        h.update(f"{name}\n".encode())
        h.update(path.read_bytes())
        h.update(b"\n")
    return h.hexdigest()


def _prepare(out: Path, data: Path) -> None:
    if out.exists():
        if any(out.iterdir()) and not (out / MANIFEST).is_file():
            raise SystemExit(
                f"{out} exists and is not a generated data folder (no {MANIFEST}); "
                "choose an empty or new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for path in data_files(data):
        target = out / path.relative_to(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)  # not copy2: the source texts are read-only
    (out / "rdf").mkdir(exist_ok=True)


# -- N-Triples ---------------------------------------------------------------------------------


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def lang(s: str, tag: str) -> str:
    return f'"{_esc(s)}"@{tag}'


def typed(lexical: str, datatype: str) -> str:
    return f'"{lexical}"^^<{XSD}{datatype}>'


def plain(s: str) -> str:
    return f'"{_esc(s)}"'


class Generator:
    """Makes the entities one at a time; ``run`` writes them until the budget is spent."""

    def __init__(self, vocab: Vocabulary, seed: int, base: str = CANONICAL_BASE) -> None:
        self.vocab = vocab
        self.base = base
        self.rng = random.Random(seed)
        self.block: list[Kind] = []
        for name, weight in MIX:
            if name in KINDS_BY_NAME:
                self.block += [KINDS_BY_NAME[name]] * weight
        self.offsets: dict[str, list[int]] = {}
        for i, kind in enumerate(self.block):
            self.offsets.setdefault(kind.name, []).append(i)
        self.count: dict[str, int] = dict.fromkeys(self.offsets, 0)
        self.p: dict[str, str] = {}
        self.rdf_type = self.pred("rdf:type")
        self.source_iris = [f"<{iris.entity_iri(base, 'bron', s)}>" for s in self.vocab.sources]

    # -- names ---------------------------------------------------------------------------
    def pred(self, curie: str) -> str:
        term = self.p.get(curie)
        if term is None:
            term = self.p[curie] = f"<{iris.rebase(expand(curie), self.base)}>"
        return term

    def number(self, kind: str, j: int) -> int:
        """The global number ``n`` of the ``j``-th entity of ``kind``."""
        offs = self.offsets[kind]
        return (j // len(offs)) * len(self.block) + offs[j % len(offs)]

    def iri(self, kind: str, n: int) -> str:
        return f"<{iris.entity_iri(self.base, KINDS_BY_NAME[kind].segment, f'syn-{n}')}>"

    def concept(self, scheme: str) -> str | None:
        ids = self.vocab.concepts.get(scheme)
        if not ids:
            return None
        return self.rng.choice(ids)

    def concept_iri(self, scheme: str, cid: str) -> str:
        return f"<{iris.concept_iri(self.base, scheme, cid)}>"

    # -- values --------------------------------------------------------------------------
    def sentence(self, lo: int, hi: int) -> str:
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi))]
        return " ".join(words).capitalize() + "."

    def date(self, year_from: int = 2015, year_to: int = 2026) -> str:
        y = self.rng.randint(year_from, year_to)
        r = self.rng.random()
        if r < 0.6:
            return typed(
                f"{y:04d}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}", "date"
            )
        if r < 0.85:
            return typed(f"{y:04d}-{self.rng.randint(1, 12):02d}", "gYearMonth")
        return typed(f"{y:04d}", "gYear")

    def refs(self, targets: Sequence[str], k: int) -> list[str]:
        """``k`` distinct earlier entities of the ``targets`` kinds (real sources for 'bron')."""
        pools: list[tuple[str, int]] = []
        for t in targets:
            if t == "bron":
                pools.append((t, len(self.source_iris)))
            elif t in self.count:
                pools.append((t, self.count[t]))
        total = sum(n for _t, n in pools)
        out = []
        for i in sorted(self.rng.sample(range(total), min(k, total))):
            for t, n in pools:
                if i < n:
                    out.append(
                        self.source_iris[i] if t == "bron" else self.iri(t, self.number(t, i))
                    )
                    break
                i -= n
        return out

    def many(self, f: Field) -> int:
        if not f.many and f.type != "texts":
            return 1
        return self.rng.randint(1, MAX_MANY.get(f.type, 2))

    def present(self, f: Field) -> bool:
        if f.required:
            return True
        p = P_KEY.get(f.key, P_TYPE.get(f.type, P_OPTIONAL))
        return self.rng.random() < p

    # -- one entity ----------------------------------------------------------------------
    def name(self, kind: Kind, n: int, sort: str | None) -> str:
        if kind.name == "persoon":
            return f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]} {n}"
        label = (sort or kind.label or kind.name).replace("-", " ")
        return f"{label[:1].upper()}{label[1:]} {self.rng.choice(THEMES)} {n}"

    def values(self, f: Field, kind: Kind, n: int, s: str, lines: list[str]) -> None:
        """Lines for field ``f`` of entity ``s`` (n-th) that ``present`` chose to fill in."""
        p = self.pred(f.predicate)
        t = f.type
        if t in ("text", "texts"):
            k = self.many(f) if t == "texts" else 1
            for _ in range(k):
                lines.append(f"{s} {p} {lang(self.sentence(4, 24), 'nl')} .")
            if self.rng.random() < P_ENGLISH.get(f.key, P_ENGLISH_OTHER) and t == "text":
                lines.append(
                    f"{s} {p} {lang(f'{ENGLISH.get(kind.name, kind.name)} {n}: ' + self.sentence(3, 12), 'en')} ."
                )
            return
        if t == "concept":
            scheme = f.scheme or ""
            ids = self.vocab.concepts.get(scheme, ())
            for cid in sorted(self.rng.sample(ids, min(self.many(f), len(ids)))):
                lines.append(f"{s} {p} {self.concept_iri(scheme, cid)} .")
            return
        if t == "ref":
            for o in self.refs(f.targets, self.many(f)):
                lines.append(f"{o} {p} {s} ." if f.inverse else f"{s} {p} {o} .")
            return
        if t == "date":
            lines.append(f"{s} {p} {self.date()} .")
        elif t == "amount":
            node = f"{s[:-1]}#bedrag>"
            euros = self.rng.randint(10, 600_000) * 1000
            cents = self.rng.choice(("", ".50", ".25"))
            lines += [
                f"{s} {p} {node} .",
                f"{node} {self.rdf_type} {self.pred('schema:MonetaryAmount')} .",
                f"{node} {self.pred('schema:value')} {typed(f'{euros}{cents}', 'decimal')} .",
                f"{node} {self.pred('schema:currency')} {plain('EUR')} .",
            ]
        elif t == "integer":
            lines.append(f"{s} {p} {typed(str(self.rng.randint(5, 800)), 'integer')} .")
        elif t == "duration":
            lines.append(f"{s} {p} {typed(f'PT{self.rng.randint(2, 90)}M', 'duration')} .")
        elif t == "email":
            for i in range(self.many(f)):
                lines.append(f"{s} {p} <mailto:{f.key}{i}-syn-{n}@example.nl> .")
        elif t == "url":
            if f.key == "ror":
                lines.append(f"{s} {p} <https://ror.org/0syn{n:06d}> .")
            else:
                for i in range(self.many(f)):
                    lines.append(f"{s} {p} <https://example.nl/{kind.segment}/syn-{n}/{i}> .")
        elif t == "literal":
            value = self.rng.choice(CITIES) if f.key == "plaats" else f"syn-{n}"
            lines.append(f"{s} {p} {plain(value)} .")
        else:
            raise ValueError(f"{kind.name}.{f.key}: unknown field type {t!r}")

    def provenance(self, s: str, lines: list[str]) -> list[str]:
        sources = sorted(self.rng.sample(self.source_iris, 1 if self.rng.random() < 0.7 else 2))
        for i, src in enumerate(sources, start=1):
            d = f"{s[:-1]}#bron-{i}>"
            lines += [
                f"{s} {self.pred('prov:wasDerivedFrom')} {src} .",
                f"{s} {self.pred('prov:qualifiedDerivation')} {d} .",
                f"{d} {self.rdf_type} {self.pred('prov:Derivation')} .",
                f"{d} {self.pred('prov:entity')} {src} .",
                f"{d} {self.pred('kg:quote')} {lang(self.sentence(5, 14), 'nl')} .",
            ]
        return sources

    def posts(self, person: str, n: int, sources: list[str], lines: list[str]) -> None:
        units = self.refs(
            next(f for f in POST_FIELDS if f.key == "bij").targets, self.rng.randint(1, 2)
        )
        for unit in units:
            rol = self.concept("rol")
            if rol is None:
                return
            unit_id = unit.rsplit("/", 1)[1][:-1]
            post = f"<{self.base}id/functie/syn-{n}--{rol}--{unit_id}>"
            lines += [
                f"{post} {self.rdf_type} {self.pred('org:Post')} .",
                f"{post} {self.pred('skos:prefLabel')} {lang(f'{rol}, {unit_id}', 'nl')} .",
                f"{post} {self.pred('org:heldBy')} {person} .",
                f"{person} {self.pred('org:holds')} {post} .",
                f"{post} {self.pred('org:role')} {self.concept_iri('rol', rol)} .",
                f"{post} {self.pred('org:postIn')} {unit} .",
            ]
            if self.rng.random() < 0.6:
                lines.append(f"{post} {self.pred('schema:startDate')} {self.date(2015, 2022)} .")
            if self.rng.random() < 0.2:
                lines.append(f"{post} {self.pred('schema:endDate')} {self.date(2023, 2026)} .")
            lines += [f"{post} {self.pred('prov:wasDerivedFrom')} {src} ." for src in sources]

    def entity(self, kind: Kind) -> tuple[str, list[str]]:
        """The subject and the lines of the next entity of ``kind`` (not yet counted)."""
        n = self.number(kind.name, self.count[kind.name])
        s = self.iri(kind.name, n)
        lines: list[str] = []
        sort_field = next((f for f in kind.fields if f.key == "soort"), None)
        sort = None
        if sort_field is not None and sort_field.scheme and self.present(sort_field):
            sort = self.concept(sort_field.scheme)
        for c in kind.classes:
            lines.append(f"{s} {self.rdf_type} {self.pred(c)} .")
        for c in kind.classes_by_sort.get(sort or "", ()):
            lines.append(f"{s} {self.rdf_type} {self.pred(c)} .")
        for f in kind.fields:
            if f.key == "naam":
                lines.append(
                    f"{s} {self.pred(f.predicate)} {lang(self.name(kind, n, sort), 'nl')} ."
                )
                if self.rng.random() < P_ENGLISH["naam"]:
                    lines.append(
                        f"{s} {self.pred(f.predicate)} {lang(f'{ENGLISH.get(kind.name, kind.name)} {n}', 'en')} ."
                    )
            elif f is sort_field:
                if sort is not None and f.scheme:
                    lines.append(
                        f"{s} {self.pred(f.predicate)} {self.concept_iri(f.scheme, sort)} ."
                    )
            elif self.present(f):
                self.values(f, kind, n, s, lines)
        sources = self.provenance(s, lines) if kind.needs_source else []
        if kind.name == "persoon":
            self.posts(s, n, sources, lines)
        return s, lines

    def commit(self, kind: Kind) -> None:
        self.count[kind.name] += 1

    def stream(self) -> Iterator[tuple[Kind, str, list[str]]]:
        i = 0
        while True:
            kind = self.block[i % len(self.block)]
            s, lines = self.entity(kind)
            yield kind, s, lines
            i += 1


def write_triples(gen: Generator, fh: TextIO, triples: int) -> dict[str, int]:
    """Writes exactly ``triples`` lines; the last few are extra aliases of the last entity."""
    written = 0
    last: str | None = None
    for kind, s, lines in gen.stream():
        if written + len(lines) > triples:
            break
        fh.write("\n".join(lines))
        fh.write("\n")
        written += len(lines)
        gen.commit(kind)
        last = s
    if last is None:
        raise SystemExit(f"--triples {triples} is too small for even one entity")
    alias = gen.pred("skos:altLabel")
    for i in range(triples - written):
        fh.write(f"{last} {alias} {lang(f'alias {i + 1}', 'nl')} .\n")
    return dict(gen.count)


def generate(
    triples: int, out: Path, seed: int = DEFAULT_SEED, data: Path = DEFAULT_DATA
) -> dict[str, Any]:
    """Writes the data folder ``out``; returns its manifest (also in ``out/synthetic.json``)."""
    vocab = read_vocabulary(data)
    digest = inputs_digest(data)
    _prepare(out, data)
    gen = Generator(vocab, seed)
    with open(out / "rdf" / RDF_FILE, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
        counts = write_triples(gen, fh, triples)
    manifest = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "triples": triples,
        "entities": sum(counts.values()),
        "entities_by_kind": counts,
        "inputs_sha256": digest,
        "file": f"rdf/{RDF_FILE}",
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def parse_count(text: str) -> int:
    """``100000``, ``100k``, ``1M``, ``1_000_000``."""
    t = text.strip().replace("_", "").lower()
    mult = 1
    if t.endswith("k"):
        mult, t = 1000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    try:
        value = float(t) * mult
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of triples: {text!r}") from None
    if value < 1000 or value != int(value):
        raise argparse.ArgumentTypeError(f"give a whole number of at least 1000: {text!r}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description="Write a data folder with N synthetic triples (rdf/synthetic.nt) that pass "
        "the shapes, next to a copy of the real data/.",
    )
    ap.add_argument("--triples", type=parse_count, required=True, help="e.g. 100000, 1M")
    ap.add_argument("--out", type=Path, required=True, help="the data folder to write")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the real data folder")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    m = generate(args.triples, args.out, args.seed, args.data)
    print(
        f"{args.out}/{m['file']}: {m['triples']} triples, {m['entities']} entities "
        f"in {time.perf_counter() - t0:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
