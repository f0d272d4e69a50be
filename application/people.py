"""Commands on people: register one, record their move to another organisation."""

from __future__ import annotations

from datetime import datetime

from application import checks
from application.commands import command
from application.core import LedgerCore, Written
from domain.person import Person


class PeopleCommands:
    """Commands on people (their names are personal data: see application.privacy)."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @command
    def register_person(
        self, name: str, email: str | None = None, organisation_id: str | None = None
    ) -> Written:
        """Register a person, optionally with the organisation they belong to."""
        checks.require_organisation(self.core, organisation_id, "organisation_id")
        return self.core.write(Person.register(name, email, organisation_id))

    @command
    def change_affiliation(
        self,
        person_id: str,
        organisation_id: str | None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a person moved to another organisation (or to none)."""
        person = self.core.load(Person, person_id, expected_version)
        checks.require_organisation(self.core, organisation_id, "organisation_id")
        person.change_affiliation(organisation_id, effective_at)
        return self.core.write(person)
