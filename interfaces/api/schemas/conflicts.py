"""Conflicts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from interfaces.api.schemas.common import (
    MAX_LIST,
    About,
    Body,
    EffectiveAt,
    Id,
    LongText,
    Party,
    PartyPublic,
    Record,
)


class ConflictCreate(Body):
    parties: list[Party] = Field(min_length=1, max_length=MAX_LIST)
    about: About = Field(examples=["Who triages self-referrals at the hub"])
    description: LongText | None = None
    raised_by: Id | None = Field(
        default=None, description="The member raising it; defaults to the caller."
    )
    effective_at: EffectiveAt = None


class Acknowledgement(Body):
    note: LongText | None = None


class NoteCreate(Body):
    text: LongText


class Resolution(Body):
    outcome: LongText
    decision_id: Id | None = Field(default=None, description="An agreed decision that resolved it.")
    effective_at: EffectiveAt = None


class Escalation(Body):
    to_group_id: Id
    reason: LongText


class Note(BaseModel):
    note_id: str
    text: str


class ConflictPublic(Record):
    group_id: str
    raised_by: str
    parties: list[PartyPublic]
    about: str
    description: str | None
    status: Literal[
        "raised", "acknowledged", "working_through", "resolved", "escalated", "withdrawn"
    ]
    notes: list[Note]
    outcome: str | None
    resolved_by_decision_id: str | None
    escalated_to_group_id: str | None
    closed_reason: str | None
