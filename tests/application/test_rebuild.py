"""A fresh Ledger on the same database rebuilds exactly the same records and pages."""

from __future__ import annotations

import pytest

from interfaces.bootstrap import build_ledger
from tests.application.support import (
    LISTED_KINDS,
    Tape,
    all_notifications,
    getter,
    rich_scenario,
)


@pytest.fixture
def durable(settings):
    """Settings of a store that outlives one Ledger object (never the in-memory one)."""
    return settings


def every_page(ledger, ids):
    """Every page of every listing the scenario can be read through, with two items a page."""
    listings: list[tuple[str, dict[str, str]]] = [(kind, {}) for kind in (*LISTED_KINDS, "person")]
    listings += [("decision", {"status": s}) for s in ("agreed", "superseded", "proposed")]
    listings += [(kind, {"group_id": ids["group"][0]}) for kind in LISTED_KINDS]
    listings += [("group", {"group_id": ids["group"][2], "status": "closed"})]
    pages = []
    for kind, filters in listings:
        cursor = None
        while True:
            page = ledger.records.list_records(kind, cursor=cursor, limit=2, **filters)
            pages.append((kind, filters, cursor, page))
            cursor = page["next_cursor"]
            if cursor is None:
                break
    return pages


def test_a_fresh_ledger_on_the_same_database_rebuilds_the_same_state_for_every_record(
    ledger, durable
):
    ids = rich_scenario(ledger)
    state = {kind: [getter(ledger, kind)(i) for i in kind_ids] for kind, kind_ids in ids.items()}
    pages = every_page(ledger, ids)
    head = ledger.head_position()
    log = [(n.id, n.topic, n.state) for n in all_notifications(ledger)]
    ledger.close()

    fresh = build_ledger(durable)
    try:
        rebuilt = {
            kind: [getter(fresh, kind)(i) for i in kind_ids] for kind, kind_ids in ids.items()
        }
        assert rebuilt == state
        assert every_page(fresh, ids) == pages
        assert fresh.head_position() == head
        assert [(n.id, n.topic, n.state) for n in all_notifications(fresh)] == log
    finally:
        fresh.close()
    # The scenario did reach the states the comparison is meant to cover.
    statuses = {d["status"] for d in state["decision"]}
    assert statuses == {"agreed", "superseded", "rejected", "withdrawn", "revoked", "proposed"}
    assert {c["status"] for c in state["conflict"]} == {
        "resolved",
        "escalated",
        "withdrawn",
        "raised",
    }
    assert len(state["accountability"][0]["holders"]) == 3
    assert any(len(p["items"]) == 2 and p["next_cursor"] for *_, p in pages)


def test_a_fresh_ledger_continues_the_same_log_where_the_first_left_off(ledger, durable):
    ids = rich_scenario(ledger)
    head = ledger.head_position()
    group = ids["group"][0]
    version = ledger.records.get_group(group)["version"]

    fresh = build_ledger(durable)
    try:
        tape = Tape(fresh)
        assert tape.last == head
        written = tape(fresh.groups.restate_purpose(group, "Continue", expected_version=version))
        assert written.version == version + 1
        assert ledger.records.get_group(group) == fresh.records.get_group(group)
        assert ledger.head_position() == written.position
    finally:
        fresh.close()
