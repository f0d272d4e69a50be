"""What the store's machinery is doing now, for the metrics endpoint: the connection pool
and the group committer's batches. Read on demand, so the write path pays nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import ConnectionPool as LibraryPool
from psycopg_pool import ConnectionPool as PsycopgPool

from infrastructure.groupcommit import GroupCommit


@dataclass(frozen=True)
class PoolUsage:
    """Connections of one pool: handed out now, the most it opens, and requests waiting for
    one (None where the pool does not count them)."""

    in_use: int
    limit: int
    waiting: int | None


def pool_usage(recorder: Any) -> PoolUsage | None:
    """The recorder's connection pool now (None for the in-memory store, which has none)."""
    datastore = getattr(recorder, "datastore", None)
    pool = getattr(datastore, "pool", None)
    if isinstance(pool, PsycopgPool):
        stats = pool.get_stats()
        return PoolUsage(
            in_use=stats.get("pool_size", 0) - stats.get("pool_available", 0),
            waiting=stats.get("requests_waiting", 0),
            limit=stats.get("pool_max", pool.max_size),
        )
    if isinstance(pool, LibraryPool):
        # The library's own pool (SQLite) does not count the threads waiting for a
        # connection (its fair queue is a semaphore).
        return PoolUsage(
            in_use=pool.num_in_use, limit=pool.pool_size + pool.max_overflow, waiting=None
        )
    return None


def batch_sizes(recorder: Any) -> dict[int, int] | None:
    """How many group-commit batches of each size (saves) were written, or None without one."""
    committer = getattr(recorder, "group_commit", None)
    if not isinstance(committer, GroupCommit):
        return None
    return dict(committer.stats.sizes)
