"""Principles."""

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
from interfaces.api.schemas.common import Page
from interfaces.api.schemas.principles import (
    EndorsementCreate,
    PrincipleAgree,
    PrincipleAmend,
    PrincipleCreate,
    PrinciplePublic,
    PrincipleRetire,
)

router = APIRouter(tags=["principles"])
WRITE = problems(404, 409, 412, 422)


@router.post(
    "/groups/{group_id}/principles",
    status_code=201,
    response_model=PrinciplePublic,
    summary="Propose a principle",
    responses=problems(404, 409, 422),
)
def propose_principle(
    group_id: str,
    body: PrincipleCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "group", "group_id")],
    response: Response,
) -> dict[str, Any]:
    result = ledger.principles.propose_principle(
        group_id, body.statement, body.rationale, body.effective_at
    )
    response.headers["Location"] = f"/principles/{result.id}"
    return written(response, ledger.records.get_principle(result.id, result.version), result)


@router.get(
    "/groups/{group_id}/principles",
    response_model=Page,
    summary="List a group's principles",
    responses=problems(404, 422),
)
def list_principles(
    group_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "group", "group_id")],
    page: PageDep,
) -> dict[str, Any]:
    return ledger.records.list_records("principle", group_id, page.status, page.cursor, page.limit)


@router.get(
    "/principles/{principle_id}",
    response_model=PrinciplePublic,
    summary="Get a principle",
    responses=problems(404),
)
def get_principle(
    principle_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "principle", "principle_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> dict[str, Any]:
    return read(
        response,
        ledger.records.get_record("principle", principle_id, as_of, effective_at, min_position),
    )


@router.post(
    "/principles/{principle_id}/endorsements",
    status_code=201,
    response_model=PrinciplePublic,
    summary="Endorse or object to a proposed principle",
    responses=WRITE,
)
def respond(
    principle_id: str,
    body: EndorsementCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "principle", "principle_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.principles.respond_to_principle(
        principle_id, body.stance, body.reason, body.person_id, expected_version=version
    )
    response.headers["Location"] = f"/principles/{result.id}"
    return written(response, ledger.records.get_principle(result.id, result.version), result)


@router.post(
    "/principles/{principle_id}/agree",
    response_model=PrinciplePublic,
    summary="Agree a principle",
    responses=WRITE,
)
def agree_principle(
    principle_id: str,
    body: PrincipleAgree,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "principle", "principle_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.principles.agree_principle(
        principle_id, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_principle(result.id, result.version), result)


@router.post(
    "/principles/{principle_id}/amend",
    response_model=PrinciplePublic,
    summary="Amend an agreed principle's wording",
    description="The old wording is kept in `earlier_wordings` and in the history.",
    responses=WRITE,
)
def amend_principle(
    principle_id: str,
    body: PrincipleAmend,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "principle", "principle_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.principles.amend_principle(
        principle_id, body.statement, body.rationale, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_principle(result.id, result.version), result)


@router.post(
    "/principles/{principle_id}/retire",
    response_model=PrinciplePublic,
    summary="Retire a principle",
    responses=WRITE,
)
def retire_principle(
    principle_id: str,
    body: PrincipleRetire,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "principle", "principle_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.principles.retire_principle(
        principle_id, body.reason, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_principle(result.id, result.version), result)
