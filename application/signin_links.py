"""One-time sign-in links: a person opens a link and is signed in to the console, without
ever handling an API key.

An administrator (for anyone) or a convener (for a member of a group they convene) makes
a link for a person. The link holds a random token; only its digest is stored, with the
person, the role the session will carry and an expiry. Redeeming it claims it in one
statement, so of two racing redemptions exactly one signs in. The session then acts with
a new API key of the person's, labelled "console sign-in link", whose secret nobody ever
sees: revoking that key (or forgetting the person, which revokes all their keys) ends the
session. Links are not ledger events: like API keys and sessions they live beside the
events, in the store's own table.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from application.access import Access
from application.core import LedgerCore
from application.errors import RecordNotFound, Unauthenticated
from application.idempotency import unrepeatable
from application.identity import SESSION_KEY_LABEL, Identity
from application.keys import ROLES
from application.ports_console import SignInLinkRow, SignInLinkStore
from domain.base import InvalidInput, NotAllowed
from domain.person import Person

LABEL = SESSION_KEY_LABEL
MAX_MINUTES = 7 * 24 * 60
# One sentence for an unknown, used and expired link alike: which it was is nobody's business.
UNUSABLE = "this sign-in link cannot be used: it is unknown, used already or expired"


@dataclass(frozen=True)
class SignInLink:
    """A link just made: its token is shown once, in the link, and never stored."""

    token: str
    person_id: str
    role: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stamp(moment: datetime) -> str:
    # Always with microseconds and +00:00, so that stored times compare as text.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class SignInLinkCommands:
    """Make one-time sign-in links, and redeem them (an identity provider for sessions)."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core
        self.lifetime = timedelta(minutes=15)

    @property
    def store(self) -> SignInLinkStore:
        recorder = self.core.recorder
        if not isinstance(recorder, SignInLinkStore):
            raise TypeError("the ledger needs one of Accord's recorders (see interfaces.bootstrap)")
        return recorder

    @unrepeatable
    def make_link(
        self,
        person_id: str,
        role: str = "member",
        minutes: int | None = None,
        access: Access | None = None,
        now: datetime | None = None,
    ) -> SignInLink:
        """A new link for a registered person; the token is returned once. Whether the
        caller may invite this person is the access policy's ("invite"); with `access`,
        only an administrator may give a role other than member."""
        if role not in ROLES:
            raise InvalidInput(f"role must be one of: {', '.join(ROLES)}", "role")
        if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
            raise InvalidInput(f"minutes must be from 1 to {MAX_MINUTES}", "minutes")
        if access is not None and role != "member" and not access.administrator:
            raise NotAllowed("only an administrator may make a link with a role other than member")
        person = self._person(person_id)
        if person is None or person.forgotten:
            raise RecordNotFound("person", person_id)
        now = now or datetime.now(UTC)
        self.store.delete_sign_in_links(expired_before=_stamp(now))
        token = secrets.token_urlsafe(32)
        expires = now + (timedelta(minutes=minutes) if minutes else self.lifetime)
        self.store.insert_sign_in_link(
            SignInLinkRow(_digest(token), person_id, role, _stamp(now), _stamp(expires))
        )
        return SignInLink(token, person_id, role, expires)

    def usable(self, token: str, now: datetime | None = None) -> bool:
        """Whether a link could be redeemed now (reading only: opening it burns nothing)."""
        row = self.store.find_sign_in_link(_digest(token))
        now = now or datetime.now(UTC)
        return row is not None and row.used_at is None and row.expires_at > _stamp(now)

    def identify(self, credential: str | None, now: datetime) -> Identity:
        """Redeem a link: once only, before it expires, for a person not forgotten."""
        if not credential:
            raise Unauthenticated(UNUSABLE)
        row = self.store.claim_sign_in_link(_digest(credential), _stamp(now))
        if row is None:
            raise Unauthenticated(UNUSABLE)
        person = self._person(row.person_id)
        if person is None or person.forgotten:
            raise Unauthenticated(UNUSABLE)
        return Identity(row.person_id, row.role, None, LABEL)

    def _person(self, person_id: str) -> Person | None:
        found = self.core.load_each(Person, [person_id], to_change=False)
        return found.get(person_id)
