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


class Affiliation(BaseModel):
    organisation_id: str | None
    effective_at: datetime | None


class PersonPublic(Record):
    name: str
    email: str | None
    organisation_id: str | None
    affiliations: list[Affiliation]
