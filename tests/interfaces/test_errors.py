"""Every endpoint's failures: 401, 403, 404, 409, 412 and 422, always as problem+json, never 500.

Most checks run against one populated ledger per store (module-scoped): a request that is
refused must record nothing, so every check also asserts that the ledger's head did not move.

Checks marked store_independent are decided before any store is reached (validation,
authentication, the domain's rules) or repeat, route by route, a store lookup that another
check makes on every store: `make test` runs them on the in-memory store, `make check` on
every store. The others are each store's contract and always run on every store.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from interfaces.api.app import create_app
from interfaces.bootstrap import build_ledger
from tests.conftest import STORES, store_settings
from tests.interfaces.support import (
    CONVENED,
    NAIVE,
    PROBLEM,
    Actor,
    Api,
    Route,
    api_routes,
    assert_problem,
    body_paths,
    error_fields,
    model_field_paths,
    mutations,
    open_client,
    set_path,
    string_paths,
)

ROUTES: list[Route] = api_routes(create_app())
BY_NAME: dict[str, Route] = {str(r): r for r in ROUTES}
WHEN = "2026-03-01T09:00:00+00:00"


@dataclass
class World:
    """A populated ledger: records in every state the error checks need."""

    api: Api
    store: str
    admin: Actor
    mia: Actor
    bob: Actor
    otto: Actor
    revoked: Actor
    org_a: str
    org_b: str
    group: str
    other_group: str
    decision_proposed: str
    decision_agreed: str
    conflict_raised: str
    conflict_acknowledged: str
    conflict_withdrawn: str
    principle_proposed: str
    principle_agreed: str
    acc_open: str
    handover_open: str
    acc_single: str
    handover_declined: str
    acc_retired: str
    acc_to_group: str
    handover_to_group: str
    acc_to_org: str
    handover_to_org: str
    closed: dict[str, str]

    def call(
        self,
        method: str,
        url: str,
        as_: Actor | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self.api.call(method, url, as_, json=json, headers=headers, **kwargs)

    def head(self) -> int:
        return self.api.ledger.head_position()


def build_world(api: Api, store: str) -> World:
    admin = api.admin
    assert admin is not None
    org_a = api.organisation("North Trust")["id"]
    org_b = api.organisation("River Council")["id"]
    mia = api.person("Mia", org_a)
    bob = api.person("Bob", org_b)
    otto = api.person("Otto")
    revoked = api.person("Rex Revoked")
    api.ledger.keys.revoke_key(revoked.key_id)

    def group_with_records(name: str) -> dict[str, str]:
        gid = api.group(name)["id"]
        # Members from the group's convening, so that the checks may date what they name.
        api.add_member(gid, mia, effective_at=CONVENED)
        api.add_member(gid, bob, effective_at=CONVENED)
        decisions = f"/groups/{gid}/decisions"
        proposed = api.create(decisions, {"title": "P", "decision": "P"}, "/decisions")["id"]
        agreed = api.create(
            decisions,
            {
                "title": "A",
                "decision": "A",
                "agreement": {"method": "consent", "participants": [mia.person_id]},
            },
            "/decisions",
        )["id"]
        conflict = api.create(
            f"/groups/{gid}/conflicts",
            {"parties": [{"kind": "person", "id": bob.person_id}], "about": "Triage"},
            "/conflicts",
        )["id"]
        principles = f"/groups/{gid}/principles"
        principle = api.create(principles, {"statement": "Proposed"}, "/principles")["id"]
        principle_agreed = api.create(principles, {"statement": "Agreed"}, "/principles")["id"]
        api.write("POST", f"/principles/{principle_agreed}/agree", json={})
        acc = api.create(
            f"/groups/{gid}/accountabilities",
            {"title": "Rota", "holder": {"kind": "person", "id": admin.person_id}},
            "/accountabilities",
        )["id"]
        offered = api.write(
            "POST",
            f"/accountabilities/{acc}/handovers",
            json={"to": {"kind": "person", "id": mia.person_id}},
            status=201,
        )
        return {
            "group": gid,
            "decision_proposed": proposed,
            "decision_agreed": agreed,
            "conflict": conflict,
            "principle_proposed": principle,
            "principle_agreed": principle_agreed,
            "acc": acc,
            "handover": offered["open_handover_id"],
        }

    main = group_with_records("Transformation group")
    gid = main["group"]
    other_group = api.group("Coordinating group")["id"]
    closed = group_with_records("Closed group")
    api.write("POST", f"/groups/{closed['group']}/close", json={"reason": "Done"})

    conflicts = f"/groups/{gid}/conflicts"
    party = [{"kind": "person", "id": bob.person_id}]
    acknowledged = api.create(conflicts, {"parties": party, "about": "Ack"}, "/conflicts")["id"]
    api.write("POST", f"/conflicts/{acknowledged}/acknowledge", json={})
    withdrawn = api.create(conflicts, {"parties": party, "about": "Gone"}, "/conflicts")["id"]
    api.write("POST", f"/conflicts/{withdrawn}/withdraw", json={})

    def accountability(title: str) -> str:
        return api.create(
            f"/groups/{gid}/accountabilities",
            {"title": title, "holder": {"kind": "person", "id": admin.person_id}},
            "/accountabilities",
        )["id"]

    def offer(acc: str, to: dict[str, str]) -> str:
        body = api.write("POST", f"/accountabilities/{acc}/handovers", json={"to": to}, status=201)
        return str(body["open_handover_id"])

    single = accountability("Single holder")
    declined = offer(single, {"kind": "person", "id": mia.person_id})
    api.write("POST", f"/accountabilities/{single}/handovers/{declined}/decline", mia, {})
    retired = accountability("Retired")
    api.write("POST", f"/accountabilities/{retired}/retire", json={})
    to_group = accountability("To a group")
    handover_to_group = offer(to_group, {"kind": "group", "id": other_group})
    to_org = accountability("To an organisation")
    handover_to_org = offer(to_org, {"kind": "organisation", "id": org_a})

    return World(
        api=api,
        store=store,
        admin=admin,
        mia=mia,
        bob=bob,
        otto=otto,
        revoked=revoked,
        org_a=org_a,
        org_b=org_b,
        group=gid,
        other_group=other_group,
        decision_proposed=main["decision_proposed"],
        decision_agreed=main["decision_agreed"],
        conflict_raised=main["conflict"],
        conflict_acknowledged=acknowledged,
        conflict_withdrawn=withdrawn,
        principle_proposed=main["principle_proposed"],
        principle_agreed=main["principle_agreed"],
        acc_open=main["acc"],
        handover_open=main["handover"],
        acc_single=single,
        handover_declined=declined,
        acc_retired=retired,
        acc_to_group=to_group,
        handover_to_group=handover_to_group,
        acc_to_org=to_org,
        handover_to_org=handover_to_org,
        closed=closed,
    )


@pytest.fixture(scope="module", params=STORES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    with store_settings(request.param, tmp_path_factory.mktemp("errors"), request) as settings:
        ledger = build_ledger(settings)
        try:
            with open_client(ledger) as client:
                person_id, row, secret = ledger.keys.bootstrap("Ada Admin")
                api = Api(client, ledger, admin=Actor(person_id, row.key_id, secret))
                yield build_world(api, request.param)
        finally:
            ledger.close()


# ---------------------------------------------------------------- one valid request per route

PATH_IDS: dict[str, Callable[[World], str]] = {
    "organisation_id": lambda w: w.org_a,
    "person_id": lambda w: w.mia.person_id,
    "group_id": lambda w: w.group,
    "decision_id": lambda w: w.decision_proposed,
    "conflict_id": lambda w: w.conflict_raised,
    "principle_id": lambda w: w.principle_proposed,
    "accountability_id": lambda w: w.acc_open,
    "handover_id": lambda w: w.handover_open,
    # Someone else's key: no check may revoke or rotate the administrator's own.
    "key_id": lambda w: w.otto.key_id,
}

Body = Callable[[World], dict[str, Any]] | None


def _agreement(w: World) -> dict[str, Any]:
    return {
        "method": "consent",
        "participants": [w.mia.person_id],
        "objections": [{"person_id": w.mia.person_id, "reason": "Not yet"}],
        "principles": [w.principle_agreed],
        "supersedes": [w.decision_agreed],
        "effective_at": WHEN,
        "review_date": "2027-03-01",
    }


# A schema-valid body for every route (with every field of its model), None for no body.
EXAMPLES: dict[str, Body] = {
    "GET /me": None,
    "POST /organisations": lambda w: {"name": "New", "sector": "vcse"},
    "GET /organisations": None,
    "GET /organisations/{organisation_id}": None,
    "POST /organisations/{organisation_id}/rename": lambda w: {"name": "Renamed"},
    "POST /organisations/{organisation_id}/sector": lambda w: {"sector": "other"},
    "POST /people": lambda w: {"name": "New", "email": "n@example.org", "organisation_id": w.org_a},
    "GET /people": None,
    "GET /people/{person_id}": None,
    "POST /people/{person_id}/affiliation": lambda w: {
        "organisation_id": w.org_b,
        "effective_at": WHEN,
    },
    "POST /people/{person_id}/forget": lambda w: {
        "basis": "UK GDPR Art. 17, request 2026-114",
        "effective_at": WHEN,
    },
    "POST /groups": lambda w: {
        "name": "Sub",
        "kind": "design team",
        "purpose": "P",
        "parent_group_id": w.group,
        "effective_at": WHEN,
    },
    "GET /groups": None,
    "GET /groups/{group_id}": None,
    "POST /groups/{group_id}/purpose": lambda w: {"purpose": "New", "effective_at": WHEN},
    "POST /groups/{group_id}/members": lambda w: {
        "person_id": w.otto.person_id,
        "role": "observer",
        "effective_at": WHEN,
    },
    "POST /groups/{group_id}/members/{person_id}/role": lambda w: {
        "role": "observer",
        "effective_at": WHEN,
    },
    "DELETE /groups/{group_id}/members/{person_id}": None,
    "POST /groups/{group_id}/close": lambda w: {"reason": "Done", "effective_at": WHEN},
    "POST /groups/{group_id}/decisions": lambda w: {
        "title": "T",
        "decision": "D",
        "context": "C",
        "rationale": "R",
        "effective_at": WHEN,
        "agreement": _agreement(w),
    },
    "GET /groups/{group_id}/decisions": None,
    "GET /decisions/{decision_id}": None,
    "POST /decisions/{decision_id}/agree": _agreement,
    "POST /decisions/{decision_id}/reject": lambda w: {"reason": "No"},
    "POST /decisions/{decision_id}/withdraw": lambda w: {"reason": "No"},
    "POST /decisions/{decision_id}/revoke": lambda w: {"reason": "No", "effective_at": WHEN},
    "POST /groups/{group_id}/conflicts": lambda w: {
        "parties": [{"kind": "person", "id": w.bob.person_id}],
        "about": "A",
        "description": "D",
        "raised_by": w.mia.person_id,
        "effective_at": WHEN,
    },
    "GET /groups/{group_id}/conflicts": None,
    "GET /conflicts/{conflict_id}": None,
    "POST /conflicts/{conflict_id}/acknowledge": lambda w: {"note": "N"},
    "POST /conflicts/{conflict_id}/notes": lambda w: {"text": "T"},
    "POST /conflicts/{conflict_id}/resolve": lambda w: {
        "outcome": "O",
        "decision_id": w.decision_agreed,
        "effective_at": WHEN,
    },
    "POST /conflicts/{conflict_id}/escalate": lambda w: {
        "to_group_id": w.other_group,
        "reason": "R",
    },
    "POST /conflicts/{conflict_id}/withdraw": lambda w: {"reason": "R"},
    "POST /groups/{group_id}/principles": lambda w: {
        "statement": "S",
        "rationale": "R",
        "effective_at": WHEN,
    },
    "GET /groups/{group_id}/principles": None,
    "GET /principles/{principle_id}": None,
    "POST /principles/{principle_id}/endorsements": lambda w: {
        "stance": "object",
        "reason": "R",
        "person_id": w.mia.person_id,
    },
    "POST /principles/{principle_id}/agree": lambda w: {"effective_at": WHEN},
    "POST /principles/{principle_id}/amend": lambda w: {
        "statement": "S2",
        "rationale": "R",
        "effective_at": WHEN,
    },
    "POST /principles/{principle_id}/retire": lambda w: {"reason": "R", "effective_at": WHEN},
    "POST /groups/{group_id}/accountabilities": lambda w: {
        "title": "T",
        "scope": "S",
        "holder": {"kind": "person", "id": w.admin.person_id},
        "effective_at": WHEN,
    },
    "GET /groups/{group_id}/accountabilities": None,
    "GET /accountabilities/{accountability_id}": None,
    "POST /accountabilities/{accountability_id}/handovers": lambda w: {
        "to": {"kind": "person", "id": w.bob.person_id},
        "reason": "R",
        "effective_at": WHEN,
    },
    "POST /accountabilities/{accountability_id}/handovers/{handover_id}/accept": lambda w: {
        "effective_at": WHEN
    },
    "POST /accountabilities/{accountability_id}/handovers/{handover_id}/decline": lambda w: {
        "reason": "R"
    },
    "POST /accountabilities/{accountability_id}/handovers/{handover_id}/withdraw": lambda w: {
        "reason": "R"
    },
    "POST /accountabilities/{accountability_id}/return": lambda w: {
        "reason": "R",
        "effective_at": WHEN,
    },
    "POST /accountabilities/{accountability_id}/retire": lambda w: {
        "reason": "R",
        "effective_at": WHEN,
    },
    "GET /organisations/{record_id}/history": None,
    "GET /people/{record_id}/history": None,
    "GET /groups/{record_id}/history": None,
    "GET /decisions/{record_id}/history": None,
    "GET /conflicts/{record_id}/history": None,
    "GET /principles/{record_id}/history": None,
    "GET /accountabilities/{record_id}/history": None,
    "GET /groups/{group_id}/timeline": None,
    "GET /events": None,
    "GET /ledger/head": None,
    "GET /groups/{group_id}/state": None,
    "GET /groups/{group_id}/changes": None,
    "GET /reports/accountability": None,
    "POST /keys": lambda w: {"person_id": w.otto.person_id, "role": "auditor", "label": "L"},
    "GET /keys": None,
    "GET /keys/{key_id}": None,
    "POST /keys/{key_id}/revoke": None,
    "POST /keys/{key_id}/rotate": None,
    "GET /me/keys": None,
    "POST /me/keys/{key_id}/rotate": None,
    "POST /people/{person_id}/sign-in-links": lambda w: {"role": "member", "minutes": 5},
}

# /{collection}/{record_id}/history: a record of that collection's kind.
RECORD_IDS: dict[str, Callable[[World], str]] = {
    "organisations": lambda w: w.org_a,
    "people": lambda w: w.mia.person_id,
    "groups": lambda w: w.group,
    "decisions": lambda w: w.decision_agreed,
    "conflicts": lambda w: w.conflict_raised,
    "principles": lambda w: w.principle_agreed,
    "accountabilities": lambda w: w.acc_open,
}

# Query parameters a route cannot do without, with valid values.
REQUIRED_QUERY: dict[str, dict[str, str]] = {
    "GET /groups/{group_id}/changes": {
        "from": "2026-01-01T00:00:00+00:00",
        "to": "2100-01-01T00:00:00+00:00",
    },
}

BODY_ROUTES = [r for r in ROUTES if r.body_model is not None]
PATH_ROUTES = [r for r in ROUTES if r.params]
IF_MATCH_ROUTES = [r for r in ROUTES if r.takes_if_match]
LIST_ROUTES = [r for r in ROUTES if r.method == "GET" and r.route.response_model.__name__ == "Page"]
READ_ROUTES = [r for r in ROUTES if r.method == "GET"]


def path_id(route: Route, name: str, world: World) -> str:
    if name == "record_id":
        return RECORD_IDS[route.path.split("/")[1]](world)
    return PATH_IDS[name](world)


def path_for(route: Route, world: World, **overrides: str) -> str:
    """The route's path with ids filled in (a valid one for each, unless overridden)."""
    values = {name: overrides.get(name) or path_id(route, name, world) for name in route.params}
    return route.path.format(**values)


