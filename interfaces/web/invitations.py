"""One-time sign-in links made from the console: an administrator (for anyone) or a convener
(for the people in a group they convene) makes one on a person's page and hands it on, as
`accord keys invite` and `POST /people/{id}/sign-in-links` do. The link is shown once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from application.access import Access
from application.keys import ROLES
from application.ledger import Ledger
from application.signin_links import MAX_MINUTES
from domain.base import InvalidInput, NotAllowed
from interfaces.api.deps import LedgerDep
from interfaces.api.routes.keys import sign_in_url
from interfaces.web.signin import FormDep, SessionDep, mark_page, require_csrf
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])


def may_invite(ledger: Ledger, access: Access, person_id: str) -> bool:
    """Whether the person's page offers this caller the form (the policy decides again)."""
    if access.auditor:
        return False
    return access.administrator or ledger.access.convenes_a_group_of(access, person_id)


@router.post("/console/people/{person_id}/sign-in-link", response_class=HTMLResponse)
def make_sign_in_link(
    request: Request, person_id: str, ledger: LedgerDep, session: SessionDep, form: FormDep
) -> Response:
    access = ledger.access.authorize(session.caller, "invite", "person", person_id)
    require_csrf(session, form)
    role = form.get("role", "member")
    errors: dict[str, str] = {}
    minutes = _minutes(form.get("minutes", ""), errors)
    if role not in ROLES:
        errors["role"] = "Choose member, auditor or administrator."
    elif role != "member" and not access.administrator:
        errors["role"] = "Only an administrator may give a link another role than member."
    if not errors:
        try:
            link = ledger.sign_in_links.make_link(person_id, role, minutes, access)
        except (InvalidInput, NotAllowed) as error:
            errors[getattr(error, "field", None) or "role"] = str(error)
    named = ledger.directory.names_for(lambda p: ledger.access.sees_person(access, p), [person_id])
    name = named(person_id) or "this person"
    if errors:
        return page(
            request,
            "invitation.html",
            status=422,
            person_id=person_id,
            name=name,
            errors=errors,
            form=form,
            roles=_roles(access),
            longest=MAX_MINUTES,
        )
    return page(
        request,
        "invitation.html",
        person_id=person_id,
        name=name,
        url=sign_in_url(request, link.token),
        link=link,
    )


def _minutes(text: str, errors: dict[str, str]) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_MINUTES:
        errors["minutes"] = f"Give a whole number of minutes from 1 to {MAX_MINUTES}."
        return None
    return int(text)


def _roles(access: Access) -> tuple[str, ...]:
    return ("member", "auditor", "administrator") if access.administrator else ("member",)


def invitation_form(ledger: Ledger, access: Access, person_id: str) -> dict[str, Any] | None:
    """What the person's page needs to offer the form, or None when it does not."""
    if not may_invite(ledger, access, person_id):
        return None
    return {"roles": _roles(access), "longest": MAX_MINUTES}
