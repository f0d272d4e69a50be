"""The ledger as a whole: the head of its hash chain, for external witnesses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from application.access import Access
from interfaces.api.access import allow
from interfaces.api.deps import LedgerDep
from interfaces.api.errors import problems
from interfaces.api.schemas.ledger import LedgerHead

router = APIRouter(tags=["ledger"])


@router.get(
    "/ledger/head",
    response_model=LedgerHead,
    summary="The head of the ledger's hash chain",
    description="The position and link of the last linked event, and when it was recorded. "
    "Each event's link hashes the link before it with the event as stored, so the link at "
    "a position vouches for every event up to there. A witness outside Accord that keeps "
    "these answers over time can later find out, with `accord verify`, whether the ledger "
    "was rewritten or cut short.",
    responses=problems(),
)
def ledger_head(ledger: LedgerDep, access: Annotated[Access, allow("read")]) -> dict[str, Any]:
    return ledger.integrity.ledger_head()
