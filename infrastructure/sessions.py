"""Web sessions: one small table beside the API keys (application.sessions decides expiry).

Not append-only: a session is deleted when it is ended or expires.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from application.ports import SessionRow

COLUMNS = "session_hash, key_id, csrf, created_at, last_seen_at"


def create_statements(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_sessions ("
        "session_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, csrf TEXT NOT NULL, "
        "created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL)",
    ]


class SQLSessions:
    """Implements application.ports.SessionStore over `_rm_cursor()` and `_p`."""

    prefix: str
    _p: str

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def insert_session(self, row: SessionRow) -> None:
        values = ", ".join([self._p] * 5)
        with self._rm_cursor(True) as c:
            c.execute(
                f"INSERT INTO {self.prefix}accord_sessions ({COLUMNS}) VALUES ({values})",
                (row.session_hash, row.key_id, row.csrf, row.created_at, row.last_seen_at),
            )

    def find_session(self, session_hash: str) -> SessionRow | None:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT {COLUMNS} FROM {self.prefix}accord_sessions "
                f"WHERE session_hash = {self._p}",
                (session_hash,),
            )
            row = c.fetchone()
        return SessionRow(*(row[name.strip()] for name in COLUMNS.split(","))) if row else None

    def touch_session(self, session_hash: str, last_seen_at: str) -> None:
        p = self._p
        with self._rm_cursor(True) as c:
            c.execute(
                f"UPDATE {self.prefix}accord_sessions SET last_seen_at = {p} "
                f"WHERE session_hash = {p}",
                (last_seen_at, session_hash),
            )

    def delete_session(self, session_hash: str) -> None:
        with self._rm_cursor(True) as c:
            c.execute(
                f"DELETE FROM {self.prefix}accord_sessions WHERE session_hash = {self._p}",
                (session_hash,),
            )

    def delete_sessions(self, started_before: str, seen_before: str) -> None:
        p = self._p
        with self._rm_cursor(True) as c:
            c.execute(
                f"DELETE FROM {self.prefix}accord_sessions "
                f"WHERE created_at < {p} OR last_seen_at < {p}",
                (started_before, seen_before),
            )
