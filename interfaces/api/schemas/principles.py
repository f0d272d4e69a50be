"""Principles."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from interfaces.api.schemas.common import Body, EffectiveAt, Id, LongText, Record


class PrincipleCreate(Body):
    statement: LongText = Field(examples=["Work is placed where it belongs."])
    rationale: LongText | None = None
    effective_at: EffectiveAt = Field(
        default=None,
        description="When the principle was put forward, if earlier than its recording.",
    )


class EndorsementCreate(Body):
    stance: Literal["endorse", "object"] = "endorse"
    reason: LongText | None = None
    person_id: Id | None = Field(
        default=None, description="The member responding; defaults to the caller."
    )


class PrincipleAgree(Body):
    effective_at: EffectiveAt = None


class PrincipleAmend(Body):
    statement: LongText
    rationale: LongText | None = None
    effective_at: EffectiveAt = None


class PrincipleRetire(Body):
    reason: LongText | None = None
    effective_at: EffectiveAt = None


class Endorsement(BaseModel):
    person_id: str
    stance: str
    reason: str | None


class EarlierWording(BaseModel):
    statement: str
    rationale: str | None
    replaced_at: datetime


class PrinciplePublic(Record):
    group_id: str
    statement: str
    rationale: str | None
    status: Literal["proposed", "agreed", "retired"]
    endorsements: list[Endorsement]
    earlier_wordings: list[EarlierWording]
    agreed_at: datetime | None
