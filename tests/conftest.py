"""Fixtures shared by every layer's tests: one ledger per store, and acting as a person."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from application.ledger import Ledger
from domain.base import current_actor
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings

POSTGRES_URL = os.environ.get(
    "ACCORD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# CI sets this, so that an unreachable PostgreSQL fails the run instead of skipping tests.
REQUIRE_POSTGRES = os.environ.get("ACCORD_REQUIRE_POSTGRES", "") not in ("", "0", "no")
# One test key makes hundreds of requests a second on the in-memory store, faster on
# faster machines: no per-key rate limit fit for production leaves it alone, so the suite
# turns it off and tests/interfaces/test_limits.py turns it on where it is tested.
os.environ.setdefault("ACCORD_RATE_LIMIT", "0")

# The tier: "quick" (`make test`, the default) or "full" (`make check`, what CI runs).
# The quick tier runs tests marked store_independent on the in-memory store only, lets
# SQLite stand for both durable stores (a test that applies to SQLite and PostgreSQL runs
# on PostgreSQL only when marked postgres_differs), leaves out tests marked slow
# (deselected, never skipped) and uses the quick hypothesis profile; the full tier runs
# every test on every store with the full profile.
TIER_VARIABLE = "ACCORD_TEST_TIER"
TIERS = ("quick", "full")
TIER = os.environ.get(TIER_VARIABLE, "") or "quick"
FULL = TIER == "full"

# The full profile is hypothesis's default (100 examples); the quick one draws a tenth.
hypothesis_settings.register_profile("full")
hypothesis_settings.register_profile("quick", max_examples=10)
if TIER in TIERS:
    hypothesis_settings.load_profile(TIER)


def examples(full: int) -> int:
    """A property test's `max_examples`: `full` in the full tier, scaled down with the
    profile in the quick one (never below 5)."""
    if FULL:
        return full
    default = hypothesis_settings.get_profile("full").max_examples
    return max(5, full * hypothesis_settings().max_examples // default)


def postgres_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    return POSTGRES_URL


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards."""
    import psycopg

    schema = f"accord_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def store_settings(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    """Settings for a fresh, empty ledger on the named store."""
    if store == "memory":
        yield Settings(database_url="memory://")
    elif store == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path / 'accord.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        with postgres_schema(url) as schema:
            yield Settings(database_url=url, postgres_schema=schema, postgres_pool_size=2)


STORE_NAMES = ("memory", "sqlite", "postgres")
STORES = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=STORES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with store_settings(request.param, tmp_path, request) as value:
        yield value


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    app = build_ledger(settings)
    try:
        yield app
    finally:
        app.close()


@contextmanager
def acting_as(person_id: str | None) -> Iterator[None]:
    """Record events as this person, as the API does for an authenticated caller."""
    token = current_actor.set(person_id)
    try:
        yield
    finally:
        current_actor.reset(token)


ROOT = Path(__file__).resolve().parent.parent
# Set in a process started to run the tests marked own_process.
OWN_PROCESS = "ACCORD_TEST_OWN_PROCESS"

# Fixtures that only make sense on a database that outlives one Ledger object.
DURABLE_FIXTURES = {"rival", "durable"}


def pytest_configure(config: pytest.Config) -> None:
    if TIER not in TIERS:
        raise pytest.UsageError(f"{TIER_VARIABLE}={TIER!r}: expected one of {', '.join(TIERS)}")


def store_of(item: pytest.Item) -> str | None:
    """The store a test item runs on: the value of its parameter that names a store (the
    `settings` fixture's, or a module's own store parameter), None if it has none."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    store = callspec.params.get("settings")
    if store is not None:
        return str(store)
    for value in callspec.params.values():
        if isinstance(value, str) and value in STORE_NAMES:
            return value
    return None


def left_out(item: pytest.Item) -> bool:
    """Whether this run leaves the test out (see pytest_collection_modifyitems)."""
    store = store_of(item)
    marker = item.get_closest_marker("stores")
    fixtures = set(getattr(item, "fixturenames", ()))
    if store is not None and (
        (marker is not None and store not in marker.args)
        or (store == "memory" and fixtures & DURABLE_FIXTURES)
    ):
        return True
    # Tests marked own_process run only in a process started for them (OWN_PROCESS set),
    # by a test that starts it; in the main session they are left out, not skipped. That
    # process runs what it is asked to, whatever the tier.
    if os.environ.get(OWN_PROCESS):
        return False
    if item.get_closest_marker("own_process"):
        return True
    if FULL:
        return False
    if item.get_closest_marker("slow"):
        return True
    # A store-independent check runs once, on the in-memory store (or, if it does not
    # apply there, on the first store it applies to).
    applies = [s for s in STORE_NAMES if marker is None or s in marker.args]
    if store is not None and item.get_closest_marker("store_independent"):
        return store != applies[0]
    # SQLite stands for both durable stores, unless PostgreSQL is known to differ here.
    return (
        store == "postgres"
        and "sqlite" in applies
        and item.get_closest_marker("postgres_differs") is None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out what this run does not apply to (deselected, never skipped).

    `@pytest.mark.stores("sqlite", ...)` names the stores a test applies to; a test using
    a fixture in DURABLE_FIXTURES does not apply to the in-memory store. In the quick tier
    tests marked slow are left out, tests marked store_independent run on one store, and a
    test that runs on SQLite runs on PostgreSQL only if marked postgres_differs.
    """
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (drop if left_out(item) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
