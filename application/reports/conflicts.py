"""The report's conflicts: raised and closed in the period, time to resolution, open ones by age."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from application.projections.describe import parse_iso
from application.reports import metrics
from application.reports.context import ReportContext


def conflicts(c: ReportContext, end: datetime) -> dict[str, Any]:
    resolved = c.events(("Conflict.Resolved",), low=c.low, high=c.high)
    open_now = [f["key"].removeprefix("record:") for f in c.open_conflicts()]
    raised_at = {
        r[1]: r[3]
        for r in c.events(("Conflict.Raised",), record_ids=[r[1] for r in resolved] + open_now)
    }
    days_to_resolve = [
        max(0.0, (parse_iso(r[3]) - parse_iso(raised_at[r[1]])).total_seconds() / 86400)
        for r in resolved
        if r[1] in raised_at
    ]
    ages: dict[str, int] = defaultdict(int)
    for conflict in open_now:
        raised = raised_at.get(conflict)
        age = (end - parse_iso(raised)).days if raised else 0
        ages["under_30_days" if age < 30 else "30_to_90_days" if age <= 90 else "over_90_days"] += 1
    median = metrics.percentile(days_to_resolve, 50)
    p90 = metrics.percentile(days_to_resolve, 90)
    return {
        "raised": c.count("Conflict.Raised"),
        "resolved": c.count("Conflict.Resolved"),
        "escalated": c.count("Conflict.Escalated"),
        "withdrawn": c.count("Conflict.Withdrawn"),
        "median_days_to_resolution": round(median, 2) if median is not None else None,
        "p90_days_to_resolution": round(p90, 2) if p90 is not None else None,
        "open_at_end": len(open_now),
        "open_by_age": {k: ages[k] for k in ("under_30_days", "30_to_90_days", "over_90_days")},
    }
