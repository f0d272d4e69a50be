"""The report as ONE self-contained HTML file: inline SVG charts (pygal), inline CSS, no scripts.

The page is the template templates/report.html (with its macros and stylesheet), rendered
with autoescape from the report's section model; nothing is fetched when it is opened.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape, unescape
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


def _context(paper: Paper) -> dict[str, Any]:
    """What the sections of the report need (templates/sections.html)."""
    return {
        "p": paper,
        "headings": {**HEADINGS, "by-group": paper.by_group_heading},
        "holding_charts": holding_charts(paper),
        "charts": time_series_charts(paper.distribution.series),
    }


def render_html(
    report: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    generated_at: datetime | None = None,
) -> str:
    paper = build(report, names)
    return ENVIRONMENT.get_template("report.html").render(
        title=f"Accountability report: {paper.scope}",
        generated=fmt_time((generated_at or datetime.now(UTC)).replace(microsecond=0)),
        sections=_sections(paper),
        **_context(paper),
    )


@dataclass(frozen=True)
class Sections:
    """The report's sections as a fragment of a page, and the contents of the style elements
    its charts carry, which a page's Content-Security-Policy must allow by their hashes."""

    html: Markup
    contents: list[tuple[str, str]]
    styles: list[str]


def render_sections(report: Mapping[str, Any], names: Mapping[str, str] | None = None) -> Sections:
    paper = build(report, names)
    html = ENVIRONMENT.get_template("sections.html").render(**_context(paper))
    return Sections(Markup(html), _sections(paper), STYLE_ELEMENT.findall(html))


# A chart's style element (pygal writes exactly this opening tag).
STYLE_ELEMENT = re.compile(r'<style type="text/css">(.*?)</style>', re.DOTALL)


def style_hashes(styles: Sequence[str]) -> list[str]:
    """CSP source expressions allowing exactly these style elements' contents. Inside an
    SVG a browser reads a style element's character references (`&gt;`), so the hash is of
    the text it reads."""
    return sorted({f"'sha256-{_digest(unescape(s))}'" for s in styles})


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
