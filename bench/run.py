"""`make bench`: read latency, read-model rebuild and chain verification rates, each beside a
baseline of the same run.

The machine is shared and noisy, so no figure stands alone: each run measures the figures and
their floors together (requests interleaved one by one), and the ratios are taken per run.

Environment:
  BENCH_EVENTS        events in the generated ledger (default 100000)
  BENCH_RUNS          repetitions (default 5)
  BENCH_REQUESTS      timed requests of each kind per run (default 300)
  BENCH_REPORT_EVENTS events in the accountability report section's own ledger (default
                      1000000; 0 skips the section): see bench/reports.py
  BENCH_POSTGRES_URL  PostgreSQL to use (default: the tests' ACCORD_TEST_POSTGRES_URL or
                      postgresql://postgres@127.0.0.1:5432/test); a fresh schema is created
                      and dropped at the end.
"""

from __future__ import annotations

import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from application.ledger import Ledger
from application.projections.describe import describe
from bench.generate import Dataset, generate
from bench.stats import latency, spread
from infrastructure.readmodels import READ_MODEL_TABLES
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import POSTGRES_URL, postgres_schema

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
EVENTS_TABLE = "ledger_events"  # the library's table for the application named "Ledger"
SCAN_PAGE = 1000
READ_PAGE = 500  # the projector's page size
WARMUP = 20
MIN_SECONDS = 1.0  # the scans and verify repeat whole passes for at least this long
KINDS = ("health", "pk", "state", "timeline")
VERIFY_TARGET = 2.0  # the project's target: accord verify at >= 0.5 x the raw scan's rate


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# The API server.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-3000:]


@contextmanager
def api_server(url: str, schema: str) -> Iterator[str]:
    """uvicorn with create_app(Settings()) in a subprocess on 127.0.0.1; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "ACCORD_DATABASE_URL": url,
        "ACCORD_POSTGRES_SCHEMA": schema,
        # Nothing is written while measuring; this process keeps (and rebuilds) the read
        # models, so a projector thread in the server would only compete with the rebuild.
        "ACCORD_PROJECTOR": "off",
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", "127.0.0.1", str(port)],
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
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            output = tail(log).strip()
            if output:
                print(f"(API server output)\n{output}", flush=True)


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


# Measurements.


def raw_scan(conn: psycopg.Connection[Any], schema: str) -> dict[str, Any]:
    """BASELINE: keyset scan of the events table with raw psycopg, pages of 1,000."""
    statement = SQL(
        "SELECT * FROM {}.{} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(Identifier(schema), Identifier(EVENTS_TABLE))
    count = passes = 0
    started = time.perf_counter()
    with conn.cursor() as cur:
        # Whole passes over the table, until MIN_SECONDS have passed (small ledgers).
        while not passes or time.perf_counter() - started < MIN_SECONDS:
            after = 0
            while True:
                cur.execute(statement, (after, SCAN_PAGE))
                rows = cur.fetchall()
                if not rows:
                    break
                assert cur.description is not None
                column = [c.name for c in cur.description].index("notification_id")
                count += len(rows)
                after = rows[-1][column]
                if len(rows) < SCAN_PAGE:
                    break
            passes += 1
    seconds = time.perf_counter() - started
    return {
        "events": count // passes,
        "passes": passes,
        "seconds": seconds,
        "rate": count / seconds,
    }


def read_stage(ledger: Ledger) -> dict[str, Any]:
    """Where a rebuild's time goes: the projector's reading alone (log pages of 500,
    decoded to domain events and described), without computing or writing read models."""
    count = passes = 0
    started = time.perf_counter()
    while not passes or time.perf_counter() - started < MIN_SECONDS:
        start = 1
        while True:
            page = ledger.recorder.select_notifications(start, READ_PAGE, inclusive_of_start=True)
            if not page:
                break
            for n in page:
                describe(n.id, ledger.mapper.to_domain_event(n))
            count += len(page)
            start = page[-1].id + 1
        passes += 1
    seconds = time.perf_counter() - started
    return {
        "events": count // passes,
        "passes": passes,
        "seconds": seconds,
        "rate": count / seconds,
    }


def rebuild(ledger: Ledger) -> dict[str, Any]:
    """FIGURE: ledger.projector.rebuild(), all read models from position zero."""
    started = time.perf_counter()
    count = ledger.projector.rebuild()
    seconds = time.perf_counter() - started
    return {"events": count, "seconds": seconds, "rate": count / seconds}


def verify(ledger: Ledger) -> dict[str, Any]:
    """FIGURE: `accord verify`, that is ledger.verify_chain(): the hash chain recomputed
    from the stored events (whole passes, like the scan's)."""
    count = passes = 0
    started = time.perf_counter()
    while not passes or time.perf_counter() - started < MIN_SECONDS:
        result = ledger.verify_chain()
        if result.broken is not None:
            raise RuntimeError(
                f"the chain breaks at {result.broken.position}: {result.broken.reason}"
            )
        count += result.events
        passes += 1
    seconds = time.perf_counter() - started
    return {
        "events": count // passes,
        "passes": passes,
        "seconds": seconds,
        "rate": count / seconds,
    }


def vacuum(conn: psycopg.Connection[Any], schema: str) -> float:
    """VACUUM ANALYZE every table (untimed in the figures), so each run starts alike."""
    started = time.perf_counter()
    tables = (EVENTS_TABLE, "accord_chain", "accord_tracking", "accord_records", *READ_MODEL_TABLES)
    for table in tables:
        conn.execute(SQL("VACUUM ANALYZE {}.{}").format(Identifier(schema), Identifier(table)))
    return time.perf_counter() - started


def read_model_bytes(conn: psycopg.Connection[Any], schema: str) -> int:
    """On-disk size of the read-model tables with their indexes (to see bloat across runs)."""
    total = 0
    for table in READ_MODEL_TABLES:
        name = Identifier(schema, table).as_string(conn)
        row = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (name,)).fetchone()
        total += int(row[0]) if row else 0
    return total


