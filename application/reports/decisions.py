"""The report's decisions: agreed in the period, how broadly, and those past their review date."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from application.reports import metrics
from application.reports.context import UNKNOWN, ReportContext, mean

# The decisions agreed in the period the report lists by name: the latest, by effective time.
LISTED = 100


def decisions(
    c: ReportContext, end: datetime, titles: Callable[[list[str]], dict[str, str]]
) -> dict[str, Any]:
    """The decisions section; `titles` reads records' titles (a decision's is fixed when
    it is proposed)."""
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
    named = _listed(agreed, breadth, titles)
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
        "agreed_in_period": named,
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


def _listed(
    agreed: list[tuple[Any, ...]],
    breadth: list[tuple[int, int, bool]],
    titles: Callable[[list[str]], dict[str, str]],
) -> list[dict[str, Any]]:
    """The latest LISTED decisions agreed in the period (by effective time, oldest first),
    with their titles and breadth: the table a board paper shows."""
    latest = sorted(zip(agreed, breadth, strict=True), key=lambda a: str(a[0][3]))[-LISTED:]
    named = titles(sorted({str(row[1]) for row, _ in latest})) if latest else {}
    return [
        {
            "decision_id": str(row[1]),
            "title": named.get(str(row[1]), ""),
            "effective_at": row[3],
            "method": row[4],
            "organisations": organisations,
            "sectors": sectors,
            "lived_experience": lived,
        }
        for row, (organisations, sectors, lived) in latest
    ]
