"""Groups and their members through the Ledger's commands, on every store."""

from __future__ import annotations

import pytest

from application.errors import RecordNotFound
from domain.base import InvalidInput, LifecycleError
from domain.group import AlreadyAMember, GroupClosed, LastConvener, MemberNotFound
from tests.application.support import JAN, MAR, Tape, all_listed, assert_nothing_recorded
from tests.conftest import acting_as


def members(ledger, group_id):
    return {m["person_id"]: m["role"] for m in ledger.records.get_group(group_id)["members"]}


def test_a_registered_person_who_convenes_a_group_becomes_its_convener(ledger):
    tape = Tape(ledger)
    person = ledger.people.register_person("Cora Convener").id
    with acting_as(person):
        written = tape(
            ledger.groups.convene_group("Design team", "design", "Design the hub"), version=1
        )
    view = ledger.records.get_group(written.id)
    assert view["name"] == "Design team"
    assert view["kind"] == "design"
    assert view["purpose"] == "Design the hub"
    assert view["parent_group_id"] is None
    assert view["status"] == "open"
    assert view["members"] == [{"person_id": person, "role": "convener"}]


@pytest.mark.parametrize(
    "actor",
    [None, "8f8e7d6c-0000-4000-8000-000000000000", "not-a-uuid"],
    ids=["no actor", "unregistered actor", "malformed actor"],
)
def test_a_group_convened_by_nobody_registered_starts_without_members(ledger, actor):
    with acting_as(actor):
        group = ledger.groups.convene_group("Design team", "design", "Design the hub").id
    assert ledger.records.get_group(group)["members"] == []


def test_a_group_restates_its_purpose_and_its_members_join_change_role_and_leave(ledger, world):
    tape = Tape(ledger)
    group = world.group
    version = ledger.records.get_group(group)["version"]

    tape(ledger.groups.restate_purpose(group, "Join up care at home", JAN), version=version + 1)
    tape(ledger.groups.add_member(group, world.outsider, "observer", MAR), version=version + 2)
    assert members(ledger, group) == {
        world.convener: "convener",
        world.alice: "member",
        world.bob: "member",
        world.outsider: "observer",
    }

    tape(ledger.groups.change_member_role(group, world.alice, "convener"), version=version + 3)
    # With a second convener, the first may step down and then leave.
    tape(ledger.groups.change_member_role(group, world.convener, "member"), version=version + 4)
    tape(
        ledger.groups.remove_member(group, world.convener, expected_version=version + 4),
        record_id=group,
        version=version + 5,
    )

    view = ledger.records.get_group(group)
    assert view["purpose"] == "Join up care at home"
    assert members(ledger, group) == {
        world.alice: "convener",
        world.bob: "member",
        world.outsider: "observer",
    }
    assert view["version"] == version + 5


def test_a_sub_group_records_its_parent_and_is_listed_under_it(ledger, world):
    tape = Tape(ledger)
    with acting_as(world.alice):
        sub = tape(
            ledger.groups.convene_group(
                "Hub design", "design", "Design it", parent_group_id=world.group
            )
        ).id
        subsub = tape(ledger.groups.convene_group("Hub IT", "design", "Wire it", sub)).id
    assert ledger.records.get_group(sub)["parent_group_id"] == world.group
    assert ledger.records.get_group(sub)["members"] == [
        {"person_id": world.alice, "role": "convener"}
    ]
    assert [g["id"] for g in all_listed(ledger, "group", group_id=world.group)] == [sub]
    assert [g["id"] for g in all_listed(ledger, "group", group_id=sub)] == [subsub]
    listed = all_listed(ledger, "group")
    assert [g["id"] for g in listed] == [world.group, world.other_group, sub, subsub]
    assert [g["group_id"] for g in listed] == [None, None, world.group, sub]


