"""A fresh app on the same database answers exactly as the app that wrote the records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import store_settings
from tests.interfaces.support import Actor, Api, api_routes, open_client
from tests.interfaces.test_walkthrough import walk_everything


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def durable_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    with store_settings(request.param, tmp_path, request) as settings:
        yield settings


def snapshot(api: Api, urls: list[str]) -> dict[str, Any]:
    """Every record's JSON and ETag, and every list the walkthrough's groups have."""
    seen: dict[str, Any] = {}
    for url in urls:
        response = api.call("GET", url, api.admin)
        assert response.status_code == 200, url
        seen[url] = (response.headers["etag"], response.json())
    groups = [u for u in urls if u.startswith("/groups/")]
    for group in groups:
        for kind in ("decisions", "conflicts", "principles", "accountabilities"):
            seen[f"{group}/{kind}"] = api.listing(f"{group}/{kind}", limit=3)
        seen[f"/groups?parent_group_id={group}"] = api.listing(
            "/groups", parent_group_id=group.rsplit("/", 1)[1]
        )
    seen["/organisations"] = api.listing("/organisations", limit=4)
    seen["/groups"] = api.listing("/groups", limit=5)
    # Histories come from the read models, which the database keeps across a restart.
    head = api.head()
    for url in urls:
        history = api.read(f"{url}/history?limit=500&min_position={head}")
        assert history["items"] and history["next_after"] is None, url
        seen[f"{url}/history"] = history
    feed, after = [], 0
    while after < head:
        page = api.read(f"/events?after={after}&limit=50")
        feed.extend(page["items"])
        after = page["next_after"]
    seen["/events"] = feed
    return seen


def test_a_fresh_app_on_the_same_database_returns_identical_json_for_every_record(
    durable_settings,
):
    first = build_ledger(durable_settings)
    try:
        person_id, row, secret = first.keys.bootstrap("Ada Admin")
        admin = Actor(person_id, row.key_id, secret)
        with open_client(first) as client:
            api = Api(client, first, admin=admin)
            returned = walk_everything(api)
            assert isinstance(client.app, FastAPI)
            assert {str(r) for r in api_routes(client.app)} - api.touched == set()
            urls = [f"/people/{person_id}", *api.created]
            assert len(urls) == len(set(urls)) > 60
            assert set(returned) <= set(urls)
            before = snapshot(api, urls)
            head = api.head()
    finally:
        first.close()

    second = build_ledger(durable_settings)
    try:
        with open_client(second) as client:
            again = Api(client, second, admin=admin)
            assert again.head() == head
            after = snapshot(again, urls)
            assert after.keys() == before.keys()
            for key in before:
                assert after[key] == before[key], key
            # The reopened ledger carries on from where the first one stopped.
            org = again.organisation("After the restart")
            assert org["position"] == head + 1
    finally:
        second.close()
