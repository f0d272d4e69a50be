"""The database a command is pointed at: read commands need a ledger there, and a command
that fails leaves the target as it found it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from domain.base import AccordError
from infrastructure import presence
from interfaces.bootstrap import eventsourcing_env
from interfaces.cli.serve import shown
from interfaces.settings import Settings


class NoLedger(AccordError):
    """No ledger is stored where the database URL points (and a read command creates none)."""


def where(settings: Settings) -> str:
    """The target, as an operator reads it: a file's path, or the URL (no password) and schema."""
    env = eventsourcing_env(settings)
    if "SQLITE_DBNAME" in env:
        return env["SQLITE_DBNAME"]
    return f"{shown(settings.resolved_database_url())} (schema {settings.postgres_schema})"


def require_ledger(settings: Settings) -> None:
    """Raise NoLedger unless the target holds a ledger; create nothing while checking."""
    env = eventsourcing_env(settings)
    if "SQLITE_DBNAME" in env:
        path = env["SQLITE_DBNAME"]
        if not presence.sqlite_in_memory(path) and not Path(path).is_file():
            raise NoLedger(f"no ledger at {where(settings)}")
    elif "POSTGRES_DBNAME" in env:
        tables = presence.postgres_objects(_connect(env), settings.postgres_schema)
        if ("table", presence.EVENTS_TABLE) not in tables:
            raise NoLedger(f"no ledger at {where(settings)}")


@contextmanager
def undone_on_failure(settings: Settings) -> Iterator[None]:
    """Whatever the block creates in the target (a SQLite file and its directories, or
    PostgreSQL tables and functions) is removed again if the block raises."""
    env = eventsourcing_env(settings)
    if "SQLITE_DBNAME" in env and not presence.sqlite_in_memory(env["SQLITE_DBNAME"]):
        path = env["SQLITE_DBNAME"]
        existed = Path(path).exists()
        directories = presence.missing_directories(path)
        try:
            yield
        except BaseException:
            if not existed:
                presence.remove_sqlite(path, directories)
            raise
    elif "POSTGRES_DBNAME" in env:
        connect, schema = _connect(env), settings.postgres_schema
        before = presence.postgres_objects(connect, schema)
        try:
            yield
        except BaseException:
            created = presence.postgres_objects(connect, schema) - before
            presence.drop_postgres_objects(connect, schema, created)
            raise
    else:
        yield


def _connect(env: dict[str, str]) -> dict[str, Any]:
    """psycopg's connection arguments for the database the ledger would use."""
    return {
        "host": env["POSTGRES_HOST"],
        "port": int(env["POSTGRES_PORT"]),
        "dbname": env["POSTGRES_DBNAME"],
        "user": env["POSTGRES_USER"],
        "password": env["POSTGRES_PASSWORD"] or None,
        "connect_timeout": 10,
    }
