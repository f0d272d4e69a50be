"""Who a console session is for: the seam every way of signing in goes through.

An identity provider verifies something a person presents (an API key, a one-time
sign-in link; later an OpenID Connect ID token) and names the person and the rights their
session carries; `SessionCommands.start_with` then starts the session. It never decides
access: that stays with the key the session acts with and the person's memberships
(application.access). docs/single-sign-on.md says how an OIDC provider plugs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.keys import KeyCommands

# The label of a key made for one console session alone (see Identity.key_id): the session
# ends it when it ends (sign-out, expiry), so no unused key outlives its session.
SESSION_KEY_LABEL = "console sign-in link"


@dataclass(frozen=True)
class Identity:
    """A person an identity provider vouches for, and the role their session carries."""

    person_id: str
    role: str
    # The API key the session acts with; None: a key is made for this session alone
    # (labelled `via`), so that revoking it ends exactly this session.
    key_id: str | None
    via: str


class IdentityProvider(Protocol):
    """Verifies a credential and names the person behind it, or raises Unauthenticated."""

    def identify(self, credential: str | None, now: datetime) -> Identity: ...


class ApiKeyIdentities:
    """Signing in with one's own API key: the session acts with that key."""

    def __init__(self, keys: KeyCommands) -> None:
        self.keys = keys

    def identify(self, credential: str | None, now: datetime) -> Identity:
        caller = self.keys.authenticate(credential)
        return Identity(caller.person_id, caller.role, caller.key_id, "API key")
