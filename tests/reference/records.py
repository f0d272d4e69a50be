"""Steps on a group's records: decisions, principles, conflicts and accountabilities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

from tests.reference.model import ACCEPT, Verdict, first_refusal, unspecified
from tests.reference.programme import METHODS, PROPOSALS, Programme, parse


def non_member(p: Programme, group: str, person: str, effective: datetime) -> Verdict | None:
    """A conflict's party who is not a member at effective_at (or now): time.md names the
    raiser, not the parties, among the people who must be members."""
    for moment in (effective, datetime.now(p.start.tzinfo)):
        if p.model.member_role(group, person, moment) is None:
            return unspecified("a person named who is not a member (time.md is silent)")
    return None


def pick(p: Programme, kind: str) -> str | None:
    found = p.of(kind)
    return p.draw(st.sampled_from(found), kind) if found else None


def early_proposal(p: Programme, group: str, effective: datetime) -> Verdict:
    """A proposal taking effect, or recorded by a proposer who is a member only, before its
    group's convening: time.md lists neither among the refusals."""
    now = datetime.now(p.start.tzinfo)
    if p.model.groups[group].convened > min(effective, now):
        return unspecified("a proposal before its group's convening (time.md is silent)")
    return ACCEPT


def change(
    p: Programme, name: str, record: str, effective: datetime | None, **new: Any
) -> Callable[[dict[str, Any]], None]:
    def apply(answer: dict[str, Any]) -> None:
        recorded = parse(answer["modified_on"])
        p.model._change(name, record, recorded, effective or recorded, **new)

    return apply


# ------------------------------------------------------------------ decisions


def someone(p: Programme, group: str, effective: datetime | None, label: str) -> str:
    """A person to name: mostly a member at effective_at, sometimes anyone (a member at
    other times, or never one)."""
    everyone = [a.person_id for a in p.everyone]
    moment = p.when(effective)
    members = [x for x in everyone if p.model.member_role(group, x, moment) is not None]
    if members and p.draw(st.sampled_from([True, True, True, False]), f"{label}: a member"):
        everyone = members
    return str(p.draw(st.sampled_from(everyone), label))


def participants(p: Programme, group: str, effective: datetime | None) -> list[str]:
    """Mostly members at effective_at; sometimes anyone."""
    named = p.draw(st.integers(1, 3), "participants")
    return sorted({someone(p, group, effective, "participant") for _ in range(named)})


def agreement(p: Programme, group: str) -> tuple[dict[str, Any], datetime | None, list[str]]:
    effective = p.effective()
    agreed = [
        d
        for d in p.of("decision")
        if p.model.latest(d)["status"] == "agreed" and p.model.records[d].group_id == group
    ]
    supersedes = (
        p.draw(st.lists(st.sampled_from(agreed), max_size=1), "supersedes") if agreed else []
    )
    body = p.timed(
        {
            "method": p.draw(st.sampled_from(METHODS), "method"),
            "participants": participants(p, group, effective),
            "supersedes": supersedes,
        },
        effective,
    )
    return body, effective, supersedes


def agree_in_model(
    p: Programme,
    record: str,
    body: dict[str, Any],
    effective: datetime | None,
    answer: dict[str, Any],
) -> None:
    recorded = parse(answer["modified_on"])
    when = effective or recorded
    p.model.agree(record, body["method"], body["participants"], [], recorded, when)
    for old in body["supersedes"]:
        # The superseded decision's own event, recorded with the agreement.
        stamp = parse(p.api.read(f"/decisions/{old}")["modified_on"])
        p.model._change("Decision.Superseded", old, stamp, when, status="superseded")


def proposed_at(
    proposal: datetime | None, agreement: datetime | None, at_once: bool, recorded: datetime
) -> datetime:
    """When a proposal takes effect (docs/time.md): its own `effective_at`; left out, when
    recorded, or with its agreement in the same request, when the agreement takes effect."""
    if proposal is not None:
        return proposal
    if at_once:
        return agreement or recorded
    return recorded


