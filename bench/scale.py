"""How the read side scales: as-of state, timeline pages and accountability reports on ledgers
of growing size, each beside baselines measured in the same run.

A section of `make bench` (bench/run.py calls `section`), or on its own:
`python -m bench.scale`. For each size in BENCH_SCALE_SIZES it builds a ledger in a
throw-away PostgreSQL schema with application.synthetic, catches the read models up, runs VACUUM
ANALYZE, starts the API server and measures, per run:

- GET /groups/{id}/state?as_of=T (a random group, T uniform between the group's first event
  and the ledger's last) and GET /groups/{id}/timeline?limit=100&after=P (P uniform in
  [0, head]), interleaved one by one with their floors GET /health and a raw primary-key
  SELECT of one event (bench.run.latencies);
- GET /reports/accountability?interval=quarter for the whole ledger, and for one group
  (the busiest; with include_subgroups=false), over the default period: the year up to now.
  That is the question a national programme's reviewer asks first (where accountability
  sits across the programme, how it moved last year, quarter by quarter), and then of
  each group. Their baseline is one keyset pass over the events table with raw psycopg,
  interleaved (bench.run.scan_once): a report slower than that reads more than the
  ledger itself.

A bigger ledger here is a bigger programme, not one group growing without bound: bounded
activity per group per year, more groups and a longer history as the ledger grows (see
application/synthetic: 10 groups over 1 year at 10,000 events, 50 over 2 years at 100,000,
about 330 over 3 years at 1,000,000). So "flat" means what a reader of one group, or of one
year, waits for does not grow with the programme's size and age; the growth rows compare
the largest size with the smallest, beyond the /health floor's p99 measured interleaved
with them in each run (the floor's own growth beside them shows the noise).

Environment:
  BENCH_SCALE_SIZES     comma-separated ledger sizes (default 10000,100000,1000000)
  BENCH_RUNS            repetitions at each size (default 5)
  BENCH_SCALE_REQUESTS  timed state/timeline requests of each kind per run (default 400)
  BENCH_SCALE_REPORTS   timed reports of each kind per run at most (default 20): fewer when
                        they would not fit in BENCH_SCALE_BUDGET seconds per kind and run
                        (default 20), at least 3
  BENCH_POSTGRES_URL    as for bench/run.py
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from application.synthetic import Dataset, generate, groups_for, years_for
from bench import pages as console_pages
from bench.api import api_server
from bench.common import EVENTS_TABLE, env_int, fmt_ms, run_alone
from bench.document import text_table
from bench.measure import latencies, read_model_bytes, scan_once, vacuum
from bench.stats import latency, spread
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import postgres_schema

DEFAULT_SIZES = "10000,100000,1000000"
REPORT_PATH = "/reports/accountability"
INTERVAL = "quarter"
MIN_REPORTS = 3
# The project's targets, on a 1,000,000-event PostgreSQL ledger.
STATE_P99_MS = 20.0
TIMELINE_P99_MS = 20.0
REPORT_MS = 500.0
FLAT = 1.5  # largest size's p99 over the smallest's, at most
LATENCY_KINDS = ("state", "timeline")
REPORT_KINDS = ("group", "ledger")


def sizes_from_env() -> list[int]:
    return parse_sizes(os.environ.get("BENCH_SCALE_SIZES", "").strip() or DEFAULT_SIZES)


def parse_sizes(text: str) -> list[int]:
    """Comma-separated ledger sizes ("10000,1_000_000")."""
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


# Preparation.


def busiest_group(conn: psycopg.Connection[Any], schema: str) -> str:
    row = conn.execute(
        SQL(
            "SELECT group_id FROM {}.accord_timeline WHERE group_id IS NOT NULL "
            "GROUP BY group_id ORDER BY count(*) DESC, group_id LIMIT 1"
        ).format(Identifier(schema))
    ).fetchone()
    if row is None:
        raise RuntimeError("the read models hold no group")
    return str(row[0])


def prepare(url: str, schema: str, events: int) -> tuple[Dataset, dict[str, Any]]:
    settings = Settings(database_url=url, postgres_schema=schema, projector="off")
    ledger = build_ledger(settings)
    try:
        started = time.perf_counter()
        dataset = generate(ledger, events)
        generated = time.perf_counter() - started
        print(
            f"  generated {dataset.events:,} events in {generated:.1f} s "
            f"({dataset.events / generated:,.0f} ev/s): {len(dataset.groups)} groups, "
            f"recorded {dataset.first_recorded:%Y-%m-%d} to {dataset.last_recorded:%Y-%m-%d}",
            flush=True,
        )
        started = time.perf_counter()
        projected = ledger.projector.catch_up()
        caught_up = time.perf_counter() - started
        print(
            f"  read models caught up in {caught_up:.1f} s ({projected / caught_up:,.0f} ev/s)",
            flush=True,
        )
    finally:
        ledger.close()
    with psycopg.connect(url, autocommit=True) as conn:
        vacuumed = vacuum(conn, schema)
        size = conn.execute(
            "SELECT pg_total_relation_size(%s::regclass)",
            (Identifier(schema, EVENTS_TABLE).as_string(conn),),
        ).fetchone()
        return dataset, {
            "events": dataset.events,
            "groups": len(dataset.groups),
            "years": years_for(events),
            "records": dataset.records,
            "recorded_from": dataset.first_recorded,
            "recorded_to": dataset.last_recorded,
            "generate_s": generated,
            "generate_events_per_s": dataset.events / generated,
            "catch_up_s": caught_up,
            "catch_up_events_per_s": projected / caught_up,
            "vacuum_s": vacuumed,
            "events_table_bytes": int(size[0]) if size else None,
            "read_model_bytes": read_model_bytes(conn, schema),
            "report_group": busiest_group(conn, schema),
        }


# Measurements.


def reports(
    client: httpx.Client,
    conn: psycopg.Connection[Any],
    schema: str,
    group: str,
    limit: int,
    budget: float,
) -> dict[str, Any]:
    """Reports of both kinds and scans of the events table, interleaved in blocks of one
    each (rotating their order); as many blocks as fit the budget, by the warm-up times."""
    params = {
        "group": {"group": group, "interval": INTERVAL},
        "ledger": {"interval": INTERVAL},
    }

    def report(kind: str) -> tuple[int, int]:
        started = time.perf_counter_ns()
        response = client.get(REPORT_PATH, params=params[kind])
        elapsed = time.perf_counter_ns() - started
        if response.status_code != 200:
            raise RuntimeError(f"{kind} report: {response.status_code} {response.text[:300]}")
        return elapsed, len(response.content)

    slowest = max(report(kind)[0] for kind in REPORT_KINDS)
    scan_ns, events = scan_once(conn, schema)
    blocks = max(MIN_REPORTS, min(limit, int(budget / ((slowest + scan_ns) / 1e9))))
    samples: dict[str, list[int]] = {"group": [], "ledger": [], "scan": []}
    sizes: dict[str, list[int]] = {"group": [], "ledger": []}
    order = ("scan", *REPORT_KINDS)
    for block in range(blocks):
        shift = block % len(order)
        for kind in order[shift:] + order[:shift]:
            if kind == "scan":
                elapsed, count = scan_once(conn, schema)
                if count != events:
                    raise RuntimeError(f"scanned {count} events, then {events}")
                samples["scan"].append(elapsed)
            else:
                elapsed, size = report(kind)
                samples[kind].append(elapsed)
                sizes[kind].append(size)
    result: dict[str, Any] = {kind: latency(values) for kind, values in samples.items()}
    for kind, values in sizes.items():
        result[kind]["mean_bytes"] = sum(values) / len(values)
    result["scan"]["events"] = events
    return result


def measure_size(url: str, events: int, runs: int, pages: bool = False) -> dict[str, Any]:
    requests = env_int("BENCH_SCALE_REQUESTS", 400)
    limit = env_int("BENCH_SCALE_REPORTS", 20)
    budget = float(env_int("BENCH_SCALE_BUDGET", 20))
    print(
        f"\nLedger of about {events:,} events ({groups_for(events)} groups over "
        f"{years_for(events)} year(s)):",
        flush=True,
    )
    with postgres_schema(url) as schema:
        dataset, preparation = prepare(url, schema, events)
        results = []
        with (
            psycopg.connect(url, autocommit=True) as conn,
            api_server(url, schema) as base,
            httpx.Client(
                base_url=base,
                headers={"Authorization": f"Bearer {dataset.admin_key}"},
                timeout=600,
            ) as client,
        ):
            keys = [
                (row[0], row[1])
                for row in conn.execute(
                    SQL(
                        "SELECT originator_id, originator_version FROM {}.{} "
                        "ORDER BY random() LIMIT 5000"
                    ).format(Identifier(schema), Identifier(EVENTS_TABLE))
                )
            ]
            head = dataset.events
            for index in range(runs):
                rng = random.Random(2000 + index)
                timed = latencies(client, conn, schema, dataset, head, keys, requests, rng)
                reported = reports(client, conn, schema, preparation["report_group"], limit, budget)
                run = {"latency": timed, "reports": reported}
                if pages:
                    run["pages"] = console_pages.latencies(
                        base, dataset.admin_key, dataset, head, preparation["report_group"], rng
                    )
                    print(f"  {console_pages.summary_line(run['pages'])}", flush=True)
                results.append(run)
                print(
                    f"  run {index + 1}/{runs}: state p99 {fmt_ms(timed['state']['p99'])} ms, "
                    f"timeline p99 {fmt_ms(timed['timeline']['p99'])} ms, /health p99 "
                    f"{fmt_ms(timed['health']['p99'])} ms, PK p99 {fmt_ms(timed['pk']['p99'])} "
                    f"ms; group report p50 {fmt_ms(reported['group']['p50'])} ms, whole-ledger "
                    f"report p50 {fmt_ms(reported['ledger']['p50'])} ms, raw scan p50 "
                    f"{fmt_ms(reported['scan']['p50'])} ms (n={reported['ledger']['n']})",
                    flush=True,
                )
    return {"events": events, "preparation": preparation, "runs": results}


# Summary and table.


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for run in runs:
        lat, rep = run["latency"], run["reports"]
        for kind in ("health", "pk", *LATENCY_KINDS):
            for q in ("p50", "p99"):
                add(f"{kind}.{q}_ms", lat[kind][q])
        for kind in LATENCY_KINDS:
            add(f"{kind}.mean_bytes", lat[kind]["mean_bytes"])
            for floor in ("health", "pk"):
                for q in ("p50", "p99"):
                    add(f"{kind}.{q}/{floor}.{q}", lat[kind][q] / lat[floor][q])
        for kind in (*REPORT_KINDS, "scan"):
            for q in ("p50", "p99"):
                add(f"report.{kind}.{q}_ms", rep[kind][q])
        for kind in REPORT_KINDS:
            add(f"report.{kind}.mean_bytes", rep[kind]["mean_bytes"])
            for q in ("p50", "p99"):
                add(f"report.{kind}.{q}/scan.{q}", rep[kind][q] / rep["scan"][q])
        if "pages" in run:
            for name, figure in console_pages.figures(run["pages"]).items():
                add(name, figure)
    return {name: spread(values) for name, values in figures.items()}


def value(summary: dict[str, Any], name: str, unit: str = " ms") -> str:
    s = summary[name]
    fmt = fmt_ms if unit == " ms" else (lambda v: f"{v:.2f}")
    if s["min"] == s["max"]:
        return f"{fmt(s['median'])}{unit}"
    return f"{fmt(s['median'])}{unit} ({fmt(s['min'])}-{fmt(s['max'])})"


def ratio(summary: dict[str, Any], name: str) -> str:
    return value(summary, name, "x")


def row(
    figure: str,
    val: str,
    baseline: str,
    baseline_value: str,
    rat: str,
    target: str = "",
    met: bool | None = None,
) -> dict[str, Any]:
    return {
        "figure": figure,
        "value": val,
        "baseline": baseline,
        "baseline_value": baseline_value,
        "ratio": rat,
        "target": target,
        "met": met,
    }


def size_rows(events: int, summary: dict[str, Any], largest: bool) -> list[dict[str, Any]]:
    """The rows of one size; the targets are the project's at 1,000,000 events, judged on
    the largest size measured (and shown, unjudged, on the others)."""
    rows = []
    at = f"{events:,} ev: "
    targets = {"state": STATE_P99_MS, "timeline": TIMELINE_P99_MS}
    labels = {
        "state": "GET /groups/{id}/state?as_of=T",
        "timeline": "GET /groups/{id}/timeline?limit=100",
    }
    for kind in LATENCY_KINDS:
        for q in ("p50", "p99"):
            for floor, floor_label in (("health", "GET /health"), ("pk", "raw PK SELECT")):
                median = summary[f"{kind}.{q}_ms"]["median"]
                judged = q == "p99" and floor == "health"
                rows.append(
                    row(
                        f"{at}{labels[kind]} {q}",
                        value(summary, f"{kind}.{q}_ms"),
                        f"{floor_label} {q}",
                        value(summary, f"{floor}.{q}_ms"),
                        ratio(summary, f"{kind}.{q}/{floor}.{q}"),
                        f"< {targets[kind]:g} ms" if judged else "",
                        (median < targets[kind] if largest else None) if judged else None,
                    )
                )
    labels = {
        "group": f"GET {REPORT_PATH}?group=G&interval={INTERVAL} (last year)",
        "ledger": f"GET {REPORT_PATH}?interval={INTERVAL} (whole ledger, last year)",
    }
    for kind in REPORT_KINDS:
        for q in ("p50", "p99"):
            median = summary[f"report.{kind}.{q}_ms"]["median"]
            rows.append(
                row(
                    f"{at}{labels[kind]} {q}",
                    value(summary, f"report.{kind}.{q}_ms"),
                    f"raw keyset scan of the events table once {q}",
                    value(summary, f"report.scan.{q}_ms"),
                    ratio(summary, f"report.{kind}.{q}/scan.{q}"),
                    f"< {REPORT_MS:g} ms" if q == "p99" else "",
                    (median < REPORT_MS if largest else None) if q == "p99" else None,
                )
            )
    if "pages.group.page.p99_ms" in summary:
        rows += page_rows(at, summary, largest)
    return rows


def page_rows(at: str, summary: dict[str, Any], largest: bool) -> list[dict[str, Any]]:
    """The console's pages beside their JSON twins (bench/pages.py)."""
    rows = []
    for kind in console_pages.KINDS:
        page_label, twin_label = console_pages.LABELS[kind]
        for q in ("p50", "p99"):
            judged = q == "p99"
            median = summary[f"pages.{kind}.{q}/json.{q}"]["median"]
            rows.append(
                row(
                    f"{at}{page_label} {q}",
                    value(summary, f"pages.{kind}.page.{q}_ms"),
                    f"{twin_label} {q}",
                    value(summary, f"pages.{kind}.json.{q}_ms"),
                    ratio(summary, f"pages.{kind}.{q}/json.{q}"),
                    f"ratio <= {console_pages.TARGET:g}x" if judged else "",
                    (median <= console_pages.TARGET if largest else None) if judged else None,
                )
            )
    return rows


