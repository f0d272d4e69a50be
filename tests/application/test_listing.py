"""list_records: oldest first, cursor pages that never repeat or skip, filters, a capped limit."""

from __future__ import annotations

import base64

import pytest

from application.errors import RecordNotFound
from application.records import MAX_PAGE, encode_cursor
from domain.base import InvalidInput
from tests.application.support import LISTED_KINDS, all_listed, getter, rich_scenario

MISSING = "00000000-0000-4000-8000-000000000000"


def propose(ledger, world, count, group=None):
    return [
        ledger.decisions.propose_decision(group or world.group, f"Decision {n}", f"Text {n}").id
        for n in range(count)
    ]


def pages(ledger, kind, limit, **filters):
    result, cursor = [], None
    while True:
        page = ledger.records.list_records(kind, cursor=cursor, limit=limit, **filters)
        result.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return result


def test_an_empty_ledger_lists_nothing_of_any_kind(ledger):
    for kind in (*LISTED_KINDS, "person", "no such kind"):
        assert ledger.records.list_records(kind) == {"items": [], "next_cursor": None}


def test_cursor_pages_cover_every_record_once_oldest_first(ledger, world):
    ids = propose(ledger, world, 7)
    listed = pages(ledger, "decision", 3)
    assert [len(p["items"]) for p in listed] == [3, 3, 1]
    assert [i["id"] for p in listed for i in p["items"]] == ids
    assert [p["next_cursor"] is None for p in listed] == [False, False, True]


def test_a_last_page_that_is_exactly_full_has_no_next_cursor(ledger, world):
    ids = propose(ledger, world, 6)
    listed = pages(ledger, "decision", 3)
    assert [len(p["items"]) for p in listed] == [3, 3]
    assert [i["id"] for p in listed for i in p["items"]] == ids


def test_pages_neither_repeat_nor_skip_records_while_records_change_between_pages(ledger, world):
    ids = propose(ledger, world, 5)
    first = ledger.records.list_records("decision", limit=2)
    # Records on the page already read and on pages still to read change; new ones arrive.
    ledger.decisions.reject_decision(ids[0])
    ledger.decisions.withdraw_decision(ids[3])
    later = propose(ledger, world, 2)
    rest = []
    cursor, seen = first["next_cursor"], [i["id"] for i in first["items"]]
    while cursor is not None:
        page = ledger.records.list_records("decision", cursor=cursor, limit=2)
        seen += [i["id"] for i in page["items"]]
        rest.append(page)
        cursor = page["next_cursor"]
    assert seen == ids + later
    statuses = {i["id"]: i["status"] for p in rest for i in p["items"]}
    assert statuses[ids[3]] == "withdrawn"


def test_the_status_filter_lists_only_records_in_that_status_across_pages(ledger, world):
    ids = propose(ledger, world, 6)
    for record_id in ids[::2]:
        ledger.decisions.reject_decision(record_id)
    rejected = [
        i["id"] for p in pages(ledger, "decision", 2, status="rejected") for i in p["items"]
    ]
    proposed = [
        i["id"] for p in pages(ledger, "decision", 2, status="proposed") for i in p["items"]
    ]
    assert rejected == ids[::2]
    assert proposed == ids[1::2]
    assert ledger.records.list_records("decision", status="agreed") == {
        "items": [],
        "next_cursor": None,
    }


def test_the_group_filter_lists_a_groups_records_and_an_unknown_group_is_not_found(ledger, world):
    here = propose(ledger, world, 3)
    there = propose(ledger, world, 2, world.other_group)
    assert [i["id"] for i in all_listed(ledger, "decision", group_id=world.group)] == here
    assert [i["id"] for i in all_listed(ledger, "decision", group_id=world.other_group)] == there
    assert all(
        i["group_id"] == world.group for i in all_listed(ledger, "decision", group_id=world.group)
    )
    for bad in (MISSING, "not-a-uuid", here[0]):
        with pytest.raises(RecordNotFound) as caught:
            ledger.records.list_records("decision", group_id=bad)
        assert caught.value.kind == "group"


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "é",
        base64.urlsafe_b64encode(b"x12").decode(),
        base64.urlsafe_b64encode(b"p").decode(),
        base64.urlsafe_b64encode(b"pabc").decode(),
        base64.urlsafe_b64encode(b"p-5").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        encode_cursor(10**30),
    ],
    ids=["not base64", "not ascii", "wrong prefix", "no number", "not a number", "negative",
         "not utf-8", "beyond any position"],
)  # fmt: skip
def test_a_cursor_this_ledger_did_not_return_is_invalid_input(ledger, world, cursor):
    propose(ledger, world, 2)
    with pytest.raises(InvalidInput) as caught:
        ledger.records.list_records("decision", cursor=cursor)
    assert caught.value.field == "cursor"


def test_the_page_size_is_capped_and_at_least_one(ledger):
    ids = [
        ledger.organisations.register_organisation(f"Org {n}", "vcse").id
        for n in range(MAX_PAGE + 1)
    ]
    first = ledger.records.list_records("organisation", limit=10_000)
    assert len(first["items"]) == MAX_PAGE == 200
    second = ledger.records.list_records("organisation", cursor=first["next_cursor"], limit=10_000)
    assert [i["id"] for i in second["items"]] == ids[MAX_PAGE:]
    assert second["next_cursor"] is None
    for limit in (0, -5):
        page = ledger.records.list_records("organisation", limit=limit)
        assert [i["id"] for i in page["items"]] == ids[:1]
        assert page["next_cursor"] is not None


def test_every_listed_row_matches_its_record_version_and_last_position(ledger):
    ids = rich_scenario(ledger)
    for kind in LISTED_KINDS:
        listed = all_listed(ledger, kind)
        assert sorted(i["id"] for i in listed) == sorted(ids[kind])
        for item in listed:
            record = getter(ledger, kind)(item["id"])
            assert item["kind"] == kind
            assert item["version"] == record["version"]
            assert item["status"] == record.get("status", "active")
            assert item["group_id"] == record.get("group_id", record.get("parent_group_id"))
            assert item["title"] == (
                record.get("title")
                or record.get("about")
                or record.get("statement")
                or record.get("name")
            )
            assert 0 < item["position"] <= ledger.head_position()
    # The newest event's record carries the head position.
    newest = max(
        (i for k in LISTED_KINDS for i in all_listed(ledger, k)), key=lambda i: i["position"]
    )
    assert newest["position"] == ledger.head_position()
