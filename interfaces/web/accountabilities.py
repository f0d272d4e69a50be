"""An accountability's page: who holds it, the chain of its holders over time, and any open
handover offer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from application.ledger import Ledger
from interfaces.api.deps import LedgerDep
from interfaces.web.records import Reading, read
from interfaces.web.sentences import sentence
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
# Event type -> how the accountability came to its holder.
PASSED = {
    "Accountability.Defined": "defined",
    "Accountability.HandoverAccepted": "handover accepted",
    "Accountability.Returned": "returned",
}


@router.get("/console/accountabilities/{accountability_id}", response_class=HTMLResponse)
def accountability_page(
    request: Request,
    accountability_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    on: str | None = None,
    known: str | None = None,
) -> Response:
    reading = read(ledger, session, "accountability", accountability_id, on, known)
    a = reading.record
    facts: dict[str, Any] = {}
    if a is not None:
        facts = {
            "holder": reading.namer.party(a["holder"]),
            "chain": chain(ledger, reading),
            "offer": _open_offer(reading),
        }
    status = 422 if reading.moments.errors else 200
    return page(request, "accountability.html", status=status, **reading.context(**facts))


def chain(ledger: Ledger, reading: Reading) -> list[dict[str, Any]]:
    """Its holders, oldest first: who, their organisation and sector when they took it on,
    from and to (None: still holds it), and how it passed to them."""
    links: list[dict[str, Any]] = []
    offers = {
        e["data"].get("handover_id"): e["data"]
        for e in reading.shown
        if e["type"] == "Accountability.HandoverOffered"
    }
    for event in reading.shown:
        data = event["data"]
        if event["type"] == "Accountability.Retired" and links:
            links[-1]["to"] = event["effective_at"]
        if event["type"] not in PASSED:
            continue
        holder = data.get("holder") if event["type"] == "Accountability.Defined" else data.get("to")
        if links:
            links[-1]["to"] = event["effective_at"]
        offer = offers.get(data.get("handover_id")) or {}
        links.append(
            {
                "holder": reading.namer.party(holder),
                **_where(ledger, holder, event["effective_at"]),
                "from": event["effective_at"],
                "to": None,
                "how": PASSED[event["type"]],
                "reason": data.get("reason") or offer.get("reason"),
            }
        )
    return links


def _where(ledger: Ledger, holder: dict[str, Any] | None, at: Any) -> dict[str, str]:
    """The holder's organisation and sector at the time (an organisation is its own)."""
    if not holder or holder.get("kind") == "group":
        return {"organisation": "", "sector": ""}
    if holder.get("kind") == "organisation":
        found = ledger.directory.organisation(str(holder["id"]))
        return {"organisation": found["name"], "sector": found["sector"]}
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    person = ledger.directory.person(str(holder["id"]), moment)
    return {
        "organisation": person.get("organisation_name", ""),
        "sector": person.get("organisation_sector", ""),
    }


def _open_offer(reading: Reading) -> dict[str, Any] | None:
    """The handover offered and not yet answered, at the moment shown."""
    record = reading.record
    if not record or not record["open_handover_id"]:
        return None
    offered = next(
        (
            e
            for e in reading.shown
            if e["type"] == "Accountability.HandoverOffered"
            and e["data"].get("handover_id") == record["open_handover_id"]
        ),
        None,
    )
    if offered is None:
        return None
    return {
        "to": reading.namer.party(offered["data"].get("to")),
        "from": reading.namer.party(offered["data"].get("from_holder")),
        "reason": offered["data"].get("reason"),
        "when": sentence(reading.namer, offered)["when"],
    }
