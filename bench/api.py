"""The API server under test: `accord serve` in a process of its own, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import IO

import httpx

from bench.common import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-3000:]


@contextmanager
def serve(environment: dict[str, str], workers: int = 1) -> Iterator[str]:
    """bench/server.py (as `accord serve --workers N`) in a subprocess on 127.0.0.1,
    configured from ACCORD_* variables; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        # Production runs the projector as its own worker; here the benchmark keeps (and
        # rebuilds) the read models, so a projector thread would only compete with it.
        "ACCORD_PROJECTOR": "off",
        "ACCORD_RATE_LIMIT": "0",
        **environment,
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", "127.0.0.1", str(port), str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(process, base, log)
            yield base
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            output = tail(log).strip()
            if output:
                print(f"(API server output)\n{output}", flush=True)


def api_server(url: str, schema: str) -> AbstractContextManager[str]:
    """One API worker on the PostgreSQL schema."""
    return serve({"ACCORD_DATABASE_URL": url, "ACCORD_POSTGRES_SCHEMA": schema})


def wait_until_up(process: subprocess.Popen[bytes], base: str, log: IO[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the API server exited:\n{tail(log)}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not start in 60 s:\n{tail(log)}")
        time.sleep(0.1)
