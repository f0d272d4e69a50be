"""Every record acts only with its own group, and people must still be members when they act."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.accountability import Accountability
from domain.base import InvalidInput
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import GroupClosed, NotAMember
from domain.principle import Principle
from tests.domain.conftest import open_group


def records(group: Any) -> dict[str, tuple[Any, Callable[[Any, Any], None]]]:
    decision = Decision.propose(group, "Pool budgets", "We pool budgets")
    agreed = Decision.propose(group, "Open hub", "The hub opens")
    agreed.agree(group, "consent", ["p1"], [])
    conflict = Conflict.raise_conflict(group, "p2", [{"kind": "person", "id": "p3"}], "Triage")
    principle = Principle.propose(group, "Work is placed where it belongs")
    accountability = Accountability.define(group, "Pathway", {"kind": "person", "id": "p1"})
    return {
        "agree a decision": (decision, lambda r, g: r.agree(g, "consent", ["p1"], [])),
        "reject a decision": (decision, lambda r, g: r.reject(g, "No")),
        "revoke a decision": (agreed, lambda r, g: r.revoke(g, "Ended")),
        "acknowledge a conflict": (conflict, lambda r, g: r.acknowledge(g)),
        "withdraw a conflict": (conflict, lambda r, g: r.withdraw(g)),
        "endorse a principle": (principle, lambda r, g: r.respond(g, "p1", "endorse", None)),
        "agree a principle": (principle, lambda r, g: r.agree(g)),
        "offer a handover": (
            accountability,
            lambda r, g: r.offer_handover(g, "h1", {"kind": "person", "id": "p2"}, None),
        ),
        "retire an accountability": (accountability, lambda r, g: r.retire(g)),
    }


ACTION_NAMES = list(records(open_group()))


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_a_record_refuses_to_act_with_another_groups_membership(action: str) -> None:
    own = open_group()
    other = open_group(name="Another group")
    record, act = records(own)[action]
    version = record.version
    with pytest.raises(InvalidInput) as caught:
        act(record, other)
    assert caught.value.field == "group_id"
    assert record.version == version


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_nothing_is_recorded_once_the_records_group_is_closed(action: str) -> None:
    group = open_group()
    record, act = records(group)[action]
    group.close("Done")
    version = record.version
    with pytest.raises(GroupClosed):
        act(record, group)
    assert record.version == version


def test_a_person_who_left_after_the_offer_cannot_accept_the_handover() -> None:
    group = open_group()
    accountability = Accountability.define(group, "Pathway", {"kind": "person", "id": "p1"})
    accountability.offer_handover(group, "h1", {"kind": "person", "id": "p2"}, "yours")
    group.leave("p2")
    with pytest.raises(NotAMember) as caught:
        accountability.accept_handover(group, "h1", on_recipient_side=True)
    assert caught.value.field == "effective_at"
    assert accountability.holder == {"kind": "person", "id": "p1"}
    assert accountability.open_handover_id == "h1"
