"""Decisions through the Ledger's commands, on every store."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

import pytest

from application.errors import ConcurrentUpdate, RecordNotFound
from domain.base import AccordError, InvalidInput
from domain.decision import Decision, DecisionInvalid, DecisionNotAgreed, DecisionNotProposed
from domain.group import NotAMember
from tests.application.support import (
    JAN,
    JUN,
    MAR,
    Tape,
    all_listed,
    all_notifications,
    assert_nothing_recorded,
)
from tests.conftest import acting_as

MISSING = "00000000-0000-4000-8000-000000000000"


def agreed_decision(ledger, world, title="Open doors"):
    agreement = {"method": "consent", "participants": [world.alice], "effective_at": JAN}
    return ledger.decisions.record_decision(world.group, title, "Open at eight", agreement).id


def agreed_principle(ledger, world, statement="Nothing about us without us"):
    principle = ledger.principles.propose_principle(world.group, statement).id
    ledger.principles.agree_principle(principle)
    return principle


def test_a_member_proposes_a_decision_and_is_recorded_as_its_proposer(ledger, world):
    tape = Tape(ledger)
    with acting_as(world.alice):
        written = tape(
            ledger.decisions.propose_decision(
                world.group, "Open doors", "Open at eight", "Queues at nine", "Earlier is calmer"
            ),
            version=1,
        )
    view = ledger.records.get_decision(written.id)
    assert view["group_id"] == world.group
    assert (view["title"], view["decision"]) == ("Open doors", "Open at eight")
    assert (view["context"], view["rationale"]) == ("Queues at nine", "Earlier is calmer")
    assert view["proposed_by"] == world.alice
    assert view["status"] == "proposed"
    assert view["method"] is None
    assert view["participants"] == []
    assert view["effective_at"] is None


def test_a_decision_proposed_by_a_non_member_has_no_proposer(ledger, world):
    with acting_as(world.outsider):
        decision = ledger.decisions.propose_decision(world.group, "Open doors", "Open at eight").id
    assert ledger.records.get_decision(decision)["proposed_by"] is None


def test_agreeing_a_decision_records_method_participants_objections_principles_and_dates(
    ledger, world
):
    tape = Tape(ledger)
    principle = agreed_principle(ledger, world)
    earlier = agreed_decision(ledger, world, "Open at nine")
    decision = ledger.decisions.propose_decision(
        world.group, "Open at eight", "Open at eight", effective_at=JAN
    ).id

    written = tape(
        ledger.decisions.agree_decision(
            decision,
            "consent",
            [world.alice, world.bob, world.alice],
            objections=[{"person_id": world.bob, "reason": "  Too early for buses "}],
            principles=[principle],
            supersedes=[earlier],
            effective_at=MAR,
            review_date=date(2025, 3, 1),
            expected_version=1,
        ),
        record_id=decision,
        version=2,
    )
    view = ledger.records.get_decision(decision)
    assert view["status"] == "agreed"
    assert view["method"] == "consent"
    assert view["participants"] == [world.alice, world.bob]
    assert view["participant_organisations"] == sorted([world.org_a, world.org_b])
    assert view["objections"] == [{"person_id": world.bob, "reason": "Too early for buses"}]
    assert view["principles"] == [principle]
    assert view["supersedes"] == [earlier]
    assert view["effective_at"] == MAR
    assert view["review_date"] == "2025-03-01"

    superseded = ledger.records.get_decision(earlier)
    assert superseded["status"] == "superseded"
    assert superseded["superseded_by"] == decision
    assert superseded["version"] == 3
    # Both records changed in one write: the returned position is that write's last event.
    topics = [n.topic for n in all_notifications(ledger)[-2:]]
    assert topics == ["accord.Decision.Agreed", "accord.Decision.Superseded"]
    assert all_notifications(ledger)[-1].id == written.position
    listed = {r["id"]: r for r in all_listed(ledger, "decision")}
    assert listed[earlier]["status"] == "superseded"
    assert listed[earlier]["version"] == 3
    assert listed[decision]["status"] == "agreed"


def test_participant_organisations_are_those_at_the_time_the_decision_took_effect(ledger, world):
    ledger.people.change_affiliation(world.alice, world.org_b, effective_at=JUN)
    before = ledger.decisions.propose_decision(world.group, "Before", "x", effective_at=JAN).id
    after = ledger.decisions.propose_decision(world.group, "After", "y", effective_at=JAN).id
    ledger.decisions.agree_decision(before, "vote", [world.alice], effective_at=MAR)
    ledger.decisions.agree_decision(after, "vote", [world.alice])
    assert ledger.records.get_decision(before)["participant_organisations"] == [world.org_a]
    assert ledger.records.get_decision(after)["participant_organisations"] == [world.org_b]


def test_recording_a_decision_already_taken_writes_proposal_and_agreement_in_one_transaction(
    ledger, world
):
    tape = Tape(ledger)
    earlier = agreed_decision(ledger, world, "Open at nine")
    tape.last = ledger.head_position()
    with acting_as(world.convener):
        written = tape(
            ledger.decisions.record_decision(
                world.group,
                "Open at eight",
                "Open at eight",
                {
                    "method": "delegated_authority",
                    "participants": [world.convener],
                    "supersedes": [earlier],
                    "effective_at": JAN,
                    "review_date": date(2024, 12, 31),
                },
                context="Queues",
                rationale="Calmer",
            ),
            version=2,
        )
    view = ledger.records.get_decision(written.id)
    assert view["status"] == "agreed"
    assert view["proposed_by"] == world.convener
    assert view["method"] == "delegated_authority"
    assert view["effective_at"] == JAN
    assert view["review_date"] == "2024-12-31"
    assert (view["context"], view["rationale"]) == ("Queues", "Calmer")
    assert ledger.records.get_decision(earlier)["status"] == "superseded"
    assert ledger.records.get_decision(earlier)["superseded_by"] == written.id

    last = all_notifications(ledger)[-3:]
    assert [n.topic for n in last] == [
        "accord.Decision.Proposed",
        "accord.Decision.Agreed",
        "accord.Decision.Superseded",
    ]
    assert [n.id for n in last] == [written.position - 2, written.position - 1, written.position]
    assert {str(n.originator_id) for n in last[:2]} == {written.id}
    # The proposer and agreement were both recorded as the same actor.
    assert all(b'"actor":"' + world.convener.encode() + b'"' in n.state for n in last)


def test_a_recorded_decision_whose_agreement_is_invalid_leaves_no_proposal_behind(ledger, world):
    proposed = ledger.decisions.propose_decision(world.group, "Still proposed", "x").id
    attempts = {
        "participants[0]": {"method": "consent", "participants": [world.outsider]},
        "method": {"method": "coin toss", "participants": [world.alice]},
        "participants": {"method": "consent", "participants": []},
        "principles[0]": {
            "method": "consent",
            "participants": [world.alice],
            "principles": [MISSING],
        },
        "supersedes[0]": {
            "method": "consent",
            "participants": [world.alice],
            "supersedes": [proposed],
        },
        "effective_at": {
            "method": "consent",
            "participants": [world.bob],
            "effective_at": datetime(2024, 1, 1),
        },
    }
    for field, agreement in attempts.items():
        error = assert_nothing_recorded(
            ledger,
            partial(ledger.decisions.record_decision, world.group, "T", "D", agreement),
            AccordError,
        )
        if field == "supersedes[0]":
            assert isinstance(error, DecisionNotAgreed)
        else:
            assert isinstance(error, InvalidInput), field
            assert error.field == f"agreement.{field}"
    assert [r["id"] for r in all_listed(ledger, "decision")] == [proposed]
    assert ledger.records.get_decision(proposed)["version"] == 1


def test_a_proposed_decision_can_be_rejected_or_withdrawn_and_an_agreed_one_revoked(ledger, world):
    tape = Tape(ledger)
    rejected = ledger.decisions.propose_decision(world.group, "Close on Sundays", "x").id
    withdrawn = ledger.decisions.propose_decision(world.group, "Open on Sundays", "y").id
    revoked = agreed_decision(ledger, world)
    tape.last = ledger.head_position()

    tape(ledger.decisions.reject_decision(rejected, "No support"), record_id=rejected, version=2)
    tape(ledger.decisions.withdraw_decision(withdrawn, expected_version=1), version=2)
    tape(ledger.decisions.revoke_decision(revoked, "Buses changed", effective_at=JUN), version=3)

    assert ledger.records.get_decision(rejected)["status"] == "rejected"
    assert ledger.records.get_decision(rejected)["outcome_reason"] == "No support"
    assert ledger.records.get_decision(withdrawn)["status"] == "withdrawn"
    assert ledger.records.get_decision(withdrawn)["outcome_reason"] is None
    assert ledger.records.get_decision(revoked)["status"] == "revoked"
    assert ledger.records.get_decision(revoked)["outcome_reason"] == "Buses changed"
    statuses = {r["id"]: r["status"] for r in all_listed(ledger, "decision")}
    assert statuses == {rejected: "rejected", withdrawn: "withdrawn", revoked: "revoked"}


def test_decision_lifecycle_violations_raise_lifecycle_errors_naming_the_state(ledger, world):
    agreed = agreed_decision(ledger, world)
    proposed = ledger.decisions.propose_decision(world.group, "Proposed", "x").id
    rejected = ledger.decisions.propose_decision(world.group, "Rejected", "y").id
    ledger.decisions.reject_decision(rejected)

    cases = [
        (
            lambda: ledger.decisions.agree_decision(agreed, "consent", [world.alice]),
            DecisionNotProposed,
            "agreed",
        ),
        (lambda: ledger.decisions.reject_decision(agreed), DecisionNotProposed, "agreed"),
        (lambda: ledger.decisions.withdraw_decision(rejected), DecisionNotProposed, "rejected"),
        (lambda: ledger.decisions.revoke_decision(proposed, "Why"), DecisionNotAgreed, "proposed"),
        (lambda: ledger.decisions.revoke_decision(rejected, "Why"), DecisionNotAgreed, "rejected"),
        (
            lambda: ledger.decisions.agree_decision(
                proposed, "consent", [world.alice], supersedes=[rejected]
            ),
            DecisionNotAgreed,
            "rejected",
        ),
    ]
    for attempt, error_class, state in cases:
        error = assert_nothing_recorded(ledger, attempt, error_class)
        assert error.current_state == state
    ledger.decisions.revoke_decision(agreed, "Changed")
    error = assert_nothing_recorded(
        ledger, lambda: ledger.decisions.revoke_decision(agreed, "Again"), DecisionNotAgreed
    )
    assert error.current_state == "revoked"


def test_agreement_rules_name_the_offending_field(ledger, world):
    decision = ledger.decisions.propose_decision(world.group, "Open doors", "Open at eight").id
    proposed_principle = ledger.principles.propose_principle(world.group, "Not yet agreed").id
    elsewhere = ledger.decisions.record_decision(
        world.other_group, "Elsewhere", "x", {"method": "consent", "participants": [world.convener]}
    ).id

    def agree(**changes):
        arguments = {"method": "consent", "participants": [world.alice], **changes}
        return lambda: ledger.decisions.agree_decision(decision, **arguments)

    cases = [
        (agree(participants=[world.alice, world.outsider]), NotAMember, "participants[1]"),
        (agree(participants=[MISSING]), InvalidInput, "participants[0]"),
        (agree(participants=[]), DecisionInvalid, "participants"),
        (agree(method="lottery"), InvalidInput, "method"),
        (
            agree(objections=[{"person_id": world.bob, "reason": "No"}]),
            DecisionInvalid,
            "objections[0].person_id",
        ),
        (
            agree(objections=[{"person_id": world.alice, "reason": " "}]),
            InvalidInput,
            "objections[0].reason",
        ),
        (agree(principles=[MISSING]), InvalidInput, "principles[0]"),
        (agree(principles=[world.group]), InvalidInput, "principles[0]"),
        (agree(principles=[proposed_principle]), DecisionInvalid, "principles[0]"),
        (
            agree(supersedes=[agreed_decision(ledger, world), MISSING]),
            InvalidInput,
            "supersedes[1]",
        ),
        (agree(supersedes=[decision]), DecisionInvalid, "supersedes[0]"),
        (agree(supersedes=[elsewhere]), DecisionInvalid, "supersedes[0]"),
        (agree(effective_at=datetime(2024, 5, 1)), InvalidInput, "effective_at"),
    ]
    for attempt, error_class, field in cases:
        error = assert_nothing_recorded(ledger, attempt, error_class)
        assert error.field == field
    assert ledger.records.get_decision(decision)["status"] == "proposed"


def test_a_decision_needs_a_known_open_group_a_title_and_a_text(ledger, world):
    assert_nothing_recorded(
        ledger, lambda: ledger.decisions.propose_decision(MISSING, "T", "D"), RecordNotFound
    )
    error = assert_nothing_recorded(
        ledger, lambda: ledger.decisions.propose_decision(world.group, " ", "D"), InvalidInput
    )
    assert error.field == "title"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.decisions.propose_decision(world.group, "T", ""), InvalidInput
    )
    assert error.field == "decision"
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.record_decision(
            MISSING, "T", "D", {"method": "consent", "participants": []}
        ),
        RecordNotFound,
    )
    assert error.kind == "group"


def test_a_decision_cannot_be_superseded_twice(ledger, world):
    earlier = agreed_decision(ledger, world, "Open at nine")
    ledger.decisions.record_decision(
        world.group,
        "Open at eight",
        "x",
        {"method": "consent", "participants": [world.alice], "supersedes": [earlier]},
    )
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.record_decision(
            world.group,
            "Open at seven",
            "y",
            {"method": "consent", "participants": [world.alice], "supersedes": [earlier]},
        ),
        DecisionNotAgreed,
    )
    assert error.current_state == "superseded"


def test_a_rival_write_to_a_superseded_decision_makes_record_decision_record_nothing(ledger, world):
    """The new decision and the earlier one's supersession are one transaction: all or nothing."""
    earlier = agreed_decision(ledger, world, "Open at nine")
    load = ledger.load
    raced: list[Any] = []

    def load_then_revoke(cls, record_id, expected_version=None, at_version=None):
        aggregate = load(cls, record_id, expected_version, at_version)
        if cls is Decision and str(record_id) == earlier and not raced:
            raced.append(None)  # before the rival write, which loads the decision again
            raced[0] = ledger.decisions.revoke_decision(earlier, "Changed our minds")
        return aggregate

    ledger.load = load_then_revoke
    position = ledger.head_position()
    with pytest.raises(AccordError):  # the retry finds the earlier decision revoked
        ledger.decisions.record_decision(
            world.group,
            "Open at eight",
            "x",
            {"method": "consent", "participants": [world.alice], "supersedes": [earlier]},
        )
    assert raced and ledger.head_position() == raced[0].position == position + 1
    assert ledger.records.get_decision(earlier)["status"] == "revoked"
    assert [r["title"] for r in all_listed(ledger, "decision")] == ["Open at nine"]


