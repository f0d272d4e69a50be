"""Accountabilities and handovers."""

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
from interfaces.api.schemas.accountabilities import (
    AccountabilityCreate,
    AccountabilityPublic,
    HandoverAccept,
    HandoverOffer,
    ReturnOrRetire,
)
from interfaces.api.schemas.common import Page, Reason

router = APIRouter(tags=["accountabilities"])
WRITE = problems(404, 409, 412, 422)
HANDOVER = problems(403, 404, 409, 412, 422)


@router.post(
    "/groups/{group_id}/accountabilities",
    status_code=201,
    response_model=AccountabilityPublic,
    summary="Define an accountability and its first holder",
    responses=problems(404, 409, 422),
)
def define_accountability(
    group_id: str,
    body: AccountabilityCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "group", "group_id")],
    response: Response,
) -> dict[str, Any]:
    result = ledger.accountabilities.define_accountability(
        group_id, body.title, body.holder.model_dump(), body.scope, body.effective_at
    )
    response.headers["Location"] = f"/accountabilities/{result.id}"
    return written(response, ledger.records.get_accountability(result.id, result.version), result)


@router.get(
    "/groups/{group_id}/accountabilities",
    response_model=Page,
    summary="List a group's accountabilities",
    responses=problems(404, 422),
)
def list_accountabilities(
    group_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "group", "group_id")],
    page: PageDep,
) -> dict[str, Any]:
    return ledger.records.list_records(
        "accountability", group_id, page.status, page.cursor, page.limit
    )


@router.get(
    "/accountabilities/{accountability_id}",
    response_model=AccountabilityPublic,
    summary="Get an accountability",
    responses=problems(404),
)
def get_accountability(
    accountability_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "accountability", "accountability_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> dict[str, Any]:
    return read(
        response,
        ledger.records.get_record(
            "accountability", accountability_id, as_of, effective_at, min_position
        ),
    )


@router.post(
    "/accountabilities/{accountability_id}/handovers",
    status_code=201,
    response_model=AccountabilityPublic,
    summary="Offer a handover",
    description="The response's `open_handover_id` names the handover to accept, decline or withdraw.",
    responses=WRITE,
)
def offer_handover(
    accountability_id: str,
    body: HandoverOffer,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "accountability", "accountability_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.accountabilities.offer_handover(
        accountability_id,
        body.to.model_dump(),
        body.reason,
        expected_version=version,
        effective_at=body.effective_at,
    )
    response.headers["Location"] = f"/accountabilities/{result.id}"
    return written(response, ledger.records.get_accountability(result.id, result.version), result)


@router.post(
    "/accountabilities/{accountability_id}/handovers/{handover_id}/accept",
    response_model=AccountabilityPublic,
    summary="Accept a handover (recipient side only)",
    description="The recipient person, a member of the recipient group, or a person of the "
    "recipient organisation may accept; the holder changes.",
    responses=HANDOVER,
)
def accept_handover(
    accountability_id: str,
    handover_id: str,
    body: HandoverAccept,
    ledger: LedgerDep,
    _: Annotated[Access, allow("respond", "accountability", "accountability_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.accountabilities.accept_handover(
        accountability_id, handover_id, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_accountability(result.id, result.version), result)


@router.post(
    "/accountabilities/{accountability_id}/handovers/{handover_id}/decline",
    response_model=AccountabilityPublic,
    summary="Decline a handover (recipient side only)",
    responses=HANDOVER,
)
def decline_handover(
    accountability_id: str,
    handover_id: str,
    body: Reason,
    ledger: LedgerDep,
    _: Annotated[Access, allow("respond", "accountability", "accountability_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.accountabilities.decline_handover(
        accountability_id, handover_id, body.reason, expected_version=version
    )
    return written(response, ledger.records.get_accountability(result.id, result.version), result)


@router.post(
    "/accountabilities/{accountability_id}/handovers/{handover_id}/withdraw",
    response_model=AccountabilityPublic,
    summary="Withdraw a handover offer",
    responses=WRITE,
)
def withdraw_handover(
    accountability_id: str,
    handover_id: str,
    body: Reason,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "accountability", "accountability_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.accountabilities.withdraw_handover(
        accountability_id, handover_id, body.reason, expected_version=version
    )
    return written(response, ledger.records.get_accountability(result.id, result.version), result)


@router.post(
    "/accountabilities/{accountability_id}/return",
    response_model=AccountabilityPublic,
    summary="Return it to the previous holder",
    responses=WRITE,
)
def return_accountability(
    accountability_id: str,
    body: ReturnOrRetire,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "accountability", "accountability_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.accountabilities.return_accountability(
        accountability_id, body.reason, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_accountability(result.id, result.version), result)


@router.post(
    "/accountabilities/{accountability_id}/retire",
    response_model=AccountabilityPublic,
    summary="Retire an accountability",
    responses=WRITE,
)
def retire_accountability(
    accountability_id: str,
    body: ReturnOrRetire,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "accountability", "accountability_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.accountabilities.retire_accountability(
        accountability_id, body.reason, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_accountability(result.id, result.version), result)
