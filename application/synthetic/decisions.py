"""Steps of the synthetic ledger about decisions: proposed, agreed, rejected, withdrawn, revoked."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from application.synthetic.shape import MAX_AGREED, MAX_PROPOSED
from application.synthetic.words import AREAS, VERBS
from application.synthetic.work import GroupWork
from domain.decision import Decision

if TYPE_CHECKING:
    from application.synthetic.generator import Generator


def propose_decision(g: Generator, work: GroupWork) -> None:
    rng = g.rng
    if len(work.proposed) >= MAX_PROPOSED:
        agree_decision(g, work)
        return
    proposer = g.member(work, voting=True)
    g.act_as(proposer)
    thing, area = g.text()
    verb = rng.choice(VERBS)
    decision = Decision.propose(
        work.group,
        f"{verb} {thing} for {area}",
        f"We will {verb.lower()} {thing} for {area} from next month, with the leads of "
        f"{rng.choice(AREAS)} and {rng.choice(AREAS)}, and report back at the review.",
        context=(
            f"Raised at the last meeting after feedback on {rng.choice(AREAS)}."
            if rng.random() < 0.6
            else None
        ),
        rationale=(
            "It frees staff time and removes a duplicated hand-off between services."
            if rng.random() < 0.5
            else None
        ),
        proposed_by=proposer,
    )
    work.proposed.append(decision)
    g.record(decision)


def agree_decision(g: Generator, work: GroupWork) -> None:
    rng = g.rng
    if not work.proposed:
        return
    decision = work.proposed[0] if rng.random() < 0.7 else rng.choice(work.proposed)
    participants = g.members(work, 3, 9)
    if not participants:
        return
    when = g.when(0.4, 10)
    organisations = [
        o for p in participants if (o := g.person[p].organisation_at(when)) is not None
    ]
    objections = (
        [{"person_id": participants[-1], "reason": "The evidence from the pilot is thin."}]
        if rng.random() < 0.1
        else []
    )
    principles = rng.sample(work.principles, min(len(work.principles), rng.randint(0, 2)))
    earlier = [
        d for d in work.agreed[-30:] if d.effective_at is not None and d.effective_at <= when
    ]
    crowded = len(work.agreed) >= MAX_AGREED
    supersedes = [rng.choice(earlier)] if earlier and (crowded or rng.random() < 0.5) else []
    g.act_as(participants[0])
    decision.agree(
        work.group,
        rng.choice(["consent", "consent", "consensus", "vote", "delegated_authority"]),
        participants,
        organisations,
        objections,
        principles,
        supersedes,
        when,
        (when + timedelta(days=365)).date() if rng.random() < 0.3 else None,
    )
    work.proposed.remove(decision)
    work.agreed.append(decision)
    for old in supersedes:
        work.agreed.remove(old)
    g.record(decision, *supersedes)


def reject_decision(g: Generator, work: GroupWork) -> None:
    if work.proposed:
        decision = g.rng.choice(work.proposed)
        g.act_as(g.member(work, voting=True))
        decision.reject(work.group, "Not the right time; revisit after the evaluation.")
        work.proposed.remove(decision)
        g.record(decision)


def withdraw_decision(g: Generator, work: GroupWork) -> None:
    if work.proposed:
        decision = g.rng.choice(work.proposed)
        g.act_as(decision.proposed_by or g.member(work, voting=True))
        decision.withdraw(work.group, None)
        work.proposed.remove(decision)
        g.record(decision)


def revoke_decision(g: Generator, work: GroupWork) -> None:
    if work.agreed:
        decision = g.rng.choice(work.agreed)
        g.act_as(g.member(work, voting=True))
        decision.revoke(work.group, "It did not work as intended.", g.when(0.3, 14))
        work.agreed.remove(decision)
        g.record(decision)
