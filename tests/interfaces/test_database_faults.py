"""PostgreSQL crashes under a stream of writes: fast 503s, no lost or doubled writes, recovery.

A throw-away cluster of its own (initdb + pg_ctl in a temporary directory, on a free port)
is stopped with `pg_ctl stop -m immediate` while two threads write through a real HTTP
server, then started again, without restarting the API.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from application.ledger import Ledger
from domain.organisation import Organisation
from interfaces.api.app import create_app
from interfaces.bootstrap import build_ledger, eventsourcing_env
from interfaces.settings import Settings
from tests.conftest import REQUIRE_POSTGRES

# Slow (a cluster of its own, crashed and restarted): `make check` runs it, `make test` does not.
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# How long a write may take to be answered while the database is down: the request's
# database budget (1 s here) plus one attempt in flight and the library's retry pause.
OUTAGE_ANSWER_SECONDS = 4.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def version(path: str) -> list[int]:
    """`/usr/lib/postgresql/15/bin/initdb` -> [15], so that 15 sorts after 9.6."""
    return [int(part) for part in re.findall(r"\d+", path)]


def unavailable(reason: str) -> None:
    """Fail where PostgreSQL is required (CI sets ACCORD_REQUIRE_POSTGRES=1), else skip."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"cannot run a throw-away PostgreSQL cluster: {reason}")
    pytest.skip(f"cannot run a throw-away PostgreSQL cluster: {reason}")


class Cluster:
    """A PostgreSQL cluster in a temporary directory, owned by the `postgres` user under root."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
        initdb = found[-1] if found else shutil.which("initdb")
        if initdb is None:
            unavailable("initdb not found in /usr/lib/postgresql/*/bin or on PATH")
        self.bin = Path(str(initdb)).parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            if shutil.which("runuser") is None:
                unavailable("running as root, and runuser is missing")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.root = Path(tempfile.mkdtemp(prefix="accord-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if self.as_user:
            try:
                shutil.chown(self.root, user="postgres")
            except LookupError:
                shutil.rmtree(self.root)
                unavailable("running as root, and there is no postgres user")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, tool: str, *args: str) -> None:
        command = [*self.as_user, str(self.bin / tool), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stdout}{result.stderr}")

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        log = str(self.root / "log")
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def crash(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # not running
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    value = Cluster()
    try:
        try:
            value.init()
            value.start()
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            unavailable(str(error))
        yield value
    finally:
        value.remove()


class Server:
    """The API in a real uvicorn server on a thread, as `accord serve` runs it."""

    def __init__(self, settings: Settings, ledger: Ledger) -> None:
        config = uvicorn.Config(
            create_app(settings, ledger=ledger),
            host="127.0.0.1",
            port=free_port(),
            log_level="critical",
        )
        self.url = f"http://127.0.0.1:{config.port}"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(20)


@dataclass(frozen=True)
class Answer:
    name: str
    status: int  # 0: no HTTP answer at all
    seconds: float
    started: float
    record_id: str | None = None
    problem: dict[str, Any] | None = None
    retry_after: str | None = None


class Writers:
    """Threads that each register organisations with unique names until stopped."""

    def __init__(self, url: str, headers: dict[str, str], threads: int = 2) -> None:
        self.url = url
        self.headers = headers
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.write, args=(n,), daemon=True) for n in range(threads)
        ]

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)

    def write(self, number: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as client:
            for index in range(1_000_000):
                if self.stopping.is_set():
                    return
                name = f"writer {number} organisation {index}"
                started = time.monotonic()
                try:
                    response = client.post("/organisations", json={"name": name, "sector": "vcse"})
                except httpx.HTTPError:
                    answer = Answer(name, 0, time.monotonic() - started, started)
                else:
                    body = response.json()
                    answer = Answer(
                        name,
                        response.status_code,
                        time.monotonic() - started,
                        started,
                        body.get("id") if response.status_code < 300 else None,
                        body if response.status_code >= 300 else None,
                        response.headers.get("retry-after"),
                    )
                with self.lock:
                    self.answers.append(answer)
                if answer.status != 201:
                    time.sleep(0.05)

    def count(self, status: int, since: float = 0.0) -> int:
        with self.lock:
            return sum(1 for a in self.answers if a.status == status and a.started >= since)

    def wait_for(self, status: int, count: int, since: float, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count(status, since) >= count:
                return True
            time.sleep(0.05)
        return False


def stored_organisations(settings: Settings) -> list[tuple[str, int, str]]:
    """(record id, position, name) of every organisation registration stored, read afresh."""
    ledger = Ledger(env=eventsourcing_env(settings))
    try:
        rows = []
        for notification in ledger.recorder.select_notifications(start=1, limit=1_000_000):
            event = ledger.mapper.to_domain_event(notification)
            if isinstance(event, Organisation.Registered):
                rows.append((str(event.originator_id), notification.id, event.name))
        return rows
    finally:
        ledger.close()


def projection_lag_once_settled(url: str, timeout: float) -> int:
    """The read models' lag behind the ledger, polled until it is 0 or `timeout` passes."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=10) as client:
        while True:
            response = client.get("/ready")
            assert response.status_code == 200, response.text
            lag = int(response.json()["projection"]["lag"])
            if lag == 0 or time.monotonic() > deadline:
                return lag
            time.sleep(0.2)


