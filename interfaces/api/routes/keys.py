"""API keys: administrators manage everyone's; every caller lists and rotates their own.
And one-time sign-in links, so that a person can use the console without handling a key."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from application.access import Access
from application.ports import ApiKeyRow
from interfaces.api.access import Own, allow
from interfaces.api.deps import LedgerDep
from interfaces.api.errors import problems
from interfaces.api.schemas.keys import (
    KeyCreate,
    KeyCreated,
    KeyPublic,
    KeysPublic,
    SignInLinkCreate,
    SignInLinkCreated,
)

router = APIRouter(tags=["keys"])


# Managing everyone's keys is the administrators'; one's own keys are one's own.
AdministratorDep = Annotated[Access, allow("administer")]


def public(row: ApiKeyRow) -> dict[str, Any]:
    return asdict(row)


def created(response: Response, row: ApiKeyRow, secret: str) -> dict[str, Any]:
    """A new key with its secret, shown once: never cached."""
    response.headers["Location"] = f"/keys/{row.key_id}"
    response.headers["Cache-Control"] = "no-store"
    return {**public(row), "secret": secret}


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyCreated,
    summary="Create an API key for a person (administrators)",
    description="The secret is in this response only; it is stored as a digest.",
    responses=problems(403, 422),
)
def create_key(
    body: KeyCreate, ledger: LedgerDep, _: AdministratorDep, response: Response
) -> dict[str, Any]:
    row, secret = ledger.keys.create_key(body.person_id, body.role, body.label)
    return created(response, row, secret)


@router.get(
    "/keys",
    response_model=KeysPublic,
    summary="List API keys, active and revoked (administrators)",
    responses=problems(403, 422),
)
def list_keys(
    ledger: LedgerDep,
    _: AdministratorDep,
    person_id: Annotated[
        str | None, Query(max_length=64, description="Only this person's keys.")
    ] = None,
) -> dict[str, Any]:
    return {"items": [public(row) for row in ledger.keys.list_keys(person_id)]}


@router.get(
    "/keys/{key_id}",
    response_model=KeyPublic,
    summary="Get an API key's metadata (administrators)",
    responses=problems(403, 404),
)
def get_key(key_id: str, ledger: LedgerDep, _: AdministratorDep) -> dict[str, Any]:
    return public(ledger.keys.get_key(key_id))


@router.post(
    "/keys/{key_id}/revoke",
    response_model=KeyPublic,
    summary="Revoke an API key (administrators)",
    description="The next request with the key is refused with 401.",
    responses=problems(403, 404),
)
def revoke_key(key_id: str, ledger: LedgerDep, _: AdministratorDep) -> dict[str, Any]:
    return public(ledger.keys.revoke_key(key_id))


@router.post(
    "/keys/{key_id}/rotate",
    status_code=201,
    response_model=KeyCreated,
    summary="Replace an API key by a new one (administrators)",
    description="A new key for the same person, role and label; the old key is revoked in "
    "the same transaction. The new secret is in this response only.",
    responses=problems(403, 404),
)
def rotate_key(
    key_id: str, ledger: LedgerDep, _: AdministratorDep, response: Response
) -> dict[str, Any]:
    row, secret = ledger.keys.rotate_key(key_id)
    return created(response, row, secret)


@router.get(
    "/me/keys",
    response_model=KeysPublic,
    summary="List the caller's own API keys",
    responses=problems(),
)
def my_keys(ledger: LedgerDep, access: Own) -> dict[str, Any]:
    return {"items": [public(row) for row in ledger.keys.list_keys(access.person_id)]}


@router.post(
    "/me/keys/{key_id}/rotate",
    status_code=201,
    response_model=KeyCreated,
    summary="Replace one of the caller's own API keys by a new one",
    description="As the administrators' rotate, for the caller's own active keys only; "
    "any other key is unknown (404).",
    responses=problems(404),
)
def rotate_my_key(
    key_id: str, ledger: LedgerDep, access: Own, response: Response
) -> dict[str, Any]:
    row, secret = ledger.keys.rotate_key(key_id, access.person_id)
    return created(response, row, secret)


@router.post(
    "/people/{person_id}/sign-in-links",
    status_code=201,
    response_model=SignInLinkCreated,
    summary="Make a one-time sign-in link to the console for a person",
    description="An administrator may make one for anyone; a group's convener for the "
    "people in a group they convene (a `member` link only). The person opens the link and "
    "presses a button: a console session starts with their rights, acting with a new key "
    "of theirs labelled `console sign-in link` (revoke it to end the session). The link "
    "works once, until `expires_at`; it is in this response only and never holds a key. "
    "Nothing is recorded in the ledger: like API keys, links are kept beside it. "
    "Send `{}` for a member's link that lasts the default time.",
    responses=problems(403, 404, 422),
)
def make_sign_in_link(
    person_id: str,
    body: SignInLinkCreate,
    request: Request,
    ledger: LedgerDep,
    access: Annotated[Access, allow("invite", "person", "person_id")],
    response: Response,
) -> dict[str, Any]:
    link = ledger.sign_in_links.make_link(person_id, body.role, body.minutes, access)
    response.headers["Cache-Control"] = "no-store"
    return {
        "url": sign_in_url(request, link.token),
        "person_id": link.person_id,
        "role": link.role,
        "expires_at": link.expires_at,
    }


def sign_in_url(request: Request, token: str) -> str:
    """The link's address: ACCORD_PUBLIC_URL if set, else the address this request came to."""
    settings = getattr(request.app.state, "settings", None)
    base = getattr(settings, "public_url", None) or str(request.base_url)
    return f"{base.rstrip('/')}/signin/link/{token}"
