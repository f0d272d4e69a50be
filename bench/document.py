"""The summary table of `make bench` and `docs/performance.md`, from the sections' rows.

Each section returns, beside its raw figures, a "table": rows of already formatted cells
{"figure", "value", "baseline", "baseline_value", "ratio", "target", "met"}, where `met`
is True, False, or None when the row has no target of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COLUMNS = (
    ("figure", "figure"),
    ("value", "value"),
    ("baseline", "baseline (same run)"),
    ("baseline_value", "value"),
    ("ratio", "ratio"),
    ("target", "target"),
    ("met", "met"),
)

# Section key, title, and what the section shows (for docs/performance.md).
SECTIONS = (
    (
        "recording",
        "Recording over HTTP",
        "Real commands over HTTP with wrk (1, 8 and 32 connections; 1 and 2 API processes) "
        "beside a bare endpoint of the same server (the HTTP limit) and raw single-row "
        "inserts (the database limit); SQLite beside raw sqlite3.",
    ),
    (
        "import",
        "Bulk import",
        "`accord import` of an `accord export` file into an empty ledger, beside a raw COPY "
        "(PostgreSQL) or executemany (SQLite) of the same rows into a table of the same shape.",
    ),
    (
        "throughput",
        "Read-model rebuild and verification",
        "`accord project --rebuild` and `accord verify` on one ledger, beside a raw keyset "
        "scan of its events table in the same run.",
    ),
    (
        "scale",
        "Reads as the ledger grows",
        "As-of group state, a timeline page and the accountability report over HTTP on "
        "ledgers of growing size, beside `GET /health`, a raw primary-key SELECT or a raw "
        "scan measured in the same run.",
    ),
)


def met_cell(value: Any) -> str:
    return "yes" if value is True else "NO" if value is False else ""


def cells(row: dict[str, Any]) -> list[str]:
    return [met_cell(row.get("met")) if k == "met" else str(row.get(k, "")) for k, _ in COLUMNS]


def text_table(rows: list[dict[str, Any]]) -> list[str]:
    """Fixed-width lines for the terminal."""
    header = [title for _, title in COLUMNS]
    body = [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(COLUMNS))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    return lines


def markdown_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |"]
    lines.append("|" + "|".join("---" for _ in COLUMNS) + "|")
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |")
    return lines


def all_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for key, _, _ in SECTIONS for row in document.get(key, {}).get("table", [])]


def markdown(document: dict[str, Any], command: str) -> str:
    """docs/performance.md: method, machine and the latest figures."""
    machine = document.get("machine", {})
    rows = all_rows(document)
    targets = [r for r in rows if r.get("met") is not None]
    met = sum(1 for r in targets if r["met"])
    lines = [
        "# Performance",
        "",
        f"The latest figures of `{command}`, run from {document.get('started_at', '?')} to "
        f"{document.get('finished_at', '?')}. The raw figures of every run are in "
        "`bench/results.json`; where a target is not met, "
        "[where-the-time-goes.md](where-the-time-goes.md) shows where the time goes.",
        "",
        "## Method",
        "",
        "Every figure is printed beside a baseline measured in the same run, on the same "
        "machine, because the machines this runs on are shared and noisy: the ratio is what "
        "counts, not the absolute number. Each cell is the median over the runs, with the "
        "range across runs in brackets; a ratio is taken within each run. The targets are "
        "the project's: recording at 32 connections at least half the bare endpoint's rate "
        "with at most twice its p99; import, rebuild and verify at least half their raw "
        "baseline's rate; on a 1,000,000-event ledger as-of state and timeline p99 under "
        "20 ms, flat from 10,000 events, and a report under half a second.",
        "",
    ]
    for key, title, about in SECTIONS:
        section = document.get(key)
        if not section:
            continue
        lines += [f"- **{title}.** {about}"]
        method = section.get("method")
        if isinstance(method, str):
            lines += [f"  {method}"]
    lines += [
        "",
        "## Machine",
        "",
        f"- {machine.get('cpus', '?')} CPUs, Python {machine.get('python', '?')}, "
        f"PostgreSQL {machine.get('postgres', '?')}, {machine.get('platform', '?')}",
        "- load average at the start: "
        + " ".join(f"{x:.2f}" for x in machine.get("loadavg", ()))
        + " (1, 5 and 15 minutes)",
        "",
        "## Figures",
        "",
        f"{met} of {len(targets)} targets met in this run.",
        "",
    ]
    for key, title, _ in SECTIONS:
        section = document.get(key)
        if not section or not section.get("table"):
            continue
        lines += [f"### {title}", "", *markdown_table(section["table"]), ""]
        for note in section.get("notes", []):
            lines += [f"- {note}"]
        if section.get("notes"):
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write(document: dict[str, Any], path: Path, command: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(document, command))


def main() -> None:
    """Write docs/performance.md again from bench/results.json (e.g. after editing this)."""
    root = Path(__file__).resolve().parent.parent
    document = json.loads((root / "bench" / "results.json").read_text())
    write(document, root / "docs" / "performance.md", "make bench-record")


if __name__ == "__main__":
    main()
