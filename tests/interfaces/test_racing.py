"""Eight clients racing on one group over HTTP, a hundred rounds, on SQLite and PostgreSQL.

Each client has its own API key (so no one key nears its rate limit). Each round, all eight
read the group's ETag, wait for one another, then restate its purpose at once. With If-Match
exactly one wins each version and the rest get 412; without it, every command is applied to
the state current when it runs or refused with 409, and the record's history (its read
model, and the event log itself) holds exactly the commands that were acknowledged, each
once, at contiguous versions.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from tests.interfaces.support import PROBLEM, Actor, Api, etag

# Slow (eight clients, a hundred rounds): `make check` runs it, `make test` leaves it out.
pytestmark = [pytest.mark.stores("sqlite", "postgres"), pytest.mark.slow]

CLIENTS = 8
ROUNDS = 100
WAIT = 30  # seconds any one client waits for the others before the test fails


@dataclass(frozen=True)
class Outcome:
    """What one client saw in one round."""

    purpose: str
    read_version: int
    status: int
    body: dict[str, Any]
    etag: str | None
    content_type: str


class Race:
    """A pool of eight clients that read, meet at a barrier, then write all at once."""

    def __init__(self, api: Api, admin: Actor, group_id: str) -> None:
        self.api = api
        self.admin = admin
        self.group_id = group_id
        self.clients = [client_key(api, admin) for _ in range(CLIENTS)]
        self.barrier = threading.Barrier(CLIENTS)
        self.pool = ThreadPoolExecutor(max_workers=CLIENTS, thread_name_prefix="racer")

    def round(self, number: int, if_match: bool) -> list[Outcome]:
        futures = [
            self.pool.submit(self._client, actor, f"Purpose {number}.{client}", if_match)
            for client, actor in enumerate(self.clients)
        ]
        return [future.result(timeout=2 * WAIT) for future in futures]

    def _client(self, actor: Actor, purpose: str, if_match: bool) -> Outcome:
        url = f"/groups/{self.group_id}"
        try:
            read = self.api.call("GET", url, actor)
            assert read.status_code == 200, read.text
            version = read.json()["version"]
            assert read.headers["etag"] == etag(version)
            headers = {"If-Match": read.headers["etag"]} if if_match else None
            self.barrier.wait(timeout=WAIT)
            response = self.api.call(
                "POST", f"{url}/purpose", actor, json={"purpose": purpose}, headers=headers
            )
        except BaseException:
            self.barrier.abort()  # the others fail fast instead of waiting out the timeout
            raise
        return Outcome(
            purpose,
            version,
            response.status_code,
            response.json(),
            response.headers.get("etag"),
            response.headers["content-type"],
        )

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def client_key(api: Api, admin: Actor) -> Actor:
    """Another administrator key of the person who convened the group."""
    row, secret = api.ledger.keys.create_key(admin.person_id, "administrator", "racing client")
    return Actor(admin.person_id, row.key_id, secret, admin.name)


@pytest.fixture
def race(api: Api, admin: Actor) -> Iterator[Race]:
    group = api.group("Racing group")
    value = Race(api, admin, group["id"])
    try:
        yield value
    finally:
        value.close()


def assert_problem(outcome: Outcome, status: int) -> None:
    assert (outcome.status, outcome.body.get("status")) == (status, status), outcome.body
    assert outcome.content_type.startswith(PROBLEM), outcome.content_type
    assert outcome.etag is None


def current_version(race: Race) -> int:
    return int(race.api.read(f"/groups/{race.group_id}")["version"])


def group_history(race: Race, min_position: int) -> list[dict[str, Any]]:
    """Every event of the group from its history endpoint (a read model), page by page."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        params = {"after": after, "limit": 500, "min_position": min_position}
        response = race.api.call(
            "GET", f"/groups/{race.group_id}/history", race.admin, params=params
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if page["next_after"] is None:
            return items
        after = page["next_after"]


def ledger_events(race: Race) -> list[dict[str, Any]]:
    """Every event of the group read straight from the event log (`/events`)."""
    items: list[dict[str, Any]] = []
    after = 0
    while True:
        params = {"after": after, "limit": 500}
        response = race.api.call("GET", "/events", race.admin, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += [item for item in page["items"] if item["record_id"] == race.group_id]
        if page["next_after"] >= page["head_position"]:
            return items
        after = page["next_after"]


def test_with_if_match_exactly_one_client_wins_each_version(race: Race) -> None:
    start = current_version(race)
    winners: list[Outcome] = []

    for number in range(ROUNDS):
        outcomes = race.round(number, if_match=True)

        expected = start + number
        assert {o.read_version for o in outcomes} == {expected}, (number, outcomes)
        won = [o for o in outcomes if o.status < 300]
        lost = [o for o in outcomes if o.status >= 300]
        assert len(won) == 1, (number, [(o.status, o.body) for o in outcomes])
        assert won[0].status == 200
        assert won[0].body["version"] == expected + 1
        assert won[0].etag == etag(expected + 1)
        assert won[0].body["purpose"] == won[0].purpose
        for outcome in lost:
            assert_problem(outcome, 412)
        assert {o.body.get("current_version") for o in lost} == {expected + 1}
        winners.append(won[0])

    assert current_version(race) == start + ROUNDS
    last = max(o.body["position"] for o in winners)
    for events in (group_history(race, last), ledger_events(race)):
        restated = [e for e in events if e["version"] > start]
        assert [e["version"] for e in restated] == list(range(start + 1, start + ROUNDS + 1))
        assert [e["position"] for e in restated] == [o.body["position"] for o in winners]
        assert [e["data"]["purpose"] for e in restated] == [o.purpose for o in winners]


def test_without_if_match_every_acknowledged_command_is_recorded_exactly_once(race: Race) -> None:
    start = current_version(race)
    acknowledged: list[Outcome] = []
    refused = 0

    for number in range(ROUNDS):
        outcomes = race.round(number, if_match=False)

        before = start + len(acknowledged)
        assert {o.read_version for o in outcomes} == {before}, (number, outcomes)
        won = [o for o in outcomes if o.status < 300]
        lost = [o for o in outcomes if o.status >= 300]
        assert won, (number, [(o.status, o.body) for o in outcomes])
        assert all(o.status == 200 for o in won)
        for outcome in lost:
            assert_problem(outcome, 409)
            assert outcome.body["current_state"] is not None
        # Each acknowledged command made exactly one new version, in the round's range.
        versions = sorted(o.body["version"] for o in won)
        assert versions == list(range(before + 1, before + len(won) + 1)), (number, versions)
        assert all(o.etag == etag(o.body["version"]) for o in won)
        acknowledged += won
        refused += len(lost)

    assert len(acknowledged) + refused == ROUNDS * CLIENTS
    # Lost races are re-applied (application.commands.ATTEMPTS, with random pauses), so that
    # fewer than 1% of the writes of eight clients racing on one record are refused.
    assert refused < ROUNDS * CLIENTS / 100, f"{refused} of {ROUNDS * CLIENTS} refused"
    assert current_version(race) == start + len(acknowledged)

    positions = [o.body["position"] for o in acknowledged]
    assert len(set(positions)) == len(positions), "two commands reported the same event"
    by_position = {o.body["position"]: o for o in acknowledged}
    for events in (group_history(race, max(positions)), ledger_events(race)):
        restated = [e for e in events if e["version"] > start]
        assert [e["version"] for e in restated] == list(
            range(start + 1, start + len(acknowledged) + 1)
        ), "versions are not contiguous"
        assert sorted(e["position"] for e in restated) == sorted(positions)
        assert [e["position"] for e in restated] == sorted(e["position"] for e in restated)
        for event in restated:
            outcome = by_position[event["position"]]
            assert event["version"] == outcome.body["version"]
            assert event["data"]["purpose"] == outcome.purpose
        purposes = Counter(e["data"]["purpose"] for e in restated)
        assert max(purposes.values()) == 1, "a command was recorded twice"