def latencies(
    client: httpx.Client,
    conn: psycopg.Connection[Any],
    schema: str,
    dataset: Dataset,
    head: int,
    keys: list[tuple[Any, int]],
    requests: int,
    rng: random.Random,
) -> dict[str, Any]:
    """Sequential requests on one keep-alive connection, the four kinds interleaved one by
    one (rotating their order), so that noise falls on figure and floor alike."""
    pk = SQL("SELECT * FROM {}.{} WHERE originator_id = %s AND originator_version = %s").format(
        Identifier(schema), Identifier(EVENTS_TABLE)
    )
    samples: dict[str, list[int]] = {kind: [] for kind in KINDS}
    sizes: dict[str, list[int]] = {"state": [], "timeline": []}

    def request(kind: str) -> tuple[str, dict[str, Any] | None]:
        if kind == "health":
            return "/health", None
        group_id, convened = rng.choice(dataset.groups)
        if kind == "state":
            # A random past moment between the group's first event and the ledger's last.
            moment = convened + (dataset.last_recorded - convened) * rng.random()
            return f"/groups/{group_id}/state", {"as_of": moment.isoformat()}
        return f"/groups/{group_id}/timeline", {"limit": 100, "after": rng.randint(0, head)}

    with conn.cursor() as cur:

        def one(kind: str) -> int:
            if kind == "pk":
                key = rng.choice(keys)
                started = time.perf_counter_ns()
                cur.execute(pk, key)
                row = cur.fetchone()
                elapsed = time.perf_counter_ns() - started
                if row is None:
                    raise RuntimeError(f"no event {key}")
                return elapsed
            path, params = request(kind)
            started = time.perf_counter_ns()
            response = client.get(path, params=params)
            elapsed = time.perf_counter_ns() - started
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} {params}: {response.status_code} {response.text}")
            if kind in sizes:
                sizes[kind].append(len(response.content))
            return elapsed

        for _ in range(WARMUP):
            for kind in KINDS:
                one(kind)
        for sizes_of_kind in sizes.values():
            sizes_of_kind.clear()
        for i in range(requests):
            shift = i % len(KINDS)
            for kind in KINDS[shift:] + KINDS[:shift]:
                samples[kind].append(one(kind))
    result: dict[str, Any] = {kind: latency(samples[kind]) for kind in KINDS}
    for kind, values in sizes.items():
        result[kind]["mean_bytes"] = statistics.fmean(values)
    return result


