"""Per-person keys beside the events, and the one sanctioned rewrite of stored events.

`accord_person_keys` is deliberately NOT append-only: forgetting a person deletes their
key, in the transaction that stores their Forgotten event. `accord_migrations` records
that the sealing migration (application.privacy) has run.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager, closing
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from application.ports import ApiKeyRow, Forgetting, PersonKey, StateRewrite
from infrastructure import common

log = logging.getLogger("accord.personal")

KEY_COLUMNS = "person_id, key, created_at"
# Seconds the SQLite checkpoint after forgetting waits for readers (holding the write lock).
CHECKPOINT_WAIT = 0.5


def create_statements(prefix: str, blob: str) -> list[str]:
    """DDL; `blob` is the binary type (BLOB on SQLite, BYTEA on PostgreSQL)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_person_keys (person_id TEXT PRIMARY KEY, "
        f"key {blob} NOT NULL, created_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_migrations "
        "(name TEXT PRIMARY KEY, done_at TEXT NOT NULL)",
    ]


class SQLPersonKeys:
    """Implements application.ports.PersonKeyStore (less the rewrite) over `_rm_cursor()`."""

    prefix: str
    _p: str

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _rowcount(self, cursor: Any) -> int:
        raise NotImplementedError

    def person_key(self, person_id: str) -> bytes | None:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT key FROM {self.prefix}accord_person_keys WHERE person_id = {self._p}",
                (person_id,),
            )
            row = c.fetchone()
            return bytes(row["key"]) if row else None

    def add_person_key(self, row: PersonKey) -> bytes:
        p = self._p
        with self._rm_cursor(True) as c:
            c.execute(
                f"INSERT INTO {self.prefix}accord_person_keys ({KEY_COLUMNS}) VALUES ({p}, {p}, {p}) "
                "ON CONFLICT (person_id) DO NOTHING",
                (row.person_id, row.key, row.created_at),
            )
            c.execute(
                f"SELECT key FROM {self.prefix}accord_person_keys WHERE person_id = {p}",
                (row.person_id,),
            )
            return bytes(c.fetchone()["key"])

    def person_keys(self) -> list[PersonKey]:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT {KEY_COLUMNS} FROM {self.prefix}accord_person_keys ORDER BY person_id"
            )
            return [
                PersonKey(r["person_id"], bytes(r["key"]), r["created_at"]) for r in c.fetchall()
            ]

    def import_person_keys(self, rows: list[PersonKey]) -> None:
        p = self._p
        with self._rm_cursor(True) as c:
            c.executemany(
                f"INSERT INTO {self.prefix}accord_person_keys ({KEY_COLUMNS}) VALUES ({p}, {p}, {p}) "
                "ON CONFLICT (person_id) DO UPDATE SET key = excluded.key, "
                "created_at = excluded.created_at",
                [(r.person_id, r.key, r.created_at) for r in rows],
            )

    def _forget_person(self, cursor: Any, forgetting: Forgetting | None) -> None:
        """In the transaction storing the Forgotten event: destroy the key, revoke API keys."""
        if forgetting is None:
            return
        p = self._p
        cursor.execute(
            f"DELETE FROM {self.prefix}accord_person_keys WHERE person_id = {p}",
            (forgetting.person_id,),
        )
        cursor.execute(
            f"UPDATE {self.prefix}accord_api_keys SET revoked_at = {p} "
            f"WHERE person_id = {p} AND revoked_at IS NULL",
            (forgetting.revoked_at, forgetting.person_id),
        )
        # A key's label is free text, often a name ("Sam's laptop"): it goes with the key.
        cursor.execute(
            f"UPDATE {self.prefix}accord_api_keys SET label = NULL "
            f"WHERE person_id = {p} AND label IS NOT NULL",
            (forgetting.person_id,),
        )

    def erase_key_labels(self, person_ids: list[str], migration: str) -> int:
        erased = 0
        with self._rm_cursor(True) as c:
            for person_id in person_ids:
                c.execute(
                    f"UPDATE {self.prefix}accord_api_keys SET label = NULL "
                    f"WHERE person_id = {self._p} AND label IS NOT NULL",
                    (person_id,),
                )
                erased += self._rowcount(c)
            self._mark_done(c, migration, _now())
        return erased

    def migration_done(self, name: str) -> bool:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT name FROM {self.prefix}accord_migrations WHERE name = {self._p}", (name,)
            )
            return c.fetchone() is not None

    def _mark_done(self, cursor: Any, name: str | None, done_at: str) -> None:
        if name is not None:
            cursor.execute(
                f"INSERT INTO {self.prefix}accord_migrations (name, done_at) "
                f"VALUES ({self._p}, {self._p}) ON CONFLICT (name) DO NOTHING",
                (name, done_at),
            )


