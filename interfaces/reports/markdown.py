"""The report as one Markdown document, laid out as a paper for a board or a steering group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from interfaces.reports.common import (
    AGE_LABELS,
    HEADINGS,
    INTERVAL_WORDS,
    NOTES,
    Names,
    conflict_figures,
    decision_figures,
    end_point,
    fmt_date,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_time,
    key_figures,
    known_as_text,
    period_text,
    scope_text,
    sector_shares_table,
    share,
    short_id,
    words,
)

SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})


def text(value: Any) -> str:
    """Free text made safe for a Markdown table cell or paragraph."""
    return " ".join(str(value).split()).translate(SPECIAL)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: int = 0) -> str:
    """A pipe table; the last `numeric` columns are right-aligned. Cells are already text."""
    align = ["---"] * (len(headers) - numeric) + ["---:"] * numeric
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(report: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    n = Names(report, names)
    out: list[str] = []

    def heading(anchor: str) -> None:
        out.extend(["", f"## {HEADINGS[anchor]}", ""])

    def para(*lines: str) -> None:
        out.extend([*lines, ""])

    def table_or(
        headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: int, empty: str
    ) -> None:
        para(md_table(headers, rows, numeric) if rows else f"_{empty}_")

    holdings, handovers, holding_on = (
        report["holdings"],
        report["handovers"],
        report["holding_on"],
    )
    decisions, conflicts, principles = (
        report["decisions"],
        report["conflicts"],
        report["principles"],
    )
    total = holdings["accountabilities"]

    out.append(f"# Accountability report: {text(scope_text(report, n))}")
    out.append("")
    para(
        f"- **Period:** {period_text(report)}",
        f"- **As recorded at:** {known_as_text(report)}",
        f"- **Time series:** {INTERVAL_WORDS.get(report['interval'], report['interval'])}, "
        f"{len(report['distribution'])} points",
    )
    para(
        "This paper shows where responsibility sits, how it moved between people and "
        "organisations, and how widely it is spread. Definitions are in the notes at the end."
    )

    heading("key-figures")
    para(md_table(("Figure", "Value"), key_figures(report), 1))

    heading("holdings")
    para(f"Active accountabilities at {fmt_time(holdings['at'])}: **{fmt_int(total)}**.")
    para("### By organisation")
    table_or(
        ("Organisation", "Id", "Accountabilities", "Share"),
        [
            (
                text(r["name"] or n.label(r["organisation_id"])),
                short_id(r["organisation_id"]) if r["name"] else "",
                r["count"],
                fmt_pct(share(r["count"], total)),
            )
            for r in holdings["by_organisation"]
        ],
        2,
        "No active accountabilities.",
    )
    para("### By sector")
    table_or(
        ("Sector", "Accountabilities", "Share"),
        [
            (text(words(r["sector"])), r["count"], fmt_pct(share(r["count"], total)))
            for r in holdings["by_sector"]
        ],
        2,
        "No active accountabilities.",
    )
    para("### By kind of holder")
    table_or(
        ("Holder kind", "Accountabilities"),
        [(text(k), v) for k, v in holdings["by_holder_kind"].items()],
        1,
        "No active accountabilities.",
    )
    para("### Largest holders")
    table_or(
        ("Holder", "Accountabilities"),
        [
            (text(n.holder(r["holder_kind"], r["holder_id"])), r["count"])
            for r in holdings["by_holder"][:10]
        ],
        1,
        "No active accountabilities.",
    )

    heading("distribution")
    end = end_point(report)
    para(
        f"At the end of the period, HHI by holder was **{fmt_int(end.get('hhi_holders'))}** and "
        f"by organisation **{fmt_int(end.get('hhi_organisations'))}** (0-10,000); "
        f"Gini by holder was **{fmt_num(end.get('gini_holders'))}**."
    )
    para(
        md_table(
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
                    fmt_date(p["at"]),
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
        )
    )
    para("### Sector shares")
    table_or(
        ("Sector", "At the start", "At the end"),
        [(text(words(s)), fmt_pct(a, 1), fmt_pct(b, 1)) for s, a, b in sector_shares_table(report)],
        2,
        "No accountabilities held through organisations.",
    )

    heading("handovers")
    para(
        md_table(
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
        )
    )
    para("### Flows between organisations")
    table_or(
        ("From", "To", "Handovers"),
        [
            (text(n.label(f["from"])), text(n.label(f["to"])), f["count"])
            for f in handovers["flows_between_organisations"]
        ],
        1,
        "No accepted handover moved responsibility between organisations in the period.",
    )
    para("### Flows between sectors")
    table_or(
        ("From", "To", "Handovers"),
        [
            (text(words(f["from"])), text(words(f["to"])), f["count"])
            for f in handovers["flows_between_sectors"]
        ],
        1,
        "No accepted handover moved responsibility between sectors in the period.",
    )
    para(f"### Offers pending longer than {handovers['pending_days']} days")
    table_or(
        ("Accountability", "Offered to", "Offered"),
        [
            (
                short_id(p["accountability_id"]),
                text(n.holder(p["to"]["kind"], p["to"]["id"])),
                fmt_time(p["offered_at"]),
            )
            for p in handovers["pending_longer"]
        ],
        0,
        "None.",
    )

    heading("holding-on")
    para(
        f"### Holders of {holding_on['threshold']} or more accountabilities "
        "who have never offered one on"
    )
    table_or(
        ("Holder", "Accountabilities"),
        [
            (text(n.holder(r["holder_kind"], r["holder_id"])), r["count"])
            for r in holding_on["holders_never_handing_over"]
        ],
        1,
        "None.",
    )
    para(f"### Unchanged for more than {holding_on['unchanged_days']} days")
    table_or(
        ("Accountability", "Holder", "Since"),
        [
            (
                text(a["title"]),
                text(n.holder(a["holder"]["kind"], a["holder"]["id"])),
                fmt_time(a["since"]),
            )
            for a in holding_on["unchanged_longer"]
        ],
        0,
        "None.",
    )

    heading("decisions")
    para(
        md_table(
            ("Figure", "Value"),
            decision_figures(decisions),
            1,
        )
    )
    para("### By method")
    table_or(
        ("Method", "Decisions"),
        [(text(words(k)), v) for k, v in decisions["by_method"].items()],
        1,
        "No decisions agreed in the period.",
    )
    para("### Past their review date")
    table_or(
        ("Decision", "Review date"),
        [(text(d["title"]), d["review_date"]) for d in decisions["past_review_date"]],
        0,
        "None.",
    )

    heading("conflicts")
    para(
        md_table(
            ("Figure", "Value"),
            conflict_figures(conflicts),
            1,
        )
    )
    para("### Open at the end, by age")
    para(
        md_table(
            ("Age", "Conflicts"),
            [(AGE_LABELS.get(k, words(k)), v) for k, v in conflicts["open_by_age"].items()],
            1,
        )
    )

    heading("principles")
    para(
        f"Agreed: **{principles['agreed']}**; amended: **{principles['amended']}**; "
        f"retired: **{principles['retired']}**."
    )
    table_or(
        ("Principle", "Cited by decisions", "Endorsers", "Objectors"),
        [
            (text(p["statement"]), p["cited_by_decisions"], p["endorsers"], p["objectors"])
            for p in principles["principles"]
        ],
        3,
        "No principles.",
    )

    heading("notes")
    para(*(f"- {note}" for note in NOTES))
    return "\n".join(out).rstrip() + "\n"
