"""The report as ONE self-contained HTML file: inline SVG charts (pygal), inline CSS, no scripts.

Nothing is fetched when the file is opened: pygal's tooltip script (loaded from the web by
default) is turned off, and the comments and the configuration script it writes into each
SVG are stripped, so the only URLs left are the SVG's XML namespace names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

import pygal
from pygal.style import Style

from interfaces.reports.common import (
    AGE_LABELS,
    HEADINGS,
    INTERVAL_WORDS,
    NOTES,
    SECTIONS,
    Names,
    conflict_figures,
    decision_figures,
    end_point,
    flow_matrix,
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

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
)
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#222222",
    foreground_strong="#000000",
    foreground_subtle="#666666",
    font_family=FONT,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=12,
    value_label_font_size=12,
    tooltip_font_size=12,
    title_font_size=14,
    no_data_font_size=24,
    guide_stroke_color="#d0d7de",
    major_guide_stroke_color="#b0b7be",
    opacity=".85",
    opacity_hover=".95",
    stroke_width="2.5",
    stroke_width_hover="3",
    transition="0ms",
    colors=PALETTE,
)
MAX_BARS = 15

CSS = """
:root { --ink: #1b1b1b; --muted: #5f6368; --rule: #d0d7de; --accent: #0072B2; --head: #f3f5f7; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 1.85rem; line-height: 1.2; margin: 0 0 .6rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .8rem; padding-bottom: .25rem;
  border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
p { margin: .4rem 0 .8rem; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0;
  color: var(--muted); }
.meta dt { font-weight: 600; color: var(--ink); }
.meta dd { margin: 0; }
.lead { max-width: 46rem; }
nav.toc { margin: 1rem 0 0; font-size: .9rem; }
nav.toc a { color: var(--accent); margin-right: .9rem; text-decoration: none; white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--rule); border-left: 4px solid var(--accent); border-radius: 4px;
  padding: 8px 12px; }
.card .value { display: block; font-size: 1.45rem; font-weight: 650;
  font-variant-numeric: tabular-nums; }
