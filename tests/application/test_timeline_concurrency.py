"""Projectors and readers running at once, on stores that several Ledger objects share.

Two projectors catching up together apply every event exactly once; a reader paging
through a group's timeline while another thread writes sees every position exactly once,
in order.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest

from application.core import Written
from application.ledger import Ledger
from application.projections.projector import ProjectorThread
from tests.application.support import MAR, build_world, rich_scenario
from tests.application.test_projection import (
    assert_each_position_once,
    full_timeline,
    read_models,
    table_rows,
)
from tests.conftest import acting_as

# PostgreSQL runs transactions at once where SQLite takes them one at a time.
pytestmark = pytest.mark.postgres_differs


def in_threads(*calls: Callable[[], Any]) -> list[Any]:
    """Start the calls together; each result is the value returned (exceptions re-raised)."""
    barrier = threading.Barrier(len(calls))

    def started(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(started, c) for c in calls]
        return [f.result(timeout=120) for f in futures]


def jittered(ledger: Ledger, seed: int) -> list[bool]:
    """Make the ledger's projector pause a little before each page's transaction, so that two
    projectors interleave; returns each page's outcome (True: applied, False: refused)."""
    store = ledger.projector.store
    apply = store.apply_batch
    outcomes: list[bool] = []
    rng = random.Random(seed)

    def apply_batch(batch: Any) -> bool:
        time.sleep(rng.random() / 500)
        outcome = apply(batch)
        outcomes.append(outcome)
        return outcome

    store.apply_batch = apply_batch  # type: ignore[method-assign]
    return outcomes


def until_caught_up(ledger: Ledger, head: int) -> Callable[[], int]:
    """Catch up again after a lost race, until the read models reach `head`."""

    def run() -> int:
        applied = 0
        while ledger.projector.position() < head:
            applied += ledger.projector.catch_up()
        return applied

    return run


def more_events(ledger: Ledger, group: str, people: list[str], rounds: int) -> list[Written]:
    """Single-event writes to one group and its records; positions returned."""
    written: list[Written] = []
    for i in range(rounds):
        person = people[i % len(people)]
        # Not back-dated: the same people join again after leaving (docs/time.md).
        written.append(ledger.groups.add_member(group, person, "observer"))
        written.append(ledger.groups.change_member_role(group, person, "member"))
        written.append(ledger.groups.restate_purpose(group, f"Purpose {i}"))
        written.append(ledger.decisions.propose_decision(group, f"Decision {i}", "Do it"))
        written.append(ledger.groups.remove_member(group, person))
    return written


# Two projectors at once.


# One page size races in `make test`; the extremes (pages of one, one big page) are slow.
@pytest.mark.parametrize(
    "pages",
    [
        pytest.param((1, 2), marks=pytest.mark.slow),
        (3, 5),
        pytest.param((50, 7), marks=pytest.mark.slow),
    ],
)
def test_two_projectors_catching_up_at_once_apply_every_event_exactly_once(
    ledger, rival, settings, pages
):
    ids = rich_scenario(ledger)
    extra = [ledger.people.register_person(f"Extra {i}").id for i in range(4)]
    more_events(ledger, ids["group"][0], extra, 4)
    head = ledger.head_position()
    assert ledger.projector.position() == rival.projector.position() == 0
    ledger.projector.page_size, rival.projector.page_size = pages
    outcomes = [jittered(ledger, 1), jittered(rival, 2)]

    applied = in_threads(until_caught_up(ledger, head), until_caught_up(rival, head))

    # Every event was applied by exactly one of them.
    assert sum(applied) == head
    # Each page applied was a page some projector's compare-and-set accepted.
    pages_applied = outcomes[0].count(True) + outcomes[1].count(True)
    assert pages_applied >= head // max(pages)
    assert_each_position_once(ledger)
    assert_each_position_once(rival)
    both = read_models(ledger)
    assert read_models(rival) == both
    rows = table_rows(ledger)
    rival.projector.rebuild()
    assert table_rows(rival) == rows
    assert read_models(rival) == both


def test_two_projectors_and_a_writer_at_once_end_with_each_position_applied_once(ledger, rival):
    world = build_world(ledger)
    people = [ledger.people.register_person(f"Extra {i}").id for i in range(3)]
    ledger.projector.page_size, rival.projector.page_size = 2, 3
    jittered(ledger, 3)
    jittered(rival, 4)
    stop = threading.Event()

    def write() -> int:
        try:
            return len(more_events(rival, world.group, people, 12))
        finally:
            stop.set()

    def project(on: Ledger) -> Callable[[], int]:
        def run() -> int:
            applied = 0
            while not stop.is_set():
                applied += on.projector.catch_up()
            return applied

        return run

    written, first, second = in_threads(write, project(ledger), project(rival))
    head = ledger.head_position()
    assert written == 60
    rest = ledger.projector.catch_up()
    assert first + second + rest == head
    assert_each_position_once(ledger)
    rows = table_rows(ledger)
    rival.projector.rebuild()
    assert table_rows(rival) == rows


