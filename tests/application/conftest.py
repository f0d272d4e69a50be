"""Fixtures for the application tests: a populated world and a position tape per ledger."""

from __future__ import annotations

import pytest

from application.ledger import Ledger
from tests.application.support import Tape, World, build_world


@pytest.fixture
def world(ledger: Ledger) -> World:
    return build_world(ledger)


@pytest.fixture
def tape(ledger: Ledger, world: World) -> Tape:
    """Started after the world is built, so it checks only the test's own commands."""
    return Tape(ledger)
