"""`accord serve`, started as users start it, outlives broken, slow and hostile clients and
stops gracefully on SIGTERM, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.conftest import postgres_schema
from tests.interfaces.test_processes import free_port, wait_until_up

# The installed command (the virtual environment's, beside this interpreter), as
# `make run` and the Dockerfile start it: not main() called in-process.
ACCORD = Path(sys.executable).parent / "accord"
# Rounds of resets and load (the test is in `make check`, marked slow).
ROUNDS = 20
CONNECTIONS = 50


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    key: str
    env: dict[str, str]
    log: IO[bytes]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def said(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


# The quick loop serves SQLite; `make check` PostgreSQL too.
@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {"ACCORD_DATABASE_URL": f"sqlite:///{tmp_path / 'accord.db'}"}
        return
    url = request.getfixturevalue("postgres_url")
    with postgres_schema(url) as schema:
        yield {
            "ACCORD_DATABASE_URL": url,
            "ACCORD_POSTGRES_SCHEMA": schema,
            "ACCORD_POSTGRES_POOL_SIZE": "4",
        }


@contextmanager
def accord_serve(store_env: dict[str, str], **settings: str) -> Iterator[Server]:
    """`accord serve` in a process of its own, with a bootstrapped administrator's key."""
    assert ACCORD.exists(), f"{ACCORD} is not installed (make install)"
    env = {**os.environ, **store_env, **settings}
    boot = subprocess.run(
        [str(ACCORD), "keys", "bootstrap", "--name", "Ada Admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = next(
        line.split(":", 1)[1].strip()
        for line in boot.stdout.splitlines()
        if line.startswith("API key (shown once)")
    )
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", port, process, key, env, log)
        try:
            wait_until_up(server.url, process, log)
            yield server
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)


