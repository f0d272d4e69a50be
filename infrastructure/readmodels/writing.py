"""The projector's side: what a page of events reads before it is applied, and its writes."""

from __future__ import annotations

import json
from typing import Any

from application.ports import Batch, FactRow
from infrastructure.readmodels.base import ReadModelBase
from infrastructure.readmodels.schema import (
    FACT_COLUMNS,
    FACT_TYPES,
    PARTY_COLUMNS,
    PARTY_TYPES,
    TIMELINE_TYPES,
    TIMELINE_WRITTEN,
    TRACKING,
)


class _BatchRows:
    """A batch as the rows (tuples in column order) each of its statements writes."""

    def __init__(self, batch: Batch) -> None:
        self.timeline = [
            (
                *(r.position, r.record_id, r.kind, r.group_id, r.type, r.version),
                *(r.recorded_at, r.actor, r.effective_at, r.data, r.known_at),
                *(r.subject, r.detail, r.body),
            )
            for r in batch.timeline
        ]
        self.parties = [
            (kind, party, r.position)
            for r in batch.timeline
            for kind, ids in (
                ("person", r.people),
                ("organisation", r.organisations),
                ("principle", r.principles),
            )
            for party in ids
        ]
        self.record_groups = batch.record_groups
        self.closed = [(position, key, start) for key, start, position in batch.closed]
        self.facts = [
            (
                *(r.key, r.group_id, r.state, r.effective_from, r.effective_to),
                *(r.recorded_from, r.recorded_to, r.kind, int(r.live), r.holder, r.review_date),
            )
            for r in batch.facts
        ]
        self.sources = [(key, group, last) for key, (group, last) in batch.sources.items()]


