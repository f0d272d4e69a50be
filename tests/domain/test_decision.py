"""Decision: proposed, then agreed, rejected or withdrawn; once agreed, superseded or revoked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from domain.base import InvalidInput, LifecycleError, TooEarly
from domain.decision import Decision, DecisionInvalid, DecisionNotAgreed, DecisionNotProposed
from domain.group import Group, GroupClosed, NotAMember
from domain.principle import Principle
from domain.values import Method
from tests.domain.conftest import (
    AWARE,
    BEGAN,
    LATER,
    NAIVE,
    Allowed,
    Outcome,
    Refused,
    acting_as,
    assert_replay_rebuilds,
    assert_table_is_complete,
    check_transition,
    lifecycle_table,
    only_event,
    open_group,
    pending_events,
    topics,
)


def propose(group: Group, title: str = "Pool the two budgets") -> Decision:
    return Decision.propose(
        group, title, "Pool the health and care budgets", proposed_by="p1", effective_at=BEGAN
    )


def agree(decision: Decision, group: Group, **overrides: Any) -> None:
    """Agree by consent with p1 and p2 taking part, unless told otherwise."""
    given: dict[str, Any] = {
        "method": "consent",
        "participants": ["p1", "p2"],
        "participant_organisations": ["org-trust"],
    }
    given.update(overrides)
    decision.agree(group, **given)


def agreed_principle(group: Group) -> Principle:
    principle = Principle.propose(group, "Decisions are taken closest to the work", None, BEGAN)
    principle.agree(group)
    return principle


# Lifecycle: every state x every action (being superseded counts as an action).

STATES = ["proposed", "agreed", "rejected", "withdrawn", "superseded", "revoked"]


def decision_in(state: str, group: Group) -> Decision:
    decision = propose(group)
    if state in ("agreed", "superseded", "revoked"):
        agree(decision, group, effective_at=BEGAN)
    if state == "rejected":
        decision.reject(group, "Not now")
    elif state == "withdrawn":
        decision.withdraw(group, "Needs more work")
    elif state == "superseded":
        agree(propose(group, "Pool three budgets"), group, supersedes=[decision])
    elif state == "revoked":
        decision.revoke(group, "The pilot ended")
    decision.collect_events()
    return decision


def supersede(decision: Decision, group: Group) -> None:
    agree(propose(group, "A later decision"), group, supersedes=[decision])


ACTIONS: dict[str, Callable[[Decision, Group], Any]] = {
    "agree": agree,
    "reject": lambda d, g: d.reject(g, "Not now"),
    "withdraw": lambda d, g: d.withdraw(g, "Needs more work"),
    "revoke": lambda d, g: d.revoke(g, "No longer needed"),
    "supersede": supersede,
}

LIFECYCLE: list[tuple[str, str, Outcome]] = [
    ("proposed", "agree", Allowed("agreed", "accord.Decision.Agreed")),
    ("proposed", "reject", Allowed("rejected", "accord.Decision.Rejected")),
    ("proposed", "withdraw", Allowed("withdrawn", "accord.Decision.Withdrawn")),
    ("proposed", "revoke", Refused(DecisionNotAgreed, "proposed")),
    ("proposed", "supersede", Refused(DecisionNotAgreed, "proposed")),
    ("agreed", "agree", Refused(DecisionNotProposed, "agreed")),
    ("agreed", "reject", Refused(DecisionNotProposed, "agreed")),
    ("agreed", "withdraw", Refused(DecisionNotProposed, "agreed")),
    ("agreed", "revoke", Allowed("revoked", "accord.Decision.Revoked")),
    ("agreed", "supersede", Allowed("superseded", "accord.Decision.Superseded")),
    ("rejected", "agree", Refused(DecisionNotProposed, "rejected")),
    ("rejected", "reject", Refused(DecisionNotProposed, "rejected")),
    ("rejected", "withdraw", Refused(DecisionNotProposed, "rejected")),
    ("rejected", "revoke", Refused(DecisionNotAgreed, "rejected")),
    ("rejected", "supersede", Refused(DecisionNotAgreed, "rejected")),
    ("withdrawn", "agree", Refused(DecisionNotProposed, "withdrawn")),
    ("withdrawn", "reject", Refused(DecisionNotProposed, "withdrawn")),
    ("withdrawn", "withdraw", Refused(DecisionNotProposed, "withdrawn")),
    ("withdrawn", "revoke", Refused(DecisionNotAgreed, "withdrawn")),
    ("withdrawn", "supersede", Refused(DecisionNotAgreed, "withdrawn")),
    ("superseded", "agree", Refused(DecisionNotProposed, "superseded")),
    ("superseded", "reject", Refused(DecisionNotProposed, "superseded")),
    ("superseded", "withdraw", Refused(DecisionNotProposed, "superseded")),
    ("superseded", "revoke", Refused(DecisionNotAgreed, "superseded")),
    ("superseded", "supersede", Refused(DecisionNotAgreed, "superseded")),
    ("revoked", "agree", Refused(DecisionNotProposed, "revoked")),
    ("revoked", "reject", Refused(DecisionNotProposed, "revoked")),
    ("revoked", "withdraw", Refused(DecisionNotProposed, "revoked")),
    ("revoked", "revoke", Refused(DecisionNotAgreed, "revoked")),
    ("revoked", "supersede", Refused(DecisionNotAgreed, "revoked")),
]


def test_the_lifecycle_table_covers_every_action_from_every_state() -> None:
    assert_table_is_complete(LIFECYCLE, STATES, ACTIONS)


@pytest.mark.parametrize(("state", "action", "outcome"), lifecycle_table(LIFECYCLE))
def test_decision_lifecycle(state: str, action: str, outcome: Allowed | Refused) -> None:
    group = open_group()
    decision = decision_in(state, group)
    check_transition(decision, state, lambda: ACTIONS[action](decision, group), outcome)


def test_lifecycle_errors_are_lifecycle_errors() -> None:
    assert issubclass(DecisionNotProposed, LifecycleError)
    assert issubclass(DecisionNotAgreed, LifecycleError)
    group = open_group()
    decision = decision_in("rejected", group)
    with pytest.raises(LifecycleError) as caught:
        decision.revoke(group, "too late")
    assert caught.value.current_state == "rejected"


# Proposing.


def test_proposing_records_the_proposal_as_proposed() -> None:
    group = open_group()
    decision = Decision.propose(
        group,
        "  Pool the two budgets  ",
        "  Pool the health and care budgets  ",
        context="  Two budgets, one population  ",
        rationale="  Less duplication  ",
        proposed_by="p2",
    )
    assert decision.status == "proposed"
    assert decision.group_id == str(group.id)
    assert decision.title == "Pool the two budgets"
    assert decision.proposal == "Pool the health and care budgets"
    assert decision.context == "Two budgets, one population"
    assert decision.rationale == "Less duplication"
    assert decision.proposed_by == "p2"
    assert decision.method is None
    assert decision.participants == []
    assert topics(decision) == ["accord.Decision.Proposed"]


def test_blank_context_and_rationale_are_recorded_as_absent() -> None:
    decision = Decision.propose(open_group(), "Title", "Proposal", context=" ", rationale="")
    assert decision.context is None
    assert decision.rationale is None
    assert decision.proposed_by is None


def test_the_proposer_must_be_a_member_of_the_group() -> None:
    with pytest.raises(NotAMember) as caught:
        Decision.propose(open_group(), "Title", "Proposal", proposed_by="p9")
    assert caught.value.field == "proposed_by"


@pytest.mark.parametrize(
    ("title", "proposal", "field"),
    [("", "Proposal", "title"), ("  ", "Proposal", "title"), ("Title", " ", "decision")],
)
def test_blank_title_or_proposal_names_the_field(title: str, proposal: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Decision.propose(open_group(), title, proposal)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("field", "text"),
    [("title", "Pool\x00"), ("decision", "Pool \udfff budgets"), ("context", "\x00")],
)
def test_text_that_cannot_be_stored_is_refused(field: str, text: str) -> None:
    given: dict[str, Any] = {"title": "Title", "proposal": "Proposal", "context": None}
    given["proposal" if field == "decision" else field] = text
    with pytest.raises(InvalidInput) as caught:
        Decision.propose(open_group(), **given)
    assert caught.value.field == field


def test_a_title_longer_than_300_characters_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Decision.propose(open_group(), "t" * 301, "Proposal")
    assert caught.value.field == "title"


# Agreeing.


def test_agreeing_records_how_who_and_when() -> None:
    group = open_group()
    principle = agreed_principle(group)
    decision = propose(group)
    decision.collect_events()
    decision.agree(
        group,
        method="consensus",
        participants=[" p1 ", "p2", "p1", "p3"],
        participant_organisations=["org-council", "org-trust", "org-council"],
        objections=[{"person_id": "p3", "reason": "  Too fast  "}],
        principles=[principle],
        effective_at=AWARE,
        review_date=date(2025, 3, 1),
    )
    assert decision.status == "agreed"
    assert decision.method == "consensus"
    assert decision.participants == ["p1", "p2", "p3"]
    assert decision.participant_organisations == ["org-council", "org-trust"]
    assert decision.objections == [{"person_id": "p3", "reason": "Too fast"}]
    assert decision.principles == [str(principle.id)]
    assert decision.supersedes == []
    assert decision.effective_at == AWARE
    assert decision.review_date == "2025-03-01"
    agreed = only_event(decision)
    assert type(agreed).TOPIC == "accord.Decision.Agreed"
    assert agreed.participants == ["p1", "p2", "p3"]
    assert agreed.effective_at == AWARE


@pytest.mark.parametrize("method", [m.value for m in Method])
def test_every_decision_method_is_accepted(method: str) -> None:
    group = open_group()
    decision = propose(group)
    agree(decision, group, method=method)
    assert decision.method == method


@pytest.mark.parametrize("method", ["majority", "", "CONSENT", "consent "])
def test_an_unknown_method_names_the_method_field(method: str) -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(InvalidInput) as caught:
        agree(decision, group, method=method)
    assert caught.value.field == "method"
    assert decision.status == "proposed"


def test_a_decision_needs_at_least_one_participant() -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(DecisionInvalid) as caught:
        agree(decision, group, participants=[])
    assert caught.value.field == "participants"


def test_a_blank_participant_id_is_refused() -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(InvalidInput) as caught:
        agree(decision, group, participants=["p1", "  "])
    assert caught.value.field == "participants[1]"


@pytest.mark.parametrize(
    ("participants", "field"),
    [
        (["p9"], "participants[0]"),
        (["p1", "p9"], "participants[1]"),
        (["p1", "p2", "zz"], "participants[2]"),
    ],
)
def test_every_participant_must_be_a_member_of_the_group(
    participants: list[str], field: str
) -> None:
    group = open_group()
    decision = propose(group)
    decision.collect_events()
    with pytest.raises(NotAMember) as caught:
        agree(decision, group, participants=participants)
    assert caught.value.field == field
    assert decision.status == "proposed"
    assert decision.collect_events() == []


def test_someone_who_left_the_group_cannot_take_part() -> None:
    group = open_group()
    decision = propose(group)
    group.leave("p2")
    with pytest.raises(NotAMember) as caught:
        agree(decision, group, participants=["p1", "p2"])
    # A member until now: the refusal names the moment, and says when they were a member.
    assert caught.value.field == "effective_at"
    assert "p2 is not a member" in str(caught.value) and "from 2020-01-01" in str(caught.value)


def test_a_non_member_participant_is_named_by_its_position_in_the_given_list() -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(NotAMember) as caught:
        agree(decision, group, participants=["p1", "p1", "p9"])
    assert caught.value.field == "participants[2]"


def test_an_objector_must_be_one_of_the_participants() -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(DecisionInvalid) as caught:
        agree(
            decision,
            group,
            participants=["p1", "p2"],
            objections=[
                {"person_id": "p2", "reason": "Too fast"},
                {"person_id": "p3", "reason": "Not consulted"},
            ],
        )
    assert caught.value.field == "objections[1].person_id"
    assert decision.status == "proposed"


def test_an_objection_without_a_person_is_refused() -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(DecisionInvalid) as caught:
        agree(decision, group, objections=[{"reason": "Too fast"}])
    assert caught.value.field == "objections[0].person_id"


@pytest.mark.parametrize("objection", [{"person_id": "p2"}, {"person_id": "p2", "reason": "  "}])
def test_an_objection_needs_a_reason(objection: dict[str, Any]) -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(InvalidInput) as caught:
        agree(decision, group, objections=[objection])
    assert caught.value.field == "objections[0].reason"


def test_an_objection_whose_reason_is_none_is_refused() -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(InvalidInput):
        agree(decision, group, objections=[{"person_id": "p2", "reason": None}])


def test_a_cited_principle_must_be_agreed() -> None:
    group = open_group()
    proposed = Principle.propose(group, "Work in the open")
    decision = propose(group)
    with pytest.raises(DecisionInvalid) as caught:
        agree(decision, group, principles=[agreed_principle(group), proposed])
    assert caught.value.field == "principles[1]"
    assert decision.status == "proposed"


def test_a_retired_principle_cannot_be_cited() -> None:
    group = open_group()
    principle = agreed_principle(group)
    principle.retire(group)
    decision = propose(group)
    with pytest.raises(DecisionInvalid) as caught:
        agree(decision, group, principles=[principle])
    assert caught.value.field == "principles[0]"


def test_an_amended_principle_can_still_be_cited() -> None:
    group = open_group()
    principle = agreed_principle(group)
    principle.amend(group, "Decisions are taken by those doing the work")
    decision = propose(group)
    agree(decision, group, principles=[principle])
    assert decision.principles == [str(principle.id)]


@pytest.mark.parametrize("command", ["propose", "agree"])
def test_nothing_is_decided_in_a_closed_group(command: str) -> None:
    group = open_group()
    decision = propose(group)
    decision.collect_events()
    group.close()
    with pytest.raises(GroupClosed) as caught:
        if command == "propose":
            propose(group)
        else:
            agree(decision, group)
    assert caught.value.current_state == "closed"
    assert decision.status == "proposed"
    assert decision.collect_events() == []


def agree_then_revoke_with_a_naive_time(decision: Decision, group: Group) -> None:
    agree(decision, group)
    decision.revoke(group, "Ended", effective_at=NAIVE)


@pytest.mark.parametrize(
    "command",
    [
        lambda d, g: agree(d, g, effective_at=NAIVE),
        agree_then_revoke_with_a_naive_time,
    ],
    ids=["agree", "revoke"],
)
def test_a_naive_effective_time_is_refused(command: Callable[[Decision, Group], Any]) -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(InvalidInput) as caught:
        command(decision, group)
    assert caught.value.field == "effective_at"


# Rejecting, withdrawing, revoking.


@pytest.mark.parametrize(
    ("command", "status"),
    [("reject", "rejected"), ("withdraw", "withdrawn")],
)
def test_rejecting_or_withdrawing_records_an_optional_reason(command: str, status: str) -> None:
    group = open_group()
    with_reason = propose(group)
    getattr(with_reason, command)(group, "  Not the right time  ")
    assert (with_reason.status, with_reason.outcome_reason) == (status, "Not the right time")
    without_reason = propose(group)
    getattr(without_reason, command)(group)
    assert (without_reason.status, without_reason.outcome_reason) == (status, None)


def test_revoking_needs_a_reason() -> None:
    group = open_group()
    decision = decision_in("agreed", group)
    with pytest.raises(InvalidInput) as caught:
        decision.revoke(group, "  ")
    assert caught.value.field == "reason"
    assert decision.status == "agreed"


def test_revoking_records_the_reason_and_when() -> None:
    group = open_group()
    decision = decision_in("agreed", group)
    decision.revoke(group, "  The pilot ended  ", effective_at=LATER)
    assert (decision.status, decision.outcome_reason) == ("revoked", "The pilot ended")
    revoked = only_event(decision)
    assert revoked.effective_at == LATER


# Supersession.


def test_agreeing_a_superseding_decision_marks_the_earlier_one_superseded() -> None:
    group = open_group()
    earlier = propose(group)
    agree(earlier, group, effective_at=AWARE)
    earlier.collect_events()
    later = propose(group, "Pool three budgets")
    later.collect_events()
    agree(later, group, supersedes=[earlier], effective_at=LATER)
    assert later.status == "agreed"
    assert later.supersedes == [str(earlier.id)]
    assert earlier.status == "superseded"
    assert earlier.superseded_by == str(later.id)
    superseded = only_event(earlier)
    assert type(superseded).TOPIC == "accord.Decision.Superseded"
    assert superseded.by_decision_id == str(later.id)
    assert superseded.effective_at == LATER


def test_a_decision_cannot_take_effect_before_the_one_it_supersedes() -> None:
    group = open_group()
    earlier = propose(group)
    agree(earlier, group, effective_at=LATER)
    later = propose(group, "Pool three budgets")
    with pytest.raises(TooEarly) as caught:
        agree(later, group, supersedes=[earlier], effective_at=AWARE)
    assert caught.value.field == "effective_at"
    assert (earlier.status, later.status) == ("agreed", "proposed")


def test_one_decision_can_supersede_several() -> None:
    group = open_group()
    first, second = decision_in("agreed", group), decision_in("agreed", group)
    later = propose(group)
    agree(later, group, supersedes=[first, second])
    assert later.supersedes == [str(first.id), str(second.id)]
    assert (first.status, second.status) == ("superseded", "superseded")
    assert first.superseded_by == second.superseded_by == str(later.id)


@pytest.mark.parametrize("outcome", ["proposed", "rejected", "withdrawn", "refused"])
def test_the_earlier_decision_stays_agreed_unless_the_later_one_is_agreed(outcome: str) -> None:
    group = open_group()
    earlier = decision_in("agreed", group)
    later = propose(group)
    if outcome == "rejected":
        later.reject(group)
    elif outcome == "withdrawn":
        later.withdraw(group)
    elif outcome == "refused":
        with pytest.raises(NotAMember):
            agree(later, group, participants=["p9"], supersedes=[earlier])
    assert earlier.status == "agreed"
    assert earlier.superseded_by is None
    assert earlier.collect_events() == []


def test_a_decision_of_another_group_cannot_be_superseded() -> None:
    group, other = open_group(), open_group(name="Other group")
    elsewhere = decision_in("agreed", other)
    decision = propose(group)
    with pytest.raises(DecisionInvalid) as caught:
        agree(decision, group, supersedes=[decision_in("agreed", group), elsewhere])
    assert caught.value.field == "supersedes[1]"
    assert decision.status == "proposed"
    assert elsewhere.status == "agreed"


def test_a_decision_cannot_supersede_itself() -> None:
    group = open_group()
    decision = propose(group)
    with pytest.raises(DecisionInvalid) as caught:
        agree(decision, group, supersedes=[decision])
    assert caught.value.field == "supersedes[0]"
    assert decision.status == "proposed"


def test_a_refused_supersession_leaves_every_earlier_decision_untouched() -> None:
    group = open_group()
    agreed, revoked = decision_in("agreed", group), decision_in("revoked", group)
    later = propose(group)
    later.collect_events()
    with pytest.raises(DecisionNotAgreed) as caught:
        agree(later, group, supersedes=[agreed, revoked])
    assert caught.value.current_state == "revoked"
    assert agreed.status == "agreed"
    assert agreed.collect_events() == []
    assert later.status == "proposed"
    assert later.collect_events() == []


def test_naming_the_same_earlier_decision_twice_supersedes_it_once() -> None:
    group = open_group()
    earlier = decision_in("agreed", group)
    later = propose(group)
    agree(later, group, supersedes=[earlier, earlier])
    assert topics(earlier) == ["accord.Decision.Superseded"]
    assert later.supersedes == [str(earlier.id)]


# Actor.


def test_every_decision_event_records_the_current_actor() -> None:
    group = open_group()
    earlier = decision_in("agreed", group)
    with acting_as("p1"):
        later = propose(group)
    with acting_as("p2"):
        agree(later, group, supersedes=[earlier])
    assert [(type(e).TOPIC, e.actor) for e in pending_events(later)] == [
        ("accord.Decision.Proposed", "p1"),
        ("accord.Decision.Agreed", "p2"),
    ]
    superseded = only_event(earlier)
    assert superseded.actor == "p2"
    assert (later.last_actor, earlier.last_actor) == ("p2", "p2")


# Replay.


def test_replaying_an_agreed_then_revoked_decision_rebuilds_it() -> None:
    group = open_group()
    principle = agreed_principle(group)
    with acting_as("p1"):
        decision = Decision.propose(
            group,
            "Pool",
            "Pool budgets",
            context="Two budgets",
            rationale="Less waste",
            effective_at=AWARE,
        )
    with acting_as("p2"):
        decision.agree(
            group,
            "vote",
            ["p1", "p2", "p3"],
            ["org-b", "org-a"],
            objections=[{"person_id": "p3", "reason": "Too fast"}],
            principles=[principle],
            effective_at=AWARE,
            review_date=date(2025, 1, 31),
        )
        decision.revoke(group, "Pilot ended", effective_at=LATER)
    rebuilt = assert_replay_rebuilds(decision, min_events=3)
    assert rebuilt.status == "revoked"
    assert rebuilt.objections == [{"person_id": "p3", "reason": "Too fast"}]
    assert rebuilt.last_actor == "p2"


def test_replaying_superseded_and_superseding_decisions_rebuilds_both() -> None:
    group = open_group()
    earlier = propose(group)
    agree(earlier, group, effective_at=AWARE)
    later = propose(group, "Pool three budgets")
    agree(later, group, supersedes=[earlier], effective_at=LATER)
    assert assert_replay_rebuilds(earlier, min_events=3).superseded_by == str(later.id)
    assert assert_replay_rebuilds(later, min_events=2).supersedes == [str(earlier.id)]


@pytest.mark.parametrize("state", ["rejected", "withdrawn"])
def test_replaying_a_closed_proposal_rebuilds_it(state: str) -> None:
    group = open_group()
    decision = propose(group)
    decision.reject(group, "No") if state == "rejected" else decision.withdraw(group, "No")
    assert assert_replay_rebuilds(decision, min_events=2).status == state
