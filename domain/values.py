"""Value types shared by several aggregates, kept as plain strings in events."""

from __future__ import annotations

from enum import StrEnum

from domain.base import InvalidInput


class Sector(StrEnum):
    STATUTORY_HEALTH = "statutory_health"
    PRIMARY_CARE = "primary_care"
    LOCAL_AUTHORITY = "local_authority"
    COMMISSIONER = "commissioner"
    VCSE = "vcse"
    LIVED_EXPERIENCE = "lived_experience"
    OTHER = "other"


class Role(StrEnum):
    CONVENER = "convener"
    MEMBER = "member"
    OBSERVER = "observer"


class Method(StrEnum):
    CONSENT = "consent"
    CONSENSUS = "consensus"
    VOTE = "vote"
    DELEGATED_AUTHORITY = "delegated_authority"
    SINGLE_LEAD = "single_lead"


class PartyKind(StrEnum):
    PERSON = "person"
    GROUP = "group"
    ORGANISATION = "organisation"


def parse(enum: type[StrEnum], value: str, field_name: str) -> str:
    """Return the enum's value for `value`, or raise InvalidInput naming the choices."""
    try:
        return enum(value).value
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{field_name} must be one of: {choices}", field_name) from None


def party(kind: str, party_id: str, field_name: str) -> dict[str, str]:
    """A reference to a person, group or organisation, JSON-friendly."""
    party_kind = parse(PartyKind, kind, f"{field_name}.kind")
    if not isinstance(party_id, str) or not party_id.strip():
        raise InvalidInput(f"{field_name}.id must name a {party_kind}", f"{field_name}.id")
    return {"kind": party_kind, "id": party_id.strip()}
