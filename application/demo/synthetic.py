"""A synthetic ledger of about N events, from the generator the benchmarks use."""

from __future__ import annotations

import time
from collections.abc import Callable

from application.core import KIND_OF_TOPIC
from application.demo.result import DemoResult, require_empty
from application.ledger import Ledger
from application.synthetic import Generator, run


def synthetic(
    ledger: Ledger,
    target: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Fill an empty ledger with about `target` events, many per transaction, for benchmarks."""
    require_empty(ledger)
    started = time.perf_counter()
    generator = Generator(ledger, target, seed, progress, ("Demo Administrator", None))
    dataset = run(generator)
    records = {KIND_OF_TOPIC[name]: n for name, n in dataset.records.items()}
    records["person"] = records.get("person", 0) + 1  # and the administrator
    return DemoResult(
        administrator_id=generator.admin_id,
        key_id=generator.admin_key_id,
        api_key=generator.admin_key,
        events=dataset.events,
        people=records["person"],
        records=dict(sorted(records.items())),
        seconds=time.perf_counter() - started,
        start=dataset.first_recorded,
        end=dataset.last_recorded,
        report_from=dataset.first_recorded,
    )
