"""API keys over HTTP: administrators create, list, revoke and rotate; people rotate their own."""

from __future__ import annotations

import logging
import typing
import uuid
from typing import Any

import httpx
import pytest

from application.keys import ROLES
from interfaces.api.schemas.keys import KeyCreate, KeyPublic, Role
from tests.interfaces.support import Actor, Api, assert_problem, error_fields

METADATA = {"key_id", "person_id", "role", "label", "created_at", "revoked_at"}

# Every administrator-only route, with a body where it takes one; {key} is a real key id.
ADMIN_ROUTES = [
    ("POST", "/keys", {"person_id": "{person}", "role": "member", "label": "L"}),
    ("GET", "/keys", None),
    ("GET", "/keys/{key}", None),
    ("POST", "/keys/{key}/revoke", None),
    ("POST", "/keys/{key}/rotate", None),
]


def token(secret: str) -> str:
    """The secret part of acc_<key id>.<secret>."""
    return secret.split(".", 1)[1]


def fill(template: Any, **values: str) -> Any:
    if isinstance(template, dict):
        return {k: fill(v, **values) for k, v in template.items()}
    return template.format(**values) if isinstance(template, str) else template


def create(
    api: Api, person_id: str, role: str = "member", label: str | None = None
) -> dict[str, Any]:
    """POST /keys as the administrator: 201, Location, no-store, and a secret that works."""
    body = {"person_id": person_id, "role": role, "label": label}
    response = api.call("POST", "/keys", api.admin, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == METADATA | {"secret"}
    assert response.headers["location"] == f"/keys/{created['key_id']}"
    assert response.headers["cache-control"] == "no-store"
    assert created["secret"].startswith(f"acc_{created['key_id']}.")
    return created


def as_actor(created: dict[str, Any]) -> Actor:
    return Actor(created["person_id"], created["key_id"], created["secret"])


def me(api: Api, who: Actor) -> httpx.Response:
    return api.call("GET", "/me", who)


def identity(response: httpx.Response) -> tuple[str, str, str]:
    """Who /me says the caller is: person, key and role."""
    assert response.status_code == 200, response.text
    body = response.json()
    return body["person_id"], body["key_id"], body["role"]


def keys_listed(api: Api, as_: Actor | None = None, **params: str) -> list[dict[str, Any]]:
    response = api.call("GET", "/keys", as_ or api.admin, params=params)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert all(set(item) == METADATA for item in items), items
    return list(items)


# ---------------------------------------------------------------- create, read, list


# The first role's key is stored and used on every store; the other roles differ only in
# the role they are given, and are store_independent.
@pytest.mark.parametrize(
    "role",
    [
        pytest.param(r, marks=pytest.mark.store_independent if n else ())
        for n, r in enumerate(ROLES)
    ],
)
def test_an_administrator_creates_a_key_whose_secret_is_shown_once_and_works(api, admin, role):
    sam = api.person("Sam")
    created = create(api, sam.person_id, role, "laptop")
    assert (created["person_id"], created["role"], created["label"]) == (
        sam.person_id,
        role,
        "laptop",
    )
    assert created["revoked_at"] is None
    assert identity(me(api, as_actor(created))) == (sam.person_id, created["key_id"], role)
    read = api.call("GET", f"/keys/{created['key_id']}", admin)
    assert read.status_code == 200
    assert read.json() == {k: v for k, v in created.items() if k != "secret"}
    assert token(created["secret"]) not in read.text


def test_keys_are_listed_oldest_first_and_filtered_by_person(api, admin, new_person):
    sam, mia = new_person("Sam"), new_person("Mia")
    extra = create(api, sam.person_id, label="phone")
    listed = keys_listed(api)
    assert [k["key_id"] for k in listed] == [
        admin.key_id,
        sam.key_id,
        mia.key_id,
        extra["key_id"],
    ]
    assert [k["key_id"] for k in keys_listed(api, person_id=sam.person_id)] == [
        sam.key_id,
        extra["key_id"],
    ]
    assert keys_listed(api, person_id=str(uuid.uuid4())) == []
    problem = assert_problem(api.call("GET", "/keys", admin, params={"person_id": "x" * 65}), 422)
    assert error_fields(problem) == ["person_id"]


@pytest.mark.store_independent  # what a response carries is its model's
def test_no_response_ever_carries_a_stored_secret_or_its_digest(api, admin, new_person):
    sam = new_person("Sam")
    extra = create(api, sam.person_id, "auditor", "ops")
    revoked = create(api, sam.person_id)
    rotated = api.call("POST", f"/keys/{extra['key_id']}/rotate", admin).json()
    secrets_ = [admin.secret, sam.secret, extra["secret"], revoked["secret"], rotated["secret"]]
    digests = [api.ledger.store.find_api_key(s[4:].split(".")[0])[1] for s in secrets_]
    responses = [
        api.call("POST", f"/keys/{revoked['key_id']}/revoke", admin),
        api.call("GET", "/keys", admin),
        api.call("GET", "/keys", admin, params={"person_id": sam.person_id}),
        api.call("GET", f"/keys/{extra['key_id']}", admin),
        api.call("GET", "/me/keys", sam),
        api.call("GET", "/me/keys", admin),
        api.call("GET", "/me", sam),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        for secret, stored in zip(secrets_, digests, strict=True):
            assert token(secret) not in response.text
            assert stored not in response.text
        assert "secret" not in response.text and "hash" not in response.text
    assert len(keys_listed(api)) == 5


def test_creating_a_key_for_an_unknown_person_or_in_an_unknown_role_is_refused(api, admin):
    sam = api.person("Sam")
    org = api.organisation("North Trust")["id"]
    for person_id in (str(uuid.uuid4()), "nope", org):
        response = api.call("POST", "/keys", admin, json={"person_id": person_id})
        problem = assert_problem(response, 422)
        assert error_fields(problem) == ["person_id"] and person_id in problem["detail"]
    for body in (
        {"person_id": sam.person_id, "role": "owner"},
        {"person_id": sam.person_id, "label": "x" * 301},
        {"person_id": sam.person_id, "label": "nul\x00"},
        {"person_id": sam.person_id, "secret": "acc_mine.chosen"},
        {"role": "member"},
    ):
        problem = assert_problem(api.call("POST", "/keys", admin, json=body), 422)
        assert set(error_fields(problem)) & {"person_id", "role", "label", "secret"}, body
    assert len(keys_listed(api)) == 2


def test_the_roles_a_request_may_name_are_the_roles_of_the_ledger():
    assert typing.get_args(Role) == ROLES
    assert KeyCreate.model_config.get("extra") == "forbid"
    assert KeyPublic.model_config.get("extra") == "forbid"


# ---------------------------------------------------------------- who may


@pytest.mark.parametrize(
    "role", ["member", pytest.param("auditor", marks=pytest.mark.store_independent)]
)
def test_anyone_but_an_administrator_is_refused_403_on_every_keys_route(
    api, admin, new_person, role
):
    sam = new_person("Sam")
    row, secret = api.ledger.keys.create_key(sam.person_id, role)
    caller = Actor(sam.person_id, row.key_id, secret)
    before = keys_listed(api)
    # Even on their own key and for themselves: managing keys is the administrators' job.
    for method, path, body in ADMIN_ROUTES:
        for key in (sam.key_id, row.key_id, admin.key_id):
            url = path.format(key=key)
            response = api.call(method, url, caller, json=fill(body, person=sam.person_id))
            assert assert_problem(response, 403)["title"] == "Forbidden", (method, url)
    assert keys_listed(api) == before
    assert me(api, caller).status_code == 200 and me(api, sam).status_code == 200


@pytest.mark.store_independent  # every route asks the same key lookup, checked per store elsewhere
def test_without_a_valid_key_every_keys_route_answers_401(api, admin):
    sam = api.person("Sam")
    gone = create(api, sam.person_id, "administrator")
    api.call("POST", f"/keys/{gone['key_id']}/revoke", admin)
    before = keys_listed(api)
    self_service = [("GET", "/me/keys", None), ("POST", "/me/keys/{key}/rotate", None)]
    for method, path, body in [*ADMIN_ROUTES, *self_service]:
        url = path.format(key=admin.key_id)
        for headers in (
            {},
            {"Authorization": "Bearer acc_unknown.secret"},
            {"Authorization": f"Bearer acc_{admin.key_id}.not-the-secret"},
            {"Authorization": f"Bearer {gone['secret']}"},
            {"Authorization": admin.secret},
        ):
            json = fill(body, person=sam.person_id)
            response = api.client.request(method, url, headers=headers, json=json)
            assert assert_problem(response, 401)["title"] == "Unauthenticated", (method, url)
    assert keys_listed(api) == before


# ---------------------------------------------------------------- revoke


def test_a_revoked_key_is_refused_on_its_next_request(api, admin, new_person):
    sam = new_person("Sam")
    assert me(api, sam).status_code == 200
    response = api.call("POST", f"/keys/{sam.key_id}/revoke", admin)
    assert response.status_code == 200
    revoked = response.json()
    assert set(revoked) == METADATA and revoked["revoked_at"] is not None
    assert_problem(me(api, sam), 401)
    assert_problem(api.call("GET", "/me/keys", sam), 401)
    assert api.call("GET", f"/keys/{sam.key_id}", admin).json() == revoked
    # Revoking it again, or a key that never was, finds no active key.
    for key_id in (sam.key_id, uuid.uuid4().hex):
        problem = assert_problem(api.call("POST", f"/keys/{key_id}/revoke", admin), 404)
        assert key_id in problem["detail"]
    assert_problem(api.call("GET", f"/keys/{uuid.uuid4().hex}", admin), 404)
    assert me(api, admin).status_code == 200


def test_an_administrator_who_revokes_their_own_key_is_refused_from_then_on(api, admin):
    spare = create(api, admin.person_id, "administrator", "spare")
    assert api.call("POST", f"/keys/{admin.key_id}/revoke", admin).status_code == 200
    assert_problem(api.call("GET", "/keys", admin), 401)
    assert [k["revoked_at"] is None for k in keys_listed(api, as_actor(spare))] == [False, True]


# ---------------------------------------------------------------- rotate


def rotate(api: Api, url: str, as_: Actor) -> dict[str, Any]:
    response = api.call("POST", url, as_)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == METADATA | {"secret"}
    assert response.headers["location"] == f"/keys/{body['key_id']}"
    assert response.headers["cache-control"] == "no-store"
    return body


def test_rotating_a_key_revokes_the_old_secret_and_the_new_one_works(api, admin, new_person):
    sam = new_person("Sam")
    old = create(api, sam.person_id, "auditor", "laptop")
    new = rotate(api, f"/keys/{old['key_id']}/rotate", admin)
    assert (new["person_id"], new["role"], new["label"]) == (sam.person_id, "auditor", "laptop")
    assert new["key_id"] != old["key_id"] and new["revoked_at"] is None
    assert_problem(me(api, as_actor(old)), 401)
    assert identity(me(api, as_actor(new))) == (sam.person_id, new["key_id"], "auditor")
    # Both at once: the old key revoked, exactly one new active key, the others untouched.
    listed = {k["key_id"]: k for k in keys_listed(api, person_id=sam.person_id)}
    assert set(listed) == {sam.key_id, old["key_id"], new["key_id"]}
    assert listed[old["key_id"]]["revoked_at"] is not None
    assert listed[new["key_id"]]["revoked_at"] is None
    assert listed[sam.key_id]["revoked_at"] is None
    assert me(api, sam).status_code == 200


def test_a_revoked_rotated_or_unknown_key_cannot_be_rotated(api, admin, new_person):
    sam = new_person("Sam")
    api.call("POST", f"/keys/{sam.key_id}/revoke", admin)
    rotated = create(api, sam.person_id)
    rotate(api, f"/keys/{rotated['key_id']}/rotate", admin)
    before = keys_listed(api)
    for key_id in (sam.key_id, rotated["key_id"], uuid.uuid4().hex, "no-such-key"):
        problem = assert_problem(api.call("POST", f"/keys/{key_id}/rotate", admin), 404)
        assert key_id in problem["detail"]
    assert keys_listed(api) == before


def test_an_administrator_who_rotates_their_own_key_goes_on_with_the_new_one(api, admin):
    new = rotate(api, f"/keys/{admin.key_id}/rotate", admin)
    assert new["role"] == "administrator" and new["label"] == "first administrator"
    assert_problem(api.call("GET", "/keys", admin), 401)
    assert len(keys_listed(api, as_actor(new))) == 2


# ---------------------------------------------------------------- self-service


def test_a_person_lists_and_rotates_their_own_keys_and_no_one_elses(api, admin, new_person):
    sam, mia = new_person("Sam"), new_person("Mia")
    phone = create(api, sam.person_id, label="phone")
    response = api.call("GET", "/me/keys", sam)
    assert response.status_code == 200
    mine = response.json()["items"]
    assert [k["key_id"] for k in mine] == [sam.key_id, phone["key_id"]]
    assert all(set(k) == METADATA for k in mine)

    # Another person's key, or an administrator's, is as unknown as no key at all.
    for key_id in (mia.key_id, admin.key_id, uuid.uuid4().hex):
        problem = assert_problem(api.call("POST", f"/me/keys/{key_id}/rotate", sam), 404)
        assert key_id in problem["detail"]
    assert me(api, mia).status_code == 200 and me(api, admin).status_code == 200

    new = rotate(api, f"/me/keys/{phone['key_id']}/rotate", sam)
    assert (new["person_id"], new["role"], new["label"]) == (sam.person_id, "member", "phone")
    assert_problem(me(api, as_actor(phone)), 401)
    assert me(api, as_actor(new)).status_code == 200
    # The key in use can be rotated too; the request that rotates it is the last it makes.
    current = rotate(api, f"/me/keys/{sam.key_id}/rotate", sam)
    assert_problem(me(api, sam), 401)
    listed = api.call("GET", "/me/keys", as_actor(current)).json()["items"]
    assert [k["revoked_at"] is None for k in listed] == [False, False, True, True]
    assert_problem(api.call("POST", f"/me/keys/{phone['key_id']}/rotate", as_actor(new)), 404)


def test_an_auditor_sees_and_rotates_only_their_own_keys(api, new_person):
    aud = new_person("Aud")
    row, secret = api.ledger.keys.create_key(aud.person_id, "auditor")
    auditor = Actor(aud.person_id, row.key_id, secret)
    listed = api.call("GET", "/me/keys", auditor).json()["items"]
    assert {k["key_id"] for k in listed} == {aud.key_id, row.key_id}
    new = rotate(api, f"/me/keys/{row.key_id}/rotate", auditor)
    assert new["role"] == "auditor"


# ---------------------------------------------------------------- logs


@pytest.mark.store_independent  # what is logged does not depend on the store
def test_no_secret_reaches_the_logs_while_keys_are_created_rotated_and_used(
    api, admin, new_person, caplog
):
    caplog.set_level(logging.DEBUG)
    sam = new_person("Sam")
    created = create(api, sam.person_id, label="laptop")
    rotated = rotate(api, f"/keys/{created['key_id']}/rotate", admin)
    mine = rotate(api, f"/me/keys/{sam.key_id}/rotate", sam)
    for who in (admin, sam, as_actor(created), as_actor(rotated), as_actor(mine)):
        me(api, who)
        api.client.get("/me", headers={"Authorization": f"Bearer {who.secret}x"})
    secrets_ = [admin.secret, sam.secret, created["secret"], rotated["secret"], mine["secret"]]
    logged = caplog.text + repr([(r.msg, r.args, r.__dict__) for r in caplog.records])
    assert caplog.records, "nothing was logged: the check would prove nothing"
    for secret in secrets_:
        assert token(secret) not in logged