def url_for(route: Route, world: World, **overrides: str) -> str:
    """The path plus any query parameters the route requires, so that only the id varies."""
    path = path_for(route, world, **overrides)
    required = REQUIRED_QUERY.get(str(route))
    return f"{path}?{urlencode(required)}" if required else path


def body_for(route: Route, world: World) -> dict[str, Any] | None:
    make = EXAMPLES[str(route)]
    return make(world) if make is not None else None


def record_url(url: str) -> str:
    """The record a write acts on: /groups/{id}/members/... -> /groups/{id}."""
    return "/".join(url.split("/")[:3])


def refused(
    world: World,
    status: int,
    method: str,
    url: str,
    as_: Actor | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """The request is answered with a problem document of `status`, and records nothing."""
    before = world.head()
    response = world.call(method, url, as_, json, headers, **kwargs)
    body = assert_problem(response, status)
    assert world.head() == before, f"{method} {url} was refused with {status} but recorded events"
    return body


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def route_param(route: Route, *, marks: Any = ()) -> Any:
    return pytest.param(route, id=str(route), marks=marks)


INDEPENDENT = pytest.mark.store_independent


def first_on_every_store(routes: list[Route]) -> list[Any]:
    """The first route on every store (the store's part of the check), the rest marked
    store_independent (they differ from it only in the route)."""
    return [route_param(r, marks=INDEPENDENT if n else ()) for n, r in enumerate(routes)]


# ---------------------------------------------------------------- the list of routes


@INDEPENDENT
def test_the_checks_cover_every_route_of_the_app_and_every_field_of_every_body(world):
    names = {str(route) for route in ROUTES}
    assert len(names) > 40, names
    assert names == set(EXAMPLES), names ^ set(EXAMPLES)
    assert {p for route in ROUTES for p in route.params} == set(PATH_IDS) | {"record_id"}
    histories = {r.path.split("/")[1] for r in ROUTES if "record_id" in r.params}
    assert histories == set(RECORD_IDS)
    # Every query parameter has malformed values to refuse and a valid value to accept.
    queries = {name for route in ROUTES for name in route.query_params}
    assert queries == set(BAD_QUERY) | set(UNCHECKED_QUERY), queries ^ set(BAD_QUERY)
    assert queries == set(GOOD_QUERY), queries ^ set(GOOD_QUERY)
    for route in ROUTES:
        required = {name for name, needed in route.query_params.items() if needed}
        assert required == set(REQUIRED_QUERY.get(str(route), {})), str(route)
    for route in ROUTES:
        body = body_for(route, world)
        if route.body_model is None:
            assert body is None, route
        else:
            missing = model_field_paths(route.body_model) - body_paths(body)
            assert missing == set(), (str(route), missing)
    assert IF_MATCH_ROUTES and LIST_ROUTES and BODY_ROUTES and PATH_ROUTES


# ---------------------------------------------------------------- 401


@pytest.mark.parametrize("route", first_on_every_store(ROUTES))
def test_every_route_answers_401_without_a_valid_key(world, route):
    url, body = url_for(route, world), body_for(route, world)
    key_id = world.admin.key_id
    credentials: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer acc_unknown.secret"},
        {"Authorization": f"Bearer acc_{key_id}.not-the-secret"},
        {"Authorization": "Bearer not-an-accord-key"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {world.admin.secret}"},
        {"Authorization": world.admin.secret},
        world.revoked.headers,
    ]
    for headers in credentials:
        problem = refused(world, 401, route.method, url, json=body, headers=headers)
        assert problem["title"] == "Unauthenticated", headers
    # Authentication comes first: an unknown id or a malformed body still answers 401.
    if route.params:
        unknown = url_for(route, world, **dict.fromkeys(route.params, str(uuid.uuid4())))
        refused(world, 401, route.method, unknown, json=body)
    if route.body_model is not None:
        refused(world, 401, route.method, url, json={"unexpected_field": 1})
    # The same request with the revoked person's new key is accepted past authentication.
    fresh = world.api.new_key(world.revoked.person_id)
    response = world.call("GET", "/me", fresh)
    assert response.status_code == 200 and response.json()["person_id"] == fresh.person_id


# ---------------------------------------------------------------- 404


def path_cases() -> Iterator[Any]:
    # The first route with each kind of id looks it up on every store; the other routes
    # make the same lookup, and are marked store_independent.
    seen: set[str] = set()
    for route in PATH_ROUTES:
        for param in route.params:
            marks = INDEPENDENT if param in seen else ()
            seen.add(param)
            yield pytest.param(route, param, id=f"{route} [{param}]", marks=marks)


@pytest.mark.parametrize(("route", "param"), list(path_cases()))
def test_every_route_answers_404_for_an_unknown_id_in_its_path(world, route, param):
    body = body_for(route, world)
    unknown = str(uuid.uuid4())
    for bad in (unknown, "no-such-id", "🌱", "9" * 40):
        url = url_for(route, world, **{param: bad})
        problem = refused(world, 404, route.method, url, world.admin, body)
        assert problem["title"] == "Not found"
        if bad == unknown:
            assert unknown in problem["detail"]


def test_a_list_of_sub_groups_of_an_unknown_group_answers_404(world):
    for bad in (str(uuid.uuid4()), "nope", ""):
        refused(world, 404, "GET", "/groups", world.admin, params={"parent_group_id": bad})


def test_an_id_of_another_kind_of_record_is_not_found(world):
    refused(world, 404, "GET", f"/decisions/{world.conflict_raised}", world.admin)
    refused(world, 404, "GET", f"/people/{world.org_a}", world.admin)
    refused(world, 404, "GET", f"/groups/{world.decision_agreed}/decisions", world.admin)
    refused(
        world,
        404,
        "POST",
        f"/accountabilities/{world.acc_single}/handovers/{world.handover_open}/withdraw",
        world.admin,
        {},
    )


HISTORY_ROUTES = [r for r in ROUTES if "record_id" in r.params]


@pytest.mark.parametrize("route", [route_param(r) for r in HISTORY_ROUTES])
def test_the_history_of_an_id_of_another_kind_of_record_is_not_found(world, route):
    own = route.path.split("/")[1]
    for collection, other in RECORD_IDS.items():
        if collection == own:
            continue
        record_id = other(world)
        problem = refused(world, 404, "GET", route.path.format(record_id=record_id), world.admin)
        assert record_id in problem["detail"], collection
    for handover in (world.handover_open, world.other_group if own != "groups" else world.org_a):
        refused(world, 404, "GET", route.path.format(record_id=handover), world.admin)


def test_a_group_read_of_an_id_of_another_kind_of_record_is_not_found(world):
    changes = {"from": "2026-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
    for record_id in (world.decision_agreed, world.mia.person_id, world.org_a, world.acc_open):
        refused(world, 404, "GET", f"/groups/{record_id}/timeline", world.admin)
        refused(world, 404, "GET", f"/groups/{record_id}/state", world.admin)
        refused(world, 404, "GET", f"/groups/{record_id}/changes", world.admin, params=changes)
        for moment in ("as_of", "effective_at"):
            params = {moment: "2100-01-01T00:00:00Z"}
            refused(world, 404, "GET", f"/groups/{record_id}", world.admin, params=params)


def test_a_record_read_at_a_moment_with_an_id_of_another_kind_is_not_found(world):
    moments = [{"as_of": "2100-01-01T00:00:00Z"}, {"effective_at": "2100-01-01T00:00:00Z"}]
    for url in (
        f"/decisions/{world.conflict_raised}",
        f"/conflicts/{world.decision_agreed}",
        f"/principles/{world.acc_open}",
        f"/accountabilities/{world.principle_agreed}",
        f"/people/{world.org_a}",
        f"/organisations/{world.mia.person_id}",
    ):
        for params in moments:
            refused(world, 404, "GET", url, world.admin, params=params)


# ---------------------------------------------------------------- 422: bodies


@INDEPENDENT
@pytest.mark.parametrize("route", [route_param(r) for r in BODY_ROUTES])
def test_every_body_with_a_malformed_field_answers_422_naming_the_field(world, route):
    url, valid = url_for(route, world), body_for(route, world)
    assert valid is not None
    broken = mutations(route.body_model, valid)
    labels = " | ".join(m.label for m in broken)
    assert "unknown field" in labels
    for mutation in broken:
        problem = refused(world, 422, route.method, url, world.admin, mutation.body)
        assert problem["title"] == "Invalid input"
        fields = error_fields(problem)
        assert mutation.field in fields, (mutation.label, fields)
        assert mutation.field in problem["detail"], mutation.label


@INDEPENDENT
def test_the_malformed_bodies_include_each_kind_of_mistake(world):
    found = " | ".join(
        m.label
        for route in BODY_ROUTES
        for m in mutations(route.body_model, body_for(route, world) or {})
    )
    for kind in (
        "unknown field",
        "missing name",
        "is an object",
        "huge integer",
        "not a list",
        "too long",
        "effective_at naive",
        "sector bogus choice",
        "holder: kind bogus choice",
        "agreement: method bogus choice",
        "agreement: effective_at naive",
        "parties[0]: missing kind",
        "agreement: objections[0]: reason too long",
        "agreement: participants[0] too long",
    ):
        assert kind in found, kind


@INDEPENDENT
def test_a_naive_effective_at_is_refused_with_the_field_named(world):
    url = f"/groups/{world.group}/purpose"
    problem = refused(
        world, 422, "POST", url, world.admin, {"purpose": "New", "effective_at": NAIVE}
    )
    assert error_fields(problem) == ["effective_at"]
    problem = refused(
        world,
        422,
        "POST",
        f"/decisions/{world.decision_proposed}/agree",
        world.admin,
        {"method": "consent", "participants": [world.mia.person_id], "effective_at": NAIVE},
    )
    assert error_fields(problem) == ["effective_at"]


def test_a_field_the_ledger_refuses_is_named_as_the_schema_would_name_it(world):
    body = {
        "title": "T",
        "decision": "D",
        "agreement": {"method": "consent", "participants": [world.otto.person_id]},
    }
    url = f"/groups/{world.group}/decisions"
    schema_named = error_fields(
        refused(
            world,
            422,
            "POST",
            url,
            world.admin,
            set_path(body, ("agreement", "participants", "0"), ""),
        )
    )
    assert schema_named == ["agreement.participants.0"]
    ledger_named = error_fields(refused(world, 422, "POST", url, world.admin, body))
    assert ledger_named == ["agreement.participants.0"]
    parties = {"parties": [{"kind": "group", "id": str(uuid.uuid4())}], "about": "A"}
    ledger_named = error_fields(
        refused(world, 422, "POST", f"/groups/{world.group}/conflicts", world.admin, parties)
    )
    assert ledger_named == ["parties.0.id"]


@INDEPENDENT
def test_an_unknown_sector_is_refused_with_the_choices(world):
    problem = refused(
        world, 422, "POST", "/organisations", world.admin, {"name": "X", "sector": "bogus"}
    )
    assert error_fields(problem) == ["sector"]
    assert "statutory_health" in problem["detail"]


def garbage() -> list[tuple[str, bytes, str]]:
    return [
        ("not JSON", b"{not json", "application/json"),
        ("empty", b"", "application/json"),
        ("a JSON array", b'[{"name": "x"}]', "application/json"),
        ("a JSON string", b'"text"', "application/json"),
        ("a JSON number", b"42", "application/json"),
        ("JSON null", b"null", "application/json"),
        ("a huge integer", b"9" * 5000, "application/json"),
        ("deeply nested", b"[" * 100_000, "application/json"),
        ("invalid UTF-8", b'{"name": "\xff\xfe"}', "application/json"),
        ("a form", b"name=x&sector=vcse", "application/x-www-form-urlencoded"),
        ("plain text", b'{"name": "x"}', "text/plain"),
        ("no content type", b"{}", ""),
    ]


@INDEPENDENT
@pytest.mark.parametrize("route", [route_param(r) for r in BODY_ROUTES])
def test_every_body_that_is_not_a_json_object_is_refused_as_a_problem(world, route):
    url = url_for(route, world)
    for label, content, content_type in garbage():
        headers = {**world.admin.headers}
        if content_type:
            headers["Content-Type"] = content_type
        before = world.head()
        response = world.api.client.request(route.method, url, content=content, headers=headers)
        assert response.status_code in (400, 422), (label, response.status_code, response.text)
        assert_problem(response, response.status_code)
        assert world.head() == before, label


@INDEPENDENT
@pytest.mark.parametrize("route", [route_param(r) for r in BODY_ROUTES])
def test_every_text_field_refuses_text_that_cannot_be_stored(world, route):
    url, valid = url_for(route, world), body_for(route, world)
    paths = string_paths(route.body_model)
    for path in paths:
        for bad in ("before\x00after", "lone \ud800 surrogate"):
            content = json.dumps(set_path(valid, path, bad)).encode()
            headers = {**world.admin.headers, "Content-Type": "application/json"}
            before = world.head()
            response = world.api.client.request(route.method, url, content=content, headers=headers)
            problem = assert_problem(response, response.status_code)
            # 403 or 409 when the request fails on another rule before its text is looked at.
            assert response.status_code in (403, 409, 422), (path, bad, response.text)
            if response.status_code == 422:
                leaf = [p for p in path if not p.isdigit()][-1]
                assert any(leaf in f for f in error_fields(problem)), (path, problem)
            assert world.head() == before, (path, bad)


# ---------------------------------------------------------------- 422: query strings


@pytest.mark.parametrize("route", [route_param(r) for r in LIST_ROUTES])
def test_every_list_refuses_a_bad_limit_or_cursor_naming_the_parameter(world, route):
    url = url_for(route, world)
    for limit in ("0", "-1", "201", "abc", str(10**40), "1.5"):
        problem = refused(world, 422, "GET", url, world.admin, params={"limit": limit})
        assert any("limit" in f for f in error_fields(problem)), limit
    forged = [b64(text) for text in ("p-1", "q5", "p" + "9" * 30, "p1.5", "pabc", "p")]
    for cursor in ("garbage", "!!!", "\u00e9", "%", *forged):
        problem = refused(world, 422, "GET", url, world.admin, params={"cursor": cursor})
        assert error_fields(problem) == ["cursor"], cursor
    response = world.call("GET", url, world.admin, params={"status": "bogus"})
    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "next_cursor": None}
    for status in ("✓ agreed", "x" * 5000, "a\x00b"):
        problem = refused(world, 422, "GET", url, world.admin, params={"status": status})
        assert error_fields(problem) == ["status"], status


def test_a_list_filtered_by_a_status_with_a_nul_character_is_not_a_server_error(
    api, settings, request
):
    api.organisation("North Trust")
    response = api.call("GET", "/organisations", api.admin, params={"status": "a\x00b"})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["items"] == []


# Malformed values each query parameter must refuse with a 422 that names it.
BAD_TIMES = (NAIVE, "soon", "2026-13-45T00:00:00Z", "2026-03-01T25:00:00+00:00", "2026-03-01", "")
BAD_QUERY: dict[str, tuple[str, ...]] = {
    "status": ("UPPER", "✓ agreed", "x" * 41),
    "cursor": ("garbage", "!!!", b64("p-1"), b64("p" + "9" * 30)),
    "limit": ("0", "-1", "abc", "1.5", "501", str(10**40), ""),
    "after": ("-1", "abc", "1.5", str(2**62 + 1), str(10**40), ""),
    "min_position": ("-1", "abc", "1.5", str(2**62 + 1), str(10**40), ""),
    "as_of": BAD_TIMES,
    "effective_at": BAD_TIMES,
    "from": BAD_TIMES,
    "to": BAD_TIMES,
    "kind": ("bogus", "decisions", "Decision"),
    "type": ("T" * 101,),
    "person": ("x" * 65,),
    "organisation": ("x" * 65,),
    "group": ("x" * 65,),
    "include_subgroups": ("maybe", "2", "", "yes please"),
    "interval": ("day", "Month", "weekly", ""),
    "pending_days": ("-1", "36501", "abc", "1.5", str(10**40), ""),
    "unchanged_days": ("-1", "36501", "abc", "1.5", str(10**40), ""),
    "holding_on": ("0", "-1", "1001", "abc", "1.5", ""),
    "person_id": ("x" * 65,),
    "table": ("bogus", "", "Summary"),
    "q": ("x" * 101,),
    "organisation_id": ("x" * 65, "00000000-0000-4000-8000-000000000000"),
}
# Any text is a valid value: an unknown group is a 404 (see the sub-group test above).
UNCHECKED_QUERY = {"parent_group_id"}


def _now(_: World) -> str:
    return datetime.now(UTC).isoformat()


# A valid value for every query parameter of a read.
GOOD_QUERY: dict[str, Callable[[World], str]] = {
    "status": lambda w: "agreed",
    "cursor": lambda w: b64("p0"),
    "limit": lambda w: "1",
    "parent_group_id": lambda w: w.group,
    "q": lambda w: "a",
    "organisation_id": lambda w: w.org_a,
    "after": lambda w: "0",
    "min_position": lambda w: str(w.head()),
    "as_of": _now,
    "effective_at": lambda w: "2100-01-01T00:00:00+00:00",
    "kind": lambda w: "decision",
    "type": lambda w: "Decision.Agreed",
    "person": lambda w: w.mia.person_id,
    "organisation": lambda w: w.org_a,
    "from": lambda w: "2026-01-01T00:00:00+00:00",
    "to": lambda w: "2100-01-01T00:00:00+00:00",
    "group": lambda w: w.group,
    "include_subgroups": lambda w: "true",
    "interval": lambda w: "quarter",
    "pending_days": lambda w: "36500",
    "unchanged_days": lambda w: "0",
    "holding_on": lambda w: "1000",
    "person_id": lambda w: w.mia.person_id,
    "table": lambda w: "holdings_by_sector",
}
TIME_PARAMS = ("as_of", "effective_at", "from", "to")
EXTREME_TIMES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def query_for(route: Route, world: World, **params: str) -> dict[str, str]:
    """The route's required query parameters, then these; with min_position at the head
    where the route takes it, so that reads of the read models see the whole world."""
    query = dict(REQUIRED_QUERY.get(str(route), {}))
    if "min_position" in route.query_params:
        query["min_position"] = str(world.head())
    return {**query, **params}


def query_cases(names: Any, routes: list[Route] = ROUTES) -> Iterator[Any]:
    for route in routes:
        for name in route.query_params:
            if name in names:
                yield pytest.param(route, name, id=f"{route} [{name}]")


@INDEPENDENT
@pytest.mark.parametrize(("route", "name"), list(query_cases(BAD_QUERY)))
def test_every_query_parameter_refuses_a_malformed_value_with_422_naming_it(world, route, name):
    path = path_for(route, world)
    for bad in BAD_QUERY[name]:
        params = {**REQUIRED_QUERY.get(str(route), {}), name: bad}
        problem = refused(world, 422, route.method, path, world.admin, params=params)
        assert problem["title"] == "Invalid input"
        assert name in error_fields(problem), (name, bad, problem)


@pytest.mark.parametrize(("route", "name"), list(query_cases(GOOD_QUERY, READ_ROUTES)))
def test_every_query_parameter_of_a_read_accepts_a_valid_value(world, route, name):
    params = query_for(route, world, **{name: GOOD_QUERY[name](world)})
    response = world.call("GET", path_for(route, world), world.admin, params=params)
    assert response.status_code == 200, (name, params, response.text)


@pytest.mark.parametrize(
    "route",
    [route_param(r) for r in READ_ROUTES if {"after", "min_position"} & set(r.query_params)],
)
def test_history_pages_take_up_to_500_events_and_any_position_up_to_2_to_the_62(world, route):
    path = path_for(route, world)
    params = query_for(route, world)
    # Event pages (after=) take 500; record lists paged by cursor (GET /people) take 200.
    if "limit" in route.query_params:
        most = "200" if "cursor" in route.query_params else "500"
        page = world.call("GET", path, world.admin, params={**params, "limit": most})
        assert page.status_code == 200, page.text
    if "after" in route.query_params:
        beyond = world.call("GET", path, world.admin, params={**params, "after": str(2**62)})
        assert beyond.status_code == 200, beyond.text
        assert beyond.json()["items"] == []
    if "min_position" in route.query_params:
        zero = world.call("GET", path, world.admin, params={**params, "min_position": "0"})
        assert zero.status_code == 200, zero.text


def test_a_timeline_refuses_more_than_50_event_types(world):
    url = f"/groups/{world.group}/timeline"
    many = [("type", f"Decision.T{n}") for n in range(51)]
    problem = refused(world, 422, "GET", url, world.admin, params=many)
    assert error_fields(problem) == ["type"]
    fifty = world.call("GET", url, world.admin, params=many[:50])
    assert fifty.status_code == 200 and fifty.json()["items"] == []


@pytest.mark.postgres_differs  # PostgreSQL cannot store a NUL character; SQLite can
def test_a_timeline_filtered_by_text_that_cannot_be_stored_is_not_a_server_error(world):
    url = f"/groups/{world.group}/timeline"
    for name in ("type", "person", "organisation"):
        response = world.call("GET", url, world.admin, params={name: "a\x00b"})
        # PostgreSQL refuses NUL outright (422); the other stores simply match nothing.
        assert response.status_code in (200, 422), (name, response.text)
        if response.status_code == 200:
            assert response.json()["items"] == [], name
        else:
            assert_problem(response, 422)


@INDEPENDENT
def test_changes_refuse_a_to_that_is_not_later_than_from(world):
    url = f"/groups/{world.group}/changes"
    for start, end in (
        ("2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        ("2026-03-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
        ("2026-03-01T01:00:00+01:00", "2026-03-01T00:00:00+00:00"),  # the same instant
    ):
        problem = refused(world, 422, "GET", url, world.admin, params={"from": start, "to": end})
        assert error_fields(problem) == ["to"], (start, end)
    for missing in ("from", "to"):
        params = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}
        del params[missing]
        problem = refused(world, 422, "GET", url, world.admin, params=params)
        assert error_fields(problem) == [missing]


@pytest.mark.parametrize(
    "route", [route_param(r) for r in READ_ROUTES if set(TIME_PARAMS) & set(r.query_params)]
)
def test_the_earliest_and_latest_instants_in_a_query_string_are_never_a_server_error(world, route):
    path = path_for(route, world)
    for name in TIME_PARAMS:
        if name not in route.query_params:
            continue
        for value in EXTREME_TIMES:
            response = world.call(
                "GET", path, world.admin, params=query_for(route, world, **{name: value})
            )
            assert response.status_code in (200, 404, 422), (name, value, response.text)


REPORT = "/reports/accountability"


def test_a_report_on_an_unknown_group_answers_404(world):
    unknown = str(uuid.uuid4())
    for bad in (unknown, "nope", "", "🌱", "9" * 40, world.decision_agreed, world.mia.person_id):
        for include in ("false", "true"):
            params = {"group": bad, "include_subgroups": include}
            problem = refused(world, 404, "GET", REPORT, world.admin, params=params)
            assert problem["title"] == "Not found", bad
            if bad == unknown:
                assert unknown in problem["detail"]
    report = world.call("GET", REPORT, world.admin, params={"group": world.group})
    assert report.status_code == 200, report.text
    assert report.json()["scope"]["groups"] == [world.group]


def test_a_report_refuses_a_period_that_is_empty_or_has_too_many_points_naming_the_field(world):
    for start, end in (
        ("2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        ("2026-03-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00"),
        ("2026-03-01T01:00:00+01:00", "2026-03-01T00:00:00+00:00"),  # the same instant
    ):
        problem = refused(world, 422, "GET", REPORT, world.admin, params={"from": start, "to": end})
        assert error_fields(problem) == ["to"], (start, end)
    # 401 weekly points is too many; the same period by quarter is fine.
    period = {"from": "2020-01-01T00:00:00Z", "to": "2027-09-01T00:00:00Z"}
    problem = refused(world, 422, "GET", REPORT, world.admin, params={**period, "interval": "week"})
    assert error_fields(problem) == ["interval"]
    quarterly = world.call("GET", REPORT, world.admin, params={**period, "interval": "quarter"})
    assert quarterly.status_code == 200, quarterly.text
    assert len(quarterly.json()["distribution"]) == 32


NEAR_THE_ENDS_OF_TIME = {
    "to within a year of year 1": {"to": "0001-06-01T00:00:00Z"},
    "as_of within a year of year 1": {"as_of": "0001-06-01T00:00:00Z"},
    "to in the last month of year 9999": {"to": "9999-12-31T00:00:00Z"},
    "weeks into year 9999's last days": {
        "from": "9999-12-20T00:00:00Z",
        "to": "9999-12-31T00:00:00Z",
        "interval": "week",
    },
    "pending days reaching before year 1": {
        "from": "0001-01-01T00:00:00Z",
        "to": "0001-01-10T00:00:00Z",
        "pending_days": "36500",
    },
}


@pytest.mark.stores("memory")
@pytest.mark.parametrize(
    "params", list(NEAR_THE_ENDS_OF_TIME.values()), ids=list(NEAR_THE_ENDS_OF_TIME)
)
def test_a_report_over_valid_instants_near_the_ends_of_time_is_never_a_server_error(api, params):
    response = api.call("GET", REPORT, api.admin, params=params)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert error_fields(response.json())


# ---------------------------------------------------------------- If-Match: 412 and 422


@pytest.mark.parametrize("route", [route_param(r) for r in IF_MATCH_ROUTES])
def test_every_conditional_write_answers_412_for_a_stale_if_match(world, route):
    url, body = url_for(route, world), body_for(route, world)
    current = world.call("GET", record_url(url), world.admin).json()["version"]
    for stale in (f'"{current + 7}"', f'W/"{current + 7}"', '"0"', f'"{10**30}"'):
        problem = refused(world, 412, route.method, url, world.admin, body, {"If-Match": stale})
        assert problem["current_version"] == current, stale
        assert problem["title"] == "Precondition failed"


@INDEPENDENT
@pytest.mark.parametrize("route", [route_param(r) for r in IF_MATCH_ROUTES])
def test_every_conditional_write_answers_422_for_a_malformed_if_match(world, route):
    url, body = url_for(route, world), body_for(route, world)
    for malformed in ("abc", '"abc"', '""', '"-1"', '"1.5"', '"1", "2"', '"0x1"', '"1 "'):
        problem = refused(world, 422, route.method, url, world.admin, body, {"If-Match": malformed})
        assert error_fields(problem) == ["If-Match"], malformed


@INDEPENDENT
def test_an_if_match_with_a_superscript_digit_is_refused_as_malformed(world):
    app = world.api.client.app
    url = f"/organisations/{world.org_a}/rename"
    headers = {**world.admin.headers, "If-Match": b'"\xb2"'}

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://accord") as client:
            return await client.post(url, json={"name": "Renamed"}, headers=headers)

    before = world.head()
    response = asyncio.run(send())
    assert world.head() == before
    assert_problem(response, 422)


# ---------------------------------------------------------------- 409: lifecycle

Case = Callable[[World], tuple[str, str, Actor | None, dict[str, Any] | None, str]]


def _agree(w: World) -> dict[str, Any]:
    return {"method": "consent", "participants": [w.mia.person_id]}


LIFECYCLE: dict[str, Case] = {
    "agree an agreed decision": lambda w: (
        "POST",
        f"/decisions/{w.decision_agreed}/agree",
        None,
        _agree(w),
        "agreed",
    ),
    "reject an agreed decision": lambda w: (
        "POST",
        f"/decisions/{w.decision_agreed}/reject",
        None,
        {},
        "agreed",
    ),
    "withdraw an agreed decision": lambda w: (
        "POST",
        f"/decisions/{w.decision_agreed}/withdraw",
        None,
        {},
        "agreed",
    ),
    "revoke a proposed decision": lambda w: (
        "POST",
        f"/decisions/{w.decision_proposed}/revoke",
        None,
        {"reason": "R"},
        "proposed",
    ),
    "supersede a decision that is only proposed": lambda w: (
        "POST",
        f"/groups/{w.group}/decisions",
        None,
        {
            "title": "T",
            "decision": "D",
            "agreement": {**_agree(w), "supersedes": [w.decision_proposed]},
        },
        "proposed",
    ),
    "acknowledge an acknowledged conflict": lambda w: (
        "POST",
        f"/conflicts/{w.conflict_acknowledged}/acknowledge",
        None,
        {},
        "acknowledged",
    ),
    "resolve a raised conflict nobody acknowledged": lambda w: (
        "POST",
        f"/conflicts/{w.conflict_raised}/resolve",
        None,
        {"outcome": "O"},
        "raised",
    ),
    "add a note to a conflict nobody acknowledged": lambda w: (
        "POST",
        f"/conflicts/{w.conflict_raised}/notes",
        None,
        {"text": "T"},
        "raised",
    ),
    "acknowledge a withdrawn conflict": lambda w: (
        "POST",
        f"/conflicts/{w.conflict_withdrawn}/acknowledge",
        None,
        {},
        "withdrawn",
    ),
    "escalate a withdrawn conflict": lambda w: (
        "POST",
        f"/conflicts/{w.conflict_withdrawn}/escalate",
        None,
        {"to_group_id": w.other_group, "reason": "R"},
        "withdrawn",
    ),
    "withdraw a withdrawn conflict": lambda w: (
        "POST",
        f"/conflicts/{w.conflict_withdrawn}/withdraw",
        None,
        {},
        "withdrawn",
    ),
    "amend a proposed principle": lambda w: (
        "POST",
        f"/principles/{w.principle_proposed}/amend",
        None,
        {"statement": "New wording"},
        "proposed",
    ),
    "retire a proposed principle": lambda w: (
        "POST",
        f"/principles/{w.principle_proposed}/retire",
        None,
        {},
        "proposed",
    ),
    "endorse an agreed principle": lambda w: (
        "POST",
        f"/principles/{w.principle_agreed}/endorsements",
        w.mia,
        {},
        "agreed",
    ),
    "agree an agreed principle": lambda w: (
        "POST",
        f"/principles/{w.principle_agreed}/agree",
        None,
        {},
        "agreed",
    ),
    "offer a second handover while one is open": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_open}/handovers",
        None,
        {"to": {"kind": "person", "id": w.bob.person_id}},
        "handover_offered",
    ),
    "retire an accountability with a handover open": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_open}/retire",
        None,
        {},
        "handover_offered",
    ),
    "return an accountability that has had one holder": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_single}/return",
        None,
        {},
        "active",
    ),
    "accept a declined handover": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_single}/handovers/{w.handover_declined}/accept",
        w.mia,
        {},
        "declined",
    ),
    "withdraw a declined handover": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_single}/handovers/{w.handover_declined}/withdraw",
        None,
        {},
        "declined",
    ),
    "offer a retired accountability": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_retired}/handovers",
        None,
        {"to": {"kind": "person", "id": w.bob.person_id}},
        "retired",
    ),
    "retire a retired accountability": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_retired}/retire",
        None,
        {},
        "retired",
    ),
    "add a member twice": lambda w: (
        "POST",
        f"/groups/{w.group}/members",
        None,
        {"person_id": w.mia.person_id},
        "open",
    ),
    "demote the only convener": lambda w: (
        "POST",
        f"/groups/{w.group}/members/{w.admin.person_id}/role",
        None,
        {"role": "member"},
        "open",
    ),
    "remove the only convener": lambda w: (
        "DELETE",
        f"/groups/{w.group}/members/{w.admin.person_id}",
        None,
        None,
        "open",
    ),
    "escalate a conflict to a closed group": lambda w: (
        "POST",
        f"/conflicts/{w.conflict_raised}/escalate",
        None,
        {"to_group_id": w.closed["group"], "reason": "R"},
        "closed",
    ),
}


