"""Principle: proposed, endorsed or objected to by members, agreed, amended, retired."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.base import InvalidInput, LifecycleError
from domain.group import Group, GroupClosed, NotAMember
from domain.principle import Principle, PrincipleNotAgreed, PrincipleNotProposed
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

STATEMENT = "Decisions are taken closest to the work"


def propose(group: Group) -> Principle:
    return Principle.propose(
        group, STATEMENT, rationale="Those nearest know most", effective_at=BEGAN
    )


# Lifecycle: every state x every action.

STATES = ["proposed", "agreed", "retired"]


def principle_in(state: str, group: Group) -> Principle:
    principle = propose(group)
    if state in ("agreed", "retired"):
        principle.agree(group, BEGAN)
    if state == "retired":
        principle.retire(group, "Superseded by the new charter")
    principle.collect_events()
    return principle


ACTIONS: dict[str, Callable[[Principle, Group], Any]] = {
    "respond": lambda p, g: p.respond(g, "p2", "endorse", "Yes"),
    "agree": lambda p, g: p.agree(g),
    "amend": lambda p, g: p.amend(g, "Decisions are taken by those doing the work"),
    "retire": lambda p, g: p.retire(g, "No longer needed"),
}

LIFECYCLE: list[tuple[str, str, Outcome]] = [
    ("proposed", "respond", Allowed("proposed", "accord.Principle.Endorsed")),
    ("proposed", "agree", Allowed("agreed", "accord.Principle.Agreed")),
    ("proposed", "amend", Refused(PrincipleNotAgreed, "proposed")),
    ("proposed", "retire", Refused(PrincipleNotAgreed, "proposed")),
    ("agreed", "respond", Refused(PrincipleNotProposed, "agreed")),
    ("agreed", "agree", Refused(PrincipleNotProposed, "agreed")),
    ("agreed", "amend", Allowed("agreed", "accord.Principle.Amended")),
    ("agreed", "retire", Allowed("retired", "accord.Principle.Retired")),
    ("retired", "respond", Refused(PrincipleNotProposed, "retired")),
    ("retired", "agree", Refused(PrincipleNotProposed, "retired")),
    ("retired", "amend", Refused(PrincipleNotAgreed, "retired")),
    ("retired", "retire", Refused(PrincipleNotAgreed, "retired")),
]


def test_the_lifecycle_table_covers_every_action_from_every_state() -> None:
    assert_table_is_complete(LIFECYCLE, STATES, ACTIONS)


@pytest.mark.parametrize(("state", "action", "outcome"), lifecycle_table(LIFECYCLE))
def test_principle_lifecycle(state: str, action: str, outcome: Allowed | Refused) -> None:
    group = open_group()
    principle = principle_in(state, group)
    check_transition(principle, state, lambda: ACTIONS[action](principle, group), outcome)


def test_principle_lifecycle_errors_are_lifecycle_errors() -> None:
    assert issubclass(PrincipleNotProposed, LifecycleError)
    assert issubclass(PrincipleNotAgreed, LifecycleError)


# Proposing.


def test_proposing_records_the_statement_and_rationale() -> None:
    group = open_group()
    principle = Principle.propose(group, f"  {STATEMENT}  ", rationale="  Those nearest know  ")
    assert principle.status == "proposed"
    assert principle.group_id == str(group.id)
    assert principle.statement == STATEMENT
    assert principle.rationale == "Those nearest know"
    assert principle.stances == {}
    assert principle.earlier_wordings == []
    assert principle.agreed_at is None
    assert topics(principle) == ["accord.Principle.Proposed"]


def test_a_principle_needs_a_statement() -> None:
    with pytest.raises(InvalidInput) as caught:
        Principle.propose(open_group(), "   ")
    assert caught.value.field == "statement"


def test_a_blank_rationale_is_recorded_as_absent() -> None:
    assert Principle.propose(open_group(), STATEMENT, rationale=" ").rationale is None


# Responding.


def test_members_endorse_or_object_with_a_reason() -> None:
    group = open_group()
    principle = propose(group)
    principle.collect_events()
    principle.respond(group, "p1", "endorse", "  Fits how we work  ")
    principle.respond(group, "p2", "object", "Too vague")
    principle.respond(group, "p3", "endorse", None)
    assert principle.endorsers == ["p1", "p3"]
    assert principle.objectors == ["p2"]
    assert principle.stances["p1"] == {"stance": "endorse", "reason": "Fits how we work"}
    assert principle.stances["p3"] == {"stance": "endorse", "reason": None}
    assert topics(principle) == [
        "accord.Principle.Endorsed",
        "accord.Principle.ObjectedTo",
        "accord.Principle.Endorsed",
    ]


def test_a_members_latest_response_replaces_the_earlier_one() -> None:
    group = open_group()
    principle = propose(group)
    principle.respond(group, "p2", "endorse", "At first")
    principle.respond(group, "p2", "object", "On reflection")
    assert principle.endorsers == []
    assert principle.objectors == ["p2"]
    assert principle.stances["p2"]["reason"] == "On reflection"


@pytest.mark.parametrize("stance", ["object", "endorse"])
def test_only_members_can_respond(stance: str) -> None:
    group = open_group()
    principle = propose(group)
    principle.collect_events()
    with pytest.raises(NotAMember) as caught:
        principle.respond(group, "p9", stance, None)
    assert caught.value.field == "person_id"
    assert principle.stances == {}
    assert principle.collect_events() == []


@pytest.mark.parametrize("stance", ["abstain", "", "Endorse"])
def test_an_unknown_stance_names_the_stance_field(stance: str) -> None:
    group = open_group()
    principle = propose(group)
    principle.collect_events()
    with pytest.raises(InvalidInput) as caught:
        principle.respond(group, "p2", stance, None)
    assert caught.value.field == "stance"
    assert principle.collect_events() == []


# Agreeing.


def test_agreeing_records_when_it_took_effect() -> None:
    group = open_group()
    principle = propose(group)
    principle.agree(group, effective_at=AWARE)
    assert principle.status == "agreed"
    assert principle.agreed_at == AWARE


# Amending.


def test_amending_keeps_the_old_wording_in_the_history() -> None:
    group = open_group()
    principle = principle_in("agreed", group)
    principle.amend(group, "  Decisions are taken by those doing the work  ", None, AWARE)
    principle.amend(group, "Work is decided where it is done", "Shorter", LATER)
    assert principle.statement == "Work is decided where it is done"
    assert principle.rationale == "Shorter"
    assert principle.earlier_wordings == [
        {"statement": STATEMENT, "rationale": "Those nearest know most", "replaced_at": AWARE},
        {
            "statement": "Decisions are taken by those doing the work",
            "rationale": None,
            "replaced_at": LATER,
        },
    ]
    assert principle.status == "agreed"


@pytest.mark.parametrize("statement", [STATEMENT, f"  {STATEMENT} "])
def test_amending_to_the_same_wording_is_refused(statement: str) -> None:
    group = open_group()
    principle = principle_in("agreed", group)
    with pytest.raises(InvalidInput) as caught:
        principle.amend(group, statement)
    assert caught.value.field == "statement"
    assert principle.earlier_wordings == []


def test_amending_to_a_blank_wording_is_refused() -> None:
    group = open_group()
    principle = principle_in("agreed", group)
    with pytest.raises(InvalidInput) as caught:
        principle.amend(group, " ")
    assert caught.value.field == "statement"
    assert principle.statement == STATEMENT


# Effective times.

EFFECTIVE_COMMANDS: dict[str, tuple[str, Callable[[Principle, Group, Any], Any]]] = {
    "agree": ("proposed", lambda p, g, at: p.agree(g, effective_at=at)),
    "amend": ("agreed", lambda p, g, at: p.amend(g, "New wording", effective_at=at)),
    "retire": ("agreed", lambda p, g, at: p.retire(g, effective_at=at)),
}


@pytest.mark.parametrize("command", EFFECTIVE_COMMANDS)
def test_a_naive_effective_time_is_refused(command: str) -> None:
    state, act = EFFECTIVE_COMMANDS[command]
    group = open_group()
    principle = principle_in(state, group)
    with pytest.raises(InvalidInput) as caught:
        act(principle, group, NAIVE)
    assert caught.value.field == "effective_at"
    assert principle.status == state
    assert principle.collect_events() == []


@pytest.mark.parametrize("command", EFFECTIVE_COMMANDS)
def test_the_given_effective_time_is_recorded(command: str) -> None:
    state, act = EFFECTIVE_COMMANDS[command]
    group = open_group()
    principle = principle_in(state, group)
    act(principle, group, LATER)
    recorded = only_event(principle)
    assert recorded.effective_at == LATER


# Closed group.


def test_no_principle_is_proposed_in_a_closed_group() -> None:
    group = open_group()
    group.close()
    with pytest.raises(GroupClosed) as caught:
        propose(group)
    assert caught.value.current_state == "closed"


@pytest.mark.parametrize("action", list(ACTIONS))
def test_nothing_is_recorded_on_a_principle_in_a_closed_group(action: str) -> None:
    group = open_group()
    principle = principle_in("proposed" if action in ("respond", "agree") else "agreed", group)
    status = principle.status
    group.close()
    with pytest.raises(GroupClosed) as caught:
        ACTIONS[action](principle, group)
    assert caught.value.current_state == "closed"
    assert principle.status == status
    assert principle.collect_events() == []


# Actor.


def test_every_principle_event_records_the_current_actor() -> None:
    group = open_group()
    with acting_as("p1"):
        principle = propose(group)
    with acting_as("p2"):
        principle.respond(group, "p2", "object", "Vague")
    with acting_as("p3"):
        principle.respond(group, "p3", "endorse", None)
        principle.agree(group)
    assert [e.actor for e in pending_events(principle)] == ["p1", "p2", "p3", "p3"]
    assert principle.last_actor == "p3"


# Replay.


def test_replaying_an_amended_then_retired_principle_rebuilds_it() -> None:
    group = open_group()
    with acting_as("p1"):
        principle = propose(group)
        principle.respond(group, "p1", "endorse", "Yes")
        principle.respond(group, "p2", "object", "Vague")
        principle.respond(group, "p2", "endorse", "Fine now")
        principle.agree(group)  # not before the responses recorded just now
        principle.amend(group, "Work is decided where it is done", "Shorter")
        principle.retire(group, "Replaced by the charter")
    rebuilt = assert_replay_rebuilds(principle, min_events=7)
    assert rebuilt.status == "retired"
    assert rebuilt.endorsers == ["p1", "p2"]
    assert rebuilt.earlier_wordings[0]["statement"] == STATEMENT


def test_replaying_a_proposed_principle_with_responses_rebuilds_it() -> None:
    group = open_group()
    principle = propose(group)
    principle.respond(group, "p3", "object", "No")
    assert assert_replay_rebuilds(principle, min_events=2).objectors == ["p3"]
