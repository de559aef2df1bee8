"""The thinnest Python SPARQL server over pyoxigraph: the ceiling for any server written like ours.

    KENNISGRAAF_CEILING_STORE=DIR python -m bench.python_ceiling HOST PORT PROCESSES

``bench/endpoint_bench.py`` runs it as a third server next to ``kennisgraaf serve`` and Oxigraph's
own server, on the same release and queries. It does only what every Python server over pyoxigraph
must do for a query: uvicorn (httptools, uvloop) parses the request, the form body is decoded,
pyoxigraph evaluates the query *in the event loop* and serialises it as SPARQL JSON, and the bytes
are sent, without ASGI: uvicorn's protocol hands the whole request to ``CeilingApp.inline``, as it
does Kennisgraaf's lookups (``endpoint/inline_http.py``). Nothing else: no content negotiation, no
timeout (a slow query stops the process), no limits, no gzip, no CORS, no error pages beyond a
bare 400. One process per core, each with its own read-only store and, as ``kennisgraaf serve
--processes``, its own listening socket on the shared port (``endpoint/serve_processes.py``), so
both spread connections the same way.

It is not a server to run. Its figures say how far the request handling of a Python server that
has pyoxigraph evaluate every query can go on the machine the benchmark runs on: when it stays
below a target, no change to the request handling of such a server can reach that target. (Since
2026-12-07 Kennisgraaf makes most lookups from the answers the build wrote, without the engine:
``endpoint/lookup_answers.py``, so on the lookup mix it can pass this ceiling.)
"""

from __future__ import annotations

import os
import sys
import urllib.parse
from typing import Any

import pyoxigraph as ox

from endpoint import inline_http, serve_processes
from endpoint.inline_http import Whole

_STORES: list[ox.Store] = []  # opened at start-up, in each server process
_JSON = ox.QueryResultsFormat.JSON
_HEADERS = [(b"content-type", b"application/sparql-results+json")]


def answer(body: bytes) -> Whole:
    """Status, headers and body of the answer to a form-encoded query."""
    status = 200
    try:
        query = urllib.parse.parse_qs(body.decode())["query"][0]
        result = _STORES[0].query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            raise ValueError("only SELECT and ASK")
        data = result.serialize(format=_JSON) or b""
    except (KeyError, UnicodeDecodeError, SyntaxError, OSError, ValueError) as e:
        status, data = 400, str(e).encode()
    return status, [*_HEADERS, (b"content-length", str(len(data)).encode())], data


class CeilingApp:
    """The ASGI app, and the same answer without ASGI (``inline``, as Kennisgraaf's lookups
    are answered: ``endpoint/inline_http.py``) for every request whose body is small."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan: open the store
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    _STORES[:] = [ox.Store.read_only(os.environ["KENNISGRAAF_CEILING_STORE"])]
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
            return
        parts = []
        while True:
            message = await receive()
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        status, headers, body = answer(b"".join(parts))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def inline(self, method: str, path: str, raw_query: bytes, headers: Any, body: bytes) -> Whole:
        return answer(body)


app = CeilingApp()


if __name__ == "__main__":
    host, port, processes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    options = {
        "app": "bench.python_ceiling:app",
        "host": host,
        "port": port,
        "loop": "uvloop",
        "http": inline_http.HTTP,
        "access_log": False,
        "log_level": "warning",
    }
    raise SystemExit(serve_processes.run(processes, options, {}))
