"""What the console's sign-in and the integrity page keep beside the ledger: web sessions,
one-time sign-in links and the results of verification runs (none of them ledger events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class SessionRow:
    """A signed-in browser session: only the digest of its token is stored."""

    session_hash: str
    key_id: str
    csrf: str
    created_at: str
    last_seen_at: str


@runtime_checkable
class SessionStore(Protocol):
    """Web sessions beside the API keys they were started with (application.sessions)."""

    def insert_session(self, row: SessionRow) -> None: ...

    def find_session(self, session_hash: str) -> SessionRow | None: ...

    def touch_session(self, session_hash: str, last_seen_at: str) -> None: ...

    def delete_session(self, session_hash: str) -> None: ...

    def delete_sessions(self, started_before: str, seen_before: str) -> None:
        """Remove sessions past their absolute or idle expiry."""
        ...


@dataclass(frozen=True)
class SignInLinkRow:
    """A one-time sign-in link: only the digest of its token is stored."""

    link_hash: str
    person_id: str
    role: str
    created_at: str
    expires_at: str
    used_at: str | None = None


@runtime_checkable
class SignInLinkStore(Protocol):
    """One-time sign-in links beside the sessions they start (application.signin_links)."""

    def insert_sign_in_link(self, row: SignInLinkRow) -> None: ...

    def find_sign_in_link(self, link_hash: str) -> SignInLinkRow | None: ...

    def claim_sign_in_link(self, link_hash: str, now: str) -> SignInLinkRow | None:
        """Mark an unused, unexpired link used, atomically: of two racing claims exactly one
        gets the row; None for the other, and for an unknown, used or expired link."""
        ...

    def delete_sign_in_links(self, person_id: str | None = None, expired_before: str = "") -> None:
        """Remove one person's links (person_id), or those past expiry (expired_before)."""
        ...


@dataclass(frozen=True)
class IntegrityRun:
    """One verification of the hash chain, or one checkpoint signed, as last done."""

    kind: str  # "verification" or "checkpoint"
    at: str
    position: int
    link: str
    events: int = 0
    intact: bool = True
    detail: str | None = None


@runtime_checkable
class IntegrityLogStore(Protocol):
    """When the chain was last verified and checkpointed, and with what result."""

    def insert_integrity_run(self, row: IntegrityRun) -> None: ...

    def last_integrity_run(self, kind: str) -> IntegrityRun | None: ...
