"""Group commit: concurrent saves of one process share one database transaction.

Writers to the events table queue one at a time on its lock (PostgreSQL) or on the file's
write lock (SQLite), and each transaction pays one commit. So a thread that wants to save
does not write at once: it queues its events and, if no other thread is writing, becomes
the leader, takes everything queued so far (its own events and those of the threads that
queued while the previous batch was being written) and writes it as one transaction. The
others wait for the leader to finish and then read their own outcome.

Inside the batch each save runs within a savepoint of its own: a save that breaks a rule
of the database (a version another writer took first, a value the table refuses) is rolled
back alone and its error is raised in its own thread, while its neighbours commit. Each
save still gets its own notification ids. What fails the whole transaction (the connection
is lost, the commit fails) fails every save of the batch, exactly as it would have failed
each of them alone; the caller's retries then find their idempotency records.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eventsourcing import persistence
from eventsourcing.persistence import DatabaseError, PersistenceError, StoredEvent

MAX_BATCH = 200  # saves per transaction: bounds the leader's work and its followers' wait


@dataclass(eq=False)
class Save:
    """One thread's insert_events call, waiting for its batch to be written."""

    events: Sequence[StoredEvent]
    kwargs: dict[str, Any]
    ids: Sequence[int] | None = None
    error: BaseException | None = None
    done: bool = False

    def reset(self) -> None:
        """Before the batch is (re)tried: forget what an earlier attempt found."""
        self.ids, self.error = None, None


@dataclass
class Stats:
    """What the committer has done so far (for tests and benchmarks)."""

    batches: int = 0
    saves: int = 0
    largest: int = 0
    together: int = 0  # batches written in one statement per table (PostgreSQL)
    sizes: dict[int, int] = field(default_factory=dict)


class GroupCommit:
    """Coalesces the saves of concurrent threads; `write` writes one batch in one transaction.

    `write(batch)` must set `ids` or `error` on each save of the batch, and raise only for
    what fails the whole transaction: the exception is then given to every save in it.
    """

    def __init__(self, write: Callable[[list[Save]], None], max_batch: int = MAX_BATCH) -> None:
        self._write = write
        self._max_batch = max_batch
        self._queue: list[Save] = []
        self._changed = threading.Condition()
        self._leading = False  # a thread is writing a batch
        self.stats = Stats()

    def save(self, events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Queue the events; return their notification ids once their batch has committed."""
        mine = Save(events, kwargs)
        with self._changed:
            self._queue.append(mine)
        while True:
            with self._changed:
                while self._leading and not mine.done:
                    self._changed.wait()
                if mine.done:
                    break
                self._leading = True
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
            try:
                self._run(batch)
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.ids

    def _run(self, batch: list[Save]) -> None:
        try:
            self._write(batch)
        except BaseException as error:  # the transaction failed: so did every save in it
            for save in batch:
                save.ids, save.error = None, error
        for save in batch:
            save.done = True
        self.stats.batches += 1
        self.stats.saves += len(batch)
        self.stats.largest = max(self.stats.largest, len(batch))
        self.stats.sizes[len(batch)] = self.stats.sizes.get(len(batch), 0) + 1

    def queued(self) -> int:
        with self._changed:
            return len(self._queue)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold back every batch while inside (tests use it to gather a known batch)."""
        with self._changed:
            while self._leading:
                self._changed.wait()
            self._leading = True
        try:
            yield
        finally:
            with self._changed:
                self._leading = False
                self._changed.notify_all()


# The DB-API 2.0 error classes the library has an error of the same name for.
DBAPI_ERRORS = (
    "IntegrityError",
    "DataError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "OperationalError",
    "InterfaceError",
)


def persistence_error(error: Exception) -> PersistenceError:
    """The library's error for a driver's (psycopg's or sqlite3's, both DB-API 2.0), as its
    datastore would raise it when the error ends a transaction."""
    ours: type[PersistenceError] = DatabaseError
    for cls in type(error).__mro__:
        if cls.__name__ in DBAPI_ERRORS:
            ours = getattr(persistence, cls.__name__)
            break
    translated = ours(str(error))
    translated.__cause__ = error
    return translated