def test_a_crashed_database_gets_fast_503s_loses_no_acknowledged_write_and_recovers(cluster):
    settings = Settings(
        database_url=cluster.url,
        postgres_pool_size=2,
        postgres_max_overflow=4,
        postgres_pool_timeout=1,
        database_wait=1.0,
        rate_limit=0,
    )
    ledger = build_ledger(settings)
    try:
        _, _, secret = ledger.keys.bootstrap("Ada Admin", "ada@example.org")
        headers = {"Authorization": f"Bearer {secret}"}
        with Server(settings, ledger) as server:
            with Writers(server.url, headers) as writers:
                assert writers.wait_for(201, 20, 0.0, timeout=15), "no writes before the crash"

                crashed_at = time.monotonic()
                cluster.crash()
                assert writers.wait_for(503, 4, crashed_at, timeout=15), "no 503 while down"
                with httpx.Client(base_url=server.url, timeout=10) as probe:
                    asked = time.monotonic()
                    ready = probe.get("/ready")
                    ready_seconds = time.monotonic() - asked
                    health = probe.get("/health")

                restarted_at = time.monotonic()
                cluster.start()
                recovered = writers.wait_for(201, 20, restarted_at, timeout=20)
            assert recovered, "the API did not recover after the database restarted"
            # The read models catch up too: the projector resumes without a restart.
            lag = projection_lag_once_settled(server.url, timeout=15)
            assert lag == 0, "the read models did not catch up after the restart"
    finally:
        ledger.close()

    assert ready.status_code == 503, ready.text
    assert ready.headers["content-type"].startswith("application/problem+json")
    assert int(ready.headers["retry-after"]) >= 1
    assert ready_seconds <= OUTAGE_ANSWER_SECONDS, ready_seconds
    assert health.status_code == 200, "/health must not depend on the database"

    answers = writers.answers
    by_status = Counter(a.status for a in answers)
    assert set(by_status) <= {201, 503}, f"only 201 or 503, never a 500 or no answer: {by_status}"
    during = [
        a for a in answers if a.started + a.seconds >= crashed_at and a.started < restarted_at
    ]
    assert any(a.status == 503 for a in during), "no write was refused while the database was down"
    slowest = max(answers, key=lambda a: a.seconds)
    assert slowest.seconds <= OUTAGE_ANSWER_SECONDS, f"{slowest} took too long"
    for answer in answers:
        if answer.status == 503:
            assert answer.problem is not None and answer.problem["status"] == 503, answer
            assert answer.retry_after is not None and int(answer.retry_after) >= 1, answer

    stored = stored_organisations(settings)
    positions = [position for _, position, _ in stored]
    assert len(positions) == len(set(positions)), "a position was used twice"
    names = Counter(name for _, _, name in stored)
    doubled = {name: n for name, n in names.items() if n > 1}
    assert not doubled, f"organisations created more than once: {doubled}"
    ids = {name: record_id for record_id, _, name in stored}
    acknowledged = [a for a in answers if a.status == 201]
    missing = [a.name for a in acknowledged if ids.get(a.name) != a.record_id]
    assert not missing, f"acknowledged writes missing from the ledger: {missing}"
