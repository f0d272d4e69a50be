"""The report's figures and texts as every rendering shows them, formatted once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interfaces.reports.common import (
    Names,
    fmt_days,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_time,
)

# ---------------------------------------------------------------- sections

# (anchor, heading) of each section, in the order of the Markdown and HTML documents.
SECTIONS = (
    ("key-figures", "Key figures"),
    ("by-group", "By sub-group"),
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
