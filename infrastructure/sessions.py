"""Web sessions and one-time sign-in links: two small tables beside the API keys
(application.sessions and application.signin_links decide expiry).

Not append-only: a session is deleted when it is ended or expires, a link when it expires
or its person is forgotten.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from application.ports_console import SessionRow, SignInLinkRow

COLUMNS = "session_hash, key_id, csrf, created_at, last_seen_at"
LINK_COLUMNS = "link_hash, person_id, role, created_at, expires_at, used_at"


def create_statements(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_sessions ("
        "session_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, csrf TEXT NOT NULL, "
        "created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_sign_in_links ("
        "link_hash TEXT PRIMARY KEY, person_id TEXT NOT NULL, role TEXT NOT NULL, "
        "created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_at TEXT)",
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

    def insert_sign_in_link(self, row: SignInLinkRow) -> None:
        values = ", ".join([self._p] * 6)
        with self._rm_cursor(True) as c:
            c.execute(
                f"INSERT INTO {self.prefix}accord_sign_in_links ({LINK_COLUMNS}) VALUES ({values})",
                (row.link_hash, row.person_id, row.role, row.created_at, row.expires_at, None),
            )

    def find_sign_in_link(self, link_hash: str) -> SignInLinkRow | None:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT {LINK_COLUMNS} FROM {self.prefix}accord_sign_in_links "
                f"WHERE link_hash = {self._p}",
                (link_hash,),
            )
            row = c.fetchone()
        return _link(row) if row else None

    def claim_sign_in_link(self, link_hash: str, now: str) -> SignInLinkRow | None:
        p = self._p
        # One statement: the database lets exactly one of two racing claims match the row
        # (PostgreSQL re-checks the condition after the first commits; SQLite serialises).
        with self._rm_cursor(True) as c:
            c.execute(
                f"UPDATE {self.prefix}accord_sign_in_links SET used_at = {p} "
                f"WHERE link_hash = {p} AND used_at IS NULL AND expires_at > {p} "
                f"RETURNING {LINK_COLUMNS}",
                (now, link_hash, now),
            )
            row = c.fetchone()
        return _link(row) if row else None

    def delete_sign_in_links(self, person_id: str | None = None, expired_before: str = "") -> None:
        p = self._p
        with self._rm_cursor(True) as c:
            if person_id is not None:
                c.execute(
                    f"DELETE FROM {self.prefix}accord_sign_in_links WHERE person_id = {p}",
                    (person_id,),
                )
            if expired_before:
                c.execute(
                    f"DELETE FROM {self.prefix}accord_sign_in_links WHERE expires_at < {p}",
                    (expired_before,),
                )


def _link(row: Any) -> SignInLinkRow:
    return SignInLinkRow(*(row[name.strip()] for name in LINK_COLUMNS.split(",")))
