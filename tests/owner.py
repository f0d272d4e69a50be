"""The threat the hash chain models: the database's owner altering stored rows.

The owner is not stopped by the append-only triggers: they drop them (SQLite) or disable
them (PostgreSQL), alter rows, and put the triggers back, all in one transaction.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import psycopg

from infrastructure import common
from interfaces.settings import Settings

Statement = tuple[str, tuple[Any, ...]]


class Owner:
    """Runs SQL past the append-only triggers on a SQLite file or a PostgreSQL schema.

    Statements name `{events}`, `{chain}`, `{ledger}`, `{pos}` (the events' position column) and use
    `{p}` for each parameter.
    """

    def __init__(self, settings: Settings) -> None:
        url = settings.resolved_database_url()
        self.sqlite = url.startswith("sqlite:///")
        if self.sqlite:
            self.path = url[len("sqlite:///") :]
            names = {
                "events": "stored_events",
                "chain": "accord_chain",
                "ledger": "accord_ledger",
                "pos": "rowid",
                "p": "?",
            }
        else:
            self.url = url
            schema = f'"{settings.postgres_schema}"'
            names = {
                "events": f"{schema}.ledger_events",
                "chain": f"{schema}.accord_chain",
                "ledger": f"{schema}.accord_ledger",
                "pos": "notification_id",
                "p": "%s",
            }
        self.names = names

    def sql(self, statement: str) -> str:
        return statement.format(**self.names)

    def alter(self, *statements: Statement) -> None:
        """Run the statements in one transaction, with the triggers out of the way."""
        if self.sqlite:
            db = sqlite3.connect(self.path, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                triggers = db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND sql LIKE '%append-only%'"
                )
                for (name,) in triggers.fetchall():
                    db.execute(f"DROP TRIGGER {name}")
                for statement, params in statements:
                    db.execute(self.sql(statement), params)
                for statement in common.sqlite_append_only("stored_events"):
                    db.execute(statement)
                db.execute("COMMIT")
            finally:
                db.close()
            return
        tables = (self.names["events"], self.names["chain"], self.names["ledger"])
        with psycopg.connect(self.url) as conn:
            for table in tables:
                conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for statement, params in statements:
                conn.execute(self.sql(statement).encode(), params)
            for table in tables:
                conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")

    def select(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.sqlite:
            with sqlite3.connect(self.path) as db:
                return db.execute(self.sql(statement), params).fetchall()
        with psycopg.connect(self.url) as conn:
            return [tuple(row) for row in conn.execute(self.sql(statement).encode(), params)]

    def events(self) -> list[tuple[Any, ...]]:
        """(position, originator id, version, topic, state) of every stored event, in order."""
        return self.select(
            "SELECT {pos}, originator_id, originator_version, topic, state FROM {events} "
            "ORDER BY {pos}"
        )

    def new_id(self) -> Any:
        """A fresh originator id, as this store keeps it."""
        return uuid.uuid4().hex if self.sqlite else uuid.uuid4()

    def insert_event(self, row: tuple[Any, ...]) -> Statement:
        """The statement putting back a row as `events()` returned it."""
        return (
            "INSERT INTO {events} ({pos}, originator_id, originator_version, topic, state) "
            "VALUES ({p}, {p}, {p}, {p}, {p})",
            tuple(row),
        )
