"""History queries: record histories, group timelines, the event feed, state as of any moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.core import KIND_OF_TOPIC, LedgerCore
from application.errors import RecordNotFound
from application.projections.describe import describe, iso, jsonable
from application.projections.facts import BEGINNING_OF_TIME, TIMELESS, effective_starts
from domain.base import InvalidInput, require_aware
from domain.conflict import OPEN_STATES

MAX_PAGE = 500


# How many pages of the log a filtered feed reads at most before answering.
SCAN_PAGES = 20


class HistoryQueries:
    """Record histories, group timelines, the event feed, and state as of any moment."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def record_history(
        self,
        kind: str,
        record_id: str,
        after: int = 0,
        limit: int = 100,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """Every event of one record, oldest first, with its position and times."""
        self.core.require_kind(kind, record_id)
        self.core.fresh(min_position)
        limit = _page(limit)
        rows = self.core.projector.store.select_timeline(after, limit + 1, record_id=record_id)
        items = [_item(r) for r in rows[:limit]]
        if kind == "person":
            # The person's own events hold their personal data; the read models do not.
            by_version = {e.originator_version: e for e in self.core.events.get(UUID(record_id))}
            for item in items:
                event = by_version.get(item["version"])
                if event is not None:
                    item["data"] = describe(item["position"], event, personal=True).data
        return {"items": items, "next_after": items[-1]["position"] if len(rows) > limit else None}

    def group_timeline(
        self,
        group_id: str,
        after: int = 0,
        limit: int = 100,
        kinds: tuple[str, ...] = (),
        types: tuple[str, ...] = (),
        person: str | None = None,
        organisation: str | None = None,
        recorded_from: datetime | None = None,
        recorded_to: datetime | None = None,
        min_position: int | None = None,
        before: int | None = None,
    ) -> dict[str, Any]:
        """Events of a group and every record in it, oldest first, filtered; or, with
        `before`, newest first from just before that position (`next_before` pages on)."""
        unknown = sorted(set(kinds) - set(KIND_OF_TOPIC.values()))
        if unknown:
            choices = ", ".join(sorted(KIND_OF_TOPIC.values()))
            raise InvalidInput(f"kind must be among: {choices}", "kind")
        if len(types) > 50 or any(len(t) > 100 for t in types):
            raise InvalidInput("type names at most 50 event types", "type")
        self.core.require_kind("group", group_id)
        self.core.fresh(min_position)
        limit = _page(limit)
        rows = self.core.projector.store.select_timeline(
            after,
            limit + 1,
            group_id=group_id,
            kinds=kinds,
            types=types,
            person=person,
            organisation=organisation,
            recorded_from=_iso(recorded_from, "from"),
            recorded_to=_iso(recorded_to, "to"),
            until=before - 1 if before is not None else None,
            newest_first=before is not None,
        )
        items = [_item(r) for r in rows[:limit]]
        more = items[-1]["position"] if len(rows) > limit else None
        if before is not None:
            return {"items": items, "next_before": more}
        return {"items": items, "next_after": more}

    def ledger_events(
        self,
        after: int = 0,
        limit: int = 100,
        keep: Callable[[set[str]], set[str]] | None = None,
    ) -> dict[str, Any]:
        """The whole ledger in order, straight from the event log (personal data left out).

        `keep`, if given, says which records' events the caller may see; the page then
        holds up to `limit` of those, read from at most SCAN_PAGES log pages, and
        `next_after` is the last position read, so a follower never misses or repeats one.
        """
        limit = _page(limit)
        if after < 0:
            raise InvalidInput("after must not be negative", "after")
        items: list[dict[str, Any]] = []
        last = after
        for _ in range(SCAN_PAGES if keep is not None else 1):
            notifications = self.core.recorder.select_notifications(last + 1, limit - len(items))
            if not notifications:
                break
            seen = keep({str(n.originator_id) for n in notifications}) if keep else None
            for n in notifications:
                last = n.id
                if seen is not None and str(n.originator_id) not in seen:
                    continue
                d = describe(n.id, self.core.mapper.to_domain_event(n))
                items.append(
                    {
                        "position": d.position,
                        "type": d.type,
                        "kind": d.kind,
                        "record_id": d.record_id,
                        "version": d.version,
                        "recorded_at": iso(d.recorded_at),
                        "recorded_by": d.actor,
                        "effective_at": iso(d.effective_at),
                        "data": d.data,
                    }
                )
            if len(items) >= limit:
                break
        return {"items": items, "next_after": last, "head_position": self.core.head_position()}

    def moment(
        self, as_of: datetime | None, effective_at: datetime | None, min_position: int | None
    ) -> tuple[int, str, datetime | None, datetime]:
        """(position, effective instant) for a bitemporal read, and the two moments used."""
        require_aware(as_of, "as_of")
        require_aware(effective_at, "effective_at")
        self.core.fresh(min_position)
        if as_of is not None:
            position = self.core.projector.store.position_at(iso(as_of))
            return position, iso(effective_at or as_of), as_of, effective_at or as_of
        position = self.core.projector.position()
        when = effective_at or datetime.now(UTC)
        return position, iso(when), None, when

    def record_version_at(
        self,
        kind: str,
        record_id: str,
        as_of: datetime | None = None,
        effective_at: datetime | None = None,
        min_position: int | None = None,
    ) -> int:
        """The version of a record that the ledger showed at `as_of`, in effect at `effective_at`."""
        self.core.require_kind(kind, record_id)
        position, _, _, when = self.moment(as_of, effective_at, min_position)
        rows = self.core.projector.store.select_timeline(
            0, 100_000, record_id=record_id, until=position
        )
        if not rows:
            raise RecordNotFound(kind, f"{record_id} as of {iso(as_of) if as_of else 'now'}")
        if effective_at is None:
            return int(rows[-1]["version"])
        # Later-recorded changes with earlier effective times override from then on.
        starts = effective_starts(
            [BEGINNING_OF_TIME if r["type"] in TIMELESS else r["effective_at"] for r in rows]
        )
        chosen = [
            int(r["version"]) for r, start in zip(rows, starts, strict=True) if start <= iso(when)
        ]
        if not chosen:
            raise RecordNotFound(kind, f"{record_id} in effect at {iso(when)}")
        return chosen[-1]

    def group_state(
        self,
        group_id: str,
        as_of: datetime | None = None,
        effective_at: datetime | None = None,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """A group as it stood: purpose, members, principles in force, decisions in effect,
        open conflicts, accountabilities and their holders."""
        self.core.require_kind("group", group_id)
        position, effective, as_of_used, effective_used = self.moment(
            as_of, effective_at, min_position
        )
        facts = self.core.projector.store.select_facts(
            group_id, position, effective, live_only=True
        )
        by_key = {f["key"]: f["state"] for f in facts}
        own = by_key.get(f"group:{group_id}")
        if own is None:
            raise RecordNotFound("group", f"{group_id} at that moment")
        own = {
            **own,
            **by_key.get(f"purpose:{group_id}", {}),
            **by_key.get(f"status:{group_id}", {}),
        }
        records = [f["state"] for f in facts if f["key"].startswith("record:")]
        return {
            "group_id": group_id,
            "as_of": as_of_used,
            "effective_at": effective_used,
            "position": position,
            "name": own["name"],
            "kind": own["group_kind"],
            "purpose": own["purpose"],
            "status": own["status"],
            "parent_group_id": own["parent_group_id"],
            "members": sorted(
                (
                    {
                        "person_id": f["state"]["person_id"],
                        "role": f["state"]["role"],
                        "since": f["effective_from"],
                    }
                    for f in facts
                    if f["key"].startswith("member:")
                ),
                key=lambda m: (m["since"], m["person_id"]),
            ),
            "principles": [
                r for r in records if r["kind"] == "principle" and r["status"] == "agreed"
            ],
            "decisions": [
                r for r in records if r["kind"] == "decision" and r["status"] == "agreed"
            ],
            "conflicts": [
                r for r in records if r["kind"] == "conflict" and r["status"] in OPEN_STATES
            ],
            "accountabilities": [
                r for r in records if r["kind"] == "accountability" and r["status"] == "active"
            ],
        }


def _page(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def _iso(moment: datetime | None, field: str) -> str | None:
    require_aware(moment, field)
    return iso(moment) if moment is not None else None


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "position": row["position"],
        "type": row["type"],
        "kind": row["kind"],
        "record_id": row["record_id"],
        "group_id": row["group_id"],
        "version": row["version"],
        "recorded_at": row["recorded_at"],
        "recorded_by": row["actor"],
        "effective_at": row["effective_at"],
        "data": jsonable(row["data"]),
    }