def test_a_read_sees_every_earlier_event_even_when_its_projector_loses_a_race(ledger, rival):
    world = build_world(ledger)
    head = ledger.head_position()
    rival.projector.page_size = 1
    store = ledger.projector.store
    apply = store.apply_batch

    def rival_applies_one_first(batch: Any) -> bool:
        store.apply_batch = apply
        assert rival.projector.run_once() == 1  # the other projector commits position 1
        return apply(batch)

    store.apply_batch = rival_applies_one_first
    items = ledger.history.group_timeline(world.group, limit=500)["items"]
    # Everything recorded before the read is in the read models it answers from.
    assert ledger.projector.position() == head
    assert [i["type"] for i in items] == ["Group.Convened", *["Group.MemberJoined"] * 2]
    assert_each_position_once(ledger)


# Paging while another thread writes.


def page_through_while(
    reader: Ledger,
    group: str,
    writing: threading.Event,
    limit: int,
    known: int,
    observed: threading.Event,
) -> tuple[list[dict[str, Any]], int]:
    """Page through the group's timeline with `after=next_after` until the writer is done
    and a last page finds nothing new; checks every page on the way. Sets `observed` on
    seeing the writer's first event (after position `known`) while it is still writing.
    Returns what was seen and how many pages it took."""
    seen: list[dict[str, Any]] = []
    after, pages, idle = 0, 0, 0
    while True:
        done = not writing.is_set()
        if pages % 3 == 0:
            reader.projector.catch_up()
        page = reader.history.group_timeline(group, after=after, limit=limit)
        pages += 1
        items = page["items"]
        positions = [i["position"] for i in items]
        assert len(items) <= limit
        assert positions == sorted(set(positions)), positions
        assert all(p > after for p in positions), (after, positions)
        assert all(i["group_id"] == group for i in items)
        if page["next_after"] is not None:
            assert len(items) == limit
            assert page["next_after"] == positions[-1]
        seen.extend(items)
        if items:
            after = positions[-1]
            idle = 0
            if not done and after > known:
                observed.set()
        elif done:
            idle += 1
            if idle == 2:  # the writer had finished before this read began
                return seen, pages
        else:
            time.sleep(0.001)


def write_to_the_group_and_beside_it(
    writer: Ledger,
    group: str,
    other: str,
    people: list[str],
    writing: threading.Event,
    observed: threading.Event,
) -> list[int]:
    """Writes in the group, its records, another group and no group; returns the group's.

    After the first round it waits (a while at most) for the reader to see a write, so that
    the rest is written while the reader pages."""
    positions: list[int] = []
    try:
        for i in range(15):
            person = people[i % len(people)]
            positions.append(writer.groups.add_member(group, person, "member").position)
            writer.groups.add_member(other, person)
            writer.people.register_person(f"Passer-by {i}")
            decision = writer.decisions.propose_decision(group, f"Decision {i}", "Do it")
            positions.append(decision.position)
            if i % 3 == 0:
                positions.append(writer.decisions.reject_decision(decision.id, "No").position)
            positions.append(writer.groups.restate_purpose(group, f"Purpose {i}", MAR).position)
            writer.groups.remove_member(other, person)
            positions.append(writer.groups.remove_member(group, person).position)
            if i == 0:
                observed.wait(timeout=30)
            time.sleep(0.002)  # let the reader in, even where writes are quick
    finally:
        writing.clear()
    return positions


def check_paging_while_writing(reader: Ledger, writer: Ledger) -> None:
    world = build_world(reader)
    people = [reader.people.register_person(f"Extra {i}").id for i in range(4)]
    with acting_as(world.convener):
        other = reader.groups.convene_group("Neighbours", "coordinating", "Next door").id
    before = [i["position"] for i in reader.history.group_timeline(world.group, limit=500)["items"]]
    assert len(before) == 3  # convened; Alice and Bob joined
    writing, observed = threading.Event(), threading.Event()
    writing.set()
    (seen, pages), written = in_threads(
        lambda: page_through_while(reader, world.group, writing, 3, before[-1], observed),
        lambda: write_to_the_group_and_beside_it(
            writer, world.group, other, people, writing, observed
        ),
    )
    assert observed.is_set()  # the reader paged while the writer wrote
    reader.projector.catch_up()
    final = [r["position"] for r in full_timeline(reader, group_id=world.group)]
    got = [i["position"] for i in seen]
    # Every position exactly once, in order, none skipped: the same as the final timeline...
    assert got == final, {
        "skipped": sorted(set(final) - set(got)),
        "repeated": sorted({p for p in got if got.count(p) > 1}),
        "unexpected": sorted(set(got) - set(final)),
    }
    assert [(i["type"], i["record_id"], i["version"]) for i in seen] == [
        (r["type"], r["record_id"], r["version"])
        for r in full_timeline(reader, group_id=world.group)
    ]
    # ... which holds exactly what was written to the group and its records.
    assert got == before + written
    assert len(written) == 65 and pages > len(seen) // 3


