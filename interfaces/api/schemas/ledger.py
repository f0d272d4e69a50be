"""The ledger as a whole: the head of its hash chain."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from interfaces.api.schemas.common import Body


class LedgerHead(Body):
    """The last linked event: what an external witness records to detect a later rewrite."""

    position: int = Field(description="The position of the last linked event (0 when empty).")
    link: str = Field(
        description="Its link in the hash chain, as 64 hex digits (all zeros when empty).",
        pattern="^[0-9a-f]{64}$",
    )
    recorded_at: datetime | None = Field(description="When that event was recorded.")
    ledger: str | None = Field(
        description="The ledger's identity, made with the chain's first link (null before): "
        "signed into checkpoints, so a checkpoint of another ledger is never taken for this one's."
    )
