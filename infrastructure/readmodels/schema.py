"""The read models' tables, indexes and columns, and the schema version that says when to
rebuild them."""

from __future__ import annotations

TRACKING = "ledger"
# Bump when the read models' tables or contents change: they are then rebuilt from zero.
SCHEMA = "read_model_schema"
SCHEMA_VERSION = 5
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
