"""Decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from application.access import Access
from interfaces.api.access import allow
from interfaces.api.deps import (
    AsOf,
    EffectiveAt,
    IfMatch,
    LedgerDep,
    MinPosition,
    PageDep,
    read,
    written,
)
from interfaces.api.errors import problems
from interfaces.api.schemas.common import Page, Reason
from interfaces.api.schemas.decisions import Agreement, DecisionCreate, DecisionPublic, Revocation

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
    responses=problems(404, 422),
)
def list_decisions(
    group_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "group", "group_id")],
    page: PageDep,
) -> dict[str, Any]:
    return ledger.records.list_records("decision", group_id, page.status, page.cursor, page.limit)


@router.get(
    "/decisions/{decision_id}",
    response_model=DecisionPublic,
    summary="Get a decision",
    responses=problems(404),
)
def get_decision(
    decision_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "decision", "decision_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> dict[str, Any]:
    return read(
        response,
        ledger.records.get_record("decision", decision_id, as_of, effective_at, min_position),
    )


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
