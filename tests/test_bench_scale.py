"""The scale benchmark's verdict on growth: judged within each run, against the floor
measured interleaved with the figure, not across runs minutes apart."""

from __future__ import annotations

from typing import Any

from bench.scale import growth_rows


def summary(
    state: float, timeline: float, health: float, within: dict[str, float]
) -> dict[str, Any]:
    figures = {
        "state.p99_ms": state,
        "timeline.p99_ms": timeline,
        "health.p99_ms": health,
        "report.group.p99_ms": 100.0,
        "report.ledger.p99_ms": 1000.0,
        "state.p99/health.p99": within["state"],
        "timeline.p99/health.p99": within["timeline"],
    }
    return {name: {"median": value} for name, value in figures.items()}


def verdicts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {r["figure"].split(": ")[1]: r["met"] for r in rows}


def test_growth_is_judged_on_each_runs_own_ratio_to_its_floor() -> None:
    small = summary(5.0, 4.0, 2.0, {"state": 2.5, "timeline": 2.0})
    # The floor fell between the sizes' runs (0.5x): across runs the state grew 2.4x beyond
    # it, but within each run its ratio to the floor grew 1.2x; the timeline's grew 1.75x.
    large = summary(6.0, 5.0, 1.0, {"state": 3.0, "timeline": 3.5})
    rows = growth_rows((10_000, small), (1_000_000, large))
    met = verdicts(rows)
    assert met["as-of group state p99"] is True
    assert met["timeline page p99"] is False
    assert met["one group's report p99"] is None  # shown, not judged
    state = next(r for r in rows if "state" in r["figure"])
    assert state["ratio"] == "1.20x (across runs 2.40x)"
    assert state["value"] == "1.20x" and state["baseline_value"] == "0.50x"


def test_an_ordinary_bench_run_leaves_the_tracked_figures_alone(monkeypatch) -> None:
    from bench import common

    monkeypatch.delenv("BENCH_RECORD", raising=False)
    assert common.results_path() == common.ROOT / "var" / "bench" / "results.json"
    assert common.performance_path() == common.ROOT / "var" / "bench" / "performance.md"
    monkeypatch.setenv("BENCH_RECORD", "1")
    assert common.results_path() == common.ROOT / "bench" / "results.json"
    assert common.performance_path() == common.ROOT / "docs" / "performance.md"
