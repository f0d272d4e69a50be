"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from interfaces.api.deps import LedgerDep
from interfaces.api.errors import problems

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="The store is reachable; how far behind the read models are",
    responses={503: problems()[503]},
)
def ready(ledger: LedgerDep, request: Request) -> dict[str, Any]:
    ledger.ping()
    head = ledger.head_position()
    position = ledger.projector.position()
    thread = getattr(request.app.state, "projector", None)
    return {
        "status": "ready",
        "head_position": head,
        "projection": {
            "position": position,
            "lag": max(0, head - position),
            "runs_in": "this process" if thread is not None else "a separate worker",
            "last_error": thread.last_error if thread is not None else None,
        },
    }
