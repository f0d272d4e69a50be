"""The pages section of `make bench`, run for real at a tiny size: the console's pages are
signed in to, fetched beside their JSON twins and judged against the 2x target."""

from __future__ import annotations

from typing import Any

import pytest

from bench import pages as console_pages
from bench import scale

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_the_pages_section_measures_each_page_beside_its_json_twin(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "BENCH_SCALE_REQUESTS": "5",
        "BENCH_SCALE_REPORTS": "3",
        "BENCH_SCALE_BUDGET": "1",
        "BENCH_PAGES_REQUESTS": "8",
        "BENCH_PAGES_REPORTS": "3",
    }.items():
        monkeypatch.setenv(name, value)
    found: dict[str, Any] = scale.section(postgres_url, 1, [3000], pages=True)
    rows = {r["figure"]: r for r in found["table"]}
    for kind in console_pages.KINDS:
        page_label, twin_label = console_pages.LABELS[kind]
        row = rows[f"3,000 ev: {page_label} p99"]
        assert row["baseline"] == f"{twin_label} p99"
        assert row["target"] == "ratio <= 2x"
        assert row["met"] in (True, False)  # judged: the only (so the largest) size
        run = found["sizes"][0]["runs"][0]["pages"]
        assert run[f"{kind}.page"]["n"] == (3 if kind == "report" else 8)
        assert run[f"{kind}.json"]["n"] == run[f"{kind}.page"]["n"]
        assert run[f"{kind}.page"]["p99"] > 0 and run[f"{kind}.json"]["p99"] > 0
    assert "pages p99 (JSON twin p99): group" in capsys.readouterr().out
