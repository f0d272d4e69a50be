"""The generator's state: its clock, the groups' work, and batches of events saved together."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from application.ledger import Ledger
from application.synthetic.clock import SimulatedClock
from application.synthetic.shape import BATCH, TAIL, groups_for, years_for
from application.synthetic.words import AREAS, THINGS
from application.synthetic.work import GroupWork
from domain.base import AccordAggregate, current_actor
from domain.organisation import Organisation
from domain.person import Person


class Generator:
    """What the steps act on and record into, and the choices they share."""

    def __init__(
        self,
        ledger: Ledger,
        target: int,
        seed: int,
        progress: Callable[[int], None] | None = None,
        administrator: tuple[str, str | None] = ("Benchmark Administrator", "admin@example.org"),
    ) -> None:
        self.ledger = ledger
        self.progress = progress
        self.administrator = administrator
        self.target = target
        self.rng = random.Random(seed)
        span = timedelta(days=365 * years_for(target)) + TAIL
        self.groups = groups_for(target)
        start = datetime.now(UTC) - span
        self.clock = SimulatedClock(start, (span - TAIL).total_seconds() / target, self.rng)
        self.pending: list[Any] = []
        self.touched: dict[Any, AccordAggregate] = {}
        self.total = 0
        self.by_type: Counter[str] = Counter()
        self.backdated = 0
        self.records: Counter[str] = Counter()
        self.organisations: list[Organisation] = []
        self.people: list[Person] = []
        self.person: dict[str, Person] = {}
        self.work: list[GroupWork] = []
        self.work_of: dict[str, GroupWork] = {}
        self.open_work: list[GroupWork] = []
        self.open_weights: list[float] = []
        self.staff: dict[str, set[str]] = {}
        self.admin_id = ""
        self.admin_key = ""
        self.admin_key_id = ""
        self.closed_one = False
        self.refused = 0

    # Recording.

    def record(self, *aggregates: AccordAggregate) -> None:
        """Take the new events of a step, in order, for the next ledger.save()."""
        count = 0
        for aggregate in aggregates:
            events = aggregate.collect_events()
            for event in events:
                # Every Accord event class has an explicit, stable TOPIC.
                topic: str = getattr(type(event), "TOPIC")  # noqa: B009
                self.by_type[topic.removeprefix("accord.")] += 1
                if event.originator_version == 1:
                    self.records[type(aggregate).__name__] += 1
            self.pending.extend(events)
            self.touched[aggregate.id] = aggregate
            count += len(events)
        self.total += count
        self.clock.advance(count)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        aggregates = list(self.touched.values())
        rows = [r for a in aggregates if (r := Ledger.index_row(a)) is not None]
        # Events first, in the order they happened; the aggregates (nothing pending now)
        # are passed too, so that the library takes its snapshots as after any save.
        self.ledger.save(*self.pending, *aggregates, index_rows=rows)
        if self.progress is not None:
            self.progress(len(self.pending))
        self.pending = []
        self.touched = {}

    def when(self, chance: float, max_days: float, not_before: datetime | None = None) -> datetime:
        """Now, or (with `chance`) back-dated by up to `max_days`, but never before
        `not_before` (what the change depends on began then: docs/time.md)."""
        if self.rng.random() < chance:
            self.backdated += 1
            moment = self.clock.now - timedelta(days=self.rng.uniform(0.1, max_days))
            return moment if not_before is None else max(moment, not_before)
        return self.clock.now

    @staticmethod
    def act_as(person_id: str | None) -> None:
        current_actor.set(person_id)

    def reopen_work(self) -> None:
        """The open groups and their cumulative weights, for choosing where a step happens."""
        self.open_work = [w for w in self.work if w.group.status == "open"]
        self.open_weights = list(itertools.accumulate(w.weight for w in self.open_work))

    def member(self, work: GroupWork, *, voting: bool = False) -> str | None:
        members = [p for p, role in work.group.members.items() if not voting or role != "observer"]
        return self.rng.choice(members) if members else None

    def members(self, work: GroupWork, low: int, high: int) -> list[str]:
        voting = [p for p, role in work.group.members.items() if role != "observer"]
        return self.rng.sample(voting, min(len(voting), self.rng.randint(low, high)))

    def party(self, work: GroupWork) -> dict[str, str]:
        roll = self.rng.random()
        if roll < 0.7 and work.group.members:
            return {"kind": "person", "id": self.rng.choice(list(work.group.members))}
        if roll < 0.85:
            other = self.rng.choice(self.work).group
            return {"kind": "group", "id": str(other.id)}
        return {"kind": "organisation", "id": str(self.rng.choice(self.organisations).id)}

    def text(self) -> tuple[str, str]:
        rng = self.rng
        thing, area = rng.choice(THINGS), rng.choice(AREAS)
        return thing, area