def one_run(
    index: int,
    ledger: Ledger,
    client: httpx.Client,
    conn: psycopg.Connection[Any],
    schema: str,
    dataset: Dataset,
    keys: list[tuple[Any, int]],
    requests: int,
) -> dict[str, Any]:
    rng = random.Random(1000 + index)
    # The baseline scan brackets the verification and the rebuild (before and after), so
    # that they see the same stretch of a noisy machine as far as possible.
    before = raw_scan(conn, schema)
    verified = verify(ledger)
    reading = read_stage(ledger)
    rebuilt = rebuild(ledger)
    after = raw_scan(conn, schema)
    scan = {
        "events": before["events"],
        "rate": (before["rate"] * before["seconds"] + after["rate"] * after["seconds"])
        / (before["seconds"] + after["seconds"]),
        "before": before,
        "after": after,
    }
    for name, figure in (("rebuilt", rebuilt), ("verified", verified)):
        if figure["events"] != scan["events"]:
            raise RuntimeError(f"{name} {figure['events']} events of {scan['events']}")
    vacuum(conn, schema)
    sizes = read_model_bytes(conn, schema)
    head = ledger.head_position()
    timed = latencies(client, conn, schema, dataset, head, keys, requests, rng)
    return {
        "scan": scan,
        "read_stage": reading,
        "rebuild": rebuilt,
        "verify": verified,
        "read_model_bytes": sizes,
        "latency": timed,
    }


# Summary and report.

