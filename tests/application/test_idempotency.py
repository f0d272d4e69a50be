"""Idempotency tokens: a command is executed once per token, and its token is stored with its events."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from application import idempotency
from application import ledger as ledger_module
from application.idempotency import IdempotencyKeyReused, RequestNotRepeatable, Token
from application.ledger import Ledger
from domain.base import InvalidInput
from tests.application.support import World


@contextmanager
def request(token: Token) -> Iterator[Token]:
    """Run the block as the API runs a request that sent an Idempotency-Key."""
    reset = idempotency.current_request.set(token)
    try:
        yield token
    finally:
        idempotency.current_request.reset(reset)


def token(key: str = "k-1", request_hash: str = "h-1", key_id: str = "key-a") -> Token:
    return Token(key_id, key, request_hash)


def commit_then_fail_once(ledger: Ledger) -> dict[str, int]:
    """The next insert commits, then raises as if the connection dropped before the reply."""
    recorder = ledger.recorder
    insert = recorder.insert_events
    calls = {"inserts": 0}

    def insert_events(stored_events: Any, **kwargs: Any) -> Any:
        calls["inserts"] += 1
        ids = insert(stored_events, **kwargs)
        if calls["inserts"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return ids

    recorder.insert_events = insert_events  # type: ignore[method-assign]
    return calls


def test_a_command_run_again_with_a_stored_token_answers_with_what_it_wrote(ledger: Ledger):
    with request(token()):
        first = ledger.organisations.register_organisation("North Trust", "vcse")
    head = ledger.head_position()
    with request(token()):
        again = ledger.organisations.register_organisation("North Trust", "vcse")
    assert (again.id, again.version, again.position) == (first.id, first.version, first.position)
    assert again.replayed and not first.replayed
    assert ledger.head_position() == head == first.position
    assert [r["id"] for r in ledger.records.list_records("organisation")["items"]] == [first.id]


def test_a_replay_keeps_the_extra_values_the_command_returned(ledger: Ledger, world: World):
    conflict = ledger.conflicts.raise_conflict(
        world.group, [{"kind": "person", "id": world.alice}], "Who books the room", None, world.bob
    ).id
    ledger.conflicts.acknowledge_conflict(conflict)
    with request(token("note")):
        first = ledger.conflicts.add_conflict_note(conflict, "We talked")
    with request(token("note")):
        again = ledger.conflicts.add_conflict_note(conflict, "We talked")
    assert first.extra and "note_id" in first.extra
    assert again.extra == first.extra
    assert len(ledger.records.get_conflict(conflict)["notes"]) == 1


def test_the_same_key_for_another_request_is_refused_and_records_nothing(ledger: Ledger):
    with request(token(request_hash="first")):
        ledger.organisations.register_organisation("North Trust", "vcse")
    head = ledger.head_position()
    with request(token(request_hash="second")), pytest.raises(IdempotencyKeyReused) as caught:
        ledger.organisations.register_organisation("South Trust", "vcse")
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.field == "Idempotency-Key"
    assert ledger.head_position() == head


def test_keys_are_scoped_to_the_api_key_that_sent_them(ledger: Ledger):
    with request(token(key_id="key-a")):
        mine = ledger.organisations.register_organisation("North Trust", "vcse")
    with request(token(key_id="key-b", request_hash="other")):
        theirs = ledger.organisations.register_organisation("South Trust", "vcse")
    assert not theirs.replayed and theirs.id != mine.id
    assert ledger.head_position() == theirs.position


def test_a_failed_command_stores_nothing_so_the_same_token_may_run_again(ledger: Ledger):
    with request(token()), pytest.raises(InvalidInput):
        ledger.organisations.register_organisation("", "vcse")
    with request(token()):
        written = ledger.organisations.register_organisation("North Trust", "vcse")
    assert not written.replayed
    assert ledger.head_position() == written.position


def test_only_the_first_command_of_a_request_takes_its_token(ledger: Ledger):
    """A second write in the same request is a write of its own, not a replay of the first."""
    with request(token()):
        first = ledger.organisations.register_organisation("North Trust", "vcse")
        second = ledger.organisations.register_organisation("South Trust", "vcse")
    assert second.id != first.id and not second.replayed
    assert second.position > first.position


def test_a_command_run_inside_another_gets_a_token_of_its_own(ledger: Ledger, world: World):
    """A nested command must not store the outer command's token: each answers for itself."""
    load = ledger.load
    inner: list[Any] = []

    def load_then_write(kind: Any, record_id: Any, *args: Any, **kwargs: Any) -> Any:
        aggregate = load(kind, record_id, *args, **kwargs)
        if not inner:
            inner.append(None)  # before the inner command loads too
            inner[0] = ledger.groups.restate_purpose(world.other_group, "Inner purpose")
        return aggregate

    ledger.load = load_then_write  # type: ignore[method-assign, assignment]
    with request(token()):
        outer = ledger.groups.restate_purpose(world.group, "Outer purpose")
    assert outer.id == world.group and inner[0].id == world.other_group
    assert outer.position > inner[0].position
    del ledger.load
    with request(token()):
        again = ledger.groups.restate_purpose(world.group, "Outer purpose")
    assert again.replayed and again.position == outer.position


