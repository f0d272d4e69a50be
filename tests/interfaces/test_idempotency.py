"""Safe retries: every write takes an Idempotency-Key and is executed at most once per key."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from eventsourcing.persistence import OperationalError
from fastapi.routing import APIRoute, iter_route_contexts

from interfaces.api import idempotency
from interfaces.api.app import create_app
from tests.application.test_idempotency import lost_connection_after_first_commit
from tests.interfaces.support import Actor, Api, api_routes, assert_problem, error_fields

KEY = "Idempotency-Key"
REPLAYED = "idempotent-replayed"
ANSWER_HEADERS = ("etag", "location", "x-accord-position", "content-type")


def send(
    api: Api,
    method: str,
    url: str,
    json: Any = None,
    key: str | None = None,
    as_: Actor | None = None,
    **kwargs: Any,
) -> httpx.Response:
    headers = {KEY: key} if key is not None else None
    return api.call(method, url, as_ or api.admin, json=json, headers=headers, **kwargs)


def answer(response: httpx.Response) -> tuple[int, Any, dict[str, str | None]]:
    """What a retry must get again: the status, the body and the headers a write sets."""
    return (
        response.status_code,
        response.json(),
        {name: response.headers.get(name) for name in ANSWER_HEADERS},
    )


def new_key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def group(api: Api) -> str:
    return api.group("Hub design team")["id"]


@pytest.fixture
def member(api: Api, group: str) -> Actor:
    mia = api.person("Mia")
    api.add_member(group, mia)
    return mia


def raise_conflict(api: Api, group: str) -> str:
    assert api.admin is not None
    body = {"parties": [{"kind": "person", "id": api.admin.person_id}], "about": "Rota"}
    return api.create(f"/groups/{group}/conflicts", body, "/conflicts")["id"]


@pytest.fixture
def conflict(api: Api, group: str, member: Actor) -> str:
    conflict = raise_conflict(api, group)
    api.write("POST", f"/conflicts/{conflict}/acknowledge", json={})
    return conflict


# Writes of each shape: creating a record (201), changing one, adding to one (an id made by
# the write comes back in the body), and a DELETE with a query parameter.
WRITES: dict[str, Callable[[Api, str, str], tuple[str, str, Any, dict[str, Any]]]] = {
    "create": lambda api, group, conflict: (
        "POST",
        "/organisations",
        {"name": "North Trust", "sector": "vcse"},
        {},
    ),
    "change": lambda api, group, conflict: (
        "POST",
        f"/groups/{group}/purpose",
        {"purpose": "Open the hub"},
        {},
    ),
    "add": lambda api, group, conflict: (
        "POST",
        f"/conflicts/{conflict}/notes",
        {"text": "We met on Monday"},
        {},
    ),
    "leave": lambda api, group, conflict: (
        "DELETE",
        f"/groups/{group}/members/{member_of(api, group)}",
        None,
        {"params": {"effective_at": "2099-03-01T09:00:00+00:00"}},
    ),
}


def member_of(api: Api, group: str) -> str:
    """A member of the group who is not its convener."""
    members = api.read(f"/groups/{group}")["members"]
    return next(m["person_id"] for m in members if m["role"] == "member")


# The first write route keeps its answer on every store; the others keep theirs in the
# same table through the same code, and are store_independent.
@pytest.mark.parametrize(
    "write",
    [
        pytest.param(w, marks=pytest.mark.store_independent if n else ())
        for n, w in enumerate(WRITES)
    ],
)
def test_a_retry_gets_the_first_answer_and_records_nothing(api: Api, group, conflict, write):
    method, url, body, extra = WRITES[write](api, group, conflict)
    key = new_key()
    first = send(api, method, url, body, key, **extra)
    assert first.status_code < 300, first.text
    assert REPLAYED not in first.headers
    head = api.head()
    assert head == first.json()["position"]

    for _ in range(2):
        again = send(api, method, url, body, key, **extra)
        assert answer(again) == answer(first)
        assert again.headers[REPLAYED] == "true"
    assert api.head() == head


def test_a_replay_is_the_record_as_the_first_write_left_it(api: Api, group):
    key = new_key()
    url = f"/groups/{group}/purpose"
    first = send(api, "POST", url, {"purpose": "Open the hub"}, key)
    send(api, "POST", url, {"purpose": "Run the hub"})
    again = send(api, "POST", url, {"purpose": "Open the hub"}, key)
    assert answer(again) == answer(first)
    assert again.json()["purpose"] == "Open the hub"
    assert api.read(f"/groups/{group}")["purpose"] == "Run the hub"


@pytest.mark.store_independent  # the request's fingerprint is computed before any store
def test_the_same_json_however_it_is_spelled_is_the_same_request(api: Api):
    key = new_key()
    first = send(api, "POST", "/organisations", {"name": "North Trust", "sector": "vcse"}, key)
    headers = {**api.admin.headers, KEY: key, "Content-Type": "application/json"}  # type: ignore[union-attr]
    content = b'{ "sector" : "vcse",\n  "name": "North Trust" }'
    again = api.client.post("/organisations", content=content, headers=headers)
    assert answer(again) == answer(first)
    assert again.headers[REPLAYED] == "true"


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(
            ("POST", "/organisations", {"name": "South Trust", "sector": "vcse"}), id="body"
        ),
        pytest.param(("POST", "/groups", {"name": "G", "kind": "k", "purpose": "P"}), id="path"),
    ],
)
def test_the_same_key_with_another_request_is_refused_and_records_nothing(api: Api, other):
    key = new_key()
    send(api, "POST", "/organisations", {"name": "North Trust", "sector": "vcse"}, key)
    head = api.head()
    method, url, body = other
    problem = assert_problem(send(api, method, url, body, key), 422)
    assert error_fields(problem) == [KEY]
    assert api.head() == head


def test_keys_belong_to_the_api_key_that_sent_them(api: Api):
    assert api.admin is not None
    row, secret = api.ledger.keys.create_key(api.admin.person_id, "administrator")
    other = Actor(api.admin.person_id, row.key_id, secret)
    key = new_key()
    body = {"name": "North Trust", "sector": "vcse"}
    mine = send(api, "POST", "/organisations", body, key)
    theirs = send(api, "POST", "/organisations", body, key, as_=other)
    assert mine.status_code == theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert REPLAYED not in theirs.headers
    assert api.head() == theirs.json()["position"]


def test_a_write_without_a_key_is_executed_each_time(api: Api):
    body = {"name": "North Trust", "sector": "vcse"}
    first = send(api, "POST", "/organisations", body)
    second = send(api, "POST", "/organisations", body)
    assert first.json()["id"] != second.json()["id"]
    assert REPLAYED not in second.headers


def test_a_failed_write_is_not_remembered_and_may_be_sent_again(api: Api, group):
    conflict = raise_conflict(api, group)
    key = new_key()
    url, body = f"/conflicts/{conflict}/notes", {"text": "We met"}
    assert_problem(send(api, "POST", url, body, key), 409)  # not yet acknowledged
    api.write("POST", f"/conflicts/{conflict}/acknowledge", json={})
    retried = send(api, "POST", url, body, key)
    assert retried.status_code == 201 and REPLAYED not in retried.headers
    assert [n["text"] for n in retried.json()["notes"]] == ["We met"]


@pytest.mark.store_independent  # refused before anything reaches a store
@pytest.mark.parametrize(
    "header",
    [
        pytest.param([(KEY, "")], id="empty"),
        pytest.param([(KEY, "k" * 256)], id="too-long"),
        pytest.param([(KEY, b"caf\xe9")], id="not-ascii"),
        pytest.param([(KEY, "a\tb")], id="control"),
        pytest.param([(KEY, "a"), (KEY, "b")], id="twice"),
    ],
)
def test_a_malformed_key_is_refused_before_anything_is_recorded(api: Api, header):
    head = api.head()
    headers = [*api.admin.headers.items(), *header]  # type: ignore[union-attr]
    body = {"name": "North Trust", "sector": "vcse"}
    response = api.client.post("/organisations", json=body, headers=headers)
    assert error_fields(assert_problem(response, 422)) == [KEY]
    assert api.head() == head


def test_the_longest_key_and_every_printable_character_are_accepted(api: Api):
    printable = "".join(chr(c) for c in range(0x21, 0x7F))
    for n, key in enumerate(("k" * 255, printable, "a b")):
        body = {"name": f"Organisation {n}", "sector": "vcse"}
        first = send(api, "POST", "/organisations", body, key)
        assert first.status_code == 201, first.text
        again = send(api, "POST", "/organisations", body, key)
        assert again.headers[REPLAYED] == "true"


def test_a_key_on_a_read_is_ignored(api: Api):
    response = send(api, "GET", "/organisations", key="")
    assert response.status_code == 200


@pytest.mark.store_independent  # authentication comes before the stored answers
def test_a_retry_without_a_valid_api_key_is_refused_first(api: Api):
    key = new_key()
    body = {"name": "North Trust", "sector": "vcse"}
    send(api, "POST", "/organisations", body, key)
    response = api.client.post("/organisations", json=body, headers={KEY: key})
    assert_problem(response, 401)


# ---------------------------------------------------------------- new API keys


def test_a_new_api_key_is_not_created_twice_and_its_secret_not_shown_again(api: Api):
    assert api.admin is not None
    before = len(api.ledger.keys.list_keys())
    key = new_key()
    body = {"person_id": api.admin.person_id, "label": "laptop"}
    first = send(api, "POST", "/keys", body, key)
    assert first.status_code == 201, first.text
    again = send(api, "POST", "/keys", body, key)
    problem = assert_problem(again, 409)
    assert problem["title"] == "Idempotency-Key already used"
    assert first.json()["secret"] not in again.text
    other = send(api, "POST", "/keys", {**body, "label": "phone"}, key)
    assert error_fields(assert_problem(other, 422)) == [KEY]
    assert len(api.ledger.keys.list_keys()) == before + 1


def test_a_new_api_key_that_failed_may_be_asked_for_again_with_the_same_key(api: Api):
    key = new_key()
    body = {"person_id": str(uuid.uuid4())}
    first = send(api, "POST", "/keys", body, key)
    assert first.status_code in (404, 422), first.text
    assert send(api, "POST", "/keys", body, key).status_code == first.status_code


# ---------------------------------------------------------------- concurrent duplicates


@contextmanager
def inserting_together(api: Api, racers: int) -> Iterator[None]:
    """The first `racers` inserts wait for each other, so that every duplicate saves at once."""
    recorder: Any = api.ledger.recorder
    insert = recorder.insert_events
    barrier = threading.Barrier(racers)
    lock = threading.Lock()
    count = [0]

    def insert_events(stored_events: Any, **kwargs: Any) -> Any:
        with lock:
            count[0] += 1
            first_round = count[0] <= racers
        if first_round:
            barrier.wait(timeout=20)
        return insert(stored_events, **kwargs)

    recorder.insert_events = insert_events
    try:
        yield
    finally:
        del recorder.insert_events


def all_at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except Exception as error:  # a failed assertion in a thread fails the test below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, httpx.Response) for r in results), results
    return results


@pytest.mark.parametrize("write", ["create", "change", "add"])
def test_duplicates_sent_at_once_are_executed_once_and_all_get_its_answer(
    api: Api, group, conflict, write
):
    racers = 5
    method, url, body, extra = WRITES[write](api, group, conflict)
    key = new_key()
    head = api.head()
    with inserting_together(api, racers):
        responses = all_at_once(
            [lambda: send(api, method, url, body, key, **extra) for _ in range(racers)]
        )
    assert api.head() == head + 1
    assert all(r.status_code < 300 for r in responses), [r.text for r in responses]
    assert len({str(answer(r)) for r in responses}) == 1
    assert sorted(REPLAYED in r.headers for r in responses) == [False] + [True] * (racers - 1)


def test_duplicates_of_a_new_api_key_sent_at_once_create_one_key(api: Api):
    assert api.admin is not None
    racers = 5
    before = len(api.ledger.keys.list_keys())
    key = new_key()
    body = {"person_id": api.admin.person_id}
    responses = all_at_once([lambda: send(api, "POST", "/keys", body, key)] * racers)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (racers - 1), [r.text for r in responses]
    assert len(api.ledger.keys.list_keys()) == before + 1


# ---------------------------------------------------------------- lost answers


@contextmanager
def any_status(api: Api) -> Iterator[None]:
    """Let the client see a 5xx (the shared client fails the test on one)."""
    hooks = api.client.event_hooks
    api.client.event_hooks = {"request": [], "response": []}
    try:
        yield
    finally:
        api.client.event_hooks = hooks


def test_a_write_whose_answer_was_lost_is_answered_when_the_client_retries(api: Api):
    """The insert commits and the store then fails: 503; the retry gets the write, once."""
    recorder: Any = api.ledger.recorder
    insert = recorder.insert_events
    failed: list[Any] = []

    def commit_then_fail(stored_events: Any, **kwargs: Any) -> Any:
        ids = insert(stored_events, **kwargs)
        if not failed:
            failed.append(ids)
            raise OperationalError("server closed the connection unexpectedly")
        return ids

    recorder.insert_events = commit_then_fail
    key = new_key()
    body = {"name": "North Trust", "sector": "vcse"}
    with any_status(api):
        lost = send(api, "POST", "/organisations", body, key)
    assert_problem(lost, 503)
    head = api.head()
    again = send(api, "POST", "/organisations", body, key)
    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.json()["position"] == head
    assert again.json()["name"] == "North Trust"
    assert [o["id"] for o in api.listing("/organisations")] == [again.json()["id"]]


@pytest.mark.stores("postgres")
@pytest.mark.parametrize("key", [None, "retry-me"])
def test_an_insert_the_library_retried_after_it_had_committed_answers_success(api: Api, key):
    """E2: the library's retry of a committed insert fails on the primary key; still 201."""
    attempts = lost_connection_after_first_commit(api.ledger)
    body = {"name": "North Trust", "sector": "vcse"}
    first = send(api, "POST", "/organisations", body, key)
    assert attempts == {"inserts": 2, "lost": 1}
    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers
    assert first.json()["position"] == api.head()
    assert [o["id"] for o in api.listing("/organisations")] == [first.json()["id"]]
    if key is not None:
        again = send(api, "POST", "/organisations", body, key)
        assert answer(again) == answer(first)
        assert again.headers[REPLAYED] == "true"


