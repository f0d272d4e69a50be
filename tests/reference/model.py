"""A reference model of Accord's time rules, written from docs/time.md and docs/metrics.md alone.

It shares no code with the domain, the application or the projector: it receives the same
commands the test sends over HTTP, with the times the API answered, and predicts whether
each is accepted and what the ledger must then answer. Every fact is a list of changes in
recording order, each with the fact's whole state after it; the state in effect at `E` as
known at `A` is the state of the LAST change recorded by `A` whose effective time is `<= E`
(docs/time.md, "The rule": a later-recorded change with an earlier effective time
overrides, from its effective time on, every change recorded before it that takes effect
after it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Registrations hold "from the beginning of time" (docs/time.md).
BEGINNING = datetime(1, 1, 1, tzinfo=UTC)
A_GROUP = "(a group)"
NO_ORGANISATION = "(no organisation)"
OPEN_CONFLICT = ("raised", "acknowledged", "working_through")

State = dict[str, Any]


# ------------------------------------------------------------------ verdicts


@dataclass(frozen=True)
class Verdict:
    """What the model expects of a command: accepted, refused with one of `statuses`, or
    (where the docs are silent) either."""

    accept: bool | None
    statuses: frozenset[int] = frozenset()
    why: str = ""
    # For a refusal: the fields the problem may name (its `errors[].field` ends with one);
    # empty where docs/time.md does not say.
    fields: frozenset[str] = frozenset()

    def allows(self, status: int) -> bool:
        if self.accept is None:
            return status < 300 or 400 <= status < 500
        if self.accept:
            return status < 300
        return status in self.statuses


ACCEPT = Verdict(True)
ANY_REFUSAL = frozenset(range(400, 500))
CLOSED = Verdict(None, frozenset(), "a change in a closed group (time.md is silent)")


def refuse(why: str, *statuses: int, fields: Iterable[str] = ()) -> Verdict:
    return Verdict(False, frozenset(statuses or (422,)), why, frozenset(fields))


def too_early(why: str) -> Verdict:
    """docs/time.md: `TooEarly`, 422 naming `effective_at`."""
    return refuse(why, 422, fields=("effective_at",))


def unspecified(why: str) -> Verdict:
    return Verdict(None, frozenset(), why)


def first_refusal(*checks: Verdict | None) -> Verdict:
    """The first refusal among the checks, else the first silence, else acceptance. A
    refusal beside a silence is still a refusal, but the docs do not say which status."""
    refusals = [c for c in checks if c is not None and c.accept is False]
    silences = [c for c in checks if c is not None and c.accept is None]
    if refusals and silences:
        return Verdict(False, ANY_REFUSAL, f"{refusals[0].why}; {silences[0].why}")
    if len(refusals) > 1:
        # Which of several reasons is reported first is not documented.
        statuses = frozenset().union(*(r.statuses for r in refusals))
        fields: frozenset[str] = frozenset()
        if all(r.fields for r in refusals):
            fields = fields.union(*(r.fields for r in refusals))
        return Verdict(False, statuses, "; ".join(r.why for r in refusals), fields)
    return (refusals or silences or [ACCEPT])[0]


# ------------------------------------------------------------------ facts


@dataclass(frozen=True)
class Change:
    seq: int
    recorded: datetime
    effective: datetime
    state: State | None  # the fact's whole state after this change; None: it ended


@dataclass
class Fact:
    """One subject whose state changes event by event (docs/time.md, "The rule")."""

    changes: list[Change] = field(default_factory=list)

    def latest(self) -> State | None:
        return self.changes[-1].state if self.changes else None

    def in_effect(self, effective: datetime, as_of: datetime | None = None) -> Change | None:
        """The change whose state is in effect at `effective`, as known at `as_of`."""
        found = None
        for change in self.changes:
            if as_of is not None and change.recorded > as_of:
                break
            if change.effective <= effective:
                found = change
        return found

    def state(self, effective: datetime, as_of: datetime | None = None) -> State | None:
        change = self.in_effect(effective, as_of)
        return change.state if change else None

    def changes_nothing(self, effective: datetime, state: State | None) -> bool:
        """Whether a change to `state` from `effective` on leaves every moment as it was."""
        moments = [effective] + [c.effective for c in self.changes if c.effective > effective]
        return all(self.state(moment) == state for moment in moments)

    def add(self, seq: int, recorded: datetime, effective: datetime, state: State | None) -> None:
        self.changes.append(Change(seq, recorded, effective, state))


# ------------------------------------------------------------------ the log of events


@dataclass(frozen=True)
class Event:
    """One recorded event, as /changes and the report count it."""

    seq: int
    name: str  # e.g. "Accountability.HandoverAccepted"
    record_id: str
    group_id: str
    recorded: datetime
    effective: datetime
    data: State


@dataclass
class Record:
    """A decision, conflict, principle or accountability: one fact per record."""

    kind: str
    group_id: str
    fact: Fact = field(default_factory=Fact)


@dataclass
class Group:
    convened: datetime
    parent: str | None
    identity: Fact = field(default_factory=Fact)
    purpose: Fact = field(default_factory=Fact)
    status: Fact = field(default_factory=Fact)
    members: dict[str, Fact] = field(default_factory=dict)


class Reference:
    """The whole ledger as docs/time.md describes it."""

    def __init__(self) -> None:
        self.seq = 0
        self.sectors: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.affiliation: dict[str, Fact] = {}
        self.groups: dict[str, Group] = {}
        self.records: dict[str, Record] = {}
        self.events: list[Event] = []

    # -------------------------------------------------------------- recording

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def _log(
        self,
        name: str,
        record_id: str,
        group_id: str,
        recorded: datetime,
        effective: datetime,
        **data: Any,
    ) -> int:
        seq = self._next()
        self.events.append(Event(seq, name, record_id, group_id, recorded, effective, data))
        return seq

    def register_organisation(self, org: str, name: str, sector: str) -> None:
        self.sectors[org] = sector
        self.names[org] = name

    def register_person(self, person: str, org: str | None, recorded: datetime) -> None:
        fact = Fact()
        fact.add(self._next(), recorded, BEGINNING, {"organisation": org})
        self.affiliation[person] = fact

    def organisation_of(
        self, person: str, effective: datetime, as_of: datetime | None = None
    ) -> str | None:
        state = self.affiliation[person].state(effective, as_of)
        return state["organisation"] if state else None

    # -------------------------------------------------------------- people

    def check_affiliation(self, person: str, org: str | None, effective: datetime) -> Verdict:
        if self.affiliation[person].changes_nothing(effective, {"organisation": org}):
            return refuse(
                "already belongs to that organisation from effective_at on",
                422,
                fields=("organisation_id",),
            )
        return ACCEPT

    def change_affiliation(
        self, person: str, org: str | None, recorded: datetime, effective: datetime
    ) -> None:
        self.affiliation[person].add(self._next(), recorded, effective, {"organisation": org})

    # -------------------------------------------------------------- groups

    def too_early(self, group_id: str, effective: datetime, what: str) -> Verdict | None:
        group = self.groups[group_id]
        if effective < group.convened:
            return too_early(f"{what} before the group was convened")
        return None

    def check_convene(self, parent: str | None, effective: datetime) -> Verdict:
        if parent is None:
            return ACCEPT
        return first_refusal(self.too_early(parent, effective, "a sub-group"))

    def convene(
        self,
        group_id: str,
        convener: str,
        purpose: str,
        parent: str | None,
        recorded: datetime,
        effective: datetime,
    ) -> None:
        group = Group(effective, parent)
        self.groups[group_id] = group
        seq = self._log("Group.Convened", group_id, group_id, recorded, effective)
        group.identity.add(seq, recorded, effective, {"parent_group_id": parent})
        group.purpose.add(seq, recorded, effective, {"purpose": purpose})
        group.status.add(seq, recorded, effective, {"status": "open"})
        group.members[convener] = Fact()
        group.members[convener].add(seq, recorded, effective, {"role": "convener"})

    def _closed(self, group_id: str, effective: datetime) -> bool:
        """Closed at effective_at or as last recorded: time.md is silent on what a closed
        group still accepts, and on which refusal comes first."""
        fact = self.groups[group_id].status
        return any(
            state is not None and state["status"] == "closed"
            for state in (fact.state(effective), fact.latest())
        )

    def check_purpose(self, group_id: str, effective: datetime) -> Verdict:
        if self._closed(group_id, effective):
            return CLOSED
        return first_refusal(self.too_early(group_id, effective, "a purpose"))

    def restate_purpose(
        self, group_id: str, purpose: str, recorded: datetime, effective: datetime
    ) -> None:
        seq = self._log("Group.PurposeRestated", group_id, group_id, recorded, effective)
        self.groups[group_id].purpose.add(seq, recorded, effective, {"purpose": purpose})

    def check_close(self, group_id: str, effective: datetime) -> Verdict:
        fact = self.groups[group_id].status
        nothing = None
        if fact.changes_nothing(effective, {"status": "closed"}):
            nothing = refuse("closed already from effective_at on", 409, 422)
        return first_refusal(self.too_early(group_id, effective, "closing"), nothing)

    def close(self, group_id: str, recorded: datetime, effective: datetime) -> None:
        seq = self._log("Group.Closed", group_id, group_id, recorded, effective)
        self.groups[group_id].status.add(seq, recorded, effective, {"status": "closed"})

    def member_role(self, group_id: str, person: str, effective: datetime) -> str | None:
        fact = self.groups[group_id].members.get(person)
        state = fact.state(effective) if fact else None
        return state["role"] if state else None

    def check_join(self, group_id: str, person: str, effective: datetime) -> Verdict:
        if self._closed(group_id, effective):
            return CLOSED
        member = None
        if self.member_role(group_id, person, effective) is not None:
            member = refuse("a member at effective_at already", 409)
        return first_refusal(self.too_early(group_id, effective, "a member"), member)

    def check_role(self, group_id: str, person: str, role: str, effective: datetime) -> Verdict:
        if self._closed(group_id, effective):
            return CLOSED
        if effective < self.groups[group_id].convened:
            return refuse("before the group was convened (not a member then)", 404, 422)
        if self.member_role(group_id, person, effective) is None:
            return refuse("not a member at effective_at", 404)
        fact = self.groups[group_id].members[person]
        if fact.changes_nothing(effective, {"role": role}):
            return refuse("the role is held already from effective_at on", 409, 422)
        return ACCEPT

    def check_leave(self, group_id: str, person: str, effective: datetime) -> Verdict:
        if self._closed(group_id, effective):
            return CLOSED
        if effective < self.groups[group_id].convened:
            return refuse("before the group was convened (not a member then)", 404, 422)
        if self.member_role(group_id, person, effective) is None:
            return refuse("not a member at effective_at", 404)
        return ACCEPT

    def membership(
        self,
        name: str,
        group_id: str,
        person: str,
        role: str | None,
        recorded: datetime,
        effective: datetime,
    ) -> None:
        """A joining, a role change (role given) or a leaving (role None)."""
        seq = self._log(f"Group.{name}", group_id, group_id, recorded, effective, person=person)
        fact = self.groups[group_id].members.setdefault(person, Fact())
        fact.add(seq, recorded, effective, {"role": role} if role else None)

    # -------------------------------------------------------------- group state

    def group_state(
        self, group_id: str, as_of: datetime | None, effective: datetime
    ) -> State | None:
        """GET /groups/{id}/state: None where the group is not in effect (404)."""
        group = self.groups[group_id]
        identity = group.identity.state(effective, as_of)
        if identity is None:
            return None
        members = {}
        for person, fact in group.members.items():
            change = fact.in_effect(effective, as_of)
            if change and change.state:
                members[person] = (change.state["role"], change.effective)
        records = self._records_in_effect(group_id, as_of, effective)
        return {
            "purpose": (group.purpose.state(effective, as_of) or {}).get("purpose"),
            "status": (group.status.state(effective, as_of) or {}).get("status"),
            "parent_group_id": identity["parent_group_id"],
            "members": members,
            **records,
        }

    def _records_in_effect(
        self, group_id: str, as_of: datetime | None, effective: datetime
    ) -> dict[str, dict[str, State]]:
        shown: dict[str, dict[str, State]] = {
            "decisions": {},
            "principles": {},
            "conflicts": {},
            "accountabilities": {},
        }
        for record_id, record in self.records.items():
            if record.group_id != group_id:
                continue
            state = record.fact.state(effective, as_of)
            if state is not None and state["status"] in SHOWN[record.kind]:
                shown[PLURAL[record.kind]][record_id] = state
        return shown

    # -------------------------------------------------------------- records

    def record_state(
        self, record_id: str, effective: datetime, as_of: datetime | None = None
    ) -> State | None:
        return self.records[record_id].fact.state(effective, as_of)

    def latest(self, record_id: str) -> State:
        state = self.records[record_id].fact.latest()
        assert state is not None
        return state

    def _change(
        self, name: str, record_id: str, recorded: datetime, effective: datetime, **new: Any
    ) -> None:
        """An event of a record: its fact's state after it is the latest state updated."""
        record = self.records[record_id]
        state = {**(record.fact.latest() or {}), **new}
        seq = self._log(name, record_id, record.group_id, recorded, effective, **new)
        record.fact.add(seq, recorded, effective, state)

    def create(
        self,
        kind: str,
        name: str,
        record_id: str,
        group_id: str,
        recorded: datetime,
        effective: datetime,
        **state: Any,
    ) -> None:
        self.records[record_id] = Record(kind, group_id)
        self._change(name, record_id, recorded, effective, **state)

    def status(self, record_id: str, wanted: Iterable[str], what: str) -> Verdict | None:
        if self.latest(record_id)["status"] not in wanted:
            return refuse(f"{what}: the record is {self.latest(record_id)['status']}", 409)
        return None

    # -------------------------------------------------------------- decisions

    def named(
        self, group_id: str, person: str, effective: datetime, field: str, dated: bool = True
    ) -> Verdict | None:
        """docs/time.md: a person a change names must be a member at effective_at, as known
        now. Never a member: 422 naming their own field; a member at other times: 422 naming
        `effective_at` (for a command without one, `dated` False, the field is not said)."""
        if self.member_role(group_id, person, effective) is not None:
            return None
        fact = self.groups[group_id].members.get(person)
        ever = fact is not None and any(fact.state(c.effective) for c in fact.changes)
        named = ("effective_at",) if dated else ()
        own = (field,) if field else ()
        return refuse(
            f"{field or 'the recipient'} is not a member then", 422, fields=named if ever else own
        )

    def answers_the_future(self, dated: datetime | None, what: str) -> Verdict | None:
        """docs/time.md: a step that takes effect when recorded is refused (422) while what
        it answers is dated in the future."""
        if dated is not None and dated > datetime.now(UTC):
            return refuse(f"{what} while what it answers is dated in the future", 422)
        return None

    def check_agree(
        self,
        record_id: str | None,
        group_id: str,
        participants: list[str],
        supersedes: list[str],
        effective: datetime,
        proposed: datetime | None = None,
    ) -> Verdict:
        """An agreement; `proposed` is the proposal's effective time (for a decision recorded
        at once, the body's own `effective_at`, if it gave one)."""
        checks = [self.too_early(group_id, effective, "an agreement")]
        if record_id is not None:
            checks.append(self.status(record_id, ("proposed",), "agree"))
            proposed = self.latest(record_id)["proposed_at"]
        if proposed is not None and effective < proposed:
            checks.append(too_early("an agreement before the decision was proposed"))
        for old in supersedes:
            checks.append(self.status(old, ("agreed",), "supersede"))
            if effective < self.latest(old)["effective_at"]:
                checks.append(too_early("superseding before the superseded decision took effect"))
        for index, person in enumerate(participants):
            checks.append(self.named(group_id, person, effective, f"participants[{index}]"))
        return first_refusal(*checks)

    def check_end_decision(self, record_id: str, ending: str) -> Verdict:
        """Rejecting or withdrawing a proposal (taking effect when recorded)."""
        return first_refusal(
            self.status(record_id, ("proposed",), ending),
            self.answers_the_future(self.latest(record_id)["proposed_at"], ending),
        )

    def participant_organisations(self, participants: list[str], effective: datetime) -> set[str]:
        """As the agreeing command resolves them: affiliations in effect then, known now."""
        found = {self.organisation_of(p, effective) for p in participants}
        return {org for org in found if org is not None}

    def agree(
        self,
        record_id: str,
        method: str,
        participants: list[str],
        supersedes: list[str],
        recorded: datetime,
        effective: datetime,
    ) -> None:
        orgs = self.participant_organisations(participants, effective)
        self._change(
            "Decision.Agreed",
            record_id,
            recorded,
            effective,
            status="agreed",
            method=method,
            effective_at=effective,
            participant_organisations=orgs,
        )
        for old in supersedes:
            self._change("Decision.Superseded", old, recorded, effective, status="superseded")

    def check_revoke(self, record_id: str, effective: datetime) -> Verdict:
        early = None
        if effective < self.latest(record_id)["effective_at"]:
            early = too_early("revoked before the decision took effect")
        return first_refusal(self.status(record_id, ("agreed",), "revoke"), early)

    # -------------------------------------------------------------- principles

    def check_principle_agree(self, record_id: str, effective: datetime) -> Verdict:
        early = None
        if effective < self.latest(record_id)["proposed_at"]:
            early = too_early("a principle agreed before it was proposed")
        return first_refusal(
            self.too_early(self.records[record_id].group_id, effective, "a principle's agreement"),
            self.status(record_id, ("proposed",), "agree"),
            early,
        )

    def check_respond(self, record_id: str, person: str) -> Verdict:
        """Endorsing or objecting (taking effect when recorded): by a member now, to a
        proposal not dated in the future."""
        state = self.latest(record_id)
        group = self.records[record_id].group_id
        again = any(
            e.record_id == record_id and e.data.get("responder") == person for e in self.events
        )
        return first_refusal(
            self.answers_the_future(state["proposed_at"], "a response"),
            self.named(group, person, datetime.now(UTC), "person_id", dated=False),
            unspecified("a second response by the same person (time.md is silent)")
            if again
            else None,
        )

    def check_principle_change(self, record_id: str, effective: datetime) -> Verdict:
        early = None
        agreed = self.latest(record_id).get("agreed_at")
        if agreed is not None and effective < agreed:
            early = too_early("before the principle was agreed")
        return first_refusal(self.status(record_id, ("agreed",), "amend or retire"), early)

    # -------------------------------------------------------------- conflicts

    def check_raise(self, group_id: str, raiser: str, effective: datetime) -> Verdict:
        return first_refusal(
            self.too_early(group_id, effective, "a conflict's raising"),
            self.named(group_id, raiser, effective, "raised_by"),
        )

    def check_conflict_step(self, record_id: str, wanted: Iterable[str], how: str) -> Verdict:
        """Acknowledging, noting or withdrawing (taking effect when recorded)."""
        return first_refusal(
            self.status(record_id, wanted, how),
            self.answers_the_future(self.latest(record_id)["raised_at"], how),
        )

    def check_resolve(self, record_id: str, effective: datetime) -> Verdict:
        early = None
        if effective < self.latest(record_id)["raised_at"]:
            early = too_early("a resolution before the raising")
        return first_refusal(self.status(record_id, OPEN_CONFLICT[1:], "resolve"), early)

    # -------------------------------------------------------------- accountabilities

    def check_define(self, group_id: str, holder: State, effective: datetime) -> Verdict:
        return first_refusal(
            self.too_early(group_id, effective, "an accountability"),
            self.named(group_id, holder["id"], effective, "holder.id")
            if holder["kind"] == "person"
            else None,
        )

    def _before_holder(self, record_id: str, effective: datetime) -> Verdict | None:
        if effective < self.latest(record_id)["holder_since"]:
            return too_early("before the current holder's start")
        return None

    def check_offer(self, record_id: str, to: State, effective: datetime) -> Verdict:
        state = self.latest(record_id)
        group = self.records[record_id].group_id
        checks = [
            self.status(record_id, ("active",), "offer"),
            refuse("a handover already open", 409) if state["open_handover"] else None,
            self._before_holder(record_id, effective),
            self.named(group, to["id"], effective, "to.id"),
        ]
        if to == state["holder"]:
            checks.append(unspecified("an offer to the current holder (time.md is silent)"))
        return first_refusal(*checks)

    def _open(self, record_id: str, handover: str) -> State | None:
        open_ = self.latest(record_id)["open_handover"]
        if open_ is None or open_["handover_id"] != handover:
            return None
        return dict(open_)

    def check_accept(self, record_id: str, handover: str, effective: datetime) -> Verdict:
        open_ = self._open(record_id, handover)
        if open_ is None:
            return refuse("the handover is not open", 409)
        early = None
        if effective < open_["offered_at"]:
            early = too_early("an acceptance before the offer")
        group = self.records[record_id].group_id
        return first_refusal(
            self._before_holder(record_id, effective),
            early,
            # The acceptance names no recipient field: a never-member's field is not said.
            self.named(group, open_["to"]["id"], effective, ""),
        )

    def check_settle(self, record_id: str, handover: str, how: str) -> Verdict:
        """Declining or withdrawing an offer (taking effect when recorded)."""
        open_ = self._open(record_id, handover)
        if open_ is None:
            return refuse("the handover is not open", 409)
        return first_refusal(self.answers_the_future(open_["offered_at"], how))

    def previous_holder(self, record_id: str) -> State | None:
        holders = [
            e.data["holder"] for e in self.events if e.record_id == record_id and "holder" in e.data
        ]
        return holders[-2] if len(holders) >= 2 else None

    def check_return(self, record_id: str, effective: datetime) -> Verdict:
        checks = [
            self.status(record_id, ("active",), "return"),
            self._before_holder(record_id, effective),
        ]
        if self.previous_holder(record_id) is None:
            checks.append(unspecified("a return with no previous holder (time.md is silent)"))
        if self.latest(record_id)["open_handover"]:
            checks.append(unspecified("a return with a handover open (time.md is silent)"))
        return first_refusal(*checks)

    def check_retire(self, record_id: str, effective: datetime) -> Verdict:
        open_ = None
        if self.latest(record_id)["open_handover"]:
            open_ = unspecified("a retirement with a handover open (time.md is silent)")
        return first_refusal(
            self.status(record_id, ("active",), "retire"),
            self._before_holder(record_id, effective),
            open_,
        )

    # -------------------------------------------------------------- reads: /changes

    def changes(
        self, group_id: str, start: datetime, end: datetime
    ) -> Counter[tuple[str, datetime, datetime]]:
        """GET /groups/{id}/changes: every event of the group and its records whose
        effective time is in [start, end), as known now, with both times."""
        return Counter(
            (e.record_id, e.effective, e.recorded)
            for e in self.events
            if e.group_id == group_id and start <= e.effective < end
        )


