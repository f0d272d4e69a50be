"""The accountability report: where responsibility sits, how it moved, how distributed it is.

Everything is read from the read models (facts in effect at a moment, as recorded by
a position; and the timeline), never by replaying aggregates. docs/metrics.md defines
each figure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from application.core import LedgerCore
from application.errors import RecordNotFound
from application.projections.describe import iso
from application.reports import (
    breakdown,
    conflicts,
    decisions,
    handovers,
    holdings,
    principles,
)
from application.reports.context import (
    GROUP_HOLDER,
    REPORTED_TYPES,
    UNKNOWN,
    ReportContext,
)
from domain.base import InvalidInput, require_aware

INTERVALS = ("week", "month", "quarter")


def series_points(start: datetime, end: datetime, interval: str) -> list[datetime]:
    """start, then every 7 days / each calendar month or quarter start (UTC) after it, then end."""
    points = [start]
    months = {"week": 0, "month": 1, "quarter": 3}[interval]
    current = start
    if months:
        utc = start.astimezone(UTC)
        first = (utc.month - 1) // months * months  # 0-based month opening this period
        current = utc.replace(month=first + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    while True:
        if not months:
            current = current + timedelta(days=7)
        else:
            month = current.month - 1 + months
            current = current.replace(year=current.year + month // 12, month=month % 12 + 1)
        if current >= end:
            break
        points.append(current)
    if points[-1] != end:
        points.append(end)
    return points


class ReportQueries:
    """The accountability report, from the read models."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def accountability_report(
        self,
        group_id: str | None = None,
        include_subgroups: bool = False,
        start: datetime | None = None,
        end: datetime | None = None,
        as_of: datetime | None = None,
        interval: str = "month",
        pending_days: int = 14,
        unchanged_days: int = 90,
        holding_on_threshold: int = 3,
        min_position: int | None = None,
        visible: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """The report for one group (with its sub-groups) or the whole ledger, over [start, end].

        `visible`, if given, are the only groups the report may cover (what the caller may
        see): the whole ledger becomes those groups, and unseen sub-groups are left out.
        """
        for name, value in (("from", start), ("to", end), ("as_of", as_of)):
            require_aware(value, name)
        if interval not in INTERVALS:
            raise InvalidInput(f"interval must be one of: {', '.join(INTERVALS)}", "interval")
        for name, days in (("pending_days", pending_days), ("unchanged_days", unchanged_days)):
            if not 0 <= days <= 36_500:
                raise InvalidInput(f"{name} must be between 0 and 36500", name)
        for name, value in (("from", start), ("to", end), ("as_of", as_of)):
            if value is not None and not 2 <= value.astimezone(UTC).year <= 9998:
                raise InvalidInput(f"{name} must fall within the years 2 to 9998", name)
        if group_id is not None:
            if visible is not None and group_id not in visible:
                raise RecordNotFound("group", group_id)
            self.core.require_kind("group", group_id)
        self.core.fresh(min_position)
        now = datetime.now(UTC)
        end = end or as_of or now
        start = start or max(end - timedelta(days=365), datetime(2, 1, 1, tzinfo=UTC))
        if end <= start:
            raise InvalidInput("to must be later than from", "to")
        position = (
            self.core.projector.store.position_at(iso(as_of))
            if as_of
            else self.core.projector.position()
        )
        context = ReportContext(self.core.projector.store, position)
        groups = context.scope(group_id, include_subgroups, end)
        if visible is not None:
            groups = set(visible) if groups is None else groups & visible
        step_days = {"week": 7, "month": 31, "quarter": 92}[interval]
        if (end - start).days / step_days > 400:
            raise InvalidInput(
                "the period has too many intervals; choose a longer interval", "interval"
            )
        points = series_points(start, end, interval)
        if len(points) > 400:
            raise InvalidInput(
                "the period has too many intervals; choose a longer interval", "interval"
            )
        context.within(groups, start, end)
        return {
            "scope": {
                "group_id": group_id,
                "include_subgroups": include_subgroups,
                "groups": sorted(groups) if groups is not None else None,
            },
            "from": start,
            "to": end,
            "as_of": as_of,
            "position": position,
            "interval": interval,
            "holdings": holdings.holdings(context, end),
            "distribution": [holdings.distribution(context, point) for point in points],
            "handovers": handovers.handovers(context, end, pending_days),
            "holding_on": handovers.holding_on(context, end, unchanged_days, holding_on_threshold),
            "decisions": decisions.decisions(context, end, self._titles),
            "conflicts": conflicts.conflicts(context, end),
            "principles": principles.principles(context),
            "by_group": breakdown.by_group(context, group_id, groups),
        }

    def _titles(self, record_ids: list[str]) -> dict[str, str]:
        return {
            row["record_id"]: str(row["title"] or "")
            for row in self.core.store.find_records(record_ids)
        }


__all__ = [
    "GROUP_HOLDER",
    "INTERVALS",
    "REPORTED_TYPES",
    "UNKNOWN",
    "ReportQueries",
    "series_points",
]
