"""Measurements on a PostgreSQL ledger: raw scans, the projector's reading, rebuild, verify,
read-model sizes and request latencies."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from application.ledger import Ledger
from application.projections.describe import describe
from application.synthetic import Dataset
from bench.common import EVENTS_TABLE
from bench.stats import latency
from infrastructure.readmodels import READ_MODEL_TABLES

SCAN_PAGE = 1000
READ_PAGE = 500  # the projector's page size
WARMUP = 20
MIN_SECONDS = 1.0  # the scans and verify repeat whole passes for at least this long
KINDS = ("health", "pk", "state", "timeline")


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
