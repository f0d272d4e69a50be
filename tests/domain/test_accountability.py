"""Accountability: held by a person, group or organisation, handed over between holders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.accountability import (
    Accountability,
    AccountabilityInvalid,
    AccountabilityRetired,
    HandoverAlreadyOpen,
    HandoverNotFound,
    HandoverNotOpen,
    NothingToReturn,
    NotOnRecipientSide,
)
from domain.base import AccordError, InvalidInput, LifecycleError, NotAllowed, NotFound
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

P1 = {"kind": "person", "id": "p1"}
P2 = {"kind": "person", "id": "p2"}
P3 = {"kind": "person", "id": "p3"}
ORG = {"kind": "organisation", "id": "org-trust"}


def define(group: Group, holder: dict[str, str] = P1, **given: Any) -> Accountability:
    return Accountability.define(group, "Chair the weekly huddle", holder, **given)


def handed_over(group: Group) -> Accountability:
    """Held first by p1, then by p2 through accepted handover h0."""
    accountability = define(group, effective_at=BEGAN)
    accountability.offer_handover(group, "h0", P2, "Rotating the chair", BEGAN)
    accountability.accept_handover(group, "h0", on_recipient_side=True, effective_at=BEGAN)
    return accountability


# Lifecycle. States are named by status and handover:
#   active          - one holder, no handover ever offered
#   handover_open   - p1 then p2 held it; h1 (p2 -> p3) is offered and open
#   handover_closed - p1 then p2 held it; h1 (p2 -> p3) was offered and withdrawn
#   retired
# Accept, decline and withdraw act on handover h1; offer offers h2 to an organisation.

STATES = ["active", "handover_open", "handover_closed", "retired"]


def state_of(accountability: Accountability) -> str:
    if accountability.status != "active":
        return accountability.status
    if accountability.open_handover_id is not None:
        return "handover_open"
    return "handover_closed" if accountability.handovers else "active"


def accountability_in(state: str, group: Group) -> Accountability:
    if state in ("handover_open", "handover_closed"):
        accountability = handed_over(group)
        accountability.offer_handover(group, "h1", P3, "p2 is away")
        if state == "handover_closed":
            accountability.withdraw_handover(group, "h1", "p2 is back")
    else:
        accountability = define(group)
        if state == "retired":
            accountability.retire(group, "The huddle stopped")
    accountability.collect_events()
    return accountability


ACTIONS: dict[str, Callable[[Accountability, Group], Any]] = {
    "offer": lambda a, g: a.offer_handover(g, "h2", ORG, "The trust takes it on"),
    "accept": lambda a, g: a.accept_handover(g, "h1", on_recipient_side=True),
    "decline": lambda a, g: a.decline_handover(g, "h1", True, "Too busy"),
    "withdraw": lambda a, g: a.withdraw_handover(g, "h1", "Changed our mind"),
    "return": lambda a, g: a.return_to_previous(g, "Back to the previous chair"),
    "retire": lambda a, g: a.retire(g, "No longer needed"),
}

HANDOVER = "accord.Accountability.Handover"
LIFECYCLE: list[tuple[str, str, Outcome]] = [
    ("active", "offer", Allowed("handover_open", f"{HANDOVER}Offered")),
    ("active", "accept", Refused(HandoverNotFound)),
    ("active", "decline", Refused(HandoverNotFound)),
    ("active", "withdraw", Refused(HandoverNotFound)),
    ("active", "return", Refused(NothingToReturn, "active")),
    ("active", "retire", Allowed("retired", "accord.Accountability.Retired")),
    ("handover_open", "offer", Refused(HandoverAlreadyOpen, "handover_offered")),
    ("handover_open", "accept", Allowed("handover_closed", f"{HANDOVER}Accepted")),
    ("handover_open", "decline", Allowed("handover_closed", f"{HANDOVER}Declined")),
    ("handover_open", "withdraw", Allowed("handover_closed", f"{HANDOVER}Withdrawn")),
    ("handover_open", "return", Refused(HandoverAlreadyOpen, "handover_offered")),
    ("handover_open", "retire", Refused(HandoverAlreadyOpen, "handover_offered")),
    ("handover_closed", "offer", Allowed("handover_open", f"{HANDOVER}Offered")),
    ("handover_closed", "accept", Refused(HandoverNotOpen, "withdrawn")),
    ("handover_closed", "decline", Refused(HandoverNotOpen, "withdrawn")),
    ("handover_closed", "withdraw", Refused(HandoverNotOpen, "withdrawn")),
    ("handover_closed", "return", Allowed("handover_closed", "accord.Accountability.Returned")),
    ("handover_closed", "retire", Allowed("retired", "accord.Accountability.Retired")),
    ("retired", "offer", Refused(AccountabilityRetired, "retired")),
    ("retired", "accept", Refused(AccountabilityRetired, "retired")),
    ("retired", "decline", Refused(AccountabilityRetired, "retired")),
    ("retired", "withdraw", Refused(AccountabilityRetired, "retired")),
    ("retired", "return", Refused(AccountabilityRetired, "retired")),
    ("retired", "retire", Refused(AccountabilityRetired, "retired")),
]


def test_the_lifecycle_table_covers_every_action_from_every_state() -> None:
    assert_table_is_complete(LIFECYCLE, STATES, ACTIONS)


@pytest.mark.parametrize(("state", "action", "outcome"), lifecycle_table(LIFECYCLE))
def test_accountability_lifecycle(state: str, action: str, outcome: Allowed | Refused) -> None:
    group = open_group()
    accountability = accountability_in(state, group)
    check_transition(
        accountability,
        state,
        lambda: ACTIONS[action](accountability, group),
        outcome,
        state_of=state_of,
    )


def test_accountability_errors_have_the_expected_families() -> None:
    for lifecycle in (AccountabilityRetired, HandoverAlreadyOpen, HandoverNotOpen, NothingToReturn):
        assert issubclass(lifecycle, LifecycleError)
    assert issubclass(HandoverNotFound, NotFound)
    assert issubclass(NotOnRecipientSide, NotAllowed)
    assert issubclass(AccountabilityInvalid, InvalidInput)


# Defining.


def test_defining_records_the_first_holder_from_when_it_takes_effect() -> None:
    group = open_group()
    accountability = Accountability.define(
        group, "  Chair the weekly huddle  ", P2, scope="  Mondays  ", effective_at=AWARE
    )
    assert accountability.status == "active"
    assert accountability.group_id == str(group.id)
    assert accountability.title == "Chair the weekly huddle"
    assert accountability.scope == "Mondays"
    assert accountability.holder == P2
    assert accountability.holders == [{"holder": P2, "from": AWARE}]
    assert accountability.previous_holder is None
    assert accountability.handovers == {}
    assert accountability.open_handover_id is None
    assert topics(accountability) == ["accord.Accountability.Defined"]


def test_a_person_first_holder_must_be_a_member() -> None:
    with pytest.raises(NotAMember) as caught:
        define(open_group(), {"kind": "person", "id": "p9"})
    assert caught.value.field == "holder.id"


@pytest.mark.parametrize(
    "holder", [ORG, {"kind": "group", "id": "g-board"}], ids=["organisation", "group"]
)
def test_a_group_or_organisation_can_hold_an_accountability(holder: dict[str, str]) -> None:
    assert define(open_group(), holder).holder == holder


@pytest.mark.parametrize("kind", ["team", "", "PERSON"])
def test_an_unknown_holder_kind_names_the_holder_kind(kind: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        define(open_group(), {"kind": kind, "id": "p1"})
    assert caught.value.field == "holder.kind"


def test_an_accountability_needs_a_title() -> None:
    with pytest.raises(InvalidInput) as caught:
        Accountability.define(open_group(), " ", P1)
    assert caught.value.field == "title"


def test_defining_with_a_naive_effective_time_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        define(open_group(), effective_at=NAIVE)
    assert caught.value.field == "effective_at"


# Offering a handover.


def test_offering_a_handover_records_it_as_open() -> None:
    group = open_group()
    accountability = define(group)
    accountability.collect_events()
    accountability.offer_handover(group, "h1", P2, "  p1 is leaving  ")
    assert accountability.open_handover_id == "h1"
    assert accountability.handovers["h1"] == {
        "handover_id": "h1",
        "from": P1,
        "to": P2,
        "reason": "p1 is leaving",
        "status": "offered",
        "offered_at": accountability.handovers["h1"]["offered_at"],
    }
    assert accountability.holder == P1
    offered = only_event(accountability)
    assert accountability.handovers["h1"]["offered_at"] == offered.effective_at
    assert (offered.from_holder, offered.to) == (P1, P2)


def test_a_person_recipient_must_be_a_member() -> None:
    group = open_group()
    accountability = define(group)
    with pytest.raises(NotAMember) as caught:
        accountability.offer_handover(group, "h1", {"kind": "person", "id": "p9"}, None)
    assert caught.value.field == "to.id"
    assert accountability.open_handover_id is None


def test_a_handover_to_the_current_holder_is_refused() -> None:
    group = open_group()
    accountability = define(group)
    with pytest.raises(AccountabilityInvalid) as caught:
        accountability.offer_handover(group, "h1", dict(P1), None)
    assert caught.value.field == "to"


def test_an_unknown_recipient_kind_names_the_recipient_kind() -> None:
    group = open_group()
    accountability = define(group)
    with pytest.raises(InvalidInput) as caught:
        accountability.offer_handover(group, "h1", {"kind": "team", "id": "x"}, None)
    assert caught.value.field == "to.kind"


def test_at_most_one_handover_is_open_at_a_time() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    with pytest.raises(HandoverAlreadyOpen) as caught:
        accountability.offer_handover(group, "h2", P3, None)
    assert caught.value.current_state == "handover_offered"
    assert accountability.open_handover_id == "h1"
    assert "h2" not in accountability.handovers


def test_after_a_declined_handover_another_can_be_offered() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    accountability.decline_handover(group, "h1", True, "Too busy")
    accountability.offer_handover(group, "h2", P3, None)
    assert accountability.open_handover_id == "h2"
    assert accountability.handovers["h1"]["status"] == "declined"


def test_a_handover_id_already_used_cannot_be_offered_again() -> None:
    group = open_group()
    accountability = handed_over(group)
    with pytest.raises(AccordError):
        accountability.offer_handover(group, "h0", P3, None)
    assert accountability.handovers["h0"]["status"] == "accepted"


# Accepting and declining: only the recipient side.


def test_an_accepted_handover_changes_the_holder() -> None:
    group = open_group()
    accountability = define(group, effective_at=AWARE)
    accountability.offer_handover(group, "h1", P2, None, AWARE)
    accountability.accept_handover(group, "h1", on_recipient_side=True, effective_at=LATER)
    assert accountability.holder == P2
    assert accountability.previous_holder == P1
    assert accountability.holders == [{"holder": P1, "from": AWARE}, {"holder": P2, "from": LATER}]
    assert accountability.handovers["h1"]["status"] == "accepted"
    assert accountability.open_handover_id is None


def test_a_handover_to_an_organisation_changes_the_holder_to_the_organisation() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", ORG, None)
    accountability.accept_handover(group, "h1", True)
    assert accountability.holder == ORG


@pytest.mark.parametrize(
    "act",
    [
        lambda a, g: a.accept_handover(g, "h1", on_recipient_side=False),
        lambda a, g: a.decline_handover(g, "h1", False, "Not mine to decline"),
    ],
    ids=["accept", "decline"],
)
def test_only_the_recipient_side_can_accept_or_decline(act: Callable[..., Any]) -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    accountability.collect_events()
    with pytest.raises(NotOnRecipientSide):
        act(accountability, group)
    assert accountability.holder == P1
    assert accountability.handovers["h1"]["status"] == "offered"
    assert accountability.open_handover_id == "h1"
    assert accountability.collect_events() == []


def test_a_declined_handover_keeps_the_holder_and_records_why() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    accountability.decline_handover(group, "h1", True, "  Too busy  ")
    assert accountability.holder == P1
    assert accountability.holders == [accountability.holders[0]]
    assert accountability.handovers["h1"]["status"] == "declined"
    assert accountability.handovers["h1"]["outcome_reason"] == "Too busy"
    assert accountability.open_handover_id is None


def test_a_withdrawn_handover_keeps_the_holder_and_records_why() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    accountability.withdraw_handover(group, "h1", None)
    assert accountability.holder == P1
    assert accountability.handovers["h1"]["status"] == "withdrawn"
    assert accountability.handovers["h1"]["outcome_reason"] is None
    assert accountability.open_handover_id is None


@pytest.mark.parametrize("closed_as", ["accepted", "declined"])
@pytest.mark.parametrize(
    "act",
    [
        lambda a, g: a.accept_handover(g, "h1", True),
        lambda a, g: a.decline_handover(g, "h1", True, None),
        lambda a, g: a.withdraw_handover(g, "h1", None),
    ],
    ids=["accept", "decline", "withdraw"],
)
def test_a_handover_that_is_no_longer_open_cannot_be_acted_on(
    closed_as: str, act: Callable[..., Any]
) -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    if closed_as == "accepted":
        accountability.accept_handover(group, "h1", True)
    else:
        accountability.decline_handover(group, "h1", True, None)
    with pytest.raises(HandoverNotOpen) as caught:
        act(accountability, group)
    assert caught.value.current_state == closed_as


def test_an_unknown_handover_is_not_found_even_while_another_is_open() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    with pytest.raises(HandoverNotFound) as caught:
        accountability.accept_handover(group, "h-unknown", True)
    assert "h-unknown" in str(caught.value)
    assert accountability.open_handover_id == "h1"


# Returning.


def test_returning_gives_the_accountability_back_to_the_previous_holder() -> None:
    group = open_group()
    accountability = handed_over(group)
    accountability.collect_events()
    accountability.return_to_previous(group, "  p2 fell ill  ", effective_at=LATER)
    assert accountability.holder == P1
    assert [h["holder"] for h in accountability.holders] == [P1, P2, P1]
    assert accountability.holders[-1]["from"] == LATER
    returned = only_event(accountability)
    assert (returned.to, returned.reason) == (P1, "p2 fell ill")


def test_returning_goes_to_the_holder_just_before_the_current_one() -> None:
    group = open_group()
    accountability = handed_over(group)
    accountability.offer_handover(group, "h1", P3, None)
    accountability.accept_handover(group, "h1", True)
    accountability.return_to_previous(group)
    assert accountability.holder == P2


def test_there_is_nothing_to_return_with_only_one_holder() -> None:
    group = open_group()
    accountability = define(group)
    accountability.collect_events()
    with pytest.raises(NothingToReturn) as caught:
        accountability.return_to_previous(group)
    assert caught.value.current_state == "active"
    assert accountability.collect_events() == []


def test_with_one_holder_and_an_open_handover_there_is_still_nothing_to_return() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    with pytest.raises(NothingToReturn):
        accountability.return_to_previous(group)


# Retiring.


def test_retiring_stops_every_change() -> None:
    group = open_group()
    accountability = define(group, effective_at=AWARE)
    accountability.collect_events()
    accountability.retire(group, "The huddle stopped", effective_at=AWARE)
    assert accountability.status == "retired"
    retired = only_event(accountability)
    assert (retired.reason, retired.effective_at) == ("The huddle stopped", AWARE)


NAIVE_CASES = {
    "accept": ("handover_open", lambda a, g: a.accept_handover(g, "h1", True, effective_at=NAIVE)),
    "return": ("handover_closed", lambda a, g: a.return_to_previous(g, effective_at=NAIVE)),
    "retire": ("active", lambda a, g: a.retire(g, effective_at=NAIVE)),
}


@pytest.mark.parametrize("command", NAIVE_CASES)
def test_a_naive_effective_time_is_refused(command: str) -> None:
    state, act = NAIVE_CASES[command]
    group = open_group()
    accountability = accountability_in(state, group)
    with pytest.raises(InvalidInput) as caught:
        act(accountability, group)
    assert caught.value.field == "effective_at"
    assert state_of(accountability) == state
    assert accountability.collect_events() == []


# Closed group.


def test_no_accountability_is_defined_in_a_closed_group() -> None:
    group = open_group()
    group.close()
    with pytest.raises(GroupClosed) as caught:
        define(group, ORG)
    assert caught.value.current_state == "closed"


CLOSED_GROUP_CASES = [
    ("active", "offer"),
    ("handover_open", "accept"),
    ("handover_open", "decline"),
    ("handover_open", "withdraw"),
    ("handover_closed", "return"),
    ("active", "retire"),
]


@pytest.mark.parametrize(("state", "action"), CLOSED_GROUP_CASES)
def test_nothing_is_recorded_on_an_accountability_in_a_closed_group(
    state: str, action: str
) -> None:
    assert {a for _, a in CLOSED_GROUP_CASES} == set(ACTIONS)
    group = open_group()
    accountability = accountability_in(state, group)
    holder = accountability.holder
    group.close()
    with pytest.raises(GroupClosed) as caught:
        ACTIONS[action](accountability, group)
    assert caught.value.current_state == "closed"
    assert state_of(accountability) == state
    assert accountability.holder == holder
    assert accountability.collect_events() == []


# Actor.


def test_every_accountability_event_records_the_current_actor() -> None:
    group = open_group()
    with acting_as("p1"):
        accountability = define(group)
        accountability.offer_handover(group, "h1", P2, None)
    with acting_as("p2"):
        accountability.accept_handover(group, "h1", True)
    with acting_as("p3"):
        accountability.return_to_previous(group)
    assert [e.actor for e in pending_events(accountability)] == ["p1", "p1", "p2", "p3"]
    assert accountability.last_actor == "p3"


# Replay.


def test_replaying_a_long_handover_history_rebuilds_the_accountability() -> None:
    group = open_group()
    with acting_as("p1"):
        accountability = define(group, scope="Mondays", effective_at=AWARE)
        accountability.offer_handover(group, "h1", P2, "Rotating", AWARE)
        accountability.accept_handover(group, "h1", True, effective_at=LATER)
    with acting_as("p2"):
        accountability.offer_handover(group, "h2", P3, None)
        accountability.decline_handover(group, "h2", True, "Too busy")
        accountability.offer_handover(group, "h3", ORG, None)
        accountability.withdraw_handover(group, "h3", "Keep it in house")
        accountability.return_to_previous(group, "Back to p1")
    with acting_as("p1"):
        accountability.retire(group, "Huddle stopped")
    rebuilt = assert_replay_rebuilds(accountability, min_events=9)
    assert rebuilt.status == "retired"
    assert rebuilt.holder == P1
    assert {h: v["status"] for h, v in rebuilt.handovers.items()} == {
        "h1": "accepted",
        "h2": "declined",
        "h3": "withdrawn",
    }


def test_a_rebuilt_accountability_still_refuses_a_second_open_handover() -> None:
    group = open_group()
    accountability = define(group)
    accountability.offer_handover(group, "h1", P2, None)
    rebuilt = assert_replay_rebuilds(accountability, min_events=2)
    with pytest.raises(HandoverAlreadyOpen):
        rebuilt.offer_handover(group, "h2", P3, None)
