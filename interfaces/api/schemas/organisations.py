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


class SharedGroup(BaseModel):
    id: str
    name: str


class PersonListed(BaseModel):
    id: str
    name: str = Field(
        description='Their name; "Forgotten person" once forgotten (never their old name).',
        examples=["Sam Rivera"],
    )
    forgotten: bool
    organisation_id: str | None = Field(description="The organisation they belong to now.")
    organisation_name: str | None = Field(examples=["Northshire Mental Health NHS Trust"])
    organisation_sector: str | None = Field(
        description="The organisation's sector, as people write it.",
        examples=["NHS trust (secondary care)"],
    )
    groups: list[SharedGroup] = Field(
        description="The groups this person shares with the caller now (empty for an "
        "administrator or auditor outside their groups)."
    )


class PeoplePage(BaseModel):
    """One page of people, oldest registration first."""

    items: list[PersonListed]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to get the next page; null on the last page."
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [
                        {
                            "id": "0b6f3c1e-8a41-4d4e-9a57-1f2b9c3d4e5f",
                            "name": "Sam Rivera",
                            "forgotten": False,
                            "organisation_id": "5d2a7c9e-1b3f-4a6d-8e0c-2f4b6d8a0c1e",
                            "organisation_name": "Northshire Mental Health NHS Trust",
                            "organisation_sector": "NHS trust (secondary care)",
                            "groups": [
                                {
                                    "id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
                                    "name": "Community Hub Design Team",
                                }
                            ],
                        }
                    ],
                    "next_cursor": None,
                }
            ]
        }
    }