SHOWN = {
    "decision": ("agreed",),
    "principle": ("agreed",),
    "conflict": OPEN_CONFLICT,
    "accountability": ("active",),
}


# ------------------------------------------------------------------ the report (metrics.md)


def holder_key(holder: State) -> tuple[str, str]:
    return (holder["kind"], holder["id"])


class Report:
    """The accountability report's headline figures for one group and one period, as
    docs/metrics.md defines them (no `as_of`: everything recorded is known)."""

    def __init__(self, model: Reference, group_id: str, start: datetime, end: datetime) -> None:
        self.model = model
        self.group_id = group_id
        self.start = start
        self.end = end

    def organisation(self, holder: State, moment: datetime) -> str | None:
        """Section 2: the organisation a holder counts for at a moment."""
        if holder["kind"] == "organisation":
            return str(holder["id"])
        if holder["kind"] == "person":
            return self.model.organisation_of(holder["id"], moment)
        return None

    def label(self, holder: State, moment: datetime) -> str:
        if holder["kind"] == "group":
            return A_GROUP
        return self.organisation(holder, moment) or NO_ORGANISATION

    def active(self, moment: datetime) -> list[State]:
        found = []
        for record in self.model.records.values():
            if record.kind != "accountability" or record.group_id != self.group_id:
                continue
            state = record.fact.state(moment)
            if state is not None and state["status"] == "active":
                found.append(state)
        return found

    def holdings(self) -> State:
        active = self.active(self.end)
        by_org = Counter(self.label(s["holder"], self.end) for s in active)
        sectors = Counter(
            self.model.sectors.get(org, org) for org in self.label_list(active, self.end)
        )
        return {
            "accountabilities": len(active),
            "by_holder": Counter(holder_key(s["holder"]) for s in active),
            "by_holder_kind": dict(sorted(Counter(s["holder"]["kind"] for s in active).items())),
            "by_organisation": by_org,
            "by_sector": sectors,
        }

    def label_list(self, active: list[State], moment: datetime) -> list[str]:
        return [self.label(s["holder"], moment) for s in active]

    def distribution_at_end(self) -> State:
        active = self.active(self.end)
        n = len(active)
        per_holder = Counter(holder_key(s["holder"]) for s in active)
        per_org = Counter(
            org
            for org in (self.organisation(s["holder"], self.end) for s in active)
            if org is not None
        )
        total_org = sum(per_org.values())
        sectors = Counter[str]()
        for org, count in per_org.items():
            sectors[self.model.sectors[org]] += count
        return {
            "accountabilities": n,
            "holders": len(per_holder),
            "organisations": len(per_org),
            "sectors": len(sectors),
            "largest_holder_share": round(max(per_holder.values()) / n, 4) if n else 0,
            "hhi_holders": round(hhi(per_holder.values(), n), 1),
            "hhi_organisations": round(hhi(per_org.values(), total_org), 1),
            "gini_holders": round(gini(list(per_holder.values())), 4),
            "sector_shares": {
                sector: round(count / total_org, 4) for sector, count in sorted(sectors.items())
            },
        }

    def in_period(self, name: str) -> list[Event]:
        return [
            e
            for e in self.model.events
            if e.name == name
            and self.model.records.get(e.record_id) is not None
            and self.model.records[e.record_id].group_id == self.group_id
            and self.start <= e.effective <= self.end
        ]

    def handovers(self) -> State:
        counts = {
            key: len(self.in_period(f"Accountability.{name}"))
            for key, name in (
                ("offered", "HandoverOffered"),
                ("accepted", "HandoverAccepted"),
                ("declined", "HandoverDeclined"),
                ("withdrawn", "HandoverWithdrawn"),
                ("returned", "Returned"),
            )
        }
        flows = Counter[tuple[str, str]]()
        sector_flows = Counter[tuple[str, str]]()
        for event in self.in_period("Accountability.HandoverAccepted"):
            giver = self.organisation(event.data["offered_by"], event.effective)
            taker = self.organisation(event.data["holder"], event.effective)
            if giver is not None and taker is not None:
                flows[(giver, taker)] += 1
                sector_flows[(self.model.sectors[giver], self.model.sectors[taker])] += 1
        return {**counts, "flows": flows, "sector_flows": sector_flows}

    def decisions(self) -> State:
        agreed = self.in_period("Decision.Agreed")
        orgs = [e.data["participant_organisations"] for e in agreed]
        sectors = [{self.model.sectors[o] for o in found} for found in orgs]
        return {
            "agreed": len(agreed),
            "by_method": dict(sorted(Counter(e.data["method"] for e in agreed).items())),
            "organisations_per_decision": mean([len(o) for o in orgs], 3),
            "sectors_per_decision": mean([len(s) for s in sectors], 3),
            "share_with_two_or_more_organisations": (
                sum(1 for o in orgs if len(o) >= 2) / len(orgs) if orgs else None
            ),
            "superseded": len(self.in_period("Decision.Superseded")),
            "revoked": len(self.in_period("Decision.Revoked")),
        }


def hhi(counts: Iterable[int], total: int) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale (metrics.md §4)."""
    return sum((100 * c / total) ** 2 for c in counts) if total else 0.0


def gini(counts: list[int]) -> float:
    """metrics.md §4: 2 Σ i·x_i / (n Σ x_i) - (n + 1)/n over the sorted counts; 0 if n < 2."""
    n = len(counts)
    if n < 2:
        return 0.0
    ordered = sorted(counts)
    weighted = sum(i * x for i, x in enumerate(ordered, start=1))
    return 2 * weighted / (n * sum(ordered)) - (n + 1) / n


def mean(values: list[int], digits: int) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


PLURAL = {
    "decision": "decisions",
    "principle": "principles",
    "conflict": "conflicts",
    "accountability": "accountabilities",
}
