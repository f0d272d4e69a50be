"""Where the time goes: profiles of the paths whose targets are not met, for
docs/where-the-time-goes.md. Not part of `make bench` (profiling slows what it measures).

    python -m bench.profile sqlite    # ledger.decisions.record_decision in-process on SQLite
    python -m bench.profile import    # `accord import` (storing) on PostgreSQL
    python -m bench.profile rebuild   # `accord project --rebuild` on PostgreSQL

Each prints the unprofiled rate beside its same-run baseline, then cProfile's heaviest
functions (own time, then cumulative). The SQLite profile also measures the commands with
`PRAGMA synchronous = OFF`, which leaves the CPU without the commit's flush to disk, and
counts the write-ahead log pages one command writes.

For recording over HTTP, profile the API worker under load with py-spy instead: start the
recording benchmark (`python -m bench.recording`) and, while it runs at 32 connections,
`py-spy record --gil -r 100 -d 12 -f raw -o worker.raw -p <the worker's pid>`.

Environment: BENCH_PROFILE_EVENTS (default 20000) events for import and rebuild;
BENCH_PROFILE_COMMANDS (default 2000) decisions for sqlite; BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import os
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg

from application.ledger import Ledger
from application.synthetic import generate
from bench.cast import prepare as prepare_cast
from bench.cast import record_decision
from bench.common import env_int
from bench.importing import prepare as prepare_export
from bench.importing import raw_copy
from bench.measure import raw_scan
from bench.raw_inserts import raw_sqlite_inserts
from interfaces.bootstrap import build_ledger
from interfaces.cli.transfer import _read
from interfaces.settings import Settings
from tests.conftest import POSTGRES_URL, acting_as, postgres_schema


def profiled(label: str, run: Callable[[], Any], lines: int = 20) -> None:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    run()
    profile.disable()
    print(f"\n## {label}: {time.perf_counter() - started:.2f} s under the profiler\n")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(lines)
        text = out.getvalue()
        print(text[text.index("ncalls") :] if "ncalls" in text else text)


def rate(count: int, run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return count / (time.perf_counter() - started)


@contextlib.contextmanager
def unsynchronised(ledger: Ledger) -> Iterator[None]:
    """The ledger's SQLite connections without the commit's flush (PRAGMA synchronous);
    one thread uses them here, so every connection is idle in the pool between calls."""
    connections = list(ledger.recorder.datastore.pool._pool)  # type: ignore[attr-defined]
    for connection in connections:
        connection._sqlite_conn.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        for connection in connections:
            connection._sqlite_conn.execute("PRAGMA synchronous = FULL")


def sqlite(commands: int) -> None:
    with tempfile.TemporaryDirectory(prefix="accord-profile-") as temporary:
        folder = Path(temporary)
        database = folder / "accord.db"
        ledger = build_ledger(Settings(database_url=f"sqlite:///{database}", projector="off"))
        try:
            ledger.inline_projection = False
            cast = prepare_cast(ledger)

            def decisions(count: int) -> Callable[[], None]:
                def record() -> None:
                    for _ in range(count):
                        record_decision(ledger, cast.group, cast.people)

                return record

            with acting_as(cast.people[0]):
                decisions(300)()
                wal = database.with_name(database.name + "-wal")
                with contextlib.closing(sqlite3.connect(database)) as checkpoint:
                    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                decisions(100)()
                pages = wal.stat().st_size / 100 / 4096
                measured = rate(commands, decisions(commands))
                with unsynchronised(ledger):
                    cpu = rate(commands, decisions(commands))
                raw = raw_sqlite_inserts(folder / "raw.db", 3, 1, cast.state_bytes)
                print(
                    f"record_decision {measured:,.0f}/s ({1000 / measured:.2f} ms), without "
                    f"the flush {cpu:,.0f}/s ({1000 / cpu:.2f} ms); raw sqlite3 insert "
                    f"{raw['rate']:,.0f}/s ({1000 / raw['rate']:.2f} ms): "
                    f"{measured / raw['rate']:.2f}x. About {pages:.1f} WAL pages per decision."
                )
                profiled("record_decision", decisions(commands))
        finally:
            ledger.close()


def ledger_in(url: str, schema: str) -> Ledger:
    return build_ledger(Settings(database_url=url, postgres_schema=schema, projector="off"))


def importing(url: str, events: int) -> None:
    with tempfile.TemporaryDirectory(prefix="accord-profile-") as temporary:
        path, rows, info = prepare_export(url, events, Path(temporary))
        count = info["events"]
        with postgres_schema(url) as schema:
            ledger = ledger_in(url, schema)
            try:
                stored = rate(count, lambda: ledger.transfer.import_lines(_read(str(path))))
                projected = rate(count, ledger.projector.catch_up)
            finally:
                ledger.close()
        copied = raw_copy(url, rows)["rate"]
        print(
            f"import_lines (storing) {stored:,.0f} ev/s unprofiled, then its read models "
            f"{projected:,.0f} ev/s; raw COPY {copied:,.0f} ev/s: storing "
            f"{stored / copied:.3f}x, whole import {1 / (1 / stored + 1 / projected) / copied:.3f}x"
        )
        with postgres_schema(url) as schema:
            ledger = ledger_in(url, schema)
            try:
                profiled(
                    "import_lines (storing)", lambda: ledger.transfer.import_lines(_read(str(path)))
                )
            finally:
                ledger.close()


def rebuild(url: str, events: int) -> None:
    with postgres_schema(url) as schema, psycopg.connect(url, autocommit=True) as conn:
        ledger = ledger_in(url, schema)
        try:
            count = generate(ledger, events).events
            ledger.projector.catch_up()
            scan = raw_scan(conn, schema)
            rebuilt = rate(count, ledger.projector.rebuild)
            print(
                f"rebuild {rebuilt:,.0f} ev/s unprofiled; raw keyset scan "
                f"{scan['rate']:,.0f} ev/s: {rebuilt / scan['rate']:.3f}x"
            )
            profiled("rebuild", ledger.projector.rebuild)
        finally:
            ledger.close()


def main(argv: list[str]) -> int:
    what = argv[0] if argv else ""
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    if what == "sqlite":
        sqlite(env_int("BENCH_PROFILE_COMMANDS", 2000))
    elif what == "import":
        importing(url, env_int("BENCH_PROFILE_EVENTS", 20_000))
    elif what == "rebuild":
        rebuild(url, env_int("BENCH_PROFILE_EVENTS", 20_000))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