def propose_decision(p: Programme) -> None:
    group = p.draw(st.sampled_from(p.groups), "group")
    body: dict[str, Any] = {"title": p.text("Decision"), "decision": "Do it"}
    recorded_at_once = p.draw(st.booleans(), "with its agreement")
    proposal = p.effective(PROPOSALS)
    effective = None
    supersedes: list[str] = []
    if recorded_at_once:
        body["agreement"], effective, supersedes = agreement(p, group)
    verdict = early_proposal(p, group, p.when(proposal if proposal else effective))
    if recorded_at_once:
        verdict = first_refusal(
            verdict,
            p.model.check_agree(
                None,
                group,
                body["agreement"]["participants"],
                supersedes,
                p.when(effective),
                proposal,
            ),
        )
    p.timed(body, proposal)

    def apply(answer: dict[str, Any]) -> None:
        record = answer["id"]
        created = parse(answer["created_on"])
        since = proposed_at(proposal, effective, recorded_at_once, created)
        p.model.create(
            "decision",
            "Decision.Proposed",
            record,
            group,
            created,
            since,
            status="proposed",
            method=None,
            effective_at=None,
            proposed_at=since,
            participant_organisations=set(),
        )
        p.of("decision").append(record)
        if recorded_at_once:
            agree_in_model(p, record, body["agreement"], effective, answer)

    p.attempt("propose decision", verdict, "POST", f"/groups/{group}/decisions", body, apply)


def agree_decision(p: Programme) -> None:
    record = pick(p, "decision")
    if record is None:
        return
    group = p.model.records[record].group_id
    body, effective, supersedes = agreement(p, group)
    verdict = p.model.check_agree(
        record, group, body["participants"], supersedes, p.when(effective)
    )
    p.attempt(
        "agree decision",
        verdict,
        "POST",
        f"/decisions/{record}/agree",
        body,
        lambda answer: agree_in_model(p, record, body, effective, answer),
    )


def end_decision(p: Programme) -> None:
    record = pick(p, "decision")
    if record is None:
        return
    ending = p.draw(st.sampled_from(["reject", "withdraw"]), "ending")
    status = {"reject": "rejected", "withdraw": "withdrawn"}[ending]
    verdict = p.model.check_end_decision(record, ending)
    name = f"Decision.{status.capitalize()}"
    p.attempt(
        f"{ending} decision",
        verdict,
        "POST",
        f"/decisions/{record}/{ending}",
        {},
        change(p, name, record, None, status=status),
    )


def revoke_decision(p: Programme) -> None:
    record = pick(p, "decision")
    if record is None:
        return
    effective = p.effective()
    verdict = p.model.status(record, ("agreed",), "revoke") or p.model.check_revoke(
        record, p.when(effective)
    )
    body = p.timed({"reason": "No longer needed"}, effective)
    p.attempt(
        "revoke decision",
        verdict,
        "POST",
        f"/decisions/{record}/revoke",
        body,
        change(p, "Decision.Revoked", record, effective, status="revoked"),
    )


# ------------------------------------------------------------------ principles


def propose_principle(p: Programme) -> None:
    group = p.draw(st.sampled_from(p.groups), "group")
    statement = p.text("Principle")
    effective = p.effective(PROPOSALS)

    def apply(answer: dict[str, Any]) -> None:
        recorded = parse(answer["created_on"])
        p.model.create(
            "principle",
            "Principle.Proposed",
            answer["id"],
            group,
            recorded,
            effective or recorded,
            status="proposed",
            statement=statement,
            agreed_at=None,
            proposed_at=effective or recorded,
        )
        p.of("principle").append(answer["id"])

    p.attempt(
        "propose principle",
        early_proposal(p, group, p.when(effective)),
        "POST",
        f"/groups/{group}/principles",
        p.timed({"statement": statement}, effective),
        apply,
    )


def respond_to_principle(p: Programme) -> None:
    """An endorsement or an objection, by the caller or a named person."""
    record = pick(p, "principle")
    if record is None or p.model.latest(record)["status"] != "proposed":
        return  # what a response to an agreed principle does is not in time.md
    person = p.draw(st.sampled_from(p.everyone), "responder").person_id
    stance = p.draw(st.sampled_from(["endorse", "object"]), "stance")
    name = {"endorse": "Principle.Endorsed", "object": "Principle.ObjectedTo"}[stance]
    p.attempt(
        f"{stance} principle",
        p.model.check_respond(record, person),
        "POST",
        f"/principles/{record}/endorsements",
        {"stance": stance, "person_id": person},
        change(p, name, record, None, responder=person),
    )


def agree_principle(p: Programme) -> None:
    record = pick(p, "principle")
    if record is None:
        return
    effective = p.effective()
    verdict = p.model.check_principle_agree(record, p.when(effective))

    def apply(answer: dict[str, Any]) -> None:
        recorded = parse(answer["modified_on"])
        when = effective or recorded
        p.model._change("Principle.Agreed", record, recorded, when, status="agreed", agreed_at=when)

    p.attempt(
        "agree principle",
        verdict,
        "POST",
        f"/principles/{record}/agree",
        p.timed({}, effective),
        apply,
    )


