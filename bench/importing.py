"""`accord import` on PostgreSQL and SQLite, each beside raw bulk loading of the same rows.

A section of `make bench` (`section(url, runs, events)`), or on its own:
`python -m bench.importing`. Once, in a throw-away PostgreSQL schema, it generates a ledger
of about BENCH_IMPORT_EVENTS events (application.synthetic) and exports it with the code
`accord export` runs. Then, each run:

- FIGURE: the export imported into a fresh, empty ledger (a new schema; a new SQLite file)
  by the code `accord import` runs: `ledger.transfer.import_lines` over the CLI's own reader of the
  file (parse, validate, seal, replay each record for its index row, hash the chain, and
  store it all in one transaction), then `ledger.projector.catch_up()` (the read models).
  Both stages are timed, and reported alone and together.
- BASELINE, in the same run: the same rows (originator_id, originator_version, topic,
  state, position), already in memory, loaded raw into a plain table of the events
  table's shape in a fresh schema or file: PostgreSQL by one binary COPY in one
  transaction (bigserial notification_id, uuid, bigint, text, bytea, primary key
  (originator_id, originator_version), unique index on notification_id); SQLite by one
  sqlite3 executemany in one transaction (WAL, as the library opens it).

The project's target: import >= 0.5 x the raw load's events/s, on each store.

Environment:
  BENCH_IMPORT_EVENTS  events in the exported ledger (default 100000; 0 skips the section)
  BENCH_RUNS           repetitions (default 5)
  BENCH_POSTGRES_URL   as for bench/run.py
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from application.ledger import Ledger
from application.synthetic import generate
from bench.common import env_int, run_alone
from bench.document import text_table
from bench.stats import spread
from interfaces.bootstrap import build_ledger
from interfaces.cli.transfer import _read, export
from interfaces.settings import Settings
from tests.conftest import postgres_schema

TARGET = 0.5  # import >= 0.5 x the raw load's events/s
STORES = ("postgres", "sqlite")
RAW = {
    "postgres": "raw COPY (binary, 1 transaction)",
    "sqlite": "raw sqlite3 executemany (1 transaction)",
}
# (key, label): the stages of an import, and the whole.
STAGES = (
    ("accord_import", "accord import, whole (storing, then read models)"),
    ("import_lines", "  its storing: ledger.transfer.import_lines(file)"),
    ("catch_up", "  its read models: ledger.projector.catch_up()"),
)
Row = tuple[uuid.UUID, int, str, bytes, int]


# Preparation.


def prepare(url: str, events: int, directory: Path) -> tuple[Path, list[Row], dict[str, Any]]:
    """The export file, its events as rows for the raw loads, and what making them took."""
    path = directory / "ledger.jsonl"
    print(f"Generating about {events:,} events in a throw-away schema ...", flush=True)
    with postgres_schema(url) as schema:
        settings = Settings(database_url=url, postgres_schema=schema, projector="off")
        ledger = build_ledger(settings)
        try:
            started = time.perf_counter()
            dataset = generate(ledger, events)
            generated = time.perf_counter() - started
        finally:
            ledger.close()
        started = time.perf_counter()
        export(argparse.Namespace(file=str(path), format="jsonl"), settings)
        exported = time.perf_counter() - started
    rows = raw_rows(path)
    print(
        f"Generated {dataset.events:,} events in {generated:.1f} s and exported them in "
        f"{exported:.1f} s: {path.stat().st_size / 2**20:.0f} MiB of JSON Lines.",
        flush=True,
    )
    return (
        path,
        rows,
        {
            "events": dataset.events,
            "generate_s": generated,
            "export_s": exported,
            "file_bytes": path.stat().st_size,
        },
    )


def raw_rows(path: Path) -> list[Row]:
    """(originator_id, originator_version, topic, state, position) of every exported event."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for text in lines:
            line = json.loads(text)
            if "position" in line:
                rows.append(
                    (
                        uuid.UUID(line["originator_id"]),
                        int(line["originator_version"]),
                        line["topic"],
                        base64.b64decode(line["state"]),
                        int(line["position"]),
                    )
                )
    return rows


# Measurements.