class ReadModelWriter(ReadModelBase):
    """Applies a page of events to every read model in one transaction, exactly once."""

    def load_sources(self, keys: list[str]) -> dict[str, tuple[str | None, str]]:
        rows = self._rm_select_in(
            f"SELECT fact_key, group_id, last_state FROM {self.prefix}accord_fact_sources",
            "fact_key",
            keys,
        )
        return {row["fact_key"]: (row["group_id"], row["last_state"]) for row in rows}

    def load_open_facts(self, keys: list[str]) -> list[FactRow]:
        """The intervals of these facts that the latest position records."""
        rows = self._rm_select_in(
            f"SELECT fact_key, group_id, state, effective_from, effective_to, "
            f"recorded_from, kind, live, holder, review_date FROM {self.prefix}accord_facts",
            "fact_key",
            keys,
            " AND recorded_to IS NULL",
        )
        return [
            FactRow(
                row["fact_key"],
                row["group_id"],
                row["state"],
                row["effective_from"],
                row["effective_to"],
                int(row["recorded_from"]),
                None,
                row["kind"],
                bool(row["live"]),
                row["holder"],
                row["review_date"],
            )
            for row in rows
        ]

    def load_record_groups(self, record_ids: list[str]) -> dict[str, str | None]:
        rows = self._rm_select_in(
            f"SELECT record_id, group_id FROM {self.prefix}accord_record_groups",
            "record_id",
            record_ids,
        )
        return {row["record_id"]: row["group_id"] for row in rows}

    def apply_batch(self, batch: Batch) -> bool:
        """Apply a page of events; False (and nothing written) if another projector did."""
        try:
            self._apply(batch)
        except _Superseded:
            return False
        return True

    def _apply(self, batch: Batch) -> None:
        t, p = self.prefix, self._p
        with self._rm_cursor(True) as c:
            c.execute(
                f"UPDATE {t}accord_tracking SET position = {p} WHERE name = {p} AND position = {p}",
                (batch.last, TRACKING, batch.after),
            )
            if self._rowcount(c) != 1:
                raise _Superseded
            rows = _BatchRows(batch)
            if self._rm_set_based:
                self._rm_write_bulk(c, rows)
            else:
                self._rm_write_each(c, rows)

    def _rm_write_each(self, c: Any, rows: _BatchRows) -> None:
        """The page's rows, one statement each (SQLite, where that is cheap)."""
        t, p = self.prefix, self._p
        if rows.timeline:
            c.executemany(
                f"INSERT INTO {t}accord_timeline ({TIMELINE_WRITTEN}) "
                f"VALUES ({', '.join([p] * 14)})",
                rows.timeline,
            )
        if rows.parties:
            c.executemany(
                f"INSERT INTO {t}accord_timeline_parties ({PARTY_COLUMNS}) VALUES ({p}, {p}, {p})",
                rows.parties,
            )
        if rows.record_groups:
            c.executemany(
                f"INSERT INTO {t}accord_record_groups (record_id, kind, group_id) "
                f"VALUES ({p}, {p}, {p}) ON CONFLICT (record_id) DO NOTHING",
                rows.record_groups,
            )
        if rows.closed:
            c.executemany(
                f"UPDATE {t}accord_facts SET recorded_to = {p} WHERE fact_key = {p} "
                f"AND recorded_to IS NULL AND effective_from = {p}",
                rows.closed,
            )
        if rows.facts:
            c.executemany(
                f"INSERT INTO {t}accord_facts ({FACT_COLUMNS}) VALUES ({', '.join([p] * 11)})",
                rows.facts,
            )
        if rows.sources:
            c.executemany(
                f"INSERT INTO {t}accord_fact_sources (fact_key, group_id, last_state) "
                f"VALUES ({p}, {p}, {p}) ON CONFLICT (fact_key) DO UPDATE "
                "SET last_state = excluded.last_state",
                rows.sources,
            )

    def _rm_write_bulk(self, c: Any, rows: _BatchRows) -> None:
        """The page's rows in one statement per table (PostgreSQL), each sending its rows as
        one JSON array of arrays: no round trip, parsing or planning per row."""
        t = self.prefix
        _insert(c, f"{t}accord_timeline ({TIMELINE_WRITTEN})", TIMELINE_TYPES, rows.timeline)
        _insert(c, f"{t}accord_timeline_parties ({PARTY_COLUMNS})", PARTY_TYPES, rows.parties)
        _insert(
            c,
            f"{t}accord_record_groups (record_id, kind, group_id)",
            ("text", "text", "text"),
            rows.record_groups,
            " ON CONFLICT (record_id) DO NOTHING",
        )
        if rows.closed:
            c.execute(
                f"UPDATE {t}accord_facts f SET recorded_to = v.position "
                f"FROM ({_elements(('bigint', 'text', 'text'))}) AS v(position, key, start) "
                "WHERE f.fact_key = v.key AND f.recorded_to IS NULL AND f.effective_from = v.start",
                (_json(rows.closed),),
            )
        _insert(c, f"{t}accord_facts ({FACT_COLUMNS})", FACT_TYPES, rows.facts)
        _insert(
            c,
            f"{t}accord_fact_sources (fact_key, group_id, last_state)",
            ("text", "text", "text"),
            rows.sources,
            " ON CONFLICT (fact_key) DO UPDATE SET last_state = excluded.last_state",
        )


class _Superseded(Exception):
    """Another projector applied this page first; the transaction is rolled back."""


def _json(rows: list[tuple[Any, ...]]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _elements(types: tuple[str, ...]) -> str:
    """A query of the rows sent as one JSON array of arrays, as columns of these types."""
    columns = ", ".join(f"(e ->> {i})::{kind}" for i, kind in enumerate(types))
    return f"SELECT {columns} FROM jsonb_array_elements(%s::jsonb) e"


def _insert(
    c: Any, target: str, types: tuple[str, ...], rows: list[tuple[Any, ...]], more: str = ""
) -> None:
    if rows:
        c.execute(f"INSERT INTO {target} {_elements(types)}{more}", (_json(rows),))
