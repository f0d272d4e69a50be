"""History, timelines, the event feed, and a group's state and changes over time."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from application.access import Access
from interfaces.api.access import allow
from interfaces.api.deps import LedgerDep, MinPosition, StateAsOf, StateEffectiveAt
from interfaces.api.documents import wanted
from interfaces.api.errors import problems
from interfaces.api.names import with_change_names, with_member_names, with_recorders
from interfaces.api.schemas.common import Moment
from interfaces.api.schemas.history import Changes, EventsPage, GroupState, HistoryPage
from interfaces.reports.minutes import minutes, render_markdown

router = APIRouter(tags=["history"])
MINUTES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The changes: JSON by default; with `Accept: text/markdown` minutes "
        "as one Markdown document.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Changes"}},
            "text/markdown": {
                "schema": {"type": "string"},
                "example": "# Changes in Community Hub Design Team\n\nWhat took effect from "
                "1 March 2026 to 31 March 2026, as the ledger knew it on 2 April 2026.\n\n"
                "## Decisions\n\n- “Open at nine” was agreed by consent, with 2 "
                "organisations taking part; in effect 1 March 2026, recorded 3 March 2026 "
                "by Sam Rivera.\n",
            },
        },
    }
}

After = Annotated[int, Query(ge=0, le=2**62, description="Only events after this position.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size (at most 500).")]
KINDS = {
    "organisations": "organisation",
    "people": "person",
    "groups": "group",
    "decisions": "decision",
    "conflicts": "conflict",
    "principles": "principle",
    "accountabilities": "accountability",
}


def _history_route(path: str, kind: str) -> None:
    def history(
        record_id: str,
        ledger: LedgerDep,
        access: Access = allow("read", kind, "record_id"),
        min_position: MinPosition = None,
        after: After = 0,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        page = ledger.history.record_history(kind, record_id, after, limit, min_position)
        if kind == "person" and not ledger.access.sees_contact(access, record_id):
            for item in page["items"]:
                item["data"].pop("email", None)
        return with_recorders(ledger, access, page)

    router.add_api_route(
        f"/{path}/{{record_id}}/history",
        history,
        methods=["GET"],
        response_model=HistoryPage,
        summary=f"Every event of a {kind}, oldest first",
        description="Each event with its position, type, recorded time, who recorded it, "
        "effective time and data. Page with ?after=next_after.",
        responses=problems(404, 422),
        name=f"{kind}_history",
    )


for _path, _kind in KINDS.items():
    _history_route(_path, _kind)


@router.get(
    "/groups/{group_id}/timeline",
    response_model=HistoryPage,
    summary="Events of a group and of every record in it",
    description="Oldest first; filter by record kind, event type, person or organisation "
    "named, and recorded time. Pages continue with ?after=next_after and never repeat or "
    "skip an event, even while writes continue.",
    responses=problems(404, 422),
)
def timeline(
    group_id: str,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read", "group", "group_id")],
    min_position: MinPosition = None,
    after: After = 0,
    limit: Limit = 100,
    kind: Annotated[list[str] | None, Query(description="Record kinds, e.g. decision.")] = None,
    type: Annotated[
        list[str] | None, Query(description="Event types, e.g. Decision.Agreed.")
    ] = None,
    person: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Events that person recorded or is named in: as member, convener, "
            "proposer, participant, objector, raiser, party, holder, offering holder or "
            "recipient of a handover, or the person the event is about.",
        ),
    ] = None,
    organisation: Annotated[
        str | None, Query(max_length=64, description="An organisation named.")
    ] = None,
    from_: Annotated[
        Moment | None, Query(alias="from", description="Recorded at or after.")
    ] = None,
    to: Annotated[Moment | None, Query(description="Recorded before.")] = None,
) -> dict[str, Any]:
    page = ledger.history.group_timeline(
        group_id,
        after,
        limit,
        tuple(kind or ()),
        tuple(type or ()),
        person,
        organisation,
        from_,
        to,
        min_position,
    )
    return with_recorders(ledger, access, page)


@router.get(
    "/events",
    response_model=EventsPage,
    summary="The whole ledger in order, for clients that follow it",
    description="Read straight from the event log. Names and emails are left out; fetch "
    "/people/{id} for them.",
    responses=problems(422),
)
def events(
    ledger: LedgerDep,
    access: Annotated[Access, allow("read")],
    after: After = 0,
    limit: Limit = 100,
) -> dict[str, Any]:
    return ledger.records.event_feed(after, limit, access)


@router.get(
    "/groups/{group_id}/state",
    response_model=GroupState,
    summary="A group as it stood at a moment",
    description="Purpose, members and roles, principles in force, decisions in effect, open "
    "conflicts, accountabilities and holders. `as_of` alone: what the ledger said then; "
    "`effective_at` alone: what was in effect then, by what is known now; both: what the "
    "ledger said at `as_of` about `effective_at`.",
    responses=problems(404, 422),
)
def group_state(
    group_id: str,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read", "group", "group_id")],
    min_position: MinPosition = None,
    as_of: StateAsOf = None,
    effective_at: StateEffectiveAt = None,
) -> dict[str, Any]:
    state = ledger.history.group_state(group_id, as_of, effective_at, min_position)
    return with_member_names(ledger, access, state)


@router.get(
    "/groups/{group_id}/changes",
    response_model=Changes,
    summary="What changed in a group between two moments",
    description="A minutes-style summary of changes that took effect in [from, to): members "
    "joining and leaving, decisions, principles, conflicts and handovers, each linked to the "
    "record and history behind it, with the names of the people it mentions. With "
    "`Accept: text/markdown`: the same changes as minutes, grouped by kind, one sentence "
    "each with both times (the document the console downloads).",
    responses={**problems(404, 422), **MINUTES_RESPONSES},
)
def group_changes(
    request: Request,
    group_id: str,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read", "group", "group_id")],
    from_: Annotated[Moment, Query(alias="from", description="Start (inclusive).")],
    to: Annotated[Moment, Query(description="End (exclusive).")],
    min_position: MinPosition = None,
) -> dict[str, Any] | Response:
    if wanted(request) == "text/markdown":
        sees = functools.partial(ledger.access.sees_person, access)
        doc = minutes(ledger, group_id, from_, to, sees, min_position)
        return Response(render_markdown(doc), media_type="text/markdown; charset=utf-8")
    found = ledger.changes.group_changes(group_id, from_, to, min_position)
    return with_change_names(ledger, access, found)
