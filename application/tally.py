"""Counts kept in memory for the metrics endpoint: cheap to add to, read as a copy."""

from __future__ import annotations

import threading


class Tally:
    """How many times each combination of labels was counted, safe across threads."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, ...], int] = {}
        self._lock = threading.Lock()

    def add(self, *labels: str) -> None:
        with self._lock:
            self._counts[labels] = self._counts.get(labels, 0) + 1

    def counts(self) -> dict[tuple[str, ...], int]:
        """A copy of every count so far, by labels."""
        with self._lock:
            return dict(self._counts)
