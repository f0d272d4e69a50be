"""Helpers shared by the application tests: a small world of records, and ledger snapshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from application.core import Written
from application.ledger import Ledger
from tests.conftest import acting_as

KINDS = ("organisation", "person", "group", "decision", "conflict", "principle", "accountability")
LISTED_KINDS = ("organisation", "group", "decision", "conflict", "principle", "accountability")

JAN = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
MAR = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
JUN = datetime(2024, 6, 1, 8, 30, tzinfo=UTC)


class Tape:
    """Checks every command's Written: the id, the version, and a strictly rising position."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.positions: list[int] = []
        self.last = ledger.head_position()

    def __call__(
        self, written: Written, *, record_id: str | None = None, version: int | None = None
    ) -> Written:
        assert isinstance(written, Written)
        assert written.position > self.last, (written.position, self.last)
        assert written.position == self.ledger.head_position()
        if record_id is not None:
            assert written.id == record_id
        if version is not None:
            assert written.version == version
        self.last = written.position
        self.positions.append(written.position)
        return written


@dataclass
class World:
    """Two organisations, four people and one open group with a convener and two members."""

    org_a: str
    org_b: str
    convener: str
    alice: str
    bob: str
    outsider: str
    group: str
    other_group: str


def build_world(ledger: Ledger) -> World:
    org_a = ledger.register_organisation("North Trust", "statutory_health").id
    org_b = ledger.register_organisation("Riverside Council", "local_authority").id
    convener = ledger.register_person("Cora Convener", "cora@example.org", org_a).id
    alice = ledger.register_person("Alice Member", "alice@example.org", org_a).id
    bob = ledger.register_person("Bob Member", None, org_b).id
    outsider = ledger.register_person("Oscar Outsider").id
    with acting_as(convener):
        group = ledger.convene_group("Transformation group", "transformation", "Join up care").id
        other_group = ledger.convene_group("Coordinating group", "coordinating", "Coordinate").id
    ledger.add_member(group, alice)
    ledger.add_member(group, bob)
    return World(org_a, org_b, convener, alice, bob, outsider, group, other_group)


def all_notifications(ledger: Ledger) -> list[Any]:
    """Every stored event, oldest first, read section by section from the notification log."""
    found: list[Any] = []
    start = 1
    while True:
        section = list(ledger.notification_log.select(start, 10))
        found.extend(section)
        if len(section) < 10:
            return found
        start = section[-1].id + 1


def all_listed(ledger: Ledger, kind: str, **filters: Any) -> list[dict[str, Any]]:
    """Every index row of a kind, following cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ledger.list_records(kind, cursor=cursor, limit=200, **filters)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def index_snapshot(ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    return {kind: all_listed(ledger, kind) for kind in LISTED_KINDS}


def assert_nothing_recorded(ledger: Ledger, attempt: Callable[[], Any], error: type) -> Any:
    """Run a failing command; it must raise `error` and leave the log and the index unchanged."""
    position = ledger.head_position()
    index = index_snapshot(ledger)
    with pytest.raises(error) as caught:
        attempt()
    assert ledger.head_position() == position
    assert index_snapshot(ledger) == index
    return caught.value


def getter(ledger: Ledger, kind: str) -> Callable[[str], dict[str, Any]]:
    return getattr(ledger, f"get_{kind}")  # type: ignore[no-any-return]
