"""Group commit: concurrent saves share one transaction, yet each succeeds or fails alone.

Each test gathers a known batch: it holds the committer back (`held()`), lets every thread
queue its save, and only then lets the batch be written, so the batch is not left to timing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from application.core import Written
from application.errors import VersionMismatch
from application.idempotency import Token, current_request
from application.ledger import Ledger
from application.ports import IndexRow
from domain.base import AccordError
from infrastructure.groupcommit import GroupCommit, Save
from interfaces.settings import Settings
from tests.application.support import World, all_notifications
from tests.conftest import acting_as

pytestmark = pytest.mark.stores("sqlite", "postgres")  # the in-memory store has no batches


@contextmanager
def request(token: Token) -> Iterator[None]:
    """Run the block as the API runs a request that sent an Idempotency-Key."""
    reset = current_request.set(token)
    try:
        yield
    finally:
        current_request.reset(reset)


def committer(ledger: Ledger) -> GroupCommit:
    found = getattr(ledger.recorder, "group_commit", None)
    assert isinstance(found, GroupCommit)
    return found


def in_one_batch(ledger: Ledger, calls: list[Callable[[], Any]], saves: int) -> list[Any]:
    """Run the calls in threads while the committer is held, until `saves` saves are queued;
    then let them be written. Each result is the value returned or the exception raised."""
    group = committer(ledger)
    before = group.stats.batches

    def outcome(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        with group.held():
            futures: list[Future[Any]] = [pool.submit(outcome, c) for c in calls]
            deadline = time.monotonic() + 30
            while group.queued() < saves:
                assert time.monotonic() < deadline, f"{group.queued()} of {saves} saves queued"
                time.sleep(0.005)
        results = [f.result(timeout=60) for f in futures]
    assert group.stats.batches > before
    return results


def event(originator_id: Any, version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id, version, "accord.Test.Happened", b"{}")


def test_a_batch_commits_the_good_saves_and_fails_each_bad_one_alone(ledger: Ledger) -> None:
    recorder = ledger.recorder
    taken = uuid4()
    recorder.insert_events([event(taken)])
    good = [uuid4() for _ in range(10)]
    invalid = uuid4()

    def two_events_of(g: UUID) -> Callable[[], Any]:
        return lambda: recorder.insert_events([event(g, 1), event(g, 2)])

    calls = [two_events_of(g) for g in good[:5]]
    # A version another writer took first.
    calls.append(lambda: recorder.insert_events([event(taken)]))
    # A row the database refuses (a status is required).
    calls.append(
        lambda: recorder.insert_events(
            [event(invalid)],
            index_rows=[IndexRow(str(invalid), "decision", None, "Untitled", None)],  # type: ignore[arg-type]
        )
    )
    calls += [two_events_of(g) for g in good[5:]]
    head = ledger.head_position()
    group = committer(ledger)
    batches = group.stats.batches

    results = in_one_batch(ledger, calls, len(calls))

    assert group.stats.batches == batches + 1, "the saves were not written as one batch"
    conflict, refused = results[5], results[6]
    assert isinstance(conflict, IntegrityError)
    assert isinstance(refused, IntegrityError)
    assert "status" in str(refused).lower() or "null" in str(refused).lower(), refused
    written = {g: results[i if i < 5 else i + 2] for i, g in enumerate(good)}
    stored = {n.id: n for n in all_notifications(ledger) if n.id > head}
    # Every good save is stored, at the positions its own caller was given, and only those.
    assert sorted(stored) == sorted(p for ids in written.values() for p in ids)
    for originator, ids in written.items():
        assert len(ids) == 2 and ids[0] < ids[1]
        assert [(stored[p].originator_id, stored[p].originator_version) for p in ids] == [
            (originator, 1),
            (originator, 2),
        ]
    assert not recorder.select_events(invalid)
    assert ledger.store.find_records([str(invalid)]) == []
    assert len(recorder.select_events(taken)) == 1
    # The chain covers the batch's events, linked in order as if written one by one.
    verified = ledger.integrity.verify_chain()
    assert verified.broken is None
    assert verified.events == len(all_notifications(ledger))
    assert verified.position == ledger.head_position()


def test_commands_in_one_batch_succeed_or_fail_on_their_own(ledger: Ledger, world: World) -> None:
    with acting_as(world.convener):
        proposed = ledger.decisions.propose_decision(world.group, "Shared rota", "Adopt the rota")
    agree: dict[str, Any] = {
        "method": "consensus",
        "participants": [world.convener, world.alice],
    }

    def record(n: int) -> Callable[[], Written]:
        def call() -> Written:
            with acting_as(world.convener):
                return ledger.decisions.record_decision(
                    world.group, f"Decision {n}", "Agreed", {**agree, "method": "consent"}
                )

        return call

    def agree_at_version_1() -> Written:
        with acting_as(world.convener):
            return ledger.decisions.agree_decision(proposed.id, **agree, expected_version=1)

    def invalid() -> Written:
        with acting_as(world.convener):
            return ledger.decisions.record_decision(world.group, "", "No title", agree)

    calls = [record(n) for n in range(4)]
    calls += [agree_at_version_1, agree_at_version_1, invalid]
    calls += [record(n) for n in range(4, 8)]
    head = ledger.head_position()

    # The eight records and both agreements reach the committer; the invalid one does not.
    results = in_one_batch(ledger, calls, 10)

    agreements = results[4:6]
    winners = [r for r in agreements if isinstance(r, Written)]
    losers = [r for r in agreements if isinstance(r, VersionMismatch)]
    assert len(winners) == 1 and len(losers) == 1, agreements
    assert isinstance(results[6], AccordError) and not isinstance(results[6], VersionMismatch)
    recorded = [r for i, r in enumerate(results) if i not in (4, 5, 6)]
    assert all(isinstance(r, Written) for r in recorded), recorded
    positions = [w.position for w in [*recorded, *winners]]
    assert len(set(positions)) == len(positions)
    # Each caller's position is its own event's, and nothing else was stored.
    stored = {n.id: n for n in all_notifications(ledger) if n.id > head}
    for written in [*recorded, *winners]:
        assert str(stored[written.position].originator_id) == written.id
        assert stored[written.position].originator_version == written.version
    assert max(stored) == ledger.head_position()
    assert {str(n.originator_id) for n in stored.values()} == {w.id for w in [*recorded, *winners]}
    assert ledger.records.get_decision(proposed.id)["status"] == "agreed"
    assert ledger.integrity.verify_chain().broken is None


def test_a_failed_transaction_fails_every_save_in_it() -> None:
    def write(batch: list[Save]) -> None:
        raise OperationalError("the connection was lost")

    group = GroupCommit(write)
    with ThreadPoolExecutor(max_workers=4) as pool, group.held():
        futures = [pool.submit(group.save, [event(uuid4())]) for _ in range(4)]
        while group.queued() < 4:
            time.sleep(0.001)
    for future in futures:
        with pytest.raises(OperationalError):
            future.result(timeout=10)
    assert group.stats.batches == 1 and group.stats.saves == 4


def test_batches_are_bounded_and_every_save_is_written_once() -> None:
    written: list[Save] = []
    lock = threading.Lock()

    def write(batch: list[Save]) -> None:
        with lock:
            written.extend(batch)
        for n, save in enumerate(batch):
            save.ids = [n]

    group = GroupCommit(write, max_batch=3)
    with ThreadPoolExecutor(max_workers=10) as pool, group.held():
        futures = [pool.submit(group.save, [event(uuid4())]) for _ in range(10)]
        while group.queued() < 10:
            time.sleep(0.001)
    assert all(f.result(timeout=10) is not None for f in futures)
    assert len(written) == len(set(map(id, written))) == 10
    assert group.stats.largest == 3 and group.stats.batches == 4


def test_a_batch_of_good_commands_is_written_together_and_each_remembered(
    ledger: Ledger, world: World, settings: Settings
) -> None:
    agree = {"method": "consent", "participants": [world.convener, world.alice]}

    def record(n: int) -> Callable[[], Written]:
        def call() -> Written:
            with acting_as(world.convener), request(Token("key-a", f"k-{n}", f"h-{n}")):
                return ledger.decisions.record_decision(
                    world.group, f"Decision {n}", "Agreed", agree
                )

        return call

    head = ledger.head_position()
    together = committer(ledger).stats.together
    results = in_one_batch(ledger, [record(n) for n in range(8)], 8)
    if settings.resolved_database_url().startswith("postgresql"):  # one statement per table
        assert committer(ledger).stats.together == together + 1

    assert all(isinstance(r, Written) for r in results), results
    stored = {n.id: n for n in all_notifications(ledger) if n.id > head}
    # Each decision is proposed and agreed: two events of one record.
    assert len(stored) == 16
    assert {str(n.originator_id) for n in stored.values()} == {w.id for w in results}
    for n, written in enumerate(results):
        assert str(stored[written.position].originator_id) == written.id
        (row,) = ledger.store.find_records([written.id])
        assert (row["title"], row["status"]) == (f"Decision {n}", "agreed")
        assert row["updated_position"] == written.position
        # A retry of the request is answered with what it wrote, from its stored key.
        with acting_as(world.convener), request(Token("key-a", f"k-{n}", f"h-{n}")):
            again = ledger.decisions.record_decision(world.group, f"Decision {n}", "Agreed", agree)
        assert (again.id, again.position, again.replayed) == (written.id, written.position, True)
    assert ledger.head_position() == max(stored)
    assert ledger.integrity.verify_chain().broken is None
