"""``/download/``, ``/download/<release>/<file>``, ``/catalog`` and ``/.well-known/void``.

Serves what ``kennisgraaf export`` (or ``build``) wrote to ``<store>/exports/<release>/``; the
release is the one ``<store>/current`` points to. Only files named in that export's
``manifest.json`` are served, so a path can never leave the folder. Dumps are served as they
are stored, ``.gz`` files as ``application/gzip`` (no ``Content-Encoding``): the bytes a client
receives are the bytes whose SHA-256 and size the catalogue states. The RDF format is named in
the manifest, the catalogue (``dcat:mediaType`` + ``dcat:compressFormat``) and the file name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from .catalog_view import catalog_view, void_view
from .negotiation import best_media_type
from .page_common import reader_lang, templates
from .release_files import current_release, json_error, store_root

router = APIRouter()

RELEASE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,100}$")
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}


def _manifest(root: Path, release: str) -> dict[str, Any] | None:
    if not RELEASE_RE.match(release):
        return None
    path = root / "exports" / release / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not any(t in accept for t in RDF_TYPES)


def _pick_rdf(request: Request) -> str | None:
    """The RDF media type the client asks for (Accept with q-values); Turtle by default."""
    return best_media_type(request.headers.get("accept"), list(RDF_TYPES))


@router.get("/download/", response_model=None)
def listing(request: Request) -> Response:
    root = store_root(request)
    release = current_release(root)
    manifest = _manifest(root, release) if release else None
    if release is None or manifest is None:
        return json_error(
            404,
            f"er zijn geen downloads voor de huidige release in {root}; "
            "maak ze met 'kennisgraaf export' (of 'kennisgraaf build')",
        )
    files = [{**f, "url": f"/download/{release}/{f['path']}"} for f in manifest.get("files", [])]
    if _wants_html(request):
        return templates.TemplateResponse(
            request,
            "downloads.html",
            {"release": {"id": release}, "files": files, "manifest": manifest},
        )
    return JSONResponse({"release": release, "created": manifest.get("created"), "files": files})


@router.get("/download/{release}/{name}", response_model=None)
def download(request: Request, release: str, name: str) -> Response:
    root = store_root(request)
    manifest = _manifest(root, release)
    if manifest is None:
        current = current_release(root)
        hint = f"; de huidige release is {current} (zie /download/)" if current else ""
        return json_error(404, f"onbekende release '{release}'{hint}")
    entry = next((f for f in manifest.get("files", []) if f.get("path") == name), None)
    if entry is None:
        return json_error(
            404, f"release {release} heeft geen bestand '{name}'; zie /download/ voor de lijst"
        )
    folder = (root / "exports" / release).resolve()
    path = folder / name
    if path.is_symlink() or not path.is_file() or path.resolve().parent != folder:
        return json_error(404, f"bestand '{name}' van release {release} ontbreekt op de server")
    etag = f'"{entry["sha256"]}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    media = "application/gzip" if entry.get("compression") == "gzip" else entry["media_type"]
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return FileResponse(
        path,
        media_type=media,
        filename=name,
        headers={"ETag": etag, "Cache-Control": "public, max-age=86400, immutable"},
    )


FORMAT_NAMES = {
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "nt": "application/n-triples",
}


def _rdf_document(request: Request, name: str, title: str) -> Response:
    root = store_root(request)
    release = current_release(root)
    manifest = _manifest(root, release) if release else None
    path = root / "exports" / str(release) / name
    if release is None or manifest is None or not path.is_file():
        return json_error(
            404,
            f"er is nog geen {title} voor de huidige release in {root}; "
            "maak die met 'kennisgraaf export' (of 'kennisgraaf build')",
        )
    sha = next((f["sha256"] for f in manifest.get("files", []) if f.get("path") == name), "")
    asked = request.query_params.get("format")
    if asked is not None and asked.lower() not in FORMAT_NAMES:
        return json_error(
            400,
            f"onbekend formaat '{asked}' voor {title}; kies format="
            + ", format=".join(sorted(FORMAT_NAMES)),
        )
    if asked is None and _wants_html(request):
        return _html_view(request, path, name, release)
    media = FORMAT_NAMES[asked.lower()] if asked else _pick_rdf(request)
    if media is None:
        return json_error(
            406,
            f"kan {title} niet leveren in dat formaat; vraag om een van: " + ", ".join(RDF_TYPES),
        )
    etag = f'"{sha[:32]}-{RDF_TYPES[media].file_extension}"'
    headers = {"ETag": etag, "Vary": "Accept"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    body: bytes | None = path.read_bytes()
    if media != "text/turtle":
        body = ox.serialize(
            ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), format=RDF_TYPES[media]
        )
    return Response(body, media_type=media, headers=headers)


def _html_view(request: Request, path: Path, name: str, release: str) -> Response:
    """The catalogue or the VoID description as a page for people (in their language)."""
    base = request.app.state.settings.base_iri
    lang = reader_lang(request)
    context: dict[str, Any] = {"release": {"id": release}, "lang": lang}
    if name == "catalog.ttl":
        context["cat"] = catalog_view(path, base, lang)
        return templates.TemplateResponse(request, "catalog.html", context)
    context["void"] = void_view(path, base)
    return templates.TemplateResponse(request, "void.html", context)


@router.get("/catalog", response_model=None)
def catalog(request: Request) -> Response:
    return _rdf_document(request, "catalog.ttl", "DCAT-AP-catalogus")


@router.get("/.well-known/void", response_model=None)
def void(request: Request) -> Response:
    return _rdf_document(request, "void.ttl", "VoID-beschrijving")
