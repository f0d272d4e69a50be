"""Schemathesis against the live OpenAPI of the API, as an administrator, on SQLite and PostgreSQL.

The API runs in uvicorn on a free port with two records of every kind already recorded;
schemathesis reads its /openapi.json and, with a fixed seed, runs every phase: examples,
coverage and fuzzing for each operation (one subtest each, on the recorded records, so that
requests reach the records' rules rather than stop at 404), then stateful sequences that
follow the links between operations (mostly from the recorded records too). The run fails on any server error, any
status code, content type, body or header the description does not give, any
schema-violating request the API accepts, and any operation that answers without a valid key.

Not checked: `positive_data_acceptance`, because some refusals depend on more than one field
or on stored state (a `to` before `from`, an id in a body that names no record, a cursor this
API never issued), which an OpenAPI description cannot state; `object_level_authorization`,
which needs a second identity (tests/interfaces/test_authorization.py covers access).
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from application.errors import Unauthenticated
from application.ledger import Ledger
from interfaces.api.app import create_app
from interfaces.settings import Settings
from tests.conftest import OWN_PROCESS, ROOT

# Slow (minutes of fuzzing): `make check` runs it, `make test` leaves it out.
pytestmark = [pytest.mark.stores("sqlite", "postgres"), pytest.mark.slow]

# The stateful run's scenarios share one live ledger, so a scenario meets the state the
# earlier ones left; hypothesis refuses ("Inconsistent data generation") when it follows a
# prefix it has seen into a state where other steps are possible. Which seeds avoid that
# depends on the process as well (the modules it has imported change the order of the
# draws): 20260301 did until the metrics and the console's report were added; 3 does now,
# on both stores. A change of process state may need another seed: that is a limit of this
# test, not an answer of the API's (which `after_call` checks step by step).
SEED = 3
CHECKS = {
    # What the run asserts: no 5xx, and every answer as the description gives it.
    "not_a_server_error": True,
    "status_code_conformance": True,
    "content_type_conformance": True,
    "response_schema_conformance": True,
    "response_headers_conformance": True,
    "ignored_auth": True,
    # Input the description forbids is refused; so are unknown methods and missing headers.
    "negative_data_rejection": True,
    "missing_required_header": True,
    "unsupported_method": True,
    "allow_header_conformance": True,
    "use_after_free": True,
    "ensure_resource_availability": True,
    # See the module docstring.
    "positive_data_acceptance": False,
    "object_level_authorization": False,
}
# Sized for about a minute and a half per store on two cores.
FUZZING_EXAMPLES = 6
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8
# How often a stateful step's path id is a recorded record's rather than generated.
KNOWN_ID = 0.9
PATH_IDS = {
    "group_id": "groups",
    "decision_id": "decisions",
    "conflict_id": "conflicts",
    "principle_id": "principles",
    "accountability_id": "accountabilities",
    "handover_id": "handovers",
    "organisation_id": "organisations",
    "person_id": "people",
    "key_id": "keys",
    "record_id": "records",
}
# The kinds with a `GET /{kind}/{record_id}/history`.
HISTORIES = [kind for kind in PATH_IDS.values() if kind not in ("handovers", "keys", "records")]


def run_config(ids: dict[str, list[str]], head: int, stateful: bool) -> SchemathesisConfig:
    """The run's settings; path ids are the recorded records'.

    The stateless phases take the first record of each kind (the second group and person
    are the ones closed and forgotten, so the rest still reach open records); stateful
    steps pick among all of them, or follow links. `min_position` is the head of the ledger
    once those records were recorded: a position past the head waits for the read models
    (5 s) and then answers 503 by design (see tests/interfaces/test_history.py).
    """
    operations: list[dict[str, Any]] = [
        # A stream answers for as long as the client listens: tests/interfaces/test_stream.py.
        {"include-name": "GET /events/stream", "enabled": False},
        # A number sent for the `type` list serialises to text, which is a valid event type:
        # schemathesis calls that a schema-violating request, wrongly.
        {
            "include-name": "GET /groups/{group_id}/timeline",
            "checks": {"negative_data_rejection": {"enabled": False}},
        },
    ]
    if stateful:
        parameters: dict[str, Any] = {
            f"path.{param}": {"dictionary": name, "probability": KNOWN_ID}
            for param, name in PATH_IDS.items()
        }
    else:
        parameters = {f"path.{param}": ids[name][0] for param, name in PATH_IDS.items()}
        parameters["query.min_position"] = head
        operations += [
            {"include-name": "POST /groups/{group_id}/close", "parameters": second(ids, "groups")},
            {
                "include-name": "POST /people/{person_id}/forget",
                "parameters": second(ids, "people"),
            },
            *(
                {
                    "include-name": f"GET /{kind}/{{record_id}}/history",
                    "parameters": first(ids, kind),
                }
                for kind in HISTORIES
            ),
        ]
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {"database": "none"},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True, "generation": {"max-examples": FUZZING_EXAMPLES}},
                # Sequences of valid steps reach further; invalid input is the other phases' job.
                "stateful": {
                    "enabled": True,
                    "max-steps": STATEFUL_STEPS,
                    "generation": {"max-examples": STATEFUL_SCENARIOS, "mode": "positive"},
                },
            },
            "checks": {name: {"enabled": on} for name, on in CHECKS.items()},
            "dictionaries": {name: {"values": values} for name, values in ids.items()},
            "parameters": parameters,
            "operations": operations,
            "request-timeout": 30,
        }
    )


def first(ids: dict[str, list[str]], kind: str) -> dict[str, str]:
    """A history's record: the first record of its kind."""
    return {"path.record_id": ids[kind][0]}


