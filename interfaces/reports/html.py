"""The report as ONE self-contained HTML file: inline SVG charts (pygal), inline CSS, no scripts.

The page is the template templates/report.html (with its macros and stylesheet), rendered
with autoescape from the report's section model; nothing is fetched when it is opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from interfaces.reports.charts import bar_chart, time_series_charts
from interfaces.reports.common import fmt_time
from interfaces.reports.figures import HEADINGS, SECTIONS
from interfaces.reports.model import Day, Ident, Org, Paper, build


def _escaped(value: Any) -> Any:
    """Every value escaped as html.escape does (autoescape would spell quotes differently):
    markup, such as a macro's output, is left as it is."""
    return value if hasattr(value, "__html__") else Markup(escape(str(value), quote=True))


ENVIRONMENT = Environment(
    loader=PackageLoader("interfaces.reports", "templates"),
    autoescape=True,
    finalize=_escaped,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENVIRONMENT.tests.update(
    org=lambda value: isinstance(value, Org),
    ident=lambda value: isinstance(value, Ident),
    day=lambda value: isinstance(value, Day),
)


def holding_charts(paper: Paper) -> list[tuple[str, str, str]]:
    """(title, explanation, svg) of the bar charts of where responsibility sits."""
    h = paper.holdings
    if not h.any:
        return []
    return [
        (
            "By organisation",
            "Active accountabilities at the end.",
            bar_chart("Active accountabilities by organisation", h.bars_by_organisation),
        ),
        (
            "By sector",
            "Active accountabilities at the end.",
            bar_chart("Active accountabilities by sector", h.bars_by_sector),
        ),
    ]


def _sections(paper: Paper) -> list[tuple[str, str]]:
    """The contents: the breakdown by group only when there is one, under its own heading."""
    return [
        (anchor, paper.by_group_heading if anchor == "by-group" else heading)
        for anchor, heading in SECTIONS
        if anchor != "by-group" or paper.by_group is not None
    ]


def render_html(
    report: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    generated_at: datetime | None = None,
) -> str:
    paper = build(report, names)
    return ENVIRONMENT.get_template("report.html").render(
        p=paper,
        title=f"Accountability report: {paper.scope}",
        generated=fmt_time((generated_at or datetime.now(UTC)).replace(microsecond=0)),
        sections=_sections(paper),
        headings={**HEADINGS, "by-group": paper.by_group_heading},
        holding_charts=holding_charts(paper),
        charts=time_series_charts(paper.distribution.series),
    )
