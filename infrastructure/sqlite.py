"""The library's SQLite recorder plus Accord's record index and API keys, in the same file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from application.ports import ApiKeyRow, ImportedEvent, IndexRow, PersonKey
from infrastructure import chain, common, importing, personal, readmodels
from infrastructure.chain import SQLChain
from infrastructure.groupcommit import GroupCommit, Save, persistence_error
from infrastructure.idempotency import SQLIdempotency
from infrastructure.integrity_log import SQLIntegrityLog
from infrastructure.personal import SQLitePersonKeys
from infrastructure.readmodels import SQLReadModels
from infrastructure.sessions import SQLSessions


class AccordSQLiteRecorder(
    SQLChain,
    SQLReadModels,
    SQLIdempotency,
    SQLSessions,
    SQLIntegrityLog,
    SQLitePersonKeys,
    SQLiteApplicationRecorder,
):
    """Writes index rows in the same transaction as the events they describe."""

    prefix = ""
    _p = "?"
    _dialect = chain.SQLITE

    def __init__(self, datastore: SQLiteDatastore, *args: Any, **kwargs: Any) -> None:
        # Before the first connection: deleted person keys are overwritten in the file.
        personal.secure_delete(datastore.pool)
        super().__init__(datastore, *args, **kwargs)
        self.group_commit = GroupCommit(self._write_batch)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Saved with the saves of other threads in one transaction (see groupcommit)."""
        return self.group_commit.save(stored_events, **kwargs)

    def _write_batch(self, batch: list[Save]) -> None:
        """One transaction; each save in a savepoint of its own."""
        for save in batch:
            save.reset()
        with self.datastore.transaction(commit=True) as c:
            for save in batch:
                c.execute("SAVEPOINT accord_save")
                try:
                    save.ids = self._insert_events(c, save.events, **save.kwargs)
                except sqlite3.DatabaseError as error:
                    if isinstance(error, sqlite3.OperationalError):
                        raise  # the file, not this save (locked, full, gone): the batch fails
                    c.execute("ROLLBACK TO accord_save")
                    save.error = persistence_error(error)
                c.execute("RELEASE accord_save")

    def create_table(self) -> None:
        """The library's, retried while another process writes: its deferred transaction
        reads the schema and then needs the write lock, and SQLite refuses that upgrade at
        once ("database is locked") rather than waiting, e.g. when `accord forget` starts
        while the API's projector writes to the same file."""
        deadline = time.monotonic() + (self.datastore.pool.lock_timeout or 5)
        while True:
            try:
                super().create_table()
                return
            except OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def construct_create_table_statements(self) -> list[str]:
        return (
            super().construct_create_table_statements()
            + common.create_statements("")
            + readmodels.create_statements("")
            + personal.create_statements("", "BLOB")
            + chain.create_statements("", chain.SQLITE)
            + common.sqlite_append_only(self.events_table_name)
        )

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def _rowcount(self, cursor: Any) -> int:
        return int(cursor.sqlite_cursor.rowcount)

    def _rm_tuples(self, cursor: Any) -> None:
        cursor.sqlite_cursor.row_factory = None

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if kwargs.get("claim_bootstrap"):
            c.execute("INSERT INTO accord_bootstrap (id) VALUES (1)")
        ids = super()._insert_events(c, stored_events, **kwargs)
        params = common.index_params(stored_events, ids, kwargs.get("index_rows", ()))
        if params:
            c.executemany(common.upsert_statement("", "?"), params)
        common.write_members(c, "", "?", kwargs.get("index_rows", ()))
        self._remember(c, kwargs.get("idempotency"), ids)
        self._forget_person(c, kwargs.get("forget_person"))
        self._link_inserted(c, stored_events, ids)
        return ids

    def _events_table(self) -> str:
        return self.events_table_name

    @contextmanager
    def _chain_cursor(self, write: bool) -> Iterator[sqlite3.Cursor]:
        with self.datastore.transaction(commit=write) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None
            if write:
                # Take the write lock before reading the head (as BEGIN IMMEDIATE would).
                cursor.execute(f"INSERT INTO {chain.TABLE} SELECT * FROM {chain.TABLE} WHERE 0")
            yield cursor

    def select_records(
        self,
        kind: str,
        group_id: str | None,
        status: str | None,
        after: int,
        limit: int,
        only: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        statement = common.select_records_statement("", "?", group_id, status, only)
        params = common.select_records_params(kind, group_id, status, after, limit, only)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [common.record_row(row) for row in c.fetchall()]

    def select_events_after(self, versions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        if not versions:
            return []
        found: list[StoredEvent] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in common.chunks(versions, 400):
                match = " OR ".join(["(originator_id = ? AND originator_version > ?)"] * len(chunk))
                c.execute(
                    f"SELECT originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} WHERE {match} "
                    "ORDER BY originator_id, originator_version",
                    [value for i, v in chunk for value in (i.hex, v)],
                )
                found += [
                    StoredEvent(self.convert_originator_id(row[0]), row[1], row[2], bytes(row[3]))
                    for row in c.fetchall()
                ]
        return found

    def find_records(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(common.find_records_statement("", "?", len(record_ids)), list(record_ids))
            return [common.record_row(row) for row in c.fetchall()]

    def select_members(
        self, person_id: str | None = None, group_ids: Collection[str] | None = None
    ) -> list[tuple[str, str, str]]:
        statement, params = common.select_members_statement("", "?", person_id, group_ids)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [(row[0], row[1], row[2]) for row in c.fetchall()]

    def insert_api_key(self, row: ApiKeyRow, secret_hash: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._insert_key(c, row, secret_hash)

    @staticmethod
    def _insert_key(c: SQLiteCursor, row: ApiKeyRow, secret_hash: str) -> None:
        c.execute(
            "INSERT INTO accord_api_keys (key_id, secret_hash, person_id, role, label, "
            "created_at, revoked_at) VALUES (?,?,?,?,?,?,?)",
            (row.key_id, secret_hash, row.person_id, row.role, row.label, row.created_at, None),
        )

    def find_api_key(self, key_id: str) -> tuple[ApiKeyRow, str] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT {common.KEY_COLUMNS}, secret_hash FROM accord_api_keys WHERE key_id = ?",
                (key_id,),
            )
            row = c.fetchone()
            return (common.key_row(row), row["secret_hash"]) if row else None

    def find_caller(self, key_id: str) -> tuple[ApiKeyRow, str, list[tuple[str, str]]] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(common.find_caller_statement("", "?"), (key_id,))
            return common.caller_rows(c.fetchall())

    def count_api_keys(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT COUNT(*) FROM accord_api_keys")
            return int(c.fetchone()[0])

    def revoke_api_key(self, key_id: str, revoked_at: str) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "UPDATE accord_api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (revoked_at, key_id),
            )
            return bool(c.sqlite_cursor.rowcount)

    def rotate_api_key(
        self, old_key_id: str, new_row: ApiKeyRow, new_hash: str, revoked_at: str
    ) -> bool:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "UPDATE accord_api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (revoked_at, old_key_id),
            )
            if not c.sqlite_cursor.rowcount:
                return False
            self._insert_key(c, new_row, new_hash)
            return True

    def list_api_keys(self) -> list[ApiKeyRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT {common.KEY_COLUMNS} FROM accord_api_keys ORDER BY created_at")
            return [common.key_row(row) for row in c.fetchall()]

    def import_events(
        self,
        events: Iterable[ImportedEvent],
        person_keys: Callable[[], list[PersonKey]] | None = None,
        index_rows: Callable[[], list[tuple[IndexRow, int, int, int]]] | None = None,
    ) -> None:
        """In one transaction, under the write lock: the events and their chain links by
        executemany, the person keys and the record index (see infrastructure.importing)."""
        importing.into_sqlite(self, events, person_keys, index_rows)

    def upsert_index(self, rows: list[tuple[IndexRow, int, int, int]]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.executemany(common.upsert_statement("", "?"), common.index_upsert_params(rows))
            common.write_members(c, "", "?", [r[0] for r in rows])

    def ping(self) -> None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT 1")
