"""The console's pages: home (the groups one may see) and a group as it stood on any day."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from application.access import Access
from application.errors import RecordNotFound
from application.ledger import Ledger
from interfaces.api.deps import LedgerDep
from interfaces.web.moments import TimeSettings, read_time_settings
from interfaces.web.sentences import Namer, sentence
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
REVIEW_SOON = timedelta(days=30)
# Changes shown under each group on the home page.
LATEST = 3


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ledger: LedgerDep, session: SessionDep) -> Response:
    access = ledger.access.access_for(session.caller)
    groups = visible_groups(ledger, access.visible_groups())
    head = ledger.head_position()
    # Each group's latest changes, newest first, as sentences; names read once for them all.
    latest = {
        g["id"]: ledger.history.group_timeline(
            g["id"], limit=LATEST, min_position=head, before=head + 1
        )["items"]
        for g in groups
    }
    everything = [item for items in latest.values() for item in items]
    namer = Namer(
        ledger.directory,
        everything,
        functools.partial(ledger.access.sees_person, access),
        access.sees_group,
    )
    for group in groups:
        group["latest"] = [sentence(namer, item) for item in latest[group["id"]]]
    me = ledger.directory.person(session.caller.person_id)
    return page(request, "home.html", me=me, tree=_tree(groups))


@router.get("/console/groups/{group_id}", response_class=HTMLResponse)
def group_page(
    request: Request,
    group_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    on: str | None = None,
    known: str | None = None,
) -> Response:
    access = ledger.access.authorize(session.caller, "read", "group", group_id)
    moments = read_time_settings(on, known)
    state = _state_at(ledger, group_id, moments)
    context: dict[str, Any] = {"group_id": group_id, "moments": moments, "state": state}
    if state is not None:
        context.update(_described(ledger, access, state, moments))
    else:
        context["name"] = ledger.directory.group_name(group_id)
    status = 422 if moments.errors else 200
    return page(request, "group.html", status=status, **context)


def visible_groups(ledger: Ledger, visible: frozenset[str] | None) -> list[dict[str, Any]]:
    """The groups one may see (all of them for None), with name, purpose and members."""
    groups, cursor = [], None
    while True:
        found = ledger.records.list_records("group", None, None, cursor, 200, visible)
        groups.extend(found["items"])
        cursor = found["next_cursor"]
        if cursor is None:
            break
    return [
        {
            "id": group["id"],
            "name": group["name"],
            "purpose": group["purpose"],
            "status": group["status"],
            "parent": group["parent_group_id"],
            "members": len(group["members"]),
        }
        for group in ledger.records.get_groups([item["id"] for item in groups])
    ]


def _tree(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups under their parents; a group whose parent one may not see stands at the top."""
    by_id = {g["id"]: {**g, "children": []} for g in groups}
    roots: list[dict[str, Any]] = []
    for group in by_id.values():
        parent = by_id.get(group["parent"])
        (parent["children"] if parent else roots).append(group)
    return roots


def _state_at(ledger: Ledger, group_id: str, moments: TimeSettings) -> dict[str, Any] | None:
    """The group's state at the chosen moments; None before it existed. The page waits (a
    bounded time) for the read models to hold everything recorded before it was asked for."""
    head = ledger.head_position()
    try:
        return ledger.history.group_state(group_id, moments.as_of, moments.effective_at, head)
    except RecordNotFound:
        return None


def _described(
    ledger: Ledger, access: Access, state: dict[str, Any], moments: TimeSettings
) -> dict[str, Any]:
    """The state with names beside ids, as far as the reader may see them (the same
    visibility as sentences and the API's names), and what needs attention."""
    at = state["effective_at"]
    names = ledger.directory
    namer = Namer(
        names,
        [],
        functools.partial(ledger.access.sees_person, access),
        access.sees_group,
        moments.query(),
    )
    people = names.people([m["person_id"] for m in state["members"]], at)
    members = [
        {
            **people[m["person_id"]],
            "name": namer.name(m["person_id"]),
            "link": namer.person(m["person_id"]),
            "role": m["role"],
            "since": m["since"],
        }
        for m in state["members"]
    ]
    accountabilities = [
        {
            **a,
            "holder_name": namer.party(a["holder"]) if a.get("holder") else "",
            "offered_to": namer.party(a["open_handover"]["to"]) if a.get("open_handover") else None,
        }
        for a in state["accountabilities"]
    ]
    conflicts = [
        {**c, "raised_by_name": namer.person(c["raised_by"]) if c.get("raised_by") else ""}
        for c in state["conflicts"]
    ]
    day = (moments.on or datetime.now(UTC).date()).isoformat()
    soon = ((moments.on or datetime.now(UTC).date()) + REVIEW_SOON).isoformat()
    reviews = [d for d in state["decisions"] if d.get("review_date") and d["review_date"] <= soon]
    return {
        "name": state["name"],
        "members": sorted(members, key=lambda m: (m["role"] != "convener", m["name"])),
        "accountabilities": accountabilities,
        "conflicts": conflicts,
        "decisions": state["decisions"],
        "principles": state["principles"],
        "attention": {
            "overdue": [d for d in reviews if d["review_date"] < day],
            "due_soon": [d for d in reviews if d["review_date"] >= day],
            "pending": [a for a in accountabilities if a["offered_to"]],
        },
        "parent": names.group_name(state["parent_group_id"]) if state["parent_group_id"] else None,
        "query": moments.query(),
    }
