"""The report's handovers in the period, and the holders holding on to their work."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from application.projections.describe import iso
from application.reports import metrics
from application.reports.context import UNKNOWN, ReportContext, days_before


def handovers(c: ReportContext, end: datetime, pending_days: int) -> dict[str, Any]:
    accepted = c.events(("Accountability.HandoverAccepted",), low=c.low, high=c.high)
    held = [a for a in c.held_at_end() if a.get("open_handover")]
    # The offers these acceptances and open handovers answer (made at any time).
    offers: dict[str | None, tuple[str | None, str]] = {
        handover: (from_holder, effective_at)
        for _, _, _, effective_at, handover, from_holder, _ in c.events(
            ("Accountability.HandoverOffered",),
            record_ids=[r[1] for r in accepted] + [a["id"] for a in held],
        )
    }
    c.affiliations([r[5] for r in accepted if r[5]] + [o[0] for o in offers.values() if o[0]])
    flows: Counter[tuple[str, str]] = Counter()
    sector_flows: Counter[tuple[str, str]] = Counter()
    for _, _, _, effective_at, handover, to, _ in accepted:
        offered = offers.get(handover)
        if offered is None or not offered[0]:
            continue
        if to is None:
            continue
        source, source_sector = c.place(offered[0], effective_at)
        target, target_sector = c.place(to, effective_at)
        if source and target:
            flows[(source, target)] += 1
            sector_flows[(source_sector or UNKNOWN, target_sector or UNKNOWN)] += 1
    counts = {
        kind.lower(): c.count(f"Accountability.{prefix}{kind}")
        for prefix, kind in (
            ("Handover", "Offered"),
            ("Handover", "Accepted"),
            ("Handover", "Declined"),
            ("Handover", "Withdrawn"),
            ("", "Returned"),
        )
    }
    decided = counts["accepted"] + counts["declined"] + counts["withdrawn"]
    cutoff = iso(days_before(end, pending_days))
    pending = [
        {
            "accountability_id": a["id"],
            "handover_id": a["open_handover"]["handover_id"],
            "to": a["open_handover"]["to"],
            "offered_at": offers.get(a["open_handover"]["handover_id"], (None, None))[1],
        }
        for a in held
    ]
    return {
        **counts,
        "acceptance_rate": metrics.rate(counts["accepted"], decided),
        "return_rate": metrics.rate(counts["returned"], counts["accepted"]),
        "flows_between_organisations": [
            {"from": s, "to": t, "count": n} for (s, t), n in sorted(flows.items())
        ],
        "flows_between_sectors": [
            {"from": s, "to": t, "count": n} for (s, t), n in sorted(sector_flows.items())
        ],
        "pending_days": pending_days,
        "pending_longer": [p for p in pending if p["offered_at"] and p["offered_at"] < cutoff],
    }


def holding_on(
    c: ReportContext, end: datetime, unchanged_days: int, threshold: int
) -> dict[str, Any]:
    held = c.held_at_end()
    counts: Counter[str] = Counter(c.holders_at(c.high))
    offered_by: set[str] = set()
    if any(n >= threshold for n in counts.values()):
        offered_by = c.store.distinct_details(
            c.position, ("Accountability.HandoverOffered",), c.high, c.groups
        )
    cutoff = iso(days_before(end, unchanged_days))
    return {
        "threshold": threshold,
        "holders_never_handing_over": [
            {"holder_kind": k.split(":", 1)[0], "holder_id": k.split(":", 1)[1], "count": n}
            for k, n in counts.most_common()
            if n >= threshold and k not in offered_by
        ],
        "unchanged_days": unchanged_days,
        "unchanged_longer": sorted(
            (
                {
                    "accountability_id": a["id"],
                    "title": a["title"],
                    "holder": a["holder"],
                    "since": a.get("holder_since") or a["since"],
                }
                for a in held
                if (a.get("holder_since") or a["since"]) < cutoff
            ),
            key=lambda a: a["since"],
        ),
    }
