"""Bounded resources: 413 bodies, 422 lengths and list sizes, page sizes, 429 rates, 503 stores."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
import pytest
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from application.ledger import Ledger
from interfaces.api.app import create_app
from interfaces.api.limits import BodyLimit, RateLimiter
from interfaces.api.schemas.common import Body
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.interfaces.support import Api, api_routes, assert_problem, error_fields

MiB = 1_048_576


@contextmanager
def app_client(ledger: Ledger, **settings: Any) -> Iterator[TestClient]:
    """A client on an app over `ledger` with these settings; 5xx answers are allowed."""
    with TestClient(create_app(Settings(**settings), ledger=ledger)) as client:
        yield client


def organisation(name: str = "Northshire Trust") -> dict[str, str]:
    return {"name": name, "sector": "vcse"}


# ---------------------------------------------------------------- 413: request bodies


@pytest.mark.store_independent  # refused before any store
def test_a_body_over_the_default_mebibyte_is_refused_with_413_and_records_nothing(api: Api):
    before = api.head()
    body = organisation("x" * MiB)
    response = api.call("POST", "/organisations", api.admin, json=body)
    problem = assert_problem(response, 413)
    assert str(MiB) in problem["detail"]
    assert api.head() == before


@pytest.mark.store_independent  # refused before any store
def test_a_body_over_the_limit_is_refused_by_its_length_before_the_key_is_looked_at(
    ledger: Ledger,
):
    with app_client(ledger, max_body_bytes=100) as client:
        response = client.post("/organisations", content=b"{" + b" " * 200 + b"}")
    problem = assert_problem(response, 413)
    assert "100 bytes" in problem["detail"]


@pytest.mark.store_independent  # refused before any store
def test_a_body_over_the_limit_without_a_length_is_refused_as_it_streams(api: Api):
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'", "sector": "vcse"}'

    before = api.head()
    with app_client(api.ledger, max_body_bytes=1000) as client:
        response = client.post(
            "/organisations",
            content=chunks(),
            headers={**api.admin.headers, "Content-Type": "application/json"},  # type: ignore[union-attr]
        )
        assert "content-length" not in response.request.headers
    assert_problem(response, 413)
    assert api.head() == before


def test_a_body_of_exactly_the_limit_is_accepted(api: Api):
    content = b'{"name": "Northshire Trust", "sector": "vcse"}'
    headers = {**api.admin.headers, "Content-Type": "application/json"}  # type: ignore[union-attr]
    with app_client(api.ledger, max_body_bytes=len(content)) as client:
        assert client.post("/organisations", content=content, headers=headers).status_code == 201
    with app_client(api.ledger, max_body_bytes=len(content) - 1) as client:
        assert_problem(client.post("/organisations", content=content, headers=headers), 413)


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "streamed"])
def test_the_body_limit_guards_any_asgi_app_that_reads_the_body(chunked: bool):
    async def echo_length(scope: Scope, receive: Receive, send: Send) -> None:
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})

    def body(size: int) -> Any:
        return iter([b"x"] * size) if chunked else b"x" * size

    client = TestClient(BodyLimit(echo_length, max_bytes=10))
    assert client.post("/", content=body(10)).text == "10"
    assert_problem(client.post("/", content=body(11)), 413)


# ---------------------------------------------------------------- 422: lengths and sizes


def request_bodies() -> list[tuple[str, Any]]:
    app = create_app(Settings(database_url="memory://"))
    return [(str(route), route.body_model) for route in api_routes(app) if route.body_model]


def unbounded_fields(schema: dict[str, Any]) -> list[str]:
    """Where a request body's JSON schema lets a client send unbounded or unknown data."""
    defs = schema.get("$defs", {})
    found: list[str] = []

    def walk(node: dict[str, Any], where: str) -> None:
        if "$ref" in node:
            walk(defs[node["$ref"].rsplit("/", 1)[-1]], where)
            return
        for option in node.get("anyOf", []):
            walk(option, where)
        kind = node.get("type")
        if kind == "object":
            if node.get("additionalProperties") is not False:
                found.append(f"{where or 'body'}: unknown fields allowed")
            for name, child in node.get("properties", {}).items():
                walk(child, f"{where}.{name}" if where else name)
        elif kind == "array":
            if "maxItems" not in node:
                found.append(f"{where}: list without maxItems")
            walk(node.get("items", {}), f"{where}.0")
        elif kind == "string" and not {"maxLength", "enum", "const", "format"} & set(node):
            found.append(f"{where}: text without maxLength")

    walk(schema, "")
    return found


