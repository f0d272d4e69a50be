"""The hash chain's table beside the events (see application.integrity), on every store.

Links are written in the transaction that inserts their events, while the writers' lock
is held (SQLite's write lock; PostgreSQL's EXCLUSIVE lock on the events table; the
in-memory store's lock), so the link read as "previous" is the one just before.
A writer extends the chain only when it reaches the event just before the writer's
first: events stored before the chain existed (or while it was being caught up) are
left unlinked: a writer never links rows it did not write. Only `chain_unchained`, run by
an operator's explicit `accord chain adopt`, links them, in order, in batches, under the
same lock.

The ledger's identity (one row in `accord_ledger`) is made in the transaction that writes
the chain's first link, and never changes (the append-only triggers cover its table).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Generator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import itemgetter
from queue import Full, Queue
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.integrity import GENESIS, chain_links, id_bytes, next_link
from application.ports import Row

TABLE = "accord_chain"
LEDGER_TABLE = "accord_ledger"
BATCH = 10_000
PAGE = 20_000


@dataclass(frozen=True)
class Dialect:
    """How one database names what the chain covers (over the events table aliased `e`)."""

    position: str
    # The originator id as its 32 lowercase hex digits, and the topic, both as bytes.
    originator_id: str
    topic: str
    position_type: str
    link_type: str
    # Whether a scan reads its next pages in a thread while the caller hashes: worth it
    # where reading waits on the network; SQLite would hand the GIL over row by row.
    read_ahead: bool


SQLITE = Dialect(
    position="rowid",
    originator_id="CAST(e.originator_id AS BLOB)",
    topic="CAST(e.topic AS BLOB)",
    # An alias of the rowid: the chain's lookups by position are its primary B-tree.
    position_type="INTEGER",
    link_type="BLOB",
    read_ahead=False,
)
POSTGRES = Dialect(
    position="notification_id",
    originator_id="convert_to(replace(e.originator_id::text, '-', ''), 'UTF8')",
    topic="convert_to(e.topic, 'UTF8')",
    position_type="BIGINT",
    link_type="BYTEA",
    read_ahead=True,
)


def create_statements(prefix: str, dialect: Dialect) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}{TABLE} ("
        f"position {dialect.position_type} PRIMARY KEY, link {dialect.link_type} NOT NULL)",
        # At most one row: the ledger's identity, which checkpoints carry.
        f"CREATE TABLE IF NOT EXISTS {prefix}{LEDGER_TABLE} ("
        "id INTEGER PRIMARY KEY CHECK (id = 1), ledger_id TEXT NOT NULL)",
    ]


def new_ledger_id() -> str:
    return str(uuid.uuid4())


class SQLChain:
    """Implements application.ports.ChainStore over `_chain_cursor()` and a Dialect."""

    prefix: str
    _p: str
    _dialect: Dialect

    def _events_table(self) -> str:
        raise NotImplementedError

    def _chain_cursor(self, write: bool) -> AbstractContextManager[Any]:
        """A transaction whose cursor returns tuples; `write` takes the writers' lock first."""
        raise NotImplementedError

    def _link_inserted(
        self, cursor: Any, stored_events: Sequence[Any], ids: Sequence[int] | None
    ) -> None:
        """Link new events (StoredEvent or ImportedEvent) if the chain reaches the one before.

        Called in the inserting transaction, under the writers' lock.
        """
        if not ids:
            return
        p, pos = self._p, self._dialect.position
        events, chain = self._events_table(), self.prefix + TABLE
        cursor.execute(
            f"SELECT (SELECT MAX({pos}) FROM {events} WHERE {pos} < {p}) AS previous_event, "
            f"(SELECT position FROM {chain} ORDER BY position DESC LIMIT 1) AS position, "
            f"(SELECT link FROM {chain} ORDER BY position DESC LIMIT 1) AS link",
            (min(ids),),
        )
        row = cursor.fetchone()
        if row["previous_event"] != row["position"]:
            # Rows this writer did not write come first (stored before the chain existed,
            # or added outside Accord): never linked here, or they would be laundered.
            return
        if row["link"] is None:
            self._claim_identity(cursor)
        previous = bytes(row["link"]) if row["link"] is not None else GENESIS
        inserted = sorted(zip(ids, stored_events, strict=True), key=itemgetter(0))
        cursor.executemany(
            f"INSERT INTO {chain} (position, link) VALUES ({p}, {p})",
            chain_links(previous, inserted),
        )

    def _claim_identity(self, cursor: Any, ledger_id: str | None = None) -> None:
        """Give the ledger its identity, unless it has one (in the caller's transaction)."""
        cursor.execute(
            f"INSERT INTO {self.prefix}{LEDGER_TABLE} (id, ledger_id) VALUES (1, {self._p}) "
            "ON CONFLICT (id) DO NOTHING",
            (ledger_id or new_ledger_id(),),
        )

    def ledger_id(self) -> str | None:
        with self._chain_cursor(write=False) as c:
            c.execute(f"SELECT ledger_id FROM {self.prefix}{LEDGER_TABLE} WHERE id = 1")
            row = c.fetchone()
            return str(row[0]) if row else None

    def claim_ledger_id(self) -> str | None:
        if self.ledger_id() is None and self.chain_head() is not None:
            # A ledger chained before identities existed gets one now, once.
            with self._chain_cursor(write=True) as c:
                if self._head(c) is not None:
                    self._claim_identity(c)
        return self.ledger_id()

    def chain_head(self) -> tuple[int, bytes] | None:
        with self._chain_cursor(write=False) as c:
            return self._head(c)

    def _head(self, c: Any) -> tuple[int, bytes] | None:
        c.execute(f"SELECT position, link FROM {self.prefix}{TABLE} ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def _select_events(self) -> str:
        d = self._dialect
        return f"e.{d.position}, {d.originator_id}, e.originator_version, {d.topic}, e.state"

    def chain_unchained(self, batch: int = BATCH, stop: int | None = None) -> int:
        p, pos = self._p, self._dialect.position
        total = 0
        last = stop if stop is not None else 2**62
        while True:
            # One batch per transaction: writers wait at most one batch for the lock.
            with self._chain_cursor(write=True) as c:
                head = self._head(c)
                position, previous = head if head is not None else (0, GENESIS)
                c.execute(
                    f"SELECT {self._select_events()} FROM {self._events_table()} e "
                    f"WHERE e.{pos} > {p} AND e.{pos} <= {p} ORDER BY e.{pos} LIMIT {p}",
                    (position, last, batch),
                )
                rows = c.fetchall()
                if not rows:
                    return total
                if head is None:
                    self._claim_identity(c)
                links = []
                for row in rows:
                    previous = next_link(previous, *row)
                    links.append((row[0], previous))
                c.executemany(
                    f"INSERT INTO {self.prefix}{TABLE} (position, link) VALUES ({p}, {p})", links
                )
            total += len(rows)

    def scan_chain(self, page: int = PAGE) -> Generator[Sequence[Row], None, None]:
        pages = self._scan_pages(page)
        return read_ahead(pages) if self._dialect.read_ahead else pages

    def _scan_pages(self, page: int) -> Generator[Sequence[Row], None, None]:
        p, pos, events = self._p, self._dialect.position, self._events_table()
        chain = self.prefix + TABLE
        in_range = f"position > {p} AND position <= {p}"
        statement = (
            f"SELECT {self._select_events()}, c.link FROM {events} e "
            f"LEFT JOIN {chain} c ON c.position = e.{pos} "
            f"WHERE e.{pos} > {p} AND e.{pos} <= {p} ORDER BY e.{pos}"
        )
        count_links = f"SELECT COUNT(*) FROM {chain} WHERE {in_range}"
        orphans = (
            f"SELECT c.position, NULL, NULL, NULL, NULL, c.link FROM {chain} c WHERE c.{in_range} "
            f"AND NOT EXISTS (SELECT 1 FROM {events} e WHERE e.{pos} = c.position)"
        )
        following = (
            f"SELECT MIN(p) FROM (SELECT MIN({pos}) AS p FROM {events} WHERE {pos} > {p} "
            f"UNION ALL SELECT MIN(position) FROM {chain} WHERE position > {p}) AS n"
        )
        with self._chain_cursor(write=False) as c:
            after = 0
            while True:
                # Pages are ranges of positions, so that events and links line up.
                bounds = (after, after + page)
                c.execute(statement, bounds)
                rows = c.fetchall()
                c.execute(count_links, bounds)
                linked = len(rows) - [row[5] for row in rows].count(None)
                if c.fetchone()[0] > linked:
                    # Links whose event is gone (rare: only after tampering).
                    c.execute(orphans, bounds)
                    rows = sorted(rows + c.fetchall(), key=itemgetter(0))
                if rows:
                    yield rows
                    after += page
                    continue
                c.execute(following, (after, after))
                found = c.fetchone()[0]
                if found is None:
                    return
                after = int(found) - 1


def read_ahead(pages: Generator[Sequence[Row], None, None]) -> Generator[Sequence[Row], None, None]:
    """The same pages, read by a thread up to two ahead of the caller, who hashes meanwhile."""
    queue: Queue[tuple[str, Any]] = Queue(2)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put((kind, value), timeout=0.05)
                return True
            except Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not put("page", page):
                    return
            put("end", None)
        except BaseException as error:
            put("error", error)
        finally:
            pages.close()  # in the thread that opened the transaction

    reader = threading.Thread(target=read, name="accord-chain-reader", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "error":
                raise value
            if kind == "end":
                return
            yield value
    finally:
        stop.set()
        reader.join()


class MemoryChain:
    """Implements application.ports.ChainStore beside the in-memory store's events."""

    _database_lock: Any
    _stored_events: list[StoredEvent]

    def __init__(self) -> None:
        super().__init__()
        # The link of the event at position i + 1 (positions here have no gaps).
        self._links: list[bytes] = []
        self._ledger_id: str | None = None

    def _link_inserted(self, stored_events: Sequence[Any], ids: Sequence[int]) -> None:
        """Under the store's lock, as the events are inserted."""
        if ids and len(self._links) == ids[0] - 1:
            if not self._links:
                self._ledger_id = self._ledger_id or new_ledger_id()
            previous = self._links[-1] if self._links else GENESIS
            events = zip(ids, stored_events, strict=True)
            self._links += [link for _, link in chain_links(previous, events)]

    def chain_head(self) -> tuple[int, bytes] | None:
        with self._database_lock:
            return (len(self._links), self._links[-1]) if self._links else None

    def ledger_id(self) -> str | None:
        return self._ledger_id

    def claim_ledger_id(self) -> str | None:
        return self._ledger_id

    def chain_unchained(self, batch: int = BATCH, stop: int | None = None) -> int:
        with self._database_lock:
            first = len(self._links) + 1
            events = self._stored_events[first - 1 : stop]
            self._link_inserted(events, range(first, first + len(events)))
            return len(events)

    def scan_chain(self, page: int = PAGE) -> Generator[Sequence[Row], None, None]:
        with self._database_lock:
            events, links = list(self._stored_events), list(self._links)
        for start in range(0, max(len(events), len(links)), page):
            rows: list[Row] = []
            for i in range(start, min(start + page, max(len(events), len(links)))):
                link = links[i] if i < len(links) else None
                if i < len(events):
                    e = events[i]
                    originator_id = id_bytes(e.originator_id)
                    rows.append(
                        (
                            i + 1,
                            originator_id,
                            e.originator_version,
                            e.topic.encode(),
                            e.state,
                            link,
                        )
                    )
                else:
                    rows.append((i + 1, None, None, None, None, link))
            yield rows
