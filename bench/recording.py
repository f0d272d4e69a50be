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

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from psycopg.sql import SQL, Identifier

from application.ledger import Ledger
from bench.document import text_table
from bench.run import (
    env_int,
    fmt_ms,
    machine,
    run_alone,
    serve,
)
from bench.stats import latency, spread
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import acting_as, postgres_schema

RAW_TABLE = "raw_events"
RATE_TARGET = 0.5  # recording >= 0.5 x the bare endpoint's rate (PostgreSQL, 32 connections)
P99_TARGET = 2.0  # recording p99 <= 2 x the bare endpoint's p99 (idem)
SQLITE_TARGET = 0.5  # SQLite recording >= 0.5 x raw sqlite3 single-row inserts
WRK_TIMEOUT = "10s"
KINDS = ("health", "decision", "handover")
LABELS = {
    "health": "GET /health",
    "decision": "record an agreed decision",
    "handover": "offer/accept a handover",
}


def env_list(name: str, default: Sequence[int]) -> list[int]:
    value = os.environ.get(name, "").strip()
    return [int(v) for v in value.split(",") if v.strip()] if value else list(default)


# wrk: the program, its scripts and its results.


def wrk_program() -> str:
    """wrk's path; installed with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(
            "the recording benchmark needs wrk (the Debian package `wrk`): "
            "run `apt-get install -y wrk` as root, then run it again"
        )
    print("wrk is not installed: installing it with `apt-get install -y wrk` ...", flush=True)
    install = ["apt-get", "install", "-y", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], check=False)
        subprocess.run(install, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("apt-get installed wrk, but it is not on PATH")
    return found


# Every script: count responses by status (keeping the first body of each non-2xx status),
# and report from done() as one JSON line, with latencies in microseconds.
LUA_COMMON = r"""
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

statuses = {}
bodies = {}
extra = {}

