"""The recording benchmark's summary: its table rows (each figure beside its baseline) and the
runs with failed requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.common import fmt_ms
from bench.stats import spread
from bench.wrk import KINDS

RATE_TARGET = 0.5  # recording >= 0.5 x the bare endpoint's rate (PostgreSQL, 32 connections)
P99_TARGET = 2.0  # recording p99 <= 2 x the bare endpoint's p99 (idem)
SQLITE_TARGET = 0.5  # SQLite recording >= 0.5 x raw sqlite3 single-row inserts
LABELS = {
    "health": "GET /health",
    "decision": "record an agreed decision",
    "handover": "offer/accept a handover",
}


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def cell(values: list[float], fmt: Callable[[float], str], unit: str = "") -> str:
    """The median of runs, then (with several runs) their range."""
    s = spread(values)
    if s["min"] == s["max"]:
        return f"{fmt(s['median'])}{unit}"
    return f"{fmt(s['median'])}{unit} ({fmt(s['min'])}-{fmt(s['max'])})"


@dataclass
class Row:
    figure: str
    values: list[float]
    baseline: str
    baselines: list[float]
    ratios: list[float]
    fmt: Callable[[float], str]
    unit: str
    target: str = ""
    met: Callable[[float], bool] | None = None
    errors: int = 0  # runs of the figure with errors

    def as_dict(self) -> dict[str, Any]:
        value = cell(self.values, self.fmt, self.unit)
        if self.errors:
            value += f" ERRORS in {self.errors}/{len(self.values)} run(s)"
        met = None
        if self.met is not None:
            met = self.met(spread(self.ratios)["median"]) and not self.errors
        return {
            "figure": self.figure,
            "value": value,
            "baseline": self.baseline,
            "baseline_value": cell(self.baselines, self.fmt, self.unit),
            "ratio": cell(self.ratios, fmt_ratio),
            "target": self.target,
            "met": met,
        }


def http_rows(
    runs: list[dict[str, Any]],
    where: str,
    get: Callable[[dict[str, Any]], dict[str, Any]],
    raw: Callable[[dict[str, Any]], dict[str, Any]] | None,
    raw_label: str,
    targeted: bool,
) -> list[Row]:
    """The rows of one server set-up at one concurrency: each command beside /health (rate,
    p50, p99) and beside the raw inserts (rate)."""
    rows: list[Row] = []
    health = [get(run)["health"] for run in runs]
    for kind in ("decision", "handover"):
        figure = [get(run)[kind] for run in runs]
        errors = sum(1 for f in figure if f["errors"])
        label = f"{where}: {LABELS[kind]}"
        rate = Row(
            f"{label}, req/s",
            [f["rate"] for f in figure],
            f"{LABELS['health']} (HTTP limit), req/s",
            [h["rate"] for h in health],
            [f["rate"] / h["rate"] for f, h in zip(figure, health, strict=True)],
            fmt_rate,
            "",
            errors=errors,
        )
        if targeted:
            rate.target = f">= {RATE_TARGET:g}x"
            rate.met = lambda ratio: ratio >= RATE_TARGET
        rows.append(rate)
        if raw is not None:
            limits = [raw(run) for run in runs]
            rows.append(
                Row(
                    f"{label}, req/s",
                    [f["rate"] for f in figure],
                    f"{raw_label} (DB limit), rows/s",
                    [r["rate"] for r in limits],
                    [f["rate"] / r["rate"] for f, r in zip(figure, limits, strict=True)],
                    fmt_rate,
                    "",
                    errors=errors,
                )
            )
        for q in ("p50", "p99"):
            row = Row(
                f"{label}, {q}",
                [f[q] for f in figure],
                f"{LABELS['health']} (HTTP limit), {q}",
                [h[q] for h in health],
                [
                    f[q] / h[q] if h[q] else float("inf")
                    for f, h in zip(figure, health, strict=True)
                ],
                fmt_ms,
                " ms",
                errors=errors,
            )
            if targeted and q == "p99":
                row.target = f"<= {P99_TARGET:g}x"
                row.met = lambda ratio: ratio <= P99_TARGET
            rows.append(row)
    return rows


def at(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A getter of one run's figures at the path `keys`."""

    def get(run: dict[str, Any]) -> dict[str, Any]:
        value = run
        for key in keys:
            value = value[key]
        return value

    return get


def table_rows(
    runs: list[dict[str, Any]], workers: list[int], connections: list[int], sqlite: list[int]
) -> list[Row]:
    rows: list[Row] = []
    top = max(connections)
    for count in workers:
        for c in connections:
            rows += http_rows(
                runs,
                f"PostgreSQL, {count} worker(s), {c} conn.",
                at("postgres", f"workers_{count}", str(c)),
                at("postgres", "raw", str(c)),
                f"raw psycopg INSERT, {c} conn.",
                targeted=c == top,
            )
    in_process = [run["sqlite"]["in_process"] for run in runs]
    commands = [p["command"] for p in in_process]
    raws = [p["raw"] for p in in_process]
    rows.append(
        Row(
            "SQLite, in-process: ledger.decisions.record_decision, commands/s",
            [p["rate"] for p in commands],
            "raw sqlite3 INSERT, 1 conn. (DB limit), rows/s",
            [r["rate"] for r in raws],
            [p["rate"] / r["rate"] for p, r in zip(commands, raws, strict=True)],
            fmt_rate,
            "",
            target=f">= {SQLITE_TARGET:g}x",
            met=lambda ratio: ratio >= SQLITE_TARGET,
        )
    )
    for q in ("p50", "p99"):
        rows.append(
            Row(
                f"SQLite, in-process: ledger.decisions.record_decision, {q}",
                [p[q] for p in commands],
                f"raw sqlite3 INSERT, 1 conn., {q}",
                [r[q] for r in raws],
                [p[q] / r[q] for p, r in zip(commands, raws, strict=True)],
                fmt_ms,
                " ms",
            )
        )
    for c in sqlite:
        rows += http_rows(
            runs,
            f"SQLite, 1 worker, {c} conn.",
            at("sqlite", "http", str(c)),
            at("sqlite", "in_process", "raw") if c == 1 else None,
            "raw sqlite3 INSERT, 1 conn.",
            targeted=False,
        )
    return rows


def flagged(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every wrk measurement with a non-2xx response or a socket error."""
    found = []

    def look(run: int, where: str, figures: dict[str, Any]) -> None:
        for kind in KINDS:
            f = figures[kind]
            if f["errors"]:
                found.append(
                    {
                        "run": run + 1,
                        "where": where,
                        "kind": kind,
                        "requests": f["requests"],
                        "statuses": f["statuses"],
                        "socket_errors": f["socket_errors"],
                        "bodies": f.get("error_bodies", {}),
                    }
                )

    for index, run in enumerate(runs):
        for name, value in run["postgres"].items():
            if name.startswith("workers_"):
                for c, figures in value.items():
                    look(
                        index,
                        f"PostgreSQL, {name.removeprefix('workers_')} worker(s), {c} conn.",
                        figures,
                    )
        for c, figures in run["sqlite"]["http"].items():
            look(index, f"SQLite, 1 worker, {c} conn.", figures)
    return found
