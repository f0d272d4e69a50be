"""The library's in-memory recorder plus Accord's record index and API keys, for fast tests."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from application.ports import ApiKeyRow, ImportedEvent, IndexRow, PersonKey
from application.transfer import ImportRefused
from infrastructure import common, importing, integrity_log, readmodels, sessions
from infrastructure.chain import MemoryChain
from infrastructure.idempotency import MemoryIdempotency
from infrastructure.integrity_log import SQLIntegrityLog
from infrastructure.personal import MemoryPersonKeys
from infrastructure.readmodels import SQLReadModels
from infrastructure.sessions import SQLSessions


class AccordMemoryRecorder(
    MemoryChain,
    SQLReadModels,
    SQLSessions,
    SQLIntegrityLog,
    MemoryIdempotency,
    MemoryPersonKeys,
    POPOApplicationRecorder,
):
    """Keeps the index and keys in dictionaries; the read models in an in-memory SQLite."""

    prefix = ""
    _p = "?"

    def __init__(self) -> None:
        super().__init__()
        # The read models share their SQL with the SQLite store; nothing is written to disk.
        self._rm_db = sqlite3.connect(":memory:", check_same_thread=False)
        self._rm_db.row_factory = sqlite3.Row
        self._rm_lock = threading.RLock()
        own = sessions.create_statements("") + integrity_log.create_statements("")
        for statement in readmodels.create_statements("") + own:
            self._rm_db.execute(statement)
        self._rm_db.commit()
        self._records: dict[str, dict[str, Any]] = {}
        self._members: dict[str, dict[str, str]] = {}
        self._keys: dict[str, tuple[ApiKeyRow, str]] = {}
        self._bootstrapped = False

    def _insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self._database_lock:
            if kwargs.get("claim_bootstrap") and self._bootstrapped:
                raise IntegrityError("the ledger was bootstrapped already")
            self._check_request(kwargs.get("idempotency"))
            ids = super()._insert_events(stored_events, **kwargs)
            self._link_inserted(stored_events, ids or ())
            self._remember(kwargs.get("idempotency"), ids)
            self._forget_person(kwargs.get("forget_person"))
            self._bootstrapped = self._bootstrapped or bool(kwargs.get("claim_bootstrap"))
            for params in common.index_params(stored_events, ids, kwargs.get("index_rows", ())):
                row = dict(
                    zip([c.strip() for c in common.RECORD_COLUMNS.split(",")], params, strict=True)
                )
                if row["record_id"] in self._records:
                    row["created_position"] = self._records[row["record_id"]]["created_position"]
                self._records[row["record_id"]] = row
            self._write_members(kwargs.get("index_rows", ()))
            return ids

    def _write_members(self, index_rows: Sequence[IndexRow]) -> None:
        for row in index_rows:
            if row.members is not None:
                self._members[row.record_id] = dict(row.members)

    def select_records(
        self,
        kind: str,
        group_id: str | None,
        status: str | None,
        after: int,
        limit: int,
        only: Collection[str] | None = None,
    ) -> list[dict[str, Any]]:
        with self._database_lock:
            rows = sorted(self._records.values(), key=lambda r: int(r["created_position"]))
            return [
                dict(r)
                for r in rows
                if r["kind"] == kind
                and (group_id is None or r["group_id"] == group_id)
                and (status is None or r["status"] == status)
                and (only is None or r["record_id"] in only)
                and r["created_position"] > after
            ][:limit]

    def select_events_after(self, versions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        select = POPOApplicationRecorder.select_events
        return [event for i, v in versions for event in select(self, i, gt=v)]

    def find_records(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        with self._database_lock:
            return [dict(self._records[i]) for i in record_ids if i in self._records]

    def select_members(
        self, person_id: str | None = None, group_ids: Collection[str] | None = None
    ) -> list[tuple[str, str, str]]:
        with self._database_lock:
            return [
                (group_id, member, role)
                for group_id, members in sorted(self._members.items())
                if group_ids is None or group_id in group_ids
                for member, role in sorted(members.items())
                if person_id is None or member == person_id
            ]

    def insert_api_key(self, row: ApiKeyRow, secret_hash: str) -> None:
        with self._database_lock:
            if row.key_id in self._keys or any(h == secret_hash for _, h in self._keys.values()):
                raise IntegrityError("api key already exists")
            self._keys[row.key_id] = (row, secret_hash)

    def find_api_key(self, key_id: str) -> tuple[ApiKeyRow, str] | None:
        with self._database_lock:
            return self._keys.get(key_id)

    def find_caller(self, key_id: str) -> tuple[ApiKeyRow, str, list[tuple[str, str]]] | None:
        with self._database_lock:  # the key and its memberships as one read sees them
            found = self.find_api_key(key_id)
            if found is None:
                return None
            members = self.select_members(person_id=found[0].person_id)
            return found[0], found[1], [(group_id, role) for group_id, _, role in members]

    def count_api_keys(self) -> int:
        return len(self._keys)

    def revoke_api_key(self, key_id: str, revoked_at: str) -> bool:
        with self._database_lock:
            if key_id not in self._keys or self._keys[key_id][0].revoked_at:
                return False
            row, secret_hash = self._keys[key_id]
            self._keys[key_id] = (replace(row, revoked_at=revoked_at), secret_hash)
            return True

    def rotate_api_key(
        self, old_key_id: str, new_row: ApiKeyRow, new_hash: str, revoked_at: str
    ) -> bool:
        with self._database_lock:
            if new_row.key_id in self._keys or any(h == new_hash for _, h in self._keys.values()):
                raise IntegrityError("api key already exists")
            if not self.revoke_api_key(old_key_id, revoked_at):
                return False
            self._keys[new_row.key_id] = (new_row, new_hash)
            return True

    def list_api_keys(self) -> list[ApiKeyRow]:
        return sorted((row for row, _ in self._keys.values()), key=lambda r: r.created_at)

    def import_events(
        self,
        events: Iterable[ImportedEvent],
        person_keys: Callable[[], list[PersonKey]] | None = None,
        index_rows: Callable[[], list[tuple[IndexRow, int, int, int]]] | None = None,
    ) -> None:
        # Every line is read (and checked) before anything is stored: nothing to roll back.
        imported = list(events)
        keys = person_keys() if person_keys else []
        rows = index_rows() if index_rows else []
        with self._database_lock:
            if self._stored_events:
                raise ImportRefused(importing.NOT_EMPTY)
            for expected, event in enumerate(imported, start=1):
                if event.position != expected:
                    raise ImportRefused(
                        "the in-memory store keeps positions without gaps: "
                        f"{event.position} where {expected} was due"
                    )
            stored = [
                StoredEvent(UUID(e.originator_id), e.originator_version, e.topic, e.state)
                for e in imported
            ]
            self._link_inserted(stored, super()._insert_events(stored) or ())
            self.import_person_keys(keys)
            self.upsert_index(rows)

    def upsert_index(self, rows: list[tuple[IndexRow, int, int, int]]) -> None:
        names = [c.strip() for c in common.RECORD_COLUMNS.split(",")]
        with self._database_lock:
            for params in common.index_upsert_params(rows):
                row = dict(zip(names, params, strict=True))
                self._records[row["record_id"]] = row
            self._write_members([r[0] for r in rows])

    def ping(self) -> None:
        return None

    @contextmanager
    def _rm_cursor(self, commit: bool) -> Iterator[sqlite3.Cursor]:
        with self._rm_lock:
            cursor = self._rm_db.cursor()
            try:
                yield cursor
                if commit:
                    self._rm_db.commit()
            except BaseException:
                self._rm_db.rollback()
                raise
            finally:
                cursor.close()


class AccordMemoryFactory(POPOFactory):
    """The in-memory store ignores APPLICATION_RECORDER_TOPIC, so Accord names its own."""

    def application_recorder(self) -> ApplicationRecorder:
        return AccordMemoryRecorder()
