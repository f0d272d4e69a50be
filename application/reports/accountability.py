"""The accountability report: where responsibility sits, how it moved, how distributed it is.

Everything is read from the read models (facts in effect at a moment, as recorded by
a position; and the timeline), never by replaying aggregates. docs/metrics.md defines
each figure.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from application.core import LedgerCore
from application.errors import RecordNotFound
from application.projections.describe import iso, parse_iso
from application.reports import metrics
from domain.base import InvalidInput, require_aware

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
        context = _Context(self.core, position)
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
            "holdings": context.holdings(end),
            "distribution": [context.distribution(point) for point in points],
            "handovers": context.handovers(end, pending_days),
            "holding_on": context.holding_on(end, unchanged_days, holding_on_threshold),
            "decisions": context.decisions(end),
            "conflicts": context.conflicts(end),
            "principles": context.principles(),
        }


class _Context:
    """Lookups at one recorded position: facts at any effective moment, and aggregates of
    the timeline, computed by the read-model store where it can (counts, distinct values,
    latest stances), so that a report reads what it shows, not the whole ledger."""

    def __init__(self, ledger: LedgerCore, position: int) -> None:
        self.store = ledger.projector.store
        self.position = position
        # Per prefix: each fact's valid-time intervals, loaded once and searched in memory,
        # so looking up many moments costs one query, not one per moment.
        self._intervals: dict[str, dict[str, tuple[list[str], list[dict[str, Any]]]]] = {}
        self._holders: dict[str, list[str]] = {}
        self._held_at_end: list[dict[str, Any]] | None = None
        self._sectors: dict[tuple[str, int], str | None] = {}
        self._epochs: list[str] | None = None
        # People whose affiliations are loaded, when only some are (see `_affiliations`).
        self._placed: set[str] = set()
        self.groups: list[str] | None = None
        self.low = self.high = ""
        self.counts: dict[str, int] = {}

    def within(self, groups: set[str] | None, start: datetime, end: datetime) -> None:
        """Scope the aggregates to these groups (None: all) and the period [start, end]."""
        self.groups = sorted(groups) if groups is not None else None
        self.low, self.high = iso(start), iso(end)
        self.counts = self.store.count_events(
            self.position, REPORTED_TYPES, self.low, self.high, self.groups
        )

    def _count(self, event_type: str) -> int:
        return self.counts.get(event_type, 0)

    def _events(
        self, types: tuple[str, ...], **kwargs: Any
    ) -> list[tuple[int, str, str, str, str | None, str | None, str | None]]:
        return self.store.select_reported(self.position, types, group_ids=self.groups, **kwargs)

    def _state(self, prefix: str, key: str, moment: str) -> dict[str, Any] | None:
        found = self._index(prefix).get(key)
        if found is None:
            return None
        starts, rows = found
        i = bisect_right(starts, moment) - 1
        if i >= 0 and moment < rows[i]["effective_to"]:
            state: dict[str, Any] = rows[i]["state"]
            return state
        return None

    def _index(self, prefix: str) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
        if prefix not in self._intervals:
            self._intervals[prefix] = {}
            self._load(prefix, self.store.select_fact_intervals(self.position, prefix))
        return self._intervals[prefix]

    def _load(self, prefix: str, found: list[dict[str, Any]]) -> None:
        index = self._intervals[prefix]
        for row in found:
            starts, rows = index.setdefault(row["key"][len(prefix) :], ([], []))
            starts.append(row["effective_from"])
            rows.append(row)

    def _affiliations(self, holders: Iterable[str]) -> None:
        """Load the affiliations of the people among these holders, in one query.

        A report of some groups places a few people, so it loads theirs only (and keeps
        them); a whole-ledger report places most people, so it loads everyone's at once.
        """
        if self.groups is None:
            self._index("affiliation:")
            return
        people = {h.partition(":")[2] for h in holders if h.startswith("person:")}
        wanted = sorted(people - self._placed)
        if wanted:
            self._placed.update(wanted)
            self._intervals.setdefault("affiliation:", {})
            found = self.store.select_fact_intervals(self.position, "affiliation:", wanted)
            self._load("affiliation:", found)

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

    def place(self, holder: str, moment: str) -> tuple[str | None, str | None]:
        """(organisation, its sector) of a holder ("kind:id") at a moment, or None each."""
        kind, _, holder_id = holder.partition(":")
        organisation: str | None = None
        if kind == "organisation":
            organisation = holder_id
        elif kind == "person":
            self._affiliations((holder,))
            affiliation = self._state("affiliation:", holder_id, moment)
            organisation = affiliation.get("organisation_id") if affiliation else None
        return organisation, self.sector_at(organisation, moment)

    def epoch(self, moment: str) -> int:
        """Which epoch a moment falls in: between two consecutive bounds of organisations'
        intervals every organisation's sector is the same, so it is looked up once."""
        if self._epochs is None:
            self._epochs = sorted(
                {
                    row["effective_" + end]
                    for _, rows in self._index("organisation:").values()
                    for row in rows
                    for end in ("from", "to")
                }
            )
        return bisect_right(self._epochs, moment)

    def sector_at(self, organisation: str | None, moment: str) -> str | None:
        if organisation is None:
            return None
        key = (organisation, self.epoch(moment))
        if key not in self._sectors:
            found = self._state("organisation:", organisation, moment)
            self._sectors[key] = found.get("sector") if found else None
        return self._sectors[key]

    def organisation_name(self, organisation: str, moment: str) -> str | None:
        found = self._state("organisation:", organisation, moment)
        return found.get("name") if found else None

    def _active(self, moment: str, with_state: bool) -> list[dict[str, Any]]:
        return self.store.select_facts_at(
            self.position,
            moment,
            self.groups,
            "record:",
            kind="accountability",
            live_only=True,
            with_state=with_state,
        )

    def holders_at(self, moment: str) -> list[str]:
        """The holder ("kind:id") of each accountability active at a moment."""
        if moment not in self._holders:
            self._holders[moment] = [
                row["holder"] for row in self._active(moment, False) if row["holder"]
            ]
        return self._holders[moment]

    def held_at_end(self) -> list[dict[str, Any]]:
        """The accountabilities active at the end of the period, as they stood then."""
        if self._held_at_end is None:
            self._held_at_end = [
                {**f["state"], "since": f["effective_from"], "group_id": f["group_id"]}
                for f in self._active(self.high, True)
            ]
        return self._held_at_end

    def holdings(self, when: datetime) -> dict[str, Any]:
        moment = iso(when)
        held = self.holders_at(moment)
        self._affiliations(held)
        by_holder: Counter[str] = Counter(held)
        by_org: Counter[str] = Counter()
        by_sector: Counter[str] = Counter()
        by_kind: Counter[str] = Counter()
        for holder, n in by_holder.items():
            kind = holder.split(":", 1)[0]
            by_kind[kind] += n
            org, sector = self.place(holder, moment)
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
                {"organisation_id": k, "name": self.organisation_name(k, moment), "count": n}
                for k, n in by_org.most_common()
            ],
            "by_sector": [{"sector": k, "count": n} for k, n in by_sector.most_common()],
        }

    def distribution(self, when: datetime) -> dict[str, Any]:
        moment = iso(when)
        held = self.holders_at(moment)
        self._affiliations(held)
        by_holder: Counter[str] = Counter(held)
        by_org: Counter[str] = Counter()
        by_sector: Counter[str] = Counter()
        for holder, n in by_holder.items():
            org, sector = self.place(holder, moment)
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

    def handovers(self, end: datetime, pending_days: int) -> dict[str, Any]:
        accepted = self._events(("Accountability.HandoverAccepted",), low=self.low, high=self.high)
        held = [a for a in self.held_at_end() if a.get("open_handover")]
        # The offers these acceptances and open handovers answer (made at any time).
        offers: dict[str | None, tuple[str | None, str]] = {
            handover: (from_holder, effective_at)
            for _, _, _, effective_at, handover, from_holder, _ in self._events(
                ("Accountability.HandoverOffered",),
                record_ids=[r[1] for r in accepted] + [a["id"] for a in held],
            )
        }
        self._affiliations(
            [r[5] for r in accepted if r[5]] + [o[0] for o in offers.values() if o[0]]
        )
        flows: Counter[tuple[str, str]] = Counter()
        sector_flows: Counter[tuple[str, str]] = Counter()
        for _, _, _, effective_at, handover, to, _ in accepted:
            offered = offers.get(handover)
            if offered is None or not offered[0]:
                continue
            if to is None:
                continue
            source, source_sector = self.place(offered[0], effective_at)
            target, target_sector = self.place(to, effective_at)
            if source and target:
                flows[(source, target)] += 1
                sector_flows[(source_sector or UNKNOWN, target_sector or UNKNOWN)] += 1
        counts = {
            kind.lower(): self._count(f"Accountability.{prefix}{kind}")
            for prefix, kind in (
                ("Handover", "Offered"),
                ("Handover", "Accepted"),
                ("Handover", "Declined"),
                ("Handover", "Withdrawn"),
                ("", "Returned"),
            )
        }
        decided = counts["accepted"] + counts["declined"] + counts["withdrawn"]
        cutoff = iso(_minus(end, pending_days))
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

    def holding_on(self, end: datetime, unchanged_days: int, threshold: int) -> dict[str, Any]:
        held = self.held_at_end()
        counts: Counter[str] = Counter(self.holders_at(self.high))
        offered_by: set[str] = set()
        if any(n >= threshold for n in counts.values()):
            offered_by = self.store.distinct_details(
                self.position, ("Accountability.HandoverOffered",), self.high, self.groups
            )
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

    def decisions(self, end: datetime) -> dict[str, Any]:
        agreed = self._events(("Decision.Agreed",), low=self.low, high=self.high, with_body=True)
        by_method: Counter[str] = Counter(str(r[4]) for r in agreed)
        # Per list of organisations and epoch of their sectors: (organisations, sectors,
        # whether lived experience is among them).
        seen: dict[tuple[str, int], tuple[int, int, bool]] = {}
        breadth = []
        for _, _, _, effective_at, _, _, listed in agreed:
            key = (listed or "[]", self.epoch(effective_at))
            if key not in seen:
                organisations = json.loads(key[0])
                sectors = {self.sector_at(o, effective_at) or UNKNOWN for o in organisations}
                seen[key] = (len(organisations), len(sectors), "lived_experience" in sectors)
            breadth.append(seen[key])
        today = end.date().isoformat()
        due = self.store.select_facts_at(
            self.position,
            self.high,
            self.groups,
            "record:",
            kind="decision",
            live_only=True,
            review_before=today,
        )
        return {
            "agreed": len(agreed),
            "by_method": dict(sorted(by_method.items())),
            "organisations_per_decision": _mean([b[0] for b in breadth]),
            "sectors_per_decision": _mean([b[1] for b in breadth]),
            "share_with_two_or_more_organisations": metrics.rate(
                sum(b[0] >= 2 for b in breadth), len(breadth)
            ),
            "share_with_lived_experience": metrics.rate(sum(b[2] for b in breadth), len(breadth)),
            "superseded": self._count("Decision.Superseded"),
            "revoked": self._count("Decision.Revoked"),
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

    def conflicts(self, end: datetime) -> dict[str, Any]:
        resolved = self._events(("Conflict.Resolved",), low=self.low, high=self.high)
        open_now = [
            f["key"].removeprefix("record:")
            for f in self.store.select_facts_at(
                self.position,
                self.high,
                self.groups,
                "record:",
                kind="conflict",
                live_only=True,
                with_state=False,
            )
        ]
        raised_at = {
            r[1]: r[3]
            for r in self._events(
                ("Conflict.Raised",), record_ids=[r[1] for r in resolved] + open_now
            )
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
            ages[
                "under_30_days" if age < 30 else "30_to_90_days" if age <= 90 else "over_90_days"
            ] += 1
        median = metrics.percentile(days_to_resolve, 50)
        p90 = metrics.percentile(days_to_resolve, 90)
        return {
            "raised": self._count("Conflict.Raised"),
            "resolved": self._count("Conflict.Resolved"),
            "escalated": self._count("Conflict.Escalated"),
            "withdrawn": self._count("Conflict.Withdrawn"),
            "median_days_to_resolution": round(median, 2) if median is not None else None,
            "p90_days_to_resolution": round(p90, 2) if p90 is not None else None,
            "open_at_end": len(open_now),
            "open_by_age": {k: ages[k] for k in ("under_30_days", "30_to_90_days", "over_90_days")},
        }

    def principles(self) -> dict[str, Any]:
        high = self.high
        proposed: dict[str, str] = {}
        amended: dict[str, str] = {}
        started: set[str] = set()
        for _, principle, kind, effective_at, _, _, statement in self._events(
            ("Principle.Proposed", "Principle.Agreed", "Principle.Amended"), with_body=True
        ):
            if kind == "Principle.Proposed":
                proposed[principle] = statement or ""
            # Listed once it was proposed or agreed by the end (an agreement may be back-dated
            # before its proposal's recording), worded as amended by then.
            if effective_at <= high:
                if kind == "Principle.Amended":
                    amended[principle] = statement or ""
                else:
                    started.add(principle)
        statements = {p: amended.get(p, proposed.get(p, "")) for p in started}
        stances: dict[tuple[str, str], int] = {
            (principle, kind): n
            for principle, kind, n in self.store.count_latest(
                self.position, ("Principle.Endorsed", "Principle.ObjectedTo"), high, self.groups
            )
        }
        cited = self.store.count_citations(self.position, ("Decision.Agreed",), high, self.groups)
        return {
            "agreed": self._count("Principle.Agreed"),
            "amended": self._count("Principle.Amended"),
            "retired": self._count("Principle.Retired"),
            "principles": [
                {
                    "principle_id": pid,
                    "statement": statements[pid],
                    "cited_by_decisions": cited.get(pid, 0),
                    "endorsers": stances.get((pid, "Principle.Endorsed"), 0),
                    "objectors": stances.get((pid, "Principle.ObjectedTo"), 0),
                }
                for pid in sorted(started, key=lambda p: (-cited.get(p, 0), statements[p]))
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
