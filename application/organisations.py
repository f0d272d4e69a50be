"""Commands on organisations."""

from __future__ import annotations

from application.commands import command
from application.core import LedgerCore, Written
from domain.organisation import Organisation


class OrganisationCommands:
    """Commands on organisations: register, rename, change sector."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @command
    def register_organisation(self, name: str, sector: str) -> Written:
        """Register an organisation taking part, with its sector."""
        return self.core.write(Organisation.register(name, sector))

    @command
    def rename_organisation(
        self, organisation_id: str, name: str, expected_version: int | None = None
    ) -> Written:
        """Record an organisation's new name."""
        organisation = self.core.load(Organisation, organisation_id, expected_version)
        organisation.rename(name)
        return self.core.write(organisation)

    @command
    def change_organisation_sector(
        self, organisation_id: str, sector: str, expected_version: int | None = None
    ) -> Written:
        """Record that an organisation now belongs to another sector."""
        organisation = self.core.load(Organisation, organisation_id, expected_version)
        organisation.change_sector(sector)
        return self.core.write(organisation)
