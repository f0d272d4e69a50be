"""The decision register of a group, and a decision's record in the shape reviewers know."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from application.ledger import Ledger
from interfaces.api.deps import LedgerDep
from interfaces.reports.decision_record import Sight
from interfaces.reports.outcomes import outcomes_csv
from interfaces.web.moments import read_day
from interfaces.web.records import Reading, read
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
STATUSES = ("proposed", "agreed", "rejected", "withdrawn", "superseded", "revoked")
METHODS = ("consent", "consensus", "vote", "delegated_authority", "single_lead")


def _effective_day(value: Any) -> date | None:
    if value is None:
        return None
    return (value if isinstance(value, datetime) else datetime.fromisoformat(str(value))).date()


@router.get("/console/groups/{group_id}/decisions", response_class=HTMLResponse)
def register(
    request: Request,
    group_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    status: str = "",
    method: str = "",
    q: str = "",
    start: str = "",
    end: str = "",
    format: str = "",
) -> Response:
    access = ledger.access.authorize(session.caller, "read", "group", group_id)
    errors: dict[str, str] = {}
    first, last = read_day(start, "start", errors), read_day(end, "end", errors)
    if status and status not in STATUSES:
        errors["status"] = "Choose one of the statuses listed."
    if method and method not in METHODS:
        errors["method"] = "Choose one of the methods listed."
    if first and last and last < first:
        errors["end"] = "The end must not be before the start."
    rows = []
    if not errors:
        for decision in ledger.records.all_decisions(group_id, status or None):
            when = _effective_day(decision["effective_at"])
            if method and decision["method"] != method:
                continue
            if q and q.casefold() not in decision["title"].casefold():
                continue
            if (first or last) and (
                when is None or (first and when < first) or (last and when > last)
            ):
                continue
            rows.append({**decision, "organisations": len(decision["participant_organisations"])})
    if format and format != "csv":
        errors["format"] = "Choose CSV."
    if format == "csv" and not errors:
        # The decisions shown, as the outcomes table the API gives (Accept: text/csv).
        sight = Sight(lambda p: ledger.access.sees_person(access, p), access.sees_group)
        return PlainTextResponse(
            outcomes_csv(ledger, group_id, rows, sight),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="decisions.csv"'},
        )
    filters = {"status": status, "method": method, "q": q, "start": start, "end": end}
    return page(
        request,
        "decisions.html",
        status=422 if errors else 200,
        group_id=group_id,
        name=ledger.directory.group_name(group_id),
        rows=rows,
        errors=errors,
        filters=filters,
        statuses=STATUSES,
        methods=METHODS,
        query=urlencode({k: v for k, v in filters.items() if v}),
    )


@router.get("/console/decisions/{decision_id}", response_class=HTMLResponse)
def decision_page(
    request: Request,
    decision_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    on: str | None = None,
    known: str | None = None,
) -> Response:
    reading = read(ledger, session, "decision", decision_id, on, known)
    decision = reading.record
    context = reading.context(d=decision)
    if decision is not None:
        context.update(_described(ledger, reading, decision))
    status = 422 if reading.moments.errors else 200
    return page(request, "decision.html", status=status, **context)


def _described(ledger: Ledger, reading: Reading, decision: dict[str, Any]) -> dict[str, Any]:
    """Who took part from where, and the records it names, linked."""
    at = decision["effective_at"]
    namer = reading.namer
    objections = {o["person_id"]: o["reason"] for o in decision["objections"]}
    people = ledger.directory.people(decision["participants"], at)
    participants = [
        {
            **people[pid],
            "link": namer.person(pid),
            "objection": objections.get(pid),
        }
        for pid in decision["participants"]
    ]
    sectors = sorted(
        {p["organisation_sector"] for p in participants if p.get("organisation_sector")}
    )
    superseded_by = decision["superseded_by"]
    return {
        "proposed_by": namer.person(decision["proposed_by"]) if decision["proposed_by"] else None,
        "participants": participants,
        "sectors": sectors,
        "principles": [namer.record("principle", pid) for pid in decision["principles"]],
        "supersedes": [namer.record("decision", did) for did in decision["supersedes"]],
        "superseded_by": namer.record("decision", superseded_by) if superseded_by else None,
    }
