"""Commands on organisations and people."""

from __future__ import annotations

from datetime import datetime

from application.core import LedgerCore, Written, command
from domain.base import InvalidInput
from domain.organisation import Organisation
from domain.person import Person


class OrganisationCommands(LedgerCore):
    @command
    def register_organisation(self, name: str, sector: str) -> Written:
        """Register an organisation taking part, with its sector."""
        return self._save(Organisation.register(name, sector))

    @command
    def rename_organisation(
        self, organisation_id: str, name: str, expected_version: int | None = None
    ) -> Written:
        """Record an organisation's new name."""
        organisation = self._load(Organisation, organisation_id, expected_version)
        organisation.rename(name)
        return self._save(organisation)

    @command
    def change_organisation_sector(
        self, organisation_id: str, sector: str, expected_version: int | None = None
    ) -> Written:
        """Record that an organisation now belongs to another sector."""
        organisation = self._load(Organisation, organisation_id, expected_version)
        organisation.change_sector(sector)
        return self._save(organisation)

    @command
    def register_person(
        self, name: str, email: str | None = None, organisation_id: str | None = None
    ) -> Written:
        """Register a person, optionally with the organisation they belong to."""
        self._require_organisation(organisation_id, "organisation_id")
        return self._save(Person.register(name, email, organisation_id))

    @command
    def change_affiliation(
        self,
        person_id: str,
        organisation_id: str | None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a person moved to another organisation (or to none)."""
        person = self._load(Person, person_id, expected_version)
        self._require_organisation(organisation_id, "organisation_id")
        person.change_affiliation(organisation_id, effective_at)
        return self._save(person)

    def _require_organisation(self, organisation_id: str | None, field: str) -> None:
        if organisation_id is not None and not self._exists(Organisation, organisation_id):
            raise InvalidInput(f"{field}: no organisation with id {organisation_id}", field)

    def _require_person(self, person_id: str, field: str) -> Person:
        return self._require_people({field: person_id})[field]

    def _require_people(self, named: dict[str, str]) -> dict[str, Person]:
        """The people named by these fields (field -> person id), loaded together; the
        first field naming no one is invalid input."""
        found = self._load_each(Person, list(named.values()), to_change=False)
        people: dict[str, Person] = {}
        for field, person_id in named.items():
            person = found[str(person_id)]
            if person is None:
                raise InvalidInput(f"{field}: no person with id {person_id}", field)
            people[field] = person
        return people
