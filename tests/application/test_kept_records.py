"""Records kept in memory between commands: brought up to date from the log on every use,
several at once with one read, so that ledgers on one database never act on stale state."""

from __future__ import annotations

import uuid

import pytest

from application.commands import command
from application.core import Written
from application.ledger import Ledger
from domain.base import InvalidInput
from domain.group import Group
from domain.person import Person
from domain.principle import Principle
from tests.conftest import acting_as


def agreement(*people: str) -> dict[str, object]:
    return {"method": "consent", "participants": list(people)}


def reads_of_the_log(ledger: Ledger, monkeypatch) -> list[str]:
    """Which of the recorder's event reads run from now on."""
    reads: list[str] = []
    for name in ("select_events", "select_events_after"):
        original = getattr(ledger.recorder, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            reads.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(ledger.recorder, name, counted)
    return reads


def test_a_decisions_group_and_participants_are_brought_up_to_date_with_one_read(
    ledger, world, monkeypatch
):
    people = (world.convener, world.alice, world.bob)
    with acting_as(world.convener):
        ledger.decisions.record_decision(world.group, "Warm up", "d", agreement(*people))
        reads = reads_of_the_log(ledger, monkeypatch)
        ledger.decisions.record_decision(world.group, "Open access", "d", agreement(*people))
    # The group and the three people at once.
    assert reads == ["select_events_after"]


def test_a_command_on_a_record_reads_the_record_and_its_group_at_once(ledger, world, monkeypatch):
    people = [world.convener, world.alice]
    holder = {"kind": "person", "id": world.alice}
    to = {"kind": "person", "id": world.bob}
    with acting_as(world.convener):
        proposed = ledger.decisions.propose_decision(world.group, "Open access", "d").id
        accountability = ledger.accountabilities.define_accountability(
            world.group, "Referrals", holder
        ).id
        (
            ledger.records.get_decision(proposed),
            ledger.records.get_group(world.group),
        )  # all kept in memory
        reads = reads_of_the_log(ledger, monkeypatch)
        ledger.decisions.agree_decision(proposed, "consent", people)  # the decision, group, people
        assert reads == ["select_events_after"]
        handover = ledger.accountabilities.offer_handover(accountability, to).extra["handover_id"]
        assert reads == ["select_events_after"] * 2  # the accountability, group, recipient
    with acting_as(world.bob):
        ledger.accountabilities.accept_handover(accountability, handover)
    assert reads == ["select_events_after"] * 3  # the accountability and group
    assert ledger.records.get_decision(proposed)["status"] == "agreed"
    assert ledger.records.get_accountability(accountability)["holder"] == to


def test_a_move_recorded_by_another_process_is_seen_by_the_next_decision(ledger, rival, world):
    people = (world.convener, world.alice, world.bob)
    with acting_as(world.convener):
        first = ledger.decisions.record_decision(world.group, "Before", "d", agreement(*people)).id
    assert ledger.records.get_decision(first)["participant_organisations"] == sorted(
        {world.org_a, world.org_b}
    )
    rival.people.change_affiliation(world.alice, world.org_b)
    rival.people.change_affiliation(world.bob, None)
    with acting_as(world.convener):
        second = ledger.decisions.record_decision(world.group, "After", "d", agreement(*people)).id
    assert ledger.records.get_decision(second)["participant_organisations"] == sorted(
        {world.org_a, world.org_b}
    )
    rival.people.change_affiliation(world.convener, world.org_b)
    with acting_as(world.convener):
        third = ledger.decisions.record_decision(world.group, "Later", "d", agreement(*people)).id
    assert ledger.records.get_decision(third)["participant_organisations"] == [world.org_b]


def test_loading_several_records_names_the_missing_and_the_wrong_kind(ledger, world):
    unknown = str(uuid.uuid4())
    ledger.load(Person, world.alice)  # kept in memory
    found = ledger.load_each(Person, [world.alice, world.bob, unknown, world.group, "nonsense"])
    assert found[world.alice].id == uuid.UUID(world.alice)
    assert found[world.bob].id == uuid.UUID(world.bob)
    assert found[unknown] is None and found[world.group] is None and found["nonsense"] is None
    with acting_as(world.convener), pytest.raises(InvalidInput) as refused:
        ledger.decisions.record_decision(world.group, "T", "d", agreement(world.alice, unknown))
    assert refused.value.field == "agreement.participants[1]"


def test_one_read_after_many_versions_finds_each_records_later_events_in_order(ledger, world):
    alice, group = uuid.UUID(world.alice), uuid.UUID(world.group)
    versions = [(uuid.uuid4(), 0) for _ in range(900)] + [(alice, 0), (group, 1)]
    found = ledger.store.select_events_after(versions)
    expected = [*ledger.recorder.select_events(alice), *ledger.recorder.select_events(group, gt=1)]
    assert len(expected) >= 3
    key = lambda e: (str(e.originator_id), e.originator_version)  # noqa: E731
    assert sorted(map(key, found)) == sorted(map(key, expected))
    assert [e.state for e in sorted(found, key=key)] == [e.state for e in sorted(expected, key=key)]
    by_record = [e.originator_version for e in found if e.originator_id == group]
    assert by_record == sorted(by_record)


def test_a_record_read_to_check_is_shared_and_replaced_not_changed_when_it_moves_on(
    ledger, rival, world
):
    first = ledger.read(Group, world.group)
    assert ledger.read(Group, world.group) is first  # no copy, nothing rebuilt
    assert ledger.load(Group, world.group) is not first  # a command's own copy to change
    before = first.purpose
    rival.groups.restate_purpose(world.group, "To agree how the hub takes self-referrals.")
    now = ledger.read(Group, world.group)
    assert now.purpose == "To agree how the hub takes self-referrals."
    assert first.purpose == before  # whoever still holds the old one sees it whole
    assert ledger.read(Group, world.group) is now


class Careless:
    """A faulty command group, built alone over the core as every service is."""

    def __init__(self, core: Ledger) -> None:
        self.core = core

    @command
    def careless_principle(self, group_id: str, fail: bool) -> Written:
        """A faulty command: it changes the group it read only to check."""
        group = self.core.read(Group, group_id)
        group.restate_purpose("Changed by mistake.")
        if fail:
            raise InvalidInput("statement: required", "statement")
        return self.core.write(Principle.propose(group, "We meet in the open."))


@pytest.mark.parametrize("fail", [False, True], ids=["saving", "failing"])
def test_a_command_that_changes_what_it_read_to_check_saves_nothing_and_leaves_no_trace(
    ledger, world, fail
):
    purpose = ledger.read(Group, world.group).purpose
    head = ledger.head_position()
    with acting_as(world.convener), pytest.raises(InvalidInput if fail else RuntimeError):
        Careless(ledger).careless_principle(world.group, fail)
    assert ledger.head_position() == head
    # The change is dropped from memory with the record; the next reader rebuilds it.
    assert ledger._kept(uuid.UUID(world.group)) is None
    assert ledger.read(Group, world.group).purpose == purpose
    assert ledger.records.get_group(world.group)["purpose"] == purpose
