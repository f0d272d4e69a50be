"""The report's decisions: agreed in the period, how broadly, and those past their review date."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from application.reports import metrics
from application.reports.context import UNKNOWN, ReportContext, mean


def decisions(c: ReportContext, end: datetime) -> dict[str, Any]:
    agreed = c.events(("Decision.Agreed",), low=c.low, high=c.high, with_body=True)
    by_method: Counter[str] = Counter(str(r[4]) for r in agreed)
    # Per list of organisations and epoch of their sectors: (organisations, sectors,
    # whether lived experience is among them).
    seen: dict[tuple[str, int], tuple[int, int, bool]] = {}
    breadth = []
    for _, _, _, effective_at, _, _, listed in agreed:
        key = (listed or "[]", c.epoch(effective_at))
        if key not in seen:
            organisations = json.loads(key[0])
            sectors = {c.sector_at(o, effective_at) or UNKNOWN for o in organisations}
            seen[key] = (len(organisations), len(sectors), "lived_experience" in sectors)
        breadth.append(seen[key])
    today = end.date().isoformat()
    due = c.store.select_facts_at(
        c.position,
        c.high,
        c.groups,
        "record:",
        kind="decision",
        live_only=True,
        review_before=today,
    )
    return {
        "agreed": len(agreed),
        "by_method": dict(sorted(by_method.items())),
        "organisations_per_decision": mean([b[0] for b in breadth]),
        "sectors_per_decision": mean([b[1] for b in breadth]),
        "share_with_two_or_more_organisations": metrics.rate(
            sum(b[0] >= 2 for b in breadth), len(breadth)
        ),
        "share_with_lived_experience": metrics.rate(sum(b[2] for b in breadth), len(breadth)),
        "superseded": c.count("Decision.Superseded"),
        "revoked": c.count("Decision.Revoked"),
        "past_review_date": sorted(
            (
                {
                    "decision_id": f["state"]["id"],
                    "title": f["state"]["title"],
                    "review_date": f["state"]["review_date"],
                }
                for f in due
                if f["state"].get("kind") == "decision"
                and f["state"].get("status") == "agreed"
                and f["state"].get("review_date")
                and f["state"]["review_date"] < today
            ),
            key=lambda d: d["review_date"],
        ),
    }
