"""What every section of the accountability report reads through: the read models at one
recorded position, the report's scope and period, and lookups kept for the whole report."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from application.ports import ReadModelStore
from application.projections.describe import iso

# The events the report counts or looks up; the others (proposals still open, notes,
# acknowledgements, definitions and retirements of accountabilities) it reads as facts.
REPORTED_TYPES = (
    "Accountability.HandoverOffered",
    "Accountability.HandoverAccepted",
    "Accountability.HandoverDeclined",
    "Accountability.HandoverWithdrawn",
    "Accountability.Returned",
    "Decision.Agreed",
    "Decision.Superseded",
    "Decision.Revoked",
    "Conflict.Raised",
    "Conflict.Resolved",
    "Conflict.Escalated",
    "Conflict.Withdrawn",
    "Principle.Proposed",
    "Principle.Agreed",
    "Principle.Amended",
    "Principle.Endorsed",
    "Principle.ObjectedTo",
    "Principle.Retired",
)
GROUP_HOLDER = "(a group)"
UNKNOWN = "(no organisation)"


class ReportContext:
    """Lookups at one recorded position: facts at any effective moment, and aggregates of
    the timeline, computed by the read-model store where it can (counts, distinct values,
    latest stances), so that a report reads what it shows, not the whole ledger."""

    def __init__(self, store: ReadModelStore, position: int) -> None:
        self.store = store
        self.position = position
        # Per prefix: each fact's valid-time intervals, loaded once and searched in memory,
        # so looking up many moments costs one query, not one per moment.
        self._intervals: dict[str, dict[str, tuple[list[str], list[dict[str, Any]]]]] = {}
        self._active_rows: dict[str, list[dict[str, Any]]] = {}
        self._open_conflicts: list[dict[str, Any]] | None = None
        self._groups: dict[str, dict[str, Any]] | None = None
        self._held_at_end: list[dict[str, Any]] | None = None
        self._sectors: dict[tuple[str, int], str | None] = {}
        self._epochs: list[str] | None = None
        # People whose affiliations are loaded, when only some are (see `_affiliations`).
        self._placed: set[str] = set()
        self.groups: list[str] | None = None
        self.low = self.high = ""
        self.counts: dict[str, int] = {}

    def within(self, groups: set[str] | None, start: datetime, end: datetime) -> None:
        """Scope the aggregates to these groups (None: all) and the period [start, end]."""
        self.groups = sorted(groups) if groups is not None else None
        self.low, self.high = iso(start), iso(end)
        self.counts = self.store.count_events(
            self.position, REPORTED_TYPES, self.low, self.high, self.groups
        )

    def count(self, event_type: str) -> int:
        return self.counts.get(event_type, 0)

    def events(
        self, types: tuple[str, ...], **kwargs: Any
    ) -> list[tuple[int, str, str, str, str | None, str | None, str | None]]:
        return self.store.select_reported(self.position, types, group_ids=self.groups, **kwargs)

    def _state(self, prefix: str, key: str, moment: str) -> dict[str, Any] | None:
        found = self._index(prefix).get(key)
        if found is None:
            return None
        starts, rows = found
        i = bisect_right(starts, moment) - 1
        if i >= 0 and moment < rows[i]["effective_to"]:
            state: dict[str, Any] = rows[i]["state"]
            return state
        return None

    def _index(self, prefix: str) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
        if prefix not in self._intervals:
            self._intervals[prefix] = {}
            self._load(prefix, self.store.select_fact_intervals(self.position, prefix))
        return self._intervals[prefix]

    def _load(self, prefix: str, found: list[dict[str, Any]]) -> None:
        index = self._intervals[prefix]
        for row in found:
            starts, rows = index.setdefault(row["key"][len(prefix) :], ([], []))
            starts.append(row["effective_from"])
            rows.append(row)

    def affiliations(self, holders: Iterable[str]) -> None:
        """Load the affiliations of the people among these holders, in one query.

        A report of some groups places a few people, so it loads theirs only (and keeps
        them); a whole-ledger report places most people, so it loads everyone's at once.
        """
        if self.groups is None:
            self._index("affiliation:")
            return
        people = {h.partition(":")[2] for h in holders if h.startswith("person:")}
        wanted = sorted(people - self._placed)
        if wanted:
            self._placed.update(wanted)
            self._intervals.setdefault("affiliation:", {})
            found = self.store.select_fact_intervals(self.position, "affiliation:", wanted)
            self._load("affiliation:", found)

    def scope(
        self, group_id: str | None, include_subgroups: bool, when: datetime
    ) -> set[str] | None:
        if group_id is None:
            return None
        scope = {group_id}
        if include_subgroups:
            # Sub-groups as they stand at the end of the period, at any depth.
            convened = self._all_groups()
            parents = {
                k: f["state"].get("parent_group_id")
                for k, f in convened.items()
                if (f["state"].get("effective_at") or "") <= iso(when)
            }
            changed = True
            while changed:
                changed = False
                for child, parent in parents.items():
                    if parent in scope and child not in scope:
                        scope.add(child)
                        changed = True
        return scope

    def _all_groups(self) -> dict[str, dict[str, Any]]:
        """Every group convened by the report's position, as convened (name, parent, when)."""
        if self._groups is None:
            rows = self.store.select_timeline(
                0, 1_000_000, kinds=("group",), types=("Group.Convened",), until=self.position
            )
            self._groups = {r["record_id"]: {"state": r["data"]} for r in rows}
        return self._groups

    def convened(self) -> dict[str, dict[str, Any]]:
        """Per group convened by the report's position: its Convened event's data."""
        return {k: f["state"] for k, f in self._all_groups().items()}

    def place(self, holder: str, moment: str) -> tuple[str | None, str | None]:
        """(organisation, its sector) of a holder ("kind:id") at a moment, or None each."""
        kind, _, holder_id = holder.partition(":")
        organisation: str | None = None
        if kind == "organisation":
            organisation = holder_id
        elif kind == "person":
            self.affiliations((holder,))
            affiliation = self._state("affiliation:", holder_id, moment)
            organisation = affiliation.get("organisation_id") if affiliation else None
        return organisation, self.sector_at(organisation, moment)

    def epoch(self, moment: str) -> int:
        """Which epoch a moment falls in: between two consecutive bounds of organisations'
        intervals every organisation's sector is the same, so it is looked up once."""
        if self._epochs is None:
            self._epochs = sorted(
                {
                    row["effective_" + end]
                    for _, rows in self._index("organisation:").values()
                    for row in rows
                    for end in ("from", "to")
                }
            )
        return bisect_right(self._epochs, moment)

    def sector_at(self, organisation: str | None, moment: str) -> str | None:
        if organisation is None:
            return None
        key = (organisation, self.epoch(moment))
        if key not in self._sectors:
            found = self._state("organisation:", organisation, moment)
            self._sectors[key] = found.get("sector") if found else None
        return self._sectors[key]

    def organisation_name(self, organisation: str, moment: str) -> str | None:
        found = self._state("organisation:", organisation, moment)
        return found.get("name") if found else None

    def _active(self, moment: str, with_state: bool) -> list[dict[str, Any]]:
        return self.store.select_facts_at(
            self.position,
            moment,
            self.groups,
            "record:",
            kind="accountability",
            live_only=True,
            with_state=with_state,
        )

    def active_at(self, moment: str) -> list[dict[str, Any]]:
        """The accountabilities active at a moment: their key, group and holder, no state."""
        if moment not in self._active_rows:
            self._active_rows[moment] = self._active(moment, False)
        return self._active_rows[moment]

    def holders_at(self, moment: str) -> list[str]:
        """The holder ("kind:id") of each accountability active at a moment."""
        return [row["holder"] for row in self.active_at(moment) if row["holder"]]

    def open_conflicts(self) -> list[dict[str, Any]]:
        """The conflicts open at the end of the period: their key and group, no state."""
        if self._open_conflicts is None:
            self._open_conflicts = self.store.select_facts_at(
                self.position,
                self.high,
                self.groups,
                "record:",
                kind="conflict",
                live_only=True,
                with_state=False,
            )
        return self._open_conflicts

    def held_at_end(self) -> list[dict[str, Any]]:
        """The accountabilities active at the end of the period, as they stood then."""
        if self._held_at_end is None:
            self._held_at_end = [
                {**f["state"], "since": f["effective_from"], "group_id": f["group_id"]}
                for f in self._active(self.high, True)
            ]
        return self._held_at_end


def days_before(moment: datetime, days: int) -> datetime:
    """`days` before `moment`, or the earliest instant when that is before year 1."""
    try:
        return moment - timedelta(days=days)
    except OverflowError:
        return datetime(1, 1, 1, tzinfo=UTC)


def mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None
