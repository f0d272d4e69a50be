"""Bulk import of an export into an empty store: one transaction, whatever the size.

The events stream from the caller's iterator straight into the store (PostgreSQL: a
binary COPY; SQLite: executemany in chunks) while the hash chain's links are computed
beside them, starting from the genesis link, as `_link_inserted` would for an empty
store. Then the links, the person keys and the record index are written and the
position sequence moved past the last imported position, in the same transaction, under
the writers' lock: a file that turns out malformed half-way, or that the store refuses,
leaves the store as empty as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import DataError, IntegrityError

from application.integrity import GENESIS, next_link
from application.ports import ImportedEvent, IndexRow, PersonKey
from application.transfer import ImportRefused
from infrastructure import common, personal
from infrastructure.chain import TABLE as CHAIN_TABLE

if TYPE_CHECKING:
    # The library's recorders, not Accord's: the recorders call in here, never the reverse.
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.sqlite import SQLiteApplicationRecorder

PersonKeys = Callable[[], list[PersonKey]] | None
IndexRows = Callable[[], list[tuple[IndexRow, int, int, int]]] | None

NOT_EMPTY = "the store already holds events: import only into an empty one"
# Events per COPY on PostgreSQL (then their links), per executemany() on SQLite: the
# transaction spans them all, and no more than a page of links is held in memory.
PAGE = 50_000
CHUNK = 5000
# PostgreSQL's binary COPY of (originator_id, originator_version, topic, state, position).
EVENT_TYPES = ("uuid", "int8", "text", "bytea", "int8")
LINK_TYPES = ("int8", "bytea")


def linked(
    events: Iterable[ImportedEvent], links: list[tuple[int, bytes]]
) -> Iterator[tuple[UUID, ImportedEvent]]:
    """The events with their originator ids parsed, appending each one's chain link to
    `links` as it passes (the chain starts at the genesis link: the store is empty)."""
    previous = GENESIS
    last = 0
    for event in events:
        if event.position <= last:
            raise ImportRefused(f"positions must increase: {event.position} follows {last}")
        last = event.position
        uuid = UUID(event.originator_id)
        previous = next_link(
            previous,
            event.position,
            uuid.hex.encode(),
            event.originator_version,
            event.topic.encode(),
            event.state,
        )
        links.append((event.position, previous))
        yield uuid, event


def refused(error: Exception) -> ImportRefused:
    """The store's refusal of an imported row (a repeated record version, say), as such."""
    return ImportRefused(f"the store refused the file's events: {error}")


def into_postgres(
    recorder: PostgresApplicationRecorder,
    table: str,
    prefix: str,
    events: Iterable[ImportedEvent],
    person_keys: PersonKeys,
    index_rows: IndexRows,
) -> None:
    """Import into the events `table` (schema-qualified) of `recorder`, whose other tables'
    names start with `prefix`."""
    links: list[tuple[int, bytes]] = []
    try:
        with recorder.datastore.transaction(commit=True) as curs:
            # Reading a large file keeps the transaction open between statements.
            curs.execute(b"SET LOCAL idle_in_transaction_session_timeout = 0")
            for statement in recorder.lock_table_statements:
                curs.execute(statement)
            curs.execute(f"SELECT 1 FROM {table} LIMIT 1".encode())
            if curs.fetchone() is not None:
                raise ImportRefused(NOT_EMPTY)
            copy_events = (
                f"COPY {table} (originator_id, originator_version, topic, state, "
                "notification_id) FROM STDIN (FORMAT BINARY)"
            ).encode()
            copy_links = f"COPY {prefix}{CHAIN_TABLE} (position, link) FROM STDIN (FORMAT BINARY)"
            stream = linked(events, links)
            last = 0
            while True:
                # A page of events, then their links: two COPYs cannot run at once.
                with curs.copy(copy_events) as copy:
                    copy.set_types(list(EVENT_TYPES))
                    write = copy.write_row
                    for uuid, e in islice(stream, PAGE):
                        write((uuid, e.originator_version, e.topic, e.state, e.position))
                if not links:
                    break
                with curs.copy(copy_links.encode()) as copy:
                    copy.set_types(list(LINK_TYPES))
                    for link in links:
                        copy.write_row(link)
                last = links[-1][0]
                full = len(links) == PAGE
                links.clear()
                if not full:
                    break
            _write_derived(curs, prefix, "%s", person_keys, index_rows)
            if last:
                # Later inserts continue after the imported positions.
                curs.execute(
                    b"SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
                    (table, last),
                )
            # As every insert does: listeners (a projector) learn of the new events.
            recorder._notify_channel(curs)
    except (IntegrityError, DataError) as error:
        raise refused(error) from error


def into_sqlite(
    recorder: SQLiteApplicationRecorder,
    events: Iterable[ImportedEvent],
    person_keys: PersonKeys,
    index_rows: IndexRows,
) -> None:
    table = recorder.events_table_name
    insert_events = (
        f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    insert_links = f"INSERT INTO {CHAIN_TABLE} (position, link) VALUES (?, ?)"
    try:
        with recorder.datastore.transaction(commit=True) as c:
            cursor = c.sqlite_cursor
            # Take the write lock before looking (as BEGIN IMMEDIATE would).
            cursor.execute(f"INSERT INTO {CHAIN_TABLE} SELECT * FROM {CHAIN_TABLE} WHERE 0")
            cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
            if cursor.fetchone() is not None:
                raise ImportRefused(NOT_EMPTY)
            links: list[tuple[int, bytes]] = []
            stream = linked(events, links)
            while chunk := list(islice(stream, CHUNK)):
                cursor.executemany(
                    insert_events,
                    [
                        (e.position, uuid.hex, e.originator_version, e.topic, e.state)
                        for uuid, e in chunk
                    ],
                )
                cursor.executemany(insert_links, links)
                links.clear()
            _write_derived(c, "", "?", person_keys, index_rows)
    except (IntegrityError, DataError) as error:
        raise refused(error) from error


def _write_derived(
    cursor: Any, prefix: str, p: str, person_keys: PersonKeys, index_rows: IndexRows
) -> None:
    """The person keys and the record index, once the events are written."""
    keys = person_keys() if person_keys else []
    if keys:
        cursor.executemany(
            f"INSERT INTO {prefix}accord_person_keys ({personal.KEY_COLUMNS}) "
            f"VALUES ({p}, {p}, {p}) ON CONFLICT (person_id) DO UPDATE SET key = excluded.key, "
            "created_at = excluded.created_at",
            [(k.person_id, k.key, k.created_at) for k in keys],
        )
    rows = index_rows() if index_rows else []
    if rows:
        cursor.executemany(common.upsert_statement(prefix, p), common.index_upsert_params(rows))
        common.write_members(cursor, prefix, p, [r[0] for r in rows])
