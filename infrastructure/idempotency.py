"""Remembered requests (Idempotency-Key): one table beside the events, written in their transaction.

Not append-only: rows past their keeping time are deleted (application.idempotency.sweep).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from eventsourcing.persistence import IntegrityError

from application.idempotency import OWN
from application.ports import Remembered

COLUMNS = (
    "key_id, idem_key, request_hash, request_id, created_at, record_id, version, position, extra"
)


def create_statements(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_idempotency ("
        "key_id TEXT NOT NULL, idem_key TEXT NOT NULL, request_hash TEXT NOT NULL, "
        "request_id TEXT NOT NULL, created_at TEXT NOT NULL, record_id TEXT, version BIGINT, "
        "position BIGINT, extra TEXT, PRIMARY KEY (key_id, idem_key))",
        "CREATE INDEX IF NOT EXISTS accord_idempotency_by_age "
        f"ON {prefix}accord_idempotency (created_at)",
    ]


def with_position(row: Remembered, ids: Sequence[int] | None) -> Remembered:
    """The row, at the position of the last event its transaction inserted."""
    return replace(row, position=ids[-1]) if ids else row


def params(row: Remembered) -> tuple[Any, ...]:
    return (
        row.key_id,
        row.idem_key,
        row.request_hash,
        row.request_id,
        row.created_at,
        row.record_id,
        row.version,
        row.position,
        row.extra,
    )


def remembered(row: Any) -> Remembered:
    return Remembered(*(row[name.strip()] for name in COLUMNS.split(",")))


class SQLIdempotency:
    """Implements application.ports.IdempotencyStore over `_rm_cursor()` and `_p`."""

    prefix: str
    _p: str

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _insert_request(self, cursor: Any, row: Remembered) -> None:
        values = ", ".join([self._p] * 9)
        cursor.execute(
            f"INSERT INTO {self.prefix}accord_idempotency ({COLUMNS}) VALUES ({values}) "
            "RETURNING key_id",
            params(row),
        )
        # In the library's PostgreSQL pipeline, fetching makes a duplicate key fail here,
        # where the library handles insert errors, rather than at commit.
        cursor.fetchone()

    def _remember(self, cursor: Any, row: Remembered | None, ids: Sequence[int] | None) -> None:
        """In the transaction inserting the events: the request, at their last position."""
        if row is not None:
            self._insert_request(cursor, with_position(row, ids))

    def _remember_all(self, cursor: Any, rows: Sequence[Remembered]) -> None:
        """Several requests at once (positions set), in the transaction of their events."""
        if rows:
            values = ", ".join([self._p] * 9)
            cursor.executemany(
                f"INSERT INTO {self.prefix}accord_idempotency ({COLUMNS}) VALUES ({values})",
                [params(row) for row in rows],
            )

    def find_request(self, key_id: str, idem_key: str) -> Remembered | None:
        p = self._p
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT {COLUMNS} FROM {self.prefix}accord_idempotency "
                f"WHERE key_id = {p} AND idem_key = {p}",
                (key_id, idem_key),
            )
            row = c.fetchone()
            return remembered(row) if row else None

    def claim_request(self, row: Remembered) -> None:
        with self._rm_cursor(True) as c:
            self._insert_request(c, row)

    def release_request(self, row: Remembered) -> None:
        p = self._p
        with self._rm_cursor(True) as c:
            c.execute(
                f"DELETE FROM {self.prefix}accord_idempotency WHERE key_id = {p} "
                f"AND idem_key = {p} AND request_id = {p} AND position IS NULL",
                (row.key_id, row.idem_key, row.request_id),
            )

    def forget_requests(self, before: str, own_before: str) -> None:
        p = self._p
        with self._rm_cursor(True) as c:
            c.execute(
                f"DELETE FROM {self.prefix}accord_idempotency WHERE created_at < {p} "
                f"OR (key_id = {p} AND created_at < {p})",
                (before, OWN, own_before),
            )


class MemoryIdempotency:
    """Implements application.ports.IdempotencyStore in a dictionary, under the store's lock."""

    _database_lock: Any

    def __init__(self) -> None:
        super().__init__()
        self._requests: dict[tuple[str, str], Remembered] = {}

    def _check_request(self, row: Remembered | None) -> None:
        """Before the events are inserted: a taken key fails the whole insert."""
        if row is not None and (row.key_id, row.idem_key) in self._requests:
            raise IntegrityError("the Idempotency-Key was stored already")

    def _remember(self, row: Remembered | None, ids: Sequence[int] | None) -> None:
        if row is not None:
            self._requests[row.key_id, row.idem_key] = with_position(row, ids)

    def find_request(self, key_id: str, idem_key: str) -> Remembered | None:
        with self._database_lock:
            return self._requests.get((key_id, idem_key))

    def claim_request(self, row: Remembered) -> None:
        with self._database_lock:
            self._check_request(row)
            self._requests[row.key_id, row.idem_key] = row

    def release_request(self, row: Remembered) -> None:
        with self._database_lock:
            found = self._requests.get((row.key_id, row.idem_key))
            if found is not None and found.request_id == row.request_id and found.position is None:
                del self._requests[row.key_id, row.idem_key]

    def forget_requests(self, before: str, own_before: str) -> None:
        with self._database_lock:
            for k, row in list(self._requests.items()):
                if row.created_at < before or (row.key_id == OWN and row.created_at < own_before):
                    del self._requests[k]
