"""Principle: proposed, endorsed or objected to by members, agreed, amended, retired."""

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
from domain.group import Group


class PrincipleError(AccordError):
    """A rule about principles was broken."""


class PrincipleNotProposed(LifecycleError, PrincipleError):
    """Only a proposed principle can be endorsed, objected to or agreed."""


class PrincipleNotAgreed(LifecycleError, PrincipleError):
    """Only an agreed principle can be amended, retired or cited."""


class Principle(AccordAggregate):
    """A statement a group agrees to work by, with its rationale and wording history."""

    TOPIC = "accord.Principle"

    class Proposed(AccordAggregate.Event, Created):
        TOPIC = "accord.Principle.Proposed"
        group_id: str
        statement: str
        rationale: str | None
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
        statement: str,
        rationale: str | None,
        effective_at: datetime | None = None,
    ) -> None:
        self.group_id = group_id
        self.proposed_at = effective_at
        self.statement = statement
        self.rationale = rationale
        self.status = "proposed"
        # Latest stance per person: {"person_id": {"stance", "reason"}}.
        self.stances: dict[str, dict[str, Any]] = {}
        # Earlier wordings, oldest first: [{"statement", "rationale", "replaced_at"}].
        self.earlier_wordings: list[dict[str, Any]] = []
        self.agreed_at: datetime | None = None

    @classmethod
    def propose(
        cls,
        group: Group,
        statement: str,
        rationale: str | None = None,
        effective_at: datetime | None = None,
    ) -> Principle:
        """Propose a principle; `effective_at` is when it was put forward, if earlier."""
        group.require_open()
        when = effective(effective_at)
        group.require_began(when)
        return cls(
            str(group.id),
            require_text(statement, "statement"),
            optional_text(rationale, "rationale"),
            when,
        )

    def _require_proposed_by(self, when: datetime) -> None:
        """Nothing happens to a proposal, in effective time, before it was put forward."""
        start = getattr(self, "proposed_at", None) or self.created_on
        not_before(when, start, f"principle {self.id} was proposed")

    @property
    def endorsers(self) -> list[str]:
        return [p for p, s in self.stances.items() if s["stance"] == "endorse"]

    @property
    def objectors(self) -> list[str]:
        return [p for p, s in self.stances.items() if s["stance"] == "object"]

    def _require(self, state: str) -> None:
        if self.status != state:
            error = PrincipleNotProposed if state == "proposed" else PrincipleNotAgreed
            raise error(f"principle {self.id} is {self.status}, not {state}", self.status)

    def respond(self, group: Group, person_id: str, stance: str, reason: str | None) -> None:
        """Record a member's endorsement of, or objection to, the proposed wording."""
        self._require("proposed")
        self._require_group(group)
        now = effective(None)
        group.require_member(person_id, "person_id", None)
        self._require_proposed_by(now)
        reason = optional_text(reason, "reason")
        if stance == "endorse":
            self._endorsed(person_id, reason)
        elif stance == "object":
            self._objected_to(person_id, reason)
        else:
            raise InvalidInput("stance must be one of: endorse, object", "stance")

    def agree(self, group: Group, effective_at: datetime | None = None) -> None:
        self._require("proposed")
        self._require_group(group)
        when = effective(effective_at)
        group.require_began(when)
        self._require_proposed_by(when)
        self._agreed(when)

    def amend(
        self,
        group: Group,
        statement: str,
        rationale: str | None = None,
        effective_at: datetime | None = None,
    ) -> None:
        """Replace the wording; the old wording stays in the history."""
        self._require("agreed")
        self._require_group(group)
        statement = require_text(statement, "statement")
        if statement == self.statement:
            raise InvalidInput("statement is unchanged", "statement")
        when = effective(effective_at)
        not_before(when, getattr(self, "agreed_at", None), f"principle {self.id} was agreed")
        self._amended(statement, optional_text(rationale, "rationale"), when)

    def retire(
        self, group: Group, reason: str | None = None, effective_at: datetime | None = None
    ) -> None:
        self._require("agreed")
        self._require_group(group)
        when = effective(effective_at)
        not_before(when, getattr(self, "agreed_at", None), f"principle {self.id} was agreed")
        self._retired(optional_text(reason, "reason"), when)

    def _require_group(self, group: Group) -> None:
        group.require_own(self.group_id)
        group.require_open()

    @event("Endorsed", topic="accord.Principle.Endorsed")
    def _endorsed(self, person_id: str, reason: str | None) -> None:
        self.stances[person_id] = {"stance": "endorse", "reason": reason}

    @event("ObjectedTo", topic="accord.Principle.ObjectedTo")
    def _objected_to(self, person_id: str, reason: str | None) -> None:
        self.stances[person_id] = {"stance": "object", "reason": reason}

    @event("Agreed", topic="accord.Principle.Agreed")
    def _agreed(self, effective_at: datetime) -> None:
        self.status = "agreed"
        self.agreed_at = effective_at

    @event("Amended", topic="accord.Principle.Amended")
    def _amended(self, statement: str, rationale: str | None, effective_at: datetime) -> None:
        self.earlier_wordings.append(
            {"statement": self.statement, "rationale": self.rationale, "replaced_at": effective_at}
        )
        self.statement = statement
        self.rationale = rationale

    @event("Retired", topic="accord.Principle.Retired")
    def _retired(self, reason: str | None, effective_at: datetime) -> None:
        self.status = "retired"
