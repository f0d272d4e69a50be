"""What the ledger needs from its store beyond events: the record index and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class IndexRow:
    """One record's row in the list index, written in the same transaction as its events."""

    record_id: str
    kind: str
    group_id: str | None
    title: str | None
    status: str


@dataclass(frozen=True)
class ApiKeyRow:
    key_id: str
    person_id: str
    role: str
    label: str | None
    created_at: str
    revoked_at: str | None


@runtime_checkable
class LedgerStore(Protocol):
    """Extra capabilities of Accord's recorders (SQLite, PostgreSQL, in memory)."""

    def select_records(
        self,
        kind: str,
        group_id: str | None,
        status: str | None,
        after: int,
        limit: int,
    ) -> list[dict[str, Any]]: ...

    def insert_api_key(self, row: ApiKeyRow, secret_hash: str) -> None: ...

    def find_api_key(self, key_id: str) -> tuple[ApiKeyRow, str] | None: ...

    def count_api_keys(self) -> int: ...

    def revoke_api_key(self, key_id: str, revoked_at: str) -> bool: ...

    def list_api_keys(self) -> list[ApiKeyRow]: ...

    def ping(self) -> None: ...
