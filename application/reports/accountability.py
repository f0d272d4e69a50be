"""The accountability report: where responsibility sits, how it moved, how distributed it is.

Everything is read from the read models (facts in effect at a moment, as recorded by
a position; and the timeline), never by replaying aggregates. docs/metrics.md defines
each figure.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from application.errors import RecordNotFound
from application.history import HistoryQueries
from application.projections.describe import iso, parse_iso
from application.reports import metrics
from domain.base import InvalidInput, require_aware
from domain.conflict import OPEN_STATES

INTERVALS = ("week", "month", "quarter")
# The events the report counts or looks up; the others (proposals still open, notes,
# acknowledgements, definitions and retirements of accountabilities) it reads as facts.
REPORTED_TYPES = (
    "Accountability.HandoverOffered",
    "Accountability.HandoverAccepted",
    "Accountability.HandoverDeclined",
    "Accountability.HandoverWithdrawn",
    "Accountability.Returned",
    "Decision.Agreed",
    "Decision.Superseded",
    "Decision.Revoked",
    "Conflict.Raised",
    "Conflict.Resolved",
    "Conflict.Escalated",
    "Conflict.Withdrawn",
    "Principle.Proposed",
    "Principle.Agreed",
    "Principle.Amended",
    "Principle.Endorsed",
    "Principle.ObjectedTo",
    "Principle.Retired",
)
GROUP_HOLDER = "(a group)"
UNKNOWN = "(no organisation)"


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


class ReportQueries(HistoryQueries):
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
            self._require_kind("group", group_id)
        self.fresh(min_position)
        now = datetime.now(UTC)
        end = end or as_of or now
        start = start or max(end - timedelta(days=365), datetime(2, 1, 1, tzinfo=UTC))
        if end <= start:
            raise InvalidInput("to must be later than from", "to")
        position = (
            self.projector.store.position_at(iso(as_of)) if as_of else self.projector.position()
        )
        context = _Context(self, position)
        groups = context.scope(group_id, include_subgroups, end)
        if visible is not None:
            groups = set(visible) if groups is None else groups & visible
        rows = context.timeline(groups)
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
            "holdings": context.holdings(groups, end),
            "distribution": [context.distribution(groups, point) for point in points],
            "handovers": context.handovers(groups, rows, start, end, pending_days),
            "holding_on": context.holding_on(
                groups, rows, end, unchanged_days, holding_on_threshold
            ),
            "decisions": context.decisions(groups, rows, start, end),
            "conflicts": context.conflicts(groups, rows, start, end),
            "principles": context.principles(rows, start, end),
        }


class _Context:
    """Lookups at one recorded position: facts at any effective moment, and the timeline."""

    def __init__(self, ledger: ReportQueries, position: int) -> None:
        self.store = ledger.projector.store
        self.position = position
        # Per prefix: each fact's valid-time intervals, loaded once and searched in memory,
        # so looking up many moments costs one query, not one per moment.
        self._intervals: dict[str, dict[str, tuple[list[str], list[dict[str, Any]]]]] = {}
        self._live: dict[tuple[str, str, tuple[str, ...] | None], list[dict[str, Any]]] = {}

    def _state(self, prefix: str, key: str, when: datetime) -> dict[str, Any] | None:
        if prefix not in self._intervals:
            index: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
            for row in self.store.select_fact_intervals(self.position, prefix):
                starts, rows = index.setdefault(row["key"][len(prefix) :], ([], []))
                starts.append(row["effective_from"])
                rows.append(row)
            self._intervals[prefix] = index
        found = self._intervals[prefix].get(key)
        if found is None:
            return None
        starts, rows = found
        moment = iso(when)
        i = bisect_right(starts, moment) - 1
        if i >= 0 and moment < rows[i]["effective_to"]:
            state: dict[str, Any] = rows[i]["state"]
            return state
        return None

    def scope(
        self, group_id: str | None, include_subgroups: bool, when: datetime
    ) -> set[str] | None:
        if group_id is None:
            return None
        scope = {group_id}
        if include_subgroups:
            # Sub-groups as they stand at the end of the period, at any depth.
            convened = self._all_groups()
            parents = {
                k: f["state"].get("parent_group_id")
                for k, f in convened.items()
                if (f["state"].get("effective_at") or "") <= iso(when)
            }
            changed = True
            while changed:
                changed = False
                for child, parent in parents.items():
                    if parent in scope and child not in scope:
                        scope.add(child)
                        changed = True
        return scope

    def _all_groups(self) -> dict[str, dict[str, Any]]:
        rows = self.store.select_timeline(
            0, 1_000_000, kinds=("group",), types=("Group.Convened",), until=self.position
        )
        return {r["record_id"]: {"state": r["data"]} for r in rows}

    def timeline(self, groups: set[str] | None) -> list[dict[str, Any]]:
        if groups is None:
            return self.store.select_timeline(
                0, 10_000_000, types=REPORTED_TYPES, until=self.position
            )
        rows: list[dict[str, Any]] = []
        for group in sorted(groups):
            rows += self.store.select_timeline(
                0, 10_000_000, group_id=group, types=REPORTED_TYPES, until=self.position
            )
        return sorted(rows, key=lambda r: r["position"])

    def organisation_of(self, holder: dict[str, str], when: datetime) -> str | None:
        if holder["kind"] == "organisation":
            return holder["id"]
        if holder["kind"] == "person":
            found = self._state("affiliation:", holder["id"], when)
            return found.get("organisation_id") if found else None
        return None

    def sector_of(self, organisation: str | None, when: datetime) -> str | None:
        if organisation is None:
            return None
        found = self._state("organisation:", organisation, when)
        return found.get("sector") if found else None

    def organisation_name(self, organisation: str, when: datetime) -> str | None:
        found = self._state("organisation:", organisation, when)
        return found.get("name") if found else None

    def live_records(
        self, groups: set[str] | None, when: datetime, kind: str
    ) -> list[dict[str, Any]]:
        """Records of one kind that a group's state shows (an agreed decision, an open
        conflict, an active accountability) at `when`; each moment read once."""
        cache_key = (kind, iso(when), tuple(sorted(groups)) if groups is not None else None)
        if cache_key not in self._live:
            self._live[cache_key] = self.store.select_facts_at(
                self.position,
                iso(when),
                sorted(groups) if groups is not None else None,
                "record:",
                kind=kind,
                live_only=True,
            )
        return self._live[cache_key]

    def active_accountabilities(
        self, groups: set[str] | None, when: datetime
    ) -> list[dict[str, Any]]:
        return [
            {**f["state"], "since": f["effective_from"], "group_id": f["group_id"]}
            for f in self.live_records(groups, when, "accountability")
            if f["state"].get("kind") == "accountability" and f["state"].get("status") == "active"
        ]

    def holdings(self, groups: set[str] | None, when: datetime) -> dict[str, Any]:
        held = self.active_accountabilities(groups, when)
        by_holder: Counter[str] = Counter()
        by_org: Counter[str] = Counter()
        by_sector: Counter[str] = Counter()
        by_kind: Counter[str] = Counter()
        for a in held:
            holder = a["holder"]
            by_holder[f"{holder['kind']}:{holder['id']}"] += 1
            by_kind[holder["kind"]] += 1
            org = self.organisation_of(holder, when)
            key = org or (GROUP_HOLDER if holder["kind"] == "group" else UNKNOWN)
            by_org[key] += 1
            by_sector[self.sector_of(org, when) or key] += 1
        return {
            "at": when,
            "accountabilities": len(held),
            "by_holder": [
                {"holder_kind": k.split(":", 1)[0], "holder_id": k.split(":", 1)[1], "count": n}
                for k, n in by_holder.most_common()
            ],
            "by_holder_kind": dict(sorted(by_kind.items())),
            "by_organisation": [
                {"organisation_id": k, "name": self.organisation_name(k, when), "count": n}
                for k, n in by_org.most_common()
            ],
            "by_sector": [{"sector": k, "count": n} for k, n in by_sector.most_common()],
        }

    def distribution(self, groups: set[str] | None, when: datetime) -> dict[str, Any]:
        held = self.active_accountabilities(groups, when)
        by_holder: Counter[str] = Counter()
        by_org: Counter[str] = Counter()
        by_sector: Counter[str] = Counter()
        for a in held:
            holder = a["holder"]
            by_holder[f"{holder['kind']}:{holder['id']}"] += 1
            org = self.organisation_of(holder, when)
            if org is not None:
                by_org[org] += 1
                by_sector[self.sector_of(org, when) or UNKNOWN] += 1
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

    def handovers(
        self,
        groups: set[str] | None,
        rows: list[dict[str, Any]],
        start: datetime,
        end: datetime,
        pending_days: int,
    ) -> dict[str, Any]:
        low, high = iso(start), iso(end)
        offers: dict[str, dict[str, Any]] = {}
        counts: Counter[str] = Counter()
        flows: Counter[tuple[str, str]] = Counter()
        sector_flows: Counter[tuple[str, str]] = Counter()
        for r in rows:
            data, kind = r["data"], r["type"].split(".", 1)[1]
            if kind == "HandoverOffered":
                offers[data["handover_id"]] = {
                    **data,
                    "offered_at": r["effective_at"],
                    "record_id": r["record_id"],
                }
            in_period = low <= r["effective_at"] <= high
            if not in_period or not kind.startswith(("Handover", "Returned")):
                continue
            counts[kind.removeprefix("Handover").lower()] += 1
            if kind == "HandoverAccepted":
                offer = offers.get(data["handover_id"], {})
                when = parse_iso(r["effective_at"])
                source = self.organisation_of(
                    offer.get("from_holder", {"kind": "?", "id": ""}), when
                )
                target = self.organisation_of(data["to"], when)
                if source and target:
                    flows[(source, target)] += 1
                    sector_flows[
                        (
                            self.sector_of(source, when) or UNKNOWN,
                            self.sector_of(target, when) or UNKNOWN,
                        )
                    ] += 1
        decided = counts["accepted"] + counts["declined"] + counts["withdrawn"]
        cutoff = iso(_minus(end, pending_days))
        pending = [
            {
                "accountability_id": a["id"],
                "handover_id": a["open_handover"]["handover_id"],
                "to": a["open_handover"]["to"],
                "offered_at": offers.get(a["open_handover"]["handover_id"], {}).get("offered_at"),
            }
            for a in self.active_accountabilities(groups, end)
            if a.get("open_handover")
        ]
        return {
            "offered": counts["offered"],
            "accepted": counts["accepted"],
            "declined": counts["declined"],
            "withdrawn": counts["withdrawn"],
            "returned": counts["returned"],
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
        self,
        groups: set[str] | None,
        rows: list[dict[str, Any]],
        end: datetime,
        unchanged_days: int,
        threshold: int,
    ) -> dict[str, Any]:
        high = iso(end)
        offered_by: set[str] = set()
        for r in rows:
            if r["type"] == "Accountability.HandoverOffered" and r["effective_at"] <= high:
                holder = r["data"]["from_holder"]
                offered_by.add(f"{holder['kind']}:{holder['id']}")
        held = self.active_accountabilities(groups, end)
        counts: Counter[str] = Counter(f"{a['holder']['kind']}:{a['holder']['id']}" for a in held)
        cutoff = iso(_minus(end, unchanged_days))
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

    def decisions(
        self, groups: set[str] | None, rows: list[dict[str, Any]], start: datetime, end: datetime
    ) -> dict[str, Any]:
        low, high = iso(start), iso(end)
        agreed = [
            r for r in rows if r["type"] == "Decision.Agreed" and low <= r["effective_at"] <= high
        ]
        by_method: Counter[str] = Counter(r["data"]["method"] for r in agreed)
        breadth = []
        for r in agreed:
            when = parse_iso(r["effective_at"])
            organisations = r["data"]["participant_organisations"]
            sectors = {self.sector_of(o, when) or UNKNOWN for o in organisations}
            breadth.append((len(organisations), len(sectors), "lived_experience" in sectors))
        in_effect = self.live_records(groups, end, "decision")
        today = end.date().isoformat()
        return {
            "agreed": len(agreed),
            "by_method": dict(sorted(by_method.items())),
            "organisations_per_decision": _mean([b[0] for b in breadth]),
            "sectors_per_decision": _mean([b[1] for b in breadth]),
            "share_with_two_or_more_organisations": metrics.rate(
                sum(b[0] >= 2 for b in breadth), len(breadth)
            ),
            "share_with_lived_experience": metrics.rate(sum(b[2] for b in breadth), len(breadth)),
            "superseded": sum(
                r["type"] == "Decision.Superseded" and low <= r["effective_at"] <= high
                for r in rows
            ),
            "revoked": sum(
                r["type"] == "Decision.Revoked" and low <= r["effective_at"] <= high for r in rows
            ),
            "past_review_date": sorted(
                (
                    {
                        "decision_id": f["state"]["id"],
                        "title": f["state"]["title"],
                        "review_date": f["state"]["review_date"],
                    }
                    for f in in_effect
                    if f["state"].get("kind") == "decision"
                    and f["state"].get("status") == "agreed"
                    and f["state"].get("review_date")
                    and f["state"]["review_date"] < today
                ),
                key=lambda d: d["review_date"],
            ),
        }

    def conflicts(
        self, groups: set[str] | None, rows: list[dict[str, Any]], start: datetime, end: datetime
    ) -> dict[str, Any]:
        low, high = iso(start), iso(end)
        raised_at = {
            r["record_id"]: r["effective_at"] for r in rows if r["type"] == "Conflict.Raised"
        }
        counts: Counter[str] = Counter()
        days_to_resolve = []
        for r in rows:
            if not r["type"].startswith("Conflict.") or not low <= r["effective_at"] <= high:
                continue
            outcome = r["type"].split(".", 1)[1].lower()
            counts[outcome] += 1
            if outcome == "resolved" and r["record_id"] in raised_at:
                elapsed = parse_iso(r["effective_at"]) - parse_iso(raised_at[r["record_id"]])
                days_to_resolve.append(max(0.0, elapsed.total_seconds() / 86400))
        open_now = [
            f["state"]
            for f in self.live_records(groups, end, "conflict")
            if f["state"].get("kind") == "conflict" and f["state"].get("status") in OPEN_STATES
        ]
        ages: dict[str, int] = defaultdict(int)
        for c in open_now:
            raised = raised_at.get(c["id"])
            age = (end - parse_iso(raised)).days if raised else 0
            ages[
                "under_30_days" if age < 30 else "30_to_90_days" if age <= 90 else "over_90_days"
            ] += 1
        median = metrics.percentile(days_to_resolve, 50)
        p90 = metrics.percentile(days_to_resolve, 90)
        return {
            "raised": counts["raised"],
            "resolved": counts["resolved"],
            "escalated": counts["escalated"],
            "withdrawn": counts["withdrawn"],
            "median_days_to_resolution": round(median, 2) if median is not None else None,
            "p90_days_to_resolution": round(p90, 2) if p90 is not None else None,
            "open_at_end": len(open_now),
            "open_by_age": {k: ages[k] for k in ("under_30_days", "30_to_90_days", "over_90_days")},
        }

    def principles(
        self, rows: list[dict[str, Any]], start: datetime, end: datetime
    ) -> dict[str, Any]:
        low, high = iso(start), iso(end)
        counts: Counter[str] = Counter()
        statements: dict[str, str] = {}
        endorsers: dict[str, set[str]] = defaultdict(set)
        objectors: dict[str, set[str]] = defaultdict(set)
        cited: Counter[str] = Counter()
        proposed: dict[str, str] = {}
        started: set[str] = set()
        for r in rows:
            kind = r["type"]
            if kind == "Principle.Proposed":
                proposed[r["record_id"]] = r["data"]["statement"]
            # Listed once it was proposed or agreed by the end (an agreement may be back-dated
            # before its proposal's recording), worded as amended by then.
            if kind in ("Principle.Proposed", "Principle.Agreed") and r["effective_at"] <= high:
                started.add(r["record_id"])
                statements.setdefault(r["record_id"], proposed.get(r["record_id"], ""))
            if kind == "Principle.Amended" and r["effective_at"] <= high:
                statements[r["record_id"]] = r["data"]["statement"]
            if kind == "Principle.Endorsed" and r["effective_at"] <= high:
                endorsers[r["record_id"]].add(r["data"]["person_id"])
                objectors[r["record_id"]].discard(r["data"]["person_id"])
            if kind == "Principle.ObjectedTo" and r["effective_at"] <= high:
                objectors[r["record_id"]].add(r["data"]["person_id"])
                endorsers[r["record_id"]].discard(r["data"]["person_id"])
            if kind == "Decision.Agreed" and r["effective_at"] <= high:
                for principle in r["data"]["principles"]:
                    cited[principle] += 1
            if (
                kind in ("Principle.Agreed", "Principle.Amended", "Principle.Retired")
                and low <= r["effective_at"] <= high
            ):
                counts[kind.split(".", 1)[1].lower()] += 1
        return {
            "agreed": counts["agreed"],
            "amended": counts["amended"],
            "retired": counts["retired"],
            "principles": [
                {
                    "principle_id": pid,
                    "statement": statements[pid],
                    "cited_by_decisions": cited[pid],
                    "endorsers": len(endorsers[pid]),
                    "objectors": len(objectors[pid]),
                }
                for pid in sorted(started, key=lambda p: (-cited[p], statements[p]))
            ],
        }


def _minus(moment: datetime, days: int) -> datetime:
    """`days` before `moment`, or the earliest instant when that is before year 1."""
    try:
        return moment - timedelta(days=days)
    except OverflowError:
        return datetime(1, 1, 1, tzinfo=UTC)


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None
