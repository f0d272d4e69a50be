"""The console's integrity page (auditors and administrators): the chain's head, the last
signed checkpoint, and the last verification's result, with a button to verify now when
the ledger is small enough to verify within a page's time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from application.ledger import Ledger
from interfaces.api.deps import LedgerDep
from interfaces.web.signin import FormDep, SessionDep, mark_page, require_csrf
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
# About a second of verifying (docs/performance.md: about 100,000 events a second); a
# larger ledger is verified with `accord verify`, off the web server's threads.
VERIFY_IN_PAGE = 100_000


@router.get("/console/integrity", response_class=HTMLResponse)
def integrity_page(request: Request, ledger: LedgerDep, session: SessionDep) -> Response:
    ledger.access.authorize(session.caller, "audit")
    return page(request, "integrity.html", **_state(ledger))


@router.post("/console/integrity/verify")
def verify_now(ledger: LedgerDep, session: SessionDep, form: FormDep) -> Response:
    ledger.access.authorize(session.caller, "audit")
    require_csrf(session, form)
    if _state(ledger)["in_page"]:
        ledger.integrity.record_verification(ledger.integrity.verify_chain())
    return RedirectResponse("/console/integrity", status_code=303)


def _state(ledger: Ledger) -> dict[str, Any]:
    head = ledger.integrity.ledger_head()
    verification = ledger.integrity.last_run("verification")
    return {
        "head": head,
        "checkpoint": ledger.integrity.last_run("checkpoint"),
        "verification": verification,
        "since": head["position"] - verification.position if verification else None,
        "in_page": head["position"] <= VERIFY_IN_PAGE,
        "unlinked": ledger.integrity.unlinked(),
    }
