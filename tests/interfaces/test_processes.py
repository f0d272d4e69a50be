"""A separate `accord project` worker beside two API processes on one PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
import pytest

from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import postgres_schema

ROOT = Path(__file__).resolve().parents[2]
ACCORD = [sys.executable, "-m", "interfaces.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: IO[bytes] | None = None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = b""
            if log is not None:
                log.seek(0)
                said = log.read()[-3000:]
            raise AssertionError(f"the API process exited early:\n{said.decode(errors='replace')}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


def dump(url: str, schema: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with psycopg.connect(url) as conn:
        timeline = conn.execute(
            f'SELECT * FROM "{schema}".accord_timeline ORDER BY position'
        ).fetchall()
        facts = conn.execute(
            f"SELECT fact_key, group_id, state, effective_from, effective_to, recorded_from, "
            f'recorded_to FROM "{schema}".accord_facts '
            "ORDER BY fact_key, recorded_from, effective_from"
        ).fetchall()
    return timeline, facts


@pytest.mark.postgres
def test_a_worker_process_keeps_read_models_for_two_api_processes_identical_to_a_rebuild(
    postgres_url,
):
    with postgres_schema(postgres_url) as schema:
        settings = Settings(database_url=postgres_url, postgres_schema=schema, postgres_pool_size=2)
        ledger = build_ledger(settings)
        _, _, key = ledger.keys.bootstrap("Ada Convener")
        ledger.close()
        env = {
            **os.environ,
            "ACCORD_DATABASE_URL": postgres_url,
            "ACCORD_POSTGRES_SCHEMA": schema,
            "ACCORD_POSTGRES_POOL_SIZE": "2",
            "ACCORD_PROJECTOR": "off",
        }
        ports = [free_port(), free_port()]
        logs = [tempfile.TemporaryFile() for _ in ports]  # noqa: SIM115 (the processes write to them)
        apis = [
            subprocess.Popen(
                [*ACCORD, "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                # To a file, so that a process that fails to start says why.
                stderr=log,
            )
            for port, log in zip(ports, logs, strict=True)
        ]
        worker = subprocess.Popen(
            [*ACCORD, "project"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            for url, process, log in zip(urls, apis, logs, strict=True):
                wait_until_up(url, process, log)
            headers = {"Authorization": f"Bearer {key}"}
            group = httpx.post(
                f"{urls[0]}/groups",
                json={"name": "Design team", "kind": "design team", "purpose": "Design the hub"},
                headers=headers,
            ).json()["id"]

            def write(n: int) -> int:
                url = urls[n % 2]
                response = httpx.post(
                    f"{url}/groups/{group}/decisions",
                    json={"title": f"Decision {n}", "decision": "We agree"},
                    headers=headers,
                    timeout=30,
                )
                assert response.status_code == 201, response.text
                return int(response.json()["position"])

            with ThreadPoolExecutor(max_workers=6) as pool:
                positions = list(pool.map(write, range(30)))

            # Read your writes through the other API: it waits for the worker.
            last = max(positions)
            timeline = httpx.get(
                f"{urls[1]}/groups/{group}/timeline",
                params={"min_position": last, "limit": 500},
                headers=headers,
                timeout=30,
            )
            assert timeline.status_code == 200, timeline.text
            assert {i["position"] for i in timeline.json()["items"]} >= set(positions)
            ready = httpx.get(f"{urls[0]}/ready").json()
            assert ready["projection"]["lag"] == 0
            assert ready["projection"]["runs_in"] == "a separate worker"
        finally:
            for process in [*apis, worker]:
                process.send_signal(signal.SIGTERM)
            for process in [*apis, worker]:
                process.wait(timeout=15)
        assert worker.returncode == 0, worker.stderr.read().decode() if worker.stderr else ""

        live = dump(postgres_url, schema)
        ledger = build_ledger(settings)
        try:
            assert ledger.projector.rebuild() == ledger.head_position() == 32
        finally:
            ledger.close()
        rebuilt = dump(postgres_url, schema)
        assert len(live[0]) == 32
        assert live == rebuilt
