"""The accountability report's latency over HTTP, beside reading the events table once.

A section of `make bench` (bench/run.py calls `section`), or on its own:
`python -m bench.reports`. In a throw-away PostgreSQL schema it builds a ledger of about
BENCH_REPORT_EVENTS events with `application.demo.synthetic`, catches the read models up,
then times `GET /reports/accountability` (quarterly series from the start of the history to
now) for one busy group and for the whole ledger. The BASELINE, measured in the same run and
interleaved with the requests, is one keyset pass over the events table with raw psycopg
(pages of 1,000): a report that takes longer than that reads more than the ledger itself.

Environment:
  BENCH_REPORT_EVENTS    events in the generated ledger (default 1000000; 0 skips the section)
  BENCH_RUNS             repetitions (default 5)
  BENCH_REPORT_REQUESTS  timed reports of each kind per run at most (default 100): fewer when
                         they would not fit in BENCH_REPORT_BUDGET (at least 3 of each)
  BENCH_REPORT_BUDGET    seconds per run (default 60), half for the group reports, half for
                         the whole-ledger reports with their baseline scans (estimated from
                         the warm-up requests)
  BENCH_REPORT_TIMEOUT   seconds a report may take (default 300)
  BENCH_REPORT_SERVER_MB address space allowed to the API server, in MiB (default: a third
                         of the machine's memory). A report that fails (too slow, out of
                         memory) is reported as failed and not requested again.
  BENCH_POSTGRES_URL     as for bench/run.py
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from application.demo import DemoResult, synthetic
from application.ledger import Ledger
from bench.run import (
    EVENTS_TABLE,
    RESULTS,
    ROOT,
    SCAN_PAGE,
    api_server,
    cell,
    env_int,
    fmt_ms,
    fmt_x,
    jsonable,
    machine,
    vacuum,
)
from bench.stats import latency, spread
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import POSTGRES_URL, postgres_schema

PATH = "/reports/accountability"
INTERVAL = "quarter"
KINDS = ("group", "ledger", "scan")
MIN_REQUESTS = 3  # reports of each kind (and scans) per run, whatever the budget
WARMUP_GROUP = 2


# Preparation.


def progress_printer(target: int) -> Callable[[int], None]:
    """A `progress` callback for `synthetic`: a line at every tenth of the target."""
    started = time.perf_counter()
    state = {"done": 0, "next": max(1, target // 10)}

    def report(saved: int) -> None:
        state["done"] += saved
        if state["done"] >= state["next"]:
            seconds = time.perf_counter() - started
            print(
                f"  generated {state['done']:,} events in {seconds:.1f} s "
                f"({state['done'] / seconds:,.0f} ev/s)",
                flush=True,
            )
            state["next"] += max(1, target // 10)

    return report


def busiest_group(conn: psycopg.Connection[Any], schema: str) -> tuple[str, int, int]:
    """The group with the most timeline rows, its row count, and how many groups there are."""
    row = conn.execute(
        SQL(
            "SELECT group_id, count(*) AS n, count(*) OVER () FROM {}.accord_timeline "
            "WHERE group_id IS NOT NULL GROUP BY group_id ORDER BY n DESC, group_id LIMIT 1"
        ).format(Identifier(schema))
    ).fetchone()
    if row is None:
        raise RuntimeError("the read models hold no group")
    return str(row[0]), int(row[1]), int(row[2])


def prepare(
    ledger: Ledger, conn: psycopg.Connection[Any], schema: str, events: int
) -> tuple[DemoResult, dict[str, Any]]:
    print(f"Generating about {events:,} events in the throw-away schema {schema} ...", flush=True)
    result = synthetic(ledger, events, progress=progress_printer(events))
    print(
        f"Generated and saved {result.events:,} events in {result.seconds:.1f} s "
        f"({result.events_per_second:,.0f} ev/s).",
        flush=True,
    )
    print("Catching the read models up (ledger.projector.catch_up()) ...", flush=True)
    started = time.perf_counter()
    projected = ledger.projector.catch_up()
    projection_s = time.perf_counter() - started
    print(
        f"Projected {projected:,} events in {projection_s:.1f} s "
        f"({projected / projection_s:,.0f} ev/s).",
        flush=True,
    )
    vacuum_s = vacuum(conn, schema)

    def size(table: str) -> int:
        name = Identifier(schema, table).as_string(conn)
        row = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (name,)).fetchone()
        return int(row[0]) if row else 0

    group, group_rows, groups = busiest_group(conn, schema)
    preparation: dict[str, Any] = {
        "events": result.events,
        "records": result.records,
        "groups": groups,
        "generate_and_save_s": result.seconds,
        "generate_events_per_s": result.events_per_second,
        "catch_up_events": projected,
        "catch_up_s": projection_s,
        "catch_up_events_per_s": projected / projection_s,
        "vacuum_s": vacuum_s,
        "events_table_bytes": size(EVENTS_TABLE),
        "timeline_bytes": size("accord_timeline"),
        "facts_bytes": size("accord_facts"),
        "history_from": result.start,
        "history_to": result.end,
        "group": group,
        "group_timeline_rows": group_rows,
    }
    print(
        f"VACUUM ANALYZE {vacuum_s:.1f} s. Events table "
        f"{preparation['events_table_bytes'] / 2**20:.0f} MiB, timeline "
        f"{preparation['timeline_bytes'] / 2**20:.0f} MiB, facts "
        f"{preparation['facts_bytes'] / 2**20:.0f} MiB. {groups:,} groups; the busiest, "
        f"{group}, has {group_rows:,} timeline rows. History from {result.start:%Y-%m-%d}.",
        flush=True,
    )
    return result, preparation


# The API server.


class Failure(Exception):
    """A report that did not come back: an error status, no answer in time, a dead server."""


def children() -> set[int]:
    """This process's child processes (Linux)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with suppress(OSError):
            found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


