"""Records as they are now or stood at a moment, pages of records, and the event feed."""

from __future__ import annotations

import base64
import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from application import views
from application.access import Access, AccessPolicy
from application.core import LedgerCore
from application.history import HistoryQueries
from domain.accountability import Accountability
from domain.base import InvalidInput
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person
from domain.principle import Principle

MAX_PAGE = 200


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor stands for; a malformed cursor is invalid input."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        position = int(text[1:]) if text.startswith("p") and text[1:].isdigit() else -1
        if not 0 <= position < 2**62:
            raise ValueError(text)
        return position
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned", "cursor") from None


class RecordQueries:
    """One record of any kind (now, or as of a moment), pages of a kind, the event feed."""

    def __init__(self, core: LedgerCore, history: HistoryQueries, access: AccessPolicy) -> None:
        self.core = core
        self.history = history
        self.access = access

    def get_record(
        self,
        kind: str,
        record_id: str,
        as_of: datetime | None = None,
        effective_at: datetime | None = None,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """A record now, or as the ledger showed it at `as_of`, in effect at `effective_at`."""
        getter = getattr(self, f"get_{kind}")
        if as_of is None and effective_at is None:
            return dict(getter(record_id))
        if kind == "group" and effective_at is not None:
            return self._group_in_effect(record_id, as_of, effective_at, min_position)
        version = self.history.record_version_at(kind, record_id, as_of, effective_at, min_position)
        return dict(getter(record_id, version))

    def _group_in_effect(
        self,
        group_id: str,
        as_of: datetime | None,
        effective_at: datetime,
        min_position: int | None,
    ) -> dict[str, Any]:
        # Memberships are facts of their own: one member's back-dated change must not move
        # another's, so a group in effect is assembled from its facts, not one version.
        state = self.history.group_state(group_id, as_of, effective_at, min_position)
        view = self.get_group(group_id, self.history.record_version_at("group", group_id, as_of))
        view.update({k: state[k] for k in ("name", "kind", "purpose", "status", "parent_group_id")})
        view["members"] = [
            {"person_id": m["person_id"], "role": m["role"]} for m in state["members"]
        ]
        return view

    def get_organisation(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        return views.organisation(self.core.load(Organisation, record_id, at_version=version))

    def get_person(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        return views.person(self.core.load(Person, record_id, at_version=version))

    def get_group(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        return views.group(self.core.load(Group, record_id, at_version=version))

    def get_groups(self, record_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The groups with these ids as they are now, read together and not copied (a view
        is built afresh from each); ids that name no group are left out."""
        found = self.core.load_each(Group, record_ids, to_change=False)
        return [views.group(g) for g in found.values() if g is not None]

    def all_decisions(
        self, group_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Every decision (of one group, in one status, if given), oldest first, read whole:
        the register, the outcomes table and the decision records' export."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.list_records("decision", group_id, status, cursor, 200)
            found += [self.get_decision(item["id"]) for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    def get_decision(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        return views.decision(self.core.load(Decision, record_id, at_version=version))

    def get_conflict(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        return views.conflict(self.core.load(Conflict, record_id, at_version=version))

    def get_principle(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        return views.principle(self.core.load(Principle, record_id, at_version=version))

    def get_accountability(self, record_id: str, version: int | None = None) -> dict[str, Any]:
        return views.accountability(self.core.load(Accountability, record_id, at_version=version))

    def list_records(
        self,
        kind: str,
        group_id: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        visible: Collection[str] | None = None,
    ) -> dict[str, Any]:
        """One page of a kind of record, oldest first, with a cursor to the next page.

        `visible`, if given, limits the page to those records (the groups a caller may see).
        """
        if group_id is not None:
            self.core.load(Group, group_id)
        limit = max(1, min(limit, MAX_PAGE))
        rows = self.core.store.select_records(
            kind, group_id, status, decode_cursor(cursor), limit + 1, visible
        )
        page = rows[:limit]
        next_cursor = encode_cursor(page[-1]["created_position"]) if len(rows) > limit else None
        items = [
            {
                "id": r["record_id"],
                "kind": r["kind"],
                "group_id": r["group_id"],
                "title": r["title"],
                "status": r["status"],
                "version": r["version"],
                "position": r["updated_position"],
            }
            for r in page
        ]
        return {"items": items, "next_cursor": next_cursor}

    def event_feed(
        self, after: int = 0, limit: int = 100, access: Access | None = None
    ) -> dict[str, Any]:
        """The event feed, limited to the records `access` may see (everything if None)."""
        keep = None
        if access is not None and not access.sees_everything:
            keep = functools.partial(self.access.visible_records, access)
        return self.history.ledger_events(after, limit, keep)
