"""Two Ledger objects on one database: load-then-write races, decided by optimistic concurrency.

Each racing command is held just after it has loaded the record, until both have loaded it,
so both always write from the same version: the race is forced, not left to timing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from application.commands import ATTEMPTS
from application.errors import ConcurrentUpdate, VersionMismatch
from application.ledger import Ledger
from domain.group import Group
from tests.application.support import Tape, all_listed, build_world


def hold_after_first_load(ledger: Ledger, cls: type, barrier: threading.Barrier) -> list[int]:
    """Make the ledger's first load of a `cls` record wait at the barrier; count its loads."""
    load = ledger.load
    loads: list[int] = []

    def held(kind, record_id, expected_version=None, at_version=None):
        aggregate = load(kind, record_id, expected_version, at_version)
        if kind is cls:
            loads.append(aggregate.version)
            if len(loads) == 1:
                barrier.wait(timeout=20)
        return aggregate

    ledger.load = held  # type: ignore[method-assign]
    return loads


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads at once; each result is the value returned or the exception."""

    def outcome(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result(timeout=60) for f in [pool.submit(outcome, c) for c in calls]]


def test_with_an_expected_version_the_loser_of_a_race_gets_version_mismatch(ledger, rival):
    world = build_world(ledger)
    version = ledger.records.get_group(world.group)["version"]
    barrier = threading.Barrier(2)
    hold_after_first_load(ledger, Group, barrier)
    hold_after_first_load(rival, Group, barrier)

    outcomes = race(
        lambda: ledger.groups.restate_purpose(world.group, "Purpose A", expected_version=version),
        lambda: rival.groups.restate_purpose(world.group, "Purpose B", expected_version=version),
    )

    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], VersionMismatch)
    assert losers[0].expected == version
    assert winners[0].version == version + 1
    group = ledger.records.get_group(world.group)
    assert group["version"] == version + 1
    assert group["purpose"] == ("Purpose A" if outcomes[0] is winners[0] else "Purpose B")
    assert rival.records.get_group(world.group) == group
    assert ledger.head_position() == rival.head_position() == winners[0].position


def test_without_an_expected_version_both_racing_commands_apply_and_no_update_is_lost(
    ledger, rival
):
    world = build_world(ledger)
    extra = ledger.people.register_person("Erin Extra").id
    version = ledger.records.get_group(world.group)["version"]
    before = ledger.head_position()
    barrier = threading.Barrier(2)
    mine = hold_after_first_load(ledger, Group, barrier)
    theirs = hold_after_first_load(rival, Group, barrier)

    outcomes = race(
        lambda: ledger.groups.add_member(world.group, world.outsider),
        lambda: rival.groups.add_member(world.group, extra, "observer"),
    )

    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.version for o in outcomes) == [version + 1, version + 2]
    # Positions rise strictly (PostgreSQL may leave gaps where the losing insert failed).
    first, second = sorted(o.position for o in outcomes)
    assert before < first < second == ledger.head_position()
    # Both loaded the same version first; the loser loaded again and re-applied its command.
    assert mine[0] == theirs[0] == version
    assert sorted([len(mine), len(theirs)]) == [1, 2]
    members = {m["person_id"]: m["role"] for m in rival.records.get_group(world.group)["members"]}
    assert members[world.outsider] == "member"
    assert members[extra] == "observer"
    assert len(members) == 5
    assert ledger.records.get_group(world.group) == rival.records.get_group(world.group)
    assert all_listed(ledger, "group")[0]["version"] == version + 2


def test_a_retried_command_is_re_checked_against_the_state_it_lost_to(ledger, rival):
    """Both try to add the same person: the retry sees the member already there."""
    world = build_world(ledger)
    barrier = threading.Barrier(2)
    hold_after_first_load(ledger, Group, barrier)
    hold_after_first_load(rival, Group, barrier)

    outcomes = race(
        lambda: ledger.groups.add_member(world.group, world.outsider),
        lambda: rival.groups.add_member(world.group, world.outsider, "observer"),
    )

    errors = [type(o).__name__ for o in outcomes if isinstance(o, Exception)]
    assert errors == ["AlreadyAMember"], outcomes
    members = [m["person_id"] for m in ledger.records.get_group(world.group)["members"]]
    assert members.count(world.outsider) == 1


def test_writes_to_different_records_from_two_ledgers_all_get_distinct_rising_positions(
    ledger, rival
):
    barrier = threading.Barrier(2)

    def register(app: Ledger, prefix: str) -> list[int]:
        barrier.wait(timeout=20)
        return [
            app.organisations.register_organisation(f"{prefix} {n}", "vcse").position
            for n in range(15)
        ]

    mine, theirs = race(lambda: register(ledger, "Mine"), lambda: register(rival, "Theirs"))
    assert mine == sorted(mine) and theirs == sorted(theirs)
    assert len(set(mine) | set(theirs)) == 30
    assert ledger.head_position() == rival.head_position() == max(mine + theirs)
    listed = all_listed(rival, "organisation")
    assert len(listed) == 30
    assert [r["position"] for r in listed] == sorted(mine + theirs)


def test_a_command_that_keeps_losing_races_gives_up_with_concurrent_update(ledger):
    """On every store: a rival write lands between each load and save, every time."""
    world = build_world(ledger)
    load = ledger.load
    rivals: list[int] = []

    def load_then_rival_write(kind, record_id, expected_version=None, at_version=None):
        aggregate = load(kind, record_id, expected_version, at_version)
        if kind is Group and len(rivals) < ATTEMPTS and not getattr(ledger, "_in_rival", False):
            ledger._in_rival = True
            try:
                rivals.append(
                    ledger.groups.restate_purpose(world.group, f"Rival {len(rivals)}").position
                )
            finally:
                ledger._in_rival = False
        return aggregate

    ledger.load = load_then_rival_write
    tape = Tape(ledger)
    with pytest.raises(ConcurrentUpdate) as caught:
        ledger.groups.add_member(world.group, world.outsider)
    assert caught.value.current_state == "busy"
    assert len(rivals) == ATTEMPTS
    assert tape.last < rivals[0]
    assert rivals == sorted(rivals) and rivals[-1] == ledger.head_position()
    group = ledger.records.get_group(world.group)
    assert group["purpose"] == f"Rival {ATTEMPTS - 1}"
    assert world.outsider not in [m["person_id"] for m in group["members"]]


def rival_write_after_first_group_load(ledger: Ledger, group_id: str) -> list[int]:
    """Between the command's first load of the group and its save, another write lands."""
    load = ledger.load
    rivals: list[int] = []

    def load_then_rival_write(kind, record_id, expected_version=None, at_version=None):
        aggregate = load(kind, record_id, expected_version, at_version)
        if kind is Group and not rivals:
            rivals.append(0)  # first, since the rival write loads the group too
            rivals[0] = ledger.groups.restate_purpose(group_id, "Rival purpose").position
        return aggregate

    ledger.load = load_then_rival_write  # type: ignore[method-assign]
    return rivals


def test_on_every_store_a_write_that_lands_after_the_load_makes_an_if_match_command_fail(ledger):
    world = build_world(ledger)
    version = ledger.records.get_group(world.group)["version"]
    rivals = rival_write_after_first_group_load(ledger, world.group)
    with pytest.raises(VersionMismatch) as caught:
        ledger.groups.add_member(
            world.group, world.outsider, "member", None, expected_version=version
        )
    assert caught.value.expected == version
    assert ledger.head_position() == rivals[0]
    group = ledger.records.get_group(world.group)
    assert (group["version"], group["purpose"]) == (version + 1, "Rival purpose")
    assert world.outsider not in [m["person_id"] for m in group["members"]]


def test_a_lost_race_is_a_version_mismatch_even_when_the_id_is_passed_by_keyword(ledger):
    world = build_world(ledger)
    version = ledger.records.get_group(world.group)["version"]
    rival_write_after_first_group_load(ledger, world.group)
    with pytest.raises(VersionMismatch):
        ledger.groups.add_member(
            group_id=world.group, person_id=world.outsider, expected_version=version
        )