def amend_or_retire_principle(p: Programme) -> None:
    record = pick(p, "principle")
    if record is None:
        return
    effective = p.effective()
    verdict = p.model.check_principle_change(record, p.when(effective))
    if p.draw(st.booleans(), "amend"):
        statement = p.text("Principle")
        p.attempt(
            "amend principle",
            verdict,
            "POST",
            f"/principles/{record}/amend",
            p.timed({"statement": statement}, effective),
            change(p, "Principle.Amended", record, effective, statement=statement),
        )
    else:
        p.attempt(
            "retire principle",
            verdict,
            "POST",
            f"/principles/{record}/retire",
            p.timed({}, effective),
            change(p, "Principle.Retired", record, effective, status="retired"),
        )


# ------------------------------------------------------------------ conflicts


def raise_conflict(p: Programme) -> None:
    group = p.draw(st.sampled_from(p.groups), "group")
    party = p.draw(st.sampled_from(p.people), "party").person_id
    effective = p.effective()
    assert p.api.admin is not None
    raiser = None
    if p.draw(st.booleans(), "raised by someone named"):
        raiser = someone(p, group, effective, "raised by")
    verdict = first_refusal(
        p.model.check_raise(group, raiser or p.api.admin.person_id, p.when(effective)),
        non_member(p, group, party, p.when(effective)),
    )
    body = p.timed(
        {"parties": [{"kind": "person", "id": party}], "about": p.text("About")}, effective
    )
    if raiser is not None:
        body["raised_by"] = raiser

    def apply(answer: dict[str, Any]) -> None:
        recorded = parse(answer["modified_on"])
        when = effective or recorded
        p.model.create(
            "conflict",
            "Conflict.Raised",
            answer["id"],
            group,
            recorded,
            when,
            status="raised",
            raised_at=when,
        )
        p.of("conflict").append(answer["id"])

    p.attempt("raise conflict", verdict, "POST", f"/groups/{group}/conflicts", body, apply)


def work_on_conflict(p: Programme) -> None:
    record = pick(p, "conflict")
    if record is None:
        return
    how = p.draw(st.sampled_from(["acknowledge", "notes", "withdraw", "resolve", "resolve"]), "how")
    open_ = ("raised", "acknowledged", "working_through")
    if how == "resolve":
        effective = p.effective()
        verdict = p.model.check_resolve(record, p.when(effective))
        p.attempt(
            "resolve conflict",
            verdict,
            "POST",
            f"/conflicts/{record}/resolve",
            p.timed({"outcome": "Settled"}, effective),
            change(p, "Conflict.Resolved", record, effective, status="resolved"),
        )
        return
    # The lifecycle (PRODUCT.md): raised -> acknowledged -> worked through.
    wanted = {"acknowledge": ("raised",), "notes": open_[1:]}.get(how, open_)
    verdict = p.model.check_conflict_step(record, wanted, how)
    status, name, body = {
        "acknowledge": ("acknowledged", "Conflict.Acknowledged", {}),
        "notes": ("working_through", "Conflict.NoteAdded", {"text": "We met"}),
        "withdraw": ("withdrawn", "Conflict.Withdrawn", {}),
    }[how]
    p.attempt(
        f"{how} conflict",
        verdict,
        "POST",
        f"/conflicts/{record}/{how}",
        body,
        change(p, name, record, None, status=status),
    )


# ------------------------------------------------------------------ accountabilities


def party(p: Programme, group: str, effective: datetime | None) -> dict[str, str]:
    kind = p.draw(st.sampled_from(["person", "person", "organisation", "group"]), "holder kind")
    if kind == "person":
        return {"kind": "person", "id": someone(p, group, effective, "holder")}
    if kind == "organisation":
        return {"kind": "organisation", "id": p.draw(st.sampled_from(p.orgs), "organisation")}
    return {"kind": "group", "id": group}


def define_accountability(p: Programme) -> None:
    group = p.draw(st.sampled_from(p.groups), "group")
    effective = p.effective()
    holder = party(p, group, effective)
    verdict = p.model.check_define(group, holder, p.when(effective))
    body = p.timed({"title": p.text("Accountability"), "holder": holder}, effective)

    def apply(answer: dict[str, Any]) -> None:
        recorded = parse(answer["modified_on"])
        when = effective or recorded
        p.model.create(
            "accountability",
            "Accountability.Defined",
            answer["id"],
            group,
            recorded,
            when,
            status="active",
            holder=holder,
            holder_since=when,
            open_handover=None,
        )
        p.of("accountability").append(answer["id"])

    p.attempt("define", verdict, "POST", f"/groups/{group}/accountabilities", body, apply)


def after(p: Programme, since: datetime) -> datetime | None:
    """An effective time, mostly not before `since` (a step dated before the one it
    follows is refused; drawn now and then, not most of the time)."""
    effective = p.effective()
    if effective is not None and effective < since and p.draw(st.booleans(), "move it on"):
        return None if since <= p.when(None) else since
    return effective


