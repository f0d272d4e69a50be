"""A group's timeline as sentences, newest first, paged and filtered."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from interfaces.api.deps import LedgerDep
from interfaces.web.moments import read_day
from interfaces.web.sentences import Namer, sentence
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
KINDS = ("group", "decision", "conflict", "principle", "accountability")
PAGE = 50


@router.get("/console/groups/{group_id}/timeline", response_class=HTMLResponse)
def timeline_page(
    request: Request,
    group_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    kind: str = "",
    person: str = "",
    organisation: str = "",
    start: str = "",
    end: str = "",
    before: str = "",
) -> Response:
    ledger.access.authorize(session.caller, "read", "group", group_id)
    errors: dict[str, str] = {}
    first, last = read_day(start, "start", errors), read_day(end, "end", errors)
    if kind and kind not in KINDS:
        errors["kind"] = "Choose one of the kinds of record listed."
    if first and last and last < first:
        errors["end"] = "The end must not be before the start."
    group = ledger.records.get_group(group_id)
    members = {m["person_id"] for m in group["members"]}
    if person and person not in members:
        errors["person"] = "Choose one of the group's members."
    people = sorted(ledger.directory.people(members).values(), key=lambda p: str(p["name"]))
    organisations = _organisations(people)
    if organisation and organisation not in {o["id"] for o in organisations}:
        errors["organisation"] = "Choose one of the organisations listed."
    position = int(before) if before.isdigit() else ledger.head_position() + 1
    filters = {
        "kind": kind,
        "person": person,
        "organisation": organisation,
        "start": start,
        "end": end,
    }
    items: list[dict[str, Any]] = []
    next_before = None
    if not errors:
        found = ledger.history.group_timeline(
            group_id,
            limit=PAGE,
            kinds=(kind,) if kind else (),
            person=person or None,
            organisation=organisation or None,
            recorded_from=datetime.combine(first, time.min, tzinfo=UTC) if first else None,
            recorded_to=datetime.combine(last, time.max, tzinfo=UTC) if last else None,
            min_position=ledger.head_position(),
            before=max(1, position),
        )
        access = ledger.access.access_for(session.caller)
        namer = Namer(
            ledger.directory,
            found["items"],
            lambda person: ledger.access.sees_person(access, person),
            access.sees_group,
        )
        items = [sentence(namer, item) for item in found["items"]]
        next_before = found["next_before"]
    query = {k: v for k, v in filters.items() if v}
    return page(
        request,
        "timeline.html",
        status=422 if errors else 200,
        group_id=group_id,
        name=group["name"],
        items=items,
        errors=errors,
        filters=filters,
        kinds=KINDS,
        people=people,
        organisations=organisations,
        later=urlencode({**query, "before": next_before}) if next_before else None,
    )


def _organisations(people: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The organisations the group's members belong to, by name: the choices for the filter."""
    found = {
        str(p["organisation_id"]): str(p.get("organisation_name", ""))
        for p in people
        if p.get("organisation_id")
    }
    return sorted(({"id": k, "name": v} for k, v in found.items()), key=lambda o: o["name"])
