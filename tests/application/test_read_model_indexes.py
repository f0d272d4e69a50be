"""The read models' query indexes: a start builds any that are missing, an upgrade leaves
none of an earlier version's, and the queries they serve use them."""

from __future__ import annotations

import random
import string
from typing import cast

import pytest

from infrastructure.readmodels import QUERY_INDEXES, SCHEMA, SQLReadModels
from interfaces.bootstrap import build_ledger
from tests.application.support import build_world, rich_scenario
from tests.conftest import acting_as

# Version 3's indexes on the facts, which version 4's replace.
EARLIER = {
    "accord_facts_by_group": "(group_id, live, recorded_from)",
    "accord_facts_by_group_end": "(group_id, live, effective_to)",
    "accord_facts_by_kind": "(kind, live, effective_to)",
}
OBSOLETE_INDEXES = tuple(EARLIER)


def existing(ledger, names):
    return set(ledger.projector.store._rm_existing_indexes(names))


def test_an_upgrade_replaces_an_earlier_versions_indexes(durable):
    ledger = build_ledger(durable)
    try:
        # A durable store: its SQL read models, whose cursor and table prefix the test uses.
        store = cast(SQLReadModels, ledger.projector.store)
        assert existing(ledger, QUERY_INDEXES) == set(QUERY_INDEXES)
        assert existing(ledger, OBSOLETE_INDEXES) == set()
        # The read models as version 3 left them: its schema version and its indexes.
        with store._rm_cursor(True) as c:
            for name in ("accord_facts_in_effect", "accord_facts_in_effect_by_kind"):
                c.execute(f"DROP INDEX {store.prefix}{name}")
            for name, columns in EARLIER.items():
                c.execute(f"CREATE INDEX {name} ON {store.prefix}accord_facts {columns}")
            c.execute(
                f"UPDATE {store.prefix}accord_tracking SET position = 3 WHERE name = {store._p}",
                (SCHEMA,),
            )
        assert existing(ledger, OBSOLETE_INDEXES) == set(OBSOLETE_INDEXES)
    finally:
        ledger.close()
    ledger = build_ledger(durable)
    try:
        assert existing(ledger, QUERY_INDEXES) == set(QUERY_INDEXES)
        assert existing(ledger, OBSOLETE_INDEXES) == set()
    finally:
        ledger.close()


@pytest.fixture
def durable(settings):
    return settings


@pytest.mark.stores("sqlite", "postgres")
def test_a_groups_state_is_read_through_the_index_that_holds_every_bound(ledger, settings):
    """The as-of query's bounds are all index conditions: the table is read only for the
    rows in the answer, however long the group's history (bench/scale.py measures it)."""
    ids = rich_scenario(ledger)
    ledger.projector.catch_up()
    store = ledger.projector.store
    params = (ids["group"][0], 3, 3, "2025-03-01T00:00:00.000000+00:00", "2025-03-01")
    with store._rm_cursor(True) as c:
        if settings.database_url.startswith("sqlite"):
            c.execute("EXPLAIN QUERY PLAN " + store._facts_statement(True), params)
            plan = " ".join(str(row["detail"]) for row in c.fetchall())
            assert "USING INDEX accord_facts_in_effect " in plan
            return
        c.execute("SET LOCAL enable_seqscan = off")
        c.execute("EXPLAIN " + store._facts_statement(True), params)
        plan = "\n".join(str(row["QUERY PLAN"]) for row in c.fetchall())
    assert "accord_facts_in_effect " in plan, plan
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert len(conditions) == 1, plan
    for bound in (
        "effective_to >",
        "effective_from <=",
        "recorded_from <=",
        "COALESCE(recorded_to",
    ):
        assert bound in conditions[0], plan
    assert "Filter:" not in plan, plan


def test_the_longest_statements_are_projected_and_reported(ledger):
    """Free text (a principle's statement, up to 10,000 characters) is kept out of the
    columns an index holds, whose entries PostgreSQL bounds in size."""
    w = build_world(ledger)
    rng = random.Random(20260301)  # text that does not compress, as real text might not

    def text(length: int) -> str:
        return "".join(rng.choice(string.ascii_letters) for _ in range(length))

    long, longer = text(9_000), text(10_000)
    with acting_as(w.convener):
        principle = ledger.principles.propose_principle(w.group, long).id
        ledger.principles.respond_to_principle(principle, "endorse", None, w.alice)
        ledger.principles.agree_principle(principle)
        ledger.principles.amend_principle(principle, longer)
    ledger.projector.catch_up()
    assert ledger.projector.position() == ledger.head_position()
    listed = ledger.reports.accountability_report(w.group)["principles"]["principles"]
    assert [(p["principle_id"], p["statement"], p["endorsers"]) for p in listed] == [
        (principle, longer, 1)
    ]
