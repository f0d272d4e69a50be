"""People as a reader may see them: a search by name and organisation, and one person's page.

Names are personal data sealed in each person's own events (application.personal), so no
read model holds them and none can be indexed. A search walks the people the reader may see
in the order they were registered (the timeline's `Person.Registered` rows, which hold no
name), opens each page of candidates with one read of the log, and compares the display
name: the cost is one pass over the visible people per search, a few thousand at most in a
governance ledger. A forgotten person's display name is "Forgotten person": their old name
cannot be read, so it is never matched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from application.access import Access, AccessPolicy
from application.core import LedgerCore
from application.directory import DirectoryQueries
from application.errors import RecordNotFound
from application.history import HistoryQueries
from application.projections.facts import BEGINNING_OF_TIME, END_OF_TIME
from application.records import MAX_PAGE, decode_cursor, encode_cursor
from domain.base import InvalidInput
from domain.person import Person

SCAN = 500
QUERY_LENGTH = 100


class ProfileQueries:
    """Finding people, and what one person holds and took part in, within a reader's rights."""

    def __init__(
        self,
        core: LedgerCore,
        access: AccessPolicy,
        directory: DirectoryQueries,
        history: HistoryQueries,
    ) -> None:
        self.core = core
        self.access = access
        self.directory = directory
        self.history = history

    def find_people(
        self,
        access: Access,
        q: str | None = None,
        organisation_id: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """A page of the people `access` may see, oldest registration first: those whose
        display name contains `q` (ignoring case) and who belong to `organisation_id` now."""
        text = (q or "").strip().casefold()
        if len(text) > QUERY_LENGTH:
            raise InvalidInput(f"q must be at most {QUERY_LENGTH} characters", "q")
        if organisation_id and self.core.kind_of(organisation_id) != "organisation":
            raise InvalidInput(f"no organisation with id {organisation_id}", "organisation_id")
        limit = max(1, min(limit, MAX_PAGE))
        self.core.fresh(min_position)
        shared = self.access.groups_shared(access)
        visible = None if access.sees_everything else {access.person_id, *shared}
        found: list[tuple[int, dict[str, Any]]] = []
        for position, person in self._registered(decode_cursor(cursor), visible):
            shown = self._listed(person, shared.get(person["id"], []))
            if text and text not in shown["name"].casefold():
                continue
            if organisation_id and shown["organisation_id"] != organisation_id:
                continue
            found.append((position, shown))
            if len(found) > limit:
                break
        page = found[:limit]
        more = len(found) > limit
        return {
            "items": [person for _, person in page],
            "next_cursor": encode_cursor(page[-1][0]) if more else None,
        }

    def _registered(
        self, after: int, visible: set[str] | None
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """(registration position, the person as the directory names them), in log order."""
        store = self.core.projector.store
        while True:
            rows = store.select_timeline(after, SCAN, types=("Person.Registered",))
            wanted = [r for r in rows if visible is None or r["record_id"] in visible]
            # One read of the log brings this batch's records up to date.
            self.core.load_each(Person, [r["record_id"] for r in wanted], to_change=False)
            for row in wanted:
                yield row["position"], self.directory.person(row["record_id"])
            if len(rows) < SCAN:
                return
            after = rows[-1]["position"]

    def _listed(self, person: dict[str, Any], groups: list[str]) -> dict[str, Any]:
        return {
            "id": person["id"],
            "name": person["name"],
            "forgotten": person["forgotten"],
            "organisation_id": person.get("organisation_id"),
            "organisation_name": person.get("organisation_name"),
            "organisation_sector": person.get("organisation_sector"),
            "groups": [{"id": g, "name": self.directory.group_name(g)} for g in sorted(groups)],
        }

    def profile(
        self,
        access: Access,
        person_id: str,
        as_of: datetime | None = None,
        effective_at: datetime | None = None,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """One person as the reader may see them, in effect at `effective_at` as known at
        `as_of`: their organisation then and over time, the groups they were in, what they
        held, and the decisions they took part in (only in groups the reader may see)."""
        if self.core.kind_of(person_id) != "person" or not self.access.sees_person(
            access, person_id
        ):
            raise RecordNotFound("person", person_id)
        position, effective, as_of_used, effective_used = self.history.moment(
            as_of, effective_at, min_position
        )
        groups = access.visible_groups()
        in_groups = None if groups is None else sorted(groups)
        return {
            **self.directory.person(person_id, effective_used),
            "as_of": as_of_used,
            "effective_at": effective_used,
            "position": position,
            "affiliations": self._affiliations(person_id, position),
            "memberships": self._memberships(person_id, position, effective, in_groups),
            "holds": self._holds(person_id, position, effective, in_groups),
            "decisions": self._decisions(person_id, position, effective, groups),
        }

    def _affiliations(self, person_id: str, position: int) -> list[dict[str, Any]]:
        """The person's organisations over time, as known at `position`, oldest first."""
        store = self.core.projector.store
        rows = store.select_fact_intervals(position, "affiliation:", [person_id])
        periods = []
        for row in rows:
            organisation_id = row["state"].get("organisation_id")
            named = self.directory.organisation(organisation_id) if organisation_id else {}
            periods.append(
                {
                    "organisation_id": organisation_id,
                    "organisation_name": named.get("name"),
                    "organisation_sector": named.get("sector"),
                    # None: from the beginning of time (the registration), or still so.
                    "from": None
                    if row["effective_from"] == BEGINNING_OF_TIME
                    else row["effective_from"],
                    "to": None if row["effective_to"] == END_OF_TIME else row["effective_to"],
                }
            )
        return periods

    def _memberships(
        self, person_id: str, position: int, effective: str, groups: list[str] | None
    ) -> list[dict[str, Any]]:
        store = self.core.projector.store
        facts = store.select_facts_at(position, effective, groups, key_prefix="member:")
        return sorted(
            (
                {
                    "group_id": f["group_id"],
                    "group_name": self.directory.group_name(f["group_id"]),
                    "role": f["state"]["role"],
                    "since": f["effective_from"],
                }
                for f in facts
                if f["state"].get("person_id") == person_id
            ),
            key=lambda m: m["group_name"],
        )

    def _holds(
        self, person_id: str, position: int, effective: str, groups: list[str] | None
    ) -> list[dict[str, Any]]:
        store = self.core.projector.store
        facts = store.select_facts_at(
            position, effective, groups, kind="accountability", live_only=True
        )
        return [
            {
                "id": f["state"]["id"],
                "title": f["state"]["title"],
                "group_id": f["group_id"],
                "group_name": self.directory.group_name(f["group_id"]),
                "since": f["state"].get("holder_since"),
            }
            for f in facts
            if f["holder"] == f"person:{person_id}"
        ]

    def _decisions(
        self, person_id: str, position: int, effective: str, groups: frozenset[str] | None
    ) -> list[dict[str, Any]]:
        """Decisions agreed with the person taking part, in effect by `effective`."""
        rows = self.core.projector.store.select_timeline(
            0, 100_000, types=("Decision.Agreed",), person=person_id, until=position
        )
        chosen = [
            r
            for r in rows
            if person_id in (r["data"].get("participants") or [])
            and r["effective_at"] <= effective
            and (groups is None or r["group_id"] in groups)
        ]
        titles = self.directory.titles([r["record_id"] for r in chosen])
        return [
            {
                "id": r["record_id"],
                "title": titles.get(r["record_id"], ""),
                "group_id": r["group_id"],
                "group_name": self.directory.group_name(r["group_id"]),
                "method": r["data"].get("method"),
                "effective_at": r["effective_at"],
            }
            for r in sorted(chosen, key=lambda r: r["effective_at"], reverse=True)
        ]
