"""Ask the app for a page without a network: one ASGI ``GET`` in this process.

The static site export renders every page through the real routes with this; it needs no HTTP
client library at run time and no open port.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from fastapi import FastAPI

HOST = "kennisgraaf.invalid"
URL_SAFE = "/%:@!$&'()*+,;=-._~"


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


async def get(app: FastAPI, target: str, headers: Mapping[str, str] | None = None) -> Answer:
    """``GET target`` (a path with an optional query string) on ``app``; no redirects followed."""
    raw_path, _, query = target.partition("?")
    # a link may hold characters that a request line cannot (``ö``, spaces): percent-encode them
    raw_path = quote(raw_path, safe=URL_SAFE)
    query = quote(query, safe=URL_SAFE)
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": (HOST, 80),
        "client": ("127.0.0.1", 0),
        "root_path": "",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "headers": [(b"host", HOST.encode())]
        + [
            (k.lower().encode(), v.encode("latin-1", "replace")) for k, v in (headers or {}).items()
        ],
    }
    answer = Answer(0)
    chunks: list[bytes] = []
    sent = False
    done = asyncio.Event()  # the client "disconnects" only once the whole answer is in

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await done.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {
                k.decode("latin-1").lower(): v.decode("latin-1")
                for k, v in message.get("headers", [])
            }
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    answer.body = b"".join(chunks)
    return answer
