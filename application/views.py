"""Plain-data views of records, for the interfaces to serialise."""

from __future__ import annotations

from typing import Any

from domain.accountability import Accountability
from domain.base import AccordAggregate
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person
from domain.principle import Principle


def _common(aggregate: AccordAggregate) -> dict[str, Any]:
    return {
        "id": str(aggregate.id),
        "version": aggregate.version,
        "created_on": aggregate.created_on,
        "modified_on": aggregate.modified_on,
    }


def organisation(o: Organisation) -> dict[str, Any]:
    return {**_common(o), "name": o.name, "sector": o.sector}


def person(p: Person) -> dict[str, Any]:
    return {
        **_common(p),
        "name": p.name,
        "email": p.email,
        # True once the person's key is destroyed: name and email read as placeholders.
        "erased": p.erased,
        "organisation_id": p.organisation_id,
        "affiliations": [dict(a) for a in p.affiliations],
    }


def group(g: Group) -> dict[str, Any]:
    return {
        **_common(g),
        "name": g.name,
        "kind": g.kind,
        "purpose": g.purpose,
        "parent_group_id": g.parent_group_id,
        "status": g.status,
        "members": [{"person_id": pid, "role": role} for pid, role in g.members.items()],
    }


def decision(d: Decision) -> dict[str, Any]:
    return {
        **_common(d),
        "group_id": d.group_id,
        "title": d.title,
        "context": d.context,
        "decision": d.proposal,
        "rationale": d.rationale,
        "proposed_by": d.proposed_by,
        "status": d.status,
        "method": d.method,
        "participants": list(d.participants),
        "participant_organisations": list(d.participant_organisations),
        "objections": [dict(o) for o in d.objections],
        "principles": list(d.principles),
        "supersedes": list(d.supersedes),
        "superseded_by": d.superseded_by,
        "effective_at": d.effective_at,
        "review_date": d.review_date,
        "outcome_reason": d.outcome_reason,
    }


def conflict(c: Conflict) -> dict[str, Any]:
    return {
        **_common(c),
        "group_id": c.group_id,
        "raised_by": c.raised_by,
        "parties": [dict(p) for p in c.parties],
        "about": c.about,
        "description": c.description,
        "status": c.status,
        "notes": [dict(n) for n in c.notes],
        "outcome": c.outcome,
        "resolved_by_decision_id": c.resolved_by_decision_id,
        "escalated_to_group_id": c.escalated_to_group_id,
        "closed_reason": c.closed_reason,
    }


def principle(p: Principle) -> dict[str, Any]:
    return {
        **_common(p),
        "group_id": p.group_id,
        "statement": p.statement,
        "rationale": p.rationale,
        "status": p.status,
        "endorsements": [
            {"person_id": pid, "stance": s["stance"], "reason": s["reason"]}
            for pid, s in p.stances.items()
        ],
        "earlier_wordings": [dict(w) for w in p.earlier_wordings],
        "agreed_at": p.agreed_at,
    }


def accountability(a: Accountability) -> dict[str, Any]:
    return {
        **_common(a),
        "group_id": a.group_id,
        "title": a.title,
        "scope": a.scope,
        "status": a.status,
        "holder": dict(a.holder),
        "holders": [{"holder": dict(h["holder"]), "from": h["from"]} for h in a.holders],
        "open_handover_id": a.open_handover_id,
        "handovers": [
            {k: v for k, v in h.items() if k != "offered_at"} for h in a.handovers.values()
        ],
    }
