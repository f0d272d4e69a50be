"""The throughput section: read-model rebuild and `accord verify` beside a raw keyset scan."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.sql import Identifier

from application.ledger import Ledger
from application.synthetic import generate
from bench.common import EVENTS_TABLE
from bench.document import text_table
from bench.measure import raw_scan, read_model_bytes, read_stage, rebuild, vacuum, verify
from bench.stats import spread
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import postgres_schema


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