def status_mib(pid: int, field: str) -> int | None:
    """VmRSS, VmHWM (peak RSS), VmSize... of a process, in MiB."""
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) // 1024
    return None


def default_memory_mib() -> int:
    """A third of the machine's memory: the machine is shared."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024 // 3
    return 8192


class Server:
    """bench/server.py, started by bench.run.api_server, with its address space limited
    (RLIMIT_AS, so that a report too big for memory fails with MemoryError, answering 500,
    instead of bringing in the kernel's OOM killer); restarted after a failure."""

    def __init__(
        self, url: str, schema: str, api_key: str, memory_mib: int, timeout: float
    ) -> None:
        self.url, self.schema, self.api_key = url, schema, api_key
        self.memory_mib, self.timeout = memory_mib, timeout
        self.stack = ExitStack()
        self.pid = 0
        self.client: httpx.Client | None = None
        self.starts = 0
        self.earlier_peak = 0  # of servers stopped since reset_peak()

    def start(self) -> None:
        before = children()
        base = self.stack.enter_context(api_server(self.url, self.schema))
        new = children() - before
        if len(new) != 1:
            raise RuntimeError(f"cannot tell the API server among new child processes {new}")
        self.pid = new.pop()
        size = status_mib(self.pid, "VmSize") or 0
        if size >= self.memory_mib:
            raise RuntimeError(f"the API server already maps {size} MiB, over the limit")
        limit = self.memory_mib * 2**20
        resource.prlimit(self.pid, resource.RLIMIT_AS, (limit, limit))
        self.client = self.stack.enter_context(
            httpx.Client(
                base_url=base,
                headers={"Authorization": f"Bearer {self.api_key}"},
                timeout=self.timeout,
            )
        )
        self.starts += 1

    def stop(self) -> None:
        self.earlier_peak = max(self.earlier_peak, self.peak_rss_mib() or 0)
        self.stack.close()
        self.client = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def peak_rss_mib(self) -> int | None:
        """The peak resident memory of the server(s) since reset_peak()."""
        current = status_mib(self.pid, "VmHWM")
        return max(self.earlier_peak, current or 0) or None

    def reset_peak(self) -> None:
        self.earlier_peak = 0
        with suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # resets VmHWM

    def get(self, params: dict[str, str]) -> tuple[int, int]:
        """One report: (ns, bytes); raises Failure, restarting the server if need be."""
        assert self.client is not None
        started = time.perf_counter_ns()
        try:
            response = self.client.get(PATH, params=params)
        except httpx.TimeoutException:
            seconds = (time.perf_counter_ns() - started) / 1e9
            self.restart()
            raise Failure(f"no answer within {seconds:.0f} s") from None
        except httpx.TransportError as error:
            seconds = (time.perf_counter_ns() - started) / 1e9
            peak = self.peak_rss_mib()
            self.restart()
            raise Failure(
                f"the server died after {seconds:.1f} s ({error}; peak RSS {peak} MiB)"
            ) from None
        elapsed = time.perf_counter_ns() - started
        if response.status_code != 200:
            peak = self.peak_rss_mib()
            detail = response.text[:200]
            self.restart()  # whatever went wrong, start the next request afresh
            raise Failure(
                f"HTTP {response.status_code} after {elapsed / 1e9:.1f} s, server peak RSS "
                f"{peak} MiB of {self.memory_mib} MiB allowed (MemoryError?): {detail}"
            )
        return elapsed, len(response.content)


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


def one_run(
    server: Server,
    conn: psycopg.Connection[Any],
    schema: str,
    params: dict[str, dict[str, str]],
    requests: int,
    budget: float,
    failed: dict[str, str],
) -> dict[str, Any]:
    """Warm up, size both parts from the last warm-up request of each kind, then
    interleave: in each of n blocks one scan, one whole-ledger report and an equal share of
    the group reports, the order of scan and whole-ledger report alternating by block.
    A kind of report that fails (in `failed`, from this or an earlier run) is left out."""
    server.reset_peak()
    estimate: dict[str, int] = {}
    for kind, warmups in (("group", WARMUP_GROUP), ("ledger", 1)):
        for _ in range(warmups if kind not in failed else 0):
            try:
                estimate[kind], _ = server.get(params[kind])
            except Failure as failure:
                failed[kind] = f"{failure} (warm-up)"
                estimate.pop(kind, None)
                break
    scan_ns, events = scan_once(conn, schema)

    def fitting(ns: int) -> int:
        return max(MIN_REQUESTS, min(requests, int(budget / 2 / (ns / 1e9))))

    blocks = fitting(estimate.get("ledger", 0) + scan_ns)
    group_requests = fitting(estimate["group"]) if "group" in estimate else 0
    samples: dict[str, list[int]] = {kind: [] for kind in KINDS}
    sizes: dict[str, list[int]] = {"group": [], "ledger": []}

    def report(kind: str) -> None:
        if kind in failed:
            return
        try:
            elapsed, size = server.get(params[kind])
        except Failure as failure:
            failed[kind] = str(failure)
            return
        samples[kind].append(elapsed)
        sizes[kind].append(size)

    done = 0
    for block in range(blocks):
        for kind in ("scan", "ledger") if block % 2 == 0 else ("ledger", "scan"):
            if kind == "scan":
                elapsed, count = scan_once(conn, schema)
                if count != events:
                    raise RuntimeError(f"scanned {count} events, then {events}")
                samples["scan"].append(elapsed)
            else:
                report("ledger")
        until = round(group_requests * (block + 1) / blocks)
        while done < until:
            report("group")
            done += 1
    result: dict[str, Any] = {"server_peak_rss_mib": server.peak_rss_mib()}
    for kind in KINDS:
        if samples[kind]:
            result[kind] = latency(samples[kind])
            if kind in sizes:
                result[kind]["mean_bytes"] = sum(sizes[kind]) / len(sizes[kind])
        if kind in failed:
            result.setdefault(kind, {})["failed"] = failed[kind]
    result["scan"]["events"] = events
    return result


# Summary and report.

ROWS = (
    (f"GET {PATH}?group=G&interval={INTERVAL}&from=S", "group"),
    (f"GET {PATH}?interval={INTERVAL}&from=S (whole ledger)", "ledger"),
)
BASELINE = "raw keyset scan of the events table once, 1,000/page"


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and range across runs, of the runs where the figure was measured."""
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for run in runs:
        for kind in KINDS:
            if "n" not in run[kind]:
                continue
            add(f"{kind}.n", run[kind]["n"])
            for q in ("p50", "p99"):
                add(f"{kind}.{q}_ms", run[kind][q])
                if kind != "scan":
                    add(f"{kind}.{q}/scan.{q}", run[kind][q] / run["scan"][q])
            if kind != "scan":
                add(f"{kind}.mean_bytes", run[kind]["mean_bytes"])
        if run["server_peak_rss_mib"] is not None:
            add("server_peak_rss_mib", run["server_peak_rss_mib"])
    return {name: spread(values) for name, values in figures.items()}


def fmt_latency(value: float) -> str:
    return fmt_ms(value) if value < 1000 else f"{value:,.0f}"


def fmt_ratio(value: float) -> str:
    return fmt_x(value) if value >= 0.1 else f"{value:.3f}x"


def table(summary: dict[str, Any], failed: dict[str, str]) -> list[str]:
    rows: list[tuple[str, str, str, str, str]] = []
    for label, kind in ROWS:
        for q in ("p50", "p99"):
            measured = f"{kind}.{q}_ms" in summary
            rows.append(
                (
                    f"{label} {q}",
                    cell(summary, f"{kind}.{q}_ms", fmt_latency, " ms") if measured else "failed",
                    f"{BASELINE} {q}",
                    cell(summary, f"scan.{q}_ms", fmt_latency, " ms"),
                    cell(summary, f"{kind}.{q}/scan.{q}", fmt_ratio) if measured else "-",
                )
            )
    header = ("figure", "value", "baseline (same run)", "value", "ratio")
    widths = [max(len(r[i]) for r in (*rows, header)) for i in range(5)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    for label, kind in ROWS:
        if kind in failed:
            lines.append(f"FAILED {label}: {failed[kind]}")
    return lines


def counts(summary: dict[str, Any], kind: str) -> str:
    if f"{kind}.n" not in summary:
        return "0"
    s = summary[f"{kind}.n"]
    low, high = int(s["min"]), int(s["max"])
    return f"{low}" if low == high else f"{low}-{high}"


def run_line(index: int, runs: int, run: dict[str, Any]) -> str:
    parts = []
    for name, kind in (("group report", "group"), ("whole-ledger report", "ledger")):
        if "n" in run[kind]:
            part = f"{name} p50 {fmt_latency(run[kind]['p50'])} ms (n={run[kind]['n']})"
            parts.append(part + (" then failed" if "failed" in run[kind] else ""))
        else:
            parts.append(f"{name} failed")
    scan = run["scan"]
    parts.append(
        f"raw scan p50 {fmt_latency(scan['p50'])} ms ({scan['events'] / scan['p50'] * 1000:,.0f}"
        f" ev/s, n={scan['n']}); server peak RSS {run['server_peak_rss_mib']} MiB"
    )
    return f"run {index + 1}/{runs}: " + ", ".join(parts)


# The section.


def section(url: str, events: int, runs: int) -> dict[str, Any]:
    """Build the ledger, measure, print; returns what goes under "reports" in results.json."""
    requests = env_int("BENCH_REPORT_REQUESTS", 100)
    budget = float(env_int("BENCH_REPORT_BUDGET", 60))
    timeout = float(env_int("BENCH_REPORT_TIMEOUT", 300))
    memory = env_int("BENCH_REPORT_SERVER_MB", default_memory_mib())
    started_at = datetime.now(UTC)
    print(
        f"\nAccountability report benchmark: about {events:,} events, {runs} run(s), "
        f"at most {requests} reports of each kind per run, the API server limited to "
        f"{memory:,} MiB and {timeout:.0f} s a report; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    failed: dict[str, str] = {}
    with (
        postgres_schema(url) as schema,
        psycopg.connect(url, autocommit=True) as conn,
    ):
        settings = Settings(database_url=url, postgres_schema=schema, projector="off")
        ledger = build_ledger(settings)
        try:
            demo, preparation = prepare(ledger, conn, schema, events)
        finally:
            ledger.close()
        common = {"interval": INTERVAL, "from": demo.start.isoformat()}
        params = {"group": {"group": preparation["group"], **common}, "ledger": common}
        server = Server(url, schema, demo.api_key, memory, timeout)
        server.start()
        try:
            for index in range(runs):
                run = one_run(server, conn, schema, params, requests, budget, failed)
                results.append(run)
                print(run_line(index, runs, run), flush=True)
        finally:
            server.stop()
    summary = summarise(results)
    print()
    print(
        f"Accountability report: {preparation['events']:,} events, "
        f"{preparation['groups']:,} groups, G = the busiest group "
        f"({preparation['group_timeline_rows']:,} timeline rows), S = start of the history, "
        f"to = now; median of {runs} run(s) (min-max across runs); ratio = the report's time "
        "over the baseline's, taken within each run. Requests per run: "
        f"{counts(summary, 'group')} group, {counts(summary, 'ledger')} whole-ledger "
        f"(as many as fit in {budget:.0f} s per run), {counts(summary, 'scan')} scans."
    )
    for line in table(summary, failed):
        print(line)
    per_100k = (preparation["generate_and_save_s"] + preparation["catch_up_s"]) * 1e5
    sizes = [
        f"{name} {summary[f'{kind}.mean_bytes']['median'] / 1024:,.1f} KiB"
        for name, kind in (("group", "group"), ("whole ledger", "ledger"))
        if f"{kind}.mean_bytes" in summary
    ]
    peak = summary.get("server_peak_rss_mib")
    print(
        f"Preparation: generated {preparation['events']:,} events in "
        f"{preparation['generate_and_save_s']:.1f} s "
        f"({preparation['generate_events_per_s']:,.0f} ev/s), read models caught up in "
        f"{preparation['catch_up_s']:.1f} s ({preparation['catch_up_events_per_s']:,.0f} ev/s); "
        f"{per_100k / preparation['events']:.0f} s per 100,000 events. "
        + (f"Mean response size: {', '.join(sizes)}. " if sizes else "")
        + (f"API server peak RSS {peak['max']:,.0f} MiB. " if peak else "")
        + f"API server started {server.starts} time(s)."
    )
    return {
        "config": {
            "events": events,
            "runs": runs,
            "max_requests_per_kind_per_run": requests,
            "budget_s_per_run": budget,
            "server_memory_limit_mib": memory,
            "request_timeout_s": timeout,
        },
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "method": {
            "server": "bench/server.py (uvicorn, 1 worker, ACCORD_PROJECTOR=off) through "
            "bench.run.api_server, its address space limited by RLIMIT_AS; restarted after "
            "a failed report",
            "group": "the group with the most timeline rows",
            "query": f"interval={INTERVAL}, from=start of the history (DemoResult.start), "
            "to=now (default), as_of=now (default)",
            "baseline": "one keyset pass over the events table with raw psycopg, pages of "
            f"{SCAN_PAGE}, on its own connection",
            "interleaving": "blocks of one scan and one whole-ledger report (alternating "
            "order), then an equal share of the group reports",
            "warmup": f"{WARMUP_GROUP} group reports, 1 whole-ledger report, 1 scan per run",
            "requests": "of each kind, min(BENCH_REPORT_REQUESTS, budget / 2 / warm-up "
            f"time (whole-ledger report + scan, or group report)), at least {MIN_REQUESTS}",
            "failures": "a kind of report that fails once (error status, timeout, dead "
            "server) is not requested again",
            "percentiles": "nearest rank; with few requests p99 is the slowest",
        },
        "preparation": preparation,
        "failed": failed,
        "runs": results,
        "summary": summary,
    }


def main() -> int:
    """The section alone; adds (or replaces) "reports" in an existing bench/results.json."""
    events = env_int("BENCH_REPORT_EVENTS", 1_000_000)
    if events <= 0:
        print("BENCH_REPORT_EVENTS=0: nothing to do.")
        return 0
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    reports = section(url, events, env_int("BENCH_RUNS", 5))
    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"machine": machine()}
    document["reports"] = jsonable(reports)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f'Wrote {RESULTS.relative_to(ROOT)} ("reports").')
    return 0


if __name__ == "__main__":
    sys.exit(main())
