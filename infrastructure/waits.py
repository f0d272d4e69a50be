"""A per-request budget for database attempts that fail, so an outage is answered in seconds.

The library retries a failed PostgreSQL read or write ten times, and each attempt may wait
the pool timeout for a connection: while the database is down one request would take
close to a minute. Under a budget the retries still hide an outage shorter than the budget,
but once the request has spent it on failed attempts, the next attempt fails at once with
StoreUnavailable, which the library does not retry. Without a budget (the CLI, the
projector) nothing changes.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from contextvars import ContextVar
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError
from eventsourcing.postgres import PostgresDatastore


class StoreUnavailable(PersistenceError):
    """The database failed for longer than the request's budget allows."""


class Budget:
    """Seconds one request may still spend on failed database attempts."""

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds

    def check(self) -> None:
        if self.remaining <= 0:
            raise StoreUnavailable("the database did not answer in time")


budget: ContextVar[Budget | None] = ContextVar("accord_database_budget", default=None)

# What "the database cannot be reached now" looks like from the stores: the library's
# errors and the drivers' own (psycopg_pool's PoolTimeout and TooManyRequests are
# psycopg.OperationalError), for any path that does not go through the library.
UNAVAILABLE: tuple[type[Exception], ...] = (
    StoreUnavailable,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)


@contextmanager
def budgeted(seconds: float) -> Iterator[None]:
    """Within this context, failed database attempts may take `seconds` in all."""
    token = budget.set(Budget(seconds))
    try:
        yield
    finally:
        budget.reset(token)


def bound(datastore: PostgresDatastore) -> None:
    """Make the datastore's connection waits and failed attempts count against the budget."""
    pool = datastore.pool
    getconn: Callable[..., Any] = pool.getconn
    get_connection: Callable[[], AbstractContextManager[Any]] = datastore.get_connection

    def budgeted_getconn(timeout: float | None = None) -> Any:
        current = budget.get()
        if current is None:
            return getconn(timeout=timeout)
        # Wait no longer for a connection than the budget has left (never 0: refused at once).
        limit = pool.timeout if timeout is None else timeout
        return getconn(timeout=max(0.01, min(limit, current.remaining)))

    @contextmanager
    def budgeted_connection() -> Iterator[Any]:
        current = budget.get()
        if current is not None:
            current.check()
        started = time.monotonic()
        try:
            with get_connection() as connection:
                yield connection
        except (OperationalError, InterfaceError):
            # Connections are not pinged before use: after a failure, drop the pooled ones
            # that are broken too (a database restart breaks them all), so that the retry
            # gets a working one.
            with suppress(Exception):
                pool.check()
            if current is not None:
                current.remaining -= time.monotonic() - started
            raise

    pool.getconn = budgeted_getconn  # type: ignore[method-assign]
    datastore.get_connection = budgeted_connection  # type: ignore[method-assign]
