"""Commands: each runs once per request, and is re-run on fresh state when it loses a race.

Services mark their commands with `command`; the ledger core (application.core) supplies
the idempotency records and the per-run bookkeeping the decorator uses.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar, cast

from eventsourcing.persistence import IntegrityError

from application import idempotency
from application.errors import ConcurrentUpdate
from domain.base import AccordError

if TYPE_CHECKING:
    from application.core import LedgerCore

P = ParamSpec("P")
R = TypeVar("R")

# A command that loses a race without If-Match is re-applied to the new state, up to ATTEMPTS
# runs in all, each after a short random pause that grows with the attempt (at most
# BACKOFF * 2**attempt seconds), so that racing writers spread out instead of colliding again.
ATTEMPTS = 12
BACKOFF = 0.001


class Service(Protocol):
    """What a command group is: a class that holds the core it works on."""

    core: LedgerCore


def command(method: Callable[P, R]) -> Callable[P, R]:
    """Re-run a command on fresh state when another writer got in first; execute it once.

    The re-run reloads every record: with an expected version (If-Match) the reload
    finds the record moved on and raises VersionMismatch (412); without one, the
    command is re-applied to the current state, up to ATTEMPTS times in all, after a short
    random pause (`_pause`); then ConcurrentUpdate (409 "the record kept changing").

    Each run saves an idempotency token with its events (see application.idempotency).
    A request whose token is stored already is answered with what it wrote, not run
    again; so is a save that failed on a primary key because its first attempt had in
    fact committed.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        ledger = cast(Service, args[0]).core
        outcome = "failed"
        try:
            result = _execute(ledger, functools.partial(method, *args, **kwargs))
            outcome = "replayed" if getattr(result, "replayed", False) else "done"
            return result
        except AccordError:
            outcome = "refused"
            raise
        finally:
            ledger.commands_run.add(method.__name__, outcome)

    return wrapper


def _execute(ledger: LedgerCore, run: Callable[[], R]) -> R:
    """One command, run once per request: retried when it loses a race, recalled when its
    request was seen before."""
    with idempotency.taking() as token:
        ledger.sweep_requests_when_due()
        found = ledger.recall(token) if token.client else None
        for attempt in range(1, ATTEMPTS + 1):
            if found is not None:
                return cast(R, found)
            try:
                with ledger._attempting():
                    return run()
            except IntegrityError:
                found = ledger.recall(token)
                if found is None and attempt == ATTEMPTS:
                    raise ConcurrentUpdate(
                        "the record kept changing; read it and retry", "busy"
                    ) from None
                if found is None:
                    _pause(attempt)
            except AccordError:
                # A duplicate that loaded the state its first request had just written.
                if token.client and (found := ledger.recall(token)) is not None:
                    return cast(R, found)
                raise
        return cast(R, found)


def _pause(attempt: int) -> None:
    """A random pause before re-running a command that lost a race (full jitter)."""
    time.sleep(random.uniform(0, BACKOFF * 2 ** min(attempt, 6)))
