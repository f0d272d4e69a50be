"""The report's holdings at the end of the period, and how widely they are spread at each point."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from application.projections.describe import iso
from application.reports import metrics
from application.reports.context import GROUP_HOLDER, UNKNOWN, ReportContext


def holdings(c: ReportContext, when: datetime) -> dict[str, Any]:
    moment = iso(when)
    held = c.holders_at(moment)
    c.affiliations(held)
    by_holder: Counter[str] = Counter(held)
    by_org: Counter[str] = Counter()
    by_sector: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for holder, n in by_holder.items():
        kind = holder.split(":", 1)[0]
        by_kind[kind] += n
        org, sector = c.place(holder, moment)
        key = org or (GROUP_HOLDER if kind == "group" else UNKNOWN)
        by_org[key] += n
        by_sector[sector or key] += n
    return {
        "at": when,
        "accountabilities": len(held),
        "by_holder": [
            {"holder_kind": k.split(":", 1)[0], "holder_id": k.split(":", 1)[1], "count": n}
            for k, n in by_holder.most_common()
        ],
        "by_holder_kind": dict(sorted(by_kind.items())),
        "by_organisation": [
            {"organisation_id": k, "name": c.organisation_name(k, moment), "count": n}
            for k, n in by_org.most_common()
        ],
        "by_sector": [{"sector": k, "count": n} for k, n in by_sector.most_common()],
    }


def distribution(c: ReportContext, when: datetime) -> dict[str, Any]:
    moment = iso(when)
    held = c.holders_at(moment)
    c.affiliations(held)
    by_holder: Counter[str] = Counter(held)
    by_org: Counter[str] = Counter()
    by_sector: Counter[str] = Counter()
    for holder, n in by_holder.items():
        org, sector = c.place(holder, moment)
        if org is not None:
            by_org[org] += n
            by_sector[sector or UNKNOWN] += n
    return {
        "at": when,
        "accountabilities": len(held),
        "holders": len(by_holder),
        "organisations": len(by_org),
        "sectors": len(by_sector),
        "largest_holder_share": round(metrics.largest_share(by_holder), 4),
        "hhi_holders": round(float(metrics.hhi(by_holder)), 1),
        "hhi_organisations": round(float(metrics.hhi(by_org)), 1),
        "gini_holders": round(metrics.gini(by_holder.values()), 4),
        "sector_shares": {k: round(v, 4) for k, v in metrics.shares(by_sector).items()},
    }
