"""Names beside ids: who a person is (or "Forgotten person"), and their organisation and sector.

A forgotten person's name is never shown: their events read as erased once their key is
destroyed, and this answers "Forgotten person" for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
        return self.people([person_id], at)[person_id]

    def people(
        self, person_ids: Iterable[str], at: datetime | None = None
    ) -> dict[str, dict[str, Any]]:
        """`person` for each of these people, their records and their organisations' each
        brought up to date with one read of the log (a page's worth of names at once)."""
        ids = list(dict.fromkeys(str(p) for p in person_ids))
        persons = self.core.load_each(Person, ids, to_change=False) if ids else {}
        organisation_of: dict[str, str | None] = {}
        for person_id, person in persons.items():
            if person is not None:
                organisation_of[person_id] = (
                    person.organisation_at(at) if at else person.organisation_id
                )
        organisations = self._organisations([o for o in organisation_of.values() if o is not None])
        found: dict[str, dict[str, Any]] = {}
        for person_id in ids:
            person = persons.get(person_id)
            if person is None:
                found[person_id] = {"id": person_id, "name": "Unknown person", "forgotten": False}
                continue
            forgotten = bool(person.erased or person.forgotten)
            organisation_id = organisation_of[person_id]
            found[person_id] = {
                "id": person_id,
                "name": FORGOTTEN if forgotten else person.name,
                "forgotten": forgotten,
                "organisation_id": organisation_id,
            }
            if organisation_id is not None:
                found[person_id].update(
                    {f"organisation_{k}": v for k, v in organisations[organisation_id].items()}
                )
        return found

    def organisation(self, organisation_id: str, prefix: str = "") -> dict[str, Any]:
        found = self._organisations([organisation_id])[organisation_id]
        return {f"{prefix}{k}": v for k, v in found.items()}

    def _organisations(self, organisation_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each organisation's name and sector label, read together."""
        ids = list(dict.fromkeys(organisation_ids))
        read = self.core.load_each(Organisation, ids, to_change=False) if ids else {}
        found: dict[str, dict[str, Any]] = {}
        for organisation_id in ids:
            organisation = read.get(organisation_id)
            found[organisation_id] = (
                {"name": organisation.name, "sector": sector_label(organisation.sector)}
                if organisation is not None
                else {"name": "Unknown organisation", "sector": ""}
            )
        return found

    def group_name(self, group_id: str) -> str:
        try:
            return str(self.core.read(Group, group_id).name)
        except RecordNotFound:
            return "Unknown group"

    def titles(
        self, record_ids: list[str], sees_group: Callable[[str], bool] | None = None
    ) -> dict[str, str]:
        """The title of each listed record (a decision's title, a principle's statement, a
        conflict's subject), read from the record index in one query; with `sees_group`,
        only of records in groups the reader may see."""
        rows = self.core.store.find_records(sorted(set(record_ids))) if record_ids else []
        return {
            row["record_id"]: str(row["title"] or "")
            for row in rows
            if sees_group is None or sees_group(row["group_id"])
        }

    def names_for(
        self, sees: Callable[[str], bool], expected: Iterable[str] = ()
    ) -> Callable[[str | None], str | None]:
        """A reader's view of people's names, each read once: a person's name if the reader
        may see them (`sees`, the access policy), None for anyone else or no one. The names
        of the `expected` people (those a page will ask for) are read together at once."""
        known: dict[str, str | None] = {}

        def read(person_ids: Iterable[str]) -> None:
            wanted = [p for p in dict.fromkeys(person_ids) if p and p not in known]
            seen = [p for p in wanted if sees(p)]
            names = self.people(seen) if seen else {}
            for person_id in wanted:
                known[person_id] = str(names[person_id]["name"]) if person_id in names else None

        def name(person_id: str | None) -> str | None:
            if not person_id:
                return None
            if person_id not in known:
                read([person_id])
            return known[person_id]

        read(expected)
        return name

    def party(self, party: dict[str, str], at: datetime | None = None) -> str:
        """A holder or party ({"kind", "id"}) as a name."""
        kind, party_id = party.get("kind"), str(party.get("id"))
        if kind == "person":
            return str(self.person(party_id, at)["name"])
        if kind == "organisation":
            return str(self.organisation(party_id)["name"])
        return self.group_name(party_id)
