"""The report's charts as inline SVG (pygal), with nothing fetched when they are shown.

pygal's tooltip script (loaded from the web by default) is turned off, and the comments
and the configuration script it writes into each SVG are stripped, so the only URLs left
are the SVG's XML namespace names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pygal
from pygal.style import Style

from interfaces.reports.common import fmt_date, words

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


def _strip(label: str) -> Callable[[Any], Any]:
    """An xml filter: no comments (they carry pygal's web addresses), no script, an ARIA label."""

    def clean(root: Any) -> Any:
        for parent in list(root.iter()):
            for child in list(parent):
                tag = child.tag
                if callable(tag) or (isinstance(tag, str) and tag.endswith("script")):
                    parent.remove(child)
            # Only the empty tooltip carries one; a page's policy would refuse it.
            parent.attrib.pop("style", None)
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


def nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about four steps over `span`."""
    rough = span / 4
    power = 10 ** math.floor(math.log10(rough))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= rough))


def axis_range(values: Sequence[float | None], ceiling: float) -> tuple[float, float, list[float]]:
    """(low, high, labels) of a y axis that fits the data within [0, ceiling], so that a change
    from 0.31 to 0.34 shows: round bounds just beyond the values, every step labelled (the
    lowest is the baseline). The window is at least a tenth of the full scale, so that a
    flat line stays flat rather than magnified noise."""
    known = [float(v) for v in values if v is not None]
    if not known:
        return 0.0, ceiling, [0.0, ceiling]
    top, bottom = max(known), min(known)
    step = nice_step(max(top - bottom, ceiling / 10))
    low = round(math.floor(bottom / step) * step, 10)
    if low >= bottom > 0:
        low -= step
    high = round(math.ceil(top / step) * step, 10)
    if high <= top < ceiling:
        high += step
    low, high = max(0.0, round(low, 10)), min(ceiling, round(high, 10))
    count = round((high - low) / step)
    if count < 3:  # too few labels to read a value off: label finer, still round, steps
        mantissa = round(step / 10 ** math.floor(math.log10(step)))
        divisor = 2 if mantissa == 2 else 5
        step, count = step / divisor, count * divisor
    return low, high, [round(low + i * step, 10) for i in range(count + 1)]


def axis_note(low: float, high: float, fmt: Callable[[float], str]) -> str:
    """Words for an axis that does not start at zero, so that the scale is not misread."""
    return "" if low == 0 else f" The axis runs from {fmt(low)} to {fmt(high)}, not from 0."


def time_series_charts(points: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(title, explanation, svg) for each chart of the distribution over time."""
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

    def hhi_format(v: float) -> str:
        return f"{v:,.0f}"

    def share_format(v: float) -> str:
        return f"{v:.2f}"

    # The concentration charts' axes fit the data: on a fixed 0-10,000 or 0-1 scale, the
    # changes a board is asked to notice are too small to see.
    hhi_low, hhi_high, hhi_labels = axis_range(
        series("hhi_holders") + series("hhi_organisations"), 10_000
    )
    hhi = _chart(
        pygal.Line,
        "HHI by holder and by organisation over time",
        range=(hhi_low, hhi_high),
        y_labels=hhi_labels,
        value_formatter=hhi_format,
        **common,
    )
    hhi.add("HHI by holder", series("hhi_holders"))
    hhi.add("HHI by organisation", series("hhi_organisations"))

    spread_low, spread_high, spread_labels = axis_range(
        series("gini_holders") + series("largest_holder_share"), 1
    )
    spread = _chart(
        pygal.Line,
        "Gini and largest holder's share over time",
        range=(spread_low, spread_high),
        y_labels=spread_labels,
        value_formatter=share_format,
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
            "Herfindahl-Hirschman index, 0-10,000: higher is more concentrated."
            + axis_note(hhi_low, hhi_high, hhi_format),
            _svg(hhi),
        ),
        (
            "Inequality",
            "Gini by holder (0 = equal) and the largest holder's share of all accountabilities."
            + axis_note(spread_low, spread_high, share_format),
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