def _in_closed(w: World) -> dict[str, str]:
    return w.closed


IN_CLOSED_GROUP: dict[str, Case] = {
    "restate its purpose": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/purpose",
        None,
        {"purpose": "P"},
        "closed",
    ),
    "add a member": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/members",
        None,
        {"person_id": w.otto.person_id},
        "closed",
    ),
    "change a member's role": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/members/{w.mia.person_id}/role",
        None,
        {"role": "observer"},
        "closed",
    ),
    "remove a member": lambda w: (
        "DELETE",
        f"/groups/{w.closed['group']}/members/{w.bob.person_id}",
        None,
        None,
        "closed",
    ),
    "close it again": lambda w: ("POST", f"/groups/{w.closed['group']}/close", None, {}, "closed"),
    "convene a sub-group under it": lambda w: (
        "POST",
        "/groups",
        None,
        {"name": "N", "kind": "K", "purpose": "P", "parent_group_id": w.closed["group"]},
        "closed",
    ),
    "propose a decision": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/decisions",
        None,
        {"title": "T", "decision": "D"},
        "closed",
    ),
    "record a decision already taken": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/decisions",
        None,
        {"title": "T", "decision": "D", "agreement": _agree(w)},
        "closed",
    ),
    "agree a proposed decision": lambda w: (
        "POST",
        f"/decisions/{w.closed['decision_proposed']}/agree",
        None,
        _agree(w),
        "closed",
    ),
    "reject a proposed decision": lambda w: (
        "POST",
        f"/decisions/{w.closed['decision_proposed']}/reject",
        None,
        {},
        "closed",
    ),
    "withdraw a proposed decision": lambda w: (
        "POST",
        f"/decisions/{w.closed['decision_proposed']}/withdraw",
        None,
        {},
        "closed",
    ),
    "revoke an agreed decision": lambda w: (
        "POST",
        f"/decisions/{w.closed['decision_agreed']}/revoke",
        None,
        {"reason": "R"},
        "closed",
    ),
    "raise a conflict": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/conflicts",
        None,
        {"parties": [{"kind": "person", "id": w.bob.person_id}], "about": "A"},
        "closed",
    ),
    "acknowledge a conflict": lambda w: (
        "POST",
        f"/conflicts/{w.closed['conflict']}/acknowledge",
        None,
        {},
        "closed",
    ),
    "add a note to a conflict": lambda w: (
        "POST",
        f"/conflicts/{w.closed['conflict']}/notes",
        None,
        {"text": "T"},
        "closed",
    ),
    "resolve a conflict": lambda w: (
        "POST",
        f"/conflicts/{w.closed['conflict']}/resolve",
        None,
        {"outcome": "O"},
        "closed",
    ),
    "escalate a conflict": lambda w: (
        "POST",
        f"/conflicts/{w.closed['conflict']}/escalate",
        None,
        {"to_group_id": w.other_group, "reason": "R"},
        "closed",
    ),
    "withdraw a conflict": lambda w: (
        "POST",
        f"/conflicts/{w.closed['conflict']}/withdraw",
        None,
        {},
        "closed",
    ),
    "propose a principle": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/principles",
        None,
        {"statement": "S"},
        "closed",
    ),
    "endorse a principle": lambda w: (
        "POST",
        f"/principles/{w.closed['principle_proposed']}/endorsements",
        w.mia,
        {},
        "closed",
    ),
    "agree a principle": lambda w: (
        "POST",
        f"/principles/{w.closed['principle_proposed']}/agree",
        None,
        {},
        "closed",
    ),
    "amend a principle": lambda w: (
        "POST",
        f"/principles/{w.closed['principle_agreed']}/amend",
        None,
        {"statement": "New"},
        "closed",
    ),
    "retire a principle": lambda w: (
        "POST",
        f"/principles/{w.closed['principle_agreed']}/retire",
        None,
        {},
        "closed",
    ),
    "define an accountability": lambda w: (
        "POST",
        f"/groups/{w.closed['group']}/accountabilities",
        None,
        {"title": "T", "holder": {"kind": "person", "id": w.admin.person_id}},
        "closed",
    ),
    "offer a handover": lambda w: (
        "POST",
        f"/accountabilities/{w.closed['acc']}/handovers",
        None,
        {"to": {"kind": "person", "id": w.bob.person_id}},
        "closed",
    ),
    "accept a handover": lambda w: (
        "POST",
        f"/accountabilities/{w.closed['acc']}/handovers/{w.closed['handover']}/accept",
        w.mia,
        {},
        "closed",
    ),
    "decline a handover": lambda w: (
        "POST",
        f"/accountabilities/{w.closed['acc']}/handovers/{w.closed['handover']}/decline",
        w.mia,
        {},
        "closed",
    ),
    "withdraw a handover": lambda w: (
        "POST",
        f"/accountabilities/{w.closed['acc']}/handovers/{w.closed['handover']}/withdraw",
        None,
        {},
        "closed",
    ),
    "return an accountability": lambda w: (
        "POST",
        f"/accountabilities/{w.closed['acc']}/return",
        None,
        {},
        "closed",
    ),
    "retire an accountability": lambda w: (
        "POST",
        f"/accountabilities/{w.closed['acc']}/retire",
        None,
        {},
        "closed",
    ),
}