def test_a_closed_group_accepts_nothing_more(ledger, world):
    tape = Tape(ledger)
    decision = ledger.decisions.propose_decision(world.group, "Open doors", "Open at eight").id
    tape(ledger.groups.close_group(world.group, "Work done", MAR))
    assert ledger.records.get_group(world.group)["status"] == "closed"
    assert all_listed(ledger, "group", status="closed")[0]["id"] == world.group

    g = world.group
    attempts = {
        "close again": lambda: ledger.groups.close_group(g),
        "restate": lambda: ledger.groups.restate_purpose(g, "Another purpose"),
        "join": lambda: ledger.groups.add_member(g, world.outsider),
        "change role": lambda: ledger.groups.change_member_role(g, world.alice, "observer"),
        "leave": lambda: ledger.groups.remove_member(g, world.bob),
        "sub-group": lambda: ledger.groups.convene_group("Sub", "design", "x", g),
        "propose": lambda: ledger.decisions.propose_decision(g, "Late", "Too late"),
        "agree": lambda: ledger.decisions.agree_decision(decision, "consent", [world.alice]),
        "reject": lambda: ledger.decisions.reject_decision(decision),
        "withdraw": lambda: ledger.decisions.withdraw_decision(decision),
        "principle": lambda: ledger.principles.propose_principle(g, "Be kind"),
    }
    for name, attempt in attempts.items():
        error = assert_nothing_recorded(ledger, attempt, GroupClosed)
        assert isinstance(error, LifecycleError), name
        assert error.current_state == "closed", name


def test_membership_rules_are_enforced_and_break_nothing(ledger, world):
    g = world.group
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.add_member(g, world.alice, "observer"), AlreadyAMember
    )
    assert error.current_state == "open"
    assert members(ledger, g)[world.alice] == "member"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.add_member(g, world.outsider, "chair"), InvalidInput
    )
    assert error.field == "role"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.change_member_role(g, world.alice, "member"), InvalidInput
    )
    assert error.field == "role"
    # A membership that does not exist is unknown (404 at the API), not invalid input.
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.groups.change_member_role(g, world.outsider, "member"),
        MemberNotFound,
    )
    assert world.outsider in str(error)
    assert_nothing_recorded(
        ledger, lambda: ledger.groups.remove_member(g, world.outsider), MemberNotFound
    )
    # The only convener can neither leave nor step down while the group is open.
    assert_nothing_recorded(
        ledger, lambda: ledger.groups.remove_member(g, world.convener), LastConvener
    )
    assert_nothing_recorded(
        ledger, lambda: ledger.groups.change_member_role(g, world.convener, "member"), LastConvener
    )
    # But the group can still be closed with its convener in it.
    ledger.groups.close_group(g)
    assert members(ledger, g)[world.convener] == "convener"


def test_a_group_cannot_be_convened_under_an_unknown_or_closed_parent(ledger, world):
    missing = "00000000-0000-4000-8000-000000000000"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.convene_group("Sub", "design", "x", missing), InvalidInput
    )
    assert error.field == "parent_group_id"
    decision = ledger.decisions.propose_decision(world.group, "A decision", "Not a group").id
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.convene_group("Sub", "design", "x", decision), InvalidInput
    )
    assert error.field == "parent_group_id"
    ledger.groups.close_group(world.other_group)
    assert_nothing_recorded(
        ledger,
        lambda: ledger.groups.convene_group("Sub", "design", "x", world.other_group),
        GroupClosed,
    )


def test_adding_an_unknown_person_is_invalid_input_but_an_unknown_group_is_not_found(ledger, world):
    missing = "00000000-0000-4000-8000-000000000000"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.add_member(world.group, missing), InvalidInput
    )
    assert error.field == "person_id"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.add_member(world.group, world.org_a), InvalidInput
    )
    assert error.field == "person_id"  # an organisation is not a person
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.add_member(missing, world.outsider), RecordNotFound
    )
    assert (error.kind, error.record_id) == ("group", missing)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", " "), ("kind", ""), ("purpose", "\n")],
)
def test_a_group_needs_a_name_a_kind_and_a_purpose(ledger, field, value):
    arguments = {"name": "Design team", "kind": "design", "purpose": "Design it", field: value}
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.convene_group(**arguments), InvalidInput
    )
    assert error.field == field