.card .label { display: block; font-size: .85rem; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; font-size: .9rem; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; }
thead th { background: var(--head); border-bottom: 2px solid var(--rule); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.id { color: var(--muted); font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85em; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
figure { margin: .4rem 0 1.2rem; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .2rem; }
figcaption small { display: block; font-weight: 400; color: var(--muted); }
table.matrix { width: auto; min-width: 50%; }
table.matrix caption { text-align: left; font-size: .85rem; padding-bottom: .3rem; }
.keep { break-inside: avoid; page-break-inside: avoid; }
table.matrix td.cell { text-align: center; vertical-align: middle; min-width: 4.5em;
  font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
table.matrix th[scope=row] { background: var(--head); }
table.matrix .total { font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
footer { margin-top: 2.5rem; padding-top: .6rem; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: .85rem; }
@media (max-width: 760px) { .grid2 { grid-template-columns: 1fr; } main { padding: 16px; } }
@page { size: A4; margin: 15mm 13mm 16mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; margin-top: 1.2rem; break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  figure, .card, .cards, tr, .meta { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  table { font-size: 8.5pt; }
  .grid2 { grid-template-columns: 1fr 1fr; gap: 10px; }
}
"""


def _strip(label: str) -> Callable[[Any], Any]:
    """An xml filter: no comments (they carry pygal's web addresses), no script, an ARIA label."""

    def clean(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                tag = child.tag
                if callable(tag) or (isinstance(tag, str) and tag.endswith("script")):
                    parent.remove(child)
        root.set("role", "img")
        root.set("aria-label", label)
        return root

    return clean


def _chart(kind: type[Any], label: str, **config: Any) -> Any:
    base: dict[str, Any] = {
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 520,
        "height": 330,
        "margin": 12,
        "legend_at_bottom": True,
        "legend_box_size": 14,
        "show_x_guides": False,
        "truncate_legend": -1,
        "truncate_label": 28,
    }
    chart = kind(**{**base, **config})
    chart.add_xml_filter(_strip(label))
    return chart


def _svg(chart: Any) -> str:
    return str(chart.render(is_unicode=True))


def whole_number_ticks(top: int, most: int = 8) -> list[int]:
    """Axis ticks for counts: whole numbers from 0 past `top`, at most about `most` of them."""
    step = max(1, math.ceil(top / most))
    return list(range(0, max(top, 1) + step, step))


def time_series_charts(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(title, explanation, svg) for each chart of the distribution over time."""
    points = report["distribution"]
    labels = [fmt_date(p["at"]) for p in points]
    many = len(points) > 7
    common: dict[str, Any] = {
        "x_labels": labels,
        "x_label_rotation": 30 if len(points) > 4 else 0,
        "show_minor_x_labels": not many,
        "x_labels_major_count": 7 if many else None,
        "show_dots": len(points) <= 40,
        "dots_size": 2.5,
        "truncate_label": -1,
    }

    def series(field: str) -> list[float | None]:
        return [p[field] for p in points]

    hhi = _chart(
        pygal.Line,
        "HHI by holder and by organisation over time",
        range=(0, 10_000),
        value_formatter=lambda v: f"{v:,.0f}",
        **common,
    )
    hhi.add("HHI by holder", series("hhi_holders"))
    hhi.add("HHI by organisation", series("hhi_organisations"))

    spread = _chart(
        pygal.Line,
        "Gini and largest holder's share over time",
        range=(0, 1),
        value_formatter=lambda v: f"{v:.2f}",
        **common,
    )
    spread.add("Gini by holder", series("gini_holders"))
    spread.add("Largest holder's share", series("largest_holder_share"))

    counts = _chart(
        pygal.Line,
        "Holders, organisations and sectors over time",
        value_formatter=lambda v: f"{v:,.0f}",
        y_labels=whole_number_ticks(max((p["accountabilities"] for p in points), default=0)),
        **common,
    )
    counts.add("Holders", series("holders"))
    counts.add("Organisations", series("organisations"))
    counts.add("Sectors", series("sectors"))
    counts.add("Accountabilities", series("accountabilities"))

    sectors = sorted({s for p in points for s in p["sector_shares"]})
    stacked = _chart(
        pygal.StackedBar,
        "Sector shares over time",
        range=(0, 1),
        value_formatter=lambda v: f"{100 * v:.0f}%",
        **common,
    )
    for sector in sectors:
        stacked.add(words(sector), [p["sector_shares"].get(sector) for p in points])
    return [
        (
            "Concentration (HHI)",
            "Herfindahl-Hirschman index, 0-10,000: higher is more concentrated.",
            _svg(hhi),
        ),
        (
            "Inequality",
            "Gini by holder (0 = equal) and the largest holder's share of all accountabilities.",
            _svg(spread),
        ),
        (
            "Breadth",
            "How many holders, organisations and sectors hold active accountabilities.",
            _svg(counts),
        ),
        (
            "Sector shares",
            "Each sector's share of accountabilities held through organisations.",
            _svg(stacked) if sectors else "",
        ),
    ]


def bar_chart(label: str, rows: Sequence[tuple[str, int]]) -> str:
    shown = list(rows[:MAX_BARS])
    rest = sum(n for _, n in rows[MAX_BARS:])
    if rest:
        shown.append((f"{len(rows) - MAX_BARS} others", rest))
    chart = _chart(
        pygal.HorizontalBar,
        label,
        height=max(150, 50 + 28 * len(shown)),
        show_legend=False,
        print_values=True,
        print_values_position="top",
        value_formatter=lambda v: f"{v:,.0f}",
        x_labels=[name for name, _ in reversed(shown)],
        include_x_axis=True,
        min_scale=2,
        max_scale=6,
    )
    chart.add("Accountabilities", [n for _, n in reversed(shown)])
    return _svg(chart)


# ---------------------------------------------------------------- HTML pieces


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def html_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: int = 0, empty: str = "None."
) -> str:
    """A table whose last `numeric` columns are figures; cells are escaped unless `Markup`."""
    if not rows:
        return f'<p class="empty">{e(empty)}</p>'
    first_num = len(headers) - numeric

    def cls(i: int) -> str:
        return ' class="num"' if i >= first_num else ""

    head = "".join(f'<th scope="col"{cls(i)}>{e(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{_cell(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Markup(str):
    """HTML that is already safe."""


def _cell(value: Any) -> str:
    return value if isinstance(value, Markup) else e(value)


def org_cell(names: Names, ident: str) -> Markup:
    name = names.known(ident)
    if name:
        return Markup(f'{e(name)} <span class="id">{e(short_id(ident))}</span>')
    return Markup(f'<span class="id">{e(names.label(ident))}</span>')


def figure(title: str, note: str, svg: str) -> str:
    if not svg:
        return ""
    return f"<figure><figcaption>{e(title)}<small>{e(note)}</small></figcaption>{svg}</figure>"


def matrix(
    flows: list[Mapping[str, Any]],
    label: Callable[[str], Markup],
    caption: str,
    empty: str,
) -> str:
    """A heat-map table: one row per source, one column per target, shaded by count."""
    sources, targets, counts = flow_matrix(flows)
    if not counts:
        return f'<p class="empty">{e(empty)}</p>'
    top = max(counts.values())
    head = "".join(f'<th scope="col">{label(t)}</th>' for t in targets)
    rows = []
    for source in sources:
        cells = []
        for target in targets:
            n = counts.get((source, target), 0)
            if n:
                alpha = 0.15 + 0.75 * n / top
                ink = "#fff" if alpha > 0.5 else "#1b1b1b"
                cells.append(
                    f'<td class="cell" style="background:rgba(0,114,178,{alpha:.2f});'
                    f'color:{ink}">{n}</td>'
                )
            else:
                cells.append('<td class="cell"></td>')
        total = sum(counts.get((source, t), 0) for t in targets)
        rows.append(
            f'<tr><th scope="row">{label(source)}</th>{"".join(cells)}'
            f'<td class="cell total">{total}</td></tr>'
        )
    totals = "".join(
        f'<td class="cell total">{sum(counts.get((s, t), 0) for s in sources)}</td>'
        for t in targets
    )
    return (
        f'<table class="matrix"><caption class="muted">{e(caption)}</caption>'
        f'<thead><tr><th scope="col">From \\ To</th>{head}<th scope="col">Total</th></tr>'
        f"</thead><tbody>{''.join(rows)}"
        f'<tr><th scope="row">Total</th>{totals}<td class="cell total">{sum(counts.values())}'
        "</td></tr></tbody></table>"
    )


def render_html(
    report: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    generated_at: datetime | None = None,
) -> str:
    n = Names(report, names)
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
    scope = scope_text(report, n)
    title = f"Accountability report: {scope}"
    generated = fmt_time((generated_at or datetime.now(UTC)).replace(microsecond=0))
    parts: list[str] = []
    add = parts.append
    opened: list[str] = []

    def section(anchor: str) -> None:
        if opened:
            add("</section>")
        opened.append(anchor)
        add(f'<section id="{anchor}"><h2>{e(HEADINGS[anchor])}</h2>')

    add("<main>")
    add(f"<header><h1>{e(title)}</h1>")
    add('<dl class="meta">')
    for term, value in (
        ("Period", period_text(report)),
        ("As recorded at", known_as_text(report)),
        (
            "Time series",
            f"{INTERVAL_WORDS.get(report['interval'], report['interval'])}, "
            f"{len(report['distribution'])} points",
        ),
        ("Produced", generated),
    ):
        add(f"<dt>{e(term)}</dt><dd>{e(value)}</dd>")
    add("</dl>")
    add(
        '<p class="lead">Where responsibility sits, how it moved between people and '
        "organisations, and how widely it is spread. Definitions are in the notes at the end.</p>"
    )
    add(
        '<nav class="toc">'
        + "".join(f'<a href="#{a}">{e(h)}</a>' for a, h in SECTIONS)
        + "</nav></header>"
    )

    section("key-figures")
    add('<div class="cards">')
    for label, value in key_figures(report):
        add(
            f'<div class="card"><span class="value">{e(value)}</span>'
            f'<span class="label">{e(label)}</span></div>'
        )
    add("</div>")

    section("holdings")
    add(
        f"<p>Active accountabilities at {e(fmt_time(holdings['at']))}: <b>{fmt_int(total)}</b>.</p>"
    )
    by_org = [(n.label(r["organisation_id"]), r["count"]) for r in holdings["by_organisation"]]
    by_sector = [(words(r["sector"]), r["count"]) for r in holdings["by_sector"]]
    if total:
        add('<div class="grid2">')
        add(
            figure(
                "By organisation",
                "Active accountabilities at the end.",
                bar_chart("Active accountabilities by organisation", by_org),
            )
        )
        add(
            figure(
                "By sector",
                "Active accountabilities at the end.",
                bar_chart("Active accountabilities by sector", by_sector),
            )
        )
        add("</div>")
    add('<div class="grid2"><div>')
    add("<h3>By organisation</h3>")
    add(
        html_table(
            ("Organisation", "Accountabilities", "Share"),
            [
                (org_cell(n, r["organisation_id"]), r["count"], fmt_pct(share(r["count"], total)))
                for r in holdings["by_organisation"]
            ],
            2,
            "No active accountabilities.",
        )
    )
    add("</div><div>")
    add("<h3>By sector</h3>")
    add(
        html_table(
            ("Sector", "Accountabilities", "Share"),
            [(words(s), c, fmt_pct(share(c, total))) for s, c in by_sector],
            2,
            "No active accountabilities.",
        )
    )
    add("</div></div>")
    add('<div class="grid2"><div>')
    add("<h3>By kind of holder</h3>")
    add(
        html_table(
            ("Holder kind", "Accountabilities"),
            list(holdings["by_holder_kind"].items()),
            1,
            "No active accountabilities.",
        )
    )
    add("</div><div>")
    add("<h3>Largest holders</h3>")
    add(
        html_table(
            ("Holder", "Accountabilities"),
            [
                (n.holder(r["holder_kind"], r["holder_id"]), r["count"])
                for r in holdings["by_holder"][:10]
            ],
            1,
            "No active accountabilities.",
        )
    )
    add("</div></div>")

    section("distribution")
    end = end_point(report)
    add(
        f"<p>At the end of the period, HHI by holder was <b>{fmt_int(end.get('hhi_holders'))}</b>"
        f" and by organisation <b>{fmt_int(end.get('hhi_organisations'))}</b> (0-10,000); "
        f"Gini by holder was <b>{fmt_num(end.get('gini_holders'))}</b>.</p>"
    )
    charts = time_series_charts(report)
    add('<div class="grid2">')
    for chart_title, note, svg in charts:
        add(figure(chart_title, note, svg))
    add("</div>")
    add("<h3>Sector shares</h3>")
    add(
        html_table(
            ("Sector", "At the start", "At the end"),
            [(words(s), fmt_pct(a, 1), fmt_pct(b, 1)) for s, a, b in sector_shares_table(report)],
            2,
            "No accountabilities held through organisations.",
        )
    )
    add("<h3>Figures at each point</h3>")
    add(
        html_table(
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
                    Markup(f'<span class="nowrap">{e(fmt_date(p["at"]))}</span>'),
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

    section("handovers")
    add(
        html_table(
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
    add('<div class="keep"><h3>Flows between organisations</h3>')
    add(
        matrix(
            handovers["flows_between_organisations"],
            lambda ident: org_cell(n, ident),
            "Accepted handovers in the period: rows give the organisation of the holder "
            "handing over, columns the organisation taking over.",
            "No accepted handover moved responsibility between organisations in the period.",
        )
    )
    add('</div><div class="keep"><h3>Flows between sectors</h3>')
    add(
        matrix(
            handovers["flows_between_sectors"],
            lambda code: Markup(e(words(code))),
            "Accepted handovers in the period, by the sector of each organisation.",
            "No accepted handover moved responsibility between sectors in the period.",
        )
    )
    add("</div>")
    add(f"<h3>Offers pending longer than {e(handovers['pending_days'])} days</h3>")
    add(
        html_table(
            ("Accountability", "Offered to", "Offered"),
            [
                (
                    Markup(f'<span class="id">{e(short_id(p["accountability_id"]))}</span>'),
                    n.holder(p["to"]["kind"], p["to"]["id"]),
                    fmt_time(p["offered_at"]),
                )
                for p in handovers["pending_longer"]
            ],
        )
    )

    section("holding-on")
    add(
        f"<h3>Holders of {e(holding_on['threshold'])} or more accountabilities who have never "
        "offered one on</h3>"
    )
    add(
        html_table(
            ("Holder", "Accountabilities"),
            [
                (n.holder(r["holder_kind"], r["holder_id"]), r["count"])
                for r in holding_on["holders_never_handing_over"]
            ],
            1,
        )
    )
    add(f"<h3>Unchanged for more than {e(holding_on['unchanged_days'])} days</h3>")
    add(
        html_table(
            ("Accountability", "Holder", "Since"),
            [
                (
                    a["title"],
                    n.holder(a["holder"]["kind"], a["holder"]["id"]),
                    fmt_time(a["since"]),
                )
                for a in holding_on["unchanged_longer"]
            ],
        )
    )

    section("decisions")
    add('<div class="grid2"><div>')
    add("<h3>Summary</h3>")
    add(
        html_table(
            ("Figure", "Value"),
            decision_figures(decisions),
            1,
        )
    )
    add("</div><div>")
    add("<h3>By method</h3>")
    add(
        html_table(
            ("Method", "Decisions"),
            [(words(k), v) for k, v in decisions["by_method"].items()],
            1,
            "No decisions agreed in the period.",
        )
    )
    add("</div></div>")
    add("<h3>Past their review date</h3>")
    add(
        html_table(
            ("Decision", "Review date"),
            [(d["title"], d["review_date"]) for d in decisions["past_review_date"]],
        )
    )

    section("conflicts")
    add('<div class="grid2"><div>')
    add("<h3>Summary</h3>")
    add(
        html_table(
            ("Figure", "Value"),
            conflict_figures(conflicts),
            1,
        )
    )
    add("</div><div>")
    add("<h3>Open at the end, by age</h3>")
    add(
        html_table(
            ("Age", "Conflicts"),
            [(AGE_LABELS.get(k, words(k)), v) for k, v in conflicts["open_by_age"].items()],
            1,
        )
    )
    add("</div></div>")

    section("principles")
    add(
        f"<p>Agreed: <b>{principles['agreed']}</b>; amended: <b>{principles['amended']}</b>; "
        f"retired: <b>{principles['retired']}</b>.</p>"
    )
    add(
        html_table(
            ("Principle", "Cited by decisions", "Endorsers", "Objectors"),
            [
                (p["statement"], p["cited_by_decisions"], p["endorsers"], p["objectors"])
                for p in principles["principles"]
            ],
            3,
            "No principles.",
        )
    )

    section("notes")
    add("<ul>" + "".join(f"<li>{e(note)}</li>" for note in NOTES) + "</ul>")
    add("</section>")
    add(
        f"<footer>Produced by <code>accord report</code> on {e(generated)} from ledger position "
        f"{e(report['position'])}.</footer>"
    )
    add("</main>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
