"""The facts read model keeps one row per valid-time interval and version, changed only
where a change alters it: the rows at every position are exactly `intervals()` of the
fact's history up to that position, and the live filter keeps what a group's state shows."""

from __future__ import annotations

import json
from typing import Any

from application.ledger import Ledger
from application.projections.describe import describe
from application.projections.facts import assertions, classify, effective_of, intervals
from tests.application.support import rich_scenario
from tests.application.test_projection import (
    back_dated_changes,
    fact_moments,
    group_ids,
    table_rows,
)


def histories(ledger: Ledger) -> dict[str, list[tuple[int, str, Any]]]:
    """Every fact's changes, replayed from the event log: (position, effective, patch)."""
    groups: dict[str, str | None] = {}
    found: dict[str, list[tuple[int, str, Any]]] = {}
    for n in ledger.recorder.select_notifications(1, 1_000_000, inclusive_of_start=True):
        d = describe(n.id, ledger.mapper.to_domain_event(n))
        groups.setdefault(d.record_id, d.record_id if d.kind == "group" else d.data.get("group_id"))
        for a in assertions(d, groups.get):
            found.setdefault(a.key, []).append((d.position, effective_of(d), a.patch))
    return found


def oracle(changes: list[tuple[int, str, Any]], position: int) -> list[tuple[str, str, str]]:
    """intervals() of the history recorded by `position`, each state as stored."""
    history: list[list[Any]] = []
    state: dict[str, Any] | None = None
    for at, effective, patch in changes:
        if at > position:
            break
        state = None if patch is None else {**(state or {}), **patch}
        history.append([effective, at, state])
    return [(s, e, json.dumps(v, sort_keys=True)) for s, e, v in intervals(history)]


def stored(ledger: Ledger) -> list[dict[str, Any]]:
    return [json.loads(row) for row in table_rows(ledger)["accord_facts"]]


def test_the_rows_at_every_position_are_the_intervals_of_the_history_so_far(ledger):
    ids = rich_scenario(ledger)
    back_dated_changes(ledger, ids)
    ledger.projector.catch_up()
    rows = stored(ledger)
    head = ledger.head_position()
    for key, changes in histories(ledger).items():
        mine = [r for r in rows if r["fact_key"] == key]
        for position in range(1, head + 1):
            valid = sorted(
                (r["effective_from"], r["effective_to"], r["state"])
                for r in mine
                if r["recorded_from"] <= position
                and (r["recorded_to"] is None or r["recorded_to"] > position)
            )
            assert valid == sorted(oracle(changes, position)), (key, position)
        # A change writes the intervals it alters, not the whole history again.
        assert len(mine) <= 3 * len(changes), key


def test_the_kind_live_holder_and_review_date_columns_say_what_the_state_says(ledger):
    ids = rich_scenario(ledger)
    back_dated_changes(ledger, ids)
    ledger.projector.catch_up()
    for r in stored(ledger):
        kind, live, holder, review = classify(r["fact_key"], json.loads(r["state"]))
        assert (r["kind"], bool(r["live"]), r["holder"], r["review_date"]) == (
            kind,
            live,
            holder,
            review,
        )


def test_live_only_facts_are_the_facts_a_group_state_shows(ledger):
    ids = rich_scenario(ledger)
    back_dated_changes(ledger, ids)
    store = ledger.projector.store
    ledger.projector.catch_up()
    head = ledger.projector.position()
    for group in group_ids(ledger):
        for position in (1, head // 2, head):
            for moment in fact_moments(ledger):
                every = store.select_facts(group, position, moment)
                live = store.select_facts(group, position, moment, live_only=True)
                assert live == [f for f in every if classify(f["key"], f["state"])[1]]