def test_paging_a_group_timeline_while_another_ledger_writes_sees_each_position_once_in_order(
    ledger, rival
):
    check_paging_while_writing(ledger, rival)


def test_paging_a_group_timeline_while_the_same_ledger_writes_sees_each_position_once_in_order(
    ledger,
):
    check_paging_while_writing(ledger, ledger)


def test_paging_while_a_second_projector_and_a_writer_run_sees_each_position_once_in_order(
    ledger, rival
):
    """The writer's ledger runs its own projector thread, racing the reader's inline one."""
    rival.projector.page_size = 2
    worker = ProjectorThread(rival.projector, poll_seconds=0.01).start()
    try:
        check_paging_while_writing(ledger, rival)
    finally:
        worker.stop()
    assert worker.failures == 0
    assert_each_position_once(ledger)


def test_the_recorded_time_filter_pages_the_same_positions_as_the_full_timeline(ledger):
    world = build_world(ledger)
    people = [ledger.people.register_person(f"Extra {i}").id for i in range(2)]
    more_events(ledger, world.group, people, 4)
    ledger.projector.catch_up()
    stamps = [r["recorded_at"] for r in full_timeline(ledger, group_id=world.group)]
    middle = datetime.fromisoformat(stamps[len(stamps) // 2])
    pages: list[int] = []
    after = 0
    while True:
        page = ledger.history.group_timeline(world.group, after=after, limit=2, recorded_to=middle)
        pages += [i["position"] for i in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    expected = [
        r["position"]
        for r in full_timeline(ledger, group_id=world.group)
        if datetime.fromisoformat(r["recorded_at"]) < middle
    ]
    assert pages == expected and 0 < len(expected) < len(stamps)


# Recorded times and positions under concurrent writes.


def hold_first_save(ledger: Ledger, held: threading.Event, go: threading.Event) -> None:
    """The ledger's first save waits (its events already made, so already timestamped)."""
    save = ledger.save

    def waiting_save(*args: Any, **kwargs: Any) -> Any:
        ledger.save = save  # type: ignore[method-assign]
        held.set()
        assert go.wait(timeout=30)
        return save(*args, **kwargs)

    ledger.save = waiting_save  # type: ignore[method-assign]


def test_a_record_as_of_a_moment_never_shows_a_change_recorded_after_that_moment(ledger):
    world = build_world(ledger)
    held, go = threading.Event(), threading.Event()
    hold_first_save(ledger, held, go)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(ledger.groups.restate_purpose, world.group, "Slow purpose")
        assert held.wait(timeout=30)  # its event is made, and waits to be recorded
        second = ledger.groups.restate_purpose(world.other_group, "Quick purpose")
        go.set()
        slow = first.result(timeout=30)
    assert second.position < slow.position
    by_position = {e["position"]: e for e in ledger.history.ledger_events(limit=500)["items"]}
    slow_at = datetime.fromisoformat(by_position[slow.position]["recorded_at"])
    quick_at = datetime.fromisoformat(by_position[second.position]["recorded_at"])
    assert slow_at < quick_at  # recorded (made) first, positioned second

    # As of the slow write's recorded time, the quick write (recorded later) is not shown;
    # nor, then, is the slow one (positioned after it), so what is shown is a prefix.
    shown = ledger.records.get_record("group", world.other_group, as_of=slow_at)
    assert shown["modified_on"] <= slow_at
    assert shown["purpose"] == "Coordinate"
    assert ledger.history.group_state(world.other_group, as_of=slow_at)["purpose"] == "Coordinate"
    assert ledger.history.group_state(world.group, as_of=slow_at)["purpose"] == "Join up care"
    # As of the quick write's recorded time, both are.
    assert (
        ledger.history.group_state(world.other_group, as_of=quick_at)["purpose"] == "Quick purpose"
    )
    assert ledger.history.group_state(world.group, as_of=quick_at)["purpose"] == "Slow purpose"
    assert (
        ledger.records.get_record("group", world.group, as_of=quick_at)["version"] == slow.version
    )
