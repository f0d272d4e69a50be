"""What the renderers share: names for ids, number and time formats, the report's tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from application.reports.accountability import GROUP_HOLDER, UNKNOWN

SPECIAL_LABELS = {GROUP_HOLDER: "held by groups", UNKNOWN: "no organisation"}
INTERVAL_WORDS = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}
AGE_LABELS = {
    "under_30_days": "under 30 days",
    "30_to_90_days": "30 to 90 days",
    "over_90_days": "over 90 days",
}


def short_id(value: str) -> str:
    return value[:8]


class Names:
    """Names for the ids a report mentions: the report's own, then `extra`, else a short id."""

    def __init__(self, report: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> None:
        self._names: dict[str, str] = {}
        for node in _walk(report):
            name = node.get("name")
            ident = node.get("organisation_id") or node.get("id")
            if isinstance(name, str) and name and isinstance(ident, str):
                self._names.setdefault(ident, name)
        for key, value in (extra or {}).items():
            if value:
                self._names.setdefault(key, value)

    def known(self, ident: str | None) -> str | None:
        """The name, if the report or the extra names give one."""
        return self._names.get(ident) if ident is not None else None

    def label(self, ident: str | None) -> str:
        """A readable label: the name, a description of a placeholder, or a short id."""
        if ident is None:
            return "-"
        if ident in self._names:
            return self._names[ident]
        if ident in SPECIAL_LABELS:
            return SPECIAL_LABELS[ident]
        return short_id(ident)

    def holder(self, kind: str, ident: str) -> str:
        name = self.known(ident)
        return f"{name} ({kind})" if name else f"{kind} {short_id(ident)}"


def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def organisation_ids(report: Mapping[str, Any]) -> set[str]:
    """Every organisation id the report mentions (placeholders left out)."""
    found = {row["organisation_id"] for row in report["holdings"]["by_organisation"]}
    for flow in report["handovers"]["flows_between_organisations"]:
        found |= {flow["from"], flow["to"]}
    for row in report["holdings"]["by_holder"] + report["holding_on"]["holders_never_handing_over"]:
        if row["holder_kind"] == "organisation":
            found.add(row["holder_id"])
    return found - set(SPECIAL_LABELS)


def group_ids(report: Mapping[str, Any]) -> set[str]:
    """Every group id the report mentions: the scope and group holders."""
    found = set(report["scope"]["groups"] or ())
    if report["scope"]["group_id"]:
        found.add(report["scope"]["group_id"])
    for row in report["holdings"]["by_holder"] + report["holding_on"]["holders_never_handing_over"]:
        if row["holder_kind"] == "group":
            found.add(row["holder_id"])
    for row in report["holding_on"]["unchanged_longer"]:
        if row["holder"]["kind"] == "group":
            found.add(row["holder"]["id"])
    return found


# ---------------------------------------------------------------- formats


def as_time(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(UTC)


def fmt_time(value: str | datetime | None, empty: str = "-") -> str:
    """`1 Dec 2023`, with the time of day (UTC) when it is not midnight."""
    moment = as_time(value)
    if moment is None:
        return empty
    day = f"{moment.day} {moment:%b %Y}"
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return day
    return f"{day}, {moment:%H:%M} UTC"


def fmt_date(value: str | datetime | None) -> str:
    moment = as_time(value)
    return moment.date().isoformat() if moment else "-"


def fmt_int(value: float | int | None) -> str:
    return "-" if value is None else f"{round(value):,}"


def fmt_num(value: float | int | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:,.{places}f}"


def fmt_pct(value: float | int | None, places: int = 0) -> str:
    """A 0..1 share or rate as a percentage; `-` when there is nothing to divide by."""
    return "-" if value is None else f"{100 * value:.{places}f}%"


def fmt_days(value: float | int | None) -> str:
    return "-" if value is None else f"{value:,.1f} days"


def words(code: str | None) -> str:
    """A code such as `statutory_health` as words: `statutory health`."""
    if code is None:
        return "-"
    return SPECIAL_LABELS.get(code, code.replace("_", " "))


def scope_text(report: Mapping[str, Any], names: Names) -> str:
    scope = report["scope"]
    if not scope["group_id"]:
        return "the whole ledger"
    text = names.label(scope["group_id"])
    others = len(scope["groups"] or ()) - 1
    if scope["include_subgroups"]:
        suffix = "s" if others != 1 else ""
        text += f" and its sub-groups ({others} sub-group{suffix})"
    return text


def period_text(report: Mapping[str, Any]) -> str:
    return f"{fmt_time(report['from'])} to {fmt_time(report['to'])}"


def known_as_text(report: Mapping[str, Any]) -> str:
    when = fmt_time(report["as_of"]) if report["as_of"] else "the time of the report"
    return f"{when} (ledger position {report['position']})"


def end_point(report: Mapping[str, Any]) -> Mapping[str, Any]:
    return report["distribution"][-1] if report["distribution"] else {}


def key_figures(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The figures a reader should see first, formatted."""
    end = end_point(report)
    h, d, c, p = report["handovers"], report["decisions"], report["conflicts"], report["principles"]
    return [
        ("Active accountabilities at the end", fmt_int(report["holdings"]["accountabilities"])),
        ("Holders", fmt_int(end.get("holders"))),
        ("Organisations holding", fmt_int(end.get("organisations"))),
        ("HHI by holder (0-10,000)", fmt_int(end.get("hhi_holders"))),
        ("HHI by organisation (0-10,000)", fmt_int(end.get("hhi_organisations"))),
        ("Gini by holder (0-1)", fmt_num(end.get("gini_holders"))),
        ("Largest holder's share", fmt_pct(end.get("largest_holder_share"))),
        ("Handovers offered / accepted", f"{h['offered']} / {h['accepted']}"),
        ("Acceptance rate", fmt_pct(h["acceptance_rate"])),
        ("Decisions agreed", fmt_int(d["agreed"])),
        ("Conflicts raised / open at the end", f"{c['raised']} / {c['open_at_end']}"),
        ("Principles agreed", fmt_int(p["agreed"])),
    ]


NOTES = [
    "HHI (Herfindahl-Hirschman index) is the sum of the squared percentage shares of "
    "active accountabilities, from near 0 (widely spread) to 10,000 (all with one holder). "
    "By organisation, it counts only accountabilities whose holder belongs to an organisation.",
    "Gini is 0 when every holder holds the same number of accountabilities and approaches 1 "
    "as they concentrate with few holders; it is 0 with fewer than two holders.",
    "Acceptance rate is accepted / (accepted + declined + withdrawn) handovers in the period; "
    "return rate is returned / accepted.",
    "Holdings are counted at the end of the period; handovers, decisions, conflicts and "
    "principles are counted by their effective time within the period.",
    "A dash (-) marks a figure that cannot be computed, such as a rate with nothing to divide by.",
]


# ---------------------------------------------------------------- tables


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


def decision_figures(decisions: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The decisions section's summary, formatted; the same in every rendering."""
    return [
        ("Agreed in the period", fmt_int(decisions["agreed"])),
        ("Organisations per decision", fmt_num(decisions["organisations_per_decision"])),
        ("Sectors per decision", fmt_num(decisions["sectors_per_decision"])),
        (
            "With two or more organisations",
            fmt_pct(decisions["share_with_two_or_more_organisations"]),
        ),
        ("With lived experience", fmt_pct(decisions["share_with_lived_experience"])),
        ("Superseded", fmt_int(decisions["superseded"])),
        ("Revoked", fmt_int(decisions["revoked"])),
    ]


def conflict_figures(conflicts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The conflicts section's summary, formatted; the same in every rendering."""
    return [
        ("Raised", fmt_int(conflicts["raised"])),
        ("Resolved", fmt_int(conflicts["resolved"])),
        ("Escalated", fmt_int(conflicts["escalated"])),
        ("Withdrawn", fmt_int(conflicts["withdrawn"])),
        ("Median time to resolution", fmt_days(conflicts["median_days_to_resolution"])),
        ("90th percentile", fmt_days(conflicts["p90_days_to_resolution"])),
        ("Open at the end", fmt_int(conflicts["open_at_end"])),
    ]


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
    ]


# ---------------------------------------------------------------- sections

# (anchor, heading) of each section, in the order of the Markdown and HTML documents.
SECTIONS = (
    ("key-figures", "Key figures"),
    ("holdings", "Where responsibility sits"),
    ("distribution", "How widely it is spread"),
    ("handovers", "Handovers"),
    ("holding-on", "Holding on"),
    ("decisions", "Decisions"),
    ("conflicts", "Conflicts"),
    ("principles", "Principles"),
    ("notes", "Notes on the figures"),
)
HEADINGS = dict(SECTIONS)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def sector_shares_table(report: Mapping[str, Any]) -> list[tuple[str, float, float]]:
    """(sector, share at the start, share at the end), largest at the end first."""
    points = report["distribution"]
    if not points:
        return []
    first, last = points[0]["sector_shares"], points[-1]["sector_shares"]
    sectors = sorted(set(first) | set(last), key=lambda s: (-last.get(s, 0.0), s))
    return [(s, first.get(s, 0.0), last.get(s, 0.0)) for s in sectors]


def flow_matrix(
    flows: list[Mapping[str, Any]],
) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Sources, targets (each by total, largest first) and counts of a list of flows."""
    counts = {(f["from"], f["to"]): int(f["count"]) for f in flows}
    out: dict[str, int] = {}
    into: dict[str, int] = {}
    for (source, target), n in counts.items():
        out[source] = out.get(source, 0) + n
        into[target] = into.get(target, 0) + n
    sources = sorted(out, key=lambda k: (-out[k], k))
    targets = sorted(into, key=lambda k: (-into[k], k))
    return sources, targets, counts
