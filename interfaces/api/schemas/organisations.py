"""Organisations and people."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from interfaces.api.schemas.common import Body, EffectiveAt, Id, Record, ShortText

SectorName = Literal[
    "statutory_health",
    "primary_care",
    "local_authority",
    "commissioner",
    "vcse",
    "lived_experience",
    "other",
]


class OrganisationCreate(Body):
    name: ShortText = Field(examples=["Northshire Mental Health NHS Trust"])
    sector: SectorName = Field(examples=["statutory_health"])


class OrganisationRename(Body):
    name: ShortText


class OrganisationSectorChange(Body):
    sector: SectorName


class OrganisationPublic(Record):
    name: str
    sector: str


class PersonCreate(Body):
    name: ShortText = Field(examples=["Sam Rivera"], description="Personal data.")
    email: ShortText | None = Field(
        default=None, description="Personal data.", examples=["sam@example.org"]
    )
    organisation_id: Id | None = None


class AffiliationChange(Body):
    organisation_id: Id | None = Field(description="The new organisation, or null for none.")
    effective_at: EffectiveAt = None


class PersonForget(Body):
    basis: str = Field(
        min_length=1,
        max_length=500,
        description="The legal basis or request reference, e.g. 'UK GDPR Art. 17, request "
        "2026-114'. Kept for good in the ledger: it must not contain personal data.",
        examples=["UK GDPR Art. 17, request 2026-114"],
    )
    effective_at: EffectiveAt = None


class Affiliation(BaseModel):
    organisation_id: str | None
    effective_at: datetime | None


class PersonPublic(Record):
    name: str = Field(description='Personal data; "erased person" once erased.')
    email: str | None
    erased: bool = Field(
        description="True once the person was forgotten: their key is destroyed, and their "
        "name and email read as placeholders."
    )
    organisation_id: str | None
    affiliations: list[Affiliation]
