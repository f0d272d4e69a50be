"""Decision: proposed, then agreed, rejected or withdrawn; once agreed, superseded or revoked."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from eventsourcing.domain import event

from domain.base import (
    AccordAggregate,
    AccordError,
    Created,
    InvalidInput,
    LifecycleError,
    effective,
    id_list,
    not_before,
    optional_text,
    require_text,
)
from domain.group import Group
from domain.principle import Principle
from domain.values import Method, parse


class DecisionError(AccordError):
    """A rule about decisions was broken."""


class DecisionNotProposed(LifecycleError, DecisionError):
    """Only a proposed decision can be agreed, rejected or withdrawn."""


class DecisionNotAgreed(LifecycleError, DecisionError):
    """Only an agreed decision can be revoked, superseded or cited."""


class DecisionInvalid(InvalidInput, DecisionError):
    """A decision's content breaks a rule."""


class Decision(AccordAggregate):
    """A decision a group takes, with how and by whom it was taken."""

    TOPIC = "accord.Decision"

    class Proposed(AccordAggregate.Event, Created):
        TOPIC = "accord.Decision.Proposed"
        group_id: str
        title: str
        context: str | None
        proposal: str
        rationale: str | None
        proposed_by: str | None
        effective_at: datetime | None

        # Version 2: a proposal has an effective time of its own; one recorded before took
        # effect when it was recorded (None).
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["effective_at"] = None

    def __init__(
        self,
        group_id: str,
        title: str,
        context: str | None,
        proposal: str,
        rationale: str | None,
        proposed_by: str | None,
        effective_at: datetime | None = None,
    ) -> None:
        self.group_id = group_id
        self.proposed_at = effective_at
        self.title = title
        self.context = context
        self.proposal = proposal
        self.rationale = rationale
        self.proposed_by = proposed_by
        self.status = "proposed"
        self.method: str | None = None
        self.participants: list[str] = []
        self.participant_organisations: list[str] = []
        self.objections: list[dict[str, Any]] = []
        self.principles: list[str] = []
        self.supersedes: list[str] = []
        self.effective_at: datetime | None = None
        self.review_date: str | None = None
        self.superseded_by: str | None = None
        self.outcome_reason: str | None = None

    @classmethod
    def propose(
        cls,
        group: Group,
        title: str,
        proposal: str,
        context: str | None = None,
        rationale: str | None = None,
        proposed_by: str | None = None,
        effective_at: datetime | None = None,
    ) -> Decision:
        """Propose a decision; `effective_at` is when it was put forward, if earlier than
        its recording (a decision taken at a meeting and recorded later)."""
        group.require_open()
        when = effective(effective_at)
        group.require_began(when)
        if proposed_by is not None:
            group.require_member(proposed_by, "proposed_by", when)
        return cls(
            str(group.id),
            require_text(title, "title", 300),
            optional_text(context, "context"),
            require_text(proposal, "decision"),
            optional_text(rationale, "rationale"),
            proposed_by,
            when,
        )

    def _require_proposed_by(self, when: datetime) -> None:
        """Nothing happens to a proposal, in effective time, before it was put forward."""
        start = getattr(self, "proposed_at", None) or self.created_on
        not_before(when, start, f"decision {self.id} was proposed")

    def _require(self, *states: str) -> None:
        if self.status not in states:
            error = DecisionNotProposed if "proposed" in states else DecisionNotAgreed
            raise error(
                f"decision {self.id} is {self.status}, not {' or '.join(states)}", self.status
            )

    def agree(
        self,
        group: Group,
        method: str,
        participants: list[str],
        participant_organisations: list[str],
        objections: list[dict[str, Any]] | None = None,
        principles: list[Principle] | None = None,
        supersedes: list[Decision] | None = None,
        effective_at: datetime | None = None,
        review_date: date | None = None,
        groups_above: Collection[str] = (),
    ) -> None:
        """Agree the decision; each decision it supersedes must be marked superseded too.

        It cites principles of its own group or of `groups_above` (the groups its group
        reports to), and supersedes decisions of its own group only."""
        self._require("proposed")
        self._require_group(group)
        method = parse(Method, method, "method")
        when = effective(effective_at)
        group.require_began(when)
        for index, person_id in enumerate(participants):
            group.require_member(str(person_id).strip(), f"participants[{index}]", when)
        people = id_list(participants, "participants")
        if not people:
            raise DecisionInvalid("participants must name who took part", "participants")
        recorded_objections = []
        for index, objection in enumerate(objections or []):
            person_id = str(objection.get("person_id", ""))
            if person_id not in people:
                raise DecisionInvalid(
                    f"objections[{index}].person_id must be one of the participants",
                    f"objections[{index}].person_id",
                )
            reason = require_text(objection.get("reason") or "", f"objections[{index}].reason")
            recorded_objections.append({"person_id": person_id, "reason": reason})
        for index, principle in enumerate(principles or []):
            if principle.group_id != self.group_id and principle.group_id not in groups_above:
                raise DecisionInvalid(
                    f"principles[{index}]: principle {principle.id} is not of the decision's "
                    f"group or a group above it",
                    f"principles[{index}]",
                )
            if principle.status != "agreed":
                raise DecisionInvalid(
                    f"principles[{index}]: principle {principle.id} is not agreed",
                    f"principles[{index}]",
                )
        self._require_proposed_by(when)
        superseded: list[Decision] = []
        for index, earlier in enumerate(supersedes or []):
            if earlier.id == self.id or earlier.group_id != self.group_id:
                raise DecisionInvalid(
                    f"supersedes[{index}] must be another decision of the same group",
                    f"supersedes[{index}]",
                )
            earlier._require("agreed")
            not_before(
                when, earlier.effective_at, f"decision {earlier.id} it supersedes took effect"
            )
            if all(earlier.id != d.id for d in superseded):
                superseded.append(earlier)
        self._agreed(
            method=method,
            participants=people,
            participant_organisations=sorted(set(participant_organisations)),
            objections=recorded_objections,
            principles=[str(p.id) for p in principles or []],
            supersedes=[str(d.id) for d in superseded],
            effective_at=when,
            review_date=review_date.isoformat() if review_date else None,
        )
        for earlier in superseded:
            earlier._superseded(by_decision_id=str(self.id), effective_at=when)

    def reject(self, group: Group, reason: str | None = None) -> None:
        self._require("proposed")
        self._require_group(group)
        self._require_proposed_by(effective(None))
        self._rejected(optional_text(reason, "reason"))

    def withdraw(self, group: Group, reason: str | None = None) -> None:
        self._require("proposed")
        self._require_group(group)
        self._require_proposed_by(effective(None))
        self._withdrawn(optional_text(reason, "reason"))

    def revoke(self, group: Group, reason: str, effective_at: datetime | None = None) -> None:
        self._require("agreed")
        self._require_group(group)
        when = effective(effective_at)
        not_before(when, self.effective_at, f"decision {self.id} took effect")
        self._revoked(require_text(reason, "reason"), when)

    def _require_group(self, group: Group) -> None:
        group.require_own(self.group_id)
        group.require_open()

    @event("Agreed", topic="accord.Decision.Agreed")
    def _agreed(
        self,
        method: str,
        participants: list[str],
        participant_organisations: list[str],
        objections: list[dict[str, Any]],
        principles: list[str],
        supersedes: list[str],
        effective_at: datetime,
        review_date: str | None,
    ) -> None:
        self.status = "agreed"
        self.method = method
        self.participants = list(participants)
        self.participant_organisations = list(participant_organisations)
        self.objections = list(objections)
        self.principles = list(principles)
        self.supersedes = list(supersedes)
        self.effective_at = effective_at
        self.review_date = review_date

    @event("Rejected", topic="accord.Decision.Rejected")
    def _rejected(self, reason: str | None) -> None:
        self.status = "rejected"
        self.outcome_reason = reason

    @event("Withdrawn", topic="accord.Decision.Withdrawn")
    def _withdrawn(self, reason: str | None) -> None:
        self.status = "withdrawn"
        self.outcome_reason = reason

    @event("Revoked", topic="accord.Decision.Revoked")
    def _revoked(self, reason: str, effective_at: datetime) -> None:
        self.status = "revoked"
        self.outcome_reason = reason

    @event("Superseded", topic="accord.Decision.Superseded")
    def _superseded(self, by_decision_id: str, effective_at: datetime) -> None:
        self.status = "superseded"
        self.superseded_by = by_decision_id
