"""What every section of the benchmark shares: where results go, settings, formats, and
running one section on its own."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
PERFORMANCE = ROOT / "docs" / "performance.md"
EVENTS_TABLE = "ledger_events"  # the library's table for the application named "Ledger"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def fmt_ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run_alone(key: str, measure: Callable[[str, int], dict[str, Any]]) -> int:
    """A section on its own (`python -m bench.<module>`): measured with BENCH_RUNS runs and
    put under `key` in bench/results.json, beside what an earlier run left there."""
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    result = measure(url, env_int("BENCH_RUNS", 3))
    document = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"machine": machine()}
    document[key] = jsonable(result)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f'Wrote {RESULTS.relative_to(ROOT)} ("{key}").')
    return 0
