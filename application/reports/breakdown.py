"""The report's breakdown by group: one row per group in scope, for a board paper that covers
a group and its sub-groups (or several groups)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from application.reports.context import ReportContext

# The events counted per group in the period, by the figure they give.
COUNTED = {
    "decisions_agreed": "Decision.Agreed",
    "handovers_accepted": "Accountability.HandoverAccepted",
    "conflicts_raised": "Conflict.Raised",
}


def by_group(
    c: ReportContext, group_id: str | None, groups: set[str] | None
) -> list[dict[str, Any]] | None:
    """One row per group in scope, in tree order; None when the report covers one group.

    Each figure is one query over every group at once, so a programme of hundreds of groups
    costs the same few queries as one group.
    """
    convened = c.convened()
    if groups is None:
        groups = {g for g, data in convened.items() if (data.get("effective_at") or "") <= c.high}
    if len(groups) < 2:
        return None
    held: dict[str, set[str]] = defaultdict(set)
    accountabilities: dict[str, int] = defaultdict(int)
    for row in c.active_at(c.high):
        accountabilities[row["group_id"]] += 1
        if row["holder"]:
            held[row["group_id"]].add(row["holder"])
    c.affiliations(h for holders in held.values() for h in holders)
    open_conflicts: dict[str, int] = defaultdict(int)
    for row in c.open_conflicts():
        open_conflicts[row["group_id"]] += 1
    counts = c.store.count_events_by_group(
        c.position, tuple(COUNTED.values()), c.low, c.high, sorted(groups)
    )
    rows = []
    for group, depth, role in _tree(group_id, groups, convened):
        data = convened.get(group, {})
        organisations = {c.place(h, c.high)[0] for h in held[group]} - {None}
        rows.append(
            {
                "group_id": group,
                "name": data.get("name"),
                "role": role,
                "parent_group_id": data.get("parent_group_id"),
                "depth": depth,
                "accountabilities": accountabilities[group],
                "holders": len(held[group]),
                "organisations": len(organisations),
                "decisions_agreed": counts.get((group, COUNTED["decisions_agreed"]), 0),
                "handovers_accepted": counts.get((group, COUNTED["handovers_accepted"]), 0),
                "conflicts_open": open_conflicts[group],
                "conflicts_raised": counts.get((group, COUNTED["conflicts_raised"]), 0),
            }
        )
    return rows


def _tree(
    group_id: str | None, groups: set[str], convened: dict[str, dict[str, Any]]
) -> list[tuple[str, int, str]]:
    """(group, depth, role) in tree order: each group, then its sub-groups in scope, siblings
    by name. A root is the report's group or, for several groups, one whose parent is out of
    scope; every other group is a sub-group."""

    def parent(g: str) -> str | None:
        found = convened.get(g, {}).get("parent_group_id")
        return str(found) if found in groups and g != group_id else None

    children: dict[str | None, list[str]] = defaultdict(list)
    for g in groups:
        children[parent(g)].append(g)
    ordered: list[tuple[str, int, str]] = []

    def visit(g: str, depth: int) -> None:
        ordered.append((g, depth, "group" if depth == 0 else "subgroup"))
        for child in sorted(children[g], key=lambda k: (str(convened.get(k, {}).get("name")), k)):
            visit(child, depth + 1)

    roots = sorted(
        children[None], key=lambda k: (k != group_id, str(convened.get(k, {}).get("name")), k)
    )
    for root in roots:
        visit(root, 0)
    return ordered
