"""Generating a synthetic ledger: the cast first, then steps chosen by their frequency."""

from __future__ import annotations

import math
from collections.abc import Callable

from application.ledger import Ledger
from application.synthetic import people
from application.synthetic.clock import simulated_time
from application.synthetic.generator import Generator
from application.synthetic.shape import REGION, STEPS
from application.synthetic.steps import STEP_FUNCTIONS
from application.synthetic.words import AREAS, GROUP_NAMES, ORGANISATIONS
from application.synthetic.work import Dataset, GroupWork
from domain.base import AccordError, current_actor
from domain.group import Group
from domain.organisation import Organisation


def run(g: Generator) -> Dataset:
    """Generate the whole ledger: its cast, then steps until the target is reached."""
    token = current_actor.set(None)
    try:
        with simulated_time(g.clock):
            first = g.clock.now
            setup(g)
            steps, weights = list(STEPS), list(STEPS.values())
            while g.total < g.target:
                if not g.closed_one and g.total >= 0.85 * g.target:
                    people.close_a_group(g)
                step(g, g.rng.choices(steps, weights)[0])
            g.flush()
            last = g.clock.now
    finally:
        current_actor.reset(token)
    return Dataset(
        admin_key="",
        groups=[(str(w.group.id), w.group.created_on) for w in g.work],
        first_recorded=first,
        last_recorded=last,
        events=g.ledger.head_position(),
        by_type=dict(sorted(g.by_type.items())),
        backdated=g.backdated,
        records=dict(sorted(g.records.items())),
    )


def setup(g: Generator) -> None:
    """The administrator, organisations, people and groups, with their first members."""
    rng = g.rng
    # The first administrator, through the command (one event), as on a new ledger.
    g.admin_id, row, g.admin_key = g.ledger.keys.bootstrap(*g.administrator)
    g.admin_key_id = row.key_id
    g.total = g.ledger.head_position()
    g.act_as(g.admin_id)
    regions = math.ceil(g.groups / REGION)
    for region in range(regions):
        for name, sector in ORGANISATIONS:
            organisation = Organisation.register(
                name if regions == 1 else f"{name}, region {region + 1}", sector
            )
            g.organisations.append(organisation)
            g.record(organisation)
    for _ in range(max(40, min(20 * g.groups, g.target // 100))):
        people.register_person(g)
    for index in range(g.groups):
        name, kind = GROUP_NAMES[index % len(GROUP_NAMES)]
        if g.groups > len(GROUP_NAMES):
            name = f"{name}, region {index // len(GROUP_NAMES) + 1}"
        convener = rng.choice(g.people)
        parent = None if index == 0 else rng.choice(g.work[: max(1, index // 3)]).group
        g.act_as(str(convener.id))
        group = Group.convene(
            name,
            kind,
            f"To bring together everyone working on {rng.choice(AREAS)} and "
            f"{rng.choice(AREAS)}, and to agree how we share the work.",
            parent,
            str(convener.id),
            g.when(0.5, 90, parent.began_at if parent is not None else None),
        )
        g.record(group)
        # Bounded activity: the busiest groups record 3 times as much as the quietest.
        work = GroupWork(group, rng.uniform(0.5, 1.5))
        g.work.append(work)
        g.work_of[str(group.id)] = work
    g.reopen_work()
    for work in g.work:
        for _ in range(rng.randint(4, 12)):
            people.join(g, work, back_days=60)


def step(g: Generator, name: str) -> None:
    """One step of its kind, in a group chosen by weight."""
    work = g.rng.choices(g.open_work, cum_weights=g.open_weights)[0]
    try:
        STEP_FUNCTIONS[name](g, work)
    except AccordError:
        # Refused by the domain (rules are checked before any event is triggered),
        # like a command answering 409 or 422: nothing is recorded.
        g.refused += 1


def generate(
    ledger: Ledger, target: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> Dataset:
    """Fill an empty ledger with about `target` events; returns what the benchmark needs."""
    generator = Generator(ledger, target, seed, progress)
    dataset = run(generator)
    dataset.admin_key = generator.admin_key
    dataset.refused = generator.refused
    return dataset
