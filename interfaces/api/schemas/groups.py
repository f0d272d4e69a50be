"""Groups and their members."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from interfaces.api.schemas.common import Body, EffectiveAt, Id, Kind, LongText, Record, ShortText

RoleName = Literal["convener", "member", "observer"]


class GroupCreate(Body):
    name: ShortText = Field(examples=["Northshire Living Well transformation group"])
    kind: Kind = Field(
        examples=["transformation group"],
        description="What sort of holding environment: transformation group, design team, ...",
    )
    purpose: LongText = Field(examples=["Co-produce community mental health services."])
    parent_group_id: Id | None = Field(default=None, description="The group this one reports to.")
    effective_at: EffectiveAt = None


class PurposeRestatement(Body):
    purpose: LongText
    effective_at: EffectiveAt = None


class MemberAdd(Body):
    person_id: Id
    role: RoleName = "member"
    effective_at: EffectiveAt = None


class MemberRoleChange(Body):
    role: RoleName
    effective_at: EffectiveAt = None


class GroupClose(Body):
    reason: LongText | None = None
    effective_at: EffectiveAt = None


class Member(BaseModel):
    person_id: str
    role: str


class GroupPublic(Record):
    name: str
    kind: str
    purpose: str
    parent_group_id: str | None
    status: Literal["open", "closed"]
    members: list[Member]
