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
# The recorded figures, tracked: rewritten only when asked (BENCH_RECORD=1, `make bench-record`).
RECORDED_RESULTS = Path(__file__).resolve().parent / "results.json"
RECORDED_PERFORMANCE = ROOT / "docs" / "performance.md"
# Where an ordinary run writes (not tracked).
SCRATCH = ROOT / "var" / "bench"


def recording() -> bool:
    """Whether this run rewrites the tracked figures (BENCH_RECORD=1)."""
    return os.environ.get("BENCH_RECORD", "").strip() == "1"


def results_path() -> Path:
    return RECORDED_RESULTS if recording() else SCRATCH / "results.json"


def performance_path() -> Path:
    return RECORDED_PERFORMANCE if recording() else SCRATCH / "performance.md"


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


EVENTS_TABLE = "ledger_events"  # the library's table for the application named "Ledger"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_text(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


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
    put under `key` in the results file (bench/results.json with BENCH_RECORD=1, otherwise
    var/bench/results.json), beside what an earlier run left there."""
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    result = measure(url, env_int("BENCH_RUNS", 3))
    results = results_path()
    results.parent.mkdir(parents=True, exist_ok=True)
    document = json.loads(results.read_text()) if results.exists() else {"machine": machine()}
    document[key] = jsonable(result)
    results.write_text(json.dumps(document, indent=2) + "\n")
    print(f'Wrote {shown(results)} ("{key}").')
    return 0
