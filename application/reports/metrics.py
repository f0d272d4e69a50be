"""The figures of a report, as pure functions; docs/metrics.md defines each one."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence


def shares(counts: Counter[str]) -> dict[str, float]:
    """Each holder's share of the total, 0..1 (empty when nothing is held)."""
    total = sum(counts.values())
    return {k: v / total for k, v in sorted(counts.items())} if total else {}


def largest_share(counts: Counter[str]) -> float:
    """The share held by the holder with the most; 0 when nothing is held."""
    total = sum(counts.values())
    return max(counts.values()) / total if total else 0.0


def hhi(counts: Counter[str]) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale: sum of squared percentage shares."""
    return float(sum((100.0 * s) ** 2 for s in shares(counts).values()))


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of the holdings (0 = equal; towards 1 = concentrated); 0 if < 2 holders."""
    xs = sorted(v for v in values if v >= 0)
    n, total = len(xs), sum(xs)
    if n < 2 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2.0 * weighted) / (n * total) - (n + 1.0) / n


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    xs = sorted(values)
    rank = (len(xs) - 1) * p / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return xs[low] + (xs[high] - xs[low]) * (rank - low)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
