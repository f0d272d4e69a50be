"""Steps of the synthetic ledger about conflicts: raised, worked through and closed."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

from application.synthetic.shape import MAX_OPEN_CONFLICTS
from application.synthetic.words import THINGS
from application.synthetic.work import GroupWork
from domain.conflict import Conflict

if TYPE_CHECKING:
    from application.synthetic.generator import Generator


def raise_conflict(g: Generator, work: GroupWork) -> None:
    if len(work.conflicts) >= MAX_OPEN_CONFLICTS:
        resolve_conflict(g, work)
        return
    raised_by = g.member(work)
    if raised_by is None:
        return
    thing, area = g.text()
    g.act_as(raised_by)
    parties = [g.party(work) for _ in range(g.rng.randint(1, 3))]
    conflict = Conflict.raise_conflict(
        work.group,
        raised_by,
        parties,
        f"Tension over {thing} in {area}",
        f"Teams disagree about who does what in {area}; referrals are bouncing back "
        "and people are waiting longer than they should.",
    )
    work.conflicts.append(conflict)
    g.record(conflict)


def acknowledge_conflict(g: Generator, work: GroupWork) -> None:
    raised = [c for c in work.conflicts if c.status == "raised"]
    if raised:
        g.act_as(g.member(work, voting=True))
        conflict = raised[0]
        conflict.acknowledge(work.group, "Heard; we will work this through together.")
        g.record(conflict)


def add_note(g: Generator, work: GroupWork) -> None:
    working = [c for c in work.conflicts if c.status != "raised"]
    if working:
        conflict = g.rng.choice(working)
        g.act_as(g.member(work))
        conflict.add_note(
            work.group,
            str(uuid4()),
            f"Met with the parties on {g.clock.now:%d %B}; agreed next steps on "
            f"{g.rng.choice(THINGS)} and a check-in in two weeks.",
        )
        g.record(conflict)


def _close_conflict(g: Generator, work: GroupWork) -> Conflict | None:
    working = [c for c in work.conflicts if c.status != "raised"]
    if not working:
        return None
    g.act_as(g.member(work, voting=True))
    return g.rng.choice(working)


def resolve_conflict(g: Generator, work: GroupWork) -> None:
    conflict = _close_conflict(g, work)
    if conflict is not None:
        decision = g.rng.choice(work.agreed) if work.agreed and g.rng.random() < 0.3 else None
        conflict.resolve(
            work.group,
            "The parties agreed a shared protocol and a named contact on each side.",
            decision,
            g.when(0.3, 7),
        )
        work.conflicts.remove(conflict)
        g.record(conflict)


def escalate_conflict(g: Generator, work: GroupWork) -> None:
    conflict = _close_conflict(g, work)
    parent_id = work.group.parent_group_id
    if conflict is not None and parent_id is not None:
        parent = g.work_of[parent_id].group
        conflict.escalate(work.group, parent, "It needs a decision across organisations.")
        work.conflicts.remove(conflict)
        g.record(conflict)


def withdraw_conflict(g: Generator, work: GroupWork) -> None:
    conflict = _close_conflict(g, work)
    if conflict is not None:
        conflict.withdraw(work.group, "Settled informally.")
        work.conflicts.remove(conflict)
        g.record(conflict)
