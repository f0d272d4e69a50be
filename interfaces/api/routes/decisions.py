"""Decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from application.access import Access
from application.ledger import Ledger
from interfaces.api.access import allow
from interfaces.api.deps import (
    AsOf,
    EffectiveAt,
    IfMatch,
    LedgerDep,
    MinPosition,
    PageDep,
    etag,
    read,
    written,
)
from interfaces.api.documents import wanted
from interfaces.api.errors import problems
from interfaces.api.schemas.common import Page, Reason
from interfaces.api.schemas.decisions import Agreement, DecisionCreate, DecisionPublic, Revocation
from interfaces.reports.decision_record import Sight, decision_record
from interfaces.reports.outcomes import outcomes_csv

router = APIRouter(tags=["decisions"])
WRITE = problems(404, 409, 412, 422)


@router.post(
    "/groups/{group_id}/decisions",
    status_code=201,
    response_model=DecisionPublic,
    summary="Propose a decision, or record one already taken",
    description="With `agreement`, the decision is proposed and agreed in one transaction.",
    responses=problems(404, 409, 422),
)
def create_decision(
    group_id: str,
    body: DecisionCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "group", "group_id")],
    response: Response,
) -> dict[str, Any]:
    if body.agreement is None:
        result = ledger.decisions.propose_decision(
            group_id, body.title, body.decision, body.context, body.rationale, body.effective_at
        )
    else:
        result = ledger.decisions.record_decision(
            group_id,
            body.title,
            body.decision,
            body.agreement.model_dump(),
            body.context,
            body.rationale,
            proposed_at=body.effective_at,
        )
    response.headers["Location"] = f"/decisions/{result.id}"
    return written(response, ledger.records.get_decision(result.id, result.version), result)


@router.get(
    "/groups/{group_id}/decisions",
    response_model=Page,
    summary="List a group's decisions",
    description="Paged JSON by default; with `Accept: text/csv`, every decision of the group "
    "(in `status`, if given; `cursor` and `limit` do not apply) as an outcomes table, one "
    "row per decision: title, status, method, who proposed it, dates, participants and "
    "their organisations, objections, principles applied, supersession, context, the "
    "decision (`outcome_statement`), rationale. Names the caller may not see are left out.",
    responses={
        **problems(404, 422),
        200: {
            "description": "The group's decisions.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
def list_decisions(
    group_id: str,
    request: Request,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read", "group", "group_id")],
    page: PageDep,
) -> Any:
    if wanted(request) == "text/csv":
        return outcomes_document(ledger, group_id, page.status, access)
    return ledger.records.list_records("decision", group_id, page.status, page.cursor, page.limit)


def outcomes_document(
    ledger: Ledger, group_id: str, status: str | None, access: Access
) -> PlainTextResponse:
    decisions = ledger.records.all_decisions(group_id, status)
    sight = Sight(lambda p: ledger.access.sees_person(access, p), access.sees_group)
    return PlainTextResponse(
        outcomes_csv(ledger, group_id, decisions, sight),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="decisions.csv"'},
    )


@router.get(
    "/decisions/{decision_id}",
    response_model=DecisionPublic,
    summary="Get a decision",
    description="JSON by default; with `Accept: text/markdown`, the same decision (at the "
    "same moments) as a decision record people read, in the MADR shape: title, status, "
    "group, date, method, deciders and their organisations, context, decision, "
    "consequences, objections, principles applied, supersession. People and records the "
    "caller may not see are named by their ids alone, as in the JSON.",
    responses={
        **problems(404),
        200: {
            "description": "The decision.",
            "content": {"text/markdown": {"schema": {"type": "string"}}},
        },
    },
)
def get_decision(
    decision_id: str,
    request: Request,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read", "decision", "decision_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> Any:
    found = ledger.records.get_record("decision", decision_id, as_of, effective_at, min_position)
    if wanted(request) == "text/markdown":
        sight = Sight(lambda p: ledger.access.sees_person(access, p), access.sees_group)
        return PlainTextResponse(
            decision_record(ledger, found, sight),
            media_type="text/markdown; charset=utf-8",
            headers={"ETag": etag(int(found["version"]))},
        )
    return read(response, found)


@router.post(
    "/decisions/{decision_id}/agree",
    response_model=DecisionPublic,
    summary="Agree a decision",
    responses=WRITE,
)
def agree_decision(
    decision_id: str,
    body: Agreement,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "decision", "decision_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.decisions.agree_decision(
        decision_id, **body.model_dump(), expected_version=version
    )
    return written(response, ledger.records.get_decision(result.id, result.version), result)


@router.post(
    "/decisions/{decision_id}/reject",
    response_model=DecisionPublic,
    summary="Reject a proposal",
    responses=WRITE,
)
def reject_decision(
    decision_id: str,
    body: Reason,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "decision", "decision_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.decisions.reject_decision(decision_id, body.reason, expected_version=version)
    return written(response, ledger.records.get_decision(result.id, result.version), result)


@router.post(
    "/decisions/{decision_id}/withdraw",
    response_model=DecisionPublic,
    summary="Withdraw a proposal",
    responses=WRITE,
)
def withdraw_decision(
    decision_id: str,
    body: Reason,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "decision", "decision_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.decisions.withdraw_decision(decision_id, body.reason, expected_version=version)
    return written(response, ledger.records.get_decision(result.id, result.version), result)


@router.post(
    "/decisions/{decision_id}/revoke",
    response_model=DecisionPublic,
    summary="Revoke an agreed decision",
    responses=WRITE,
)
def revoke_decision(
    decision_id: str,
    body: Revocation,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "decision", "decision_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.decisions.revoke_decision(
        decision_id, body.reason, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_decision(result.id, result.version), result)
