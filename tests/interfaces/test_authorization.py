"""Who may do what, route by route: the authorization matrix, generated from the app's routes.

Every route of the app must have a case here (a new route without one fails), and every
route must declare exactly one guard. Each route is called by eight callers: an
administrator, an auditor, a group's convener, member and observer, a member of another
group, a revoked key and no key. A caller the policy lets through reaches the route
itself, which then refuses the request for a reason that records nothing (a stale
If-Match, 412, or a body with an unknown field, 422); a caller it stops gets 401, 403 or
404. The ledger's head must not move during the whole matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from interfaces.api.access import policy_of
from tests.interfaces.support import Actor, Api, api_routes

CALLERS = ("administrator", "auditor", "convener", "member", "observer", "other", "revoked", "none")
LET_THROUGH = "through"

# Expected outcome per class of route, for each caller (401 for revoked and no key always).
CLASSES: dict[str, dict[str, int | str]] = {
    # Anyone with a valid key: organisations, /me, lists and feeds (filtered), reports.
    "authenticated": dict.fromkeys(CALLERS[:6], LET_THROUGH),
    "administrator": {"administrator": LET_THROUGH}
    | dict.fromkeys(("auditor", "convener", "member", "observer", "other"), 403),
    "writer": dict.fromkeys(CALLERS[:6], LET_THROUGH) | {"auditor": 403},
    "register": dict.fromkeys(CALLERS[:6], 403)
    | {"administrator": LET_THROUGH, "convener": LET_THROUGH},
    "read group": dict.fromkeys(CALLERS[:5], LET_THROUGH) | {"other": 404},
    "act in group": {
        "administrator": LET_THROUGH,
        "auditor": 403,
        "convener": LET_THROUGH,
        "member": LET_THROUGH,
        "observer": 403,
        "other": 404,
    },
    "convene group": {
        "administrator": LET_THROUGH,
        "auditor": 403,
        "convener": LET_THROUGH,
        "member": 403,
        "observer": 403,
        "other": 404,
    },
    # Removing a member: the convener, or the person themselves (here: the observer).
    "convene or leave": {
        "administrator": LET_THROUGH,
        "auditor": 403,
        "convener": LET_THROUGH,
        "member": 403,
        "observer": LET_THROUGH,
        "other": 404,
    },
    # A one-time sign-in link for a person: an administrator, or a convener of their group.
    "invite person": {
        "administrator": LET_THROUGH,
        "auditor": 403,
        "convener": LET_THROUGH,
        "member": 403,
        "observer": 403,
        "other": 404,
    },
    # Answering a handover: whoever sees it reaches the domain's recipient check.
    "respond": dict.fromkeys(CALLERS[:5], LET_THROUGH) | {"auditor": 403, "other": 404},
    # The member's own record: they and administrators change it; the group sees it.
    "read person": dict.fromkeys(CALLERS[:5], LET_THROUGH) | {"other": 404},
    "change person": {
        "administrator": LET_THROUGH,
        "auditor": 403,
        "convener": 403,
        "member": LET_THROUGH,
        "observer": 403,
        "other": 404,
    },
    "keep organisations": {"administrator": LET_THROUGH}
    | dict.fromkeys(("auditor", "convener", "member", "observer", "other"), 403),
}


@dataclass
class World:
    api: Api
    callers: dict[str, Actor | None]
    ids: dict[str, str]

    def url(self, template: str) -> str:
        return template.format(**self.ids)


def _world(api: Api) -> World:
    admin = api.admin
    assert admin is not None
    convener, member, observer = api.person("Cleo"), api.person("Mo"), api.person("Obi")
    other, host, leaver = api.person("Oz"), api.person("Hana"), api.person("Rev")
    auditor_row, auditor_secret = api.ledger.keys.create_key(api.person("Aud").person_id, "auditor")
    group = api.group("Design team", as_=convener)["id"]
    for person, role in ((member, "member"), (observer, "observer"), (leaver, "member")):
        api.write(
            "POST",
            f"/groups/{group}/members",
            convener,
            {"person_id": person.person_id, "role": role},
            status=201,
        )
    elsewhere = api.group("Elsewhere", as_=host)["id"]
    api.write(
        "POST",
        f"/groups/{elsewhere}/members",
        host,
        {"person_id": other.person_id, "role": "member"},
        status=201,
    )
    # A member's key, revoked: being in the group does not outlive the key.
    api.ledger.keys.revoke_key(leaver.key_id)
    org = api.organisation("North")["id"]
    decision = api.create(
        f"/groups/{group}/decisions", {"title": "T", "decision": "D"}, "/decisions", member
    )["id"]
    conflict = api.create(
        f"/groups/{group}/conflicts",
        {"about": "A", "description": "D", "parties": [{"kind": "organisation", "id": org}]},
        "/conflicts",
        member,
    )["id"]
    principle = api.create(
        f"/groups/{group}/principles", {"statement": "S"}, "/principles", member
    )["id"]
    holder = {"kind": "person", "id": convener.person_id}
    accountability = api.create(
        f"/groups/{group}/accountabilities",
        {"title": "Rota", "holder": holder},
        "/accountabilities",
        convener,
    )["id"]
    handover = api.write(
        "POST",
        f"/accountabilities/{accountability}/handovers",
        convener,
        {"to": {"kind": "person", "id": member.person_id}},
        status=201,
    )["open_handover_id"]
    ids = {
        "group_id": group,
        "organisation_id": org,
        "decision_id": decision,
        "conflict_id": conflict,
        "principle_id": principle,
        "accountability_id": accountability,
        "handover_id": handover,
        "member": member.person_id,
        "observer": observer.person_id,
        "member_key": member.key_id,
        "unknown": "0" * 32,
    }
    callers: dict[str, Actor | None] = {
        "administrator": admin,
        "auditor": Actor(auditor_row.person_id, auditor_row.key_id, auditor_secret),
        "convener": convener,
        "member": member,
        "observer": observer,
        "other": other,
        "revoked": leaver,
        "none": None,
    }
    return World(api, callers, ids)


GROUP = "/groups/{group_id}"
ACC = "/accountabilities/{accountability_id}"
HANDOVER = ACC + "/handovers/{handover_id}"

# Route -> (class, the concrete path). History routes are added below.
MATRIX: dict[str, tuple[str, str]] = {
    "GET /me": ("authenticated", "/me"),
    "POST /organisations": ("keep organisations", "/organisations"),
    "GET /organisations": ("authenticated", "/organisations"),
    "GET /organisations/{organisation_id}": ("authenticated", "/organisations/{organisation_id}"),
    "POST /organisations/{organisation_id}/rename": (
        "keep organisations",
        "/organisations/{organisation_id}/rename",
    ),
    "POST /organisations/{organisation_id}/sector": (
        "keep organisations",
        "/organisations/{organisation_id}/sector",
    ),
    "POST /people": ("register", "/people"),
    "GET /people": ("authenticated", "/people"),
    "GET /people/{person_id}": ("read person", "/people/{member}"),
    "POST /people/{person_id}/affiliation": ("change person", "/people/{member}/affiliation"),
    "POST /groups": ("writer", "/groups"),
    "GET /groups": ("authenticated", "/groups"),
    "GET /groups/{group_id}": ("read group", GROUP),
    "POST /groups/{group_id}/purpose": ("convene group", GROUP + "/purpose"),
    "POST /groups/{group_id}/members": ("convene group", GROUP + "/members"),
    "POST /groups/{group_id}/members/{person_id}/role": (
        "convene group",
        GROUP + "/members/{member}/role",
    ),
    "DELETE /groups/{group_id}/members/{person_id}": (
        "convene or leave",
        GROUP + "/members/{observer}",
    ),
    "POST /groups/{group_id}/close": ("convene group", GROUP + "/close"),
    "GET /groups/{group_id}/timeline": ("read group", GROUP + "/timeline"),
    "GET /groups/{group_id}/state": ("read group", GROUP + "/state"),
    "GET /groups/{group_id}/changes": (
        "read group",
        GROUP + "/changes?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z",
    ),
    "GET /events": ("authenticated", "/events"),
    "GET /ledger/head": ("authenticated", "/ledger/head"),
    "GET /reports/accountability": ("authenticated", "/reports/accountability"),
    "GET /keys": ("administrator", "/keys"),
    "POST /keys": ("administrator", "/keys"),
    "GET /keys/{key_id}": ("administrator", "/keys/{member_key}"),
    "POST /keys/{key_id}/revoke": ("administrator", "/keys/{unknown}/revoke"),
    "POST /keys/{key_id}/rotate": ("administrator", "/keys/{unknown}/rotate"),
    "GET /me/keys": ("authenticated", "/me/keys"),
    "POST /me/keys/{key_id}/rotate": ("authenticated", "/me/keys/{unknown}/rotate"),
}
for _kind, _param in (
    ("decisions", "decision_id"),
    ("conflicts", "conflict_id"),
    ("principles", "principle_id"),
    ("accountabilities", "accountability_id"),
):
    MATRIX[f"POST /groups/{{group_id}}/{_kind}"] = ("act in group", f"{GROUP}/{_kind}")
    MATRIX[f"GET /groups/{{group_id}}/{_kind}"] = ("read group", f"{GROUP}/{_kind}")
    MATRIX[f"GET /{_kind}/{{{_param}}}"] = ("read group", f"/{_kind}/{{{_param}}}")
    MATRIX[f"GET /{_kind}/{{record_id}}/history"] = (
        "read group",
        f"/{_kind}/{{{_param}}}/history",
    )
for _action in ("agree", "reject", "withdraw", "revoke"):
    MATRIX[f"POST /decisions/{{decision_id}}/{_action}"] = (
        "act in group",
        f"/decisions/{{decision_id}}/{_action}",
    )
for _action in ("acknowledge", "notes", "resolve", "escalate", "withdraw"):
    MATRIX[f"POST /conflicts/{{conflict_id}}/{_action}"] = (
        "act in group",
        f"/conflicts/{{conflict_id}}/{_action}",
    )
for _action in ("endorsements", "agree", "amend", "retire"):
    MATRIX[f"POST /principles/{{principle_id}}/{_action}"] = (
        "act in group",
        f"/principles/{{principle_id}}/{_action}",
    )
for _action in ("handovers", "return", "retire"):
    MATRIX[f"POST /accountabilities/{{accountability_id}}/{_action}"] = (
        "act in group",
        f"{ACC}/{_action}",
    )
MATRIX["POST " + HANDOVER.replace(ACC, "/accountabilities/{accountability_id}") + "/accept"] = (
    "respond",
    HANDOVER + "/accept",
)
MATRIX["POST /accountabilities/{accountability_id}/handovers/{handover_id}/decline"] = (
    "respond",
    HANDOVER + "/decline",
)
MATRIX["POST /accountabilities/{accountability_id}/handovers/{handover_id}/withdraw"] = (
    "act in group",
    HANDOVER + "/withdraw",
)
MATRIX["GET /groups/{record_id}/history"] = ("read group", GROUP + "/history")
MATRIX["GET /organisations/{record_id}/history"] = (
    "authenticated",
    "/organisations/{organisation_id}/history",
)
MATRIX["GET /people/{record_id}/history"] = ("read person", "/people/{member}/history")
MATRIX["POST /people/{person_id}/forget"] = ("administrator", "/people/{member}/forget")
MATRIX["POST /people/{person_id}/sign-in-links"] = (
    "invite person",
    "/people/{member}/sign-in-links",
)

# What a route the policy lets through answers, when the request records nothing.
THROUGH_STATUS: dict[str, set[int]] = {
    "GET": {200},
    # An unknown field in the body (422) or a stale If-Match (412): nothing is recorded.
    "POST": {412, 422},
    "DELETE": {412},
}
# Routes whose target is deliberately unknown, so that letting through answers 404.
UNKNOWN_TARGET = {
    "POST /keys/{key_id}/revoke",
    "POST /keys/{key_id}/rotate",
    "POST /me/keys/{key_id}/rotate",
}


def test_every_route_has_a_case_and_one_guard(client):
    routes = {str(r): r for r in api_routes(client.app)}
    assert set(routes) - set(MATRIX) == set(), "routes without an authorization case"
    assert set(MATRIX) - set(routes) == set(), "cases for routes the app does not have"
    for name, route in routes.items():
        guards = [
            policy_of(d.call) for d in route.route.dependant.dependencies if policy_of(d.call)
        ]
        assert len(guards) == 1, (name, guards)


def _request(world: World, name: str, as_: Actor | None) -> Any:
    method, _ = name.split(" ", 1)
    url = world.url(MATRIX[name][1])
    kwargs: dict[str, Any] = {"headers": {"If-Match": '"999999"'}}
    if method == "POST":
        kwargs["json"] = {"not_a_field_of_any_body": True}
    return world.api.call(method, url, as_, **kwargs)


# A member's row reads memberships and the record index on every store; the other callers
# pass the same policy over the same reads, and are store_independent.
@pytest.mark.parametrize(
    "caller",
    [
        pytest.param(c, marks=() if c == "member" else pytest.mark.store_independent)
        for c in CALLERS
    ],
)
def test_authorization_matrix(api, caller):
    world = _world(api)
    as_ = world.callers[caller]
    head = api.head()
    wrong: list[str] = []
    for name, (kind, _) in sorted(MATRIX.items()):
        expected = 401 if caller in ("revoked", "none") else CLASSES[kind][caller]
        response = _request(world, name, as_)
        status = response.status_code
        if expected == LET_THROUGH:
            allowed = {404} if name in UNKNOWN_TARGET else THROUGH_STATUS[name.split(" ")[0]]
            if status not in allowed:
                wrong.append(f"{name}: {caller} let through, expected {allowed}, got {status}")
        elif status != expected:
            wrong.append(f"{name}: {caller} expected {expected}, got {status} {response.text}")
        elif status in (401, 403, 404):
            assert response.headers["content-type"].startswith("application/problem+json")
    assert wrong == []
    assert api.head() == head, "a request the matrix made recorded something"
