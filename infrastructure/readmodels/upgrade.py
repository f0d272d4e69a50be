"""Creating, upgrading, emptying and indexing the read models, and their tracking position."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from infrastructure.readmodels.base import ReadModelBase
from infrastructure.readmodels.schema import (
    DROP_ORDER,
    QUERY_INDEXES,
    READ_MODEL_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    TRACKING,
    create_statements,
)

# One thread at a time builds query indexes in this process.
_INDEXING = threading.Lock()


class ReadModelUpgrade(ReadModelBase):
    """The read models' schema: built, rebuilt for a new version, reset and reindexed."""

    def tracking_position(self) -> int:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT position FROM {self.prefix}accord_tracking WHERE name = {self._p}",
                (TRACKING,),
            )
            row = c.fetchone()
            return int(row["position"]) if row else 0

    def prepare_read_models(self) -> bool:
        """Rebuild the read-model tables if they were made for another schema version (and
        build any query index a rebuild that did not finish left out)."""
        t, p = self.prefix, self._p
        with self._rm_cursor(False) as c:
            c.execute(f"SELECT position FROM {t}accord_tracking WHERE name = {p}", (SCHEMA,))
            row = c.fetchone()
        if row is not None and int(row["position"]) == SCHEMA_VERSION:
            self._rm_create_indexes(self._rm_missing_indexes())
            return False
        with self._rm_cursor(True) as c:
            for table in DROP_ORDER:
                c.execute(f"DROP TABLE IF EXISTS {t}{table}")
            for statement in create_statements(t, self._rm_set_based):
                c.execute(statement)
            c.execute(f"UPDATE {t}accord_tracking SET position = 0 WHERE name = {p}", (TRACKING,))
            c.execute(
                f"INSERT INTO {t}accord_tracking (name, position) VALUES ({p}, {p}) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (SCHEMA, SCHEMA_VERSION),
            )
        return True

    def reset_read_models(self) -> None:
        """Empty the read models (their query indexes too, until `index_read_models`)."""
        with self._rm_cursor(True) as c:
            for name in QUERY_INDEXES:
                c.execute(f"DROP INDEX IF EXISTS {self.prefix}{name}")
            if self._rm_set_based:
                # PostgreSQL: one TRUNCATE, rather than deleting (and later vacuuming) each row.
                c.execute("TRUNCATE " + ", ".join(self.prefix + t for t in READ_MODEL_TABLES))
            else:
                for table in READ_MODEL_TABLES:
                    c.execute(f"DELETE FROM {self.prefix}{table}")
            c.execute(
                f"UPDATE {self.prefix}accord_tracking SET position = 0 WHERE name = {self._p}",
                (TRACKING,),
            )
        self._rm_unindexed = True

    def index_read_models(self) -> bool:
        """Build the query indexes a reset by this store dropped; False if there was none.

        Two threads catching up after a reset (a rebuild beside the API's projector) would
        both create them, and PostgreSQL refuses a second concurrent CREATE INDEX IF NOT
        EXISTS of the same name: one builds them at a time, the other finds them built.
        """
        with _INDEXING:
            if not self._rm_unindexed:
                return False
            self._rm_create_indexes()
            self._rm_unindexed = False
            return True

    def _rm_missing_indexes(self) -> list[str]:
        """The query indexes that do not exist (a role that may not create them, as the
        application's own may not, finds none missing once the owner's start made them)."""
        existing = self._rm_existing_indexes(QUERY_INDEXES)
        return [name for name in QUERY_INDEXES if name not in existing]

    def _rm_existing_indexes(self, names: Sequence[str]) -> list[str]:
        existing = []
        with self._rm_cursor(False) as c:
            for name in names:
                if self._rm_set_based:
                    c.execute("SELECT to_regclass(%s) AS found", (self.prefix + name,))
                else:
                    c.execute(
                        "SELECT name AS found FROM sqlite_master WHERE type = 'index' AND name = ?",
                        (name,),
                    )
                row = c.fetchone()
                if row is not None and row["found"] is not None:
                    existing.append(name)
        return existing

    def _rm_create_indexes(self, names: Sequence[str] = QUERY_INDEXES) -> None:
        statements = [
            statement
            for statement in create_statements(self.prefix, self._rm_set_based)
            if any(f" EXISTS {name} " in statement for name in names)
        ]
        assert len(statements) == len(names)
        if not statements:
            return
        with self._rm_cursor(True) as c:
            if self._rm_set_based:
                # Other processes may be building the same indexes (see index_read_models).
                c.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", ("accord-indexes:" + self.prefix,)
                )
            for statement in statements:
                c.execute(statement)