@INDEPENDENT
@pytest.mark.parametrize("case", list(LIFECYCLE), ids=list(LIFECYCLE))
def test_a_transition_the_lifecycle_forbids_answers_409_with_the_current_state(world, case):
    method, url, as_, body, state = LIFECYCLE[case](world)
    problem = refused(world, 409, method, url, as_ or world.admin, body)
    assert problem["current_state"] == state, problem


@INDEPENDENT
@pytest.mark.parametrize("case", list(IN_CLOSED_GROUP), ids=list(IN_CLOSED_GROUP))
def test_nothing_can_be_recorded_in_a_closed_group(world, case):
    method, url, as_, body, state = IN_CLOSED_GROUP[case](world)
    problem = refused(world, 409, method, url, as_ or world.admin, body)
    assert problem["current_state"] == state, problem
    assert world.closed["group"] in problem["detail"]


def test_a_closed_group_and_its_records_can_still_be_read(world):
    closed = world.closed
    assert world.call("GET", f"/groups/{closed['group']}", world.admin).json()["status"] == "closed"
    for url in (
        f"/decisions/{closed['decision_agreed']}",
        f"/conflicts/{closed['conflict']}",
        f"/principles/{closed['principle_agreed']}",
        f"/accountabilities/{closed['acc']}",
        f"/groups/{closed['group']}/decisions",
    ):
        assert world.call("GET", url, world.admin).status_code == 200, url


