"""The report as CSV: one file per table, written into a directory."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from interfaces.reports.common import Names
from interfaces.reports.tables import tables

# Text a spreadsheet would run as a formula starts with one of these (names and titles are
# anyone's text): such a cell is written with a leading apostrophe, as text.
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value


def write_csv(
    report: Mapping[str, Any], directory: Path, names: Mapping[str, str] | None = None
) -> list[Path]:
    """Write `<table>.csv` for every table of the report into `directory`; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables(report, Names(report, names)):
        path = directory / f"{table.name}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(table.headers)
            writer.writerows([cell(v) for v in row] for row in table.rows)
        written.append(path)
    return written


def csv_table(report: Mapping[str, Any], name: str, names: Mapping[str, str] | None = None) -> str:
    """One table of the report as CSV text (`name` is one of tables.TABLE_NAMES)."""
    table = next(t for t in tables(report, Names(report, names)) if t.name == name)
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(table.headers)
    writer.writerows([cell(v) for v in row] for row in table.rows)
    return stream.getvalue()
