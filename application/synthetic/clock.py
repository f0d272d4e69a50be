"""Simulated recorded times: the library's clock replaced while generating."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import eventsourcing.domain as es_domain


class SimulatedClock:
    """Stands in for the library's clock: every event is 1 ms after the one before,
    and `advance()` moves time on between steps (exponential gaps, like arrivals)."""

    def __init__(self, start: datetime, seconds_per_event: float, rng: random.Random) -> None:
        self.now = start
        self.mean = seconds_per_event
        self.rng = rng

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, events: int) -> None:
        if events > 0:
            self.now += timedelta(seconds=self.rng.gammavariate(events, self.mean))


@contextmanager
def simulated_time(clock: Callable[[], datetime]) -> Iterator[None]:
    """Every event (and snapshot) created inside takes its timestamp from `clock`."""
    original = es_domain.datetime_now_with_tzinfo
    es_domain.datetime_now_with_tzinfo = clock
    try:
        yield
    finally:
        es_domain.datetime_now_with_tzinfo = original
