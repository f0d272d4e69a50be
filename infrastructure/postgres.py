"""The library's PostgreSQL recorder plus Accord's record index and API keys, in the same schema."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow, TupleRow, tuple_row
from psycopg.sql import SQL, Identifier, Literal

from application.ports import ApiKeyRow, ImportedEvent, IndexRow, PersonKey
from infrastructure import chain, common, importing, personal, readmodels
from infrastructure.chain import SQLChain
from infrastructure.groupcommit import GroupCommit, Save, persistence_error
from infrastructure.idempotency import SQLIdempotency, with_position
from infrastructure.integrity_log import SQLIntegrityLog
from infrastructure.personal import PostgresPersonKeys
from infrastructure.readmodels import SQLReadModels
from infrastructure.sessions import SQLSessions


class AccordPostgresRecorder(
    SQLChain,
    SQLReadModels,
    SQLIdempotency,
    SQLSessions,
    SQLIntegrityLog,
    PostgresPersonKeys,
    PostgresApplicationRecorder,
):
    """Writes index rows after the events are inserted, while the table lock is held."""

    _dialect = chain.POSTGRES
    _rm_set_based = True

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.prefix = '"' + datastore.schema.replace('"', '""') + '".'
        self._p = "%s"
        for statement in (
            common.create_statements(self.prefix)
            + readmodels.create_statements(self.prefix, include=True)
            + personal.create_statements(self.prefix, "BYTEA")
            + chain.create_statements(self.prefix, chain.POSTGRES)
            + common.postgres_append_only(self.prefix, self.events_table_name)
        ):
            self.sql_create_statements.append(SQL(statement).format())
        # Processes starting together (API workers, a projector) create and replace the
        # same tables, functions and triggers: one at a time, or PostgreSQL may refuse
        # a concurrent CREATE OR REPLACE ("tuple concurrently updated").
        self.sql_create_statements.insert(
            0,
            SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
                Literal("accord-schema:" + datastore.schema)
            ),
        )
        self.upsert_records = common.upsert_statement(self.prefix, "%s")
        self.group_commit = GroupCommit(self._write_batch)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Saved with the saves of other threads in one transaction (see groupcommit)."""
        return self.group_commit.save(stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _write_batch(self, batch: list[Save]) -> None:
        """One transaction under the table lock; each save in a savepoint of its own."""
        for save in batch:
            save.reset()
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._lock_table(curs)
            self._notify_channel(curs)
            if len(batch) > 1:
                try:
                    with conn.transaction():
                        self._write_saves(curs, batch)
                    self.group_commit.stats.together += 1
                    return
                except psycopg.DatabaseError as error:
                    if isinstance(error, psycopg.OperationalError):
                        raise
                    # One of them broke a rule: find which, each save on its own.
                    for save in batch:
                        save.reset()
            for save in batch:
                try:
                    with conn.transaction():
                        self._write_saves(curs, [save])
                except psycopg.DatabaseError as error:
                    if isinstance(error, psycopg.OperationalError):
                        raise  # the connection, not this save: the batch fails
                    save.error = persistence_error(error)

    def _write_saves(self, curs: Cursor[DictRow], saves: list[Save]) -> None:
        """The saves' events and what goes with them, one statement per table (a handful
        of round trips under the lock, however many saves). An error fails them all."""
        events = [event for save in saves for event in save.events]
        ids: Sequence[int] = []
        if events:
            # The events alone: the table is locked and the channel notified per batch.
            PostgresAggregateRecorder._insert_stored_events(self, curs, events)
            ids = (
                PostgresApplicationRecorder._fetch_ids_after_insert_events(self, curs, events) or []
            )
        upserts: list[tuple[Any, ...]] = []
        rows: list[IndexRow] = []
        requests = []
        start = 0
        for save in saves:
            save.ids = ids[start : start + len(save.events)]
            start += len(save.events)
            if save.kwargs.get("claim_bootstrap"):
                curs.execute(f"INSERT INTO {self.prefix}accord_bootstrap (id) VALUES (1)".encode())
            self._forget_person(curs, save.kwargs.get("forget_person"))
            index_rows = save.kwargs.get("index_rows", ())
            upserts += common.index_params(save.events, save.ids, index_rows)
            rows += index_rows
            if save.kwargs.get("idempotency") is not None:
                requests.append(with_position(save.kwargs["idempotency"], save.ids))
        if upserts:
            curs.executemany(self.upsert_records.encode(), upserts)
        common.write_members(curs, self.prefix, "%s", rows)
        self._remember_all(curs, requests)
        # A cursor of its own: one that ran executemany() (pipelined inside psycopg) could
        # read that statement's result when fetching.
        with curs.connection.cursor() as chain_cursor:
            self._link_inserted(chain_cursor, events, ids)

    def _events_table(self) -> str:
        return f'{self.prefix}"{self.events_table_name}"'

    @contextmanager
    def _chain_cursor(self, write: bool) -> Iterator[Cursor[TupleRow]]:
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row, binary=True) as curs,
        ):
            if write:
                for statement in self.lock_table_statements:
                    curs.execute(statement)
            else:
                # One snapshot for every page of a scan.
                curs.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield curs

    @contextmanager
    def _cursor(self, commit: bool = False) -> Iterator[Cursor[DictRow]]:
        if commit:
            with self.datastore.transaction(commit=True) as curs:
                yield curs
            return
        # A read needs no transaction of its own: at READ COMMITTED its statements would
        # not share a snapshot anyway, and BEGIN and ROLLBACK cost two round trips.
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            yield curs

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        return self._cursor(commit)

    def _rm_tuples(self, cursor: Any) -> None:
        cursor.row_factory = tuple_row

    def select_records(
        self,
        kind: str,
        group_id: str | None,
        status: str | None,
        after: int,
        limit: int,
        only: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        statement = common.select_records_statement(self.prefix, "%s", group_id, status, only)
        params = common.select_records_params(kind, group_id, status, after, limit, only)
        with self._cursor() as curs:
            curs.execute(statement.encode(), params)
            return [common.record_row(row) for row in curs.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events_after(self, versions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        if not versions:
            return []
        statement = (
            f"SELECT e.originator_id, e.originator_version, e.topic, e.state "
            f"FROM {self._events_table()} e JOIN unnest(%s::uuid[], %s::bigint[]) AS k(id, v) "
            "ON e.originator_id = k.id AND e.originator_version > k.v "
            "ORDER BY e.originator_id, e.originator_version"
        )
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(statement.encode(), ([i for i, _ in versions], [v for _, v in versions]))
            return [StoredEvent(row[0], row[1], row[2], bytes(row[3])) for row in curs.fetchall()]

    def find_records(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        statement = common.find_records_statement(self.prefix, "%s", len(record_ids))
        with self._cursor() as curs:
            curs.execute(statement.encode(), list(record_ids))
            return [common.record_row(row) for row in curs.fetchall()]

    def select_members(
        self, person_id: str | None = None, group_ids: Collection[str] | None = None
    ) -> list[tuple[str, str, str]]:
        statement, params = common.select_members_statement(self.prefix, "%s", person_id, group_ids)
        with self._cursor() as curs:
            curs.execute(statement.encode(), params)
            return [(row["group_id"], row["person_id"], row["role"]) for row in curs.fetchall()]

    def insert_api_key(self, row: ApiKeyRow, secret_hash: str) -> None:
        with self._cursor(commit=True) as curs:
            self._insert_key(curs, row, secret_hash)

    def _insert_key(self, curs: Cursor[DictRow], row: ApiKeyRow, secret_hash: str) -> None:
        curs.execute(
            f"INSERT INTO {self.prefix}accord_api_keys (key_id, secret_hash, person_id, "
            "role, label, created_at, revoked_at) VALUES (%s,%s,%s,%s,%s,%s,%s)".encode(),
            (row.key_id, secret_hash, row.person_id, row.role, row.label, row.created_at, None),
        )

    def find_api_key(self, key_id: str) -> tuple[ApiKeyRow, str] | None:
        with self._cursor() as curs:
            curs.execute(
                f"SELECT {common.KEY_COLUMNS}, secret_hash FROM {self.prefix}accord_api_keys "
                "WHERE key_id = %s".encode(),
                (key_id,),
            )
            row = curs.fetchone()
            return (common.key_row(row), row["secret_hash"]) if row else None

    def find_caller(self, key_id: str) -> tuple[ApiKeyRow, str, list[tuple[str, str]]] | None:
        with self._cursor() as curs:
            curs.execute(common.find_caller_statement(self.prefix, "%s").encode(), (key_id,))
            return common.caller_rows(curs.fetchall())

    def count_api_keys(self) -> int:
        with self._cursor() as curs:
            curs.execute(f"SELECT COUNT(*) AS n FROM {self.prefix}accord_api_keys".encode())
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def revoke_api_key(self, key_id: str, revoked_at: str) -> bool:
        with self._cursor(commit=True) as curs:
            curs.execute(
                f"UPDATE {self.prefix}accord_api_keys SET revoked_at = %s "
                "WHERE key_id = %s AND revoked_at IS NULL".encode(),
                (revoked_at, key_id),
            )
            return bool(curs.rowcount)

    def rotate_api_key(
        self, old_key_id: str, new_row: ApiKeyRow, new_hash: str, revoked_at: str
    ) -> bool:
        with self._cursor(commit=True) as curs:
            # The row lock makes a concurrent rotation of the same key wait, then match nothing.
            curs.execute(
                f"UPDATE {self.prefix}accord_api_keys SET revoked_at = %s "
                "WHERE key_id = %s AND revoked_at IS NULL".encode(),
                (revoked_at, old_key_id),
            )
            if not curs.rowcount:
                return False
            self._insert_key(curs, new_row, new_hash)
            return True

    def list_api_keys(self) -> list[ApiKeyRow]:
        with self._cursor() as curs:
            curs.execute(
                f"SELECT {common.KEY_COLUMNS} FROM {self.prefix}accord_api_keys "
                "ORDER BY created_at".encode()
            )
            return [common.key_row(row) for row in curs.fetchall()]

    def import_events(
        self,
        events: Iterable[ImportedEvent],
        person_keys: Callable[[], list[PersonKey]] | None = None,
        index_rows: Callable[[], list[tuple[IndexRow, int, int, int]]] | None = None,
    ) -> None:
        """In one transaction, under the table lock: the events by binary COPY, their chain
        links, the person keys and the record index (see infrastructure.importing)."""
        importing.into_postgres(
            self, self._events_table(), self.prefix, events, person_keys, index_rows
        )

    def upsert_index(self, rows: list[tuple[IndexRow, int, int, int]]) -> None:
        with self._cursor(commit=True) as curs:
            curs.executemany(self.upsert_records.encode(), common.index_upsert_params(rows))
            common.write_members(curs, self.prefix, "%s", [r[0] for r in rows])

    def write_listener(self) -> PostgresWriteListener:
        return PostgresWriteListener(self.datastore, self.channel_name)

    def ping(self) -> None:
        with self._cursor() as curs:
            curs.execute(b"SELECT 1")


class PostgresWriteListener:
    """Holds a connection of its own, outside the pool, that LISTENs for the ledger's insert
    notifications: held for as long as the projector runs, a pooled one would take a
    connection from the requests for good (with a pool of one, every request would wait
    for it and be answered 503)."""

    def __init__(self, datastore: PostgresDatastore, channel: str) -> None:
        pool = datastore.pool
        # Accord's pools are made with keyword settings and no conninfo (the library's
        # PostgresDatastore): the same settings open this connection.
        kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}
        settings = {k: v for k, v in kwargs.items() if k != "row_factory"}
        if pool.get_password_func:  # as the pool does before each connection it opens
            settings["password"] = pool.get_password_func()
        conninfo = pool.conninfo if isinstance(pool.conninfo, str) else ""
        self.conn = psycopg.Connection.connect(
            conninfo, autocommit=True, connect_timeout=int(pool.timeout) or 5, **settings
        )
        self.conn.execute(SQL("LISTEN {}").format(Identifier(channel)))

    def wait(self, timeout: float) -> None:
        for _ in self.conn.notifies(timeout=timeout, stop_after=1):
            pass

    def close(self) -> None:
        self.conn.close()
