"""Queries of the bitemporal facts read model: what was in effect, as recorded when."""

from __future__ import annotations

import json
from typing import Any

from infrastructure.common import chunks
from infrastructure.readmodels.base import ReadModelBase
from infrastructure.readmodels.schema import RECORDED_TO


class FactQueries(ReadModelBase):
    """The facts in effect at an instant as recorded by a position, and their intervals."""

    def select_facts(
        self, group_id: str, position: int, effective: str, live_only: bool = False
    ) -> list[dict[str, Any]]:
        """A group's facts in effect at `effective` as recorded by `position`; `live_only`
        leaves out records a group's state does not show (see facts.classify)."""
        with self._rm_cursor(False) as c:
            c.execute(
                self._facts_statement(live_only),
                (group_id, position, position, effective, effective),
            )
            return [
                {
                    "key": row["fact_key"],
                    "state": json.loads(row["state"]),
                    "effective_from": row["effective_from"],
                    "effective_to": row["effective_to"],
                    "recorded_from": int(row["recorded_from"]),
                }
                for row in c.fetchall()
            ]

    def _facts_statement(self, live_only: bool) -> str:
        """select_facts's query: its parameters are the group, the position twice and the
        instant twice."""
        p = self._p
        live = " AND live = 1" if live_only else ""
        return (
            f"SELECT fact_key, state, effective_from, effective_to, recorded_from "
            f"FROM {self.prefix}accord_facts WHERE group_id = {p}{live} "
            f"AND recorded_from <= {p} AND {RECORDED_TO} > {p} "
            f"AND effective_from <= {p} AND effective_to > {p} ORDER BY fact_key"
        )

    def select_facts_at(
        self,
        position: int,
        effective: str,
        group_ids: list[str] | None = None,
        key_prefix: str | None = None,
        kind: str | None = None,
        live_only: bool = False,
        with_state: bool = True,
        review_before: str | None = None,
    ) -> list[dict[str, Any]]:
        """Facts in effect at `effective` as recorded by `position`, for some groups or all;
        of one kind, and only live ones (see facts.classify), if asked; only decisions due
        for review before a date, if given. Without `with_state`, each state is None (its
        holder column is still there)."""
        p = self._p
        where = [
            f"recorded_from <= {p}",
            f"{RECORDED_TO} > {p}",
            f"effective_from <= {p}",
            f"effective_to > {p}",
        ]
        params: list[Any] = [position, position, effective, effective]
        if key_prefix is not None:
            where.append(f"fact_key >= {p} AND fact_key < {p}")
            params += [key_prefix, key_prefix + "\uffff"]
        if kind is not None:
            where.append(f"kind = {p}")
            params.append(kind)
        if live_only:
            where.append("live = 1")
        if review_before is not None:
            where.append(f"review_date < {p}")
            params.append(review_before)
        found: list[dict[str, Any]] = []
        batches = list(chunks(sorted(set(group_ids)))) if group_ids is not None else [None]
        for chunk in batches:
            clause = list(where)
            values = list(params)
            if chunk is not None:
                clause.append(f"group_id IN ({self._in(chunk)})")
                values += chunk
            with self._rm_cursor(False) as c:
                self._rm_tuples(c)
                c.execute(
                    f"SELECT fact_key, group_id, {'state' if with_state else 'NULL AS state'}, "
                    f"effective_from, holder FROM {self.prefix}accord_facts "
                    f"WHERE {' AND '.join(clause)} ORDER BY fact_key",
                    values,
                )
                found += [
                    {
                        "key": key,
                        "group_id": group,
                        "state": json.loads(state) if with_state else None,
                        "effective_from": effective_from,
                        "holder": holder,
                    }
                    for key, group, state, effective_from, holder in c.fetchall()
                ]
        return found

    def select_fact_intervals(
        self, position: int, key_prefix: str, keys: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Every valid-time interval of the facts under a prefix (only those of `keys`, the
        parts after the prefix, if given), as recorded by `position`; by key, then start."""
        p = self._p
        select = (
            f"SELECT fact_key, state, effective_from, effective_to FROM {self.prefix}accord_facts "
            f"WHERE recorded_from <= {p} AND (recorded_to IS NULL OR recorded_to > {p}) AND "
        )
        order = " ORDER BY fact_key, effective_from"
        if keys is None:
            batches: list[tuple[str, list[Any]]] = [
                (f"fact_key >= {p} AND fact_key < {p}", [key_prefix, key_prefix + "\uffff"])
            ]
        else:
            batches = [
                (f"fact_key IN ({self._in(chunk)})", chunk)
                for chunk in chunks(sorted({key_prefix + key for key in keys}))
            ]
        found: list[dict[str, Any]] = []
        with self._rm_cursor(False) as c:
            for where, values in batches:
                c.execute(select + where + order, [position, position, *values])
                found += [
                    {
                        "key": row["fact_key"],
                        "state": json.loads(row["state"]),
                        "effective_from": row["effective_from"],
                        "effective_to": row["effective_to"],
                    }
                    for row in c.fetchall()
                ]
        return found
