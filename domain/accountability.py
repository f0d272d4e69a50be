"""Accountability: work held by a person, group or organisation, handed over between holders."""

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
    NotAllowed,
    NotFound,
    effective,
    not_before,
    optional_text,
    require_text,
)
from domain.group import Group
from domain.values import party


class AccountabilityError(AccordError):
    """A rule about accountabilities was broken."""


class AccountabilityRetired(LifecycleError, AccountabilityError):
    """A retired accountability cannot change."""


class HandoverAlreadyOpen(LifecycleError, AccountabilityError):
    """At most one handover can be open at a time."""


class HandoverNotOpen(LifecycleError, AccountabilityError):
    """The handover named has already been accepted, declined or withdrawn."""


class HandoverNotFound(NotFound, AccountabilityError):
    """No handover with that id was offered for this accountability."""


class NotOnRecipientSide(NotAllowed, AccountabilityError):
    """Only the recipient side of a handover can accept or decline it."""


class NothingToReturn(LifecycleError, AccountabilityError):
    """The accountability has no previous holder to return it to."""


class AccountabilityInvalid(InvalidInput, AccountabilityError):
    """An accountability's content breaks a rule."""


class Accountability(AccordAggregate):
    """A piece of work that must be held by someone, and who holds it over time."""

    TOPIC = "accord.Accountability"

    class Defined(AccordAggregate.Event, Created):
        TOPIC = "accord.Accountability.Defined"
        group_id: str
        title: str
        scope: str | None
        holder: dict[str, str]
        effective_at: datetime

    def __init__(
        self,
        group_id: str,
        title: str,
        scope: str | None,
        holder: dict[str, str],
        effective_at: datetime,
    ) -> None:
        self.group_id = group_id
        self.title = title
        self.scope = scope
        self.holder = dict(holder)
        self.status = "active"
        # Holders over time, oldest first: [{"holder", "from"}].
        self.holders: list[dict[str, Any]] = [{"holder": dict(holder), "from": effective_at}]
        # Every handover ever offered, by id.
        self.handovers: dict[str, dict[str, Any]] = {}
        self.open_handover_id: str | None = None

    @classmethod
    def define(
        cls,
        group: Group,
        title: str,
        holder: dict[str, str],
        scope: str | None = None,
        effective_at: datetime | None = None,
    ) -> Accountability:
        """Define an accountability with its first holder; a person holder must be a member."""
        group.require_open()
        ref = party(holder.get("kind", ""), holder.get("id", ""), "holder")
        when = effective(effective_at)
        group.require_began(when)
        if ref["kind"] == "person":
            group.require_member(ref["id"], "holder.id", when)
        return cls(
            str(group.id),
            require_text(title, "title", 300),
            optional_text(scope, "scope"),
            ref,
            when,
        )

    @property
    def previous_holder(self) -> dict[str, str] | None:
        return self.holders[-2]["holder"] if len(self.holders) > 1 else None

    def _require_active(self) -> None:
        if self.status != "active":
            raise AccountabilityRetired(f"accountability {self.id} is {self.status}", self.status)

    def _open_handover(self, handover_id: str) -> dict[str, Any]:
        handover = self.handovers.get(handover_id)
        if handover is None:
            raise HandoverNotFound(f"no handover {handover_id} on accountability {self.id}")
        if handover["status"] != "offered":
            raise HandoverNotOpen(
                f"handover {handover_id} is {handover['status']}", handover["status"]
            )
        return handover

    def offer_handover(
        self,
        group: Group,
        handover_id: str,
        to: dict[str, str],
        reason: str | None,
        effective_at: datetime | None = None,
    ) -> None:
        """Offer the accountability to another holder; a person recipient must be a member."""
        self._require_active()
        self._require_group(group)
        if self.open_handover_id is not None:
            raise HandoverAlreadyOpen(
                f"handover {self.open_handover_id} is still open", "handover_offered"
            )
        ref = party(to.get("kind", ""), to.get("id", ""), "to")
        if ref == self.holder:
            raise AccountabilityInvalid("to must differ from the current holder", "to")
        if handover_id in self.handovers:
            raise AccountabilityInvalid(f"handover id {handover_id} is already used", "handover_id")
        when = effective(effective_at)
        if ref["kind"] == "person":
            group.require_member(ref["id"], "to.id", when)
        self._require_after_holder_start(when)
        self._handover_offered(
            handover_id, dict(self.holder), ref, optional_text(reason, "reason"), when
        )

    def accept_handover(
        self,
        group: Group,
        handover_id: str,
        on_recipient_side: bool,
        effective_at: datetime | None = None,
    ) -> None:
        self._require_active()
        self._require_group(group)
        handover = self._open_handover(handover_id)
        if not on_recipient_side:
            raise NotOnRecipientSide(f"only the recipient of handover {handover_id} can accept it")
        when = effective(effective_at)
        if handover["to"]["kind"] == "person":
            # The recipient must be a member when they take the work on.
            group.require_member(handover["to"]["id"], "to.id", when)
        self._require_after_holder_start(when)
        self._require_offered_by(handover, when)
        self._handover_accepted(handover_id, dict(handover["to"]), when)

    def decline_handover(
        self, group: Group, handover_id: str, on_recipient_side: bool, reason: str | None
    ) -> None:
        self._require_active()
        self._require_group(group)
        handover = self._open_handover(handover_id)
        if not on_recipient_side:
            raise NotOnRecipientSide(f"only the recipient of handover {handover_id} can decline it")
        self._require_offered_by(handover, effective(None))
        self._handover_declined(handover_id, optional_text(reason, "reason"))

    def withdraw_handover(self, group: Group, handover_id: str, reason: str | None) -> None:
        self._require_active()
        self._require_group(group)
        self._require_offered_by(self._open_handover(handover_id), effective(None))
        self._handover_withdrawn(handover_id, optional_text(reason, "reason"))

    def return_to_previous(
        self, group: Group, reason: str | None = None, effective_at: datetime | None = None
    ) -> None:
        """Give the accountability back to whoever held it before the current holder."""
        self._require_active()
        self._require_group(group)
        previous = self.previous_holder
        if previous is None:
            raise NothingToReturn(f"accountability {self.id} has had only one holder", self.status)
        if self.open_handover_id is not None:
            raise HandoverAlreadyOpen(
                f"handover {self.open_handover_id} is still open", "handover_offered"
            )
        when = effective(effective_at)
        self._require_after_holder_start(when)
        self._returned(dict(previous), optional_text(reason, "reason"), when)

    def retire(
        self, group: Group, reason: str | None = None, effective_at: datetime | None = None
    ) -> None:
        self._require_active()
        self._require_group(group)
        if self.open_handover_id is not None:
            raise HandoverAlreadyOpen(
                f"handover {self.open_handover_id} is still open", "handover_offered"
            )
        when = effective(effective_at)
        self._require_after_holder_start(when)
        self._retired(optional_text(reason, "reason"), when)

    def _require_after_holder_start(self, when: datetime) -> None:
        """A change before the current holder's start would override that holding from an
        earlier time (the valid-time rule, docs/time.md): refused."""
        not_before(when, self.holders[-1]["from"], "the current holder's start")

    @staticmethod
    def _require_offered_by(handover: dict[str, Any], when: datetime) -> None:
        """A handover is answered, in effective time, no earlier than it was offered."""
        offered = handover.get("offered_at")
        not_before(when, offered, f"handover {handover['handover_id']} was offered")

    def _change_holder(self, holder: dict[str, str], effective_at: datetime) -> None:
        self.holder = dict(holder)
        self.holders.append({"holder": dict(holder), "from": effective_at})

    def _require_group(self, group: Group) -> None:
        group.require_own(self.group_id)
        group.require_open()

    @event("HandoverOffered", topic="accord.Accountability.HandoverOffered")
    def _handover_offered(
        self,
        handover_id: str,
        from_holder: dict[str, str],
        to: dict[str, str],
        reason: str | None,
        effective_at: datetime,
    ) -> None:
        self.handovers[handover_id] = {
            "handover_id": handover_id,
            "from": dict(from_holder),
            "to": dict(to),
            "reason": reason,
            "status": "offered",
            "offered_at": effective_at,
        }
        self.open_handover_id = handover_id

    @event("HandoverAccepted", topic="accord.Accountability.HandoverAccepted")
    def _handover_accepted(
        self, handover_id: str, to: dict[str, str], effective_at: datetime
    ) -> None:
        self.handovers[handover_id]["status"] = "accepted"
        self.open_handover_id = None
        self._change_holder(to, effective_at)

    @event("HandoverDeclined", topic="accord.Accountability.HandoverDeclined")
    def _handover_declined(self, handover_id: str, reason: str | None) -> None:
        self.handovers[handover_id]["status"] = "declined"
        self.handovers[handover_id]["outcome_reason"] = reason
        self.open_handover_id = None

    @event("HandoverWithdrawn", topic="accord.Accountability.HandoverWithdrawn")
    def _handover_withdrawn(self, handover_id: str, reason: str | None) -> None:
        self.handovers[handover_id]["status"] = "withdrawn"
        self.handovers[handover_id]["outcome_reason"] = reason
        self.open_handover_id = None

    @event("Returned", topic="accord.Accountability.Returned")
    def _returned(self, to: dict[str, str], reason: str | None, effective_at: datetime) -> None:
        self._change_holder(to, effective_at)

    @event("Retired", topic="accord.Accountability.Retired")
    def _retired(self, reason: str | None, effective_at: datetime) -> None:
        self.status = "retired"
