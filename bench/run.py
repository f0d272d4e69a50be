"""`make bench`: every figure of Accord's speed, each beside a baseline of the same run.

The machine is shared and noisy, so no figure stands alone: each run measures a figure and
its baseline together, and the ratios are taken per run. Sections (BENCH_SECTIONS, comma
separated; default all of them):

  recording   commands over HTTP with wrk beside a bare endpoint and raw inserts
              (bench/recording.py)
  import      `accord import` beside raw COPY / executemany (bench/importing.py)
  throughput  read-model rebuild and `accord verify` beside a raw keyset scan (here)
  scale       as-of state, timeline page and report latency on growing ledgers
              (bench/scale.py)

It prints one table, writes the raw figures to bench/results.json and the method, machine
and figures to docs/performance.md.

Environment:
  BENCH_RUNS          repetitions of every measurement (default 3)
  BENCH_EVENTS        events in the throughput section's ledger (default 100000), and the
                      import section's unless BENCH_IMPORT_EVENTS is set
  BENCH_POSTGRES_URL  PostgreSQL to use (default: the tests' ACCORD_TEST_POSTGRES_URL or
                      postgresql://postgres@127.0.0.1:5432/test); each section creates
                      throw-away schemas and drops them at the end.
  Each section's module documents its own settings.
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
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from application.ledger import Ledger
from application.projections.describe import describe
from application.synthetic import Dataset, generate
from bench.document import all_rows, text_table, write
from bench.stats import latency, spread
from infrastructure.readmodels import READ_MODEL_TABLES
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import POSTGRES_URL, postgres_schema

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
PERFORMANCE = ROOT / "docs" / "performance.md"
EVENTS_TABLE = "ledger_events"  # the library's table for the application named "Ledger"
SCAN_PAGE = 1000
READ_PAGE = 500  # the projector's page size
WARMUP = 20
MIN_SECONDS = 1.0  # the scans and verify repeat whole passes for at least this long
KINDS = ("health", "pk", "state", "timeline")


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


# Measurements.


def scan_once(conn: psycopg.Connection[Any], schema: str) -> tuple[int, int]:
    """BASELINE: one keyset pass over the events table, pages of 1,000; (ns, events)."""
    statement = SQL(
        "SELECT * FROM {}.{} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(Identifier(schema), Identifier(EVENTS_TABLE))
    count = after = 0
    started = time.perf_counter_ns()
    with conn.cursor() as cur:
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
    return time.perf_counter_ns() - started, count


def passes(one_pass: Callable[[], int]) -> dict[str, Any]:
    """Whole passes (each returning the events it read) until MIN_SECONDS have passed, so
    that a small ledger is timed over more than one pass; events/s over all of them."""
    count = done = 0
    started = time.perf_counter()
    while not done or time.perf_counter() - started < MIN_SECONDS:
        count += one_pass()
        done += 1
    seconds = time.perf_counter() - started
    return {"events": count // done, "passes": done, "seconds": seconds, "rate": count / seconds}


def raw_scan(conn: psycopg.Connection[Any], schema: str) -> dict[str, Any]:
    """BASELINE: whole keyset scans of the events table (scan_once)."""
    return passes(lambda: scan_once(conn, schema)[1])


def read_stage(ledger: Ledger) -> dict[str, Any]:
    """Where a rebuild's time goes: the projector's reading alone (log pages of 500,
    decoded to domain events and described), without computing or writing read models."""

    def one_pass() -> int:
        count, start = 0, 1
        while page := ledger.recorder.select_notifications(
            start, READ_PAGE, inclusive_of_start=True
        ):
            for n in page:
                describe(n.id, ledger.mapper.to_domain_event(n))
            count += len(page)
            start = page[-1].id + 1
        return count

    return passes(one_pass)


def rebuild(ledger: Ledger) -> dict[str, Any]:
    """FIGURE: ledger.projector.rebuild(), all read models from position zero."""
    started = time.perf_counter()
    count = ledger.projector.rebuild()
    seconds = time.perf_counter() - started
    return {"events": count, "seconds": seconds, "rate": count / seconds}


def verify(ledger: Ledger) -> dict[str, Any]:
    """FIGURE: `accord verify`, that is ledger.integrity.verify_chain(): the hash chain recomputed
    from the stored events (whole passes, like the scan's)."""

    def one_pass() -> int:
        result = ledger.integrity.verify_chain()
        if result.broken is not None:
            raise RuntimeError(
                f"the chain breaks at {result.broken.position}: {result.broken.reason}"
            )
        return result.events

    return passes(one_pass)


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


def one_run(ledger: Ledger, conn: psycopg.Connection[Any], schema: str) -> dict[str, Any]:
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
    return {
        "scan": scan,
        "read_stage": reading,
        "rebuild": rebuilt,
        "verify": verified,
        "read_model_bytes": read_model_bytes(conn, schema),
    }


# Summary.

SCAN_LABEL = "raw keyset scan, 1,000/page"
THROUGHPUT_ROWS = (
    ("read-model rebuild (accord project --rebuild)", "rebuild", True),
    ("  of which reading: log pages of 500, decode, describe", "read_stage", False),
    ("accord verify", "verify", True),
)


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and range across runs of every figure, baseline and per-run ratio."""
    figures: dict[str, list[float]] = {}
    for run in runs:
        for name in ("scan", "read_stage", "rebuild", "verify"):
            figures.setdefault(f"{name}.events_per_s", []).append(run[name]["rate"])
            ratio = run[name]["rate"] / run["scan"]["rate"]
            figures.setdefault(f"{name}/scan", []).append(ratio)
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


def rate(value: float) -> str:
    return f"{value:,.0f}"


def throughput_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for label, name, targeted in THROUGHPUT_ROWS:
        ratio = summary[f"{name}/scan"]
        rows.append(
            {
                "figure": label,
                "value": cell(summary, f"{name}.events_per_s", rate, " ev/s"),
                "baseline": SCAN_LABEL,
                "baseline_value": cell(summary, "scan.events_per_s", rate, " ev/s"),
                "ratio": cell(summary, f"{name}/scan", lambda v: f"{v:.2f}x"),
                "target": ">= 0.5x" if targeted else "",
                "met": ratio["median"] >= 0.5 if targeted else None,
            }
        )
    return rows


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


def throughput(url: str, events: int, runs: int) -> dict[str, Any]:
    """The rebuild and verify section: one ledger of `events` events, `runs` runs."""
    print(f"\n== Read-model rebuild and verification: {events:,} events, {runs} run(s)", flush=True)
    with (
        postgres_schema(url) as schema,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        ledger = build_ledger(Settings(database_url=url, postgres_schema=schema, projector="off"))
        try:
            dataset, preparation = prepare(ledger, conn, schema, events)
            print(
                f"Prepared {preparation['events']:,} events in {preparation['total_s']:.1f} s "
                f"({len(dataset.groups)} groups).",
                flush=True,
            )
            results = []
            for index in range(runs):
                run = one_run(ledger, conn, schema)
                results.append(run)
                print(
                    f"run {index + 1}/{runs}: rebuild {run['rebuild']['rate']:,.0f} ev/s "
                    f"({run['rebuild']['seconds']:.1f} s), verify "
                    f"{run['verify']['rate']:,.0f} ev/s, raw scan {run['scan']['rate']:,.0f} "
                    "ev/s",
                    flush=True,
                )
        finally:
            ledger.close()
    summary = summarise(results)
    rows = throughput_rows(summary)
    for line in text_table(rows):
        print(line)
    return {
        "method": "One PostgreSQL ledger made by application/synthetic; per run, the raw scan "
        "(before and after), `accord verify` (ledger.integrity.verify_chain()), the projector's "
        "reading alone, and the rebuild of every read model from position zero "
        "(ledger.projector.rebuild(), as `accord project --rebuild` runs it).",
        "preparation": preparation,
        "runs": results,
        "summary": summary,
        "table": rows,
    }


SECTION_NAMES = ("recording", "import", "throughput", "scale")


def run_alone(key: str, measure: Callable[[str, int], dict[str, Any]]) -> int:
    """A section on its own (`python -m bench.<module>`): measured with BENCH_RUNS runs and
    put under `key` in bench/results.json, beside what an earlier run left there."""
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    result = measure(url, env_int("BENCH_RUNS", 3))
    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"machine": machine()}
    document[key] = jsonable(result)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f'Wrote {RESULTS.relative_to(ROOT)} ("{key}").')
    return 0


def main() -> int:
    runs = env_int("BENCH_RUNS", 3)
    events = env_int("BENCH_EVENTS", 100_000)
    chosen = os.environ.get("BENCH_SECTIONS", "").strip()
    sections = [s.strip() for s in chosen.split(",") if s.strip()] or list(SECTION_NAMES)
    unknown = set(sections) - set(SECTION_NAMES)
    if unknown:
        raise SystemExit(f"BENCH_SECTIONS: unknown {sorted(unknown)}; choose from {SECTION_NAMES}")
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    with psycopg.connect(url, autocommit=True) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()
    document: dict[str, Any] = {
        "config": {"runs": runs, "events": events, "sections": sections},
        "started_at": datetime.now(UTC),
        "machine": {**machine(), "postgres": server_version[0] if server_version else None},
    }
    print(
        f"Accord benchmark: sections {', '.join(sections)}; {runs} run(s) each; "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    if "recording" in sections:
        from bench import recording

        document["recording"] = recording.section(url, runs)
    if "import" in sections:
        from bench import importing

        document["import"] = importing.section(url, runs, env_int("BENCH_IMPORT_EVENTS", events))
    if "throughput" in sections:
        document["throughput"] = throughput(url, events, runs)
    if "scale" in sections:
        from bench import scale

        document["scale"] = scale.section(url, runs)
    document["finished_at"] = datetime.now(UTC)
    rows = all_rows(document)
    print(
        f"\nResults: median of {runs} run(s) (min-max across runs); each figure beside a "
        "baseline measured in the same run."
    )
    for line in text_table(rows):
        print(line)
    RESULTS.write_text(json.dumps(jsonable(document), indent=2) + "\n")
    write(document, PERFORMANCE, "make bench")
    print(f"Wrote {RESULTS.relative_to(ROOT)} and {PERFORMANCE.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
