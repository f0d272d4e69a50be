"""History, timelines, the event feed, group state and changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class HistoryItem(BaseModel):
    position: int = Field(description="The event's place in the one ordered ledger.")
    type: str = Field(examples=["Decision.Agreed"])
    kind: str = Field(examples=["decision"])
    record_id: str
    group_id: str | None = None
    version: int = Field(description="The record's version after this event.")
    recorded_at: str = Field(description="When it was recorded (transaction time, UTC).")
    recorded_by: str | None = Field(description="The person whose API key recorded it.")
    recorded_by_name: str | None = Field(
        default=None,
        description='Their name ("Forgotten person" once forgotten); on histories and timelines.',
    )
    effective_at: str = Field(
        description="When it took effect in the real world (valid time); the recorded time "
        "when the event has no effective time of its own."
    )
    data: dict[str, Any]


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_after: int | None = Field(
        description="Pass as ?after= for the next page; null on the last page."
    )


class EventsPage(BaseModel):
    items: list[HistoryItem]
    next_after: int = Field(description="Pass as ?after= to continue following the ledger.")
    head_position: int = Field(description="The newest position in the ledger now.")


class StateMember(BaseModel):
    person_id: str
    name: str | None = Field(
        default=None, description='The member\'s name ("Forgotten person" once forgotten).'
    )
    role: str
    since: str = Field(description="When the member's role at that moment took effect.")


class GroupState(BaseModel):
    """A group as it stood at a moment, bitemporally."""

    group_id: str
    as_of: datetime | None = Field(description="Transaction time asked for (null: now).")
    effective_at: datetime = Field(description="Valid time the state describes.")
    position: int = Field(description="The last ledger position the answer takes into account.")
    name: str
    kind: str
    purpose: str
    status: str
    parent_group_id: str | None
    members: list[StateMember]
    principles: list[dict[str, Any]] = Field(description="Principles in force.")
    decisions: list[dict[str, Any]] = Field(description="Decisions in effect.")
    conflicts: list[dict[str, Any]] = Field(description="Conflicts still open.")
    accountabilities: list[dict[str, Any]] = Field(
        description="Active accountabilities with their holders and any open handover."
    )


class Change(BaseModel):
    change: str = Field(examples=["decision_agreed"])
    record_kind: str
    record_id: str
    title: str | None
    sentence: str = Field(
        description="One line for the minutes: what happened, to what, and when.",
        examples=[
            "A decision was agreed: Open at nine (effective 2026-03-01, recorded 2026-03-20)."
        ],
    )
    effective_at: str
    recorded_at: str
    recorded_by: str | None
    position: int
    details: dict[str, Any]
    recorded_by_name: str | None = Field(
        default=None,
        description='Who recorded it ("Forgotten person" once forgotten); null for someone '
        "outside the caller's groups.",
    )
    names: dict[str, str] = Field(
        default_factory=dict,
        description="Id -> name of each person, group and organisation the details mention "
        "(member, proposer, convener, raiser, participants, parties, holders), for those the "
        'caller may see; "Forgotten person" once forgotten.',
        examples=[{"0b6f3c1e-8a41-4d4e-9a57-1f2b9c3d4e5f": "Sam Rivera"}],
    )
    titles: dict[str, str] = Field(
        default_factory=dict,
        description="Id -> title of each other record the details mention (a superseded or "
        "superseding decision, a resolving decision, a group escalated to), if visible.",
    )
    links: dict[str, str] = Field(description="The record and the history behind this line.")


class Changes(BaseModel):
    group_id: str
    from_: datetime = Field(alias="from")
    to: datetime
    changes: list[Change]
