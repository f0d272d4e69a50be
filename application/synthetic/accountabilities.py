"""Steps of the synthetic ledger about accountabilities and their handovers."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

from application.synthetic.shape import MAX_ACCOUNTABILITIES
from application.synthetic.work import GroupWork
from domain.accountability import Accountability
from domain.base import AccordError

if TYPE_CHECKING:
    from application.synthetic.generator import Generator


def define_accountability(g: Generator, work: GroupWork) -> None:
    if len(work.accountabilities) >= MAX_ACCOUNTABILITIES:
        retire_accountability(g, work)
        return
    thing, area = g.text()
    g.act_as(g.member(work, voting=True))
    accountability = Accountability.define(
        work.group,
        f"Keep {thing} running for {area}",
        g.party(work),
        f"Day-to-day coordination of {thing}; reports monthly to the group.",
        g.when(0.35, 30),
    )
    work.accountabilities.append(accountability)
    g.record(accountability)


def offer_handover(g: Generator, work: GroupWork) -> None:
    free = [a for a in work.accountabilities if a.open_handover_id is None]
    if free:
        accountability = g.rng.choice(free)
        to = g.party(work)
        if to == accountability.holder:
            return
        g.act_as(g.member(work, voting=True))
        accountability.offer_handover(
            work.group, str(uuid4()), to, "Rotating the role, as agreed at the review."
        )
        g.record(accountability)


def _open(g: Generator, work: GroupWork) -> tuple[Accountability, str] | None:
    offered = [a for a in work.accountabilities if a.open_handover_id is not None]
    if not offered:
        return None
    accountability = g.rng.choice(offered)
    assert accountability.open_handover_id is not None
    return accountability, accountability.open_handover_id


def _recipient(g: Generator, work: GroupWork, to: dict[str, str]) -> str | None:
    """Someone on the recipient side, as the command checks it."""
    if to["kind"] == "person":
        return to["id"]
    if to["kind"] == "group":
        group = g.work_of[to["id"]].group
        return g.rng.choice(list(group.members)) if group.members else None
    staff = sorted(g.staff.get(to["id"], ()))
    return g.rng.choice(staff) if staff else None


def accept_handover(g: Generator, work: GroupWork) -> None:
    found = _open(g, work)
    if found is None:
        return
    accountability, handover_id = found
    g.act_as(_recipient(g, work, accountability.handovers[handover_id]["to"]))
    try:
        accountability.accept_handover(work.group, handover_id, True, g.when(0.35, 14))
    except AccordError:
        # The recipient has left the group meanwhile: whoever offered it takes it back.
        g.act_as(g.member(work, voting=True))
        accountability.withdraw_handover(work.group, handover_id, "The recipient has left.")
    g.record(accountability)


def decline_handover(g: Generator, work: GroupWork) -> None:
    found = _open(g, work)
    if found is not None:
        accountability, handover_id = found
        g.act_as(_recipient(g, work, accountability.handovers[handover_id]["to"]))
        accountability.decline_handover(work.group, handover_id, True, "No capacity this quarter.")
        g.record(accountability)


def withdraw_handover(g: Generator, work: GroupWork) -> None:
    found = _open(g, work)
    if found is not None:
        accountability, handover_id = found
        g.act_as(g.member(work, voting=True))
        accountability.withdraw_handover(work.group, handover_id, None)
        g.record(accountability)


def return_accountability(g: Generator, work: GroupWork) -> None:
    ready = [
        a
        for a in work.accountabilities
        if a.open_handover_id is None and a.previous_holder is not None
    ]
    if ready:
        accountability = g.rng.choice(ready)
        g.act_as(g.member(work, voting=True))
        accountability.return_to_previous(work.group, "Back after leave.", g.when(0.4, 21))
        g.record(accountability)


def retire_accountability(g: Generator, work: GroupWork) -> None:
    ready = [a for a in work.accountabilities if a.open_handover_id is None]
    if ready:
        accountability = g.rng.choice(ready)
        g.act_as(g.member(work, voting=True))
        accountability.retire(work.group, "No longer needed.", g.when(0.3, 14))
        work.accountabilities.remove(accountability)
        g.record(accountability)
