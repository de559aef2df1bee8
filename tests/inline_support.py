"""A real uvicorn with Kennisgraaf's inline protocol (``endpoint/inline_http.py``) and the real
app, in a thread of the test process, recording which way each request went; for
``tests/test_inline_http.py`` and ``tests/test_release_opening.py``."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from endpoint import inline_http
from endpoint.app import create_app
from endpoint.settings import ServeSettings
from tests.live_server import free_port

ENTITY = "https://kennisgraaf.nl/id/hub/pilothub-xr"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{ENTITY}> ?p ?o }}"


class Server:
    """The real app under a real uvicorn with the inline protocol, in a thread; records which
    requests the app's inline answerer answered and which reached the app over ASGI."""

    def __init__(self, store: Path) -> None:
        # workers on disk, as the lookups answered in the server: a worker's copy in memory
        # gives rows in an order of its own (tests/test_worker_memory.py), and here answers
        # by either way are compared byte for byte
        self.app: FastAPI = create_app(ServeSettings(store=store, memory_quads=0))
        self.inline_answered: list[str] = []  # "METHOD path" of each
        self.inline_asked: list[str] = []
        self.asgi_paths: list[str] = []
        answer = self.app.inline  # type: ignore[attr-defined]
        front = self.app.front  # type: ignore[attr-defined]

        def inline(method: str, path: str, *rest: Any) -> Any:
            self.inline_asked.append(f"{method} {path}")
            made = answer(method, path, *rest)
            if made is not None:
                self.inline_answered.append(f"{method} {path}")
            return made

        async def asgi(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.asgi_paths.append(f"{scope['method']} {scope['path']}")
            await front(scope, receive, send)

        self.app.inline = inline  # type: ignore[attr-defined]
        self.app.front = asgi  # type: ignore[attr-defined]
        self.port = free_port()
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            http=inline_http.HTTP,
            log_level="warning",
            timeout_graceful_shutdown=5,
            timeout_keep_alive=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped while starting"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        # the release is opened by the first request (in a thread; lookups decline till then)
        assert httpx.get(self.url + "/health").status_code == 200

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)

    def clear(self) -> None:
        self.inline_asked.clear()
        self.inline_answered.clear()
        self.asgi_paths.clear()
