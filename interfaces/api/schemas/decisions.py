"""Decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from interfaces.api.schemas.common import (
    MAX_LIST,
    Body,
    EffectiveAt,
    Id,
    LongText,
    Record,
    ShortText,
)

MethodName = Literal["consent", "consensus", "vote", "delegated_authority", "single_lead"]


class Objection(Body):
    person_id: Id
    reason: LongText


class Agreement(Body):
    """How a decision was agreed."""

    method: MethodName = Field(examples=["consent"])
    participants: list[Id] = Field(
        min_length=1, max_length=MAX_LIST, description="Person ids of those who took part."
    )
    objections: list[Objection] = Field(default_factory=list, max_length=MAX_LIST)
    principles: list[Id] = Field(
        default_factory=list, max_length=MAX_LIST, description="Agreed principles it applies."
    )
    supersedes: list[Id] = Field(
        default_factory=list,
        max_length=MAX_LIST,
        description="Agreed decisions of the same group that this one replaces.",
    )
    effective_at: EffectiveAt = None
    review_date: date | None = Field(default=None, examples=["2027-03-01"])


class DecisionCreate(Body):
    title: ShortText = Field(examples=["Open access to the community hub"])
    decision: LongText = Field(
        examples=["The hub takes self-referrals from 1 April."], description="The decision itself."
    )
    context: LongText | None = None
    rationale: LongText | None = None
    agreement: Agreement | None = Field(
        default=None,
        description="Give this to record a decision already taken: proposed and agreed at once.",
    )
    effective_at: EffectiveAt = Field(
        default=None,
        description=(
            "When the decision was put forward, if earlier than its recording; no later than "
            "its agreement (docs/time.md). Left out with `agreement`, the proposal takes effect "
            "when the agreement does."
        ),
    )


class ObjectionPublic(BaseModel):
    person_id: str
    reason: str


class DecisionPublic(Record):
    group_id: str
    title: str
    context: str | None
    decision: str
    rationale: str | None
    proposed_by: str | None
    status: Literal["proposed", "agreed", "rejected", "withdrawn", "superseded", "revoked"]
    method: str | None
    participants: list[str]
    participant_organisations: list[str] = Field(
        description="Organisations the participants belonged to when it took effect."
    )
    objections: list[ObjectionPublic]
    principles: list[str]
    supersedes: list[str]
    superseded_by: str | None
    effective_at: datetime | None
    review_date: str | None
    outcome_reason: str | None


class Revocation(Body):
    reason: LongText
    effective_at: EffectiveAt = None
