"""The report as a paper of sections: every figure, table and flow, built once from the report
and its names, for the Markdown and HTML renderings to lay out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from interfaces.reports.common import (
    AGE_LABELS,
    INTERVAL_WORDS,
    Names,
    fmt_date,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_time,
    sector_words,
    short_id,
    words,
)
from interfaces.reports.figures import (
    NOTES,
    conflict_figures,
    decision_figures,
    end_point,
    flow_matrix,
    key_figures,
    known_as_text,
    period_text,
    scope_text,
    sector_shares_table,
    share,
)

Cell = Any  # a str, a number, or one of Org, Ident, Day


@dataclass(frozen=True)
class Org:
    """An organisation in a cell: its name if known, else a label (a placeholder or short id)."""

    name: str | None
    label: str
    short: str


@dataclass(frozen=True)
class Ident:
    """A record's short id, shown as an id."""

    short: str

    def __str__(self) -> str:
        return self.short


@dataclass(frozen=True)
class Day:
    """A date that is not to be broken across lines."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    numeric: int = 0  # the last columns, figures
    empty: str = "None."  # said instead of a table without rows


@dataclass(frozen=True)
class Flows:
    """Accepted handovers between organisations or sectors: as a list, and as a matrix."""

    rows: list[tuple[Cell, Cell, int]]  # (from, to, count), as the report lists them
    sources: list[Cell]  # the matrix's rows and columns, largest total first
    targets: list[Cell]
    grid: list[list[int]]  # count by source, then target
    caption: str
    empty: str

    @property
    def top(self) -> int:
        return max((n for row in self.grid for n in row), default=0)

    @property
    def row_totals(self) -> list[int]:
        return [sum(row) for row in self.grid]

    @property
    def column_totals(self) -> list[int]:
        return [sum(column) for column in zip(*self.grid, strict=True)]


@dataclass(frozen=True)
class Holdings:
    at: str
    total: str
    any: bool
    by_organisation: Table  # (Org, count, share)
    by_sector: Table
    by_holder_kind: Table
    largest: Table
    bars_by_organisation: list[tuple[str, int]]
    bars_by_sector: list[tuple[str, int]]


@dataclass(frozen=True)
class Distribution:
    hhi_holders: str
    hhi_organisations: str
    gini_holders: str
    points: Table
    sector_shares: Table
    series: list[Mapping[str, Any]]  # the report's points, for charts


@dataclass(frozen=True)
class Handovers:
    totals: Table
    organisations: Flows
    sectors: Flows
    pending_days: int
    pending: Table


@dataclass(frozen=True)
class HoldingOn:
    threshold: int
    never_handing_over: Table
    unchanged_days: int
    unchanged: Table


@dataclass(frozen=True)
class Paper:
    """Everything a rendering of the report shows, in the order of its sections."""

    scope: str
    period: str
    known_as: str
    series: str
    position: int
    key_figures: list[tuple[str, str]]
    by_group: Table | None  # None when the report covers one group
    by_group_heading: str  # "By sub-group", or "By group" for the whole ledger
    holdings: Holdings
    distribution: Distribution
    handovers: Handovers
    holding_on: HoldingOn
    decision_figures: Table
    decisions_by_method: Table
    decisions_past_review: Table
    decisions_agreed: Table
    conflict_figures: Table
    conflicts_by_age: Table
    principles_agreed: int
    principles_amended: int
    principles_retired: int
    principles: Table
    notes: list[str]


def org(names: Names, ident: str) -> Org:
    return Org(names.known(ident), names.label(ident), short_id(ident))


def flows(
    listed: list[Mapping[str, Any]], label: Callable[[str], Cell], caption: str, empty: str
) -> Flows:
    sources, targets, counts = flow_matrix(listed)
    return Flows(
        [(label(f["from"]), label(f["to"]), f["count"]) for f in listed],
        [label(s) for s in sources],
        [label(t) for t in targets],
        [[counts.get((s, t), 0) for t in targets] for s in sources],
        caption,
        empty,
    )


def build(report: Mapping[str, Any], extra_names: Mapping[str, str] | None = None) -> Paper:
    """The paper of a report (as `Ledger.accountability_report` returns it, or its JSON)."""
    n = Names(report, extra_names)
    holdings = report["holdings"]
    total = holdings["accountabilities"]
    by_sector = [(sector_words(r["sector"]), r["count"]) for r in holdings["by_sector"]]
    end = end_point(report)
    interval = INTERVAL_WORDS.get(report["interval"], report["interval"])
    decisions, conflicts, principles = (
        report["decisions"],
        report["conflicts"],
        report["principles"],
    )
    return Paper(
        scope=scope_text(report, n),
        period=period_text(report),
        known_as=known_as_text(report),
        series=f"{interval}, {len(report['distribution'])} points",
        position=report["position"],
        key_figures=key_figures(report),
        by_group=_by_group(report.get("by_group"), n),
        by_group_heading="By sub-group" if report["scope"]["group_id"] else "By group",
        holdings=Holdings(
            at=fmt_time(holdings["at"]),
            total=fmt_int(total),
            any=bool(total),
            by_organisation=Table(
                ("Organisation", "Accountabilities", "Share"),
                [
                    (org(n, r["organisation_id"]), r["count"], fmt_pct(share(r["count"], total)))
                    for r in holdings["by_organisation"]
                ],
                2,
                "No active accountabilities.",
            ),
            by_sector=Table(
                ("Sector", "Accountabilities", "Share"),
                [(s, c, fmt_pct(share(c, total))) for s, c in by_sector],
                2,
                "No active accountabilities.",
            ),
            by_holder_kind=Table(
                ("Holder kind", "Accountabilities"),
                list(holdings["by_holder_kind"].items()),
                1,
                "No active accountabilities.",
            ),
            largest=Table(
                ("Holder", "Accountabilities"),
                [
                    (n.holder(r["holder_kind"], r["holder_id"]), r["count"])
                    for r in holdings["by_holder"][:10]
                ],
                1,
                "No active accountabilities.",
            ),
            bars_by_organisation=[
                (n.label(r["organisation_id"]), r["count"]) for r in holdings["by_organisation"]
            ],
            bars_by_sector=by_sector,
        ),
        distribution=_distribution(report, end),
        handovers=_handovers(report["handovers"], n),
        holding_on=_holding_on(report["holding_on"], n),
        decision_figures=Table(("Figure", "Value"), decision_figures(decisions), 1),
        decisions_by_method=Table(
            ("Method", "Decisions"),
            [(words(k), v) for k, v in decisions["by_method"].items()],
            1,
            "No decisions agreed in the period.",
        ),
        decisions_past_review=Table(
            ("Decision", "Review date"),
            [(d["title"], d["review_date"]) for d in decisions["past_review_date"]],
        ),
        decisions_agreed=Table(
            (
                "Decision",
                "In effect from",
                "Method",
                "Lived experience",
                "Organisations",
                "Sectors",
            ),
            [
                (
                    d["title"],
                    fmt_time(d["effective_at"]),
                    words(d["method"] or ""),
                    "yes" if d["lived_experience"] else "no",
                    d["organisations"],
                    d["sectors"],
                )
                for d in decisions.get("agreed_in_period", [])
            ],
            2,
            "No decisions agreed in the period.",
        ),
        conflict_figures=Table(("Figure", "Value"), conflict_figures(conflicts), 1),
        conflicts_by_age=Table(
            ("Age", "Conflicts"),
            [(AGE_LABELS.get(k, words(k)), v) for k, v in conflicts["open_by_age"].items()],
            1,
        ),
        principles_agreed=principles["agreed"],
        principles_amended=principles["amended"],
        principles_retired=principles["retired"],
        principles=Table(
            ("Principle", "Cited by decisions", "Endorsers", "Objectors"),
            [
                (p["statement"], p["cited_by_decisions"], p["endorsers"], p["objectors"])
                for p in principles["principles"]
            ],
            3,
            "No principles.",
        ),
        notes=NOTES,
    )


BY_GROUP_FIGURES = (
    ("accountabilities", "Accountabilities"),
    ("holders", "Holders"),
    ("organisations", "Organisations"),
    ("decisions_agreed", "Decisions agreed"),
    ("handovers_accepted", "Handovers accepted"),
    ("conflicts_open", "Conflicts open"),
    ("conflicts_raised", "Conflicts raised"),
)


def _by_group(rows: list[Mapping[str, Any]] | None, n: Names) -> Table | None:
    """One row per group in scope, by name, with the group in scope it is part of."""
    if rows is None:
        return None
    return Table(
        ("Group", "Part of", *(heading for _, heading in BY_GROUP_FIGURES)),
        [
            (
                r["name"] or n.label(r["group_id"]),
                n.label(r["parent_group_id"]) if r["role"] == "subgroup" else "",
                *(r[key] for key, _ in BY_GROUP_FIGURES),
            )
            for r in rows
        ],
        len(BY_GROUP_FIGURES),
        "No groups.",
    )


def _distribution(report: Mapping[str, Any], end: Mapping[str, Any]) -> Distribution:
    return Distribution(
        hhi_holders=fmt_int(end.get("hhi_holders")),
        hhi_organisations=fmt_int(end.get("hhi_organisations")),
        gini_holders=fmt_num(end.get("gini_holders")),
        points=Table(
            (
                "Date",
                "Accountabilities",
                "Holders",
                "Organisations",
                "Sectors",
                "Largest share",
                "HHI holders",
                "HHI organisations",
                "Gini",
            ),
            [
                (
                    Day(fmt_date(p["at"])),
                    p["accountabilities"],
                    p["holders"],
                    p["organisations"],
                    p["sectors"],
                    fmt_pct(p["largest_holder_share"]),
                    fmt_int(p["hhi_holders"]),
                    fmt_int(p["hhi_organisations"]),
                    fmt_num(p["gini_holders"]),
                )
                for p in report["distribution"]
            ],
            8,
        ),
        sector_shares=Table(
            ("Sector", "At the start", "At the end"),
            [
                (sector_words(s), fmt_pct(a, 1), fmt_pct(b, 1))
                for s, a, b in sector_shares_table(report)
            ],
            2,
            "No accountabilities held through organisations.",
        ),
        series=list(report["distribution"]),
    )


def _handovers(handovers: Mapping[str, Any], n: Names) -> Handovers:
    return Handovers(
        totals=Table(
            ("Offered", "Accepted", "Declined", "Withdrawn", "Returned", "Acceptance", "Return"),
            [
                (
                    handovers["offered"],
                    handovers["accepted"],
                    handovers["declined"],
                    handovers["withdrawn"],
                    handovers["returned"],
                    fmt_pct(handovers["acceptance_rate"]),
                    fmt_pct(handovers["return_rate"]),
                )
            ],
            7,
        ),
        organisations=flows(
            handovers["flows_between_organisations"],
            lambda ident: org(n, ident),
            "Accepted handovers in the period: rows give the organisation of the holder "
            "handing over, columns the organisation taking over.",
            "No accepted handover moved responsibility between organisations in the period.",
        ),
        sectors=flows(
            handovers["flows_between_sectors"],
            sector_words,
            "Accepted handovers in the period, by the sector of each organisation.",
            "No accepted handover moved responsibility between sectors in the period.",
        ),
        pending_days=handovers["pending_days"],
        pending=Table(
            ("Accountability", "Offered to", "Offered"),
            [
                (
                    n.known(p["accountability_id"]) or Ident(short_id(p["accountability_id"])),
                    n.holder(p["to"]["kind"], p["to"]["id"]),
                    fmt_time(p["offered_at"]),
                )
                for p in handovers["pending_longer"]
            ],
        ),
    )


def _holding_on(holding_on: Mapping[str, Any], n: Names) -> HoldingOn:
    return HoldingOn(
        threshold=holding_on["threshold"],
        never_handing_over=Table(
            ("Holder", "Accountabilities"),
            [
                (n.holder(r["holder_kind"], r["holder_id"]), r["count"])
                for r in holding_on["holders_never_handing_over"]
            ],
            1,
        ),
        unchanged_days=holding_on["unchanged_days"],
        unchanged=Table(
            ("Accountability", "Holder", "Since"),
            [
                (a["title"], n.holder(a["holder"]["kind"], a["holder"]["id"]), fmt_time(a["since"]))
                for a in holding_on["unchanged_longer"]
            ],
        ),
    )
