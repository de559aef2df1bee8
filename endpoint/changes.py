"""``/changes``: what changed between releases, as RDF Patch and as a Linked Data Event Stream.

Serves what the build wrote to ``<store>/changes/<to>/<from>.{rdfp.gz,json}`` (one patch per
build, from the release that was current before it) and the release list in
``<store>/releases/*.json``. A partner syncs as "last dump plus the changes since":

    GET /changes                      the releases (id, time, dump, patches): JSON or HTML
    GET /changes/<from>/<to>          RDF Patch turning the dump of <from> into the dump of <to>
    GET /changes?from=<id>&to=<id>    the same (``to`` defaults to the current release)
    GET /changes/<id>                 one release (the IRI named in the patch headers)
    GET /changes/feed                 LDES event stream of the changed entities (Turtle, JSON-LD)

Between releases that are not consecutive the patches along the way are composed into one.
Release ids are checked against a strict pattern and only files the build named are read, so
a path can never leave the store folder.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .negotiation import best_media_type
from .page_common import templates
from .release_files import current_release, json_error, store_root

router = APIRouter()

RELEASE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,100}$")
PATCH = "application/rdf-patch"
PATCH_FORMATS = {"rdf-patch": PATCH, "rdfp": PATCH, "json": "application/json"}
FEED_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}
FEED_FORMATS = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
}
MAX_STEPS = 1000

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LDES = "https://w3id.org/ldes#"
TREE = "https://w3id.org/tree#"
AS = "https://www.w3.org/ns/activitystreams#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
FEED_PREFIXES = {
    "ldes": LDES,
    "tree": TREE,
    "as": AS,
    "dcterms": DCT,
    "prov": PROV,
    "rdfs": RDFS,
    "xsd": XSD,
}


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _summaries(root: Path) -> list[dict[str, Any]]:
    """Every change summary the build wrote, oldest first."""
    folder = root / "changes"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*/*.json"):
        data = _read_json(path)
        if data is None or not isinstance(data.get("to"), dict):
            continue
        ok = data["to"].get("id") == path.parent.name and data["from"].get("id") == path.stem
        if ok and RELEASE_RE.match(path.parent.name) and RELEASE_RE.match(path.stem):
            found.append(data)
    return sorted(found, key=lambda s: (s["to"].get("created") or "", s["to"]["id"]))


def _releases(root: Path) -> list[dict[str, Any]]:
    """Releases on the server, oldest first: id, created, whether current, dump link."""
    folder = root / "releases"
    current = current_release(root)
    out = []
    for meta_file in folder.glob("*.json") if folder.is_dir() else []:
        meta = _read_json(meta_file)
        rid = meta_file.stem
        if meta is None or not RELEASE_RE.match(rid) or not (folder / rid).is_dir():
            continue
        dump = root / "exports" / rid / "kennisgraaf.nq.gz"
        out.append(
            {
                "id": rid,
                "created": meta.get("created"),
                "triples": meta.get("triples"),
                "current": rid == current,
                "url": f"/changes/{rid}",
                "dump": f"/download/{rid}/kennisgraaf.nq.gz" if dump.is_file() else None,
            }
        )
    return sorted(out, key=lambda r: (r["created"] or "", r["id"]))


def _known(root: Path) -> dict[str, str | None]:
    """Release id -> time, for every release a patch can start or end at."""
    known: dict[str, str | None] = {}
    for s in _summaries(root):
        known.setdefault(s["from"]["id"], s["from"].get("created"))
        known.setdefault(s["to"]["id"], s["to"].get("created"))
    for r in _releases(root):
        known[r["id"]] = r["created"]
    return dict(sorted(known.items(), key=lambda kv: (kv[1] or "", kv[0])))


def _link(s: dict[str, Any]) -> dict[str, Any]:
    f, t = s["from"]["id"], s["to"]["id"]
    return {
        "from": f,
        "to": t,
        "created": s["to"].get("created"),
        "url": f"/changes/{f}/{t}",
        "added": s.get("added"),
        "removed": s.get("removed"),
        "entities": len(s.get("entities", [])),
    }


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _accepts(request: Request, offered: list[str]) -> str | None:
    """The offered media type the client prefers (q-values); the first offered for */*."""
    return best_media_type(request.headers.get("accept"), offered)


@router.get("/changes", response_model=None)
def listing(request: Request) -> Response:
    root = store_root(request)
    params = request.query_params
    if "from" in params or "to" in params:
        from_id = params.get("from")
        if not from_id:
            return json_error(400, "geef bij /changes?to=... ook from=<release> op")
        to_id = params.get("to") or current_release(root)
        if to_id is None:
            return json_error(404, f"er is geen huidige release in {root}")
        return patch(request, from_id, to_id)
    releases = _releases(root)
    changes = [_link(s) for s in reversed(_summaries(root))]
    if _wants_html(request):
        return templates.TemplateResponse(
            request, "changes.html", {"releases": list(reversed(releases)), "changes": changes}
        )
    return JSONResponse(
        {
            "current": current_release(root),
            "releases": releases,
            "changes": changes,
            "feed": "/changes/feed",
        }
    )


def _unknown(root: Path, rid: str) -> JSONResponse:
    known = list(_known(root))
    return json_error(
        404,
        f"onbekende release '{rid}'; bekende releases: {', '.join(known) or 'geen'} (zie /changes)",
        known=known,
    )


def _chain(root: Path, from_id: str, to_id: str) -> list[dict[str, Any]] | None:
    """The consecutive patches from ``from_id`` to ``to_id``, oldest first (None: no chain)."""
    by_to: dict[str, list[dict[str, Any]]] = {}
    for s in _summaries(root):
        by_to.setdefault(s["to"]["id"], []).append(s)
    steps: list[dict[str, Any]] = []
    cur = to_id
    while cur != from_id:
        options = by_to.get(cur)
        if not options or len(steps) >= MAX_STEPS:
            return None
        # a rebuild can leave more than one patch into a release: take the direct one if any
        step = next((s for s in options if s["from"]["id"] == from_id), options[-1])
        steps.append(step)
        cur = step["from"]["id"]
    return list(reversed(steps))


def _patch_body(root: Path, s: dict[str, Any]) -> bytes | None:
    folder = (root / "changes").resolve()
    path = folder / s["to"]["id"] / f"{s['from']['id']}.rdfp.gz"
    if path.is_symlink() or not path.is_file() or path.resolve().parent.parent != folder:
        return None
    try:
        return gzip.decompress(path.read_bytes())
    except (OSError, EOFError):
        return None


def _compose(bodies: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Net (removed, added) quads of patches applied in order (each an exact difference)."""
    removed: set[bytes] = set()
    added: set[bytes] = set()
    for body in bodies:
        for line in body.splitlines(keepends=True):
            op, quad = line[:2], line[2:]
            if op == b"D ":
                if quad in added:
                    added.discard(quad)
                else:
                    removed.add(quad)
            elif op == b"A ":
                if quad in removed:
                    removed.discard(quad)
                else:
                    added.add(quad)
    return sorted(removed), sorted(added)


def _header_iri(body: bytes, key: bytes) -> bytes | None:
    for line in body.splitlines():
        if line.startswith(b"H " + key + b" "):
            return line.split(b" ", 2)[2].rstrip(b" .")
        if not line.startswith(b"H "):
            break
    return None


@router.get("/changes/feed", response_model=None)
def feed(request: Request) -> Response:
    fmt = request.query_params.get("format")
    if fmt is not None and fmt not in FEED_FORMATS:
        return json_error(400, f"onbekend formaat '{fmt}'; kies een van: {', '.join(FEED_FORMATS)}")
    media = FEED_FORMATS[fmt] if fmt else _accepts(request, list(FEED_TYPES))
    if media is None:
        return json_error(
            406,
            "kan de feed niet leveren in dat formaat; vraag om een van: " + ", ".join(FEED_TYPES),
        )
    base = str(request.base_url)
    root = store_root(request)
    N, L = ox.NamedNode, ox.Literal  # noqa: N806 - reads like the Turtle it builds
    stream, view = N(f"{base}changes/feed#stream"), N(f"{base}changes/feed")
    triples = [
        ox.Triple(stream, N(RDF + "type"), N(LDES + "EventStream")),
        ox.Triple(stream, N(LDES + "timestampPath"), N(PROV + "generatedAtTime")),
        ox.Triple(stream, N(LDES + "versionOfPath"), N(DCT + "isVersionOf")),
        ox.Triple(stream, N(TREE + "view"), view),
        ox.Triple(view, N(RDF + "type"), N(TREE + "Node")),
        ox.Triple(
            view,
            N(RDFS + "comment"),
            L(
                "Elke build is een release; per release de entiteiten waarvan triples zijn "
                "toegevoegd of verwijderd. De triples zelf staan in de RDF Patch (rdfs:seeAlso).",
                language="nl",
            ),
        ),
    ]
    for s in _summaries(root):
        f, t, when = s["from"]["id"], s["to"]["id"], s["to"].get("created")
        patch_url = N(f"{base}changes/{f}/{t}")
        for e in s.get("entities", []):
            iri, change = e.get("iri"), e.get("change")
            if not isinstance(iri, str) or change not in ("Create", "Update", "Delete"):
                continue
            member = N(f"{base}changes/{t}#{hashlib.sha1(iri.encode()).hexdigest()[:16]}")
            entity = N(iri)
            triples += [
                ox.Triple(stream, N(TREE + "member"), member),
                ox.Triple(member, N(RDF + "type"), N(AS + change)),
                ox.Triple(member, N(DCT + "isVersionOf"), entity),
                ox.Triple(member, N(AS + "object"), entity),
                ox.Triple(member, N(RDFS + "seeAlso"), patch_url),
                ox.Triple(member, N(PROV + "wasGeneratedBy"), N(f"{base}changes/{t}")),
            ]
            if when:
                stamp = L(when, datatype=N(XSD + "dateTime"))
                triples += [
                    ox.Triple(member, N(PROV + "generatedAtTime"), stamp),
                    ox.Triple(member, N(AS + "published"), stamp),
                ]
    body = ox.serialize(triples, format=FEED_TYPES[media], prefixes=FEED_PREFIXES)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.get("/changes/{from_id}/{to_id}", response_model=None)
def patch(request: Request, from_id: str, to_id: str) -> Response:
    root = store_root(request)
    fmt = request.query_params.get("format")
    if fmt is not None and fmt not in PATCH_FORMATS:
        return json_error(
            400, f"onbekend formaat '{fmt}'; kies een van: {', '.join(PATCH_FORMATS)}"
        )
    media = (
        PATCH_FORMATS[fmt] if fmt else _accepts(request, [PATCH, "text/plain", "application/json"])
    )
    if media is None:
        return json_error(
            406,
            f"kan de wijzigingen niet leveren in dat formaat; vraag om {PATCH} "
            "(RDF Patch) of application/json (samenvatting)",
        )
    known = _known(root)
    for rid in (from_id, to_id):
        if not RELEASE_RE.match(rid) or rid not in known:
            return _unknown(root, rid)
    steps = _chain(root, from_id, to_id)
    if steps is None:
        links = [f"{s['from']['id']} -> {s['to']['id']}" for s in _summaries(root)]
        return json_error(
            404,
            f"geen wijzigingen van {from_id} naar {to_id} beschikbaar: de server bewaart alleen "
            f"de laatste releases, van oud naar nieuw; beschikbaar: {', '.join(links) or 'geen'}. "
            "Haal anders de volledige dump op via /download/",
            available=[_link(s) for s in _summaries(root)],
        )
    bodies = []
    for s in steps:
        body = _patch_body(root, s)
        if body is None:
            return json_error(
                404,
                f"het patchbestand van {s['from']['id']} naar {s['to']['id']} ontbreekt op de "
                "server; haal de volledige dump op via /download/",
            )
        bodies.append(body)
    removed, added = _compose(bodies)
    headers = {"Vary": "Accept", "Cache-Control": "public, max-age=86400, immutable"}
    if media == "application/json":
        return JSONResponse(
            {
                "from": from_id,
                "to": to_id,
                "added": len(added),
                "removed": len(removed),
                "steps": [
                    {**_link(s), "graphs": s.get("graphs"), "entity_changes": s.get("entities")}
                    for s in steps
                ],
            },
            headers=headers,
        )
    if not steps:  # from == to: nothing changed
        iri = f"<urn:x-kennisgraaf:{to_id}>".encode()
        out = b"H id " + iri + b" .\nH prev " + iri + b" .\nTX .\nTC .\n"
    elif len(steps) == 1:
        out = bodies[0]
    else:
        to_iri = _header_iri(bodies[-1], b"id") or b"<urn:x-kennisgraaf:" + to_id.encode() + b">"
        prev = _header_iri(bodies[0], b"prev") or b"<urn:x-kennisgraaf:" + from_id.encode() + b">"
        out = b"".join(
            [b"H id " + to_iri + b" .\n", b"H prev " + prev + b" .\n", b"TX .\n"]
            + [b"D " + q for q in removed]
            + [b"A " + q for q in added]
            + [b"TC .\n"]
        )
    media_out = PATCH if media == PATCH else "text/plain; charset=utf-8"
    return Response(out, media_type=media_out, headers=headers)


@router.get("/changes/{release_id}", response_model=None)
def release_info(request: Request, release_id: str) -> Response:
    root = store_root(request)
    known = _known(root)
    if not RELEASE_RE.match(release_id) or release_id not in known:
        return _unknown(root, release_id)
    info = next((r for r in _releases(root) if r["id"] == release_id), None)
    summaries = _summaries(root)
    return JSONResponse(
        {
            "id": release_id,
            "created": known[release_id],
            "on_server": info is not None,
            "current": bool(info and info["current"]),
            "dump": info["dump"] if info else None,
            "changes_from": [_link(s) for s in summaries if s["from"]["id"] == release_id],
            "changes_to": [_link(s) for s in summaries if s["to"]["id"] == release_id],
        }
    )
