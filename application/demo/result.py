"""What a demo recorded, and the check that it starts on an empty ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from application.ledger import Ledger
from domain.base import AccordError


class StoreNotEmpty(AccordError):
    """The demo fills only an empty ledger."""


@dataclass(frozen=True)
class DemoResult:
    """What a demo recorded, and where to start looking at it."""

    administrator_id: str
    key_id: str
    api_key: str
    events: int
    people: int
    records: dict[str, int]
    seconds: float
    start: datetime  # effective times run from here ...
    end: datetime  # ... to here
    report_from: datetime  # a good start for an accountability report
    groups: dict[str, str] = field(default_factory=dict)  # the story's groups, by role

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def require_empty(ledger: Ledger) -> None:
    """Refuse a ledger that holds any event or API key."""
    events = ledger.head_position()
    if events or ledger.store.count_api_keys():
        raise StoreNotEmpty(
            f"the ledger is not empty ({events} events): the demo fills only an empty "
            "store; point --database-url (or ACCORD_DATABASE_URL) at a new database"
        )
