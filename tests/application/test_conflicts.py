"""Conflicts through the Ledger's commands, on every store."""

from __future__ import annotations

from datetime import datetime

from application.errors import RecordNotFound
from domain.base import InvalidInput, LifecycleError
from domain.conflict import (
    ConflictAlreadyAcknowledged,
    ConflictInvalid,
    ConflictNotAcknowledged,
    ConflictNotOpen,
)
from domain.group import GroupClosed, NotAMember
from tests.application.support import JAN, MAR, Tape, all_listed, assert_nothing_recorded, extra
from tests.conftest import acting_as

MISSING = "00000000-0000-4000-8000-000000000000"


def raise_one(ledger, world, about="Referral delays"):
    parties = [{"kind": "person", "id": world.bob}, {"kind": "organisation", "id": world.org_b}]
    with acting_as(world.alice):
        return ledger.conflicts.raise_conflict(
            world.group, parties, about, "Referrals wait weeks", effective_at=JAN
        ).id


def test_a_member_raises_a_conflict_between_parties_of_every_kind(ledger, world):
    tape = Tape(ledger)
    parties = [
        {"kind": "person", "id": world.bob},
        {"kind": "organisation", "id": world.org_b},
        {"kind": "group", "id": world.other_group},
        {"kind": "person", "id": world.bob},
    ]
    with acting_as(world.alice):
        written = tape(
            ledger.conflicts.raise_conflict(
                world.group, parties, "Referral delays", "Weeks of waiting"
            ),
            version=1,
        )
    view = ledger.records.get_conflict(written.id)
    assert view["group_id"] == world.group
    assert view["raised_by"] == world.alice
    assert view["parties"] == parties[:3]  # the repeated party is recorded once
    assert (view["about"], view["description"]) == ("Referral delays", "Weeks of waiting")
    assert view["status"] == "raised"
    assert view["notes"] == []
    assert all_listed(ledger, "conflict")[0]["title"] == "Referral delays"


def test_a_conflict_is_acknowledged_worked_through_with_notes_and_resolved_by_a_decision(
    ledger, world
):
    conflict = raise_one(ledger, world)
    decision = ledger.decisions.record_decision(
        world.group, "Triage referrals", "x", {"method": "consent", "participants": [world.bob]}
    ).id
    tape = Tape(ledger)

    tape(ledger.conflicts.acknowledge_conflict(conflict, "Heard"), record_id=conflict, version=2)
    assert ledger.records.get_conflict(conflict)["status"] == "acknowledged"
    first = tape(ledger.conflicts.add_conflict_note(conflict, "Met both teams"), version=3)
    second = tape(
        ledger.conflicts.add_conflict_note(conflict, "Agreed a triage trial", 3), version=4
    )
    assert extra(first)["note_id"] != extra(second)["note_id"]
    assert ledger.records.get_conflict(conflict)["status"] == "working_through"

    tape(ledger.conflicts.resolve_conflict(conflict, "Triage works", decision, MAR), version=5)
    view = ledger.records.get_conflict(conflict)
    assert view["status"] == "resolved"
    assert view["outcome"] == "Triage works"
    assert view["resolved_by_decision_id"] == decision
    assert view["notes"] == [
        {"note_id": extra(first)["note_id"], "text": "Met both teams"},
        {"note_id": extra(second)["note_id"], "text": "Agreed a triage trial"},
    ]
    assert all_listed(ledger, "conflict", status="resolved")[0]["id"] == conflict


def test_an_acknowledged_conflict_can_be_resolved_without_a_decision(ledger, world):
    conflict = raise_one(ledger, world)
    ledger.conflicts.acknowledge_conflict(conflict)
    ledger.conflicts.resolve_conflict(conflict, "Talked it through")
    view = ledger.records.get_conflict(conflict)
    assert (view["status"], view["resolved_by_decision_id"]) == ("resolved", None)


def test_a_conflict_escalated_to_another_group_is_closed_here(ledger, world):
    conflict = raise_one(ledger, world)
    tape = Tape(ledger)
    tape(
        ledger.conflicts.escalate_conflict(conflict, world.other_group, "Needs the system view"),
        version=2,
    )
    view = ledger.records.get_conflict(conflict)
    assert view["status"] == "escalated"
    assert view["escalated_to_group_id"] == world.other_group
    assert view["closed_reason"] == "Needs the system view"
    # It stays listed under the group where it was raised.
    assert [c["id"] for c in all_listed(ledger, "conflict", group_id=world.group)] == [conflict]
    assert all_listed(ledger, "conflict", group_id=world.other_group) == []
    for attempt in (
        lambda: ledger.conflicts.acknowledge_conflict(conflict),
        lambda: ledger.conflicts.add_conflict_note(conflict, "Too late"),
        lambda: ledger.conflicts.withdraw_conflict(conflict),
    ):
        error = assert_nothing_recorded(ledger, attempt, ConflictNotOpen)
        assert error.current_state == "escalated"