def answers(server: Server) -> None:
    """The same process is alive, answers /health and records a write."""
    assert server.alive(), (
        f"the server died (status {server.process.poll()}):\n{server.said()[-3000:]}"
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/health").status_code == 200
        written = client.post(
            "/organisations",
            json={"name": f"Org {uuid.uuid4().hex[:8]}", "sector": "vcse"},
            headers=server.headers,
        )
        assert written.status_code == 201, written.text


def _reset(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0) instead of an orderly FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _request(server: Server, n: int) -> bytes:
    """One of five requests: a partial one, a small read, a large read, a write, a list."""
    auth = f"Authorization: Bearer {server.key}\r\n"
    host = f"Host: 127.0.0.1:{server.port}\r\n"
    if n % 5 == 0:
        return b"GET /health HTTP/1.1\r\nHo"
    if n % 5 == 1:
        return f"GET /health HTTP/1.1\r\n{host}\r\n".encode()
    if n % 5 == 2:
        return f"GET /openapi.json HTTP/1.1\r\n{host}\r\n".encode()
    if n % 5 == 3:
        body = b'{"name": "Reset ' + str(n).encode() + b'", "sector": "vcse"}'
        head = (
            f"POST /organisations HTTP/1.1\r\n{host}{auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body
    return f"GET /organisations?limit=200 HTTP/1.1\r\n{host}{auth}\r\n".encode()


def reset_round(server: Server) -> None:
    """Open many connections; each sends a request and resets before or while the answer
    is written (some read the first bytes of a large answer first)."""
    sockets = []
    for n in range(CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(_request(server, n))
        sockets.append((n, sock))
    for n, sock in sockets:
        if n % 5 == 2:
            with suppress(OSError):
                sock.recv(100)  # the answer has started; the rest is being written
        _reset(sock)


def load_burst(server: Server, seconds: int = 1) -> None:
    """An ordinary load generator for a bounded time; it drops its connections at the end
    while answers are in flight (how the server used to die)."""
    wrk = shutil.which("wrk")
    if wrk is not None:
        subprocess.run(
            [wrk, "-t1", "-c32", f"-d{seconds}s", "--timeout", "2s", f"{server.url}/health"],
            capture_output=True,
            timeout=seconds + 30,
            check=True,
        )
        return
    # Without wrk (it is installed by .ci/run): threads that hang up mid-answer.
    deadline = time.monotonic() + seconds

    def hammer(_: int) -> None:
        while time.monotonic() < deadline:
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(f"GET /openapi.json HTTP/1.1\r\nHost: x:{server.port}\r\n\r\n".encode())
            sock.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(hammer, range(8)))


# Slow (twenty rounds of resets and load): `make check` runs it, `make test` leaves it out.
@pytest.mark.slow
def test_the_server_outlives_clients_that_reset_and_a_load_generator(store_env):
    with accord_serve(store_env) as server:
        pid = server.process.pid
        for _ in range(ROUNDS):
            reset_round(server)
            load_burst(server)
            answers(server)
        assert server.process.pid == pid
        assert "Traceback" not in server.said()


def test_the_served_process_ignores_sigpipe_so_a_closed_socket_cannot_kill_it(store_env):
    with accord_serve(store_env) as server:
        status = Path(f"/proc/{server.process.pid}/status").read_text()
        ignored = int(
            next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16
        )
        assert ignored & (1 << (signal.SIGPIPE - 1))


def _settings_of_slow_clients() -> dict[str, str]:
    return {"ACCORD_HEADER_TIMEOUT": "2", "ACCORD_BODY_TIMEOUT": "2"}


def _trickle(sock: socket.socket, data: bytes, stop: threading.Event) -> None:
    for byte in data:
        if stop.wait(1.0):
            return
        try:
            sock.send(bytes([byte]))
        except OSError:
            return


def _closed_after(sock: socket.socket, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it said before."""
    started = time.monotonic()
    said = b""
    sock.settimeout(limit)
    while True:
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        said += chunk
    return time.monotonic() - started, said


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_client_trickling_one_byte_a_second_is_closed_within_the_timeout_while_others_are_served(
    store_env, part
):
    with accord_serve(store_env, **_settings_of_slow_clients()) as server:
        name = f"Trickled {uuid.uuid4().hex[:8]}"
        body = ('{"name": "' + name + '", "sector": "vcse"}').encode()
        head = (
            f"POST /organisations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        stop = threading.Event()
        if part == "body":
            sock.sendall(head)
            trickled = body
        else:
            trickled = head + body
        trickler = threading.Thread(target=_trickle, args=(sock, trickled, stop))
        trickler.start()
        try:
            # Meanwhile, everyone else is served as usual.
            with httpx.Client(base_url=server.url, timeout=5) as client:
                for _ in range(5):
                    started = time.monotonic()
                    assert client.get("/health").status_code == 200
                    assert time.monotonic() - started < 1.0
                    time.sleep(0.1)
            seconds, said = _closed_after(sock, limit=10)
        finally:
            stop.set()
            trickler.join()
            sock.close()
        # Closed by the server at its 2 s deadline (counted from the connection's opening),
        # long before the client would have finished.
        assert seconds < 2 + 1.5
        if part == "headers":
            assert said.startswith(b"HTTP/1.1 408 ")
            assert b"application/problem+json" in said
        answers(server)
        listed = httpx.get(f"{server.url}/organisations?limit=200", headers=server.headers).json()
        assert name not in [o["title"] for o in listed["items"]]
        assert "Traceback" not in server.said()


def test_idle_connections_beyond_the_bound_are_refused_and_then_closed(store_env):
    bound = {"ACCORD_MAX_CONNECTIONS": "20", "ACCORD_HEADER_TIMEOUT": "2"}
    with accord_serve(store_env, **bound) as server, ExitStack() as stack:
        idle = [
            stack.enter_context(socket.create_connection(("127.0.0.1", server.port)))
            for _ in range(25)
        ]
        time.sleep(0.3)
        # Over the bound, a request is answered 503 at once instead of queueing.
        assert httpx.get(f"{server.url}/health", timeout=5).status_code == 503
        # Connections that send nothing are closed at the header deadline...
        for sock in idle:
            seconds, said = _closed_after(sock, limit=10)
            assert said == b"" and seconds < 2 + 1.5
        # ...and then there is room again.
        answers(server)


def test_oversized_headers_are_refused_with_431_and_the_server_goes_on(store_env):
    with accord_serve(store_env) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
            )
            _, said = _closed_after(sock, limit=10)
        assert said.startswith(b"HTTP/1.1 431 ")
        assert b"application/problem+json" in said
        answers(server)


@pytest.mark.slow
def test_sigterm_during_writes_keeps_every_acknowledged_write_and_exits_0(store_env):
    with accord_serve(store_env) as server:
        acknowledged: list[str] = []
        stop = threading.Event()

        def writer(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=10, headers=server.headers) as client:
                i = 0
                while not stop.is_set():
                    name = f"Writer {n} write {i}"
                    i += 1
                    try:
                        answer = client.post(
                            "/organisations", json={"name": name, "sector": "vcse"}
                        )
                    except httpx.HTTPError:
                        continue  # refused or cut off: never acknowledged
                    if answer.status_code == 201:
                        acknowledged.append(name)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        server.process.send_signal(signal.SIGTERM)
        status = server.process.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join()
        log = server.said()
        assert status == 0, log[-3000:]
        assert "Traceback" not in log
        assert "Application shutdown complete" in log
        assert len(acknowledged) > 10
        # Every acknowledged write is in the ledger, read back by a new server.
        with accord_serve_again(server) as again:
            names = _all_organisation_names(again)
        assert set(acknowledged) <= names


@contextmanager
def accord_serve_again(server: Server) -> Iterator[Server]:
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)],
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        again = Server(f"http://127.0.0.1:{port}", port, process, server.key, server.env, log)
        try:
            wait_until_up(again.url, process, log)
            yield again
        finally:
            process.terminate()
            assert process.wait(timeout=30) == 0


def _all_organisation_names(server: Server) -> set[str]:
    names: set[str] = set()
    params: dict[str, Any] = {"limit": 200}
    with httpx.Client(base_url=server.url, timeout=10, headers=server.headers) as client:
        while True:
            page = client.get("/organisations", params=params).json()
            names |= {o["title"] for o in page["items"]}
            if not page.get("next_cursor"):
                return names
            params["cursor"] = page["next_cursor"]


def test_the_installed_command_piped_into_head_ends_quietly_as_a_shell_expects(tmp_path):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    subprocess.run(
        [str(ACCORD), "--database-url", url, "demo"], check=True, capture_output=True, timeout=300
    )
    # More than a pipe holds, so that the command is still writing when head leaves.
    script = (
        f'"{ACCORD}" --database-url "{url}" history --limit 500 | head -1; '
        'echo "status ${PIPESTATUS[0]}" >&2'
    )
    piped = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert piped.stdout.startswith("pos ") and piped.stdout.count("\n") == 1
    # Ended by SIGPIPE (128 + 13), as `yes | head -1` is, and nothing else on stderr.
    assert piped.stderr == "status 141\n"


README = Path(__file__).resolve().parents[2] / "README.md"
SERVER_SETTINGS = (
    "header_timeout",
    "body_timeout",
    "keep_alive_timeout",
    "max_connections",
    "max_header_bytes",
    "shutdown_timeout",
)


def test_the_readme_lists_each_server_limit_with_its_default():
    from interfaces.settings import Settings

    rows = {
        line.split("|")[1].strip(" `"): line.split("|")[2].strip(" `")
        for line in README.read_text().splitlines()
        if line.startswith("| `ACCORD_")
    }
    for name in SERVER_SETTINGS:
        default = Settings.model_fields[name].default
        assert float(rows[f"ACCORD_{name.upper()}"]) == float(default), name


def test_the_readmes_example_of_oversized_headers_answers_as_it_says(tmp_path):
    text = README.read_text().split("## The server and its clients", 1)[1]
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    store = {"ACCORD_DATABASE_URL": f"sqlite:///{tmp_path / 'accord.db'}"}
    with accord_serve(store) as server:
        script = block.replace("localhost:8000", f"127.0.0.1:{server.port}")
        ran = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
        answers(server)
    expected = next(line[2:] for line in block.splitlines() if line.startswith("# {"))
    assert ran.stdout.startswith(expected.removesuffix(" ...}"))


@pytest.mark.parametrize(
    ("command", "status", "prefix"),
    [
        (["serve", "--port", "1"], 3, "accord: "),
        (["history"], 3, "accord: "),
        # verify's 1 means tampering: anything that stops it checking is its 2.
        (["verify"], 2, "accord: could not verify: "),
    ],
)
def test_a_command_whose_database_cannot_be_reached_says_so_and_exits_3(command, status, prefix):
    # Port 1 on this machine: nothing listens there.
    url = "postgresql://accord:secret@127.0.0.1:1/accord"
    ran = subprocess.run(
        [str(ACCORD), "--database-url", url, *command], capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == status
    assert ran.stderr.startswith(
        f"{prefix}the database at postgresql://accord:***@127.0.0.1:1/accord"
    )
    assert "Traceback" not in ran.stderr and "secret" not in ran.stderr
