"""Aggregates of the timeline for the accountability report, computed where the rows are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from infrastructure.readmodels.base import ReadModelBase


class ReportQueries(ReadModelBase):
    """Counts and selections of reported events; each query's {where} is the events' filter
    (see _event_filters)."""

    def count_events(
        self,
        until: int,
        types: tuple[str, ...],
        low: str,
        high: str,
        group_ids: list[str] | None = None,
    ) -> dict[str, int]:
        rows = self._over_events(
            f"SELECT e.type, count(*) FROM {self.prefix}accord_timeline e "
            "WHERE {where} GROUP BY e.type",
            until,
            types,
            group_ids,
            low=low,
            high=high,
        )
        return _summed(rows)

    def count_events_by_group(
        self,
        until: int,
        types: tuple[str, ...],
        low: str,
        high: str,
        group_ids: list[str] | None = None,
    ) -> dict[tuple[str, str], int]:
        rows = self._over_events(
            f"SELECT e.group_id, e.type, count(*) FROM {self.prefix}accord_timeline e "
            "WHERE {where} AND e.group_id IS NOT NULL GROUP BY e.group_id, e.type",
            until,
            types,
            group_ids,
            low=low,
            high=high,
        )
        counts: Counter[tuple[str, str]] = Counter()
        for group, kind, n in rows:
            counts[(str(group), str(kind))] += int(n)
        return dict(counts)

    def select_reported(
        self,
        until: int,
        types: tuple[str, ...],
        group_ids: list[str] | None = None,
        record_ids: list[str] | None = None,
        low: str | None = None,
        high: str | None = None,
        with_body: bool = False,
    ) -> list[tuple[int, str, str, str, str | None, str | None, str | None]]:
        rows = self._over_events(
            "SELECT e.position, e.record_id, e.type, e.effective_at, e.subject, e.detail, "
            f"{'e.body' if with_body else 'NULL'} FROM {self.prefix}accord_timeline e "
            "WHERE {where}",
            until,
            types,
            group_ids,
            record_ids,
            low,
            high,
        )
        return sorted(rows, key=lambda row: int(row[0]))

    def distinct_details(
        self,
        until: int,
        types: tuple[str, ...],
        high: str,
        group_ids: list[str] | None = None,
    ) -> set[str]:
        rows = self._over_events(
            f"SELECT DISTINCT e.detail FROM {self.prefix}accord_timeline e "
            "WHERE {where} AND e.detail IS NOT NULL",
            until,
            types,
            group_ids,
            high=high,
        )
        return {str(detail) for (detail,) in rows}

    def count_citations(
        self,
        until: int,
        types: tuple[str, ...],
        high: str,
        group_ids: list[str] | None = None,
    ) -> dict[str, int]:
        t = self.prefix
        rows = self._over_events(
            f"SELECT x.party_id, count(*) FROM {t}accord_timeline e "
            f"JOIN {t}accord_timeline_parties x ON x.position = e.position "
            "AND x.party_kind = 'principle' WHERE {where} GROUP BY x.party_id",
            until,
            types,
            group_ids,
            high=high,
        )
        return _summed(rows)

    def count_latest(
        self,
        until: int,
        types: tuple[str, ...],
        high: str,
        group_ids: list[str] | None = None,
    ) -> list[tuple[str, str, int]]:
        rows = self._over_events(
            "SELECT record_id, type, count(*) FROM ("
            "SELECT e.record_id, e.type, row_number() OVER (PARTITION BY e.record_id, "
            "e.subject ORDER BY e.position DESC) AS latest "
            f"FROM {self.prefix}accord_timeline e WHERE {{where}}) AS ranked "
            "WHERE latest = 1 GROUP BY record_id, type",
            until,
            types,
            group_ids,
            high=high,
        )
        return [(record, kind, int(n)) for record, kind, n in rows]

    def _over_events(
        self,
        statement: str,
        until: int,
        types: tuple[str, ...],
        group_ids: list[str] | None,
        record_ids: list[str] | None = None,
        low: str | None = None,
        high: str | None = None,
    ) -> list[Any]:
        """The rows (tuples) of a statement over the timeline `e`, its {where} the filter of
        _event_filters: one query on PostgreSQL, one per chunk of groups and records
        elsewhere (a statement that groups must group by group or by record)."""
        found: list[Any] = []
        for clause, params in self._event_filters(until, types, group_ids, record_ids, low, high):
            with self._rm_cursor(False) as c:
                self._rm_tuples(c)
                c.execute(statement.replace("{where}", clause), params)
                found += c.fetchall()
        return found

    def _event_filters(
        self,
        until: int,
        types: tuple[str, ...],
        group_ids: list[str] | None,
        record_ids: list[str] | None,
        low: str | None,
        high: str | None,
    ) -> Iterator[tuple[str, list[Any]]]:
        """WHERE clauses (with their parameters) for timeline rows up to a position, of some
        types, in some groups or records, taking effect in [low, high]: one on PostgreSQL,
        one per chunk of groups and of records elsewhere."""
        p = self._p
        where = [f"e.position <= {p}", f"e.type IN ({self._in(list(types))})"]
        params: list[Any] = [until, *types]
        for bound, op in ((low, ">="), (high, "<=")):
            if bound is not None:
                where.append(f"e.effective_at {op} {p}")
                params.append(bound)
        if [] in (group_ids, record_ids):  # none chosen: no row
            return
        for groups in self._rm_chunked(group_ids):
            for records in self._rm_chunked(record_ids):
                clause, values = list(where), list(params)
                for column, chosen in (("e.group_id", groups), ("e.record_id", records)):
                    if chosen is None:
                        continue
                    if self._rm_set_based:
                        clause.append(f"{column} = ANY({p})")
                        values.append(chosen)
                    else:
                        clause.append(f"{column} IN ({self._in(chosen)})")
                        values += chosen
                yield " AND ".join(clause), values


def _summed(rows: list[Any]) -> dict[str, int]:
    """(key, n) rows, some keys in several (one per chunk), as one count per key."""
    counts: Counter[str] = Counter()
    for key, n in rows:
        counts[str(key)] += int(n)
    return dict(counts)
