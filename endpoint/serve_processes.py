"""Several server processes on one port, each with a listening socket of its own.

uvicorn's own ``workers=N`` binds one socket and lets every process accept from it; whichever
process wakes first takes the connections waiting, so a client that opens its connections at
once (a load driver, a notebook with a pool, a crawler) often ends up with all of them on one
process while the others idle: in the benchmark all 8 connections of ``wrk`` went to one of two
processes in about one run of five for queries and in each of three runs for pages, which
halves what two cores give. Here every process binds the same address with ``SO_REUSEPORT``
instead, and the kernel spreads new connections over their sockets (by a hash of the client's
address and port).

The parent only supervises: it starts the processes (``python -m endpoint.serve_processes``, with
the settings as JSON in ``KENNISGRAAF_SERVE_SETTINGS_JSON``, as uvicorn's workers get them),
starts a process again when one dies, gives up when processes keep dying at start (the message
of the last one is on stderr), and on SIGTERM or SIGINT stops them all (each shuts down its app,
and with it its query workers) and waits for them. A process whose parent is gone (killed with
SIGKILL, which leaves no time to stop anything) stops itself the same way, so no server is left
holding the port. Where ``SO_REUSEPORT`` does not exist, ``endpoint.serve`` uses uvicorn's workers
as before.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from types import FrameType
from typing import Any

from .child_env import child_env

OPTIONS_ENV = "KENNISGRAAF_SERVE_OPTIONS_JSON"  # uvicorn options, from the parent to a process
PARENT_ENV = "KENNISGRAAF_SERVE_PARENT"  # the parent's pid: a process ends when it is gone
PARENT_POLL_S = 0.5
APP = "endpoint.serve:app_from_environment"  # what each process serves (a factory)
STOP_WAIT_S = 10  # after SIGTERM, how long a process may take to finish its requests
QUICK_DEATH_S = 5  # a process that dies sooner than this after its start died starting up
QUICK_DEATHS = 3  # ... this many times in a row: the server cannot run; stop


def available() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _listening_socket(host: str, port: int, listen: bool = True) -> socket.socket:
    """A TCP socket on ``host``:``port`` that other processes may bind too. IPv6 when the host
    has a ``:``, else IPv4, as uvicorn binds with one process (``localhost`` is 127.0.0.1 then,
    whichever address the resolver lists first)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    return sock


def run(processes: int, options: dict[str, Any], env: dict[str, str]) -> int:
    """Serves with ``processes`` processes until SIGTERM or SIGINT; the exit status.

    ``options`` are uvicorn's (``host`` and ``port`` among them; by default each process serves
    :data:`APP`, else ``options["app"]``), ``env`` is added to each process's environment."""
    host, port = options["host"], options["port"]
    try:  # the address is free (or ours to share): checked before any process starts
        _listening_socket(host, port, listen=False).close()
    except OSError as e:
        print(
            f"fout: kan niet luisteren op {host}:{port}: {e.strerror or e}; kies een andere "
            "poort (--port) of stop wat daar al draait",
            file=sys.stderr,
        )
        return 1
    env = child_env({**env, OPTIONS_ENV: json.dumps(options), PARENT_ENV: str(os.getpid())})
    command = [sys.executable, "-m", __name__]
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    children: list[tuple[subprocess.Popen[bytes], float]] = []
    status = 0
    try:
        children = [
            (subprocess.Popen(command, env=env), time.monotonic()) for _ in range(processes)
        ]
        quick_deaths = 0
        while not stopping.wait(0.2):
            for i, (child, started) in enumerate(children):
                if child.poll() is None or stopping.is_set():
                    continue
                quick_deaths = quick_deaths + 1 if time.monotonic() - started < QUICK_DEATH_S else 0
                if quick_deaths >= QUICK_DEATHS:
                    print(
                        f"fout: serverprocessen stoppen direct na hun start ({QUICK_DEATHS}× "
                        f"achter elkaar, laatste exitcode {child.returncode}); zie de melding "
                        "hierboven",
                        file=sys.stderr,
                    )
                    status = 1
                    stopping.set()
                    break
                children[i] = (subprocess.Popen(command, env=env), time.monotonic())
    finally:
        for child, _ in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_S
        for child, _ in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status


def _stop_when_orphaned(parent: int) -> None:
    """Stops this server process as SIGTERM does (it finishes its requests, stops its query
    workers) once the parent is gone: a parent killed with SIGKILL, which cannot stop its
    processes, must not leave them serving on the port."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGTERM)


def _serve_one() -> None:
    """One server process: its own socket on the shared address, then uvicorn."""
    import uvicorn

    parent = int(os.environ[PARENT_ENV])
    if os.getppid() != parent:  # the parent died before this process got going
        return
    threading.Thread(target=_stop_when_orphaned, args=(parent,), daemon=True).start()
    options = json.loads(os.environ[OPTIONS_ENV])
    app = options.pop("app", None)
    sock = _listening_socket(options["host"], options["port"])
    config = uvicorn.Config(app or APP, factory=app is None, **options)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    _serve_one()
