"""What the generator keeps of each group's work, and the dataset it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.accountability import Accountability
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import Group
from domain.principle import Principle


@dataclass
class GroupWork:
    group: Group
    weight: float
    proposed: list[Decision] = field(default_factory=list)
    agreed: list[Decision] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    drafts: list[Principle] = field(default_factory=list)
    principles: list[Principle] = field(default_factory=list)
    accountabilities: list[Accountability] = field(default_factory=list)


@dataclass
class Dataset:
    """What the benchmark needs to know about the ledger it reads."""

    admin_key: str
    groups: list[tuple[str, datetime]]  # (id, when the group's first event was recorded)
    first_recorded: datetime
    last_recorded: datetime
    events: int
    by_type: dict[str, int]
    backdated: int
    records: dict[str, int]
    refused: int = 0
