"""Names beside ids: who a person is (or "Forgotten person"), and their organisation and sector.

A forgotten person's name is never shown: their events read as erased once their key is
destroyed, and this answers "Forgotten person" for them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from application.core import LedgerCore
from application.errors import RecordNotFound
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person

FORGOTTEN = "Forgotten person"
# Sectors as people write them.
SECTOR_LABELS = {
    "statutory_health": "NHS trust (secondary care)",
    "primary_care": "Primary care",
    "local_authority": "Local authority",
    "commissioner": "Commissioner (ICB)",
    "vcse": "VCSE",
    "lived_experience": "Lived experience",
    "other": "Other",
}


def sector_label(sector: str | None) -> str:
    return SECTOR_LABELS.get(sector or "", sector or "")


class DirectoryQueries:
    """Display names for people, organisations and groups, read from their records."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def person(self, person_id: str, at: datetime | None = None) -> dict[str, Any]:
        """A person's name and, at `at` (now if None), their organisation and its sector."""
        try:
            person = self.core.read(Person, person_id)
        except RecordNotFound:
            return {"id": person_id, "name": "Unknown person", "forgotten": False}
        forgotten = bool(person.erased or person.forgotten)
        organisation_id = person.organisation_at(at) if at else person.organisation_id
        found: dict[str, Any] = {
            "id": person_id,
            "name": FORGOTTEN if forgotten else person.name,
            "forgotten": forgotten,
            "organisation_id": organisation_id,
        }
        if organisation_id is not None:
            found.update(self.organisation(organisation_id, prefix="organisation_"))
        return found

    def organisation(self, organisation_id: str, prefix: str = "") -> dict[str, Any]:
        try:
            organisation = self.core.read(Organisation, organisation_id)
        except RecordNotFound:
            return {f"{prefix}name": "Unknown organisation", f"{prefix}sector": ""}
        return {
            f"{prefix}name": organisation.name,
            f"{prefix}sector": sector_label(organisation.sector),
        }

    def group_name(self, group_id: str) -> str:
        try:
            return str(self.core.read(Group, group_id).name)
        except RecordNotFound:
            return "Unknown group"

    def titles(self, record_ids: list[str]) -> dict[str, str]:
        """The title of each listed record (a decision's title, a principle's statement, a
        conflict's subject), read from the record index in one query."""
        rows = self.core.store.find_records(sorted(set(record_ids))) if record_ids else []
        return {row["record_id"]: str(row["title"] or "") for row in rows}

    def names_for(self, sees: Callable[[str], bool]) -> Callable[[str | None], str | None]:
        """A reader's view of people's names, each read once: a person's name if the reader
        may see them (`sees`, the access policy), None for anyone else or no one."""
        known: dict[str, str | None] = {}

        def name(person_id: str | None) -> str | None:
            if not person_id:
                return None
            if person_id not in known:
                seen = sees(person_id)
                known[person_id] = str(self.person(person_id)["name"]) if seen else None
            return known[person_id]

        return name

    def party(self, party: dict[str, str], at: datetime | None = None) -> str:
        """A holder or party ({"kind", "id"}) as a name."""
        kind, party_id = party.get("kind"), str(party.get("id"))
        if kind == "person":
            return str(self.person(party_id, at)["name"])
        if kind == "organisation":
            return str(self.organisation(party_id)["name"])
        return self.group_name(party_id)
