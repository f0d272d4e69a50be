"""The generator: its clock, its batches of events saved together, and the choice of steps."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from application.ledger import Ledger
from application.synthetic import people
from application.synthetic.clock import SimulatedClock, simulated_time
from application.synthetic.shape import BATCH, REGION, STEPS, TAIL, groups_for, years_for
from application.synthetic.steps import STEP_FUNCTIONS
from application.synthetic.words import AREAS, GROUP_NAMES, ORGANISATIONS, THINGS
from application.synthetic.work import Dataset, GroupWork
from domain.base import AccordAggregate, AccordError, current_actor
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person


class Generator:
    """Runs the steps, chosen by their frequency in a group chosen by its weight."""

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

    # The ledger.

    def run(self) -> Dataset:
        token = current_actor.set(None)
        try:
            with simulated_time(self.clock):
                first = self.clock.now
                self.setup()
                steps, weights = list(STEPS), list(STEPS.values())
                while self.total < self.target:
                    if not self.closed_one and self.total >= 0.85 * self.target:
                        people.close_a_group(self)
                    self.step(self.rng.choices(steps, weights)[0])
                self.flush()
                last = self.clock.now
        finally:
            current_actor.reset(token)
        return Dataset(
            admin_key="",
            groups=[(str(w.group.id), w.group.created_on) for w in self.work],
            first_recorded=first,
            last_recorded=last,
            events=self.ledger.head_position(),
            by_type=dict(sorted(self.by_type.items())),
            backdated=self.backdated,
            records=dict(sorted(self.records.items())),
        )

    def setup(self) -> None:
        rng = self.rng
        # The first administrator, through the command (one event), as on a new ledger.
        self.admin_id, row, self.admin_key = self.ledger.keys.bootstrap(*self.administrator)
        self.admin_key_id = row.key_id
        self.total = self.ledger.head_position()
        self.act_as(self.admin_id)
        regions = math.ceil(self.groups / REGION)
        for region in range(regions):
            for name, sector in ORGANISATIONS:
                organisation = Organisation.register(
                    name if regions == 1 else f"{name}, region {region + 1}", sector
                )
                self.organisations.append(organisation)
                self.record(organisation)
        for _ in range(max(40, min(20 * self.groups, self.target // 100))):
            people.register_person(self)
        for index in range(self.groups):
            name, kind = GROUP_NAMES[index % len(GROUP_NAMES)]
            if self.groups > len(GROUP_NAMES):
                name = f"{name}, region {index // len(GROUP_NAMES) + 1}"
            convener = rng.choice(self.people)
            parent = None if index == 0 else rng.choice(self.work[: max(1, index // 3)]).group
            self.act_as(str(convener.id))
            group = Group.convene(
                name,
                kind,
                f"To bring together everyone working on {rng.choice(AREAS)} and "
                f"{rng.choice(AREAS)}, and to agree how we share the work.",
                parent,
                str(convener.id),
                self.when(0.5, 90, parent.began_at if parent is not None else None),
            )
            self.record(group)
            # Bounded activity: the busiest groups record 3 times as much as the quietest.
            work = GroupWork(group, rng.uniform(0.5, 1.5))
            self.work.append(work)
            self.work_of[str(group.id)] = work
        self.reopen_work()
        for work in self.work:
            for _ in range(rng.randint(4, 12)):
                people.join(self, work, back_days=60)

    def reopen_work(self) -> None:
        """The open groups and their cumulative weights, for choosing where a step happens."""
        self.open_work = [w for w in self.work if w.group.status == "open"]
        self.open_weights = list(itertools.accumulate(w.weight for w in self.open_work))

    def step(self, name: str) -> None:
        work = self.rng.choices(self.open_work, cum_weights=self.open_weights)[0]
        try:
            STEP_FUNCTIONS[name](self, work)
        except AccordError:
            # Refused by the domain (rules are checked before any event is triggered),
            # like a command answering 409 or 422: nothing is recorded.
            self.refused += 1

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


def generate(
    ledger: Ledger, target: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> Dataset:
    """Fill an empty ledger with about `target` events; returns what the benchmark needs."""
    generator = Generator(ledger, target, seed, progress)
    dataset = generator.run()
    dataset.admin_key = generator.admin_key
    dataset.refused = generator.refused
    return dataset
