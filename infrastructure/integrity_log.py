"""When the hash chain was last verified and checkpointed: one small table, appended to by
`accord verify` and `accord checkpoint` and read by the console's integrity page."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from application.ports_console import IntegrityRun

COLUMNS = "kind, at, position, link, events, intact, detail"


def create_statements(prefix: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {prefix}accord_integrity_runs ("
        "kind TEXT NOT NULL, at TEXT NOT NULL, position BIGINT NOT NULL, link TEXT NOT NULL, "
        "events BIGINT NOT NULL, intact INTEGER NOT NULL, detail TEXT)",
        "CREATE INDEX IF NOT EXISTS accord_integrity_runs_by_kind "
        f"ON {prefix}accord_integrity_runs (kind, at)",
    ]


class SQLIntegrityLog:
    """Implements application.ports.IntegrityLogStore over `_rm_cursor()` and `_p`."""

    prefix: str
    _p: str

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def insert_integrity_run(self, row: IntegrityRun) -> None:
        values = ", ".join([self._p] * 7)
        with self._rm_cursor(True) as c:
            c.execute(
                f"INSERT INTO {self.prefix}accord_integrity_runs ({COLUMNS}) VALUES ({values})",
                (
                    row.kind,
                    row.at,
                    row.position,
                    row.link,
                    row.events,
                    1 if row.intact else 0,
                    row.detail,
                ),
            )

    def last_integrity_run(self, kind: str) -> IntegrityRun | None:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT {COLUMNS} FROM {self.prefix}accord_integrity_runs "
                f"WHERE kind = {self._p} ORDER BY at DESC LIMIT 1",
                (kind,),
            )
            row = c.fetchone()
        if row is None:
            return None
        return IntegrityRun(
            kind=row["kind"],
            at=row["at"],
            position=int(row["position"]),
            link=row["link"],
            events=int(row["events"]),
            intact=bool(row["intact"]),
            detail=row["detail"],
        )