def offer(p: Programme, record: str) -> None:
    effective = after(p, p.model.latest(record)["holder_since"])
    to = {"kind": "person", "id": someone(p, p.model.records[record].group_id, effective, "to")}
    verdict = p.model.check_offer(record, to, p.when(effective))
    holder = p.model.latest(record)["holder"]

    def apply(answer: dict[str, Any]) -> None:
        recorded = parse(answer["modified_on"])
        handover = {
            "handover_id": answer["open_handover_id"],
            "to": to,
            "from": holder,
            "offered_at": effective or recorded,
        }
        p.model._change(
            "Accountability.HandoverOffered",
            record,
            recorded,
            effective or recorded,
            open_handover=handover,
        )

    p.attempt(
        "offer",
        verdict,
        "POST",
        f"/accountabilities/{record}/handovers",
        p.timed({"to": to}, effective),
        apply,
    )


def settle(p: Programme, record: str) -> None:
    open_ = p.model.latest(record)["open_handover"]
    if open_ is None:
        return
    handover = open_["handover_id"]
    how = p.draw(st.sampled_from(["accept", "accept", "decline", "withdraw"]), "settle")
    url = f"/accountabilities/{record}/handovers/{handover}/{how}"
    recipient = p.actor(open_["to"]["id"])
    if how == "accept":
        effective = after(p, max(open_["offered_at"], p.model.latest(record)["holder_since"]))
        verdict = p.model.check_accept(record, handover, p.when(effective))
        p.attempt(
            "accept",
            verdict,
            "POST",
            url,
            p.timed({}, effective),
            accept_in_model(p, record, open_, effective),
            as_=recipient,
        )
        return
    name = {"decline": "HandoverDeclined", "withdraw": "HandoverWithdrawn"}[how]
    p.attempt(
        how,
        p.model.check_settle(record, handover, how),
        "POST",
        url,
        {},
        change(p, f"Accountability.{name}", record, None, open_handover=None),
        as_=recipient if how == "decline" else None,
    )


def accept_in_model(
    p: Programme, record: str, open_: dict[str, Any], effective: datetime | None
) -> Callable[[dict[str, Any]], None]:
    def apply(answer: dict[str, Any]) -> None:
        recorded = parse(answer["modified_on"])
        when = effective or recorded
        p.model._change(
            "Accountability.HandoverAccepted",
            record,
            recorded,
            when,
            holder=open_["to"],
            holder_since=when,
            open_handover=None,
            offered_by=open_["from"],
        )

    return apply


def return_or_retire(p: Programme, record: str) -> None:
    effective = p.effective()
    if p.draw(st.booleans(), "return"):
        verdict = p.model.check_return(record, p.when(effective))
        previous = p.model.previous_holder(record)

        def apply(answer: dict[str, Any]) -> None:
            recorded = parse(answer["modified_on"])
            when = effective or recorded
            holder = answer["holder"] if previous is None else previous
            p.model._change(
                "Accountability.Returned",
                record,
                recorded,
                when,
                holder=holder,
                holder_since=when,
                open_handover=None,
            )

        p.attempt(
            "return",
            verdict,
            "POST",
            f"/accountabilities/{record}/return",
            p.timed({}, effective),
            apply,
        )
        return
    verdict = p.model.check_retire(record, p.when(effective))
    p.attempt(
        "retire",
        verdict,
        "POST",
        f"/accountabilities/{record}/retire",
        p.timed({}, effective),
        change(p, "Accountability.Retired", record, effective, status="retired"),
    )


def hand_over(p: Programme) -> None:
    record = pick(p, "accountability")
    if record is None:
        return
    what = p.draw(
        st.sampled_from(["offer", "settle", "settle", "return_or_retire"]), "handover step"
    )
    offered = [a for a in p.of("accountability") if p.model.latest(a)["open_handover"]]
    if what == "settle" and offered:
        record = p.draw(st.sampled_from(offered), "offered accountability")
    {"offer": offer, "settle": settle, "return_or_retire": return_or_retire}[what](p, record)


RECORD_STEPS: dict[str, Callable[[Programme], None]] = {
    "propose_decision": propose_decision,
    "agree_decision": agree_decision,
    "end_decision": end_decision,
    "revoke_decision": revoke_decision,
    "propose_principle": propose_principle,
    "agree_principle": agree_principle,
    "amend_or_retire_principle": amend_or_retire_principle,
    "respond_to_principle": respond_to_principle,
    "raise_conflict": raise_conflict,
    "work_on_conflict": work_on_conflict,
    "define_accountability": define_accountability,
    "hand_over": hand_over,
}