def test_a_conflict_can_be_withdrawn_and_then_nothing_more_happens_to_it(ledger, world):
    conflict = raise_one(ledger, world)
    ledger.conflicts.acknowledge_conflict(conflict)
    Tape(ledger)(
        ledger.conflicts.withdraw_conflict(conflict, "Sorted informally", expected_version=2)
    )
    view = ledger.records.get_conflict(conflict)
    assert (view["status"], view["closed_reason"]) == ("withdrawn", "Sorted informally")
    error = assert_nothing_recorded(
        ledger, lambda: ledger.conflicts.resolve_conflict(conflict, "Outcome"), ConflictNotOpen
    )
    assert error.current_state == "withdrawn"


def test_work_on_a_conflict_starts_only_once_it_is_acknowledged(ledger, world):
    conflict = raise_one(ledger, world)
    for attempt in (
        lambda: ledger.conflicts.add_conflict_note(conflict, "Early note"),
        lambda: ledger.conflicts.resolve_conflict(conflict, "Early outcome"),
    ):
        error = assert_nothing_recorded(ledger, attempt, ConflictNotAcknowledged)
        assert error.current_state == "raised"
    ledger.conflicts.acknowledge_conflict(conflict)
    error = assert_nothing_recorded(
        ledger, lambda: ledger.conflicts.acknowledge_conflict(conflict), ConflictAlreadyAcknowledged
    )
    assert isinstance(error, LifecycleError)
    assert error.current_state == "acknowledged"


def test_raising_a_conflict_checks_who_raises_it_and_every_party(ledger, world):
    group = world.group
    bob = [{"kind": "person", "id": world.bob}]
    cases = [
        (lambda: ledger.conflicts.raise_conflict(group, bob, "About"), InvalidInput, "raised_by"),
        (
            lambda: ledger.conflicts.raise_conflict(group, bob, "About", raised_by=world.outsider),
            NotAMember,
            "raised_by",
        ),
        (
            lambda: ledger.conflicts.raise_conflict(
                group, [*bob, {"kind": "person", "id": MISSING}], "About", raised_by=world.alice
            ),
            InvalidInput,
            "parties[1].id",
        ),
        (
            lambda: ledger.conflicts.raise_conflict(
                group, [{"kind": "group", "id": world.org_a}], "About", raised_by=world.alice
            ),
            InvalidInput,
            "parties[0].id",
        ),
        (
            lambda: ledger.conflicts.raise_conflict(
                group, [{"kind": "organisation", "id": MISSING}], "About", raised_by=world.alice
            ),
            InvalidInput,
            "parties[0].id",
        ),
        (
            lambda: ledger.conflicts.raise_conflict(
                group, [{"kind": "team", "id": world.bob}], "About", raised_by=world.alice
            ),
            InvalidInput,
            "parties[0].kind",
        ),
        (
            lambda: ledger.conflicts.raise_conflict(group, [], "About", raised_by=world.alice),
            ConflictInvalid,
            "parties",
        ),
        (
            lambda: ledger.conflicts.raise_conflict(group, bob, " ", raised_by=world.alice),
            InvalidInput,
            "about",
        ),
    ]
    for attempt, error_class, field in cases:
        error = assert_nothing_recorded(ledger, attempt, error_class)
        assert error.field == field
    assert_nothing_recorded(
        ledger,
        lambda: ledger.conflicts.raise_conflict(MISSING, bob, "About", world.alice),
        RecordNotFound,
    )


def test_resolving_and_escalating_check_the_decision_and_the_group_named(ledger, world):
    conflict = raise_one(ledger, world)
    ledger.conflicts.acknowledge_conflict(conflict)
    proposed = ledger.decisions.propose_decision(world.group, "Not agreed yet", "x").id
    cases = [
        (
            lambda: ledger.conflicts.resolve_conflict(conflict, "Outcome", MISSING),
            InvalidInput,
            "decision_id",
        ),
        (
            lambda: ledger.conflicts.resolve_conflict(conflict, "Outcome", world.group),
            InvalidInput,
            "decision_id",
        ),
        (
            lambda: ledger.conflicts.resolve_conflict(conflict, "Outcome", proposed),
            ConflictInvalid,
            "decision_id",
        ),
        (
            lambda: ledger.conflicts.resolve_conflict(
                conflict, "Outcome", effective_at=datetime(2024, 1, 1)
            ),
            InvalidInput,
            "effective_at",
        ),
        (
            lambda: ledger.conflicts.escalate_conflict(conflict, MISSING, "Why"),
            InvalidInput,
            "to_group_id",
        ),
        (
            lambda: ledger.conflicts.escalate_conflict(conflict, world.group, "Why"),
            ConflictInvalid,
            "to_group_id",
        ),
        (
            lambda: ledger.conflicts.escalate_conflict(conflict, world.other_group, ""),
            InvalidInput,
            "reason",
        ),
    ]
    for attempt, error_class, field in cases:
        error = assert_nothing_recorded(ledger, attempt, error_class)
        assert error.field == field
    ledger.groups.close_group(world.other_group)
    assert_nothing_recorded(
        ledger,
        lambda: ledger.conflicts.escalate_conflict(conflict, world.other_group, "Why"),
        GroupClosed,
    )
    assert ledger.records.get_conflict(conflict)["status"] == "acknowledged"
