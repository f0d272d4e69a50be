"""Fixtures for the application tests: a populated world and a position tape per ledger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.ledger import Ledger
from interfaces.bootstrap import build_ledger
from tests.application.support import Tape, World, build_world


@pytest.fixture
def world(ledger: Ledger) -> World:
    return build_world(ledger)


@pytest.fixture
def tape(ledger: Ledger, world: World) -> Tape:
    """Started after the world is built, so it checks only the test's own commands."""
    return Tape(ledger)


@pytest.fixture
def rival(settings, ledger: Ledger) -> Iterator[Ledger]:
    """A second Ledger object on the same database as `ledger`, as another API process is
    (so never on the in-memory store: see DURABLE_FIXTURES)."""
    other = build_ledger(settings)
    try:
        yield other
    finally:
        other.close()
