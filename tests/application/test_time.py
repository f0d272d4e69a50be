"""The rules of docs/time.md, on every store: effective and recorded times of each change."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import pytest

from application.changes import LINES, SENTENCES
from application.errors import RecordNotFound
from domain.base import InvalidInput, TooEarly
from domain.group import AlreadyAMember, MemberNotFound, NotAMember
from tests.application.support import (
    JAN,
    all_notifications,
    assert_nothing_recorded,
    rich_scenario,
)
from tests.conftest import acting_as


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


# A person's affiliation (docs/time.md, "A person's affiliation").

MAR_15 = datetime(2026, 3, 15, tzinfo=UTC)
MAY_1 = datetime(2026, 5, 1, tzinfo=UTC)
JUN_1 = datetime(2026, 6, 1, tzinfo=UTC)


def organisation_on(ledger, person_id: str, when: datetime) -> str | None:
    version = ledger.history.record_version_at("person", person_id, effective_at=when)
    return ledger.records.get_person(person_id, version)["organisation_id"]


def test_a_correction_to_an_earlier_move_is_recorded_and_overrides_the_later_one(ledger):
    river = ledger.organisations.register_organisation("River", "local_authority").id
    voices = ledger.organisations.register_organisation("Voices", "vcse").id
    ben = ledger.people.register_person("Ben", None, river).id
    ledger.people.change_affiliation(ben, voices, MAY_1)
    # Ben in fact moved on 15 March: on that day he was still at River, so it is a change.
    ledger.people.change_affiliation(ben, voices, MAR_15)
    assert organisation_on(ledger, ben, MAR_15 - timedelta(days=1)) == river
    assert organisation_on(ledger, ben, MAR_15) == voices
    assert organisation_on(ledger, ben, MAY_1) == voices


def test_a_move_that_would_change_nothing_in_effect_is_refused(ledger):
    river = ledger.organisations.register_organisation("River", "local_authority").id
    voices = ledger.organisations.register_organisation("Voices", "vcse").id
    ben = ledger.people.register_person("Ben", None, river).id
    ledger.people.change_affiliation(ben, voices, MAR_15)
    for when in (MAR_15, MAY_1):
        error = assert_nothing_recorded(
            ledger,
            functools.partial(ledger.people.change_affiliation, ben, voices, when),
            InvalidInput,
        )
        assert error.field == "organisation_id"
    # Back to River from 1 May is a move back; so is River from January, which overrides
    # every move recorded before it that takes effect later (the 15 March one).
    ledger.people.change_affiliation(ben, river, MAY_1)
    assert organisation_on(ledger, ben, JUN_1) == river
    assert organisation_on(ledger, ben, MAR_15) == voices
    ledger.people.change_affiliation(ben, river, JAN)
    assert organisation_on(ledger, ben, MAR_15) == river


def test_a_back_dated_move_overrides_moves_recorded_earlier_that_take_effect_after_it(ledger):
    river = ledger.organisations.register_organisation("River", "local_authority").id
    voices = ledger.organisations.register_organisation("Voices", "vcse").id
    north = ledger.organisations.register_organisation("North", "statutory_health").id
    ben = ledger.people.register_person("Ben", None, river).id
    ledger.people.change_affiliation(ben, voices, MAY_1)
    ledger.people.change_affiliation(ben, north, MAR_15)
    assert organisation_on(ledger, ben, MAR_15 - timedelta(days=1)) == river
    assert organisation_on(ledger, ben, JUN_1) == north  # the Voices move never takes effect


# Nothing takes effect before what it depends on began (docs/time.md, "Before it existed").

DEC = datetime(2025, 12, 1, tzinfo=UTC)
MAR_1 = datetime(2026, 3, 1, tzinfo=UTC)


def group_convened_in_december(ledger) -> tuple[str, str]:
    cora = ledger.people.register_person("Cora").id
    with acting_as(cora):
        group = ledger.groups.convene_group("Hub", "design", "Design the hub", effective_at=DEC)
    return group.id, cora


def test_a_decision_effective_before_its_group_was_convened_is_refused(ledger):
    group, cora = group_convened_in_december(ledger)
    proposed = ledger.decisions.propose_decision(group, "Open at nine", "9am", effective_at=DEC).id
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.agree_decision(
            proposed, "consent", [cora], effective_at=DEC - timedelta(days=90)
        ),
        TooEarly,
    )
    assert error.field == "effective_at"
    assert "before group" in str(error) and "convened" in str(error)
    ledger.decisions.agree_decision(proposed, "consent", [cora], effective_at=MAR_1)


@pytest.mark.parametrize(
    "back_dated",
    [
        "restate_purpose",
        "add_member",
        "close_group",
        "raise_conflict",
        "define_accountability",
        "agree_principle",
        "convene_subgroup",
    ],
)
def test_nothing_in_a_group_takes_effect_before_the_group_was_convened(ledger, back_dated):
    group, cora = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    early = DEC - timedelta(microseconds=1)
    principle = ledger.principles.propose_principle(group, "Decide near the work").id
    attempts = {
        "restate_purpose": lambda: ledger.groups.restate_purpose(group, "New", early),
        "add_member": lambda: ledger.groups.add_member(group, bea, "member", early),
        "close_group": lambda: ledger.groups.close_group(group, "Done", early),
        "raise_conflict": lambda: ledger.conflicts.raise_conflict(
            group, [{"kind": "person", "id": cora}], "Rota", raised_by=cora, effective_at=early
        ),
        "define_accountability": lambda: ledger.accountabilities.define_accountability(
            group, "Chair", {"kind": "person", "id": cora}, effective_at=early
        ),
        "agree_principle": lambda: ledger.principles.agree_principle(principle, early),
        "convene_subgroup": lambda: ledger.groups.convene_group(
            "Sub", "design", "Part of it", group, effective_at=early
        ),
    }
    with acting_as(cora):
        error = assert_nothing_recorded(ledger, attempts[back_dated], TooEarly)
    assert error.field == "effective_at"


def test_a_handover_before_the_current_holder_began_is_refused(ledger):
    group, cora = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", DEC)
    held = ledger.accountabilities.define_accountability(
        group, "Chair", {"kind": "person", "id": cora}, effective_at=MAR_1
    ).id
    before = MAR_1 - timedelta(days=1)
    to_bea = {"kind": "person", "id": bea}
    with acting_as(cora):
        for attempt in (
            lambda: ledger.accountabilities.offer_handover(held, to_bea, effective_at=before),
            lambda: ledger.accountabilities.retire_accountability(held, "Done", before),
        ):
            assert assert_nothing_recorded(ledger, attempt, TooEarly).field == "effective_at"
        offer = ledger.accountabilities.offer_handover(held, to_bea).extra
    with acting_as(bea):
        error = assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.accept_handover(held, offer["handover_id"], before),
            TooEarly,
        )
    assert "the current holder's start" in str(error)


def test_a_decision_is_not_revoked_before_it_took_effect(ledger):
    group, cora = group_convened_in_december(ledger)
    decided = ledger.decisions.record_decision(
        group,
        "Open at nine",
        "9am",
        {"method": "consent", "participants": [cora], "effective_at": MAR_1},
    ).id
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.revoke_decision(decided, "Wrong", MAR_1 - timedelta(days=1)),
        TooEarly,
    )
    assert error.field == "effective_at"


# Memberships are checked as in effect at effective_at.


def test_a_member_joining_in_the_future_can_be_corrected_to_an_earlier_start(ledger):
    group, _ = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", JUN_1)
    ledger.groups.add_member(group, bea, "member", MAR_1)
    state = ledger.history.group_state(group, effective_at=MAR_15)
    assert bea in [m["person_id"] for m in state["members"]]
    # On 15 March she is a member now, so joining then again is refused.
    error = assert_nothing_recorded(
        ledger, lambda: ledger.groups.add_member(group, bea, "member", MAR_15), AlreadyAMember
    )
    assert "effective_at" in str(error)


def test_leaving_or_changing_role_before_joining_is_refused(ledger):
    group, _ = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", MAR_1)
    for attempt in (
        lambda: ledger.groups.remove_member(group, bea, DEC),
        lambda: ledger.groups.change_member_role(group, bea, "observer", DEC),
    ):
        assert_nothing_recorded(ledger, attempt, MemberNotFound)
    ledger.groups.change_member_role(group, bea, "observer", MAR_15)


# A timeline filtered by a person: the roles that match (docs/time.md, "Reading the past").
# Point 9 of issue 17: an acceptance matched its recipient and whoever recorded it.


def test_a_timeline_filtered_by_a_person_lists_the_events_naming_them_in_any_role(ledger):
    names = ("cora", "bea", "dan", "eve", "fay", "gus", "hal", "ivy")
    p = {name: ledger.people.register_person(name.title()).id for name in names}
    with acting_as(p["cora"]):
        group = ledger.groups.convene_group("Hub", "design", "Design", effective_at=DEC).id
    for name in names[1:7]:
        ledger.groups.add_member(group, p[name], "member", DEC)
    with acting_as(p["bea"]):
        decision = ledger.decisions.propose_decision(group, "Nine", "9am", effective_at=DEC).id
    with acting_as(p["ivy"]):  # ivy records these, and is named in none of them
        ledger.decisions.agree_decision(
            decision,
            "consent",
            [p["cora"], p["dan"]],
            objections=[{"person_id": p["dan"], "reason": "Early"}],
            effective_at=MAR_1,
        )
        ledger.conflicts.raise_conflict(
            group, [{"kind": "person", "id": p["fay"]}], "Rota", raised_by=p["eve"]
        )
        held = ledger.accountabilities.define_accountability(
            group, "Chair", {"kind": "person", "id": p["gus"]}, effective_at=MAR_1
        ).id
    with acting_as(p["gus"]):
        offer = ledger.accountabilities.offer_handover(held, {"kind": "person", "id": p["hal"]})
    with acting_as(p["hal"]):
        ledger.accountabilities.accept_handover(held, offer.extra["handover_id"])

    def types(name: str) -> list[str]:
        items = ledger.history.group_timeline(group, person=p[name])["items"]
        return [i["type"] for i in items]

    assert types("cora") == ["Group.Convened", "Decision.Agreed"]  # convener, participant
    assert types("bea") == ["Group.MemberJoined", "Decision.Proposed"]  # member, proposer
    assert types("dan") == ["Group.MemberJoined", "Decision.Agreed"]  # participant, objector
    assert types("eve") == ["Group.MemberJoined", "Conflict.Raised"]  # raised by
    assert types("fay") == ["Group.MemberJoined", "Conflict.Raised"]  # a party
    # holder defined, the offering holder; the acceptance names only its recipient
    assert types("gus") == [
        "Group.MemberJoined",
        "Accountability.Defined",
        "Accountability.HandoverOffered",
    ]
    assert types("hal") == [
        "Group.MemberJoined",
        "Accountability.HandoverOffered",
        "Accountability.HandoverAccepted",
    ]
    # Whoever recorded an event (its actor) matches too.
    assert types("ivy") == ["Decision.Agreed", "Conflict.Raised", "Accountability.Defined"]


# A group's purpose and status are separate facts (docs/time.md, "A group's purpose...").


def test_a_back_dated_close_does_not_pull_a_purpose_restated_for_later_back(ledger):
    now = datetime.now(UTC)
    cora = ledger.people.register_person("Cora").id
    bea = ledger.people.register_person("Bea").id
    with acting_as(cora):
        group = ledger.groups.convene_group(
            "Hub", "design", "P0", effective_at=now - timedelta(days=10)
        ).id
    ledger.groups.restate_purpose(group, "P1", now + timedelta(days=30))
    ledger.groups.add_member(group, bea, "member", now + timedelta(days=20))
    ledger.groups.close_group(group, "Done", now - timedelta(days=3))
    for when in (None, now - timedelta(days=1)):
        state = ledger.history.group_state(group, effective_at=when)
        assert (state["purpose"], state["status"]) == ("P0", "closed")
        assert bea not in [m["person_id"] for m in state["members"]]
    later = ledger.history.group_state(group, effective_at=now + timedelta(days=31))
    assert (later["purpose"], later["status"]) == ("P1", "closed")
    before = ledger.history.group_state(group, effective_at=now - timedelta(days=5))
    assert (before["purpose"], before["status"]) == ("P0", "open")


# /changes lists every event that changes what is in effect, open or pending (point 5).


def test_changes_list_proposals_responses_offers_declines_and_withdrawals_with_a_sentence(
    ledger,
):
    assert {change for change, _ in LINES.values()} <= set(SENTENCES)
    start = datetime.now(UTC)
    group, cora = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", DEC)
    with acting_as(cora):
        rejected = ledger.decisions.propose_decision(group, "Close Sundays", "Closed").id
        ledger.decisions.reject_decision(rejected, "Need Sundays")
        withdrawn = ledger.decisions.propose_decision(group, "Paint it blue", "Blue").id
        ledger.decisions.withdraw_decision(withdrawn)
        principle = ledger.principles.propose_principle(group, "Decide near the work").id
        ledger.principles.respond_to_principle(principle, "endorse", "Yes")
        ledger.principles.respond_to_principle(principle, "object", "Vague", bea)
        conflict = ledger.conflicts.raise_conflict(
            group, [{"kind": "person", "id": bea}], "Rota"
        ).id
        ledger.conflicts.acknowledge_conflict(conflict, "Heard")
        ledger.conflicts.add_conflict_note(conflict, "Met")
        ledger.conflicts.withdraw_conflict(conflict, "Sorted")
        held = ledger.accountabilities.define_accountability(
            group, "Chair", {"kind": "person", "id": cora}, effective_at=MAR_1
        ).id
        offer = ledger.accountabilities.offer_handover(held, {"kind": "person", "id": bea})
    with acting_as(bea):
        ledger.accountabilities.decline_handover(held, offer.extra["handover_id"], "No")
    with acting_as(cora):
        again = ledger.accountabilities.offer_handover(held, {"kind": "person", "id": bea})
        ledger.accountabilities.withdraw_handover(held, again.extra["handover_id"], "Later")
    lines = ledger.changes.group_changes(group, start, datetime.now(UTC))["changes"]
    assert (
        [line["change"] for line in lines]
        == [
            "member_joined",  # (effective in December: not in the window)
            "decision_proposed",
            "decision_rejected",
            "decision_proposed",
            "decision_withdrawn",
            "principle_proposed",
            "principle_endorsed",
            "principle_objected_to",
            "conflict_raised",
            "conflict_acknowledged",
            "conflict_worked_through",
            "conflict_withdrawn",
            "handover_offered",
            "handover_declined",
            "handover_offered",
            "handover_withdrawn",
        ][1:]
    )
    for line in lines:
        assert line["effective_at"] and line["recorded_at"]
        assert line["sentence"].endswith(f"(effective {line['effective_at'][:10]}).")
    assert lines[1]["sentence"].startswith("A proposed decision was rejected: Close Sundays")


# Who is named is checked against the membership in effect at effective_at (issue 17).

MAY_1 = datetime(2026, 5, 1, tzinfo=UTC)


def test_someone_who_joins_later_cannot_take_part_in_an_earlier_decision(ledger):
    group, cora = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", JUN_1)
    proposed = ledger.decisions.propose_decision(group, "Open at nine", "9am", effective_at=DEC)
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.agree_decision(
            proposed.id, "consent", [cora, bea], effective_at=MAY_1
        ),
        NotAMember,
    )
    assert error.field == "effective_at"
    assert "not a member" in str(error) and "from 2026-06-01" in str(error)
    ledger.decisions.agree_decision(proposed.id, "consent", [cora, bea], effective_at=JUN_1)


def test_someone_who_left_cannot_be_named_after_but_can_in_a_back_dated_correction(ledger):
    group, cora = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", DEC)
    ledger.groups.remove_member(group, bea, MAY_1)
    to_bea = {"kind": "person", "id": bea}
    with acting_as(cora):
        for attempt in (
            lambda: ledger.accountabilities.define_accountability(
                group, "Chair", to_bea, effective_at=JUN_1
            ),
            lambda: ledger.conflicts.raise_conflict(
                group, [to_bea], "Rota", raised_by=bea, effective_at=JUN_1
            ),
        ):
            assert assert_nothing_recorded(ledger, attempt, NotAMember).field == "effective_at"
        # On 15 March Bea was a member: the correction is recorded though she has left.
        held = ledger.accountabilities.define_accountability(
            group, "Chair", to_bea, effective_at=MAR_15
        ).id
        conflict = ledger.conflicts.raise_conflict(
            group, [to_bea], "Rota", raised_by=bea, effective_at=MAR_15
        ).id
        decided = ledger.decisions.record_decision(
            group,
            "Rota",
            "Weekly",
            {"method": "consent", "participants": [bea], "effective_at": MAR_15},
        ).id
    assert ledger.records.get_accountability(held)["holder"] == to_bea
    assert ledger.records.get_conflict(conflict)["raised_by"] == bea
    assert ledger.records.get_decision(decided)["participants"] == [bea]


def test_a_handover_recipient_must_be_a_member_when_the_offer_and_the_acceptance_take_effect(
    ledger,
):
    group, cora = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", MAY_1)
    held = ledger.accountabilities.define_accountability(
        group, "Chair", {"kind": "person", "id": cora}, effective_at=DEC
    ).id
    to_bea = {"kind": "person", "id": bea}
    with acting_as(cora):
        error = assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.offer_handover(held, to_bea, effective_at=MAR_1),
            NotAMember,
        )
        assert error.field == "effective_at"
        ledger.accountabilities.offer_handover(held, to_bea, effective_at=MAY_1)


# Lifecycle order in effective time: nothing answers what is not yet there (issue 17).


def test_a_decision_is_not_agreed_rejected_or_withdrawn_before_it_was_proposed(ledger):
    group, cora = group_convened_in_december(ledger)
    later = datetime.now(UTC) + timedelta(days=30)
    proposed = ledger.decisions.propose_decision(group, "Nine", "9am", effective_at=MAR_1).id
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.agree_decision(proposed, "consent", [cora], effective_at=DEC),
        TooEarly,
    )
    assert error.field == "effective_at" and "was proposed" in str(error)
    # A proposal dated in the future cannot be rejected or withdrawn now.
    future = ledger.decisions.propose_decision(group, "Ten", "10am", effective_at=later).id
    for attempt in (
        lambda: ledger.decisions.reject_decision(future, "No"),
        lambda: ledger.decisions.withdraw_decision(future, "No"),
    ):
        assert "was proposed" in str(assert_nothing_recorded(ledger, attempt, TooEarly))
    ledger.decisions.agree_decision(proposed, "consent", [cora], effective_at=MAR_1)
    # Recorded at once, a decision's proposal takes effect with its agreement.
    recorded = ledger.decisions.record_decision(
        group, "Eight", "8am", {"method": "consent", "participants": [cora], "effective_at": MAR_15}
    ).id
    with pytest.raises(RecordNotFound):
        ledger.history.record_version_at("decision", recorded, effective_at=MAR_1)
    assert ledger.history.record_version_at("decision", recorded, effective_at=MAR_15) == 2


def test_a_decision_does_not_supersede_one_that_takes_effect_after_it(ledger):
    group, cora = group_convened_in_december(ledger)
    agreement = {"method": "consent", "participants": [cora], "effective_at": MAY_1}
    earlier = ledger.decisions.record_decision(group, "Nine", "9am", agreement).id
    proposed = ledger.decisions.propose_decision(group, "Ten", "10am", effective_at=DEC).id
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.decisions.agree_decision(
            proposed, "consent", [cora], supersedes=[earlier], effective_at=MAR_1
        ),
        TooEarly,
    )
    assert error.field == "effective_at" and "supersedes took effect" in str(error)


def test_nothing_happens_to_a_conflict_before_it_was_raised(ledger):
    group, cora = group_convened_in_december(ledger)
    later = datetime.now(UTC) + timedelta(days=30)
    party = [{"kind": "person", "id": cora}]
    with acting_as(cora):
        raised = ledger.conflicts.raise_conflict(group, party, "Rota", effective_at=MAR_1).id
        ledger.conflicts.acknowledge_conflict(raised)
        error = assert_nothing_recorded(
            ledger,
            lambda: ledger.conflicts.resolve_conflict(raised, "Sorted", effective_at=DEC),
            TooEarly,
        )
        assert error.field == "effective_at" and "was raised" in str(error)
        future = ledger.conflicts.raise_conflict(group, party, "Keys", effective_at=later).id
        other = ledger.groups.convene_group("Board", "board", "Oversee", effective_at=DEC).id
        for attempt in (
            lambda: ledger.conflicts.acknowledge_conflict(future),
            lambda: ledger.conflicts.escalate_conflict(future, other, "Too big"),
            lambda: ledger.conflicts.withdraw_conflict(future),
        ):
            assert "was raised" in str(assert_nothing_recorded(ledger, attempt, TooEarly))
        ledger.conflicts.resolve_conflict(raised, "Sorted", effective_at=MAR_15)


def test_a_handover_is_not_answered_before_it_was_offered(ledger):
    group, cora = group_convened_in_december(ledger)
    bea = ledger.people.register_person("Bea").id
    ledger.groups.add_member(group, bea, "member", DEC)
    held = ledger.accountabilities.define_accountability(
        group, "Chair", {"kind": "person", "id": cora}, effective_at=DEC
    ).id
    to_bea = {"kind": "person", "id": bea}
    with acting_as(cora):
        offer = ledger.accountabilities.offer_handover(held, to_bea, effective_at=MAR_15).extra
    with acting_as(bea):
        error = assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.accept_handover(held, offer["handover_id"], MAR_1),
            TooEarly,
        )
        assert error.field == "effective_at" and "was offered" in str(error)
        ledger.accountabilities.accept_handover(held, offer["handover_id"], MAR_15)
    later = datetime.now(UTC) + timedelta(days=30)
    with acting_as(bea):
        future = ledger.accountabilities.offer_handover(
            held, {"kind": "person", "id": cora}, effective_at=later
        ).extra
    with acting_as(cora):
        error = assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.decline_handover(held, future["handover_id"], "No"),
            TooEarly,
        )
    assert "was offered" in str(error)


def test_a_principle_is_not_agreed_or_answered_before_it_was_proposed(ledger):
    group, cora = group_convened_in_december(ledger)
    principle = ledger.principles.propose_principle(group, "Near the work", None, MAR_1).id
    error = assert_nothing_recorded(
        ledger, lambda: ledger.principles.agree_principle(principle, DEC), TooEarly
    )
    assert error.field == "effective_at" and "was proposed" in str(error)
    future = ledger.principles.propose_principle(
        group, "Later", None, datetime.now(UTC) + timedelta(days=30)
    ).id
    with acting_as(cora):
        assert_nothing_recorded(
            ledger, lambda: ledger.principles.respond_to_principle(future, "endorse"), TooEarly
        )
    ledger.principles.agree_principle(principle, MAR_15)