def second(ids: dict[str, list[str]], kind: str) -> dict[str, str]:
    """The second record of a kind, for the operation that uses one up."""
    param = next(param for param, name in PATH_IDS.items() if name == kind)
    return {f"path.{param}": ids[kind][1]}


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn on a free local port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


class AdminKeys:
    """A working administrator key for every request.

    Stateful sequences may rotate the very key they use (`GET /me/keys`, then
    `POST /me/keys/{key_id}/rotate`); the administrator then gets a new one, as a person
    would. The other phases build their cases before sending any, with the key of the
    moment, so their dictionary of key ids leaves the administrator's out.
    """

    def __init__(self, ledger: Ledger, person_id: str, secret: str) -> None:
        self.ledger = ledger
        self.person_id = person_id
        self.first = secret
        self.secret = secret

    def works(self, secret: str) -> bool:
        try:
            self.ledger.keys.authenticate(secret)
        except Unauthenticated:
            return False
        return True

    def current(self) -> str:
        if not self.works(self.secret):
            _, self.secret = self.ledger.keys.create_key(
                self.person_id, "administrator", "schemathesis"
            )
        return self.secret

    def provider(self) -> type:
        """The key as a schemathesis auth provider (a class it instantiates itself)."""
        keys = self

        class AdminKey:
            def get(self, case: Case[Any], context: Any) -> str:
                return keys.current()

            def set(self, case: Case[Any], data: str, context: Any) -> None:
                case.headers["Authorization"] = f"Bearer {data}"

        return AdminKey

    def refused(self, response: Any) -> bool:
        """Was this answer a 401 to a key that still works?"""
        sent = response.request.headers.get("Authorization") or ""
        scheme, _, secret = sent.partition(" ")
        return response.status_code == 401 and scheme == "Bearer" and self.works(secret)


def record_world(url: str, keys: AdminKeys) -> dict[str, list[str]]:
    """Record one record of every kind (two where a run may use one up), through the API.

    Returns the ids by kind, as schemathesis dictionaries.
    """
    headers = {"Authorization": f"Bearer {keys.current()}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = http.post(path, json=body)
            assert response.status_code in (200, 201), (path, response.text)
            return response.json()

        orgs = [
            post("/organisations", {"name": name, "sector": sector})["id"]
            for name, sector in (("North Trust", "statutory_health"), ("Hub CIC", "vcse"))
        ]
        people = [
            post("/people", {"name": name, "email": email, "organisation_id": orgs[0]})["id"]
            for name, email in (("Sam Rivera", "sam@example.org"), ("Jo Lee", None))
        ]
        groups = [
            post("/groups", {"name": name, "kind": "design team", "purpose": f"{name} purpose"})[
                "id"
            ]
            for name in ("Referrals team", "Hub team")
        ]
        for group in groups:
            for person in people:
                post(f"/groups/{group}/members", {"person_id": person, "role": "member"})
        group = groups[0]
        decisions = [
            post(
                f"/groups/{group}/decisions",
                {"title": title, "decision": f"We decided: {title}."},
            )["id"]
            for title in ("Open access", "Weekly triage")
        ]
        party = {"kind": "person", "id": people[0]}
        conflicts = [
            post(f"/groups/{group}/conflicts", {"parties": [party], "about": about})["id"]
            for about in ("Who triages", "Where we meet")
        ]
        principles = [
            post(f"/groups/{group}/principles", {"statement": statement})["id"]
            for statement in ("Work is placed where it belongs.", "Decide close to the work.")
        ]
        admin = {"kind": "person", "id": keys.person_id}
        accountabilities = [
            post(f"/groups/{group}/accountabilities", {"title": title, "holder": admin})["id"]
            for title in ("Run the referral pathway", "Keep the minutes")
        ]
        handovers = [
            post(f"/accountabilities/{accountability}/handovers", {"to": party})["open_handover_id"]
            for accountability in accountabilities
        ]
        member_keys = [
            post("/keys", {"person_id": person, "role": "member"})["key_id"] for person in people
        ]
    records = orgs + people + groups + decisions + conflicts + principles + accountabilities
    return {
        "organisations": orgs,
        "people": people,
        "groups": groups,
        "decisions": decisions,
        "conflicts": conflicts,
        "principles": principles,
        "accountabilities": accountabilities,
        "handovers": handovers,
        "keys": member_keys,
        "records": records,
    }


@pytest.fixture
def admin_keys(ledger: Ledger) -> AdminKeys:
    person_id, _, secret = ledger.keys.bootstrap("Ada Admin", "ada@example.org")
    return AdminKeys(ledger, person_id, secret)


@contextmanager
def live_schema(
    ledger: Ledger, settings: Settings, keys: AdminKeys, stateful: bool
) -> Iterator[OpenApiSchema]:
    """The API on this store, served live with records of every kind, as its administrator."""
    # The per-key rate limit has its own tests; here it would only answer 429 to the run.
    app = create_app(settings.model_copy(update={"rate_limit": 0}), ledger=ledger)
    with serving(app) as url:
        ids = record_world(url, keys)
        config = run_config(ids, httpx.get(f"{url}/ready").json()["head_position"], stateful)
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)
        schema.auth(refresh_interval=None)(keys.provider())
        yield schema


