"""Accountabilities and handovers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from interfaces.api.schemas.common import (
    Body,
    EffectiveAt,
    LongText,
    Party,
    PartyPublic,
    Record,
    ShortText,
)


class AccountabilityCreate(Body):
    title: ShortText = Field(examples=["Run the community hub's referral pathway"])
    scope: LongText | None = None
    holder: Party = Field(description="The first holder: a person, group or organisation.")
    effective_at: EffectiveAt = None


class HandoverOffer(Body):
    to: Party
    reason: LongText | None = None
    effective_at: EffectiveAt = None


class HandoverAccept(Body):
    effective_at: EffectiveAt = None


class ReturnOrRetire(Body):
    reason: LongText | None = None
    effective_at: EffectiveAt = None


class HolderPeriod(BaseModel):
    holder: PartyPublic
    from_: datetime = Field(alias="from")


class Handover(BaseModel):
    handover_id: str
    from_: PartyPublic = Field(alias="from")
    to: PartyPublic
    reason: str | None
    status: Literal["offered", "accepted", "declined", "withdrawn"]
    outcome_reason: str | None = None


class AccountabilityPublic(Record):
    group_id: str
    title: str
    scope: str | None
    status: Literal["active", "retired"]
    holder: PartyPublic
    holders: list[HolderPeriod]
    open_handover_id: str | None
    handovers: list[Handover]