def timed_import(ledger: Ledger, path: Path, count: int) -> dict[str, Any]:
    """FIGURE: what `accord import` runs once the ledger is open (interfaces.cli.transfer)."""
    started = time.perf_counter()
    imported = ledger.transfer.import_lines(_read(str(path)))
    stored = time.perf_counter()
    projected = ledger.projector.catch_up()
    finished = time.perf_counter()
    if imported != count or projected != count:
        raise RuntimeError(f"imported {imported} and projected {projected} of {count} events")
    verified = ledger.integrity.verify_chain()
    if not verified.intact or verified.events != count:
        raise RuntimeError(f"the imported chain does not verify: {verified.broken}")
    return {
        "import_lines": rate(count, stored - started),
        "catch_up": rate(count, finished - stored),
        "accord_import": rate(count, finished - started),
    }


def import_postgres(url: str, path: Path, count: int) -> dict[str, Any]:
    with postgres_schema(url) as schema:
        settings = Settings(database_url=url, postgres_schema=schema, projector="off")
        ledger = build_ledger(settings)
        try:
            return timed_import(ledger, path, count)
        finally:
            ledger.close()


def import_sqlite(directory: Path, path: Path, count: int) -> dict[str, Any]:
    with fresh_file(directory, "imported") as db:
        ledger = build_ledger(Settings(database_url=f"sqlite:///{db}", projector="off"))
        try:
            return timed_import(ledger, path, count)
        finally:
            ledger.close()


def raw_copy(url: str, rows: list[Row]) -> dict[str, Any]:
    """BASELINE: one binary COPY of the rows into a plain events table, one transaction."""
    with postgres_schema(url) as schema, psycopg.connect(url, autocommit=True) as conn:
        table = Identifier(schema, "ledger_events")
        conn.execute(
            SQL(
                "CREATE TABLE {} (originator_id uuid NOT NULL, originator_version bigint "
                "NOT NULL, topic text, state bytea, notification_id bigserial, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(table)
        )
        conn.execute(
            SQL("CREATE UNIQUE INDEX {} ON {} (notification_id)").format(
                Identifier("ledger_events_notification_id_idx"), table
            )
        )
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            statement = SQL(
                "COPY {} (originator_id, originator_version, topic, state, notification_id) "
                "FROM STDIN (FORMAT BINARY)"
            ).format(table)
            with cur.copy(statement) as copy:
                copy.set_types(["uuid", "int8", "text", "bytea", "int8"])
                for row in rows:
                    copy.write_row(row)
        return rate(len(rows), time.perf_counter() - started)


def raw_executemany(directory: Path, rows: list[Row]) -> dict[str, Any]:
    """BASELINE: one sqlite3 executemany of the rows into a plain events table (WAL, as
    the library opens its files), one transaction."""
    with fresh_file(directory, "raw") as db, contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.commit()
        started = time.perf_counter()
        with conn:
            conn.executemany(
                "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, "
                "state) VALUES (?, ?, ?, ?, ?)",
                [(r[4], r[0].hex, r[1], r[2], r[3]) for r in rows],
            )
        return rate(len(rows), time.perf_counter() - started)


def rate(events: int, seconds: float) -> dict[str, Any]:
    return {"events": events, "seconds": seconds, "rate": events / seconds}


@contextmanager
def fresh_file(directory: Path, name: str) -> Iterator[Path]:
    """A new SQLite file's path, removed with its WAL afterwards."""
    path = directory / f"{name}-{uuid.uuid4().hex[:8]}.db"
    try:
        yield path
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def one_run(index: int, url: str, directory: Path, path: Path, rows: list[Row]) -> dict[str, Any]:
    """Both stores; on each, the raw load and the import in alternating order."""
    run: dict[str, Any] = {}
    loads: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[], dict[str, Any]]]] = {
        "postgres": (
            lambda: raw_copy(url, rows),
            lambda: import_postgres(url, path, len(rows)),
        ),
        "sqlite": (
            lambda: raw_executemany(directory, rows),
            lambda: import_sqlite(directory, path, len(rows)),
        ),
    }
    for store, (raw, imported) in loads.items():
        if index % 2:
            figures = imported()
            baseline = raw()
        else:
            baseline = raw()
            figures = imported()
        run[store] = {"raw": baseline, **figures}
    return run


