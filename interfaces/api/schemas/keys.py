"""API keys: what an administrator sends, and what is shown back (a secret only once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from interfaces.api.schemas.common import Body, Id, ShortText

# The roles of application.keys.ROLES (a test keeps the two the same).
Role = Literal["administrator", "auditor", "member"]
Label = Annotated[str, StringConstraints(max_length=300)]
Secret = Annotated[str, StringConstraints(max_length=200)]

# Response models forbid unknown fields too: a stray column (a digest, say) fails loudly
# instead of being serialised.


class KeyCreate(Body):
    person_id: Id = Field(description="The registered person the key acts for.")
    role: Role = Field(default="member", description="What the key may do.")
    label: ShortText | None = Field(
        default=None, description="A note to tell keys apart.", examples=["laptop"]
    )


class KeyPublic(Body):
    """A key's metadata; never its secret or the secret's digest."""

    key_id: Id
    person_id: Id
    role: Role
    label: Label | None
    created_at: datetime
    revoked_at: datetime | None = Field(description="When it was revoked; null while active.")


class KeyCreated(KeyPublic):
    """A new key, with its secret: shown in this response only, never again."""

    secret: Secret = Field(
        description="The API key; send it as `Authorization: Bearer <secret>`. "
        "Only a digest is stored, so it cannot be shown again."
    )


class KeysPublic(Body):
    """Keys, oldest first."""

    items: list[KeyPublic]


class SignInLinkCreate(Body):
    role: Role = Field(
        default="member",
        description="The role the session carries; only an administrator may give another.",
    )
    minutes: int | None = Field(
        default=None,
        ge=1,
        le=7 * 24 * 60,
        description="How long the link may be used; by default ACCORD_SIGN_IN_LINK_MINUTES (15).",
        examples=[15],
    )


class SignInLinkCreated(Body):
    """A one-time sign-in link: shown in this response only; usable once, until it expires."""

    url: Annotated[str, StringConstraints(max_length=2000)] = Field(
        description="Open it in a browser and press the button to sign in as the person. "
        "Only a digest of its token is stored, so it cannot be shown again.",
        examples=["https://accord.example.org/signin/link/Zm9v..."],
    )
    person_id: Id
    role: Role
    expires_at: datetime
