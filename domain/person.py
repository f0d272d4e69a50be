"""Person: someone who takes part. The only aggregate whose events hold personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventsourcing.domain import event

from domain.base import (
    AccordAggregate,
    AccordError,
    Created,
    InvalidInput,
    effective,
    optional_text,
    require_text,
)


class PersonError(AccordError):
    """A rule about people was broken."""


class Person(AccordAggregate):
    """Someone who takes part; names and emails live here and nowhere else."""

    TOPIC = "accord.Person"

    class Registered(AccordAggregate.Event, Created):
        TOPIC = "accord.Person.Registered"
        name: str
        email: str | None
        organisation_id: str | None

    def __init__(self, name: str, email: str | None, organisation_id: str | None) -> None:
        self.name = name
        self.email = email
        self.organisation_id = organisation_id
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
        """Record that the person now belongs to another organisation (or none)."""
        if organisation_id == self.organisation_id:
            raise InvalidInput("the person already belongs to that organisation", "organisation_id")
        self._affiliation_changed(organisation_id, effective(effective_at))

    def organisation_at(self, when: datetime) -> str | None:
        """The organisation the person belonged to at `when`, by the ledger's valid-time rule.

        In recording order, each change takes effect at its effective time, and a change
        recorded later with an earlier effective time overrides from that time on (the
        first affiliation, given at registration, holds from the beginning of time).
        """
        earliest = datetime.min.replace(tzinfo=UTC)
        starts = [a["effective_at"] or earliest for a in self.affiliations]
        for i in range(len(starts) - 2, -1, -1):
            starts[i] = min(starts[i], starts[i + 1])
        current: str | None = None
        for start, affiliation in zip(starts, self.affiliations, strict=True):
            if start <= when:
                current = affiliation["organisation_id"]
        return current

    @event("AffiliationChanged", topic="accord.Person.AffiliationChanged")
    def _affiliation_changed(self, organisation_id: str | None, effective_at: datetime) -> None:
        self.organisation_id = organisation_id
        self.affiliations.append({"organisation_id": organisation_id, "effective_at": effective_at})
