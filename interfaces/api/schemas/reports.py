"""The accountability report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AccountabilityReport(BaseModel):
    """Where responsibility sits, how it moved, and how distributed it is (docs/metrics.md)."""

    scope: dict[str, Any] = Field(
        description="group_id, include_subgroups and the groups covered (null: the whole ledger)."
    )
    from_: datetime = Field(alias="from")
    to: datetime
    as_of: datetime | None = Field(
        description="Transaction time the report is known at (null: now)."
    )
    position: int = Field(description="The last ledger position taken into account.")
    interval: str
    holdings: dict[str, Any] = Field(
        description="At the end of the period: active accountabilities by holder, holder kind, "
        "organisation and sector."
    )
    distribution: list[dict[str, Any]] = Field(
        description="At the start of the period, at each interval and at its end: holders, "
        "organisations and sectors; largest holder's share; HHI (0-10,000) by holder and by "
        "organisation; Gini by holder; each sector's share."
    )
    handovers: dict[str, Any] = Field(
        description="Offered, accepted, declined, withdrawn and returned in the period; acceptance "
        "and return rates; flows between organisations and sectors; offers pending longer than "
        "pending_days."
    )
    holding_on: dict[str, Any] = Field(
        description="Holders of at least `threshold` accountabilities who have never offered one "
        "on; accountabilities whose holder has not changed for unchanged_days."
    )
    decisions: dict[str, Any] = Field(
        description="Agreed in the period by method; organisations and sectors per decision; share "
        "with two or more organisations and with lived experience; superseded, revoked; past review."
    )
    conflicts: dict[str, Any] = Field(
        description="Raised, resolved, escalated, withdrawn; median and 90th percentile days to "
        "resolution; open at the end by age."
    )
    principles: dict[str, Any] = Field(
        description="Agreed, amended, retired in the period; per principle: citations by decisions, "
        "endorsers and objectors."
    )
    by_group: list[dict[str, Any]] | None = Field(
        default=None,
        description="When the report covers more than one group: one row per group in scope, "
        "in tree order (group_id, name, role, parent_group_id, depth; accountabilities, holders "
        "and organisations at `to`; decisions agreed, handovers accepted and conflicts raised in "
        "the period; conflicts open at `to`). Null for one group.",
    )