@pytest.mark.parametrize("write", ["create", "update"])
def test_racing_duplicates_of_one_request_record_it_once(ledger: Ledger, world: World, write):
    """All load the same state, all save at once: one write, and every one answers with it.

    Duplicates of an update collide on the record's version; duplicates of a creation make
    records with different ids, and collide on the stored Idempotency-Key alone.
    """
    racers = 4
    barrier = threading.Barrier(racers)
    insert = ledger.recorder.insert_events
    waited = {"n": 0}
    lock = threading.Lock()

    def insert_together(stored_events: Any, **kwargs: Any) -> Any:
        with lock:
            waited["n"] += 1
            first_round = waited["n"] <= racers
        if first_round:
            barrier.wait(timeout=20)
        return insert(stored_events, **kwargs)

    ledger.recorder.insert_events = insert_together  # type: ignore[method-assign]
    head = ledger.head_position()

    def duplicate() -> Any:
        with request(token()):
            if write == "create":
                return ledger.organisations.register_organisation("North Trust", "vcse")
            return ledger.groups.restate_purpose(world.group, "Raced purpose")

    outcomes = race(*[duplicate] * racers)
    assert ledger.head_position() == head + 1
    assert len({(o.id, o.version, o.position) for o in outcomes}) == 1
    assert outcomes[0].position == head + 1
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * (racers - 1)
    organisations = ledger.records.list_records("organisation")["items"]
    assert len(organisations) == (3 if write == "create" else 2)


def race(*calls: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(r, Exception) for r in results), results
    return results


def test_a_commit_whose_answer_was_lost_is_answered_from_its_token_when_retried(ledger: Ledger):
    calls = commit_then_fail_once(ledger)
    with request(token()), pytest.raises(OperationalError):
        ledger.organisations.register_organisation("North Trust", "vcse")
    head = ledger.head_position()
    with request(token()):
        again = ledger.organisations.register_organisation("North Trust", "vcse")
    assert again.replayed and again.position == head
    assert calls["inserts"] == 1
    assert len(ledger.records.list_records("organisation")["items"]) == 1


@pytest.mark.stores("postgres")
def test_an_insert_the_library_retried_after_it_had_committed_is_a_success(ledger: Ledger):
    """E2: the retry fails on the primary key, yet the first attempt's event is stored."""
    attempts = lost_connection_after_first_commit(ledger)
    written = ledger.organisations.register_organisation("North Trust", "vcse")
    assert attempts == {"inserts": 2, "lost": 1}
    assert not written.replayed
    assert written.position == ledger.head_position()
    assert ledger.records.get_organisation(written.id)["name"] == "North Trust"
    assert [r["id"] for r in ledger.records.list_records("organisation")["items"]] == [written.id]


