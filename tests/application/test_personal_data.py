"""Names and emails live only in Person events, sealed: never in other events or the list index."""

from __future__ import annotations

import json

from tests.application.support import (
    LISTED_KINDS,
    SECRET_EMAIL,
    SECRET_NAME,
    all_listed,
    all_notifications,
    rich_scenario,
)


def test_a_persons_name_and_email_are_stored_only_sealed_in_that_persons_events(ledger):
    ids = rich_scenario(ledger)
    person = ids["person"][-1]
    assert ledger.records.get_person(person)["name"] == SECRET_NAME

    notifications = all_notifications(ledger)
    positions = [n.id for n in notifications]
    assert positions == sorted(set(positions)) and positions[-1] == ledger.head_position()
    topics = {n.topic.rsplit(".", 1)[0] for n in notifications}
    assert topics >= {
        "accord.Person",
        "accord.Organisation",
        "accord.Group",
        "accord.Decision",
        "accord.Conflict",
        "accord.Principle",
        "accord.Accountability",
    }
    for needle in (SECRET_NAME.encode(), SECRET_EMAIL.encode()):
        assert [n.topic for n in notifications if needle in n.state] == []
    # The person's own registration holds them, sealed with the person's key.
    [registered] = [
        json.loads(n.state)
        for n in notifications
        if n.topic == "accord.Person.Registered" and str(n.originator_id) == person
    ]
    assert set(registered["name"]) == set(registered["email"]) == {"_sealed_"}
    # Their id, not their name, is what other records carry.
    assert sum(person.encode() in n.state for n in notifications) > 20


def test_the_list_index_never_holds_a_persons_name_or_email(ledger):
    ids = rich_scenario(ledger)
    everything = {kind: all_listed(ledger, kind) for kind in (*LISTED_KINDS, "person")}
    assert everything["person"] == []
    assert sum(len(items) for items in everything.values()) == sum(
        len(ids[k]) for k in LISTED_KINDS
    )
    text = json.dumps(everything)
    for needle in (SECRET_NAME, SECRET_EMAIL, "Alice Member", "alice@example.org"):
        assert needle not in text
    for kind in ("decision", "conflict", "principle", "accountability"):
        assert all(item["title"] for item in everything[kind])
