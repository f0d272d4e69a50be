"""What changed in a group between two moments: a minutes-style summary with links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.core import LedgerCore
from application.projections.describe import iso
from domain.base import InvalidInput, require_aware

# Event type -> (change named in the summary, the data fields it reports).
LINES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Group.Convened": ("group_convened", ("name", "purpose", "convener_id", "parent_group_id")),
    "Group.MemberJoined": ("member_joined", ("person_id", "role")),
    "Group.MemberRoleChanged": ("member_role_changed", ("person_id", "role")),
    "Group.MemberLeft": ("member_left", ("person_id",)),
    "Group.PurposeRestated": ("purpose_restated", ("purpose",)),
    "Group.Closed": ("group_closed", ("reason",)),
    "Decision.Agreed": ("decision_agreed", ("method", "participants", "supersedes")),
    "Decision.Superseded": ("decision_superseded", ("by_decision_id",)),
    "Decision.Revoked": ("decision_revoked", ("reason",)),
    "Principle.Agreed": ("principle_agreed", ()),
    "Principle.Amended": ("principle_amended", ("statement",)),
    "Principle.Retired": ("principle_retired", ("reason",)),
    "Conflict.Raised": ("conflict_raised", ("raised_by", "parties")),
    "Conflict.Resolved": ("conflict_resolved", ("outcome", "decision_id")),
    "Conflict.Escalated": ("conflict_escalated", ("to_group_id", "reason")),
    "Accountability.Defined": ("accountability_defined", ("holder",)),
    "Accountability.HandoverAccepted": ("accountability_handed_over", ("to",)),
    "Accountability.Returned": ("accountability_returned", ("to",)),
    "Accountability.Retired": ("accountability_retired", ("reason",)),
}
TITLES = {
    "Decision.Proposed": "title",
    "Conflict.Raised": "about",
    "Principle.Proposed": "statement",
    "Accountability.Defined": "title",
    "Group.Convened": "name",
}
PATHS = {
    "group": "groups",
    "decision": "decisions",
    "conflict": "conflicts",
    "principle": "principles",
    "accountability": "accountabilities",
}


class ChangeQueries:
    """What changed in a group between two moments."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def group_changes(
        self,
        group_id: str,
        start: datetime,
        end: datetime,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """Changes that took effect in [start, end), by what the ledger knows now, oldest first."""
        require_aware(start, "from")
        require_aware(end, "to")
        if end <= start:
            raise InvalidInput("to must be later than from", "to")
        self.core.require_kind("group", group_id)
        self.core.fresh(min_position)
        rows: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.core.projector.store.select_timeline(after, 1000, group_id=group_id)
            rows.extend(page)
            if len(page) < 1000:
                break
            after = page[-1]["position"]
        titles = {
            r["record_id"]: r["data"].get(TITLES[r["type"]]) for r in rows if r["type"] in TITLES
        }
        holders: dict[str, Any] = {}
        lines = []
        low, high = iso(start), iso(end)
        for row in rows:
            if row["type"] == "Accountability.Defined":
                holders[row["record_id"]] = row["data"]["holder"]
            previous = holders.get(row["record_id"])
            if row["type"] in ("Accountability.HandoverAccepted", "Accountability.Returned"):
                holders[row["record_id"]] = row["data"]["to"]
            if row["type"] not in LINES or not low <= row["effective_at"] < high:
                continue
            change, fields = LINES[row["type"]]
            path = f"/{PATHS[row['kind']]}/{row['record_id']}"
            line = {
                "change": change,
                "record_kind": row["kind"],
                "record_id": row["record_id"],
                "title": titles.get(row["record_id"]),
                "effective_at": row["effective_at"],
                "recorded_at": row["recorded_at"],
                "recorded_by": row["actor"],
                "position": row["position"],
                "details": {f: row["data"].get(f) for f in fields},
                "links": {"record": path, "history": f"{path}/history"},
            }
            if change in ("accountability_handed_over", "accountability_returned"):
                line["details"]["from"] = previous
            lines.append(line)
        lines.sort(key=lambda line: (line["effective_at"], line["position"]))
        return {"group_id": group_id, "from": start, "to": end, "changes": lines}