LATENCY_ROWS = (
    ("GET /groups/{id}/state?as_of=T", "state"),
    ("GET /groups/{id}/timeline?limit=100&after=P", "timeline"),
)
FLOORS = (("GET /health (HTTP floor)", "health"), ("raw PK SELECT (DB floor)", "pk"))
SCAN_LABEL = "raw keyset scan, 1,000/page"


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and range across runs of every figure, baseline and per-run ratio."""
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for run in runs:
        lat = run["latency"]
        for kind in KINDS:
            for q in ("p50", "p99"):
                add(f"{kind}.{q}_ms", lat[kind][q])
        for _, kind in LATENCY_ROWS:
            for _, floor in FLOORS:
                for q in ("p50", "p99"):
                    add(f"{kind}.{q}/{floor}.{q}", lat[kind][q] / lat[floor][q])
            add(f"{kind}.mean_bytes", lat[kind]["mean_bytes"])
        for name in ("scan", "read_stage", "rebuild", "verify"):
            add(f"{name}.events_per_s", run[name]["rate"])
        add("scan/rebuild", run["scan"]["rate"] / run["rebuild"]["rate"])
        add("scan/read_stage", run["scan"]["rate"] / run["read_stage"]["rate"])
        add("scan/verify", run["scan"]["rate"] / run["verify"]["rate"])
    return {name: spread(values) for name, values in figures.items()}


def fmt_ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def fmt_x(value: float) -> str:
    return f"{value:.1f}x" if value < 100 else f"{value:.0f}x"


def cell(summary: dict[str, Any], name: str, fmt: Callable[[float], str], unit: str = "") -> str:
    """The median of runs, then (with several runs) their range."""
    s = summary[name]
    if s["min"] == s["max"]:
        return f"{fmt(s['median'])}{unit}"
    return f"{fmt(s['median'])}{unit} ({fmt(s['min'])}-{fmt(s['max'])})"


def table(summary: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, str, str, str, str]] = []
    for label, kind in LATENCY_ROWS:
        for q in ("p50", "p99"):
            for i, (floor_label, floor) in enumerate(FLOORS):
                rows.append(
                    (
                        f"{label} {q}" if i == 0 else "",
                        cell(summary, f"{kind}.{q}_ms", fmt_ms, " ms") if i == 0 else "",
                        f"{floor_label} {q}",
                        cell(summary, f"{floor}.{q}_ms", fmt_ms, " ms"),
                        cell(summary, f"{kind}.{q}/{floor}.{q}", fmt_x),
                    )
                )

    def rate(value: float) -> str:
        return f"{value:,.0f}"

    rows.append(
        (
            "read-model rebuild: ledger.projector.rebuild()",
            cell(summary, "rebuild.events_per_s", rate, " ev/s"),
            SCAN_LABEL,
            cell(summary, "scan.events_per_s", rate, " ev/s"),
            cell(summary, "scan/rebuild", fmt_x),
        )
    )
    rows.append(
        (
            "  its reading alone: log pages of 500, decode, describe",
            cell(summary, "read_stage.events_per_s", rate, " ev/s"),
            SCAN_LABEL,
            cell(summary, "scan.events_per_s", rate, " ev/s"),
            cell(summary, "scan/read_stage", fmt_x),
        )
    )
    rows.append(
        (
            "accord verify: ledger.verify_chain()",
            cell(summary, "verify.events_per_s", rate, " ev/s"),
            SCAN_LABEL,
            cell(summary, "scan.events_per_s", rate, " ev/s"),
            cell(summary, "scan/verify", fmt_x),
        )
    )
    header = ("figure", "value", "baseline (same run)", "value", "ratio")
    widths = [max(len(r[i]) for r in (*rows, header)) for i in range(5)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return lines


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# The benchmark.


def prepare(ledger: Ledger, conn: psycopg.Connection[Any], schema: str, events: int) -> Any:
    started = time.perf_counter()
    dataset = generate(ledger, events)
    generated = time.perf_counter()
    projected = ledger.projector.catch_up()
    caught_up = time.perf_counter()
    vacuumed = vacuum(conn, schema)
    total = time.perf_counter() - started
    events_bytes = conn.execute(
        "SELECT pg_total_relation_size(%s::regclass)",
        (Identifier(schema, EVENTS_TABLE).as_string(conn),),
    ).fetchone()
    return dataset, {
        "events": dataset.events,
        "groups": len(dataset.groups),
        "records": dataset.records,
        "by_type": dataset.by_type,
        "backdated": dataset.backdated,
        "refused_steps": dataset.refused,
        "recorded_from": dataset.first_recorded,
        "recorded_to": dataset.last_recorded,
        "generate_and_save_s": generated - started,
        "initial_projection_s": caught_up - generated,
        "initial_projection_events": projected,
        "vacuum_s": vacuumed,
        "events_table_bytes": int(events_bytes[0]) if events_bytes else None,
        "read_model_bytes": read_model_bytes(conn, schema),
        "total_s": total,
    }


def main() -> int:
    events = env_int("BENCH_EVENTS", 100_000)
    runs = env_int("BENCH_RUNS", 5)
    requests = env_int("BENCH_REQUESTS", 300)
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    config = {"events": events, "runs": runs, "requests_per_kind_per_run": requests}
    started_at = datetime.now(UTC)
    print(
        f"Accord benchmark: {events:,} events, {runs} run(s), {requests} timed requests of "
        f"each kind per run; {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    with (
        postgres_schema(url) as schema,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        server_version = conn.execute("SHOW server_version").fetchone()
        settings = Settings(database_url=url, postgres_schema=schema, projector="off")
        ledger = build_ledger(settings)
        try:
            print(f"Preparing a ledger in the throw-away schema {schema} ...", flush=True)
            dataset, preparation = prepare(ledger, conn, schema, events)
            print(
                f"Prepared {preparation['events']:,} events in {preparation['total_s']:.1f} s: "
                f"generated and saved in {preparation['generate_and_save_s']:.1f} s, read models "
                f"projected in {preparation['initial_projection_s']:.1f} s, VACUUM ANALYZE "
                f"{preparation['vacuum_s']:.1f} s. Events table "
                f"{(preparation['events_table_bytes'] or 0) / 2**20:.0f} MiB, read models "
                f"{preparation['read_model_bytes'] / 2**20:.0f} MiB.\n"
                f"  {len(dataset.groups)} groups; records "
                + ", ".join(f"{n:,} {k}" for k, n in dataset.records.items())
                + f"; {dataset.backdated:,} back-dated effective times; recorded "
                f"{dataset.first_recorded:%Y-%m-%d} to {dataset.last_recorded:%Y-%m-%d}.",
                flush=True,
            )
            keys = [
                (row[0], row[1])
                for row in conn.execute(
                    SQL(
                        "SELECT originator_id, originator_version FROM {}.{} "
                        "ORDER BY random() LIMIT 5000"
                    ).format(Identifier(schema), Identifier(EVENTS_TABLE))
                )
            ]
            results = []
            with (
                api_server(url, schema) as base,
                httpx.Client(
                    base_url=base,
                    headers={"Authorization": f"Bearer {dataset.admin_key}"},
                    timeout=60,
                ) as client,
            ):
                for index in range(runs):
                    run = one_run(index, ledger, client, conn, schema, dataset, keys, requests)
                    results.append(run)
                    lat = run["latency"]
                    print(
                        f"run {index + 1}/{runs}: state p50 {fmt_ms(lat['state']['p50'])} ms, "
                        f"timeline p50 {fmt_ms(lat['timeline']['p50'])} ms, /health p50 "
                        f"{fmt_ms(lat['health']['p50'])} ms, PK SELECT p50 "
                        f"{fmt_ms(lat['pk']['p50'])} ms; rebuild "
                        f"{run['rebuild']['rate']:,.0f} ev/s ({run['rebuild']['seconds']:.1f} s), "
                        f"verify {run['verify']['rate']:,.0f} ev/s "
                        f"({run['verify']['seconds']:.1f} s), raw scan "
                        f"{run['scan']['rate']:,.0f} ev/s; read models "
                        f"{run['read_model_bytes'] / 2**20:.0f} MiB",
                        flush=True,
                    )
        finally:
            ledger.close()
    summary = summarise(results)
    print()
    print(
        f"Results: {dataset.events:,} events, {len(dataset.groups)} groups; "
        f"median of {runs} run(s) (min-max across runs); ratio = the figure's cost over the "
        "baseline's (time per request, or per event), taken within each run."
    )
    for line in table(summary):
        print(line)
    print(
        f"Mean response size: state {summary['state.mean_bytes']['median'] / 1024:.1f} KiB, "
        f"timeline {summary['timeline.mean_bytes']['median'] / 1024:.1f} KiB. "
        f"Load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )
    if summary["health.p50_ms"]["median"] > 20:
        print(
            "WARNING: /health takes over 20 ms: look for Nagle/delayed-ACK stalls "
            "(TCP_NODELAY, see ../shared/notes/performance-facts.md)."
        )
    if summary["scan/verify"]["median"] > VERIFY_TARGET:
        print(
            f"WARNING: accord verify runs below 1/{VERIFY_TARGET:g} of the raw scan's rate "
            "(the project's target: verify >= 0.5 x raw scan)."
        )
    document = {
        "config": config,
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "machine": {**machine(), "postgres": server_version[0] if server_version else None},
        "method": {
            "server": "uvicorn, 1 worker, create_app(Settings()) in a subprocess, "
            "ACCORD_PROJECTOR=off, no access log",
            "client": "httpx.Client, one keep-alive connection, sequential requests",
            "interleaving": "health, PK SELECT, state, timeline one by one, rotating order",
            "warmup_per_kind": WARMUP,
            "state_as_of": "uniform between the group's first event and the ledger's last",
            "timeline_after": "uniform position in [0, head]",
            "groups": "uniform",
            "ratio": "figure cost / baseline cost within each run; median and range of runs",
            "verify": "ledger.verify_chain(), as `accord verify` runs it, between the raw "
            f"scans; the project's target is scan/verify <= {VERIFY_TARGET:g}",
        },
        "preparation": preparation,
        "runs": results,
        "summary": summary,
    }
    report_events = env_int("BENCH_REPORT_EVENTS", 1_000_000)
    if report_events > 0:
        from bench.reports import section  # it imports this module's helpers

        document["reports"] = section(url, report_events, runs)
    else:
        print("Accountability report section skipped (BENCH_REPORT_EVENTS=0).")
    RESULTS.write_text(json.dumps(jsonable(document), indent=2) + "\n")
    print(f"Wrote {RESULTS.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
