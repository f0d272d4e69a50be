"""Person: someone who takes part. The only aggregate whose events hold personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.domain import event

from domain.base import (
    AccordAggregate,
    AccordError,
    Created,
    InvalidInput,
    LifecycleError,
    effective,
    in_effect,
    optional_text,
    periods,
    require_text,
)

# What a person's name reads as once their personal data is erased.
ERASED_NAME = "erased person"
BASIS_LENGTH = 500


class PersonError(AccordError):
    """A rule about people was broken."""


class PersonForgotten(LifecycleError, PersonError):
    """The person was forgotten: nothing more is recorded about them."""


class Person(AccordAggregate):
    """Someone who takes part; names and emails live here and nowhere else."""

    TOPIC = "accord.Person"

    class Event(AccordAggregate.Event):
        # The one list of personal fields, each with what reads in its place once the
        # person's key is destroyed. Stored sealed with the person's own key (see
        # application.personal); a new free-text personal field must be added here.
        PERSONAL_FIELDS: ClassVar[dict[str, Any]] = {"name": ERASED_NAME, "email": None}
        # Set on an event read after the key was destroyed: its personal fields are placeholders.
        ERASED_MARK: ClassVar[str] = "erased"

    class Registered(Event, Created):
        TOPIC = "accord.Person.Registered"
        name: str
        email: str | None
        organisation_id: str | None

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.erased = bool(vars(self).get(self.ERASED_MARK))

    class Forgotten(Event):
        """The person's personal data was erased by destroying their key.

        `basis` is the legal basis or request reference ("UK GDPR Art. 17, request
        2026-114"). It is kept for good, so it must never hold personal data itself.
        """

        TOPIC = "accord.Person.Forgotten"
        requested_by: str | None
        basis: str
        effective_at: datetime

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            for name, placeholder in self.PERSONAL_FIELDS.items():
                setattr(aggregate, name, placeholder)
            aggregate.erased = True
            aggregate.forgotten = True

    def __init__(self, name: str, email: str | None, organisation_id: str | None) -> None:
        self.name = name
        self.email = email
        self.organisation_id = organisation_id
        # erased: the personal data cannot be read (its key is gone); forgotten: the
        # Forgotten event was recorded.
        self.erased = False
        self.forgotten = False
        # Affiliation over time, oldest first: [{"organisation_id", "effective_at"}].
        self.affiliations: list[dict[str, Any]] = []
        if organisation_id is not None:
            self.affiliations.append({"organisation_id": organisation_id, "effective_at": None})

    @classmethod
    def register(cls, name: str, email: str | None, organisation_id: str | None) -> Person:
        email = optional_text(email, "email", 320)
        if email is not None and ("@" not in email or " " in email):
            raise InvalidInput("email must look like name@example.org", "email")
        return cls(require_text(name, "name", 300), email, organisation_id)

    def change_affiliation(
        self, organisation_id: str | None, effective_at: datetime | None
    ) -> None:
        """Record that the person belongs to another organisation (or none) from `effective_at`.

        Checked against the history as now known, not the latest recorded organisation:
        a correction is refused only when it would change nothing at all (see docs/time.md).
        """
        self._require_not_forgotten()
        when = effective(effective_at)
        after = [*self.affiliations, {"organisation_id": organisation_id, "effective_at": when}]
        if periods(_changes(after)) == periods(_changes(self.affiliations)):
            raise InvalidInput(
                "the person already belongs to that organisation from effective_at on",
                "organisation_id",
            )
        self._affiliation_changed(organisation_id, when)

    def forget(
        self, basis: str, requested_by: str | None, effective_at: datetime | None = None
    ) -> None:
        """Record that the person's personal data is erased; the store destroys their key."""
        self._require_not_forgotten()
        self.trigger_event(
            self.Forgotten,
            requested_by=requested_by,
            basis=require_text(basis, "basis", BASIS_LENGTH),
            effective_at=effective(effective_at),
        )

    def _require_not_forgotten(self) -> None:
        if self.forgotten:
            raise PersonForgotten("the person was forgotten: nothing more is recorded", "forgotten")

    def organisation_at(self, when: datetime) -> str | None:
        """The organisation the person belonged to at `when`, by the ledger's valid-time rule.

        In recording order, each change takes effect at its effective time, and a change
        recorded later with an earlier effective time overrides from that time on (the
        first affiliation, given at registration, holds from the beginning of time).
        """
        found = in_effect(_changes(self.affiliations), when)
        return None if found is None else str(found)

    @event("AffiliationChanged", topic="accord.Person.AffiliationChanged")
    def _affiliation_changed(self, organisation_id: str | None, effective_at: datetime) -> None:
        self.organisation_id = organisation_id
        self.affiliations.append({"organisation_id": organisation_id, "effective_at": effective_at})


def _changes(affiliations: list[dict[str, Any]]) -> list[tuple[datetime | None, Any]]:
    return [(a["effective_at"], a["organisation_id"]) for a in affiliations]
