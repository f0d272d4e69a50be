"""People in the console: a search (the same query as GET /people) and one person's page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from application.profiles import QUERY_LENGTH
from domain.base import InvalidInput
from interfaces.api.deps import LedgerDep
from interfaces.web.invitations import invitation_form
from interfaces.web.moments import read_time_settings
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
PAGE = 50


@router.get("/console/people", response_class=HTMLResponse)
def people_page(
    request: Request,
    ledger: LedgerDep,
    session: SessionDep,
    q: str = "",
    organisation_id: str = "",
    cursor: str = "",
) -> Response:
    access = ledger.access.access_for(session.caller)
    errors: dict[str, str] = {}
    found: dict[str, Any] = {"items": [], "next_cursor": None}
    if len(q.strip()) > QUERY_LENGTH:
        errors["q"] = f"Enter at most {QUERY_LENGTH} characters."
    else:
        try:
            found = ledger.profiles.find_people(
                access, q, organisation_id or None, cursor or None, PAGE, ledger.head_position()
            )
        except InvalidInput as error:
            field = "organisation_id" if error.field == "organisation_id" else "q"
            errors[field] = _message(error.field)
    organisations = ledger.records.list_records("organisation", limit=200)["items"]
    filters = {"q": q, "organisation_id": organisation_id}
    query = {k: v for k, v in filters.items() if v}
    return page(
        request,
        "people.html",
        status=422 if errors else 200,
        people=found["items"],
        errors=errors,
        filters=filters,
        organisations=sorted(organisations, key=lambda o: str(o["title"])),
        later=urlencode({**query, "cursor": found["next_cursor"]})
        if found["next_cursor"]
        else None,
    )


def _message(field: str | None) -> str:
    if field == "organisation_id":
        return "Choose one of the organisations listed."
    if field == "cursor":
        return "That page is not one this console offered: start the search again."
    return "Enter part of a name."


@router.get("/console/people/{person_id}", response_class=HTMLResponse)
def person_page(
    request: Request,
    person_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    on: str | None = None,
    known: str | None = None,
) -> Response:
    access = ledger.access.access_for(session.caller)
    moments = read_time_settings(on, known)
    profile = ledger.profiles.profile(
        access, person_id, moments.as_of, moments.effective_at, ledger.head_position()
    )
    return page(
        request,
        "person.html",
        status=422 if moments.errors else 200,
        p=profile,
        invite=invitation_form(ledger, access, person_id),
        moments=moments,
        base=f"/console/people/{person_id}",
    )
