"""Small statistics: percentiles of samples, and the median and spread of per-run figures."""

from __future__ import annotations

import math
import statistics
from typing import Any


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def latency(samples_ns: list[int]) -> dict[str, Any]:
    """Milliseconds: p50 (median), p90, p99, mean, min, max, over n samples."""
    ms = [s / 1e6 for s in samples_ns]
    return {
        "n": len(ms),
        "p50": statistics.median(ms),
        "p90": percentile(ms, 90),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms),
        "min": min(ms),
        "max": max(ms),
    }


def spread(values: list[float]) -> dict[str, float]:
    """The median of per-run values and their range across runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