# ---------------------------------------------------------------- every write, documented


def test_every_write_route_takes_the_header_and_liveness_does_not_need_a_key():
    """Checked on the routes as served (the app's routers include the dependency)."""
    writes = 0
    for context in iter_route_contexts(create_app().routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        if not context.original_route.include_in_schema:
            continue  # the console's forms: a session and a CSRF token, not API keys
        calls = [d.call for d in context.dependant.dependencies]
        if context.path in ("/health", "/ready"):
            assert idempotency.remember_request not in calls, context.path
        elif set(context.methods or ()) & set(idempotency.WRITES):
            writes += 1
            assert idempotency.remember_request in calls, (context.methods, context.path)
    assert writes > 30


@pytest.mark.store_independent  # the OpenAPI document
def test_the_openapi_documents_the_header_and_the_replay_on_every_write(api: Api):
    schema = api.client.get("/openapi.json").json()
    writes = [r for r in api_routes(api.client.app) if r.method in idempotency.WRITES]  # type: ignore[arg-type]
    for route in writes:
        operation = schema["paths"][route.path][route.method.lower()]
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        described = [p for p in headers if p["name"] == KEY]
        assert len(described) == 1, str(route)
        assert "retry" in described[0]["description"]
        assert described[0]["schema"]["maxLength"] == 255
        success = [r for code, r in operation["responses"].items() if code.startswith("2")]
        assert "Idempotent-Replayed" in success[0]["headers"], str(route)
        assert {"409", "422"} <= set(operation["responses"]), str(route)
    for path in ("/health", "/ready"):
        assert not schema["paths"][path]["get"].get("parameters")
    reads = schema["paths"]["/organisations"]["get"].get("parameters", [])
    assert KEY not in [p["name"] for p in reads]