@pytest.fixture
def accord_schema(
    ledger: Ledger, settings: Settings, admin_keys: AdminKeys, request: pytest.FixtureRequest
) -> Iterator[OpenApiSchema]:
    # schemathesis 4.32.5's from_fixture reads Node._nodeid, which pytest 9.2 no longer has.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    with live_schema(ledger, settings, admin_keys, stateful=False) as schema:
        yield schema


@pytest.fixture
def stateful_schema(
    ledger: Ledger, settings: Settings, admin_keys: AdminKeys
) -> Iterator[OpenApiSchema]:
    with live_schema(ledger, settings, admin_keys, stateful=True) as schema:
        yield schema


lazy_schema = schemathesis.pytest.from_fixture("accord_schema")


@lazy_schema.parametrize()
def test_every_operation_answers_as_its_description_says(
    case: Case[Any], admin_keys: AdminKeys
) -> None:
    response = case.call_and_validate()
    assert not admin_keys.refused(response), response.text
    # Every later case carries this key: had the run revoked it, they would all answer 401.
    assert admin_keys.works(admin_keys.first), "the run revoked the key its cases carry"


def caught_up(ledger: Ledger, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while ledger.projector.lag():
        assert time.monotonic() < deadline, "the read models did not catch up"
        time.sleep(0.002)


@pytest.mark.own_process
def test_sequences_of_operations_answer_as_the_description_says(
    stateful_schema: OpenApiSchema, admin_keys: AdminKeys, ledger: Ledger
) -> None:
    answered: Counter[tuple[str, int]] = Counter()

    class Machine(stateful_schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case[Any]) -> None:
            # Each step starts once the read models hold every earlier step's writes: the
            # ids later steps follow come from earlier answers, so an answer that depended
            # on how far the projector had got would make the sequences differ run to run.
            caught_up(ledger)
            if "min_position" in case.query:  # stateful steps do not take `parameters`
                case.query["min_position"] = ledger.head_position()

        def after_call(self, response: Any, case: Case[Any]) -> None:
            assert not admin_keys.refused(response), response.text
            answered[case.operation.label, response.status_code] += 1

    random.seed(SEED)  # schemathesis draws from it too
    machine = hypothesis.seed(SEED)(Machine)
    machine.run(settings=stateful_schema.config.get_hypothesis_settings(phase="stateful"))

    # The sequences got past the front door: many operations did what they were asked.
    succeeded = {label for label, status in answered if status < 300}
    assert len(succeeded) >= 10, sorted(answered.items())


def test_the_sequences_run_in_a_process_of_their_own() -> None:
    """The stateful run above, in a fresh interpreter, where it takes the same steps every
    time. In a process that has run other tests first its steps differ (state those tests
    leave behind), and a replayed prefix then meets a different API state, which hypothesis
    refuses ("Inconsistent data generation")."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).relative_to(ROOT)}::"
            "test_sequences_of_operations_answer_as_the_description_says",
        ],
        cwd=ROOT,
        env={**os.environ, OWN_PROCESS: "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout, done.stdout[-2000:]
