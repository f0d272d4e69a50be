"""Conflict (a tension): raised, acknowledged, worked through, then closed one of three ways."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import event

from domain.base import (
    AccordAggregate,
    AccordError,
    Created,
    InvalidInput,
    LifecycleError,
    effective,
    not_before,
    optional_text,
    require_text,
)
from domain.decision import Decision
from domain.group import Group
from domain.values import party

OPEN_STATES = ("raised", "acknowledged", "working_through")


class ConflictError(AccordError):
    """A rule about conflicts was broken."""


class ConflictNotOpen(LifecycleError, ConflictError):
    """The conflict is already resolved, escalated or withdrawn."""


class ConflictNotAcknowledged(LifecycleError, ConflictError):
    """Work on a conflict starts only once it is acknowledged."""


class ConflictAlreadyAcknowledged(LifecycleError, ConflictError):
    """The conflict was acknowledged already; work continues with notes."""


class ConflictInvalid(InvalidInput, ConflictError):
    """A conflict's content breaks a rule."""


class Conflict(AccordAggregate):
    """A tension between parties, raised by a member and worked through in the open."""

    TOPIC = "accord.Conflict"

    class Raised(AccordAggregate.Event, Created):
        TOPIC = "accord.Conflict.Raised"
        group_id: str
        raised_by: str
        parties: list[dict[str, str]]
        about: str
        description: str | None
        effective_at: datetime

    def __init__(
        self,
        group_id: str,
        raised_by: str,
        parties: list[dict[str, str]],
        about: str,
        description: str | None,
        effective_at: datetime,
    ) -> None:
        self.group_id = group_id
        self.raised_by = raised_by
        self.parties = list(parties)
        self.about = about
        self.description = description
        self.status = "raised"
        self.raised_at = effective_at
        self.notes: list[dict[str, Any]] = []
        self.outcome: str | None = None
        self.resolved_by_decision_id: str | None = None
        self.escalated_to_group_id: str | None = None
        self.closed_reason: str | None = None

    @classmethod
    def raise_conflict(
        cls,
        group: Group,
        raised_by: str,
        parties: list[dict[str, str]],
        about: str,
        description: str | None = None,
        effective_at: datetime | None = None,
    ) -> Conflict:
        """Raise a conflict: the person raising it must be a member of the group.

        `effective_at` is when it was first raised, if earlier than its recording.
        """
        group.require_open()
        when = effective(effective_at)
        group.require_began(when)
        group.require_member(raised_by, "raised_by", when)
        refs: list[dict[str, str]] = []
        for index, given in enumerate(parties):
            ref = party(given.get("kind", ""), given.get("id", ""), f"parties[{index}]")
            if ref not in refs:
                refs.append(ref)
        if len(refs) < 1:
            raise ConflictInvalid("parties must name at least one party", "parties")
        return cls(
            str(group.id),
            raised_by,
            refs,
            require_text(about, "about", 500),
            optional_text(description, "description"),
            when,
        )

    def _require_open(self) -> None:
        if self.status not in OPEN_STATES:
            raise ConflictNotOpen(f"conflict {self.id} is {self.status}", self.status)

    def _require_raised_by(self, when: datetime) -> None:
        """Nothing happens to a conflict, in effective time, before it was raised."""
        start = getattr(self, "raised_at", None) or self.created_on
        not_before(when, start, f"conflict {self.id} was raised")

    def acknowledge(self, group: Group, note: str | None = None) -> None:
        self._require_open()
        self._require_group(group)
        self._require_raised_by(effective(None))
        if self.status != "raised":
            raise ConflictAlreadyAcknowledged(
                f"conflict {self.id} is already {self.status}", self.status
            )
        self._acknowledged(optional_text(note, "note"))

    def add_note(self, group: Group, note_id: str, text: str) -> None:
        """Record a note of working the conflict through; any number may be added."""
        self._require_open()
        self._require_group(group)
        self._require_raised_by(effective(None))
        if self.status == "raised":
            raise ConflictNotAcknowledged(
                f"conflict {self.id} is not yet acknowledged", self.status
            )
        self._note_added(note_id, require_text(text, "text"))

    def resolve(
        self,
        group: Group,
        outcome: str,
        decision: Decision | None = None,
        effective_at: datetime | None = None,
    ) -> None:
        self._require_open()
        self._require_group(group)
        if self.status == "raised":
            raise ConflictNotAcknowledged(
                f"conflict {self.id} is not yet acknowledged", self.status
            )
        if decision is not None and decision.group_id != self.group_id:
            raise ConflictInvalid(
                "decision_id must be a decision of the conflict's own group", "decision_id"
            )
        if decision is not None and decision.status != "agreed":
            raise ConflictInvalid(
                f"decision {decision.id} is {decision.status}, not agreed", "decision_id"
            )
        when = effective(effective_at)
        self._require_raised_by(when)
        self._resolved(
            require_text(outcome, "outcome"),
            str(decision.id) if decision is not None else None,
            when,
        )

    def escalate(self, group: Group, to_group: Group, reason: str) -> None:
        self._require_open()
        self._require_group(group)
        if to_group.id == group.id:
            raise ConflictInvalid("a conflict is escalated to another group", "to_group_id")
        to_group.require_open()
        self._require_raised_by(effective(None))
        self._escalated(str(to_group.id), require_text(reason, "reason"))

    def withdraw(self, group: Group, reason: str | None = None) -> None:
        self._require_open()
        self._require_group(group)
        self._require_raised_by(effective(None))
        self._withdrawn(optional_text(reason, "reason"))

    def _require_group(self, group: Group) -> None:
        group.require_own(self.group_id)
        group.require_open()

    @event("Acknowledged", topic="accord.Conflict.Acknowledged")
    def _acknowledged(self, note: str | None) -> None:
        self.status = "acknowledged"

    @event("NoteAdded", topic="accord.Conflict.NoteAdded")
    def _note_added(self, note_id: str, text: str) -> None:
        self.status = "working_through"
        self.notes.append({"note_id": note_id, "text": text})

    @event("Resolved", topic="accord.Conflict.Resolved")
    def _resolved(self, outcome: str, decision_id: str | None, effective_at: datetime) -> None:
        self.status = "resolved"
        self.outcome = outcome
        self.resolved_by_decision_id = decision_id

    @event("Escalated", topic="accord.Conflict.Escalated")
    def _escalated(self, to_group_id: str, reason: str) -> None:
        self.status = "escalated"
        self.escalated_to_group_id = to_group_id
        self.closed_reason = reason

    @event("Withdrawn", topic="accord.Conflict.Withdrawn")
    def _withdrawn(self, reason: str | None) -> None:
        self.status = "withdrawn"
        self.closed_reason = reason
