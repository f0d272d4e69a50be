"""Helpers shared by the application tests: a small world of records, and ledger snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from application.core import Written
from application.ledger import Ledger
from tests.conftest import acting_as

KINDS = ("organisation", "person", "group", "decision", "conflict", "principle", "accountability")
LISTED_KINDS = ("organisation", "group", "decision", "conflict", "principle", "accountability")

JAN = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
MAR = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
JUN = datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
# When the world's groups began meeting: before every effective time the tests give.
BEGAN = datetime(2020, 1, 1, tzinfo=UTC)


class Tape:
    """Checks every command's Written: the id, the version, and a strictly rising position."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.positions: list[int] = []
        self.last = ledger.head_position()

    def __call__(
        self, written: Written, *, record_id: str | None = None, version: int | None = None
    ) -> Written:
        assert isinstance(written, Written)
        assert written.position > self.last, (written.position, self.last)
        assert written.position == self.ledger.head_position()
        if record_id is not None:
            assert written.id == record_id
        if version is not None:
            assert written.version == version
        self.last = written.position
        self.positions.append(written.position)
        return written


@dataclass
class World:
    """Two organisations, four people and one open group with a convener and two members."""

    org_a: str
    org_b: str
    convener: str
    alice: str
    bob: str
    outsider: str
    group: str
    other_group: str


def build_world(ledger: Ledger) -> World:
    org_a = ledger.organisations.register_organisation("North Trust", "statutory_health").id
    org_b = ledger.organisations.register_organisation("Riverside Council", "local_authority").id
    convener = ledger.people.register_person("Cora Convener", "cora@example.org", org_a).id
    alice = ledger.people.register_person("Alice Member", "alice@example.org", org_a).id
    bob = ledger.people.register_person("Bob Member", None, org_b).id
    outsider = ledger.people.register_person("Oscar Outsider").id
    with acting_as(convener):
        group = ledger.groups.convene_group(
            "Transformation group", "transformation", "Join up care", effective_at=BEGAN
        ).id
        other_group = ledger.groups.convene_group(
            "Coordinating group", "coordinating", "Coordinate", effective_at=BEGAN
        ).id
    ledger.groups.add_member(group, alice, effective_at=BEGAN)
    ledger.groups.add_member(group, bob, effective_at=BEGAN)
    return World(org_a, org_b, convener, alice, bob, outsider, group, other_group)


def all_notifications(ledger: Ledger) -> list[Any]:
    """Every stored event, oldest first, read section by section from the notification log."""
    found: list[Any] = []
    start = 1
    while True:
        section = list(ledger.notification_log.select(start, 10))
        found.extend(section)
        if len(section) < 10:
            return found
        start = section[-1].id + 1


