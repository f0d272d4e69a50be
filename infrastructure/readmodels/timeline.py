"""Queries of the timeline read model: events in log order, and the position at a moment."""

from __future__ import annotations

import json
from typing import Any

from infrastructure.readmodels.base import ReadModelBase
from infrastructure.readmodels.schema import TIMELINE_COLUMNS


class TimelineQueries(ReadModelBase):
    """The timeline: its events filtered, its last known time, the position at a moment."""

    def last_known_at(self) -> str | None:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT known_at FROM {self.prefix}accord_timeline ORDER BY position DESC LIMIT 1"
            )
            row = c.fetchone()
            return str(row["known_at"]) if row else None

    def select_timeline(
        self,
        after: int,
        limit: int,
        record_id: str | None = None,
        group_id: str | None = None,
        kinds: tuple[str, ...] = (),
        types: tuple[str, ...] = (),
        person: str | None = None,
        organisation: str | None = None,
        recorded_from: str | None = None,
        recorded_to: str | None = None,
        until: int | None = None,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        t, p = self.prefix, self._p
        where: list[str] = ["e.position > " + p]
        params: list[Any] = [after]
        for column, value in (("e.record_id", record_id), ("e.group_id", group_id)):
            if value is not None:
                where.append(f"{column} = {p}")
                params.append(value)
        for column, values in (("e.kind", kinds), ("e.type", types)):
            if values:
                where.append(f"{column} IN ({self._in(list(values))})")
                params.extend(values)
        for kind, value in (("person", person), ("organisation", organisation)):
            if value is not None:
                where.append(
                    f"EXISTS (SELECT 1 FROM {t}accord_timeline_parties x WHERE x.party_kind = {p} "
                    f"AND x.party_id = {p} AND x.position = e.position)"
                )
                params.extend([kind, value])
        if recorded_from is not None:
            where.append(f"e.recorded_at >= {p}")
            params.append(recorded_from)
        if recorded_to is not None:
            where.append(f"e.recorded_at < {p}")
            params.append(recorded_to)
        if until is not None:
            where.append(f"e.position <= {p}")
            params.append(until)
        columns = ", ".join(f"e.{c.strip()}" for c in TIMELINE_COLUMNS.split(","))
        statement = (
            f"SELECT {columns} FROM {t}accord_timeline e WHERE {' AND '.join(where)} "
            f"ORDER BY e.position {'DESC' if newest_first else ''} LIMIT {p}"
        )
        with self._rm_cursor(False) as c:
            c.execute(statement, [*params, limit])
            return [_timeline(row) for row in c.fetchall()]

    def position_at(self, recorded_at: str) -> int:
        """The last position the ledger knew of at `recorded_at`.

        Recorded times are taken before commit, so they are not strictly in position
        order; `known_at` is their running maximum, so the answer is always a prefix
        of the log holding nothing recorded after the moment.
        """
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT position FROM {self.prefix}accord_timeline WHERE known_at <= {self._p} "
                "ORDER BY known_at DESC, position DESC LIMIT 1",
                (recorded_at,),
            )
            row = c.fetchone()
            return int(row["position"]) if row and row["position"] is not None else 0


def _timeline(row: Any) -> dict[str, Any]:
    names = [c.strip() for c in TIMELINE_COLUMNS.split(",")]
    item = {name: row[name] for name in names}
    item["data"] = json.loads(item["data"])
    item["position"] = int(item["position"])
    item["version"] = int(item["version"])
    return item
