"""``kennisgraaf serve`` in a real uvicorn process: home page, health, and a live release switch."""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from ingest import pipeline
from ingest.settings import BuildSettings
from tests.conftest import run_cli
from tests.live_server import free_port, live_server
from tests.pool_support import alive
from tests.sparql_support import WITH_TOKEN, WITHOUT_TOKEN

JSON_ACCEPT = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def server(mini_data: Path, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
    with live_server(store) as url:
        yield url, store, mini_data


def test_home_page_shows_what_the_graph_holds(server: tuple[str, Path, Path]) -> None:
    url, _store, _data = server
    r = httpx.get(url + "/")
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]
    text = " ".join(BeautifulSoup(r.text, "html.parser").get_text().split())
    assert "Wat de graaf bevat" in text
    # the source title links to its page, so compare the text a reader sees, not the markup
    assert "Update van de pilothubs (2023-05-11)" in text
    assert "pilothub" in text.lower()


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_every_link_on_the_home_page_answers(server: tuple[str, Path, Path]) -> None:
    """The home page links the editor, the service description, downloads, catalogue, VoID and
    changes; each of them answers on the real server."""
    url, _store, _data = server
    page = httpx.get(url + "/").text
    links = set(re.findall(r'href="(/[^"]*)"', page))
    assert {"/sparql", "/download/", "/catalog", "/.well-known/void", "/changes"} <= links
    for link in sorted(links):
        # entity IRIs (/def, /id/...) answer 303 to their page, as DESIGN.md says: follow it
        r = httpx.get(
            url + html.unescape(link), headers={"Accept": BROWSER_ACCEPT}, follow_redirects=True
        )
        assert r.status_code == 200, (link, r.status_code, r.text[:200])


def test_health_names_the_release(server: tuple[str, Path, Path]) -> None:
    url, store, _data = server
    body = httpx.get(url + "/health").json()
    assert body["ok"] is True
    assert body["release"] == (store / "current").resolve().name
    assert body["triples"] > 100


def test_a_new_build_is_served_without_restart(server: tuple[str, Path, Path]) -> None:
    url, store, data = server
    before = httpx.get(url + "/health").json()["release"]
    programmas = data / "programmas.yaml"
    programmas.write_text(programmas.read_text().replace("naam: Npuls", "naam: Npuls (nieuw)"))
    assert run_cli("build", "-q", "--data", data, "--store", store).returncode == 0
    after = httpx.get(url + "/health").json()["release"]
    assert after != before


def test_a_failed_build_keeps_serving_the_old_release(server: tuple[str, Path, Path]) -> None:
    url, store, data = server
    before = httpx.get(url + "/health").json()["release"]
    (data / "hubs.yaml").write_text(
        (data / "hubs.yaml").read_text().replace("soort: pilothub", "soort: [")
    )
    assert run_cli("build", "-q", "--data", data, "--store", store).returncode == 1
    r = httpx.get(url + "/")
    assert r.status_code == 200
    assert httpx.get(url + "/health").json()["release"] == before


def test_serve_without_a_build_says_what_to_do(tmp_path: Path) -> None:
    r = run_cli("serve", "--store", tmp_path / "leeg", "--port", str(free_port()))
    assert r.returncode == 2
    assert "kennisgraaf build" in r.stderr


def _children(pid: int) -> list[int]:
    """The child processes of ``pid``, started from any of its threads."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out


ESTABLISHED, LISTEN = "01", "0A"  # TCP states in /proc/net/tcp


def _sockets(port: int, state: str) -> set[str]:
    """The inodes of the TCP sockets on local ``port`` in ``state`` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == state and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    return inodes


def _held(pid: int, inodes: set[str]) -> int:
    """How many of the sockets ``inodes`` process ``pid`` has open."""
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held += 1
    return held


def _open_connections(port: int, n: int) -> list[socket.socket]:
    """``n`` keep-alive connections opened at once, as a load driver or a client's pool does
    (all waiting to be accepted together), then one request answered on each."""
    conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(n)]
    for c in conns:
        c.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    for c in conns:
        assert c.recv(65536).startswith(b"HTTP/1.1 200")
    return conns