function count(status, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if (status < 200 or status > 299) and bodies[key] == nil then
    bodies[key] = string.sub(body or "", 1, 600)
  end
end

local function quote(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

local function object(t)
  local parts = {}
  for k, v in pairs(t) do
    local value = type(v) == "number" and string.format("%d", v) or quote(tostring(v))
    table.insert(parts, quote(tostring(k)) .. ":" .. value)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local counts, samples, sums = {}, {}, {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses") or {}) do counts[k] = (counts[k] or 0) + v end
    for k, v in pairs(thread:get("bodies") or {}) do samples[k] = samples[k] or v end
    for k, v in pairs(thread:get("extra") or {}) do sums[k] = (sums[k] or 0) + v end
  end
  local e = summary.errors
  io.write("WRK_RESULT {",
    '"requests":', string.format("%d", summary.requests),
    ',"duration_us":', string.format("%d", summary.duration),
    ',"p50_us":', string.format("%d", latency:percentile(50)),
    ',"p90_us":', string.format("%d", latency:percentile(90)),
    ',"p99_us":', string.format("%d", latency:percentile(99)),
    ',"mean_us":', string.format("%.1f", latency.mean),
    ',"max_us":', string.format("%d", latency.max),
    ',"socket_errors":', object({connect = e.connect, read = e.read, write = e.write,
                                 timeout = e.timeout}),
    ',"statuses":', object(counts),
    ',"bodies":', object(samples),
    ',"extra":', object(sums),
    "}\n")
end
"""

LUA_RESPONSE = r"""
function response(status, headers, body)
  count(status, body)
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string literal


def lua_list(values: Sequence[str]) -> str:
    return "{" + ", ".join(lua_string(v) for v in values) + "}"


def decision_script(key: str, participants: Sequence[str]) -> str:
    body = json.dumps(
        {
            "title": "Open access to the community hub",
            "decision": "The hub takes self-referrals from the first of next month.",
            "rationale": "Referrals through the GP practice delay people by weeks.",
            "agreement": {"method": "consent", "participants": list(participants)},
        },
        separators=(",", ":"),
    )
    return (
        LUA_COMMON
        + LUA_RESPONSE
        + f"""
wrk.method = "POST"
wrk.headers["Authorization"] = {lua_string("Bearer " + key)}
wrk.headers["Content-Type"] = "application/json"
wrk.body = {lua_string(body)}
"""
    )


def handover_script(
    pools: Sequence[Sequence[str]], holder: str, other: str, keys: dict[str, str]
) -> str:
    """Offers and acceptances: every accountability in `pools` (one list per wrk thread)
    starts held by `holder`; a response names the accountability, its holder and its open
    handover, which is all the next step needs."""
    threads = "{" + ", ".join(lua_list(pool) for pool in pools) + "}"
    return (
        LUA_COMMON
        + f"""
local pools = {threads}
local auth = {{[{lua_string(holder)}] = {lua_string("Bearer " + keys[holder])},
               [{lua_string(other)}] = {lua_string("Bearer " + keys[other])}}}
local other = {{[{lua_string(holder)}] = {lua_string(other)},
                [{lua_string(other)}] = {lua_string(holder)}}}
local first_holder = {lua_string(holder)}
"""
        + r"""
local queue, head, last = {}, 1, 0

local function push(req)
  last = last + 1
  queue[last] = req
end

local function offer(id, holder)
  return wrk.format("POST", "/accountabilities/" .. id .. "/handovers",
    {["Authorization"] = auth[holder], ["Content-Type"] = "application/json"},
    '{"to":{"kind":"person","id":"' .. other[holder] .. '"}}')
end

local function accept(id, handover, recipient)
  return wrk.format("POST",
    "/accountabilities/" .. id .. "/handovers/" .. handover .. "/accept",
    {["Authorization"] = auth[recipient], ["Content-Type"] = "application/json"}, "{}")
end

function init(args)
  extra = {offers = 0, accepts = 0, starved = 0, unparsed = 0}
  for _, id in ipairs(pools[tid + 1]) do
    push(offer(id, first_holder))
  end
end

function request()
  if head > last then
    -- Every accountability of this thread is in flight, or lost to an error response.
    extra.starved = extra.starved + 1
    return offer(pools[tid + 1][1], first_holder)
  end
  local req = queue[head]
  queue[head] = nil
  head = head + 1
  return req
end

function response(status, headers, body)
  count(status, body)
  if status < 200 or status > 299 then
    return
  end
  local id = string.match(body, '"id"%s*:%s*"([^"]+)"')
  local holder = string.match(body, '"holder"%s*:%s*{%s*"kind"%s*:%s*"person"%s*,%s*"id"%s*:%s*"([^"]+)"')
  local open = string.match(body, '"open_handover_id"%s*:%s*"([^"]+)"')
  if id == nil or holder == nil or other[holder] == nil then
    extra.unparsed = extra.unparsed + 1
    return
  end
  if open then
    extra.offers = extra.offers + 1
    push(accept(id, open, other[holder]))
  else
    extra.accepts = extra.accepts + 1
    push(offer(id, holder))
  end
end
"""
    )


def health_script() -> str:
    return LUA_COMMON + LUA_RESPONSE


def run_wrk(
    wrk: str, url: str, script: str, connections: int, seconds: int, directory: Path
) -> dict[str, Any]:
    """One wrk run; requests/s, latencies in ms, responses by status, errors."""
    path = directory / f"script-{uuid4().hex[:8]}.lua"
    path.write_text(script)
    threads = min(connections, 2)
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "-s",
        str(path),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    path.unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(lines[-1].removeprefix("WRK_RESULT "))
    statuses = {int(k): int(v) for k, v in raw["statuses"].items()}
    non_2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    socket_errors = {k: int(v) for k, v in raw["socket_errors"].items() if int(v)}
    seconds_measured = raw["duration_us"] / 1e6
    result: dict[str, Any] = {
        "connections": connections,
        "threads": threads,
        "requests": raw["requests"],
        "seconds": seconds_measured,
        "rate": raw["requests"] / seconds_measured if seconds_measured else 0.0,
        "p50": raw["p50_us"] / 1000,
        "p90": raw["p90_us"] / 1000,
        "p99": raw["p99_us"] / 1000,
        "mean": raw["mean_us"] / 1000,
        "max": raw["max_us"] / 1000,
        "statuses": statuses,
        "non_2xx": non_2xx,
        "socket_errors": socket_errors,
        "errors": non_2xx + sum(socket_errors.values()),
    }
    if raw["bodies"]:
        result["error_bodies"] = {int(k): v for k, v in raw["bodies"].items()}
    if raw["extra"]:
        result["mix"] = {k: int(v) for k, v in raw["extra"].items()}
    return result


# The API server.


# The ledger's cast: a group, three members, two of them with keys.


@dataclass
class Cast:
    group: str
    people: list[str]
    keys: dict[str, str]  # person id -> API key
    state_bytes: int  # the stored size of a recorded decision's event


def prepare(ledger: Ledger) -> Cast:
    admin, _, _ = ledger.keys.bootstrap("Benchmark Administrator", "admin@example.org")
    with acting_as(admin):
        organisation = ledger.organisations.register_organisation(
            "Riverside Integrated Care Board", "commissioner"
        ).id
        people = [
            ledger.people.register_person(f"Member {n}", f"member{n}@example.org", organisation).id
            for n in (1, 2, 3)
        ]
        group = ledger.groups.convene_group(
            "Community Hub Design Team", "design team", "To agree how the hub takes referrals."
        ).id
        for person in people:
            ledger.groups.add_member(group, person)
        keys = {
            person: ledger.keys.create_key(person, "member", "benchmark")[1]
            for person in people[:2]
        }
    with acting_as(people[0]):
        record_decision(ledger, group, people)
    head = ledger.head_position()
    (notification,) = ledger.recorder.select_notifications(head, 1)
    return Cast(group, people, keys, len(notification.state))


def record_decision(ledger: Ledger, group: str, people: list[str]) -> None:
    ledger.decisions.record_decision(
        group,
        "Open access to the community hub",
        "The hub takes self-referrals from the first of next month.",
        {"method": "consent", "participants": people},
        rationale="Referrals through the GP practice delay people by weeks.",
    )


def accountabilities(ledger: Ledger, cast: Cast, threads: int, connections: int) -> list[list[str]]:
    """Fresh accountabilities held by the first member, for each wrk thread: twice as many
    as its connections and four more, so that one is always queued for each connection."""
    per_thread = 2 * (connections // threads) + 4
    holder = {"kind": "person", "id": cast.people[0]}
    with acting_as(cast.people[0]):
        return [
            [
                ledger.accountabilities.define_accountability(
                    cast.group, "Run the referral pathway", holder
                ).id
                for _ in range(per_thread)
            ]
            for _ in range(threads)
        ]


def http_figures(
    wrk: str,
    base: str,
    ledger: Ledger,
    cast: Cast,
    connections: int,
    seconds: int,
    warmup: int,
    directory: Path,
) -> dict[str, Any]:
    """/health, a decision, a handover: each a warm-up run then a measured run, in turn."""
    first, second = cast.people[0], cast.people[1]
    results: dict[str, Any] = {}
    for kind in KINDS:
        measured: dict[str, Any] = {}
        for duration in (warmup, seconds) if warmup else (seconds,):
            if kind == "health":
                url, script = f"{base}/health", health_script()
            elif kind == "decision":
                url = f"{base}/groups/{cast.group}/decisions"
                script = decision_script(cast.keys[first], cast.people)
            else:
                pools = accountabilities(ledger, cast, min(connections, 2), connections)
                url, script = base, handover_script(pools, first, second, cast.keys)
            measured = run_wrk(wrk, url, script, connections, duration, directory)
        results[kind] = measured
    return results


# The database limits.


def raw_postgres_inserts(
    url: str, schema: str, connections: int, seconds: int, warmup: int, state_bytes: int
) -> dict[str, Any]:
    """BASELINE: `BEGIN; INSERT one row; COMMIT` from `connections` threads, each with its
    own psycopg connection, into a table of the events table's shape."""
    statement = SQL(
        "INSERT INTO {}.{} (originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)"
    ).format(Identifier(schema), Identifier(RAW_TABLE))
    state = os.urandom(state_bytes)
    ready = threading.Barrier(connections + 1)
    go = threading.Event()
    window: list[float] = []
    samples: list[list[int]] = [[] for _ in range(connections)]
    failures: list[BaseException] = []

    def insert(index: int) -> None:
        try:
            with psycopg.connect(url) as conn:
                ready.wait()
                go.wait()
                start, stop = window
                mine = samples[index]
                while (began := time.perf_counter()) < stop:
                    began_ns = time.perf_counter_ns()
                    conn.execute(statement, (uuid4(), "accord.Decision.Recorded", state))
                    conn.commit()
                    if began >= start and time.perf_counter() <= stop:
                        mine.append(time.perf_counter_ns() - began_ns)
        except BaseException as error:  # reported by the caller
            failures.append(error)
            ready.abort()

    workers = [threading.Thread(target=insert, args=(i,)) for i in range(connections)]
    for worker in workers:
        worker.start()
    try:
        ready.wait()
        now = time.perf_counter()
        window.extend((now + warmup, now + warmup + seconds))
    except threading.BrokenBarrierError:
        window.extend((0.0, 0.0))
    go.set()
    for worker in workers:
        worker.join()
    if failures:
        raise RuntimeError(f"raw inserts failed: {failures[0]!r}") from failures[0]
    merged = [s for mine in samples for s in mine]
    return {"connections": connections, "rate": len(merged) / seconds, **latency(merged)}


def create_raw_table(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(
        SQL(
            "CREATE TABLE {}.{} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        ).format(Identifier(schema), Identifier(RAW_TABLE))
    )
    conn.execute(
        SQL("CREATE UNIQUE INDEX ON {}.{} (notification_id)").format(
            Identifier(schema), Identifier(RAW_TABLE)
        )
    )


def raw_sqlite_inserts(path: Path, seconds: int, warmup: int, state_bytes: int) -> dict[str, Any]:
    """BASELINE: `BEGIN; INSERT one row; COMMIT` with sqlite3, in a file of its own with the
    library's settings (WAL journal, autocommit connection, default synchronous)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            f"CREATE TABLE {RAW_TABLE} (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
        statement = (
            f"INSERT INTO {RAW_TABLE} (originator_id, originator_version, topic, state) "
            "VALUES (?, 1, ?, ?)"
        )
        state = os.urandom(state_bytes)

        def one() -> None:
            conn.execute("BEGIN")
            conn.execute(statement, (str(uuid4()), "accord.Decision.Recorded", state))
            conn.execute("COMMIT")

        result = timed_loop(one, seconds, warmup)
    finally:
        conn.close()
    return {**result, "synchronous": synchronous, "journal_mode": "wal"}


def timed_loop(one: Callable[[], None], seconds: int, warmup: int) -> dict[str, Any]:
    """Calls `one` for `warmup` seconds, then for `seconds`, timing each call."""
    stop = time.perf_counter() + warmup
    while time.perf_counter() < stop:
        one()
    samples: list[int] = []
    started = time.perf_counter()
    stop = started + seconds
    while time.perf_counter() < stop:
        began = time.perf_counter_ns()
        one()
        samples.append(time.perf_counter_ns() - began)
    elapsed = time.perf_counter() - started
    return {"rate": len(samples) / elapsed, **latency(samples)}


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


# Summary and table.


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def cell(values: list[float], fmt: Callable[[float], str], unit: str = "") -> str:
    """The median of runs, then (with several runs) their range."""
    s = spread(values)
    if s["min"] == s["max"]:
        return f"{fmt(s['median'])}{unit}"
    return f"{fmt(s['median'])}{unit} ({fmt(s['min'])}-{fmt(s['max'])})"


@dataclass
class Row:
    figure: str
    values: list[float]
    baseline: str
    baselines: list[float]
    ratios: list[float]
    fmt: Callable[[float], str]
    unit: str
    target: str = ""
    met: Callable[[float], bool] | None = None
    errors: int = 0  # runs of the figure with errors

    def as_dict(self) -> dict[str, Any]:
        value = cell(self.values, self.fmt, self.unit)
        if self.errors:
            value += f" ERRORS in {self.errors}/{len(self.values)} run(s)"
        met = None
        if self.met is not None:
            met = self.met(spread(self.ratios)["median"]) and not self.errors
        return {
            "figure": self.figure,
            "value": value,
            "baseline": self.baseline,
            "baseline_value": cell(self.baselines, self.fmt, self.unit),
            "ratio": cell(self.ratios, fmt_ratio),
            "target": self.target,
            "met": met,
        }


def http_rows(
    runs: list[dict[str, Any]],
    where: str,
    get: Callable[[dict[str, Any]], dict[str, Any]],
    raw: Callable[[dict[str, Any]], dict[str, Any]] | None,
    raw_label: str,
    targeted: bool,
) -> list[Row]:
    """The rows of one server set-up at one concurrency: each command beside /health (rate,
    p50, p99) and beside the raw inserts (rate)."""
    rows: list[Row] = []
    health = [get(run)["health"] for run in runs]
    for kind in ("decision", "handover"):
        figure = [get(run)[kind] for run in runs]
        errors = sum(1 for f in figure if f["errors"])
        label = f"{where}: {LABELS[kind]}"
        rate = Row(
            f"{label}, req/s",
            [f["rate"] for f in figure],
            f"{LABELS['health']} (HTTP limit), req/s",
            [h["rate"] for h in health],
            [f["rate"] / h["rate"] for f, h in zip(figure, health, strict=True)],
            fmt_rate,
            "",
            errors=errors,
        )
        if targeted:
            rate.target = f">= {RATE_TARGET:g}x"
            rate.met = lambda ratio: ratio >= RATE_TARGET
        rows.append(rate)
        if raw is not None:
            limits = [raw(run) for run in runs]
            rows.append(
                Row(
                    f"{label}, req/s",
                    [f["rate"] for f in figure],
                    f"{raw_label} (DB limit), rows/s",
                    [r["rate"] for r in limits],
                    [f["rate"] / r["rate"] for f, r in zip(figure, limits, strict=True)],
                    fmt_rate,
                    "",
                    errors=errors,
                )
            )
        for q in ("p50", "p99"):
            row = Row(
                f"{label}, {q}",
                [f[q] for f in figure],
                f"{LABELS['health']} (HTTP limit), {q}",
                [h[q] for h in health],
                [
                    f[q] / h[q] if h[q] else float("inf")
                    for f, h in zip(figure, health, strict=True)
                ],
                fmt_ms,
                " ms",
                errors=errors,
            )
            if targeted and q == "p99":
                row.target = f"<= {P99_TARGET:g}x"
                row.met = lambda ratio: ratio <= P99_TARGET
            rows.append(row)
    return rows


def at(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A getter of one run's figures at the path `keys`."""

    def get(run: dict[str, Any]) -> dict[str, Any]:
        value = run
        for key in keys:
            value = value[key]
        return value

    return get


def table_rows(
    runs: list[dict[str, Any]], workers: list[int], connections: list[int], sqlite: list[int]
) -> list[Row]:
    rows: list[Row] = []
    top = max(connections)
    for count in workers:
        for c in connections:
            rows += http_rows(
                runs,
                f"PostgreSQL, {count} worker(s), {c} conn.",
                at("postgres", f"workers_{count}", str(c)),
                at("postgres", "raw", str(c)),
                f"raw psycopg INSERT, {c} conn.",
                targeted=c == top,
            )
    in_process = [run["sqlite"]["in_process"] for run in runs]
    commands = [p["command"] for p in in_process]
    raws = [p["raw"] for p in in_process]
    rows.append(
        Row(
            "SQLite, in-process: ledger.decisions.record_decision, commands/s",
            [p["rate"] for p in commands],
            "raw sqlite3 INSERT, 1 conn. (DB limit), rows/s",
            [r["rate"] for r in raws],
            [p["rate"] / r["rate"] for p, r in zip(commands, raws, strict=True)],
            fmt_rate,
            "",
            target=f">= {SQLITE_TARGET:g}x",
            met=lambda ratio: ratio >= SQLITE_TARGET,
        )
    )
    for q in ("p50", "p99"):
        rows.append(
            Row(
                f"SQLite, in-process: ledger.decisions.record_decision, {q}",
                [p[q] for p in commands],
                f"raw sqlite3 INSERT, 1 conn., {q}",
                [r[q] for r in raws],
                [p[q] / r[q] for p, r in zip(commands, raws, strict=True)],
                fmt_ms,
                " ms",
            )
        )
    for c in sqlite:
        rows += http_rows(
            runs,
            f"SQLite, 1 worker, {c} conn.",
            at("sqlite", "http", str(c)),
            at("sqlite", "in_process", "raw") if c == 1 else None,
            "raw sqlite3 INSERT, 1 conn.",
            targeted=False,
        )
    return rows


def flagged(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every wrk measurement with a non-2xx response or a socket error."""
    found = []

    def look(run: int, where: str, figures: dict[str, Any]) -> None:
        for kind in KINDS:
            f = figures[kind]
            if f["errors"]:
                found.append(
                    {
                        "run": run + 1,
                        "where": where,
                        "kind": kind,
                        "requests": f["requests"],
                        "statuses": f["statuses"],
                        "socket_errors": f["socket_errors"],
                        "bodies": f.get("error_bodies", {}),
                    }
                )

    for index, run in enumerate(runs):
        for name, value in run["postgres"].items():
            if name.startswith("workers_"):
                for c, figures in value.items():
                    look(
                        index,
                        f"PostgreSQL, {name.removeprefix('workers_')} worker(s), {c} conn.",
                        figures,
                    )
        for c, figures in run["sqlite"]["http"].items():
            look(index, f"SQLite, 1 worker, {c} conn.", figures)
    return found


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
