"""Demonstration ledgers: the "Living Well" story over nearly three years, or N synthetic events.

`living_well` tells one cross-organisation programme through the real commands, one
transaction each, as the people involved (so every rule is checked and every event
names a realistic actor): a transformation group, a coordinating group and a design
team, and accountability moving from three senior leaders to many people and
organisations. Its cast, routine business and script are data (living_well.json).
Effective times are spread over the 1,000 days before `end`, and each step is recorded when
it takes place in the story (the library's clock follows the story while it runs), so every
record's lifecycle reads in the same order in effective and in recorded time. A seeded generator decides the routine (meetings, handovers), so two runs
record the same sequence of events.

`synthetic` builds about N events quickly with the generator the benchmarks use
(application.synthetic): the same domain methods, but the events of many steps are saved
per `ledger.save(...)`, with their index rows.
"""

from __future__ import annotations

from application.demo.living_well import living_well
from application.demo.result import DemoResult, StoreNotEmpty, require_empty
from application.demo.synthetic import synthetic

__all__ = ["DemoResult", "StoreNotEmpty", "living_well", "require_empty", "synthetic"]
