"""Under 64 clients at once, no answer takes longer than the configured bounds plus a second.

`accord serve` started as users start it (default settings, no rate limit), loaded by wrk
with 64 connections writing and reading for ten seconds each. Every answer is a success or
a 503 with Retry-After (the admission gate's or the database's), never a server error, and
the slowest answer comes within ACCORD_QUEUE_WAIT + ACCORD_DATABASE_WAIT + 1 second. A
bound, not a speed: how fast it serves is measured by `make bench`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.wrk import LUA_COMMON, LUA_RESPONSE, lua_string
from interfaces.settings import Settings
from tests.interfaces.test_processes import free_port, wait_until_up
from tests.interfaces.test_server_survives import ACCORD

pytestmark = pytest.mark.slow
CLIENTS = 64
SECONDS = 10
DEFAULTS = Settings()
BOUND_S = DEFAULTS.queue_wait + DEFAULTS.database_wait + 1


def script(key: str, method: str, body: str | None = None) -> str:
    lines = [
        f'wrk.method = "{method}"',
        f"wrk.headers['Authorization'] = {lua_string('Bearer ' + key)}",
    ]
    if body is not None:
        lines += [
            "wrk.headers['Content-Type'] = 'application/json'",
            f"wrk.body = {lua_string(body)}",
        ]
    return LUA_COMMON + LUA_RESPONSE + "\n".join(lines) + "\n"


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    env = {
        **os.environ,
        "ACCORD_DATABASE_URL": settings.resolved_database_url(),
        "ACCORD_POSTGRES_SCHEMA": settings.postgres_schema,
        "ACCORD_RATE_LIMIT": "0",
    }
    made = subprocess.run(
        [str(ACCORD), "keys", "bootstrap", "--name", "Ada Admin"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found = re.search(r"acc_[A-Za-z0-9_.-]+", made.stdout)
    assert found, made.stdout
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w+b") as log:
        server = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", server, log)
            yield f"http://127.0.0.1:{port}", found.group(0), log_path
        finally:
            server.terminate()
            server.wait(timeout=30)


def load(wrk: str, url: str, lua: str, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "load.lua"
    path.write_text(lua)
    done = subprocess.run(
        [wrk, "-t2", f"-c{CLIENTS}", f"-d{SECONDS}s", "--timeout", "30s", "-s", str(path), url],
        capture_output=True, text=True, timeout=SECONDS + 60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_RESULT "))
    return dict(json.loads(line.removeprefix("WRK_RESULT ")))


@pytest.mark.stores("sqlite", "postgres")
def test_no_answer_under_64_clients_takes_longer_than_the_bounds_plus_a_second(served, tmp_path):
    wrk = shutil.which("wrk")
    assert wrk, "wrk is needed (apt-get install wrk; .ci/run installs it)"
    base, key, log_path = served
    headers = {"Authorization": f"Bearer {key}"}
    group = httpx.post(
        f"{base}/groups",
        headers=headers,
        json={"name": "Design team", "kind": "design team", "purpose": "Design"},
        timeout=30,
    ).json()["id"]
    runs = {
        "writes": load(
            wrk,
            f"{base}/organisations",
            script(key, "POST", json.dumps({"name": "Hope Street", "sector": "vcse"})),
            tmp_path,
        ),
        "reads": load(wrk, f"{base}/groups/{group}/state", script(key, "GET"), tmp_path),
    }
    for name, run in runs.items():
        statuses = {int(s): n for s, n in run["statuses"].items()}
        assert set(statuses) <= {200, 201, 503}, (name, statuses, run["bodies"])
        served_ok = statuses.get(200, 0) + statuses.get(201, 0)
        assert served_ok > 0, (name, statuses)
        assert all(v == 0 for v in run["socket_errors"].values()), (name, run["socket_errors"])
        assert run["max_us"] / 1e6 <= BOUND_S, (name, run["max_us"], statuses)
    log = log_path.read_text()
    assert "Traceback" not in log and " 500 " not in log
