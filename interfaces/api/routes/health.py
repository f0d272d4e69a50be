"""Liveness and readiness."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from interfaces.api.deps import LedgerDep
from interfaces.api.errors import problem, problems

router = APIRouter(tags=["health"])


@dataclass
class Readiness:
    """When this process is not ready although its store answers: the read models too far
    behind, or not moving while events wait (the projector, thread or worker, stopped)."""

    max_lag: int
    stall_seconds: float
    # The projector's position as last seen, and since when (monotonic seconds).
    seen: tuple[int, float] = (-1, 0.0)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reasons(self, position: int, lag: int, thread: Any) -> list[str]:
        found = []
        if thread is not None and not thread.thread.is_alive():
            found.append("the projector thread in this process has stopped")
        if self.max_lag and lag > self.max_lag:
            found.append(
                f"the read models are {lag} events behind the ledger (more than {self.max_lag})"
            )
        still = self._still_for(position)
        if lag and still > self.stall_seconds:
            found.append(
                f"the read models have not moved for {still:.0f} s while {lag} events wait"
            )
        return found

    def _still_for(self, position: int) -> float:
        """Seconds the projector's position has stayed at `position` (0 when it moved)."""
        now = time.monotonic()
        with self.lock:
            if position != self.seen[0]:
                self.seen = (position, now)
            return now - self.seen[1]


@router.get("/health", summary="The process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Ready to serve: the store reachable, the read models moving and not too far behind",
    description="503 (application/problem+json, with the same figures) when the store cannot "
    "be reached, when the projector thread of this process has stopped, when the read "
    "models are more than ACCORD_READY_MAX_LAG events behind, or when they have not moved "
    "for ACCORD_READY_STALL_SECONDS while events wait (a stopped projector worker).",
    responses={503: problems()[503]},
)
def ready(ledger: LedgerDep, request: Request) -> Any:
    ledger.ping()
    head = ledger.head_position()
    position = ledger.projector.position()
    lag = max(0, head - position)
    thread = getattr(request.app.state, "projector", None)
    body = {
        "head_position": head,
        "projection": {
            "position": position,
            "lag": lag,
            "runs_in": "this process" if thread is not None else "a separate worker",
            "last_error": thread.last_error if thread is not None else None,
        },
    }
    readiness: Readiness | None = getattr(request.app.state, "readiness", None)
    reasons = readiness.reasons(position, lag, thread) if readiness is not None else []
    if reasons:
        answer: JSONResponse = problem(503, "Not ready", "; ".join(reasons), **body)
        return answer
    return {"status": "ready", **body}
