"""Models shared by every resource."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError


def _at_most(most: int) -> BeforeValidator:
    """The documented maxLength holds for the text as sent: surrounding whitespace is
    stripped afterwards, so 301 characters of which 290 are tabs are refused, not stored
    as 11 (the same message as pydantic's own limit)."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and len(value) > most:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": most},
            )
        return value

    return BeforeValidator(check)


ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), _at_most(300)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), _at_most(10_000)
]
Kind = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _at_most(100)
]
About = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), _at_most(500)
]
Id = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), _at_most(64)
]
MAX_LIST = 200

_NUMBER = re.compile(r"[+-]?[0-9.]+")


def _not_a_number(value: Any) -> Any:
    """Refuse a number: pydantic would silently read it (or its text) as a Unix time."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be a date and time with a time-zone offset, as ISO 8601 text")
    return value


# A moment in time, as ISO 8601 text with a time-zone offset (and nothing else).
Moment = Annotated[AwareDatetime, BeforeValidator(_not_a_number)]

EffectiveAt = Annotated[
    Moment | None,
    Field(
        description="When this took effect in the real world, with a time-zone offset. "
        "Defaults to the moment it is recorded.",
        examples=["2026-03-01T09:00:00+00:00"],
    ),
]


class Body(BaseModel):
    """Base of request bodies: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")


class Party(Body):
    """A person, group or organisation, by id."""

    kind: Literal["person", "group", "organisation"]
    id: Id


class PartyPublic(BaseModel):
    kind: str
    id: str


class Record(BaseModel):
    """Fields every record has."""

    id: str = Field(description="The record's id (a UUID).")
    version: int = Field(description="The record's version; send it back as If-Match.")
    created_on: datetime = Field(description="When the record's first event was recorded.")
    modified_on: datetime = Field(description="When its latest event was recorded.")
    position: int | None = Field(
        default=None,
        description="On write responses: the ledger position of the event just recorded.",
    )


class Reason(Body):
    reason: LongText | None = None


class ReasonRequired(Body):
    reason: LongText


class ListItem(BaseModel):
    id: str
    kind: str
    group_id: str | None
    title: str | None
    status: str
    version: int
    position: int = Field(description="Ledger position of the record's latest event.")


class Page(BaseModel):
    """One page of records, oldest first."""

    items: list[ListItem]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= to get the next page; null on the last page."
    )


class Problem(BaseModel):
    """An RFC 9457 problem document (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    current_state: str | None = None
    errors: list[dict[str, str]] | None = None