def all_listed(ledger: Ledger, kind: str, **filters: Any) -> list[dict[str, Any]]:
    """Every index row of a kind, following cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ledger.records.list_records(kind, cursor=cursor, limit=200, **filters)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def index_snapshot(ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    return {kind: all_listed(ledger, kind) for kind in LISTED_KINDS}


def assert_nothing_recorded(ledger: Ledger, attempt: Callable[[], Any], error: type) -> Any:
    """Run a failing command; it must raise `error` and leave the log and the index unchanged."""
    position = ledger.head_position()
    index = index_snapshot(ledger)
    with pytest.raises(error) as caught:
        attempt()
    assert ledger.head_position() == position
    assert index_snapshot(ledger) == index
    return caught.value


def extra(written: Written) -> dict[str, Any]:
    """What a command returned beyond id, version and position (a handover's or a note's id)."""
    assert written.extra is not None
    return written.extra


def getter(ledger: Ledger, kind: str) -> Callable[[str], dict[str, Any]]:
    return getattr(ledger.records, f"get_{kind}")


# A person whose name and email must appear only in their own events.
SECRET_NAME = "Quentin Zabriskie-Marlowe"
SECRET_EMAIL = "q.zabriskie@example.org"


def rich_scenario(ledger: Ledger) -> dict[str, list[str]]:
    """Every kind of record in many states, with one person taking part in all of it.

    Returns the ids of every record, by kind.
    """
    w = build_world(ledger)
    q = ledger.people.register_person(SECRET_NAME, SECRET_EMAIL, w.org_a).id
    ledger.people.change_affiliation(q, w.org_b, effective_at=MAR)
    ledger.groups.add_member(w.group, q, "member", JAN)
    ledger.groups.change_member_role(w.group, q, "convener")
    ledger.groups.add_member(w.other_group, q)
    ledger.organisations.rename_organisation(w.org_b, "Riverside Borough Council")
    ledger.organisations.change_organisation_sector(w.org_b, "commissioner")
    with acting_as(q):
        sub = ledger.groups.convene_group(
            "Hub design", "design", "Design the hub", w.group, effective_at=JAN
        ).id
        ledger.groups.restate_purpose(sub, "Design and open the hub", JUN)
        ledger.groups.add_member(sub, w.alice, "observer")
        principle = ledger.principles.propose_principle(
            w.group, "Nothing about us without us", "Voice", JAN
        ).id
        ledger.principles.respond_to_principle(principle, "endorse", "Agreed")
        ledger.principles.respond_to_principle(principle, "object", "Vague", w.bob)
        ledger.principles.agree_principle(principle, JAN)
        ledger.principles.amend_principle(principle, "Decide with people, not for them", None, MAR)
        retired = ledger.principles.propose_principle(w.group, "Meet weekly").id
        ledger.principles.agree_principle(retired)
        ledger.principles.retire_principle(retired, "Monthly is enough")
        first = ledger.decisions.record_decision(
            w.group,
            "Open at nine",
            "Open the hub at nine",
            {
                "method": "consent",
                "participants": [q, w.alice],
                "principles": [principle],
                "effective_at": MAR,
            },
        ).id
        second = ledger.decisions.propose_decision(
            w.group, "Open at eight", "Open at eight", "Queues", effective_at=MAR
        ).id
        ledger.decisions.agree_decision(
            second,
            "vote",
            [q, w.alice, w.bob],
            objections=[{"person_id": w.bob, "reason": "Buses"}],
            principles=[principle],
            supersedes=[first],
            effective_at=JUN,
            review_date=date(2025, 6, 1),
        )
        rejected = ledger.decisions.propose_decision(
            w.group, "Close Sundays", "Close on Sundays"
        ).id
        ledger.decisions.reject_decision(rejected, "Need Sundays")
        withdrawn = ledger.decisions.propose_decision(sub, "Paint it blue", "Blue").id
        ledger.decisions.withdraw_decision(withdrawn)
        revoked = ledger.decisions.record_decision(
            sub,
            "Hire a designer",
            "Hire",
            {"method": "single_lead", "participants": [q], "effective_at": MAR},
        ).id
        ledger.decisions.revoke_decision(revoked, "Budget cut", JUN)
        open_decision = ledger.decisions.propose_decision(w.group, "Open Saturdays", "Saturdays").id
        parties = [{"kind": "person", "id": q}, {"kind": "organisation", "id": w.org_b}]
        resolved = ledger.conflicts.raise_conflict(
            w.group, parties, "Referral delays", "Weeks", effective_at=JAN
        ).id
        ledger.conflicts.acknowledge_conflict(resolved, "Heard")
        ledger.conflicts.add_conflict_note(resolved, "Met both teams")
        ledger.conflicts.resolve_conflict(resolved, "Triage", second, JUN)
        escalated = ledger.conflicts.raise_conflict(
            w.group, [{"kind": "group", "id": w.other_group}], "Budget"
        ).id
        ledger.conflicts.escalate_conflict(escalated, w.other_group, "System view")
        withdrawn_conflict = ledger.conflicts.raise_conflict(w.group, parties, "Rooms").id
        ledger.conflicts.withdraw_conflict(withdrawn_conflict, "Sorted")
        open_conflict = ledger.conflicts.raise_conflict(w.group, parties, "Parking").id
        held = ledger.accountabilities.define_accountability(
            w.group, "Referral pathway", {"kind": "person", "id": q}, "All referrals", JAN
        ).id
        to_alice = extra(
            ledger.accountabilities.offer_handover(
                held, {"kind": "person", "id": w.alice}, effective_at=JAN
            )
        )
    with acting_as(w.alice):
        ledger.accountabilities.accept_handover(held, to_alice["handover_id"], MAR)
    with acting_as(q):
        ledger.accountabilities.return_accountability(held, "Back", JUN)
        to_org = extra(
            ledger.accountabilities.offer_handover(held, {"kind": "organisation", "id": w.org_a})
        )
    with acting_as(w.alice):
        ledger.accountabilities.decline_handover(held, to_org["handover_id"], "No")
    with acting_as(q):
        to_group = ledger.accountabilities.offer_handover(
            held, {"kind": "group", "id": w.other_group}
        ).extra
        retired_acc = ledger.accountabilities.define_accountability(
            sub, "Hub keys", {"kind": "group", "id": sub}
        ).id
        spare = extra(
            ledger.accountabilities.offer_handover(retired_acc, {"kind": "person", "id": q})
        )
        ledger.accountabilities.withdraw_handover(retired_acc, spare["handover_id"], "Not needed")
        ledger.accountabilities.retire_accountability(retired_acc, "Keyless")
        ledger.groups.remove_member(sub, w.alice)
        ledger.groups.close_group(sub, "Hub open")
    del to_group
    return {
        "organisation": [w.org_a, w.org_b],
        "person": [w.convener, w.alice, w.bob, w.outsider, q],
        "group": [w.group, w.other_group, sub],
        "decision": [first, second, rejected, withdrawn, revoked, open_decision],
        "conflict": [resolved, escalated, withdrawn_conflict, open_conflict],
        "principle": [principle, retired],
        "accountability": [held, retired_acc],
    }