def growth_rows(
    small: tuple[int, dict[str, Any]], large: tuple[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """p99 at the largest size over p99 at the smallest (medians of runs), beside the same
    ratio of the /health floor (what the machine's noise alone does). "Flat" is judged on
    the growth beyond the floor taken within each run, as every other ratio here is: the
    median over runs of p99 / the floor's p99 measured interleaved with it, at the largest
    size over the same at the smallest. (The quotient of the two growths, which mixes runs
    minutes apart, is printed too; it swings with whatever else the machine did between.)"""
    (n0, s0), (n1, s1) = small, large
    floor = s1["health.p99_ms"]["median"] / s0["health.p99_ms"]["median"]
    rows = []
    for label, name in (
        ("as-of group state p99", "state.p99"),
        ("timeline page p99", "timeline.p99"),
        ("one group's report p99", "report.group.p99"),
        ("whole-ledger report p99", "report.ledger.p99"),
    ):
        grown = s1[f"{name}_ms"]["median"] / s0[f"{name}_ms"]["median"]
        flat = name.startswith(("state", "timeline"))
        beyond = (
            s1[f"{name}/health.p99"]["median"] / s0[f"{name}/health.p99"]["median"]
            if flat
            else grown / floor
        )
        rows.append(
            row(
                f"growth {n0:,} -> {n1:,} ev: {label}",
                f"{grown:.2f}x",
                "GET /health p99, same sizes",
                f"{floor:.2f}x",
                f"{beyond:.2f}x (across runs {grown / floor:.2f}x)" if flat else f"{beyond:.2f}x",
                f"ratio <= {FLAT:g}x" if flat else "",
                beyond <= FLAT if flat else None,
            )
        )
    return rows


# The section.


def section(
    url: str, runs: int, sizes: list[int] | None = None, pages: bool = False
) -> dict[str, Any]:
    """Measure every size, print the table; returns what goes under "scale" in results.json.
    With `pages`, the console's pages are measured too, beside their JSON twins."""
    sizes = sorted(sizes or sizes_from_env())
    started_at = datetime.now(UTC)
    print(
        f"\nScale benchmark: ledgers of {', '.join(f'{n:,}' for n in sizes)} events, "
        f"{runs} run(s) each; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    measured = [measure_size(url, events, runs, pages) for events in sizes]
    summaries = [(m["events"], summarise(m["runs"])) for m in measured]
    table: list[dict[str, Any]] = []
    for index, (events, summary) in enumerate(summaries):
        table += size_rows(events, summary, index == len(summaries) - 1)
    if len(summaries) > 1:
        table += growth_rows(summaries[0], summaries[-1])
    print(
        f"\nScale: median of {runs} run(s) (min-max across runs); ratio = the figure's cost "
        "over the baseline's, taken within each run; targets judged at the largest size."
    )
    for line in text_table(table):
        print(line)
    for m in measured:
        p = m["preparation"]
        print(
            f"{p['events']:,} events: {p['groups']} groups over {p['years']} year(s); "
            f"generated at {p['generate_events_per_s']:,.0f} ev/s ({p['generate_s']:.0f} s), "
            f"read models caught up at {p['catch_up_events_per_s']:,.0f} ev/s "
            f"({p['catch_up_s']:.0f} s); events table {(p['events_table_bytes'] or 0) / 2**20:.0f}"
            f" MiB, read models {p['read_model_bytes'] / 2**20:.0f} MiB."
        )
    return {
        "config": {"sizes": sizes, "runs": runs, "pages": pages},
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "method": {
            "generator": "application.synthetic: bounded activity per group per year; more groups "
            "and a longer history as the ledger grows",
            "state_timeline": "bench.run.latencies: health, PK SELECT, state, timeline "
            "interleaved one by one on one keep-alive connection",
            "reports": f"interval={INTERVAL}, default period (the year up to now), as_of now; "
            "G = the group with the most timeline rows; blocks of one scan, one group report "
            "and one whole-ledger report, rotating order",
            "pages": "bench.pages: each console page and its JSON twin interleaved pair by "
            "pair, on the same server and ledger"
            if pages
            else "not measured",
            "targets": f"state and timeline p99 < {STATE_P99_MS:g} ms, report < {REPORT_MS:g} "
            f"ms (its p99), growth largest/smallest <= {FLAT:g}x, judged at the largest size",
        },
        "table": table,
        "sizes": [
            {**m, "summary": summary} for m, (_, summary) in zip(measured, summaries, strict=True)
        ],
    }


def main() -> int:
    """The section alone; puts "scale" in bench/results.json."""
    return run_alone("scale", section)


if __name__ == "__main__":
    sys.exit(main())
