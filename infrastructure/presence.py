"""What a database holds before a command touches it: whether a ledger is there, and which
tables and functions a failed command created (so that they can be removed again)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.persistence import OperationalError
from psycopg.sql import SQL, Identifier

# The library names the events table after the application (Ledger).
EVENTS_TABLE = "ledger_events"
# What SQLite keeps beside a database file while it is open or after a crash.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_in_memory(path: str) -> bool:
    return path == ":memory:" or "mode=memory" in path


def sqlite_files(path: str) -> list[Path]:
    """The database file and the files SQLite keeps beside it."""
    return [Path(path)] + [Path(path + side) for side in SQLITE_SIDE_FILES]


def missing_directories(path: str) -> list[Path]:
    """The directories above a file that do not exist yet, outermost first."""
    missing = []
    for parent in Path(os.path.abspath(path)).parents:
        if parent.exists():
            break
        missing.append(parent)
    return list(reversed(missing))


def remove_sqlite(path: str, directories: list[Path]) -> None:
    """Remove a database file made by a command that failed, and the directories made for it."""
    for file in sqlite_files(path):
        file.unlink(missing_ok=True)
    for directory in reversed(directories):
        try:
            directory.rmdir()
        except OSError:
            return  # something else was put there meanwhile: leave it


def postgres_objects(connect: dict[str, Any], schema: str) -> set[tuple[str, str]]:
    """The tables and functions in a schema, as ("table" | "function", name)."""
    try:
        conn = psycopg.connect(**connect)
    except psycopg.OperationalError as error:
        raise OperationalError(str(error)) from error
    with conn:
        rows = conn.execute(
            "SELECT 'table', c.relname FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'p') "
            "UNION ALL SELECT 'function', p.proname FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = %s",
            (schema, schema),
        ).fetchall()
    return {(str(kind), str(name)) for kind, name in rows}


def drop_postgres_objects(
    connect: dict[str, Any], schema: str, objects: set[tuple[str, str]]
) -> None:
    """Drop tables and functions a command that failed created, in one transaction."""
    if not objects:
        return
    with psycopg.connect(**connect) as conn, conn.transaction():
        for kind, name in sorted(objects, reverse=True):  # tables before their functions
            statement = (
                "DROP TABLE IF EXISTS {} CASCADE"
                if kind == "table"
                else ("DROP FUNCTION IF EXISTS {} CASCADE")
            )
            conn.execute(SQL(statement).format(Identifier(schema, name)))
