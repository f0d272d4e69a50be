"""Recording: commands over HTTP under concurrency, beside the HTTP and the database limits.

A section of `make bench` (`section(url, runs)`), or on its own: `python -m bench.recording`.

PostgreSQL, in a throw-away schema per run: the API (bench/server.py, as `accord serve
--workers N` runs it, ACCORD_PROJECTOR=off, ACCORD_RATE_LIMIT=0) is loaded with `wrk` at
1, 8 and 32 connections, with 1 and 2 worker processes, by two real commands:
  decision  POST /groups/{id}/decisions with an `agreement`: a decision proposed and agreed
            in one request (one transaction), by a member of the group;
  handover  POST /accountabilities/{id}/handovers by the holder, then .../accept by the
            recipient: each thread keeps a queue of accountabilities, and every response
            (parsed in wrk's Lua) queues the next step for its accountability, so the mix
            is half offers, half acceptances. Fresh accountabilities before each wrk run.
Beside each, measured in the same run: GET /health of the same server (no database work:
the HTTP limit), and raw psycopg `BEGIN; INSERT one row; COMMIT` into a table of the
events table's shape from as many threads, each with its own connection (the database
limit). The project's targets: recording at 32 connections at >= 0.5 x the bare endpoint's
rate with the same workers, and a p99 within 2 x its p99.

SQLite, in a temporary directory per run: `ledger.decisions.record_decision` in-process beside raw
sqlite3 `BEGIN; INSERT; COMMIT` in a WAL file (the library's pragmas), one thread each;
target: recording at >= 0.5 x the raw inserts' rate. Then the same commands over HTTP (one
worker, 1 and 8 connections) beside GET /health.

A wrk run with any non-2xx response or socket error is flagged: its status codes, with a
sample body each, are printed and kept in the results.

Environment:
  BENCH_RUNS                   repetitions (default 5)
  BENCH_WRK_SECONDS            seconds of each measurement (default 5), after a warm-up of
                               BENCH_WRK_WARMUP seconds (default 1) with the same load
  BENCH_RECORDING_CONNECTIONS  PostgreSQL concurrencies (default 1,8,32)
  BENCH_RECORDING_WORKERS      API worker processes (default 1,2)
  BENCH_SQLITE_CONNECTIONS     SQLite concurrencies over HTTP (default 1,8)
  BENCH_POSTGRES_URL           as for bench/run.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.api import serve
from bench.cast import http_figures, prepare, record_decision
from bench.common import env_int, fmt_ms, machine, run_alone
from bench.document import text_table
from bench.raw_inserts import create_raw_table, raw_postgres_inserts, raw_sqlite_inserts, timed_loop
from bench.recording_table import flagged, table_rows
from bench.wrk import KINDS, WRK_TIMEOUT, wrk_program
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import acting_as, postgres_schema


def env_list(name: str, default: Sequence[int]) -> list[int]:
    value = os.environ.get(name, "").strip()
    return [int(v) for v in value.split(",") if v.strip()] if value else list(default)


# One run.


def postgres_run(
    wrk: str,
    url: str,
    workers: list[int],
    connections: list[int],
    seconds: int,
    warmup: int,
    directory: Path,
) -> dict[str, Any]:
    """A fresh schema: for each number of workers a server, and for each concurrency the
    bare endpoint and the two commands; the raw inserts at each concurrency beside the first
    server's figures (the server idle)."""
    result: dict[str, Any] = {"raw": {}}
    with (
        postgres_schema(url) as schema,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        ledger = build_ledger(Settings(database_url=url, postgres_schema=schema, projector="off"))
        try:
            cast = prepare(ledger)
            create_raw_table(conn, schema)
            environment = {"ACCORD_DATABASE_URL": url, "ACCORD_POSTGRES_SCHEMA": schema}
            for count in workers:
                by_connections: dict[str, Any] = {}
                with serve(environment, count) as base:
                    for c in connections:
                        figures = http_figures(
                            wrk, base, ledger, cast, c, seconds, warmup, directory
                        )
                        by_connections[str(c)] = figures
                        if str(c) not in result["raw"]:
                            raw = raw_postgres_inserts(
                                url, schema, c, seconds, warmup, cast.state_bytes
                            )
                            result["raw"][str(c)] = raw
                        print(
                            progress(
                                f"PostgreSQL, {count} worker(s)", c, figures, result["raw"][str(c)]
                            ),
                            flush=True,
                        )
                result[f"workers_{count}"] = by_connections
        finally:
            ledger.close()
    return result


def sqlite_run(
    wrk: str, connections: list[int], seconds: int, warmup: int, directory: Path
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as temporary:
        folder = Path(temporary)
        database = f"sqlite:///{folder / 'accord.db'}"
        ledger = build_ledger(Settings(database_url=database, projector="off"))
        try:
            ledger.inline_projection = False
            cast = prepare(ledger)
            raw = raw_sqlite_inserts(folder / "raw.db", seconds, warmup, cast.state_bytes)
            with acting_as(cast.people[0]):
                command = timed_loop(
                    lambda: record_decision(ledger, cast.group, cast.people), seconds, warmup
                )
            print(
                f"  SQLite in-process: ledger.decisions.record_decision {command['rate']:,.0f}/s "
                f"(p50 {fmt_ms(command['p50'])} ms), raw sqlite3 inserts {raw['rate']:,.0f}/s "
                f"(p50 {fmt_ms(raw['p50'])} ms)",
                flush=True,
            )
            http: dict[str, Any] = {}
            with serve({"ACCORD_DATABASE_URL": database}) as base:
                for c in connections:
                    figures = http_figures(wrk, base, ledger, cast, c, seconds, warmup, directory)
                    http[str(c)] = figures
                    print(progress("SQLite, 1 worker", c, figures, None), flush=True)
        finally:
            ledger.close()
    return {"in_process": {"command": command, "raw": raw}, "http": http}


def progress(
    where: str, connections: int, figures: dict[str, Any], raw: dict[str, Any] | None
) -> str:
    parts = []
    for kind in KINDS:
        f = figures[kind]
        flag = f" [{f['errors']} ERRORS]" if f["errors"] else ""
        parts.append(
            f"{kind} {f['rate']:,.0f}/s p50 {fmt_ms(f['p50'])} p99 {fmt_ms(f['p99'])} ms{flag}"
        )
    if raw is not None:
        parts.append(
            f"raw INSERT {raw['rate']:,.0f}/s p50 {fmt_ms(raw['p50'])} p99 {fmt_ms(raw['p99'])} ms"
        )
    return f"  {where}, {connections} connection(s): " + "; ".join(parts)


# The section.


def section(
    url: str,
    runs: int,
    *,
    seconds: int | None = None,
    warmup: int | None = None,
    connections: list[int] | None = None,
    workers: list[int] | None = None,
    sqlite_connections: list[int] | None = None,
) -> dict[str, Any]:
    """Measure, print; returns what goes under "recording" in results.json."""
    seconds = seconds or env_int("BENCH_WRK_SECONDS", 5)
    warmup = env_int("BENCH_WRK_WARMUP", 1) if warmup is None else warmup
    connections = connections or env_list("BENCH_RECORDING_CONNECTIONS", (1, 8, 32))
    workers = workers or env_list("BENCH_RECORDING_WORKERS", (1, 2))
    sqlite_connections = sqlite_connections or env_list("BENCH_SQLITE_CONNECTIONS", (1, 8))
    wrk = wrk_program()
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    started_at = datetime.now(UTC)
    print(
        f"\nRecording benchmark: {runs} run(s) of {seconds} s measurements (after {warmup} s "
        f"warm-ups); PostgreSQL at {', '.join(map(str, connections))} connections with "
        f"{', '.join(map(str, workers))} worker(s), SQLite at "
        f"{', '.join(map(str, sqlite_connections))}; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="accord-wrk-") as scripts:
        directory = Path(scripts)
        for index in range(runs):
            print(f"run {index + 1}/{runs}:", flush=True)
            run = {
                "postgres": postgres_run(
                    wrk, url, workers, connections, seconds, warmup, directory
                ),
                "sqlite": sqlite_run(wrk, sqlite_connections, seconds, warmup, directory),
                "loadavg": os.getloadavg(),
            }
            results.append(run)
    rows = [row.as_dict() for row in table_rows(results, workers, connections, sqlite_connections)]
    errors = flagged(results)
    print()
    print(
        f"Recording: median of {runs} run(s) (min-max across runs); ratio = figure / baseline "
        "(rates, or latencies), taken within each run; wrk with min(connections, 2) threads."
    )
    for line in text_table(rows):
        print(line)
    for error in errors:
        print(
            f"FLAGGED run {error['run']}, {error['where']}, {error['kind']}: "
            f"statuses {error['statuses']}, socket errors {error['socket_errors']}"
        )
        for status, body in error["bodies"].items():
            print(f"  {status}: {body}")
    print(f"Load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    return {
        "config": {
            "runs": runs,
            "seconds": seconds,
            "warmup_seconds": warmup,
            "connections": connections,
            "workers": workers,
            "sqlite_connections": sqlite_connections,
        },
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "machine": machine(),
        "wrk": (version.stdout or version.stderr).splitlines()[0]
        if (version.stdout or version.stderr)
        else "",
        "method": {
            "server": "bench/server.py: uvicorn through interfaces.cli.serve.run_api (as "
            "`accord serve --workers N`, TCP_NODELAY on every connection), "
            "ACCORD_PROJECTOR=off, ACCORD_RATE_LIMIT=0, no access log",
            "client": f"wrk -t min(c, 2) -c c -d {seconds}s --timeout {WRK_TIMEOUT}, after a "
            f"{warmup} s warm-up run; latencies from wrk's histogram",
            "decision": "POST /groups/{id}/decisions with an agreement (consent, three "
            "participants): proposed and agreed in one request, by a member",
            "handover": "POST /accountabilities/{id}/handovers by the holder, then "
            ".../handovers/{handover}/accept by the recipient, driven by the responses; "
            "2 x connections per thread + 4 fresh accountabilities per wrk run",
            "http_limit": "GET /health of the same server (no database work)",
            "postgres_limit": "raw psycopg BEGIN; INSERT one row; COMMIT into a table of the "
            "events table's shape, one thread and connection per concurrent client, the "
            "state as large as a recorded decision's",
            "sqlite": "ledger.decisions.record_decision in-process (one thread) beside raw sqlite3 "
            "BEGIN; INSERT; COMMIT in a WAL file of its own; then HTTP with 1 worker",
            "errors": "any non-2xx response or socket error flags the measurement (see "
            "'flagged'); a row with errors does not meet its target",
        },
        "runs": results,
        "table": rows,
        "flagged": errors,
    }


def main() -> int:
    """The section alone; puts "recording" in bench/results.json."""
    return run_alone("recording", section)


if __name__ == "__main__":
    sys.exit(main())