# ---------------------------------------------------------------- 403

WRONG_SIDE: dict[str, Case] = {
    "an outsider accepts a handover offered to a person": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_open}/handovers/{w.handover_open}/accept",
        w.otto,
        {},
        "",
    ),
    "the current holder accepts the handover they offered": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_open}/handovers/{w.handover_open}/accept",
        w.admin,
        {},
        "",
    ),
    "another member declines a handover offered to a person": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_open}/handovers/{w.handover_open}/decline",
        w.bob,
        {},
        "",
    ),
    "a non-member accepts a handover offered to a group": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_to_group}/handovers/{w.handover_to_group}/accept",
        w.bob,
        {},
        "",
    ),
    "someone of another organisation accepts a handover offered to an organisation": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_to_org}/handovers/{w.handover_to_org}/accept",
        w.bob,
        {},
        "",
    ),
    "someone of no organisation declines a handover offered to an organisation": lambda w: (
        "POST",
        f"/accountabilities/{w.acc_to_org}/handovers/{w.handover_to_org}/decline",
        w.otto,
        {},
        "",
    ),
}


@INDEPENDENT
@pytest.mark.parametrize("case", list(WRONG_SIDE), ids=list(WRONG_SIDE))
def test_only_the_recipient_side_may_accept_or_decline_a_handover(world, case):
    method, url, as_, body, _ = WRONG_SIDE[case](world)
    # Someone outside the group may not even see the accountability: 404, as for any
    # record of a group one may not see. Members on the wrong side see it: 403.
    status = 404 if as_ is world.otto else 403
    problem = refused(world, status, method, url, as_, body)
    assert problem["title"] == ("Not found" if status == 404 else "Forbidden")
    holder = world.call("GET", record_url(url), world.admin).json()
    assert holder["open_handover_id"] is not None


