"""Fixtures for the HTTP tests: a test client on every store, an administrator, people with keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.ledger import Ledger
from tests.interfaces.support import Actor, Api, open_client


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    """The API over a fresh, empty ledger on each store (memory, SQLite, PostgreSQL)."""
    with open_client(ledger) as value:
        yield value


@pytest.fixture
def api(client: TestClient, ledger: Ledger) -> Api:
    """The client with an administrator bootstrapped on the empty ledger."""
    person_id, row, secret = ledger.keys.bootstrap("Ada Admin", "ada@example.org")
    return Api(client, ledger, admin=Actor(person_id, row.key_id, secret, "Ada Admin"))


@pytest.fixture
def admin(api: Api) -> Actor:
    """The first administrator; `admin.headers` authenticates as them."""
    assert api.admin is not None
    return api.admin


@pytest.fixture
def admin_headers(admin: Actor) -> dict[str, str]:
    return admin.headers


@pytest.fixture
def new_organisation(api: Api) -> Callable[..., dict[str, Any]]:
    """Register an organisation through the API (as the administrator)."""
    return api.organisation


@pytest.fixture
def new_person(api: Api) -> Callable[..., Actor]:
    """Register a person through the API and give them their own key, to act as them."""
    return api.person
