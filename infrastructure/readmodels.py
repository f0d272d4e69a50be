"""SQL for the read models, shared by SQLite (and the in-memory store) and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from application.ports import Batch, FactRow
from infrastructure.common import chunks

TRACKING = "ledger"
# Bump when the read models' tables or contents change: they are then rebuilt from zero.
SCHEMA = "read_model_schema"
SCHEMA_VERSION = 4
# An interval still in force in recorded time has no replacement position: as the largest
# position, it is after every position a query asks about.
RECORDED_TO = "COALESCE(recorded_to, 9223372036854775807)"


def create_statements(prefix: str, include: bool = False) -> list[str]:
    """The read models' tables and indexes; `include`: the database has covering indexes
    (INCLUDE, as PostgreSQL has), else their extra columns are trailing keys."""
    t = prefix

    def covering(keys: str, extra: str) -> str:
        return f"({keys}) INCLUDE ({extra})" if include else f"({keys}, {extra})"

    return [
        f"CREATE TABLE IF NOT EXISTS {t}accord_tracking "
        "(name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
        f"INSERT INTO {t}accord_tracking (name, position) VALUES ('{TRACKING}', 0) "
        "ON CONFLICT DO NOTHING",
        f"CREATE TABLE IF NOT EXISTS {t}accord_timeline (position BIGINT PRIMARY KEY, "
        "record_id TEXT NOT NULL, kind TEXT NOT NULL, group_id TEXT, type TEXT NOT NULL, "
        "version BIGINT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT, "
        "effective_at TEXT NOT NULL, data TEXT NOT NULL, known_at TEXT NOT NULL, "
        "subject TEXT, detail TEXT, body TEXT)",
        f"CREATE INDEX IF NOT EXISTS accord_timeline_by_group ON {t}accord_timeline (group_id, position)",
        f"CREATE INDEX IF NOT EXISTS accord_timeline_by_record ON {t}accord_timeline (record_id, position)",
        # known_at rises with position: the last row at or before a moment is one index probe.
        f"CREATE INDEX IF NOT EXISTS accord_timeline_by_time ON {t}accord_timeline "
        "(known_at, position)",
        # The report's reads of events of some types (taking effect in a period, or of
        # some records) are answered by this index alone, without the rows' data.
        f"CREATE INDEX IF NOT EXISTS accord_timeline_by_type ON {t}accord_timeline "
        + covering("type, effective_at, group_id, position", "record_id, subject, detail"),
        f"CREATE TABLE IF NOT EXISTS {t}accord_timeline_parties (party_kind TEXT NOT NULL, "
        "party_id TEXT NOT NULL, position BIGINT NOT NULL, "
        "PRIMARY KEY (party_kind, party_id, position))",
        f"CREATE TABLE IF NOT EXISTS {t}accord_record_groups (record_id TEXT PRIMARY KEY, "
        "kind TEXT NOT NULL, group_id TEXT)",
        # Per fact: its group and its latest state (what the next change patches).
        f"CREATE TABLE IF NOT EXISTS {t}accord_fact_sources (fact_key TEXT PRIMARY KEY, "
        "group_id TEXT, last_state TEXT NOT NULL)",
        # One row per valid-time interval of a fact, for the positions that recorded it;
        # a change closes only the intervals it alters (see Projector._facts).
        f"CREATE TABLE IF NOT EXISTS {t}accord_facts (fact_key TEXT NOT NULL, group_id TEXT, "
        "state TEXT NOT NULL, effective_from TEXT NOT NULL, effective_to TEXT NOT NULL, "
        "recorded_from BIGINT NOT NULL, recorded_to BIGINT, kind TEXT NOT NULL, "
        "live SMALLINT NOT NULL, holder TEXT, review_date TEXT)",
        # The facts in effect at (position, instant), of one group or of one kind: every
        # bound is a key column, so the index alone rules out the intervals that end before
        # the instant, start after it, or were recorded (or replaced) out of the position,
        # and only the rows in the answer are read from the table. An interval's replacement
        # position is compared as RECORDED_TO (never NULL), which an index can hold.
        f"CREATE INDEX IF NOT EXISTS accord_facts_in_effect ON {t}accord_facts "
        f"(group_id, live, effective_to, effective_from, recorded_from, {RECORDED_TO})",
        # Of one kind across groups (the report), the replacement position leads: at the
        # head, the intervals since replaced (most of a long history) are passed over; and
        # a query without the states is answered by the index alone (PostgreSQL reads an
        # expression's column, recorded_to, from the index only if it holds it too).
        f"CREATE INDEX IF NOT EXISTS accord_facts_in_effect_by_kind ON {t}accord_facts "
        + covering(
            f"kind, live, {RECORDED_TO}, effective_to, effective_from, recorded_from, review_date",
            "fact_key, group_id, holder, recorded_to",
        ),
        f"CREATE INDEX IF NOT EXISTS accord_facts_open ON {t}accord_facts "
        "(fact_key, recorded_to, effective_from)",
    ]


READ_MODEL_TABLES = (
    "accord_timeline",
    "accord_timeline_parties",
    "accord_record_groups",
    "accord_fact_sources",
    "accord_facts",
)
TIMELINE_COLUMNS = (
    "position, record_id, kind, group_id, type, version, recorded_at, actor, effective_at, data"
)
DROP_ORDER = (*READ_MODEL_TABLES,)
# Indexes only queries read (the projector reads by primary key and accord_facts_open): a
# reset drops them, and they are built once the log is applied again, in one pass each,
# rather than kept up row by row through a rebuild. Every start of a store creates any
# that are missing (e.g. after a rebuild that did not finish).
QUERY_INDEXES = (
    "accord_timeline_by_group",
    "accord_timeline_by_record",
    "accord_timeline_by_time",
    "accord_timeline_by_type",
    "accord_facts_in_effect",
    "accord_facts_in_effect_by_kind",
)
PARTY_COLUMNS = "party_kind, party_id, position"
FACT_COLUMNS = (
    "fact_key, group_id, state, effective_from, effective_to, recorded_from, recorded_to, "
    "kind, live, holder, review_date"
)
# The timeline's columns as the projector writes them.
TIMELINE_WRITTEN = f"{TIMELINE_COLUMNS}, known_at, subject, detail, body"

# The columns' SQL types, in the order above (for rows sent as JSON).
TIMELINE_TYPES = ("bigint", "text", "text", "text", "text", "bigint", *["text"] * 8)
PARTY_TYPES = ("text", "text", "bigint")
FACT_TYPES = (*["text"] * 5, "bigint", "bigint", "text", "smallint", "text", "text")


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


class SQLReadModels:
    """Implements application.ports.ReadModelStore over `_rm_cursor()` and `_p`."""

    prefix: str
    _p: str
    # PostgreSQL: array parameters, and a page's rows sent as one JSON value per table.
    _rm_set_based = False
    # Set by a reset, until the query indexes it dropped are built again.
    _rm_unindexed = False

    def _rm_cursor(self, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _rm_tuples(self, cursor: Any) -> None:
        """This cursor's rows as plain tuples, cheaper to make than mappings."""
        cursor.row_factory = None

    def _rowcount(self, cursor: Any) -> int:
        return int(cursor.rowcount)

    def _in(self, values: list[Any]) -> str:
        return ", ".join([self._p] * len(values))

    def tracking_position(self) -> int:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT position FROM {self.prefix}accord_tracking WHERE name = {self._p}",
                (TRACKING,),
            )
            row = c.fetchone()
            return int(row["position"]) if row else 0

    def last_known_at(self) -> str | None:
        with self._rm_cursor(False) as c:
            c.execute(
                f"SELECT known_at FROM {self.prefix}accord_timeline ORDER BY position DESC LIMIT 1"
            )
            row = c.fetchone()
            return str(row["known_at"]) if row else None

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

    def _rm_select_in(
        self, select: str, column: str, values: list[str], more: str = ""
    ) -> list[Any]:
        """The rows of `select` whose `column` is one of `values`: one query on PostgreSQL,
        chunks of a bounded number of parameters elsewhere."""
        values = sorted(set(values))
        found: list[Any] = []
        if not values:
            return found
        with self._rm_cursor(False) as c:
            if self._rm_set_based:
                c.execute(f"{select} WHERE {column} = ANY({self._p}){more}", (values,))
                return list(c.fetchall())
            for chunk in chunks(values):
                c.execute(f"{select} WHERE {column} IN ({self._in(chunk)}){more}", chunk)
                found += c.fetchall()
        return found

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
        """Build the query indexes a reset by this store dropped; False if there was none."""
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
            for statement in statements:
                c.execute(statement)

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
            f"ORDER BY e.position LIMIT {p}"
        )
        with self._rm_cursor(False) as c:
            c.execute(statement, [*params, limit])
            return [_timeline(row) for row in c.fetchall()]

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

    # Aggregates of the timeline for the accountability report, computed where the rows are.
    # Each query's {where} is the events' filter (see _event_filters).

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

    def _rm_chunked(self, values: list[str] | None) -> Iterator[list[str] | None]:
        if values is None:
            yield None
        elif self._rm_set_based:
            yield sorted(set(values))
        else:
            yield from chunks(sorted(set(values)))

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


class _Superseded(Exception):
    """Another projector applied this page first; the transaction is rolled back."""


def _timeline(row: Any) -> dict[str, Any]:
    names = [c.strip() for c in TIMELINE_COLUMNS.split(",")]
    item = {name: row[name] for name in names}
    item["data"] = json.loads(item["data"])
    item["position"] = int(item["position"])
    item["version"] = int(item["version"])
    return item


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


def _summed(rows: list[Any]) -> dict[str, int]:
    """(key, n) rows, some keys in several (one per chunk), as one count per key."""
    counts: Counter[str] = Counter()
    for key, n in rows:
        counts[str(key)] += int(n)
    return dict(counts)
