"""Group: convening, members in roles, the last-convener rule, closing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from domain.base import InvalidInput, LifecycleError, NotFound, current_actor
from domain.group import (
    AlreadyAMember,
    Group,
    GroupClosed,
    LastConvener,
    MemberNotFound,
    NotAMember,
)
from domain.values import Role
from tests.domain.conftest import (
    AWARE,
    LATER,
    NAIVE,
    Allowed,
    Outcome,
    Refused,
    acting_as,
    assert_replay_rebuilds,
    assert_table_is_complete,
    check_transition,
    closed_group,
    lifecycle_table,
    only_event,
    open_group,
    pending_events,
    replay,
    topics,
)

# Lifecycle: open/closed x every command.

STATES = ["open", "closed"]

ACTIONS: dict[str, Callable[[Group], Any]] = {
    "restate_purpose": lambda g: g.restate_purpose("Keep older people well at home"),
    "join": lambda g: g.join("p9", "observer"),
    "change_role": lambda g: g.change_role("p2", "convener"),
    "leave": lambda g: g.leave("p3"),
    "close": lambda g: g.close("Merged into the system board"),
}

LIFECYCLE: list[tuple[str, str, Outcome]] = [
    ("open", "restate_purpose", Allowed("open", "accord.Group.PurposeRestated")),
    ("open", "join", Allowed("open", "accord.Group.MemberJoined")),
    ("open", "change_role", Allowed("open", "accord.Group.MemberRoleChanged")),
    ("open", "leave", Allowed("open", "accord.Group.MemberLeft")),
    ("open", "close", Allowed("closed", "accord.Group.Closed")),
    ("closed", "restate_purpose", Refused(GroupClosed, "closed")),
    ("closed", "join", Refused(GroupClosed, "closed")),
    ("closed", "change_role", Refused(GroupClosed, "closed")),
    ("closed", "leave", Refused(GroupClosed, "closed")),
    ("closed", "close", Refused(GroupClosed, "closed")),
]


def group_in(state: str) -> Group:
    group = closed_group() if state == "closed" else open_group()
    group.collect_events()
    return group


def test_the_lifecycle_table_covers_every_command_from_every_state() -> None:
    assert_table_is_complete(LIFECYCLE, STATES, ACTIONS)


@pytest.mark.parametrize(("state", "action", "outcome"), lifecycle_table(LIFECYCLE))
def test_group_lifecycle(state: str, action: str, outcome: Allowed | Refused) -> None:
    group = group_in(state)
    check_transition(group, state, lambda: ACTIONS[action](group), outcome)


def test_group_closed_is_a_lifecycle_error_naming_the_state() -> None:
    group = closed_group()
    with pytest.raises(LifecycleError) as caught:
        group.require_open()
    assert isinstance(caught.value, GroupClosed)
    assert caught.value.current_state == "closed"


# Convening.


def test_convening_makes_the_convener_the_only_member_with_the_convener_role() -> None:
    group = Group.convene("  Design team  ", " design ", " Design the new pathway ", None, "p1")
    assert group.name == "Design team"
    assert group.kind == "design"
    assert group.purpose == "Design the new pathway"
    assert group.status == "open"
    assert group.members == {"p1": "convener"}
    assert group.parent_group_id is None
    assert topics(group) == ["accord.Group.Convened"]


def test_convening_under_a_parent_records_the_parent_id() -> None:
    parent = open_group(name="System board")
    child = Group.convene("Design team", "design", "Design the pathway", parent, "p2")
    assert child.parent_group_id == str(parent.id)
    [convened] = child.collect_events()
    assert isinstance(convened, Group.Convened)
    assert convened.parent_group_id == str(parent.id)
    assert convened.convener_id == "p2"


def test_convening_under_a_closed_parent_is_refused() -> None:
    parent = closed_group()
    with pytest.raises(GroupClosed) as caught:
        Group.convene("Design team", "design", "Design the pathway", parent, "p2")
    assert caught.value.current_state == "closed"


@pytest.mark.parametrize("field", ["name", "kind", "purpose"])
@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_convening_with_blank_text_names_the_field(field: str, blank: str) -> None:
    given = {"name": "Design team", "kind": "design", "purpose": "Design the pathway"}
    given[field] = blank
    with pytest.raises(InvalidInput) as caught:
        Group.convene(given["name"], given["kind"], given["purpose"], None, "p1")
    assert caught.value.field == field


def test_a_group_name_longer_than_300_characters_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Group.convene("x" * 301, "design", "Design the pathway", None, "p1")
    assert caught.value.field == "name"
    assert Group.convene("x" * 300, "design", "Design the pathway", None, "p1").name == "x" * 300


# Purpose.


def test_restating_the_purpose_replaces_it_and_records_when_it_took_effect() -> None:
    group = open_group()
    group.collect_events()
    group.restate_purpose("  Keep older people well at home  ", effective_at=AWARE)
    assert group.purpose == "Keep older people well at home"
    restated = only_event(group)
    assert restated.purpose == "Keep older people well at home"
    assert restated.effective_at == AWARE


def test_restating_a_blank_purpose_is_refused() -> None:
    group = open_group()
    with pytest.raises(InvalidInput) as caught:
        group.restate_purpose("  ")
    assert caught.value.field == "purpose"
    assert group.purpose == "Join up care for older people"


# Joining.


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_joining_records_the_member_in_the_role(role: str) -> None:
    group = open_group()
    group.collect_events()
    group.join("p9", role, effective_at=AWARE)
    assert group.members["p9"] == role
    assert group.is_member("p9")
    joined = only_event(group)
    assert (joined.person_id, joined.role, joined.effective_at) == ("p9", role, AWARE)


@pytest.mark.parametrize("role", ["chair", "", "CONVENER", "members"])
def test_joining_in_an_unknown_role_names_the_role_field(role: str) -> None:
    group = open_group()
    group.collect_events()
    with pytest.raises(InvalidInput) as caught:
        group.join("p9", role)
    assert caught.value.field == "role"
    assert "convener, member, observer" in str(caught.value)
    assert not group.is_member("p9")
    assert group.collect_events() == []


def test_joining_twice_is_refused_and_names_the_current_role_and_state() -> None:
    group = open_group()
    group.collect_events()
    with pytest.raises(AlreadyAMember) as caught:
        group.join("p2", "observer")
    assert isinstance(caught.value, LifecycleError)
    assert caught.value.current_state == "open"
    assert "as member" in str(caught.value)
    assert group.members["p2"] == "member"
    assert group.collect_events() == []


# Roles and the last convener.


def test_changing_a_role_records_the_new_role() -> None:
    group = open_group()
    group.collect_events()
    group.change_role("p2", "observer", effective_at=AWARE)
    assert group.members["p2"] == "observer"
    changed = only_event(group)
    assert (changed.person_id, changed.role, changed.effective_at) == ("p2", "observer", AWARE)


def test_changing_the_role_of_someone_who_is_not_a_member_is_refused() -> None:
    group = open_group()
    with pytest.raises(MemberNotFound) as caught:
        group.change_role("p9", "member")
    assert isinstance(caught.value, NotFound)
    assert "p9" in str(caught.value)


def test_changing_a_role_to_the_role_already_held_is_refused() -> None:
    group = open_group()
    group.collect_events()
    with pytest.raises(InvalidInput) as caught:
        group.change_role("p2", "member")
    assert caught.value.field == "role"
    assert group.collect_events() == []


def test_changing_to_an_unknown_role_names_the_role_field() -> None:
    group = open_group()
    with pytest.raises(InvalidInput) as caught:
        group.change_role("p2", "boss")
    assert caught.value.field == "role"


@pytest.mark.parametrize("new_role", ["member", "observer"])
def test_the_only_convener_cannot_step_down(new_role: str) -> None:
    group = open_group()
    group.collect_events()
    with pytest.raises(LastConvener) as caught:
        group.change_role("p1", new_role)
    assert caught.value.current_state == "open"
    assert group.members["p1"] == "convener"
    assert group.collect_events() == []


def test_the_only_convener_cannot_leave() -> None:
    group = open_group()
    with pytest.raises(LastConvener) as caught:
        group.leave("p1")
    assert caught.value.current_state == "open"
    assert group.members["p1"] == "convener"


def test_a_convener_can_step_down_once_another_convener_is_named() -> None:
    group = open_group()
    group.change_role("p2", "convener")
    group.change_role("p1", "member")
    assert group.members == {"p1": "member", "p2": "convener", "p3": "member"}
    with pytest.raises(LastConvener):
        group.leave("p2")


def test_a_convener_can_leave_while_another_convener_remains() -> None:
    group = open_group()
    group.join("p4", "convener")
    group.leave("p1")
    assert not group.is_member("p1")
    assert [p for p, r in group.members.items() if r == "convener"] == ["p4"]


# Leaving.


def test_leaving_removes_the_member() -> None:
    group = open_group()
    group.collect_events()
    group.leave("p3", effective_at=AWARE)
    assert not group.is_member("p3")
    assert group.members == {"p1": "convener", "p2": "member"}
    left = only_event(group)
    assert (left.person_id, left.effective_at) == ("p3", AWARE)


def test_someone_who_is_not_a_member_cannot_leave() -> None:
    group = open_group()
    with pytest.raises(MemberNotFound) as caught:
        group.leave("p9")
    assert "p9" in str(caught.value)


def test_someone_who_left_can_join_again() -> None:
    group = open_group()
    group.leave("p3")
    group.join("p3", "observer")
    assert group.members["p3"] == "observer"


# Closing.


def test_closing_records_the_reason_and_keeps_the_members() -> None:
    group = open_group()
    group.collect_events()
    group.close("  Merged into the system board  ", effective_at=AWARE)
    assert group.status == "closed"
    assert group.members == {"p1": "convener", "p2": "member", "p3": "member"}
    closed = only_event(group)
    assert (closed.reason, closed.effective_at) == ("Merged into the system board", AWARE)


def test_closing_without_a_reason_records_none() -> None:
    group = open_group()
    group.collect_events()
    group.close("   ")
    closed = only_event(group)
    assert closed.reason is None


# Membership checks other aggregates rely on.


def test_require_member_names_the_field_it_was_given() -> None:
    group = open_group()
    group.require_member("p2", "participants[0]")
    with pytest.raises(NotAMember) as caught:
        group.require_member("p9", "participants[1]")
    assert caught.value.field == "participants[1]"
    assert "p9" in str(caught.value)


# Effective times.

EFFECTIVE_COMMANDS: dict[str, Callable[[Group, datetime | None], Any]] = {
    "restate_purpose": lambda g, at: g.restate_purpose("New purpose", effective_at=at),
    "join": lambda g, at: g.join("p9", "member", effective_at=at),
    "change_role": lambda g, at: g.change_role("p2", "observer", effective_at=at),
    "leave": lambda g, at: g.leave("p3", effective_at=at),
    "close": lambda g, at: g.close(None, effective_at=at),
}


@pytest.mark.parametrize("command", EFFECTIVE_COMMANDS)
def test_a_naive_effective_time_is_refused(command: str) -> None:
    group = open_group()
    group.collect_events()
    with pytest.raises(InvalidInput) as caught:
        EFFECTIVE_COMMANDS[command](group, NAIVE)
    assert caught.value.field == "effective_at"
    assert group.collect_events() == []


@pytest.mark.parametrize("command", EFFECTIVE_COMMANDS)
def test_without_an_effective_time_the_command_takes_effect_now(command: str) -> None:
    group = open_group()
    group.collect_events()
    before = datetime.now(AWARE.tzinfo)
    EFFECTIVE_COMMANDS[command](group, None)
    recorded = only_event(group)
    assert recorded.effective_at.tzinfo is not None
    assert before <= recorded.effective_at <= datetime.now(AWARE.tzinfo)


# Actor.


def test_every_group_event_records_the_current_actor() -> None:
    with acting_as("p1"):
        group = Group.convene("Design team", "design", "Design the pathway", None, "p1")
        group.join("p2", "member")
    with acting_as("p2"):
        group.restate_purpose("Design the new pathway")
    assert group.last_actor == "p2"
    assert [e.actor for e in pending_events(group)] == ["p1", "p1", "p2"]


def test_without_an_actor_events_record_none() -> None:
    group = open_group()
    assert group.last_actor is None
    assert {e.actor for e in pending_events(group)} == {None}


def test_resetting_the_actor_stops_it_being_recorded() -> None:
    group = open_group()
    group.collect_events()
    with acting_as("p1"):
        group.join("p4", "member")
    group.join("p5", "member")
    assert [e.actor for e in pending_events(group)] == ["p1", None]


def test_the_actor_is_taken_when_the_event_happens_not_when_it_is_replayed() -> None:
    token = current_actor.set("p1")
    try:
        group = open_group()
    finally:
        current_actor.reset(token)
    assert current_actor.get() is None
    events = pending_events(group)
    with acting_as("someone-else"):
        rebuilt = replay(events)
    assert {e.actor for e in events} == {"p1"}
    assert rebuilt.last_actor == "p1"


# Replay.


def test_replaying_a_groups_events_rebuilds_the_same_group() -> None:
    with acting_as("p1"):
        group = open_group()
        group.restate_purpose("Keep older people well at home", effective_at=AWARE)
        group.join("p4", "observer", effective_at=AWARE)
        group.change_role("p2", "convener", effective_at=LATER)
    with acting_as("p2"):
        group.change_role("p1", "member")
        group.leave("p3")
        group.close("Merged", effective_at=LATER)
    rebuilt = assert_replay_rebuilds(group, min_events=9)
    assert rebuilt.status == "closed"
    assert rebuilt.members == {"p1": "member", "p2": "convener", "p4": "observer"}
    assert rebuilt.last_actor == "p2"


def test_a_group_rebuilt_from_events_keeps_enforcing_its_rules() -> None:
    group = open_group()
    rebuilt = assert_replay_rebuilds(group)
    with pytest.raises(LastConvener):
        rebuilt.leave("p1")
    rebuilt.join("p4", "member")
    assert [type(e).TOPIC for e in rebuilt.collect_events()] == ["accord.Group.MemberJoined"]
