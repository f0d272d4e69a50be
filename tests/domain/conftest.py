"""Helpers for the domain tests: groups to work in, acting as someone, lifecycle tables, replay.

Nothing here touches storage: aggregates are built directly and their pending events inspected.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import reduce
from itertools import product
from typing import Any

import pytest

from domain.base import AccordAggregate, current_actor
from domain.group import Group

AWARE = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
LATER = datetime(2024, 9, 1, 14, 0, tzinfo=UTC)
NAIVE = datetime(2024, 3, 1, 9, 30)
# When the test groups began meeting: before every effective time the tests give.
BEGAN = datetime(2020, 1, 1, tzinfo=UTC)


def open_group(
    convener: str = "p1",
    members: Sequence[str] = ("p2", "p3"),
    name: str = "Older people's care",
) -> Group:
    """An open group with `convener` as its only convener and `members` as plain members."""
    group = Group.convene(
        name, "transformation", "Join up care for older people", None, convener, BEGAN
    )
    for person_id in members:
        group.join(person_id, "member", BEGAN)
    return group


def closed_group() -> Group:
    group = open_group()
    group.close("The work is done")
    return group


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Record everything inside the block as done by `actor`, as interfaces/ would."""
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)


def topics(aggregate: Any) -> list[str]:
    """Collect the aggregate's pending events and return their topics, oldest first."""
    return [type(e).TOPIC for e in aggregate.collect_events()]


def pending_events(aggregate: AccordAggregate) -> list[AccordAggregate.Event]:
    """Collect the aggregate's pending events, each an Accord event (so each has an actor)."""
    collected = aggregate.collect_events()
    events = [e for e in collected if isinstance(e, AccordAggregate.Event)]
    assert len(events) == len(collected)
    return events


def only_event(aggregate: AccordAggregate) -> Any:
    """Collect the aggregate's one pending event.

    Typed Any: @event makes most event classes when the aggregate class is built, so a type
    checker cannot know their fields.
    """
    [only] = aggregate.collect_events()
    return only


def replay(events: Iterable[Any]) -> Any:
    """Rebuild an aggregate from its events, the way eventsourcing does."""
    return reduce(lambda aggregate, e: e.mutate(aggregate), events, None)


def assert_replay_rebuilds(aggregate: Any, min_events: int = 1) -> Any:
    """Collect every event of `aggregate`, replay them, and check the state is the same."""
    events = aggregate.collect_events()
    assert len(events) >= min_events
    rebuilt = replay(events)
    assert rebuilt is not aggregate
    assert type(rebuilt) is type(aggregate)
    assert rebuilt.__dict__ == aggregate.__dict__
    assert rebuilt.version == len(events)
    return rebuilt


# Lifecycle tables.


@dataclass(frozen=True)
class Allowed:
    """The action succeeds, leaves the record in `state` and records one `topic` event."""

    state: str
    topic: str


@dataclass(frozen=True)
class Refused:
    """The action raises `error`; `current_state` is checked when the error carries one."""

    error: type[Exception]
    current_state: str | None = None


Outcome = Allowed | Refused


def lifecycle_table(rows: Sequence[tuple[str, str, Outcome]]) -> list[Any]:
    """pytest params for (state, action, outcome) rows, each with a readable id."""
    return [
        pytest.param(state, action, outcome, id=f"{state}-{action}")
        for state, action, outcome in rows
    ]


def assert_table_is_complete(
    rows: Sequence[tuple[str, str, Outcome]], states: Iterable[str], actions: Iterable[str]
) -> None:
    """Every action from every state appears exactly once."""
    pairs = [(state, action) for state, action, _ in rows]
    assert len(pairs) == len(set(pairs)), "a (state, action) pair appears twice"
    assert set(pairs) == set(product(states, actions))


def check_transition(
    aggregate: Any,
    state: str,
    act: Callable[[], Any],
    outcome: Outcome,
    state_of: Callable[[Any], str] = lambda aggregate: aggregate.status,
) -> None:
    """Run `act` on `aggregate` (which is in `state`, no pending events) and check `outcome`."""
    assert state_of(aggregate) == state
    assert aggregate.collect_events() == []
    if isinstance(outcome, Allowed):
        act()
        assert state_of(aggregate) == outcome.state
        assert topics(aggregate) == [outcome.topic]
        return
    before = copy.deepcopy(aggregate.__dict__)
    with pytest.raises(outcome.error) as caught:
        act()
    if outcome.current_state is not None:
        assert caught.value.current_state == outcome.current_state  # type: ignore[attr-defined]
    assert aggregate.collect_events() == []
    assert aggregate.__dict__ == before
    assert state_of(aggregate) == state
