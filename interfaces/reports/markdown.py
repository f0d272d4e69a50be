"""The report as one Markdown document, laid out as a paper for a board or a steering group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from interfaces.reports.figures import HEADINGS
from interfaces.reports.model import Flows, Org, Table, build

SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})


def text(value: Any) -> str:
    """Free text made safe for a Markdown table cell or paragraph."""
    return " ".join(str(value).split()).translate(SPECIAL)


def cell(value: Any) -> str:
    """A cell's text: figures as they are, words made safe, an organisation by its label."""
    if isinstance(value, Org):
        value = value.label
    return text(value) if isinstance(value, str) else str(value)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: int = 0) -> str:
    """A pipe table; the last `numeric` columns are right-aligned."""
    align = ["---"] * (len(headers) - numeric) + ["---:"] * numeric
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def table(t: Table, always: bool = False) -> str:
    """A table, or its words for none when it has no rows (unless `always`)."""
    if t.rows or always:
        return md_table(t.headers, t.rows, t.numeric)
    return f"_{t.empty}_"


def flow_table(flows: Flows) -> str:
    return table(Table(("From", "To", "Handovers"), list(flows.rows), 1, flows.empty))


def organisations(t: Table) -> Table:
    """The holdings by organisation with the id of each named one in a column of its own."""
    rows = [(o.name or o.label, o.short if o.name else "", *rest) for o, *rest in t.rows]
    return Table(("Organisation", "Id", *t.headers[1:]), rows, t.numeric, t.empty)


def render_markdown(report: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    p = build(report, names)
    h, d, o, k = p.holdings, p.distribution, p.handovers, p.holding_on
    out: list[str] = [f"# Accountability report: {text(p.scope)}", ""]

    def heading(anchor: str) -> None:
        out.extend(["", f"## {HEADINGS[anchor]}", ""])

    def para(*lines: str) -> None:
        out.extend([*lines, ""])

    def blocks(*items: str) -> None:
        for item in items:
            para(item)

    para(
        f"- **Period:** {p.period}",
        f"- **As recorded at:** {p.known_as}",
        f"- **Time series:** {p.series}",
    )
    para(
        "This paper shows where responsibility sits, how it moved between people and "
        "organisations, and how widely it is spread. Definitions are in the notes at the end."
    )
    heading("key-figures")
    para(md_table(("Figure", "Value"), p.key_figures, 1))

    if p.by_group is not None:
        out.extend(["", f"## {p.by_group_heading}", ""])
        para("Each group in scope on its own; a record counts in the group it was created in.")
        para(table(p.by_group))

    heading("holdings")
    para(f"Active accountabilities at {h.at}: **{h.total}**.")
    blocks("### By organisation", table(organisations(h.by_organisation)))
    blocks("### By sector", table(h.by_sector))
    blocks("### By kind of holder", table(h.by_holder_kind))
    blocks("### Largest holders", table(h.largest))

    heading("distribution")
    para(
        f"At the end of the period, HHI by holder was **{d.hhi_holders}** and "
        f"by organisation **{d.hhi_organisations}** (0-10,000); "
        f"Gini by holder was **{d.gini_holders}**."
    )
    blocks(table(d.points, always=True), "### Sector shares", table(d.sector_shares))

    heading("handovers")
    blocks(table(o.totals, always=True), "### Flows between organisations")
    blocks(flow_table(o.organisations), "### Flows between sectors", flow_table(o.sectors))
    blocks(f"### Offers pending longer than {o.pending_days} days", table(o.pending))

    heading("holding-on")
    para(f"### Holders of {k.threshold} or more accountabilities who have never offered one on")
    blocks(table(k.never_handing_over), f"### Unchanged for more than {k.unchanged_days} days")
    blocks(table(k.unchanged))

    heading("decisions")
    blocks(table(p.decision_figures, always=True), "### By method", table(p.decisions_by_method))
    blocks("### Agreed in the period", table(p.decisions_agreed, always=True))
    blocks("### Past their review date", table(p.decisions_past_review))

    heading("conflicts")
    blocks(table(p.conflict_figures, always=True), "### Open at the end, by age")
    blocks(table(p.conflicts_by_age, always=True))

    heading("principles")
    para(
        f"Agreed: **{p.principles_agreed}**; amended: **{p.principles_amended}**; "
        f"retired: **{p.principles_retired}**."
    )
    para(table(p.principles))

    heading("notes")
    para(*(f"- {note}" for note in p.notes))
    return "\n".join(out).rstrip() + "\n"
