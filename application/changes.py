"""What changed in a group between two moments: a minutes-style summary with links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.core import LedgerCore
from application.projections.describe import iso
from domain.base import InvalidInput, require_aware

# Event type -> (change named in the summary, the data fields it reports): every event that
# changes what is in effect, open or pending (docs/time.md, "Reading the past").
LINES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Group.Convened": ("group_convened", ("name", "purpose", "convener_id", "parent_group_id")),
    "Group.MemberJoined": ("member_joined", ("person_id", "role")),
    "Group.MemberRoleChanged": ("member_role_changed", ("person_id", "role")),
    "Group.MemberLeft": ("member_left", ("person_id",)),
    "Group.PurposeRestated": ("purpose_restated", ("purpose",)),
    "Group.Closed": ("group_closed", ("reason",)),
    "Decision.Proposed": ("decision_proposed", ("proposed_by",)),
    "Decision.Agreed": ("decision_agreed", ("method", "participants", "supersedes")),
    "Decision.Rejected": ("decision_rejected", ("reason",)),
    "Decision.Withdrawn": ("decision_withdrawn", ("reason",)),
    "Decision.Superseded": ("decision_superseded", ("by_decision_id",)),
    "Decision.Revoked": ("decision_revoked", ("reason",)),
    "Principle.Proposed": ("principle_proposed", ("statement",)),
    "Principle.Endorsed": ("principle_endorsed", ("person_id", "reason")),
    "Principle.ObjectedTo": ("principle_objected_to", ("person_id", "reason")),
    "Principle.Agreed": ("principle_agreed", ()),
    "Principle.Amended": ("principle_amended", ("statement",)),
    "Principle.Retired": ("principle_retired", ("reason",)),
    "Conflict.Raised": ("conflict_raised", ("raised_by", "parties")),
    "Conflict.Acknowledged": ("conflict_acknowledged", ("note",)),
    "Conflict.NoteAdded": ("conflict_worked_through", ("note_id",)),
    "Conflict.Resolved": ("conflict_resolved", ("outcome", "decision_id")),
    "Conflict.Escalated": ("conflict_escalated", ("to_group_id", "reason")),
    "Conflict.Withdrawn": ("conflict_withdrawn", ("reason",)),
    "Accountability.Defined": ("accountability_defined", ("holder",)),
    "Accountability.HandoverOffered": ("handover_offered", ("from_holder", "to", "reason")),
    "Accountability.HandoverAccepted": ("accountability_handed_over", ("to",)),
    "Accountability.HandoverDeclined": ("handover_declined", ("reason",)),
    "Accountability.HandoverWithdrawn": ("handover_withdrawn", ("reason",)),
    "Accountability.Returned": ("accountability_returned", ("to",)),
    "Accountability.Retired": ("accountability_retired", ("reason",)),
}
# The sentence of each line, for minutes: what happened to the record named by its title.
SENTENCES = {
    "group_convened": "The group was convened",
    "member_joined": "A member joined",
    "member_role_changed": "A member's role changed",
    "member_left": "A member left",
    "purpose_restated": "The purpose was restated",
    "group_closed": "The group was closed",
    "decision_proposed": "A decision was proposed",
    "decision_agreed": "A decision was agreed",
    "decision_rejected": "A proposed decision was rejected",
    "decision_withdrawn": "A proposed decision was withdrawn",
    "decision_superseded": "A decision was superseded",
    "decision_revoked": "A decision was revoked",
    "principle_proposed": "A principle was proposed",
    "principle_endorsed": "A principle was endorsed",
    "principle_objected_to": "An objection was made to a principle",
    "principle_agreed": "A principle was agreed",
    "principle_amended": "A principle was amended",
    "principle_retired": "A principle was retired",
    "conflict_raised": "A conflict was raised",
    "conflict_acknowledged": "A conflict was acknowledged",
    "conflict_worked_through": "A conflict was worked through",
    "conflict_resolved": "A conflict was resolved",
    "conflict_escalated": "A conflict was escalated",
    "conflict_withdrawn": "A conflict was withdrawn",
    "accountability_defined": "An accountability was defined",
    "handover_offered": "A handover of an accountability was offered",
    "accountability_handed_over": "An accountability was handed over",
    "handover_declined": "A handover of an accountability was declined",
    "handover_withdrawn": "A handover of an accountability was withdrawn",
    "accountability_returned": "An accountability was returned",
    "accountability_retired": "An accountability was retired",
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
                # The event behind the line, for renderers that word it (the minutes).
                "type": row["type"],
                "data": row["data"],
                "record_kind": row["kind"],
                "record_id": row["record_id"],
                "title": titles.get(row["record_id"]),
                "sentence": _sentence(change, titles.get(row["record_id"]), row),
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


def _sentence(change: str, title: Any, row: dict[str, Any]) -> str:
    """One line for the minutes: what happened, to what, effective and recorded when."""
    named = f": {title}" if title else ""
    effective, recorded = row["effective_at"][:10], row["recorded_at"][:10]
    when = f"effective {effective}"
    if recorded != effective:
        when += f", recorded {recorded}"
    return f"{SENTENCES[change]}{named} ({when})."
