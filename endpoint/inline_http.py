"""uvicorn's HTTP protocol, with a way for the app to answer a request without ASGI.

For a lookup (``endpoint/quick_lookup.py``) the ASGI machinery around a request costs more CPU than
the query: per request uvicorn makes a task, an event, the scope and the messages, and the answer
waits for the task's turn on the event loop. ``InlineHttpProtocol`` is uvicorn's own
``HttpToolsProtocol`` (same parsing, keep-alive, pipelining, flow control, limits and shutdown)
with one change: a request that the app's ``inline`` answerer may take (a ``GET`` or a small
``POST`` with its length known, see ``takes``) does not start its ASGI task when its headers arrive
but when its body is complete, and the answerer is asked first. It answers with the whole response
(status, headers, body) or ``None``; on ``None`` (and should it raise, which is logged as a defect)
the ASGI task starts as usual, with the body already read, so every request the answerer does not
take is served exactly as by uvicorn.

The app names its answerer as the attribute ``inline`` (``endpoint/app.py``:
``SparqlFastPath.inline``, counted in ``/metrics``) and the paths it answers as ``inline_paths``
(requests for other paths start their ASGI task at once, as with uvicorn's protocol). It is not asked while the client is not
reading what it was sent (the transport has paused writing): the app's answer then waits until it
does, as uvicorn makes it wait, instead of answers to pipelined requests piling up unread in
memory. It runs in the event loop between reads, so it must be quick and bounded: the fast path
answers only lookups whose size is known before they run, and declines everything else, errors
included (the app gives every error its message).

``kennisgraaf serve`` uses this protocol (``HTTP`` below, as uvicorn's ``http`` option). It relies
on uvicorn's internals, which is why ``pyproject.toml`` pins uvicorn to one version; the tests run
it in a real server (``tests/test_inline_http.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

log = logging.getLogger("kennisgraaf.inline")
HTTP = f"{__name__}:InlineHttpProtocol"  # uvicorn's `http` option
BODY_MAX = 16 * 1024  # larger bodies go to the app as they arrive (uvicorn pauses at 64 KiB)

Headers = list[tuple[bytes, bytes]]
Whole = tuple[int, Headers, bytes]  # a whole response: status, headers, body
# (method, path, raw query string, headers, body) -> the whole response, or None
InlineAnswer = Callable[[str, str, bytes, Iterable[tuple[bytes, bytes]], bytes], Whole | None]


def answerer(app: Any) -> tuple[InlineAnswer, frozenset[str] | None] | None:
    """The ``inline`` answerer of ``app`` or of an app it wraps (uvicorn's proxy-headers
    middleware wraps ours) and the paths it answers (its ``inline_paths``; ``None``: any),
    ``None`` when there is none."""
    for _ in range(8):
        found = getattr(app, "inline", None)
        if found is not None:
            return found, getattr(app, "inline_paths", None)
        app = getattr(app, "app", None)
        if app is None:
            break
    return None


class InlineHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = answerer(self.app)
        self._inline: InlineAnswer | None = found[0] if found else None
        self._paths: frozenset[str] | None = found[1] if found else None
        self._waiting: tuple[RequestResponseCycle, Any] | None = None

    def takes(self, cycle: RequestResponseCycle) -> bool:
        """Whether the request of ``cycle`` (headers read, body not yet) may be answered
        inline: a ``GET`` or ``POST`` whose whole body is small enough to wait for before
        anything is answered (a longer one would pause reading until the app reads it)."""
        scope = cycle.scope
        if self._paths is not None and scope["path"] not in self._paths:
            return False  # another path: nothing to ask, nothing to wait for
        if scope["method"] not in ("GET", "POST") or self.expect_100_continue:
            return False  # a client waiting for "100 Continue" sends no body before it
        length = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                return False
        if length is None:
            return scope["method"] == "GET"
        return length.isdigit() and int(length) <= BODY_MAX

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if (
            self._inline is not None
            and app is self.app  # not uvicorn's 503 for too many connections
            and cycle is self.cycle
            and cycle.more_body  # the body is still to come (not a queued pipelined request)
            and not self.root_path
            and self.takes(cycle)
        ):
            self._waiting = (cycle, app)  # started, or answered, when the body is complete
            return
        super()._start_asgi_task(cycle, app)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        cycle, app = waiting
        if cycle is not self.cycle or cycle.disconnected:
            return
        assert self._inline is not None
        scope = cycle.scope
        answer = None
        if not self.flow.write_paused:  # else the app answers, when the client reads again
            try:
                answer = self._inline(
                    scope["method"],
                    scope["path"],
                    scope["query_string"],
                    scope["headers"],
                    bytes(cycle.body),
                )
            except Exception:  # a defect: raised here it would end the connection with a 400
                log.exception("the inline answer to %s %s failed", scope["method"], scope["path"])
        if answer is None:
            super()._start_asgi_task(cycle, app)
        else:
            self._send(cycle, *answer)

    def _send(
        self,
        cycle: RequestResponseCycle,
        status: int,
        headers: Headers,
        body: bytes,
    ) -> None:
        """Writes a whole response as ``RequestResponseCycle.send`` would, then goes on to the
        next request on the connection as at the end of an ASGI response."""
        content = [STATUS_LINE[status]]
        for name, value in (*self.server_state.default_headers, *headers):
            content += (name, b": ", value, b"\r\n")
        if not cycle.keep_alive:
            content.append(b"connection: close\r\n")
        content += (b"\r\n", body)
        self.transport.write(b"".join(content))
        cycle.response_started = cycle.response_complete = True
        cycle.body = bytearray()
        if not cycle.keep_alive:
            self.transport.close()
        self.on_response_complete()
