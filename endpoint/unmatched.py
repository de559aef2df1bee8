"""What a request gets that no route answers: a path nothing serves, a method a path does not
take, a file missing under ``/static/``.

Starlette raises ``HTTPException`` for those, which FastAPI answers with ``{"detail": "Not
Found"}``: JSON for a browser, and nothing that says what to do. Here a browser gets the same
404 page as an unknown IRI (``not_found.html``: the search form, filled in with the words of the
path, and the way home), in the reader's language; any other client the plain-text (or JSON)
problem of ``endpoint/problems.py``, with the ``Allow`` header of a 405 kept.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException

from .dereference import words
from .negotiation import best_media_type
from .page_common import address_page, reader_lang
from .problems import HttpProblem, render
from .store import ReleaseStore

# what a client that is indifferent gets first: plain text (curl's */*)
ANSWERS = ("text/plain", "application/json", "text/html")
MAX_SHOWN = 200  # characters of the path repeated in a message


def shown(path: str) -> str:
    return path if len(path) <= MAX_SHOWN else path[: MAX_SHOWN - 1] + "…"


def problem_of(request: Request, exc: HTTPException) -> HttpProblem:
    path = shown(request.url.path)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        return HttpProblem(
            404,
            f"there is nothing at {path}",
            hint="check the address; the pages start at /, search is /search?q=words, the "
            "things of the graph are under /id/ (documents under /doc/), SPARQL is /sparql",
            headers=headers,
        )
    if exc.status_code == 405:
        allowed = headers.get("Allow") or headers.get("allow")
        return HttpProblem(
            405,
            f"{path} does not take {request.method} requests",
            hint=f"send {allowed} instead" if allowed else None,
            headers=headers,
        )
    return HttpProblem(exc.status_code, str(exc.detail), headers=headers)


def install(app: FastAPI, reader: ReleaseStore) -> None:
    """Registers the handler for Starlette's ``HTTPException`` (FastAPI's is a subclass)."""

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        p = problem_of(request, exc)
        wanted = best_media_type(request.headers.get("accept"), ANSWERS)
        if p.status != 404 or wanted != "text/html":
            return render(request, p)
        heading = "Not found" if reader_lang(request) == "en" else "Niet gevonden"
        message = f"There is no page at {shown(request.url.path)}."
        return address_page(request, reader.meta, 404, heading, message, words(request.url.path))

    app.add_exception_handler(HTTPException, on_http_exception)
