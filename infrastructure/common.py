"""SQL and row shaping shared by the SQLite and PostgreSQL recorders."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.ports import ApiKeyRow, IndexRow
from infrastructure import idempotency, integrity_log, sessions

RECORD_COLUMNS = (
    "record_id, kind, group_id, title, status, version, created_position, updated_position"
)
KEY_COLUMNS = "key_id, person_id, role, label, created_at, revoked_at"


def create_statements(prefix: str) -> list[str]:
    """DDL for Accord's own tables; `prefix` is '' on SQLite and 'schema.' on PostgreSQL."""
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_records ("
        "record_id TEXT PRIMARY KEY, kind TEXT NOT NULL, group_id TEXT, title TEXT, "
        "status TEXT NOT NULL, version BIGINT NOT NULL, "
        "created_position BIGINT NOT NULL, updated_position BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS accord_records_by_group "
        f"ON {prefix}accord_records (kind, group_id, created_position)",
        # At most one row: the first administrator's bootstrap, claimed atomically.
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_bootstrap (id INTEGER PRIMARY KEY CHECK (id = 1))",
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_api_keys ("
        "key_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, person_id TEXT NOT NULL, "
        "role TEXT NOT NULL, label TEXT, created_at TEXT NOT NULL, revoked_at TEXT)",
        # Each group's current members, written in the same transaction as its events:
        # who may see and act in a group is decided from here.
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_members (group_id TEXT NOT NULL, "
        "person_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (group_id, person_id))",
        "CREATE INDEX IF NOT EXISTS accord_members_by_person "
        f"ON {prefix}accord_members (person_id)",
        # Requests remembered by their Idempotency-Key, stored with their events.
        *idempotency.create_statements(prefix),
        # Signed-in browser sessions of the web console.
        *sessions.create_statements(prefix),
        # When the hash chain was last verified and checkpointed.
        *integrity_log.create_statements(prefix),
    ]


def upsert_statement(prefix: str, p: str) -> str:
    values = ", ".join([p] * 8)
    return (
        f"INSERT INTO {prefix}accord_records ({RECORD_COLUMNS}) VALUES ({values}) "
        "ON CONFLICT (record_id) DO UPDATE SET title = excluded.title, "
        "status = excluded.status, version = excluded.version, "
        "updated_position = excluded.updated_position"
    )


def index_params(
    stored_events: Sequence[StoredEvent],
    notification_ids: Sequence[int] | None,
    index_rows: Sequence[IndexRow],
) -> list[tuple[Any, ...]]:
    """One upsert per indexed record, at the position and version of its last event here."""
    if not index_rows or not notification_ids:
        return []
    first: dict[str, int] = {}
    last: dict[str, tuple[int, int]] = {}
    for stored, position in zip(stored_events, notification_ids, strict=True):
        first.setdefault(str(stored.originator_id), position)
        last[str(stored.originator_id)] = (stored.originator_version, position)
    params = []
    for row in index_rows:
        version, position = last[row.record_id]
        # Created at the record's first event here (used only when the row is new).
        created = first[row.record_id]
        params.append(
            (
                *(row.record_id, row.kind, row.group_id, row.title, row.status),
                version,
                created,
                position,
            )
        )
    return params


def select_records_statement(
    prefix: str, p: str, group_id: str | None, status: str | None, only: Collection[str] | None
) -> str:
    statement = f"SELECT {RECORD_COLUMNS} FROM {prefix}accord_records WHERE kind = {p} "
    statement += f"AND group_id = {p} " if group_id is not None else ""
    statement += f"AND status = {p} " if status is not None else ""
    statement += f"AND record_id IN ({placeholders(p, len(only))}) " if only is not None else ""
    return statement + f"AND created_position > {p} ORDER BY created_position LIMIT {p}"


def select_records_params(
    kind: str,
    group_id: str | None,
    status: str | None,
    after: int,
    limit: int,
    only: Collection[str] | None,
) -> list[Any]:
    params: list[Any] = [kind]
    params += [group_id] if group_id is not None else []
    params += [status] if status is not None else []
    params += list(only) if only is not None else []
    return [*params, after, limit]


def placeholders(p: str, n: int) -> str:
    """`n` placeholders for an IN list; an empty list matches nothing."""
    return ", ".join([p] * n) if n else "NULL"


def find_records_statement(prefix: str, p: str, n: int) -> str:
    return (
        f"SELECT {RECORD_COLUMNS} FROM {prefix}accord_records "
        f"WHERE record_id IN ({placeholders(p, n)})"
    )


def select_members_statement(
    prefix: str, p: str, person_id: str | None, group_ids: Collection[str] | None
) -> tuple[str, list[Any]]:
    where, params = [], []
    if person_id is not None:
        where.append(f"person_id = {p}")
        params.append(person_id)
    if group_ids is not None:
        where.append(f"group_id IN ({placeholders(p, len(group_ids))})")
        params += list(group_ids)
    condition = " AND ".join(where) or "1 = 1"
    return (
        f"SELECT group_id, person_id, role FROM {prefix}accord_members WHERE {condition} "
        "ORDER BY group_id, person_id",
        params,
    )


def member_params(
    index_rows: Sequence[IndexRow],
) -> tuple[list[tuple[str]], list[tuple[str, str, str]]]:
    """The groups whose membership rows are replaced, and their new rows."""
    groups = [(r.record_id,) for r in index_rows if r.members is not None]
    rows = [
        (r.record_id, person_id, role)
        for r in index_rows
        if r.members is not None
        for person_id, role in r.members
    ]
    return groups, rows


def write_members(cursor: Any, prefix: str, p: str, index_rows: Sequence[IndexRow]) -> None:
    """Replace the membership rows of every group among `index_rows`, in the caller's transaction."""
    groups, rows = member_params(index_rows)
    if groups:
        cursor.executemany(f"DELETE FROM {prefix}accord_members WHERE group_id = {p}", groups)
    if rows:
        cursor.executemany(
            f"INSERT INTO {prefix}accord_members (group_id, person_id, role) VALUES ({p}, {p}, {p})",
            rows,
        )


def chunks(values: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    """The values in lists of at most `size`: SQLite bounds a statement's parameters."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def find_caller_statement(prefix: str, p: str) -> str:
    """A key, its digest and its person's memberships (one row each, or one row of NULLs)."""
    columns = ", ".join(f"k.{c.strip()}" for c in KEY_COLUMNS.split(","))
    return (
        f"SELECT {columns}, k.secret_hash, m.group_id AS member_of, m.role AS member_role "
        f"FROM {prefix}accord_api_keys k LEFT JOIN {prefix}accord_members m "
        f"ON m.person_id = k.person_id WHERE k.key_id = {p} ORDER BY m.group_id"
    )


def caller_rows(rows: Sequence[Any]) -> tuple[ApiKeyRow, str, list[tuple[str, str]]] | None:
    """find_caller_statement's rows as (key, digest, [(group id, role)])."""
    if not rows:
        return None
    groups = [(r["member_of"], r["member_role"]) for r in rows if r["member_of"] is not None]
    return key_row(rows[0]), rows[0]["secret_hash"], groups


def key_row(row: Any) -> ApiKeyRow:
    return ApiKeyRow(
        key_id=row["key_id"],
        person_id=row["person_id"],
        role=row["role"],
        label=row["label"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def record_row(row: Any) -> dict[str, Any]:
    return {name.strip(): row[name.strip()] for name in RECORD_COLUMNS.split(",")}


def index_upsert_params(rows: Any) -> list[tuple[Any, ...]]:
    """(IndexRow, version, first position, last position) -> upsert parameters."""
    return [
        (r.record_id, r.kind, r.group_id, r.title, r.status, version, first, last)
        for r, version, first, last in rows
    ]


def sqlite_append_only(events_table: str) -> list[str]:
    """Triggers that refuse any UPDATE or DELETE of stored events, of their chain's links
    and of the ledger's identity."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS accord_{table}_no_{op.lower()} "
        f"BEFORE {op} ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
        for table in (events_table, "accord_chain", "accord_ledger")
        for op in ("UPDATE", "DELETE")
    ]


def postgres_append_only(prefix: str, events_table: str) -> list[str]:
    """A function and triggers that refuse UPDATE, DELETE and TRUNCATE of stored events and
    of their chain's links.

    A privilege alone cannot do this: the library's LOCK TABLE ... IN EXCLUSIVE MODE
    needs the UPDATE privilege on the events table.
    """
    function = (
        f"CREATE OR REPLACE FUNCTION {prefix}accord_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $body$ BEGIN "
        "RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME "
        "USING ERRCODE = 'insufficient_privilege'; END $body$"
    )
    return [function] + [
        statement
        for table in (
            f'{prefix}"{events_table}"',
            f"{prefix}accord_chain",
            f"{prefix}accord_ledger",
        )
        for statement in (
            f"CREATE OR REPLACE TRIGGER accord_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {prefix}accord_append_only()",
            f"CREATE OR REPLACE TRIGGER accord_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {prefix}accord_append_only()",
        )
    ]