def lost_connection_after_first_commit(ledger: Ledger) -> dict[str, int]:
    """Inside the library's retrying insert: commit, then lose the connection before the reply.

    The library retries the insert (on OperationalError), which then fails on the events'
    primary key although the first attempt's events are stored.
    """
    recorder: Any = ledger.recorder
    datastore = recorder.datastore
    get_connection = datastore.get_connection
    # Where the recorder writes a transaction's events (PostgreSQL: a group commit's saves).
    writer = "_write_saves" if hasattr(recorder, "_write_saves") else "_insert_events"
    write = getattr(recorder, writer)
    attempts = {"inserts": 0, "lost": 0}
    inserted = threading.local()

    def count_the_attempt(*args: Any, **kwargs: Any) -> Any:
        attempts["inserts"] += 1
        result = write(*args, **kwargs)
        inserted.now = True
        return result

    @contextmanager
    def connection_lost_after_commit() -> Iterator[Any]:
        inserted.now = False
        with get_connection() as conn:
            yield conn
        if inserted.now and not attempts["lost"]:
            attempts["lost"] += 1
            raise OperationalError("server closed the connection unexpectedly")

    setattr(recorder, writer, count_the_attempt)
    datastore.get_connection = connection_lost_after_commit
    return attempts


def test_old_tokens_are_forgotten_after_48_hours_and_kept_for_at_least_24(ledger: Ledger):
    with request(token("old")):
        old = ledger.organisations.register_organisation("North Trust", "vcse")
    now = datetime.now(UTC)
    ledger.forget_requests(now + timedelta(hours=25))
    assert ledger.requests.find_request("key-a", "old") is not None
    ledger.forget_requests(now + timedelta(hours=49))
    assert ledger.requests.find_request("key-a", "old") is None
    with request(token("old")):
        again = ledger.organisations.register_organisation("North Trust", "vcse")
    assert again.id != old.id and not again.replayed


def test_accords_own_tokens_are_forgotten_within_the_hour(ledger: Ledger):
    ledger.organisations.register_organisation("North Trust", "vcse")
    store: Any = ledger.requests
    own = idempotency.own_token()
    store.claim_request(own.remembered())
    assert store.find_request(idempotency.OWN, own.key) is not None
    ledger.forget_requests(datetime.now(UTC) + timedelta(minutes=11))
    assert store.find_request(idempotency.OWN, own.key) is None


def test_a_write_whose_answer_holds_a_secret_is_not_repeated(ledger: Ledger, world: World):
    keys_before = len(ledger.keys.list_keys())
    with request(token()):
        row, _ = ledger.keys.create_key(world.alice)
    with request(token()), pytest.raises(RequestNotRepeatable):
        ledger.keys.create_key(world.alice)
    with request(token(request_hash="other")), pytest.raises(IdempotencyKeyReused):
        ledger.keys.create_key(world.bob)
    assert [k.key_id for k in ledger.keys.list_keys()][keys_before:] == [row.key_id]


def test_a_secret_write_that_failed_releases_its_key(ledger: Ledger):
    with request(token()), pytest.raises(InvalidInput):
        ledger.keys.create_key("no-such-person")
    with request(token()), pytest.raises(InvalidInput):
        ledger.keys.create_key("no-such-person")


def test_every_command_that_returns_a_write_runs_once_per_token():
    """A command left unwrapped would store no token: a retry would run it again."""
    services = [Ledger] + [
        cls
        for cls in vars(ledger_module).values()
        if inspect.isclass(cls) and cls.__name__.endswith(("Commands", "Queries"))
    ]
    commands = [
        (name, function)
        for service in services
        for name, function in inspect.getmembers(service, inspect.isfunction)
        if not name.startswith("_")
        and name not in ("recall", "write")  # the core's save, which commands call
        and "Written" in str(function.__annotations__.get("return"))
    ]
    assert len(commands) > 30
    for name, function in commands:
        assert function.__code__.co_qualname == "command.<locals>.wrapper", name