def test_problem_documents_are_served_with_the_problem_media_type(world):
    response = world.call("GET", f"/groups/{uuid.uuid4()}", world.admin)
    assert response.headers["content-type"] == PROBLEM


def test_extreme_but_valid_effective_times_are_recorded_and_read_back(api):
    """The earliest and latest instants that exist in UTC, far from UTC: no server error."""
    admin = api.admin
    earliest, latest = "0001-01-02T00:00:00+14:00", "9999-12-30T23:59:59-14:00"
    group = api.group("Outside time")["id"]
    for outside in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        refused = api.client.post(
            f"/groups/{group}/purpose",
            json={"purpose": "P", "effective_at": outside},
            headers=admin.headers,
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["effective_at"]
    north = api.organisation("North")["id"]
    river = api.organisation("River")["id"]
    mia = api.person("Mia", north)
    api.write(
        "POST",
        f"/people/{mia.person_id}/affiliation",
        json={"organisation_id": river, "effective_at": latest},
    )
    group = api.group("Group", effective_at="0001-01-01T00:00:00Z")["id"]
    api.write(
        "POST",
        f"/groups/{group}/members",
        json={"person_id": mia.person_id, "effective_at": earliest},
        status=201,
    )
    for when, organisations in ((earliest, [north]), (latest, [river])):
        decision = api.create(
            f"/groups/{group}/decisions",
            {
                "title": "T",
                "decision": "D",
                "agreement": {
                    "method": "vote",
                    "participants": [mia.person_id, admin.person_id],
                    "effective_at": when,
                    "review_date": "9999-12-31",
                },
            },
            "/decisions",
        )
        assert decision["effective_at"] == when
        assert decision["participant_organisations"] == organisations, when
        assert api.read(f"/decisions/{decision['id']}")["effective_at"] == when
        principle = api.create(
            f"/groups/{group}/principles",
            {"statement": "S", "effective_at": earliest},
            "/principles",
        )
        agreed = api.write(
            "POST", f"/principles/{principle['id']}/agree", json={"effective_at": when}
        )
        assert agreed["agreed_at"] == when