def _now() -> str:
    return datetime.now(UTC).isoformat()


class SQLitePersonKeys(SQLPersonKeys):
    """SQLite: deleted keys are overwritten in the file (secure_delete) and the WAL emptied."""

    datastore: SQLiteDatastore
    events_table_name: str

    def rewrite_event_states(self, rewrites: list[StateRewrite], migration: str | None) -> int:
        table = self.events_table_name
        changed = 0
        with self.datastore.transaction(commit=True) as c:
            # The owner's way past the append-only guard: dropped and made again inside this
            # one transaction, so no other connection ever sees the table unguarded.
            c.execute(f"DROP TRIGGER IF EXISTS accord_{table}_no_update")
            for r in rewrites:
                c.execute(
                    f"UPDATE {table} SET state = ? "
                    "WHERE originator_id = ? AND originator_version = ? AND state = ?",
                    (r.new, UUID(r.originator_id).hex, r.originator_version, r.old),
                )
                changed += c.sqlite_cursor.rowcount
            for statement in common.sqlite_append_only(table):
                c.execute(statement)
            self._mark_done(c, migration, _now())
        if changed:
            self.scrub_person_keys()  # the replaced plain text leaves the WAL too
        return changed

    def scrub_person_keys(self) -> None:
        """Copy the WAL into the file and truncate it, so no old page keeps a deleted key.

        With secure_delete on, the deleted row's bytes were zeroed in the page itself. The
        checkpoint holds the write lock while it waits for readers, so it waits briefly, on
        a connection of its own, and gives up (logged) rather than hold up writers.
        """
        pool = self.datastore.pool
        if pool.is_sqlite_memory_mode:
            return
        try:
            with closing(sqlite3.connect(pool.db_name, uri=True, timeout=CHECKPOINT_WAIT)) as db:
                busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.Error as error:
            busy, reason = 1, str(error)
        else:
            reason = "other connections were reading"
        if busy:
            log.warning(
                "the WAL was not truncated after a key was destroyed (%s); the next "
                "checkpoint overwrites its pages",
                reason,
            )


def secure_delete(pool: Any) -> None:
    """Make every new SQLite connection of the pool overwrite deleted content with zeros."""
    create = pool._create_connection

    def create_securely() -> Any:
        connection = create()
        connection._sqlite_conn.execute("PRAGMA secure_delete = ON")
        return connection

    pool._create_connection = create_securely


