"""Conflict: raised, acknowledged, worked through, then resolved, escalated or withdrawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.base import InvalidInput, LifecycleError
from domain.conflict import (
    Conflict,
    ConflictAlreadyAcknowledged,
    ConflictInvalid,
    ConflictNotAcknowledged,
    ConflictNotOpen,
)
from domain.decision import Decision
from domain.group import Group, GroupClosed, NotAMember
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

PARTIES = [{"kind": "organisation", "id": "org-trust"}, {"kind": "group", "id": "g-board"}]


def raise_conflict(group: Group, raised_by: str = "p2") -> Conflict:
    return Conflict.raise_conflict(
        group, raised_by, PARTIES, "Who funds the night service", effective_at=BEGAN
    )


def agreed_decision(group: Group) -> Decision:
    decision = Decision.propose(
        group, "Share the cost", "Split the night service cost", effective_at=BEGAN
    )
    decision.agree(group, "consent", ["p1", "p2"], [])
    return decision


# Lifecycle: every state x every action.

STATES = ["raised", "acknowledged", "working_through", "resolved", "escalated", "withdrawn"]


def conflict_in(state: str, group: Group, board: Group) -> Conflict:
    conflict = raise_conflict(group)
    if state != "raised":
        conflict.acknowledge(group, "Seen")
    if state == "working_through":
        conflict.add_note(group, "n1", "Met both parties")
    elif state == "resolved":
        conflict.resolve(group, "Costs split evenly")
    elif state == "escalated":
        conflict.escalate(group, board, "Needs the board")
    elif state == "withdrawn":
        conflict.withdraw(group, "Sorted informally")
    conflict.collect_events()
    return conflict


ACTIONS: dict[str, Callable[[Conflict, Group, Group], Any]] = {
    "acknowledge": lambda c, g, b: c.acknowledge(g, "Seen"),
    "add_note": lambda c, g, b: c.add_note(g, "n2", "Talked it through"),
    "resolve": lambda c, g, b: c.resolve(g, "Agreed a way forward"),
    "escalate": lambda c, g, b: c.escalate(g, b, "Needs the board"),
    "withdraw": lambda c, g, b: c.withdraw(g, "No longer a tension"),
}

LIFECYCLE: list[tuple[str, str, Outcome]] = [
    ("raised", "acknowledge", Allowed("acknowledged", "accord.Conflict.Acknowledged")),
    ("raised", "add_note", Refused(ConflictNotAcknowledged, "raised")),
    ("raised", "resolve", Refused(ConflictNotAcknowledged, "raised")),
    ("raised", "escalate", Allowed("escalated", "accord.Conflict.Escalated")),
    ("raised", "withdraw", Allowed("withdrawn", "accord.Conflict.Withdrawn")),
    ("acknowledged", "acknowledge", Refused(ConflictAlreadyAcknowledged, "acknowledged")),
    ("acknowledged", "add_note", Allowed("working_through", "accord.Conflict.NoteAdded")),
    ("acknowledged", "resolve", Allowed("resolved", "accord.Conflict.Resolved")),
    ("acknowledged", "escalate", Allowed("escalated", "accord.Conflict.Escalated")),
    ("acknowledged", "withdraw", Allowed("withdrawn", "accord.Conflict.Withdrawn")),
    ("working_through", "acknowledge", Refused(ConflictAlreadyAcknowledged, "working_through")),
    ("working_through", "add_note", Allowed("working_through", "accord.Conflict.NoteAdded")),
    ("working_through", "resolve", Allowed("resolved", "accord.Conflict.Resolved")),
    ("working_through", "escalate", Allowed("escalated", "accord.Conflict.Escalated")),
    ("working_through", "withdraw", Allowed("withdrawn", "accord.Conflict.Withdrawn")),
    ("resolved", "acknowledge", Refused(ConflictNotOpen, "resolved")),
    ("resolved", "add_note", Refused(ConflictNotOpen, "resolved")),
    ("resolved", "resolve", Refused(ConflictNotOpen, "resolved")),
    ("resolved", "escalate", Refused(ConflictNotOpen, "resolved")),
    ("resolved", "withdraw", Refused(ConflictNotOpen, "resolved")),
    ("escalated", "acknowledge", Refused(ConflictNotOpen, "escalated")),
    ("escalated", "add_note", Refused(ConflictNotOpen, "escalated")),
    ("escalated", "resolve", Refused(ConflictNotOpen, "escalated")),
    ("escalated", "escalate", Refused(ConflictNotOpen, "escalated")),
    ("escalated", "withdraw", Refused(ConflictNotOpen, "escalated")),
    ("withdrawn", "acknowledge", Refused(ConflictNotOpen, "withdrawn")),
    ("withdrawn", "add_note", Refused(ConflictNotOpen, "withdrawn")),
    ("withdrawn", "resolve", Refused(ConflictNotOpen, "withdrawn")),
    ("withdrawn", "escalate", Refused(ConflictNotOpen, "withdrawn")),
    ("withdrawn", "withdraw", Refused(ConflictNotOpen, "withdrawn")),
]


def test_the_lifecycle_table_covers_every_action_from_every_state() -> None:
    assert_table_is_complete(LIFECYCLE, STATES, ACTIONS)


@pytest.mark.parametrize(("state", "action", "outcome"), lifecycle_table(LIFECYCLE))
def test_conflict_lifecycle(state: str, action: str, outcome: Allowed | Refused) -> None:
    group, board = open_group(), open_group(name="System board")
    conflict = conflict_in(state, group, board)
    check_transition(conflict, state, lambda: ACTIONS[action](conflict, group, board), outcome)


def test_conflict_lifecycle_errors_are_lifecycle_errors() -> None:
    assert issubclass(ConflictNotOpen, LifecycleError)
    assert issubclass(ConflictNotAcknowledged, LifecycleError)


# Raising.


def test_raising_records_who_raised_it_the_parties_and_what_it_is_about() -> None:
    group = open_group()
    conflict = Conflict.raise_conflict(
        group,
        "p2",
        [{"kind": "person", "id": "p3"}, {"kind": "organisation", "id": "org-trust"}],
        "  Who funds the night service  ",
        description="  Both say the other should  ",
    )
    assert conflict.status == "raised"
    assert conflict.group_id == str(group.id)
    assert conflict.raised_by == "p2"
    assert conflict.parties == [
        {"kind": "person", "id": "p3"},
        {"kind": "organisation", "id": "org-trust"},
    ]
    assert conflict.about == "Who funds the night service"
    assert conflict.description == "Both say the other should"
    assert conflict.notes == []
    assert topics(conflict) == ["accord.Conflict.Raised"]


def test_the_same_party_named_twice_is_recorded_once() -> None:
    conflict = Conflict.raise_conflict(
        open_group(), "p2", [PARTIES[0], PARTIES[1], dict(PARTIES[0])], "Funding"
    )
    assert conflict.parties == PARTIES


def test_whoever_raises_a_conflict_must_be_a_member() -> None:
    with pytest.raises(NotAMember) as caught:
        raise_conflict(open_group(), raised_by="p9")
    assert caught.value.field == "raised_by"


def test_a_conflict_needs_at_least_one_party() -> None:
    with pytest.raises(ConflictInvalid) as caught:
        Conflict.raise_conflict(open_group(), "p2", [], "Funding")
    assert caught.value.field == "parties"


@pytest.mark.parametrize("kind", ["team", "", "Person", None])
def test_an_unknown_party_kind_names_the_party(kind: Any) -> None:
    parties = [PARTIES[0], {"kind": kind, "id": "x"}]
    with pytest.raises(InvalidInput) as caught:
        Conflict.raise_conflict(open_group(), "p2", parties, "Funding")
    assert caught.value.field == "parties[1].kind"
    assert "person, group, organisation" in str(caught.value)


def test_a_party_without_a_kind_names_the_party() -> None:
    with pytest.raises(InvalidInput) as caught:
        Conflict.raise_conflict(open_group(), "p2", [{"id": "x"}], "Funding")
    assert caught.value.field == "parties[0].kind"


@pytest.mark.parametrize("about", ["", "   "])
def test_a_conflict_must_say_what_it_is_about(about: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Conflict.raise_conflict(open_group(), "p2", PARTIES, about)
    assert caught.value.field == "about"


def test_what_a_conflict_is_about_is_at_most_500_characters() -> None:
    group = open_group()
    assert Conflict.raise_conflict(group, "p2", PARTIES, "a" * 500).about == "a" * 500
    with pytest.raises(InvalidInput) as caught:
        Conflict.raise_conflict(group, "p2", PARTIES, "a" * 501)
    assert caught.value.field == "about"


# Working it through.


def test_acknowledging_moves_the_conflict_to_acknowledged() -> None:
    group = open_group()
    conflict = raise_conflict(group)
    conflict.collect_events()
    conflict.acknowledge(group, "  We will meet on Friday  ")
    assert conflict.status == "acknowledged"
    acknowledged = only_event(conflict)
    assert acknowledged.note == "We will meet on Friday"


def test_notes_accumulate_in_order() -> None:
    group = open_group()
    conflict = raise_conflict(group)
    conflict.acknowledge(group)
    conflict.add_note(group, "n1", "  Met the trust  ")
    conflict.add_note(group, "n2", "Met the council")
    assert conflict.status == "working_through"
    assert conflict.notes == [
        {"note_id": "n1", "text": "Met the trust"},
        {"note_id": "n2", "text": "Met the council"},
    ]


def test_a_blank_note_is_refused() -> None:
    group = open_group()
    conflict = conflict_in("acknowledged", group, open_group())
    with pytest.raises(InvalidInput) as caught:
        conflict.add_note(group, "n1", " ")
    assert caught.value.field == "text"
    assert conflict.status == "acknowledged"


# Resolving.


def test_resolving_records_the_outcome_and_when() -> None:
    group = open_group()
    conflict = conflict_in("working_through", group, open_group())
    conflict.resolve(group, "  Costs split evenly  ", effective_at=AWARE)
    assert conflict.status == "resolved"
    assert conflict.outcome == "Costs split evenly"
    assert conflict.resolved_by_decision_id is None
    resolved = only_event(conflict)
    assert resolved.effective_at == AWARE


def test_resolving_by_an_agreed_decision_records_the_decision() -> None:
    group = open_group()
    conflict = conflict_in("acknowledged", group, open_group())
    decision = agreed_decision(group)
    conflict.resolve(group, "Costs split evenly", decision=decision)
    assert conflict.resolved_by_decision_id == str(decision.id)


@pytest.mark.parametrize("decision_state", ["proposed", "rejected", "revoked"])
def test_a_conflict_is_resolved_only_by_an_agreed_decision(decision_state: str) -> None:
    group = open_group()
    conflict = conflict_in("acknowledged", group, open_group())
    decision = Decision.propose(group, "Share the cost", "Split the cost", effective_at=BEGAN)
    if decision_state == "rejected":
        decision.reject(group)
    elif decision_state == "revoked":
        decision.agree(group, "consent", ["p1"], [])
        decision.revoke(group, "Ended")
    with pytest.raises(ConflictInvalid) as caught:
        conflict.resolve(group, "Costs split evenly", decision=decision)
    assert caught.value.field == "decision_id"
    assert decision_state in str(caught.value)
    assert conflict.status == "acknowledged"


def test_resolving_needs_an_outcome() -> None:
    group = open_group()
    conflict = conflict_in("acknowledged", group, open_group())
    with pytest.raises(InvalidInput) as caught:
        conflict.resolve(group, "")
    assert caught.value.field == "outcome"


def test_resolving_with_a_naive_effective_time_is_refused() -> None:
    group = open_group()
    conflict = conflict_in("acknowledged", group, open_group())
    with pytest.raises(InvalidInput) as caught:
        conflict.resolve(group, "Done", effective_at=NAIVE)
    assert caught.value.field == "effective_at"
    assert conflict.status == "acknowledged"


# Escalating and withdrawing.


def test_escalating_records_the_group_it_went_to_and_why() -> None:
    group, board = open_group(), open_group(name="System board")
    conflict = raise_conflict(group)
    conflict.escalate(group, board, "  Needs the board  ")
    assert conflict.status == "escalated"
    assert conflict.escalated_to_group_id == str(board.id)
    assert conflict.closed_reason == "Needs the board"


def test_a_conflict_cannot_be_escalated_to_its_own_group() -> None:
    group = open_group()
    conflict = raise_conflict(group)
    with pytest.raises(ConflictInvalid) as caught:
        conflict.escalate(group, group, "Round in circles")
    assert caught.value.field == "to_group_id"
    assert conflict.status == "raised"


def test_a_conflict_cannot_be_escalated_to_a_closed_group() -> None:
    group, board = open_group(), open_group(name="System board")
    board.close()
    conflict = raise_conflict(group)
    with pytest.raises(GroupClosed) as caught:
        conflict.escalate(group, board, "Needs the board")
    assert caught.value.current_state == "closed"
    assert conflict.status == "raised"


def test_escalating_needs_a_reason() -> None:
    group, board = open_group(), open_group(name="System board")
    conflict = raise_conflict(group)
    with pytest.raises(InvalidInput) as caught:
        conflict.escalate(group, board, " ")
    assert caught.value.field == "reason"


def test_withdrawing_records_an_optional_reason() -> None:
    group = open_group()
    with_reason, without_reason = raise_conflict(group), raise_conflict(group)
    with_reason.withdraw(group, " Sorted informally ")
    without_reason.withdraw(group)
    assert (with_reason.status, with_reason.closed_reason) == ("withdrawn", "Sorted informally")
    assert (without_reason.status, without_reason.closed_reason) == ("withdrawn", None)


# Closed group.


def test_no_conflict_is_raised_in_a_closed_group() -> None:
    group = open_group()
    group.close()
    with pytest.raises(GroupClosed) as caught:
        raise_conflict(group)
    assert caught.value.current_state == "closed"


@pytest.mark.parametrize("action", list(ACTIONS))
def test_nothing_is_recorded_on_a_conflict_in_a_closed_group(action: str) -> None:
    group, board = open_group(), open_group(name="System board")
    conflict = conflict_in("raised" if action == "acknowledge" else "acknowledged", group, board)
    status = conflict.status
    group.close()
    with pytest.raises(GroupClosed) as caught:
        ACTIONS[action](conflict, group, board)
    assert caught.value.current_state == "closed"
    assert conflict.status == status
    assert conflict.collect_events() == []


# Actor.


def test_every_conflict_event_records_the_current_actor() -> None:
    group, board = open_group(), open_group(name="System board")
    with acting_as("p2"):
        conflict = raise_conflict(group)
    with acting_as("p1"):
        conflict.acknowledge(group)
        conflict.add_note(group, "n1", "Met")
    with acting_as("p3"):
        conflict.escalate(group, board, "Board")
    assert [e.actor for e in pending_events(conflict)] == ["p2", "p1", "p1", "p3"]
    assert conflict.last_actor == "p3"


# Replay.


def test_replaying_a_resolved_conflict_rebuilds_it() -> None:
    group = open_group()
    decision = agreed_decision(group)
    with acting_as("p2"):
        conflict = Conflict.raise_conflict(
            group, "p2", PARTIES, "Funding", description="Both", effective_at=AWARE
        )
        conflict.acknowledge(group, "Seen")
        conflict.add_note(group, "n1", "Met the trust")
        conflict.add_note(group, "n2", "Met the council")
    with acting_as("p1"):
        conflict.resolve(group, "Split evenly", decision=decision, effective_at=LATER)
    rebuilt = assert_replay_rebuilds(conflict, min_events=5)
    assert rebuilt.status == "resolved"
    assert [n["note_id"] for n in rebuilt.notes] == ["n1", "n2"]
    assert rebuilt.resolved_by_decision_id == str(decision.id)


@pytest.mark.parametrize("state", ["escalated", "withdrawn"])
def test_replaying_an_escalated_or_withdrawn_conflict_rebuilds_it(state: str) -> None:
    group, board = open_group(), open_group(name="System board")
    conflict = raise_conflict(group)
    conflict.acknowledge(group)
    conflict.add_note(group, "n1", "Met")
    if state == "escalated":
        conflict.escalate(group, board, "Board")
    else:
        conflict.withdraw(group, "Sorted")
    assert assert_replay_rebuilds(conflict, min_events=4).status == state
