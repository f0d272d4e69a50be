"""The "Living Well" story, told through the real commands over nearly three years."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from application.demo.data import REPORT_FROM_DAY, STORY
from application.demo.result import DemoResult, require_empty
from application.demo.story import Story
from application.ledger import Ledger
from application.synthetic.clock import simulated_time
from domain.base import InvalidInput, require_aware


def living_well(ledger: Ledger, seed: int = 7, end: datetime | None = None) -> DemoResult:
    """Fill an empty ledger with the Living Well story, over the 1,000 days to `end`: each
    step is recorded when it takes effect in the story, so that the ledger reads in the same
    order in effective and in recorded time."""
    started = time.perf_counter()
    require_empty(ledger)
    now = datetime.now(UTC)
    end = require_aware(end, "end") or now
    if end > now:
        raise InvalidInput("end must not be in the future: the story is recorded by then", "end")
    story = Story(ledger, seed, end)
    with simulated_time(story.clock):
        administrator, row, secret = ledger.keys.bootstrap(*STORY["administrator"])
        story.cast(administrator)
        story.script()
        story.run()
    return DemoResult(
        administrator_id=administrator,
        key_id=row.key_id,
        api_key=secret,
        events=ledger.head_position(),
        people=story.created["person"] + 1,
        records=dict(sorted(story.created.items())) | {"person": story.created["person"] + 1},
        seconds=time.perf_counter() - started,
        groups={g: story.ids[g] for g in ("transformation", "coordinating", "design")},
        start=story.base,
        report_from=story.base + timedelta(days=REPORT_FROM_DAY),
        end=end,
    )
