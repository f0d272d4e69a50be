"""Steps of the synthetic ledger about principles: proposed, answered, agreed, amended, retired."""

from __future__ import annotations

from typing import TYPE_CHECKING

from application.synthetic.shape import MAX_PRINCIPLES, MAX_PROPOSED
from application.synthetic.words import AREAS, PRINCIPLES
from application.synthetic.work import GroupWork
from domain.principle import Principle

if TYPE_CHECKING:
    from application.synthetic.generator import Generator


def propose_principle(g: Generator, work: GroupWork) -> None:
    if len(work.drafts) >= MAX_PROPOSED:
        agree_principle(g, work)
        return
    g.act_as(g.member(work, voting=True))
    principle = Principle.propose(
        work.group,
        g.rng.choice(PRINCIPLES),
        f"Learned from our work on {g.rng.choice(AREAS)}.",
    )
    work.drafts.append(principle)
    g.record(principle)


def respond_to_principle(g: Generator, work: GroupWork) -> None:
    if not work.drafts:
        return
    principle = g.rng.choice(work.drafts)
    pending = [p for p in work.group.members if p not in principle.stances]
    if not pending:
        return
    person_id = g.rng.choice(pending)
    g.act_as(person_id)
    if g.rng.random() < 0.85:
        principle.respond(work.group, person_id, "endorse", None)
    else:
        principle.respond(work.group, person_id, "object", "The wording is too vague to test.")
    g.record(principle)


def agree_principle(g: Generator, work: GroupWork) -> None:
    if len(work.principles) >= MAX_PRINCIPLES:
        retire_principle(g, work)
        return
    ready = [p for p in work.drafts if len(p.endorsers) >= 2]
    if ready:
        principle = ready[0]
        g.act_as(g.member(work, voting=True))
        principle.agree(work.group, g.when(0.3, 14))
        work.drafts.remove(principle)
        work.principles.append(principle)
        g.record(principle)


def amend_principle(g: Generator, work: GroupWork) -> None:
    if work.principles:
        principle = g.rng.choice(work.principles)
        g.act_as(g.member(work, voting=True))
        principle.amend(
            work.group,
            principle.statement.rstrip(".") + f", including in {g.rng.choice(AREAS)}.",
            "Made explicit after a review.",
            g.when(0.3, 14),
        )
        g.record(principle)


def retire_principle(g: Generator, work: GroupWork) -> None:
    if work.principles:
        principle = g.rng.choice(work.principles)
        g.act_as(g.member(work, voting=True))
        principle.retire(
            work.group, "Superseded by the partnership's shared values.", g.when(0.3, 14)
        )
        work.principles.remove(principle)
        g.record(principle)
