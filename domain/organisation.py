"""Organisation: a body taking part, with its sector."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.base import AccordAggregate, AccordError, Created, require_text
from domain.values import Sector, parse


class OrganisationError(AccordError):
    """A rule about organisations was broken."""


class Organisation(AccordAggregate):
    """A body taking part in governance: a trust, a council, a charity."""

    TOPIC = "accord.Organisation"

    class Registered(AccordAggregate.Event, Created):
        TOPIC = "accord.Organisation.Registered"
        name: str
        sector: str

    def __init__(self, name: str, sector: str) -> None:
        self.name = name
        self.sector = sector

    @classmethod
    def register(cls, name: str, sector: str) -> Organisation:
        return cls(require_text(name, "name", 300), parse(Sector, sector, "sector"))

    def rename(self, name: str) -> None:
        self._renamed(require_text(name, "name", 300))

    def change_sector(self, sector: str) -> None:
        self._sector_changed(parse(Sector, sector, "sector"))

    @event("Renamed", topic="accord.Organisation.Renamed")
    def _renamed(self, name: str) -> None:
        self.name = name

    @event("SectorChanged", topic="accord.Organisation.SectorChanged")
    def _sector_changed(self, sector: str) -> None:
        self.sector = sector
