"""Conflicts."""

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
from interfaces.api.schemas.conflicts import (
    Acknowledgement,
    ConflictCreate,
    ConflictPublic,
    Escalation,
    NoteCreate,
    Resolution,
)

router = APIRouter(tags=["conflicts"])
WRITE = problems(404, 409, 412, 422)


@router.post(
    "/groups/{group_id}/conflicts",
    status_code=201,
    response_model=ConflictPublic,
    summary="Raise a conflict",
    responses=problems(404, 409, 422),
)
def raise_conflict(
    group_id: str,
    body: ConflictCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "group", "group_id")],
    response: Response,
) -> dict[str, Any]:
    parties = [p.model_dump() for p in body.parties]
    result = ledger.conflicts.raise_conflict(
        group_id, parties, body.about, body.description, body.raised_by, body.effective_at
    )
    response.headers["Location"] = f"/conflicts/{result.id}"
    return written(response, ledger.records.get_conflict(result.id, result.version), result)


@router.get(
    "/groups/{group_id}/conflicts",
    response_model=Page,
    summary="List a group's conflicts",
    responses=problems(404, 422),
)
def list_conflicts(
    group_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "group", "group_id")],
    page: PageDep,
) -> dict[str, Any]:
    return ledger.records.list_records("conflict", group_id, page.status, page.cursor, page.limit)


@router.get(
    "/conflicts/{conflict_id}",
    response_model=ConflictPublic,
    summary="Get a conflict",
    responses=problems(404),
)
def get_conflict(
    conflict_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "conflict", "conflict_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> dict[str, Any]:
    return read(
        response,
        ledger.records.get_record("conflict", conflict_id, as_of, effective_at, min_position),
    )


@router.post(
    "/conflicts/{conflict_id}/acknowledge",
    response_model=ConflictPublic,
    summary="Acknowledge a conflict",
    responses=WRITE,
)
def acknowledge_conflict(
    conflict_id: str,
    body: Acknowledgement,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "conflict", "conflict_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.conflicts.acknowledge_conflict(conflict_id, body.note, expected_version=version)
    return written(response, ledger.records.get_conflict(result.id, result.version), result)


@router.post(
    "/conflicts/{conflict_id}/notes",
    status_code=201,
    response_model=ConflictPublic,
    summary="Add a note of working it through",
    responses=WRITE,
)
def add_note(
    conflict_id: str,
    body: NoteCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "conflict", "conflict_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.conflicts.add_conflict_note(conflict_id, body.text, expected_version=version)
    response.headers["Location"] = f"/conflicts/{result.id}"
    return written(response, ledger.records.get_conflict(result.id, result.version), result)


@router.post(
    "/conflicts/{conflict_id}/resolve",
    response_model=ConflictPublic,
    summary="Resolve a conflict",
    responses=WRITE,
)
def resolve_conflict(
    conflict_id: str,
    body: Resolution,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "conflict", "conflict_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.conflicts.resolve_conflict(
        conflict_id, body.outcome, body.decision_id, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_conflict(result.id, result.version), result)


@router.post(
    "/conflicts/{conflict_id}/escalate",
    response_model=ConflictPublic,
    summary="Escalate to another group",
    responses=WRITE,
)
def escalate_conflict(
    conflict_id: str,
    body: Escalation,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "conflict", "conflict_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.conflicts.escalate_conflict(
        conflict_id, body.to_group_id, body.reason, expected_version=version
    )
    return written(response, ledger.records.get_conflict(result.id, result.version), result)


@router.post(
    "/conflicts/{conflict_id}/withdraw",
    response_model=ConflictPublic,
    summary="Withdraw a conflict",
    responses=WRITE,
)
def withdraw_conflict(
    conflict_id: str,
    body: Reason,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "conflict", "conflict_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.conflicts.withdraw_conflict(conflict_id, body.reason, expected_version=version)
    return written(response, ledger.records.get_conflict(result.id, result.version), result)