# Summary and report.


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    figures: dict[str, list[float]] = {}
    for run in runs:
        for store in STORES:
            raw = run[store]["raw"]["rate"]
            figures.setdefault(f"{store}.raw", []).append(raw)
            for key, _ in STAGES:
                value = run[store][key]["rate"]
                figures.setdefault(f"{store}.{key}", []).append(value)
                figures.setdefault(f"{store}.{key}/raw", []).append(value / raw)
    return {name: spread(values) for name, values in figures.items()}


def cell(s: dict[str, float], fmt: Callable[[float], str], unit: str = "") -> str:
    """The median of runs, then (with several runs) their range."""
    if s["min"] == s["max"]:
        return f"{fmt(s['median'])}{unit}"
    return f"{fmt(s['median'])}{unit} ({fmt(s['min'])}-{fmt(s['max'])})"


def events_per_s(value: float) -> str:
    return f"{value:,.0f}"


def times(value: float) -> str:
    return f"{value:.2f}x"


def table_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for store in STORES:
        for key, label in STAGES:
            ratio = summary[f"{store}.{key}/raw"]
            # The target is the whole import's and the storing stage's; the read-model
            # stage is shown for where the time goes.
            targeted = key != "catch_up"
            rows.append(
                {
                    "figure": f"{store}: {label.strip()}",
                    "value": cell(summary[f"{store}.{key}"], events_per_s, " ev/s"),
                    "baseline": RAW[store],
                    "baseline_value": cell(summary[f"{store}.raw"], events_per_s, " ev/s"),
                    "ratio": cell(ratio, times),
                    "target": f">= {TARGET:g}x" if targeted else "-",
                    "met": ratio["median"] >= TARGET if targeted else None,
                }
            )
    return rows


def run_line(index: int, runs: int, run: dict[str, Any]) -> str:
    parts = []
    for store in STORES:
        figures = run[store]
        parts.append(
            f"{store} import {figures['accord_import']['rate']:,.0f} ev/s (storing "
            f"{figures['import_lines']['rate']:,.0f}, read models "
            f"{figures['catch_up']['rate']:,.0f}), raw {figures['raw']['rate']:,.0f} ev/s"
        )
    return f"run {index + 1}/{runs}: " + "; ".join(parts)


def section(url: str, runs: int, events: int) -> dict[str, Any]:
    """Prepare, measure, print; returns what goes under "importing" in results.json."""
    started_at = datetime.now(UTC)
    print(
        f"\nImport benchmark: about {events:,} events, {runs} run(s); load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="accord-import-") as name:
        directory = Path(name)
        path, rows, preparation = prepare(url, events, directory)
        for index in range(runs):
            run = one_run(index, url, directory, path, rows)
            results.append(run)
            print(run_line(index, runs, run), flush=True)
    summary = summarise(results)
    rows_ = table_rows(summary)
    print()
    print(
        f"Import: {preparation['events']:,} events "
        f"({preparation['file_bytes'] / 2**20:.0f} MiB export); median of {runs} run(s) "
        "(min-max across runs); ratio = the figure's events/s over the baseline's, taken "
        f"within each run; the project's target is >= {TARGET:g}x."
    )
    for line in text_table(rows_):
        print(line)
    return {
        "config": {"events": events, "runs": runs},
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "method": {
            "figure": "a fresh empty ledger per run (new schema / new file), then "
            "ledger.transfer.import_lines(interfaces.cli.transfer._read(file)) and "
            "ledger.projector.catch_up(), as `accord import` runs them; the chain is "
            "verified afterwards (untimed)",
            "baseline": "the same rows from memory: PostgreSQL one binary COPY into a plain "
            "table of the events table's shape in a fresh schema; SQLite one sqlite3 "
            "executemany into a plain table of stored_events' shape in a fresh WAL file; "
            "each in one transaction, commit included",
            "order": "raw load and import alternate which goes first, run by run",
            "target": f"import events/s >= {TARGET:g} x the raw load's, per store",
        },
        "preparation": preparation,
        "runs": results,
        "summary": summary,
        "table": rows_,
    }


def main() -> int:
    """The section alone; puts "import" in bench/results.json (as `make bench` does)."""
    events = env_int("BENCH_IMPORT_EVENTS", 100_000)
    return run_alone("import", lambda url, runs: section(url, runs, events))


if __name__ == "__main__":
    sys.exit(main())
