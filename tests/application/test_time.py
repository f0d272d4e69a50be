"""The rules of docs/time.md, on every store: effective and recorded times of each change."""

from __future__ import annotations

from datetime import datetime

from tests.application.support import all_notifications, rich_scenario


def test_an_omitted_effective_time_is_exactly_the_recorded_time(ledger):
    rich_scenario(ledger)
    own_times = 0
    for notification in all_notifications(ledger):
        event = ledger.mapper.to_domain_event(notification)
        given = vars(event).get("effective_at")
        if isinstance(given, datetime) and given.year >= 2025:  # left out: not JAN/MAR/JUN 2024
            own_times += 1
            assert given == event.timestamp, type(event).__qualname__
    # affiliation-free events aside, the scenario leaves it out on many kinds of change:
    # member joined, principle agreed and retired, decision revoked, conflict raised,
    # accountability defined, accepted and retired, group convened.
    assert own_times >= 10
