"""The database limits the recording benchmark compares against: raw single-row inserts into
PostgreSQL and SQLite, one transaction each."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from psycopg.sql import SQL, Identifier

from bench.stats import latency

RAW_TABLE = "raw_events"


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
