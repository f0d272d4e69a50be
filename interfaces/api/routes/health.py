"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from interfaces.api.deps import LedgerDep
from interfaces.api.errors import problems

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="The store is reachable", responses={503: problems()[503]})
def ready(ledger: LedgerDep) -> dict[str, Any]:
    ledger.ping()
    return {"status": "ready", "head_position": ledger.head_position()}