def test_a_rival_write_to_a_superseded_decision_gives_record_decision_an_accord_error(
    ledger, world
):
    earlier = agreed_decision(ledger, world, "Open at nine")
    load = ledger.load
    raced: list[Any] = []

    def load_then_revoke(cls, record_id, expected_version=None, at_version=None):
        aggregate = load(cls, record_id, expected_version, at_version)
        if cls is Decision and str(record_id) == earlier and not raced:
            raced.append(None)  # before the rival write, which loads the decision again
            raced[0] = ledger.decisions.revoke_decision(earlier, "Changed our minds")
        return aggregate

    ledger.load = load_then_revoke
    with pytest.raises((DecisionNotAgreed, ConcurrentUpdate)):
        ledger.decisions.record_decision(
            world.group,
            "Open at eight",
            "x",
            {"method": "consent", "participants": [world.alice], "supersedes": [earlier]},
        )


@pytest.mark.parametrize("command", ["record_decision", "agree_decision"])
def test_naming_the_same_superseded_decision_twice_supersedes_it_once(ledger, world, command):
    earlier = agreed_decision(ledger, world, "Open at nine")
    agreement = {
        "method": "consent",
        "participants": [world.alice],
        "supersedes": [earlier, earlier],
    }
    if command == "record_decision":
        decision = ledger.decisions.record_decision(world.group, "Open at eight", "x", agreement).id
    else:
        decision = ledger.decisions.propose_decision(world.group, "Open at eight", "x").id
        ledger.decisions.agree_decision(decision, **agreement)
    assert ledger.records.get_decision(decision)["supersedes"] == [earlier]
    assert ledger.records.get_decision(earlier)["superseded_by"] == decision
    assert ledger.records.get_decision(earlier)["version"] == 3


def test_a_naive_effective_time_is_invalid_input_even_for_a_participant_who_changed_affiliation(
    ledger, world
):
    ledger.people.change_affiliation(world.alice, world.org_b, effective_at=JAN)
    decision = ledger.decisions.propose_decision(world.group, "Open doors", "x").id
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.agree_decision(
            decision, "consent", [world.alice], effective_at=datetime(2024, 5, 1)
        ),
        InvalidInput,
    )
    assert error.field == "effective_at"