def test_every_request_body_bounds_every_text_and_list_and_refuses_unknown_fields():
    bodies = request_bodies()
    assert len(bodies) > 25
    for route, model in bodies:
        assert issubclass(model, Body), route
        assert unbounded_fields(model.model_json_schema()) == [], route


# Fields the server sets from the caller, the clock and the ledger; never from a request body.
SERVER_OWNED = {
    "actor",
    "last_actor",
    "recorded_at",
    "recorded_by",
    "created_on",
    "modified_on",
    "version",
    "position",
    "notification_id",
    "originator_id",
    "proposed_by",
    "status",
}


def field_names(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, name) of every property of a body schema, nested models included."""
    defs = schema.get("$defs", {})
    names: list[tuple[str, str]] = []
    for where, node in [("", schema), *((f"{k}.", v) for k, v in defs.items())]:
        names.extend((where + name, name) for name in node.get("properties", {}))
    return names


def test_no_request_body_has_a_field_the_server_owns():
    for route, model in request_bodies():
        schema = model.model_json_schema()
        owned = [path for path, name in field_names(schema) if name in SERVER_OWNED]
        assert owned == [], route
        # A body names other records by id (a party, a person), never its own record.
        assert "id" not in schema.get("properties", {}), route


@pytest.mark.store_independent  # refused by validation, before any store
@pytest.mark.parametrize("name", ["id", "actor", "created_on", "version", "position"])
def test_a_server_owned_field_sent_by_a_client_is_refused_naming_it(api: Api, name: str):
    before = api.head()
    body = {**organisation(), name: "1"}
    problem = assert_problem(api.call("POST", "/organisations", api.admin, json=body), 422)
    assert error_fields(problem) == [name]
    assert api.head() == before


@pytest.mark.parametrize(("field", "maximum"), [("name", 300), ("kind", 100), ("purpose", 10_000)])
def test_text_of_the_maximum_length_is_recorded_and_one_character_more_is_refused(
    api: Api, field: str, maximum: int
):
    group = {"name": "Design team", "kind": "design team", "purpose": "Design the hub."}
    created = api.create("/groups", {**group, field: "é" * maximum}, "/groups")
    assert api.read(f"/groups/{created['id']}")[field] == "é" * maximum
    before = api.head()
    too_long = {**group, field: "é" * (maximum + 1)}
    problem = assert_problem(api.call("POST", "/groups", api.admin, json=too_long), 422)
    assert error_fields(problem) == [field]
    assert api.head() == before


@pytest.mark.store_independent  # refused by validation, before any store
def test_a_list_longer_than_200_items_is_refused_naming_it(api: Api):
    group = api.group("Design team")
    parties = [{"kind": "person", "id": f"p{n}"} for n in range(201)]
    body = {"parties": parties, "about": "Who triages self-referrals"}
    url = f"/groups/{group['id']}/conflicts"
    problem = assert_problem(api.call("POST", url, api.admin, json=body), 422)
    assert error_fields(problem) == ["parties"]


def test_every_list_and_feed_takes_a_page_size_with_a_maximum():
    app = create_app(Settings(database_url="memory://"))
    openapi = app.openapi()
    pages = 0
    for route in api_routes(app):
        model = getattr(route.route.response_model, "__name__", "")
        if route.method != "GET" or not model.endswith(("Page", "sPage")):
            continue
        pages += 1
        operation = openapi["paths"][route.path]["get"]
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")
        # Records and people 200, events 500.
        maximum = 200 if model in ("Page", "PeoplePage") else 500
        assert limit["schema"]["maximum"] == maximum, str(route)
    assert pages >= 15, pages


# ---------------------------------------------------------------- 429: rate per key


def test_the_bucket_allows_a_burst_then_the_rate(monkeypatch):
    now = [100.0]
    limiter = RateLimiter(rate=2, burst=3, clock=lambda: now[0])
    assert [limiter.wait("k") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait("k") == pytest.approx(0.5)
    assert limiter.wait("other key") == 0
    now[0] += 0.5
    assert limiter.wait("k") == 0
    assert limiter.wait("k") == pytest.approx(0.5)
    now[0] += 60
    assert [limiter.wait("k") for _ in range(3)] == [0, 0, 0]  # refilled to the burst, no more
    assert limiter.wait("k") > 0


def test_a_rate_of_zero_turns_the_limit_off():
    limiter = RateLimiter(rate=0, burst=1)
    assert all(limiter.wait("k") == 0 for _ in range(1000))


def test_the_limiter_forgets_keys_whose_buckets_have_refilled(monkeypatch):
    now = [0.0]
    limiter = RateLimiter(rate=1, burst=1, clock=lambda: now[0])
    monkeypatch.setattr(RateLimiter, "MAX_KEYS", 10)
    for n in range(10):
        limiter.wait(f"key {n}")
    now[0] += 5
    limiter.wait("one more")
    assert set(limiter.buckets) == {"one more"}


@pytest.mark.store_independent  # the limiter is in the process
def test_a_key_over_its_rate_is_answered_429_with_retry_after_and_others_are_not(api: Api):
    other = api.new_key(api.admin.person_id)  # type: ignore[union-attr]
    with app_client(api.ledger, rate_limit=0.5, rate_burst=3) as client:
        for _ in range(3):
            assert client.get("/me", headers=api.admin.headers).status_code == 200  # type: ignore[union-attr]
        response = client.get("/me", headers=api.admin.headers)  # type: ignore[union-attr]
        problem = assert_problem(response, 429)
        assert response.headers["retry-after"] == "2"
        assert "0.5 a second" in problem["detail"]
        assert client.get("/me", headers=other.headers).status_code == 200
        assert client.get("/health").status_code == 200
        # A request without a valid key is refused before it is counted against anyone.
        assert_problem(client.get("/me", headers={"Authorization": "Bearer acc_x.y"}), 401)


@pytest.mark.store_independent  # the limiter is in the process
def test_each_app_counts_requests_with_its_own_limiter(api: Api):
    headers = api.admin.headers  # type: ignore[union-attr]
    with (
        app_client(api.ledger, rate_limit=0.1, rate_burst=1) as first,
        app_client(api.ledger, rate_limit=0.1, rate_burst=1) as second,
    ):
        assert first.app.state.rate_limiter is not second.app.state.rate_limiter  # type: ignore[attr-defined]
        assert first.get("/me", headers=headers).status_code == 200
        assert_problem(first.get("/me", headers=headers), 429)
        assert second.get("/me", headers=headers).status_code == 200


def test_the_defaults_are_a_mebibyte_and_50_requests_a_second_in_bursts_of_200(monkeypatch):
    monkeypatch.delenv("ACCORD_RATE_LIMIT", raising=False)  # the suite turns it off
    defaults = Settings()
    assert (defaults.max_body_bytes, defaults.rate_limit, defaults.rate_burst) == (MiB, 50, 200)
    monkeypatch.setenv("ACCORD_RATE_LIMIT", "0")
    monkeypatch.setenv("ACCORD_MAX_BODY_BYTES", "2048")
    assert (Settings().rate_limit, Settings().max_body_bytes) == (0, 2048)


# ---------------------------------------------------------------- 503: the store


DOWN = [
    OperationalError("connection refused"),
    InterfaceError("connection closed"),
    psycopg.OperationalError("server closed the connection unexpectedly"),
    psycopg.InterfaceError("the connection is closed"),
    psycopg_pool.PoolTimeout("couldn't get a connection after 3.00 sec"),
    psycopg_pool.TooManyRequests("the pool has already 100 requests waiting"),
    sqlite3.OperationalError("database is locked"),
]


@pytest.mark.stores("memory")
@pytest.mark.parametrize("error", DOWN, ids=lambda e: type(e).__module__ + "." + type(e).__name__)
def test_a_store_that_is_down_or_busy_is_answered_503_with_retry_after(
    ledger: Ledger, monkeypatch, error: Exception
):
    def fail(*_: Any) -> None:
        raise error

    monkeypatch.setattr(ledger, "ping", fail)
    monkeypatch.setattr(ledger.keys, "authenticate", fail)
    with app_client(ledger) as client:
        for response in (client.get("/ready"), client.get("/me", headers={"Authorization": "x"})):
            assert_problem(response, 503)
            assert int(response.headers["retry-after"]) >= 1
        assert client.get("/health").status_code == 200


@pytest.mark.stores("memory")
def test_health_does_not_touch_the_store(ledger: Ledger):
    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            raise OperationalError(f"the store was touched: {name}")

    with app_client(ledger, projector="off") as client:
        client.app.state.ledger = Unreachable()  # type: ignore[attr-defined]
        try:
            assert client.get("/health").json() == {"status": "ok"}
            assert_problem(client.get("/ready"), 503)
        finally:
            client.app.state.ledger = ledger  # type: ignore[attr-defined]


@pytest.mark.stores("sqlite")
def test_a_locked_sqlite_database_is_answered_503_within_its_lock_timeout(settings: Settings):
    ledger = build_ledger(settings.model_copy(update={"sqlite_lock_timeout": 1}))
    try:
        _, _, secret = ledger.keys.bootstrap("Ada Admin")
        headers = {"Authorization": f"Bearer {secret}"}
        path = settings.resolved_database_url().removeprefix("sqlite:///")
        with app_client(ledger, projector="off") as client:
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            try:
                started = time.monotonic()
                response = client.post("/organisations", json=organisation(), headers=headers)
                elapsed = time.monotonic() - started
            finally:
                other.execute("ROLLBACK")
                other.close()
            assert_problem(response, 503)
            assert response.headers["retry-after"]
            assert elapsed < 5, elapsed
            again = client.post("/organisations", json=organisation(), headers=headers)
            assert again.status_code == 201, again.text
    finally:
        ledger.close()


class HeldPool:
    """A PostgreSQL ledger whose one pooled connection is held elsewhere until released."""

    def __init__(self, ledger: Ledger) -> None:
        self.pool = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
        self.held: Any = self.pool.getconn()

    def release(self) -> None:
        if self.held is not None:
            self.pool.putconn(self.held)
            self.held = None


@contextmanager
def exhausted_pool(settings: Settings) -> Iterator[tuple[Ledger, dict[str, str], HeldPool]]:
    small = settings.model_copy(
        update={"postgres_pool_size": 1, "postgres_max_overflow": 0, "postgres_pool_timeout": 1}
    )
    ledger = build_ledger(small)
    try:
        _, _, secret = ledger.keys.bootstrap("Ada Admin")
        held = HeldPool(ledger)
        try:
            yield ledger, {"Authorization": f"Bearer {secret}"}, held
        finally:
            held.release()
    finally:
        ledger.close()


@pytest.mark.stores("postgres")
def test_an_exhausted_postgres_pool_is_answered_503_in_bounded_time_then_recovers(
    settings: Settings,
):
    with (
        exhausted_pool(settings) as (ledger, headers, held),
        app_client(ledger, projector="off", database_wait=1.0) as client,
    ):
        for url in ("/me", "/ready"):
            started = time.monotonic()
            response = client.get(url, headers=headers)
            assert time.monotonic() - started < 4, url
            assert_problem(response, 503)
            assert response.headers["retry-after"]
        assert client.get("/health").status_code == 200
        held.release()
        assert client.get("/me", headers=headers).status_code == 200
        assert client.get("/ready").status_code == 200


@pytest.mark.stores("postgres")
def test_a_request_stops_retrying_a_failing_database_once_its_budget_is_spent(
    settings: Settings,
):
    from infrastructure import waits

    with exhausted_pool(settings) as (ledger, _, _):
        token = waits.budget.set(waits.Budget(1.0))
        try:
            started = time.monotonic()
            # The library retries this read ten times; each attempt would wait the pool's
            # one second for a connection.
            with pytest.raises((waits.StoreUnavailable, OperationalError)):
                ledger.head_position()
            assert time.monotonic() - started < 3
        finally:
            waits.budget.reset(token)


@pytest.mark.stores("postgres")
def test_a_pool_of_one_connection_serves_requests_beside_the_projector(settings, tmp_path):
    """The projector's listener holds a connection of its own, so that with a pool of one
    connection and no overflow the in-process projector never starves the requests."""
    import os
    import re
    import subprocess

    import httpx

    from tests.interfaces.test_processes import free_port, wait_until_up
    from tests.interfaces.test_server_survives import ACCORD

    env = {
        **os.environ,
        "ACCORD_DATABASE_URL": settings.resolved_database_url(),
        "ACCORD_POSTGRES_SCHEMA": settings.postgres_schema,
        "ACCORD_POSTGRES_POOL_SIZE": "1",
        "ACCORD_POSTGRES_MAX_OVERFLOW": "0",
        "ACCORD_PROJECTOR": "thread",
    }
    made = subprocess.run(
        [str(ACCORD), "keys", "bootstrap", "--name", "Ada Admin"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    found = re.search(r"acc_[A-Za-z0-9_.-]+", made.stdout)
    assert found, made.stdout
    headers = {"Authorization": f"Bearer {found.group(0)}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "serve.log", "w+b") as log:
        server = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            wait_until_up(base, server, log)
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                for n in range(10):
                    made_org = client.post(
                        "/organisations", json={"name": f"Trust {n}", "sector": "vcse"}
                    )
                    assert made_org.status_code == 201, made_org.text
                    # Read through the read models, once they have this write.
                    position = made_org.json()["position"]
                    listed = client.get("/events", params={"min_position": position})
                    assert listed.status_code == 200, listed.text
                ready = client.get("/ready")
                assert ready.status_code == 200, ready.text
                assert client.get("/health").status_code == 200
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.store_independent
def test_a_request_that_finds_no_free_slot_in_time_is_answered_503_and_health_still_answers():
    import anyio
    import httpx

    from interfaces.api.limits import Admission

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await anyio.sleep(1.0 if scope["path"] == "/slow" else 0)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    gate = Admission(slow, slots=2, wait=0.2)

    async def scenario() -> list[tuple[str, int, float, str | None]]:
        transport = httpx.ASGITransport(app=gate)
        answers: list[tuple[str, int, float, str | None]] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://accord") as client:

            async def call(path: str, after: float = 0) -> None:
                await anyio.sleep(after)
                started = time.monotonic()
                response = await client.get(path)
                took = time.monotonic() - started
                answers.append(
                    (path, response.status_code, took, response.headers.get("retry-after"))
                )

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(call, "/slow")
                tasks.start_soon(call, "/slow")
                tasks.start_soon(call, "/groups", 0.1)  # both slots busy for its whole wait
                tasks.start_soon(call, "/health", 0.1)  # needs no slot
        return answers

    answers = anyio.run(scenario)
    by_path = {(path, status) for path, status, _, _ in answers}
    assert by_path == {("/slow", 200), ("/groups", 503), ("/health", 200)}
    # Refused after its wait with a time to retry; health, which waited for no slot, was
    # answered although both slots stayed busy longer than a request may wait.
    refused = next(a for a in answers if a[0] == "/groups")
    assert refused[3] is not None
    # Once a slot is free again, requests are served.
    assert anyio.run(lambda: _one(gate, "/groups")) == 200


async def _one(app: Any, path: str) -> int:
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://a") as c:
        return (await c.get(path)).status_code


@pytest.mark.store_independent
def test_text_longer_than_its_limit_is_refused_even_when_most_of_it_is_whitespace(api: Api):
    """The limit the OpenAPI states (maxLength) holds for the text as sent, before the
    surrounding whitespace is stripped: 301 characters are refused, not stored as one."""
    head = api.head()
    for padded in ("a" + "\t" * 300, " " * 150 + "a" + " " * 150):
        refused = api.call(
            "POST", "/organisations", api.admin, json={"name": padded, "sector": "vcse"}
        )
        problem = assert_problem(refused, 422)
        assert error_fields(problem) == ["name"]
        assert "at most 300 characters" in problem["detail"]
    assert api.head() == head, "a refused write records nothing"
    kept = api.call(
        "POST", "/organisations", api.admin, json={"name": "  Hope  ", "sector": "vcse"}
    )
    assert kept.status_code == 201 and kept.json()["name"] == "Hope"
