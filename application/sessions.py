"""Web sessions: a person signs in with their API key; the browser then holds a session token.

The session belongs to the key it was started with: revoking the key ends its sessions
(each use checks the key), and signing out, or an idle or absolute expiry, ends it too.
Only a digest of the token is stored. Each session has its own CSRF token, which every
form that changes anything must carry. Every way of signing in (an API key, a one-time
sign-in link, later single sign-on) is an identity provider (application.identity) that
`start_with` asks who the person is; docs/single-sign-on.md says how OIDC would plug in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from application.core import LedgerCore
from application.errors import SessionExpired, SessionKeyRevoked, Unauthenticated
from application.identity import (
    SESSION_KEY_LABEL,
    ApiKeyIdentities,
    Identity,
    IdentityProvider,
)
from application.keys import Caller, KeyCommands
from application.ports_console import SessionRow, SessionStore


@dataclass(frozen=True)
class Session:
    """A session in use: who it is for, and the CSRF token its forms carry."""

    caller: Caller
    csrf: str
    started_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionCommands:
    """Start, resume and end web sessions."""

    def __init__(self, core: LedgerCore, keys: KeyCommands) -> None:
        self.core = core
        self.keys = keys
        self.idle = timedelta(minutes=30)
        self.lifetime = timedelta(hours=12)

    @property
    def store(self) -> SessionStore:
        recorder = self.core.recorder
        if not isinstance(recorder, SessionStore):
            raise TypeError("the ledger needs one of Accord's recorders (see interfaces.bootstrap)")
        return recorder

    def start(self, secret: str | None, now: datetime | None = None) -> tuple[str, Session]:
        """A new session for the person behind this API key: its token (shown to the
        browser once, as a cookie) and the session."""
        return self.start_with(ApiKeyIdentities(self.keys), secret, now)

    def start_with(
        self, provider: IdentityProvider, credential: str | None, now: datetime | None = None
    ) -> tuple[str, Session]:
        """A new session for whoever `provider` says presented `credential`, or
        Unauthenticated: its token (for the browser's cookie) and the session."""
        now = now or datetime.now(UTC)
        identity = provider.identify(credential, now)
        caller = self._caller(identity)
        self.store.delete_sessions((now - self.lifetime).isoformat(), (now - self.idle).isoformat())
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        stamp = now.isoformat()
        self.store.insert_session(SessionRow(_digest(token), caller.key_id, csrf, stamp, stamp))
        return token, Session(caller, csrf, now)

    def _caller(self, identity: Identity) -> Caller:
        """Who the session acts as: the identity's key, or a key made for this session."""
        if identity.key_id is not None:
            return Caller(identity.person_id, identity.key_id, identity.role)
        # Its secret is dropped: the session is the only thing that ever uses this key.
        row, _ = self.keys.create_key(identity.person_id, identity.role, identity.via)
        return Caller(row.person_id, row.key_id, row.role)

    def resume(self, token: str | None, now: datetime | None = None) -> Session:
        """The session behind a browser's token, or Unauthenticated: unknown, ended,
        idle too long, too old, or its key revoked."""
        if not token:
            raise Unauthenticated("sign in to continue")
        now = now or datetime.now(UTC)
        row = self.store.find_session(_digest(token))
        if row is None:
            raise Unauthenticated("your session has ended; sign in again")
        started = datetime.fromisoformat(row.created_at)
        seen = datetime.fromisoformat(row.last_seen_at)
        if now - started > self.lifetime or now - seen > self.idle:
            self._close(row)
            raise SessionExpired("your session has expired; sign in again")
        found = self.core.store.find_caller(row.key_id)
        if found is None or found[0].revoked_at is not None:
            self.store.delete_session(row.session_hash)
            raise SessionKeyRevoked("the key this session was started with is revoked")
        key = found[0]
        caller = Caller(key.person_id, key.key_id, key.role, tuple(found[2]))
        # Touch at most once a minute: reading a page need not write each time.
        if now - seen > timedelta(minutes=1):
            self.store.touch_session(row.session_hash, now.isoformat())
        return Session(caller, row.csrf, started)

    def end(self, token: str | None) -> None:
        """Sign out: the session cannot be used again (nor a key made for it alone)."""
        if token and (row := self.store.find_session(_digest(token))) is not None:
            self._close(row)

    def _close(self, row: SessionRow) -> None:
        """Delete the session, and revoke its key if the key was made for it alone."""
        self.store.delete_session(row.session_hash)
        found = self.core.store.find_caller(row.key_id)
        if found is not None and found[0].label == SESSION_KEY_LABEL and not found[0].revoked_at:
            self.core.store.revoke_api_key(row.key_id, datetime.now(UTC).isoformat())

    @staticmethod
    def csrf_matches(session: Session, sent: str | None) -> bool:
        """Whether a form carried its session's CSRF token (compared in constant time)."""
        return bool(sent) and hmac.compare_digest(session.csrf, str(sent))
