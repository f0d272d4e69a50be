"""API keys: random secrets, stored only as SHA-256 digests, each bound to a person."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.persistence import IntegrityError

from application.accountabilities import AccountabilityCommands
from application.errors import AlreadyBootstrapped, RecordNotFound, Unauthenticated
from application.ports import ApiKeyRow
from domain.base import InvalidInput
from domain.person import Person

PREFIX = "acc_"
ROLES = ("administrator", "member")


@dataclass(frozen=True)
class Caller:
    """Who is behind an authenticated request."""

    person_id: str
    key_id: str
    role: str


def digest(secret: str) -> str:
    # The secrets are 256 random bits, so a fast hash cannot be brute-forced.
    # A key reads acc_<key id>.<secret>; only the secret's digest is stored.
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyCommands(AccountabilityCommands):
    def create_key(
        self, person_id: str, role: str = "member", label: str | None = None
    ) -> tuple[ApiKeyRow, str]:
        """Create an API key for a person; the secret is returned once and never stored."""
        self._load(Person, person_id)
        if role not in ROLES:
            raise InvalidInput(f"role must be one of: {', '.join(ROLES)}", "role")
        key_id = uuid4().hex
        secret = secrets.token_urlsafe(32)
        row = ApiKeyRow(key_id, person_id, role, label, datetime.now(UTC).isoformat(), None)
        self.store.insert_api_key(row, digest(secret))
        return row, f"{PREFIX}{key_id}.{secret}"

    def bootstrap(self, name: str, email: str | None = None) -> tuple[str, ApiKeyRow, str]:
        """On a ledger with no keys, register the first administrator and give them a key."""
        if self.store.count_api_keys() > 0:
            raise AlreadyBootstrapped("an API key exists already")
        try:
            # The claim is stored in the same transaction as the person, so of two
            # concurrent bootstraps exactly one records anyone.
            person = self._save(Person.register(name, email, None), claim_bootstrap=True)
        except IntegrityError:
            raise AlreadyBootstrapped("the ledger was bootstrapped already") from None
        row, secret = self.create_key(person.id, "administrator", "first administrator")
        return person.id, row, secret

    def authenticate(self, secret: str | None) -> Caller:
        """The caller behind a bearer secret, or Unauthenticated."""
        if not secret or not secret.startswith(PREFIX) or "." not in secret:
            raise Unauthenticated("a valid API key is required")
        key_id, _, token = secret[len(PREFIX) :].partition(".")
        found = self.store.find_api_key(key_id)
        # Compare digests in constant time, so timing says nothing about the secret.
        if found is None or not hmac.compare_digest(found[1], digest(token)):
            raise Unauthenticated("the API key is unknown or revoked")
        row = found[0]
        if row.revoked_at is not None:
            raise Unauthenticated("the API key is unknown or revoked")
        return Caller(row.person_id, row.key_id, row.role)

    def revoke_key(self, key_id: str) -> None:
        """Revoke a key: the next request with it fails."""
        if not self.store.revoke_api_key(key_id, datetime.now(UTC).isoformat()):
            raise RecordNotFound("active API key", key_id)

    def list_keys(self) -> list[ApiKeyRow]:
        """Every key, without secrets."""
        return self.store.list_api_keys()
