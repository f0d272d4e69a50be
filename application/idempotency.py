"""Safe retries: a write remembered by its Idempotency-Key, in the transaction of its events.

A request's token names the caller's API key, the client's Idempotency-Key and a digest
of the request. The first command the request runs takes the token, and its save stores
it with the command's result, in the same transaction as the events: a retry is then
answered from it instead of being executed again. A command run without a client key
gets a token of its own, so that an insert the store retried after it had in fact
committed (the retry fails on the primary key) is still answered with its result.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar
from uuid import uuid4

from eventsourcing.persistence import IntegrityError

from application.ports import IdempotencyStore, Remembered
from domain.base import AccordError, InvalidInput

# Client keys are kept at least 24 hours (48 here); Accord's own tokens only need to
# outlive the request that made them.
KEEP = timedelta(hours=48)
KEEP_OWN = timedelta(minutes=10)
SWEEP_EVERY = 60.0  # seconds between opportunistic sweeps, per Ledger object
OWN = ""  # the key_id of the tokens Accord makes itself

P = ParamSpec("P")
R = TypeVar("R")


class IdempotencyKeyReused(InvalidInput):
    """The Idempotency-Key was used before, by the same API key, for a different request."""


class RequestNotRepeatable(AccordError):
    """The Idempotency-Key was used by a request whose response is not kept (it held a secret)."""


@dataclass
class Token:
    """One request's claim to be executed at most once."""

    key_id: str
    key: str
    request_hash: str
    client: bool = True
    request_id: str = field(default_factory=lambda: uuid4().hex)
    # Taken by the first command the request runs; later ones get tokens of their own.
    taken: bool = False
    # Stored by a save: a second save in the same command must not store it again.
    stored: bool = False

    def remembered(
        self,
        record_id: str | None = None,
        version: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Remembered:
        """The row to store for this token (the store adds the position of the last event)."""
        return Remembered(
            key_id=self.key_id,
            idem_key=self.key,
            request_hash=self.request_hash,
            request_id=self.request_id,
            created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
            record_id=record_id,
            version=version,
            extra=json.dumps(extra, sort_keys=True) if extra else None,
        )


# Set by interfaces/ for a write that sent an Idempotency-Key.
current_request: ContextVar[Token | None] = ContextVar("accord_request", default=None)
# The token of the command running now (commands may nest: each has its own).
_running: ContextVar[Token | None] = ContextVar("accord_running_command", default=None)


def own_token() -> Token:
    return Token(OWN, f"auto:{uuid4().hex}", "", client=False)


@contextmanager
def taking() -> Iterator[Token]:
    """The token the command starting now runs under: the request's, or one of its own."""
    request = current_request.get()
    if request is not None and not request.taken and _running.get() is None:
        request.taken = True
        token = request
    else:
        token = own_token()
    reset = _running.set(token)
    try:
        yield token
    finally:
        _running.reset(reset)


def to_store() -> Token | None:
    """The running command's token, if no save stored it yet."""
    token = _running.get()
    return token if token is not None and not token.stored else None


def recall(store: IdempotencyStore, token: Token) -> Remembered | None:
    """What the token's request wrote, if it was stored; raises if the key was used otherwise."""
    found = store.find_request(token.key_id, token.key)
    if found is None:
        return None
    if found.request_hash != token.request_hash:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {token.key!r} was used for a different request "
            "(another path or body); use a new key for a new request",
            "Idempotency-Key",
        )
    if found.position is None:
        raise RequestNotRepeatable(
            f"Idempotency-Key {token.key!r} was used by an earlier request whose response "
            "is not kept (it may hold a secret), so it is not repeated; use a new key"
        )
    return found


def unrepeatable(method: Callable[P, R]) -> Callable[P, R]:
    """For a write outside the ledger whose response cannot be given twice (a new secret).

    The request's Idempotency-Key is claimed before the method runs: a retry, or a
    concurrent duplicate, gets RequestNotRepeatable instead of a second execution. A
    failure releases the claim, so that a request that did nothing may be sent again.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        request = current_request.get()
        if request is None or request.taken or _running.get() is not None:
            return method(*args, **kwargs)
        request.taken = True
        store: IdempotencyStore = args[0].core.requests  # type: ignore[attr-defined]
        claim = request.remembered()
        try:
            store.claim_request(claim)
        except IntegrityError:
            recall(store, request)
            raise RequestNotRepeatable(
                f"Idempotency-Key {request.key!r} is in use by another request"
            ) from None
        try:
            return method(*args, **kwargs)
        except BaseException:
            store.release_request(claim)
            raise

    return wrapper


class Sweeper:
    """Forgets remembered requests past their keeping time, at most once a minute."""

    def __init__(self) -> None:
        self.last = float("-inf")

    def due(self, now: float) -> bool:
        if now - self.last < SWEEP_EVERY:
            return False
        self.last = now
        return True


def sweep(store: IdempotencyStore, now: datetime) -> None:
    """Forget client keys older than KEEP and Accord's own tokens older than KEEP_OWN."""
    store.forget_requests(
        (now - KEEP).isoformat(timespec="microseconds"),
        (now - KEEP_OWN).isoformat(timespec="microseconds"),
    )
