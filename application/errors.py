"""Errors the application layer adds to the domain's."""

from __future__ import annotations

from domain.base import AccordError, LifecycleError, NotFound


class RecordNotFound(NotFound):
    """No record of that kind has that id."""

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"no {kind} with id {record_id}")
        self.kind = kind
        self.record_id = record_id


class VersionMismatch(AccordError):
    """The record changed since the version the caller last saw (a stale If-Match)."""

    def __init__(self, record_id: str, expected: int, actual: int | None) -> None:
        super().__init__(
            f"record {record_id} is at version {actual}, not the expected version {expected}"
        )
        self.expected = expected
        self.actual = actual


class ConcurrentUpdate(LifecycleError):
    """The record kept changing under the command; the caller should read it and retry."""


class ReadModelsBehind(AccordError):
    """The read models did not reach the asked-for position in time; retry shortly."""


class Unauthenticated(AccordError):
    """No valid API key was presented."""


class SessionExpired(Unauthenticated):
    """The web session was idle too long, or has been open too long in all."""


class SessionKeyRevoked(Unauthenticated):
    """The key a web session was started with has been revoked."""


class AlreadyBootstrapped(AccordError):
    """The first administrator exists already; create further keys with an administrator's key."""