def test_several_server_processes_share_the_port_when_writes_are_off(
    mini_data: Path, tmp_path: Path
) -> None:
    proc, port, url, servers = _two_server_processes(mini_data, tmp_path)
    try:
        with httpx.Client(base_url=url) as c:
            for _ in range(10):  # new connections, taken by either process
                ask = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON_ACCEPT)
                assert ask.status_code == 200 and ask.json()["boolean"] is True
                assert c.get("/", headers={"Connection": "close"}).status_code == 200
        assert len(servers) == 2
        # each process listens on a socket of its own (SO_REUSEPORT): the kernel spreads the
        # connections, where one shared socket often gave all of them to one process
        listening = _sockets(port, LISTEN)
        assert len(listening) == 2 and [_held(p, listening) for p in servers] == [1, 1]
        conns = _open_connections(port, 16)
        try:
            held = [_held(p, _sockets(port, ESTABLISHED)) for p in servers]
        finally:
            for conn in conns:
                conn.close()
        assert sum(held) == 16 and min(held) > 0, held
        # a server process that dies is started again
        os.kill(servers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            now = [p for p in _children(proc.pid) if _children(p)]
            if len(now) == 2 and servers[0] not in now:
                break
            assert time.monotonic() < deadline, now
            time.sleep(0.2)
        with httpx.Client(base_url=url) as c:
            for _ in range(4):
                r = c.get("/health", headers={"Connection": "close"})
                assert r.status_code == 200
        everyone = _descendants(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    _all_gone(everyone)


def test_server_processes_stop_when_their_parent_is_killed(mini_data: Path, tmp_path: Path) -> None:
    """SIGKILL leaves the parent no time to stop its processes: they notice and stop
    themselves (with their query workers), and nothing is left listening on the port."""
    proc, port, _url, _servers = _two_server_processes(mini_data, tmp_path)
    try:
        everyone = _descendants(proc.pid)
        assert len(everyone) >= 4  # two server processes, each with a query worker
    finally:
        proc.kill()
        proc.wait(timeout=30)
    _all_gone(everyone)
    assert not _sockets(port, LISTEN), "nothing listens on the port any more"


def test_without_so_reuseport_uvicorns_workers_serve_and_stop(
    mini_data: Path, tmp_path: Path
) -> None:
    """Where the system has no SO_REUSEPORT, ``--processes`` falls back to uvicorn's workers
    (one shared socket); here the check for it is made to say no."""
    code = (
        "import sys; from endpoint import serve_processes; "
        "serve_processes.available = lambda: False; "
        "from kennisgraaf.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    launcher = [sys.executable, "-c", code]
    proc, port, url, servers = _two_server_processes(mini_data, tmp_path, launcher)
    try:
        listening = _sockets(port, LISTEN)
        assert len(listening) == 1, "one socket, shared by uvicorn's workers"
        assert all(_held(p, listening) == 1 for p in servers)
        for _ in range(6):
            ask = httpx.get(
                url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON_ACCEPT
            )
            assert ask.status_code == 200 and ask.json()["boolean"] is True
        time.sleep(1.5)  # each process has written its figures for /metrics
        metrics = httpx.get(url + "/metrics").text
        assert "\nkennisgraaf_server_processes 2\n" in metrics
        everyone = _descendants(proc.pid)
        assert len(everyone) >= 4  # two server processes, each with a query worker
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    _all_gone(everyone)


def _two_server_processes(
    mini_data: Path, tmp_path: Path, launcher: list[str] | None = None
) -> tuple[subprocess.Popen[bytes], int, str, list[int]]:
    """``kennisgraaf serve --processes 2`` (writes off, one query worker each) on the small data
    set, once it answers and both server processes run with their worker: the parent, the port,
    the URL and the server processes. ``launcher`` replaces ``python -m kennisgraaf``."""
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
    port = free_port()
    env = {**os.environ, **WITHOUT_TOKEN, "KENNISGRAAF_QUERY_WORKERS": "1"}
    command = [*(launcher or [sys.executable, "-m", "kennisgraaf"]), "serve"]
    args = ["--store", str(store), "--port", str(port), "--processes", "2"]
    proc = subprocess.Popen([*command, *args], env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(proc, url)
        deadline = time.monotonic() + 10
        while len(servers := [p for p in _children(proc.pid) if _children(p)]) < 2:
            assert time.monotonic() < deadline, _descendants(proc.pid)
            time.sleep(0.1)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc, port, url, servers


def _wait_until_up(proc: subprocess.Popen[bytes], url: str) -> None:
    """Until ``url`` answers ``/health`` (``proc``, the server, must not end meanwhile)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
        time.sleep(0.1)


def _all_gone(pids: list[int]) -> None:
    """Every process of ``pids`` ends within 10 s."""
    deadline = time.monotonic() + 10
    while running := [p for p in pids if alive(p)]:
        assert time.monotonic() < deadline, f"left running: {running}"
        time.sleep(0.1)


def _serve_and_exit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``kennisgraaf serve ARGS`` run to its end (for the cases where it refuses to start)."""
    return subprocess.run(
        [sys.executable, "-m", "kennisgraaf", "serve", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_several_server_processes_are_refused_when_writes_are_on(tmp_path: Path) -> None:
    done = _serve_and_exit(WITH_TOKEN, "--store", str(tmp_path), "--processes", "2")
    assert done.returncode == 2
    assert "KENNISGRAAF_SERVER_PROCESSES" in done.stderr
    assert "KENNISGRAAF_UPDATE_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


def test_several_server_processes_on_a_port_in_use_say_so_and_stop(
    mini_data: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    pipeline.build(BuildSettings(data=mini_data, store=store))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve_and_exit(
            WITHOUT_TOKEN, "--store", str(store), "--port", str(port), "--processes", "2"
        )
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr


def test_server_processes_that_keep_dying_at_start_are_given_up(
    capfd: pytest.CaptureFixture[str],
) -> None:
    from endpoint import serve_processes

    options = {"app": "no_such_module:app", "host": "127.0.0.1", "port": free_port()}
    t0 = time.monotonic()
    assert serve_processes.run(2, options, {}) == 1
    assert time.monotonic() - t0 < 60
    err = capfd.readouterr().err
    assert "serverprocessen stoppen direct na hun start" in err
    assert "no_such_module" in err  # the processes' own message is there to read


@pytest.mark.parametrize(
    ("host", "family"),
    [("localhost", socket.AF_INET), ("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)],
)
def test_server_processes_bind_the_address_family_uvicorn_binds(host: str, family: int) -> None:
    from endpoint.serve_processes import _listening_socket

    try:
        sock = _listening_socket(host, 0)
    except OSError as e:  # a machine without IPv6
        pytest.skip(f"{host}: {e}")
    with sock:
        assert sock.family == family
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