class PostgresPersonKeys(SQLPersonKeys):
    """PostgreSQL: the deleted key's row stays a dead tuple until VACUUM (README explains)."""

    datastore: PostgresDatastore
    events_table_name: str

    def rewrite_event_states(self, rewrites: list[StateRewrite], migration: str | None) -> int:
        table = f'{self.prefix}"{self.events_table_name}"'
        changed = 0
        with self._rm_cursor(True) as curs:
            # As the table's owner, for this transaction only: ALTER TABLE is transactional,
            # and its lock keeps writers out until the guard is back.
            curs.execute(f"ALTER TABLE {table} DISABLE TRIGGER accord_append_only".encode())
            for r in rewrites:
                curs.execute(
                    f"UPDATE {table} SET state = %s WHERE originator_id = %s "
                    "AND originator_version = %s AND state = %s".encode(),
                    (r.new, UUID(r.originator_id), r.originator_version, r.old),
                )
                changed += curs.rowcount
            curs.execute(f"ALTER TABLE {table} ENABLE TRIGGER accord_append_only".encode())
            self._mark_done(curs, migration, _now())
        return changed

    def scrub_person_keys(self) -> None:
        """VACUUM the key tables (outside a transaction), so the dead rows (the destroyed key,
        the erased labels) are pruned.

        A role that does not own a table is not refused: PostgreSQL skips the table with a
        WARNING notice, which is logged here as the README says.
        """
        tables = [f"{self.prefix}accord_person_keys", f"{self.prefix}accord_api_keys"]
        skipped: list[str] = []

        def note(diagnostic: Any) -> None:
            if diagnostic.severity_nonlocalized == "WARNING":
                skipped.append(str(diagnostic.message_primary))

        try:
            with self.datastore.get_connection() as conn:
                conn.add_notice_handler(note)
                try:
                    conn.execute(f"VACUUM {', '.join(tables)}".encode())
                finally:
                    conn.remove_notice_handler(note)
        except PersistenceError as error:
            skipped.append(str(error))
        if skipped:
            log.warning(
                "could not VACUUM the key tables after destroying a key (%s): autovacuum "
                "prunes the dead rows later; see the README, 'Erasing a person's data'",
                "; ".join(skipped),
            )


class MemoryPersonKeys:
    """Implements application.ports.PersonKeyStore in dictionaries, under the store's lock."""

    _database_lock: Any
    _keys: dict[str, tuple[ApiKeyRow, str]]
    _stored_events: list[StoredEvent]
    _stored_events_index: dict[str, dict[int, int]]

    def __init__(self) -> None:
        super().__init__()
        self._person_keys: dict[str, PersonKey] = {}
        self._migrations: set[str] = set()

    def person_key(self, person_id: str) -> bytes | None:
        with self._database_lock:
            found = self._person_keys.get(person_id)
            return found.key if found else None

    def add_person_key(self, row: PersonKey) -> bytes:
        with self._database_lock:
            return self._person_keys.setdefault(row.person_id, row).key

    def person_keys(self) -> list[PersonKey]:
        with self._database_lock:
            return [self._person_keys[k] for k in sorted(self._person_keys)]

    def import_person_keys(self, rows: list[PersonKey]) -> None:
        with self._database_lock:
            self._person_keys.update({r.person_id: r for r in rows})

    def _forget_person(self, forgetting: Forgetting | None) -> None:
        if forgetting is None:
            return
        self._person_keys.pop(forgetting.person_id, None)
        for key_id, (row, secret_hash) in list(self._keys.items()):
            if row.person_id == forgetting.person_id:
                revoked_at = row.revoked_at or forgetting.revoked_at
                self._keys[key_id] = (replace(row, label=None, revoked_at=revoked_at), secret_hash)

    def scrub_person_keys(self) -> None:
        return None

    def migration_done(self, name: str) -> bool:
        return name in self._migrations

    def erase_key_labels(self, person_ids: list[str], migration: str) -> int:
        erased = 0
        with self._database_lock:
            for key_id, (row, secret_hash) in list(self._keys.items()):
                if row.person_id in person_ids and row.label is not None:
                    self._keys[key_id] = (replace(row, label=None), secret_hash)
                    erased += 1
            self._migrations.add(migration)
        return erased

    def rewrite_event_states(self, rewrites: Sequence[StateRewrite], migration: str | None) -> int:
        changed = 0
        with self._database_lock:
            for r in rewrites:
                i = self._stored_events_index[r.originator_id].get(r.originator_version)
                if i is not None and self._stored_events[i].state == r.old:
                    self._stored_events[i] = replace(self._stored_events[i], state=r.new)
                    changed += 1
            if migration is not None:
                self._migrations.add(migration)
        return changed
