"""The HTML views of the DCAT-AP catalogue (``/catalog``) and the VoID description
(``/.well-known/void``): what a person wants to see of them, read from the release's own files.

The RDF files are small (kilobytes); each view parses its file into an in-memory store and asks
it a few SPARQL queries. Links to this server's own URLs (downloads, the endpoint) become paths,
so the view works wherever the server runs.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ontology.namespaces import sparql_prologue

from .page_common import Tagged, href

PROLOGUE = sparql_prologue() + (
    "PREFIX spdx: <http://spdx.org/rdf/terms#>\nPREFIX void: <http://rdfs.org/ns/void#>\n"
)

CATALOG = """
SELECT ?cat ?title ?desc ?modified ?publisher ?endpoint ?lang WHERE {
  ?cat a dcat:Catalog .
  OPTIONAL { ?cat dcterms:title ?title FILTER(LANG(?title) = ?lang) }
  OPTIONAL { ?cat dcterms:description ?desc FILTER(LANG(?desc) = ?lang) }
  OPTIONAL { ?cat dcterms:modified ?modified }
  OPTIONAL { ?cat dcterms:publisher/foaf:name ?publisher }
  OPTIONAL { ?cat dcat:service/dcat:endpointURL ?endpoint }
} LIMIT 1
"""

DATASETS = """
SELECT ?ds ?title ?desc ?tl ?dl ?landing ?version ?lang (COUNT(?dist) AS ?n) WHERE {
  ?cat dcat:dataset ?ds .
  OPTIONAL { ?ds dcterms:title ?t1 FILTER(LANG(?t1) = ?lang) }
  OPTIONAL { ?ds dcterms:title ?t2 }
  BIND(COALESCE(?t1, ?t2) AS ?title)
  BIND(LANG(?title) AS ?tl)
  OPTIONAL { ?ds dcterms:description ?d1 FILTER(LANG(?d1) = ?lang) }
  OPTIONAL { ?ds dcterms:description ?d2 }
  BIND(COALESCE(?d1, ?d2) AS ?desc)
  BIND(LANG(?desc) AS ?dl)
  OPTIONAL { ?ds dcat:landingPage ?landing }
  OPTIONAL { ?ds dcat:version ?version }
  OPTIONAL { ?ds dcat:distribution ?dist }
} GROUP BY ?ds ?title ?desc ?tl ?dl ?landing ?version ?lang
ORDER BY DESC(?n) ?title
"""

DISTRIBUTIONS = """
SELECT ?ds ?url ?media ?size ?sha ?lang WHERE {
  ?ds dcat:distribution ?dist .
  ?dist dcat:downloadURL ?url .
  OPTIONAL { ?dist dcat:mediaType ?media }
  OPTIONAL { ?dist dcat:byteSize ?size }
  OPTIONAL { ?dist spdx:checksum/spdx:checksumValue ?sha }
} ORDER BY ?url
"""

VOID_DATASET = """
SELECT ?ds ?triples ?entities ?subjects ?objects ?classes ?properties ?endpoint ?space ?lang
WHERE {
  ?ds a void:Dataset .
  OPTIONAL { ?ds void:triples ?triples }
  OPTIONAL { ?ds void:entities ?entities }
  OPTIONAL { ?ds void:distinctSubjects ?subjects }
  OPTIONAL { ?ds void:distinctObjects ?objects }
  OPTIONAL { ?ds void:classes ?classes }
  OPTIONAL { ?ds void:properties ?properties }
  OPTIONAL { ?ds void:sparqlEndpoint ?endpoint }
  OPTIONAL { ?ds void:uriSpace ?space }
} ORDER BY DESC(?triples) LIMIT 1
"""

PARTITIONS = """
SELECT ?kind ?term ?n ?lang ?ds WHERE {
  { ?ds void:classPartition ?p . ?p void:class ?term ; void:entities ?n . BIND("class" AS ?kind) }
  UNION
  { ?ds void:propertyPartition ?p . ?p void:property ?term ; void:triples ?n .
    BIND("property" AS ?kind) }
} ORDER BY ?kind DESC(?n) ?term
"""

LISTS = """
SELECT ?kind ?value ?lang ?ds WHERE {
  { ?ds void:dataDump ?value . BIND("dump" AS ?kind) }
  UNION { ?ds void:vocabulary ?value . BIND("vocabulary" AS ?kind) }
} ORDER BY ?kind ?value
"""


def _load(path: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def _rows(
    store: ox.Store, query: str, lang: str = "nl", ds: str | None = None
) -> list[dict[str, Any]]:
    subs: dict[ox.Variable, Any] = {ox.Variable("lang"): ox.Literal(lang)}
    if ds is not None:  # the dataset the partitions and lists are of
        subs[ox.Variable("ds")] = ox.NamedNode(ds)
    res = store.query(PROLOGUE + query, substitutions=subs)
    assert isinstance(res, ox.QuerySolutions)
    names = [v.value for v in res.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in res]


def _size(value: str | None) -> str:
    if not value:
        return ""
    n = float(value)
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return value


def catalog_view(path: Path, base: str, lang: str) -> dict[str, Any]:
    store = _load(path)
    cat = (_rows(store, CATALOG, lang) or [{}])[0]
    dists: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in _rows(store, DISTRIBUTIONS, lang):
        dists[d["ds"]].append(
            {
                "href": href(d["url"], base),
                "name": d["url"].rsplit("/", 1)[-1],
                "media": (d["media"] or "").rsplit("/", 2)[-2:],
                "size": _size(d["size"]),
                "sha256": d["sha"] or "",
            }
        )
    for rows in dists.values():
        for d in rows:
            d["media"] = "/".join(d["media"])
    graphs: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for ds in _rows(store, DATASETS, lang):
        item = {
            # in the other language when the reader's is missing: marked on the page
            "title": Tagged.marked(ds["title"], ds["tl"] or "", lang) if ds["title"] else ds["ds"],
            "description": Tagged.marked(ds["desc"], ds["dl"] or "", lang) if ds["desc"] else "",
            "landing": href(ds["landing"], base) if ds["landing"] else None,
            "version": ds["version"],
            "distributions": dists.get(ds["ds"], []),
        }
        (graphs if item["distributions"] else records).append(item)
    return {
        "title": cat.get("title") or "Kennisgraaf",
        "description": cat.get("desc") or "",
        "modified": cat.get("modified") or "",
        "publisher": cat.get("publisher") or "",
        "endpoint": href(cat["endpoint"], base) if cat.get("endpoint") else None,
        "graphs": graphs,
        "records": records,
        "triples": len(store),
    }


def void_view(path: Path, base: str) -> dict[str, Any]:
    store = _load(path)
    ds = (_rows(store, VOID_DATASET) or [{}])[0]
    parts: dict[str, list[dict[str, Any]]] = {"class": [], "property": []}
    main = ds.get("ds")
    for p in _rows(store, PARTITIONS, ds=main):
        parts[p["kind"]].append({"term": p["term"], "href": href(p["term"], base), "n": p["n"]})
    lists: dict[str, list[dict[str, str]]] = {"dump": [], "vocabulary": []}
    for r in _rows(store, LISTS, ds=main):
        lists[r["kind"]].append({"value": r["value"], "href": href(r["value"], base)})
    figures = [
        ("triples", ds.get("triples")),
        ("entities", ds.get("entities")),
        ("distinctSubjects", ds.get("subjects")),
        ("distinctObjects", ds.get("objects")),
        ("classes", ds.get("classes")),
        ("properties", ds.get("properties")),
    ]
    return {
        "figures": [(k, v) for k, v in figures if v is not None],
        "endpoint": href(ds["endpoint"], base) if ds.get("endpoint") else None,
        "uri_space": ds.get("space"),
        "classes": parts["class"],
        "properties": parts["property"],
        "dumps": lists["dump"],
        "vocabularies": lists["vocabulary"],
    }
