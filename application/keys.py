"""API keys: random secrets, stored only as SHA-256 digests, each bound to a person."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.persistence import IntegrityError

from application import checks
from application.core import LedgerCore
from application.errors import AlreadyBootstrapped, RecordNotFound, Unauthenticated
from application.idempotency import unrepeatable
from application.ports import ApiKeyRow
from domain.base import InvalidInput, optional_text
from domain.person import Person

PREFIX = "acc_"
LABEL_LENGTH = 300
ROLES = ("administrator", "auditor", "member")


@dataclass(frozen=True)
class Caller:
    """Who is behind an authenticated request."""

    person_id: str
    key_id: str
    role: str
    # The person's memberships as (group id, role), read with the key; None: not read yet.
    groups: tuple[tuple[str, str], ...] | None = field(default=None, compare=False)


def digest(secret: str) -> str:
    # The secrets are 256 random bits, so a fast hash cannot be brute-forced.
    # A key reads acc_<key id>.<secret>; only the secret's digest is stored.
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyCommands:
    """API keys: bootstrap, create, authenticate, revoke, rotate, list."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @unrepeatable
    def create_key(
        self, person_id: str, role: str = "member", label: str | None = None
    ) -> tuple[ApiKeyRow, str]:
        """Create an API key for a person; the secret is returned once and never stored."""
        checks.require_person(self.core, person_id, "person_id")
        if role not in ROLES:
            raise InvalidInput(f"role must be one of: {', '.join(ROLES)}", "role")
        label = optional_text(label, "label", LABEL_LENGTH)
        row, secret_hash, secret = self._new_key(person_id, role, label)
        self.core.store.insert_api_key(row, secret_hash)
        return row, secret

    @staticmethod
    def _new_key(person_id: str, role: str, label: str | None) -> tuple[ApiKeyRow, str, str]:
        """A new key's row, the digest to store and the full secret to show once."""
        key_id = uuid4().hex
        token = secrets.token_urlsafe(32)
        row = ApiKeyRow(key_id, person_id, role, label, datetime.now(UTC).isoformat(), None)
        return row, digest(token), f"{PREFIX}{key_id}.{token}"

    def bootstrap(self, name: str, email: str | None = None) -> tuple[str, ApiKeyRow, str]:
        """On a ledger with no keys, register the first administrator and give them a key."""
        if self.core.store.count_api_keys() > 0:
            raise AlreadyBootstrapped("an API key exists already")
        try:
            # The claim is stored in the same transaction as the person, so of two
            # concurrent bootstraps exactly one records anyone.
            person = self.core.write(Person.register(name, email, None), claim_bootstrap=True)
        except IntegrityError:
            raise AlreadyBootstrapped("the ledger was bootstrapped already") from None
        row, secret = self.create_key(person.id, "administrator", "first administrator")
        return person.id, row, secret

    def authenticate(self, secret: str | None) -> Caller:
        """The caller behind a bearer secret, or Unauthenticated."""
        if not secret or not secret.startswith(PREFIX) or "." not in secret:
            raise Unauthenticated("a valid API key is required")
        key_id, _, token = secret[len(PREFIX) :].partition(".")
        # The key and its person's memberships in one read: the guard needs both.
        found = self.core.store.find_caller(key_id)
        # Compare digests in constant time, so timing says nothing about the secret.
        if found is None or not hmac.compare_digest(found[1], digest(token)):
            raise Unauthenticated("the API key is unknown or revoked")
        row = found[0]
        if row.revoked_at is not None:
            raise Unauthenticated("the API key is unknown or revoked")
        return Caller(row.person_id, row.key_id, row.role, tuple(found[2]))

    @unrepeatable
    def revoke_key(self, key_id: str) -> ApiKeyRow:
        """Revoke a key: the next request with it fails."""
        if not self.core.store.revoke_api_key(key_id, datetime.now(UTC).isoformat()):
            raise RecordNotFound("active API key", key_id)
        return self.get_key(key_id)

    @unrepeatable
    def rotate_key(self, key_id: str, person_id: str | None = None) -> tuple[ApiKeyRow, str]:
        """Replace an active key by a new one for the same person, role and label, atomically."""
        # With person_id, only that person's keys: another's key is as unknown as no key.
        found = self.core.store.find_api_key(key_id)
        old = found[0] if found else None
        if old is None or old.revoked_at is not None or person_id not in (None, old.person_id):
            raise RecordNotFound("active API key", key_id)
        row, secret_hash, secret = self._new_key(old.person_id, old.role, old.label)
        revoked_at = datetime.now(UTC).isoformat()
        # Of two concurrent rotations of one key, the store lets exactly one through.
        if not self.core.store.rotate_api_key(key_id, row, secret_hash, revoked_at):
            raise RecordNotFound("active API key", key_id)
        return row, secret

    def get_key(self, key_id: str) -> ApiKeyRow:
        """One key (active or revoked), without its secret."""
        found = self.core.store.find_api_key(key_id)
        if found is None:
            raise RecordNotFound("API key", key_id)
        return found[0]

    def list_keys(self, person_id: str | None = None) -> list[ApiKeyRow]:
        """Every key, or one person's, oldest first, without secrets."""
        rows = self.core.store.list_api_keys()
        return [row for row in rows if person_id is None or row.person_id == person_id]
