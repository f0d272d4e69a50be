"""The report as flat tables (for CSV): one per list or mapping in it, plus one of figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from interfaces.reports.common import Names


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]


DISTRIBUTION_FIELDS = (
    "accountabilities",
    "holders",
    "organisations",
    "sectors",
    "largest_holder_share",
    "hhi_holders",
    "hhi_organisations",
    "gini_holders",
)


def summary_rows(report: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """Every single figure of the report as (section, figure, value)."""
    scope = report["scope"]
    rows: list[tuple[str, str, Any]] = [
        ("report", "group_id", scope["group_id"]),
        ("report", "include_subgroups", scope["include_subgroups"]),
        ("report", "groups", " ".join(scope["groups"]) if scope["groups"] is not None else None),
    ]
    rows += [
        ("report", key, report[key]) for key in ("from", "to", "as_of", "position", "interval")
    ]
    for section in ("holdings", "handovers", "holding_on", "decisions", "conflicts", "principles"):
        for key, value in report[section].items():
            if not isinstance(value, Mapping | list):
                rows.append((section, key, value))
    return rows


# Every table's name, in the order `tables` gives them (a CSV file each).
TABLE_NAMES = (
    "summary",
    "holdings_by_holder",
    "holdings_by_holder_kind",
    "holdings_by_organisation",
    "holdings_by_sector",
    "distribution",
    "distribution_sector_shares",
    "handover_flows_between_organisations",
    "handover_flows_between_sectors",
    "handovers_pending_longer",
    "holders_never_handing_over",
    "accountabilities_unchanged_longer",
    "decisions_by_method",
    "decisions_past_review_date",
    "decisions_agreed",
    "conflicts_open_by_age",
    "principles",
    "by_group",
)
BY_GROUP_FIELDS = (
    "accountabilities",
    "holders",
    "organisations",
    "decisions_agreed",
    "handovers_accepted",
    "conflicts_open",
    "conflicts_raised",
)


def tables(report: Mapping[str, Any], names: Names) -> list[Table]:
    """The report as flat tables, one per list or mapping in it, plus one of single figures."""
    holdings, handovers, holding_on = (
        report["holdings"],
        report["handovers"],
        report["holding_on"],
    )
    decisions, conflicts = report["decisions"], report["conflicts"]

    def table(name: str, headers: Sequence[str], rows: list[tuple[Any, ...]]) -> Table:
        return Table(name, tuple(headers), rows)

    def each(items: list[Any], row: Callable[[Any], tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [row(item) for item in items]

    return [
        table("summary", ("section", "figure", "value"), list(summary_rows(report))),
        table(
            "holdings_by_holder",
            ("holder_kind", "holder_id", "name", "count"),
            each(
                holdings["by_holder"],
                lambda r: (
                    r["holder_kind"],
                    r["holder_id"],
                    names.known(r["holder_id"]),
                    r["count"],
                ),
            ),
        ),
        table(
            "holdings_by_holder_kind",
            ("holder_kind", "count"),
            list(holdings["by_holder_kind"].items()),
        ),
        table(
            "holdings_by_organisation",
            ("organisation_id", "name", "count"),
            each(
                holdings["by_organisation"],
                lambda r: (
                    r["organisation_id"],
                    r["name"] or names.known(r["organisation_id"]),
                    r["count"],
                ),
            ),
        ),
        table(
            "holdings_by_sector",
            ("sector", "count"),
            each(holdings["by_sector"], lambda r: (r["sector"], r["count"])),
        ),
        table(
            "distribution",
            ("at", *DISTRIBUTION_FIELDS),
            each(report["distribution"], lambda r: (r["at"], *(r[f] for f in DISTRIBUTION_FIELDS))),
        ),
        table(
            "distribution_sector_shares",
            ("at", "sector", "share"),
            [
                (point["at"], sector, share)
                for point in report["distribution"]
                for sector, share in point["sector_shares"].items()
            ],
        ),
        table(
            "handover_flows_between_organisations",
            ("from_organisation_id", "from_name", "to_organisation_id", "to_name", "count"),
            each(
                handovers["flows_between_organisations"],
                lambda r: (
                    r["from"],
                    names.known(r["from"]),
                    r["to"],
                    names.known(r["to"]),
                    r["count"],
                ),
            ),
        ),
        table(
            "handover_flows_between_sectors",
            ("from_sector", "to_sector", "count"),
            each(handovers["flows_between_sectors"], lambda r: (r["from"], r["to"], r["count"])),
        ),
        table(
            "handovers_pending_longer",
            ("accountability_id", "handover_id", "to_kind", "to_id", "offered_at"),
            each(
                handovers["pending_longer"],
                lambda r: (
                    r["accountability_id"],
                    r["handover_id"],
                    r["to"]["kind"],
                    r["to"]["id"],
                    r["offered_at"],
                ),
            ),
        ),
        table(
            "holders_never_handing_over",
            ("holder_kind", "holder_id", "name", "count"),
            each(
                holding_on["holders_never_handing_over"],
                lambda r: (
                    r["holder_kind"],
                    r["holder_id"],
                    names.known(r["holder_id"]),
                    r["count"],
                ),
            ),
        ),
        table(
            "accountabilities_unchanged_longer",
            ("accountability_id", "title", "holder_kind", "holder_id", "since"),
            each(
                holding_on["unchanged_longer"],
                lambda r: (
                    r["accountability_id"],
                    r["title"],
                    r["holder"]["kind"],
                    r["holder"]["id"],
                    r["since"],
                ),
            ),
        ),
        table("decisions_by_method", ("method", "count"), list(decisions["by_method"].items())),
        table(
            "decisions_past_review_date",
            ("decision_id", "title", "review_date"),
            each(
                decisions["past_review_date"],
                lambda r: (r["decision_id"], r["title"], r["review_date"]),
            ),
        ),
        table(
            "decisions_agreed",
            (
                "decision_id",
                "title",
                "effective_at",
                "method",
                "organisations",
                "sectors",
                "lived_experience",
            ),
            each(
                decisions.get("agreed_in_period", []),
                lambda r: (
                    r["decision_id"],
                    r["title"],
                    r["effective_at"],
                    r["method"],
                    r["organisations"],
                    r["sectors"],
                    r["lived_experience"],
                ),
            ),
        ),
        table("conflicts_open_by_age", ("age", "count"), list(conflicts["open_by_age"].items())),
        table(
            "principles",
            ("principle_id", "statement", "cited_by_decisions", "endorsers", "objectors"),
            each(
                report["principles"]["principles"],
                lambda r: (
                    r["principle_id"],
                    r["statement"],
                    r["cited_by_decisions"],
                    r["endorsers"],
                    r["objectors"],
                ),
            ),
        ),
        table(
            "by_group",
            (
                "group_id",
                "name",
                "role",
                "parent_group_id",
                "parent_name",
                "depth",
                *BY_GROUP_FIELDS,
            ),
            each(
                report.get("by_group") or [],
                lambda r: (
                    r["group_id"],
                    r["name"],
                    r["role"],
                    r["parent_group_id"],
                    names.known(r["parent_group_id"]),
                    r["depth"],
                    *(r[f] for f in BY_GROUP_FIELDS),
                ),
            ),
        ),
    ]
