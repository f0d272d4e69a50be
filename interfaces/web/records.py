"""Conflict and principle pages: a record as it stood on the chosen day, in plain words, with
its lifecycle in both times and its full history as sentences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from application.access import Access
from application.errors import RecordNotFound
from application.ledger import Ledger
from application.sessions import Session
from interfaces.api.deps import LedgerDep
from interfaces.web.moments import TimeSettings, read_time_settings
from interfaces.web.sentences import Namer, sentence
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
HISTORY = 500
# A record's page reads at most this many pages of its history (10,000 events); the API's
# /{kind}s/{id}/history pages through any number.
HISTORY_PAGES = 20
# Event type -> the lifecycle step it is, in words.
STEPS = {
    "Conflict.Raised": "Raised",
    "Conflict.Acknowledged": "Acknowledged",
    "Conflict.Resolved": "Resolved",
    "Conflict.Escalated": "Escalated",
    "Conflict.Withdrawn": "Withdrawn",
    "Principle.Proposed": "Proposed",
    "Principle.Agreed": "Agreed",
    "Principle.Amended": "Amended",
    "Principle.Retired": "Retired",
    "Accountability.Defined": "Defined",
    "Accountability.Retired": "Retired",
}


@dataclass
class Reading:
    """One record read for a page: as it stood at the chosen moments (None if it did not
    exist then), its events as the ledger knew them, and names for them."""

    kind: str
    record_id: str
    record: dict[str, Any] | None
    title: str
    events: list[dict[str, Any]]
    namer: Namer
    moments: TimeSettings
    access: Access
    complete: bool = True

    @property
    def shown(self) -> list[dict[str, Any]]:
        """The events up to the version shown: what had happened by the chosen moments."""
        version = self.record["version"] if self.record else 0
        return [e for e in self.events if e["version"] <= version]

    def context(self, **more: Any) -> dict[str, Any]:
        """What every record page shows: title, time settings, lifecycle and history."""
        steps = [
            {
                "step": STEPS[e["type"]],
                "effective_at": e["effective_at"],
                "recorded_at": e["recorded_at"],
                "by": self.namer.person(e["recorded_by"]),
            }
            for e in self.shown
            if e["type"] in STEPS
        ]
        return {
            "kind": self.kind,
            "record_id": self.record_id,
            "r": self.record,
            "title": self.title,
            "moments": self.moments,
            "query": self.moments.query(),
            "steps": steps,
            "history": [sentence(self.namer, e) for e in reversed(self.events)],
            "history_complete": self.complete,
            "group": self.namer.group(self.record["group_id"], linked=True)
            if self.record
            else None,
            **more,
        }


def read(
    ledger: Ledger, session: Session, kind: str, record_id: str, on: str | None, known: str | None
) -> Reading:
    """The record as the page's time settings ask, after the same access check as the API
    (a record the reader may not see is not found, as an unknown id is)."""
    access = ledger.access.authorize(session.caller, "read", kind, record_id)
    moments = read_time_settings(on, known)
    head = ledger.head_position()
    title_of = "statement" if kind == "principle" else "about" if kind == "conflict" else "title"
    now = ledger.records.get_record(kind, record_id)
    record: dict[str, Any] | None = now
    if moments.as_of or moments.effective_at:
        try:
            record = ledger.records.get_record(
                kind, record_id, moments.as_of, moments.effective_at, head
            )
        except RecordNotFound:
            record = None
    items, complete = whole_history(ledger, kind, record_id, head)
    if moments.as_of is not None:
        known_at = ledger.history.moment(moments.as_of, None, None)[0]
        items = [e for e in items if e["position"] <= known_at]
    namer = Namer(
        ledger.directory,
        items,
        lambda person: ledger.access.sees_person(access, person),
        access.sees_group,
        moments.query(),
    )
    shown = record or now
    return Reading(
        kind, record_id, record, str(shown[title_of]), items, namer, moments, access, complete
    )


def whole_history(
    ledger: Ledger, kind: str, record_id: str, head: int
) -> tuple[list[dict[str, Any]], bool]:
    """The record's events, oldest first, page by page up to HISTORY_PAGES pages (what its
    facts, such as a conflict's notes, are read from); and whether that is all of them."""
    items: list[dict[str, Any]] = []
    after = 0
    for _ in range(HISTORY_PAGES):
        page = ledger.history.record_history(kind, record_id, after, HISTORY, head)
        items += page["items"]
        if page["next_after"] is None:
            return items, True
        after = page["next_after"]
    return items, False


def _status(reading: Reading) -> int:
    return 422 if reading.moments.errors else 200


@router.get("/console/conflicts/{conflict_id}", response_class=HTMLResponse)
def conflict_page(
    request: Request,
    conflict_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    on: str | None = None,
    known: str | None = None,
) -> Response:
    reading = read(ledger, session, "conflict", conflict_id, on, known)
    c, n = reading.record, reading.namer
    facts: dict[str, Any] = {}
    if c is not None:
        facts = {
            "raised_by": n.person(c["raised_by"]),
            "parties": [n.party(p) for p in c["parties"]],
            "notes": [
                {"text": e["data"].get("text"), "when": sentence(n, e)["when"]}
                for e in reading.shown
                if e["type"] == "Conflict.NoteAdded"
            ],
            "resolved_by": n.record("decision", c["resolved_by_decision_id"])
            if c["resolved_by_decision_id"]
            else None,
            "escalated_to": n.group(c["escalated_to_group_id"])
            if c["escalated_to_group_id"]
            else None,
        }
    return page(request, "conflict.html", status=_status(reading), **reading.context(**facts))


@router.get("/console/principles/{principle_id}", response_class=HTMLResponse)
def principle_page(
    request: Request,
    principle_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    on: str | None = None,
    known: str | None = None,
) -> Response:
    reading = read(ledger, session, "principle", principle_id, on, known)
    p, n = reading.record, reading.namer
    facts: dict[str, Any] = {}
    if p is not None:
        stances = p["endorsements"]
        facts = {
            "endorsed": [
                {"who": n.person(s["person_id"]), "reason": s["reason"]}
                for s in stances
                if s["stance"] == "endorse"
            ],
            "objected": [
                {"who": n.person(s["person_id"]), "reason": s["reason"]}
                for s in stances
                if s["stance"] == "object"
            ],
            "cited_by": _citing(ledger, p["group_id"], principle_id, n, reading.moments),
        }
    return page(request, "principle.html", status=_status(reading), **reading.context(**facts))


def _citing(
    ledger: Ledger, group_id: str, principle_id: str, namer: Namer, moments: TimeSettings
) -> list[Any]:
    """The group's decisions that apply the principle, linked, with their status at the
    page's moments (a decision not yet recorded or proposed then is left out)."""
    cited, cursor = [], None
    past = moments.as_of is not None or moments.effective_at is not None
    head = ledger.head_position()
    while True:
        found = ledger.records.list_records("decision", group_id, None, cursor, 200)
        for item in found["items"]:
            try:
                decision = (
                    ledger.records.get_record(
                        "decision", item["id"], moments.as_of, moments.effective_at, head
                    )
                    if past
                    else ledger.records.get_decision(item["id"])
                )
            except RecordNotFound:
                continue
            if principle_id in decision["principles"]:
                cited.append(
                    {
                        "link": namer.record("decision", item["id"], decision["title"]),
                        "status": decision["status"],
                    }
                )
        cursor = found["next_cursor"]
        if cursor is None:
            return cited
