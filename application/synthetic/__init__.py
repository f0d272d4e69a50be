"""A realistic ledger, generated quickly: the real aggregates, many steps per transaction.

Each step does what one Accord command does: the same domain methods, so the same rules,
acting as a member of the group. Instead of one transaction per command, the events of a
few hundred steps are saved with one `ledger.save(...)`, in the order they happened, with
the record-index rows `Ledger.write` would write and the snapshots the library takes.

The events carry simulated recorded times (the library's clock is replaced while
generating), and many changes are back-dated: their effective time is earlier than their
recording, as when minutes are typed up after a meeting.

A bigger ledger is a bigger programme, not one group growing without bound: each group
records about EVENTS_PER_GROUP_YEAR events a year (busier groups up to 1.5 times the
mean), the history lengthens with the ledger's size (1 year at 10,000 events, 2 at 100,000,
3 at 1,000,000, at most MAX_YEARS), and the number of groups makes up the rest (10, 50,
about 330), with organisations in regions of 12 and people in proportion. What a group
has in force stays bounded too, as in a working partnership: past MAX_AGREED decisions in
effect a new agreement supersedes an old one, past MAX_ACCOUNTABILITIES a group retires
one instead of defining another, and so on for open proposals, conflicts and principles.
"""

from __future__ import annotations

from application.synthetic.generator import Generator
from application.synthetic.run import generate, run
from application.synthetic.shape import groups_for, years_for
from application.synthetic.work import Dataset

__all__ = ["Dataset", "Generator", "generate", "groups_for", "run", "years_for"]
