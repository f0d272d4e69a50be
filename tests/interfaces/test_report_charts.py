"""The report's concentration charts: axes that fit the data, so that a change shows."""

from __future__ import annotations

import re
from typing import Any

import pytest

from interfaces.reports.charts import axis_range, time_series_charts


@pytest.mark.parametrize(
    ("values", "ceiling", "expected"),
    [
        ([0.31, 0.34, 0.32], 1, (0.3, 0.35)),
        ([2244.9, 5200.0], 10_000, (2000.0, 6000.0)),
        ([0.1714, 0.2857], 1, (0.15, 0.3)),
        ([0.0, 1.0], 1, (0.0, 1.0)),  # the full scale when the data spans it
        ([1.0, 1.0], 1, (0.95, 1.0)),  # never beyond the scale
        ([0, 0], 1, (0.0, 0.05)),  # never below zero
        ([None], 1, (0.0, 1.0)),  # no data: the full scale
    ],
)
def test_an_axis_fits_the_data_within_the_scale_with_round_bounds(values, ceiling, expected):
    low, high, labels = axis_range(values, ceiling)
    assert (low, high) == expected
    assert labels[0] == low and labels[-1] == high  # both bounds, the baseline too, labelled
    assert len(labels) >= 3 or values == [None]
    known = [v for v in values if v is not None]
    assert all(low <= v <= high for v in known)


def test_a_change_from_0_31_to_0_34_takes_more_than_half_the_height_of_its_chart():
    low, high, _ = axis_range([0.31, 0.34], 1)
    assert (0.34 - 0.31) / (high - low) > 0.5


def point(gini: float, share: float, hhi: float) -> dict[str, Any]:
    return {
        "at": "2024-01-01T00:00:00+00:00",
        "accountabilities": 7,
        "holders": 5,
        "organisations": 2,
        "sectors": 2,
        "largest_holder_share": share,
        "hhi_holders": hhi,
        "hhi_organisations": hhi + 100,
        "gini_holders": gini,
        "sector_shares": {"vcse": 1.0},
    }


def test_the_concentration_charts_say_where_their_axis_starts_when_it_is_not_zero():
    charts = {
        title: (note, svg)
        for title, note, svg in time_series_charts(
            [point(0.31, 0.32, 2244.9), point(0.34, 0.33, 2400.0)]
        )
    }
    note, svg = charts["Concentration (HHI)"]
    assert note.endswith("The axis runs from 2,000 to 3,000, not from 0.")
    labels = re.findall(r'class="axis y[^"]*".*', svg, re.S)
    assert labels and "2,000" in labels[0] and "10,000" not in labels[0]
    note, svg = charts["Inequality"]
    assert note.endswith("The axis runs from 0.30 to 0.35, not from 0.")
    # A chart whose data starts at zero says nothing more.
    whole = {t: n for t, n, _ in time_series_charts([point(0.0, 1.0, 10_000.0)])}
    assert whole["Inequality"].endswith("all accountabilities.")
