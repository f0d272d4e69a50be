"""Bounded resources: request body size, requests per API key, time spent on a failing database,
requests served at once.

Every limit answers with a problem document: 413 for a body over the limit, 429 with
Retry-After for a key over its rate, 503 with Retry-After (see errors.py) for a database
that is down or whose connections are all in use, and for a request that found no free slot
in time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import anyio
from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interfaces.api import errors
from interfaces.bootstrap import database_budget
from interfaces.settings import Settings


class BodyTooLarge(HTTPException):
    """The request body is larger than the API accepts."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes")


class BodyLimit:
    """Refuse a body over `max_bytes`: by its Content-Length before reading it, or as it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _content_length(scope) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Inside the app, FastAPI's body reading re-raises it and errors.py maps it.
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = errors.http_error(Request(scope), BodyTooLarge(self.max_bytes))
        response.headers["Connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # the server refuses a malformed length; counting still applies
    return 0


class DatabaseBudget:
    """Give each request a budget of seconds for failed database attempts (see interfaces.bootstrap)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Sync routes run in worker threads that copy this context, budget included.
        with database_budget(self.seconds):
            await self.app(scope, receive, send)


class RateLimiter:
    """A token bucket per API key: `rate` requests a second on average, bursts up to `burst`.

    Held in memory by one app instance: with several worker processes each counts its own
    requests, so a key may make up to N times as many across N processes.
    """

    MAX_KEYS = 10_000

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self.lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Take a token for `key`: 0 if granted, else the seconds until one is available."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self.lock:
            tokens, then = self.buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                if len(self.buckets) > self.MAX_KEYS:
                    self._forget_full(now)
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: a missing bucket starts full anyway."""
        for key, (tokens, then) in list(self.buckets.items()):
            if tokens + (now - then) * self.rate >= self.burst:
                del self.buckets[key]


def throttle(request: Request, key_id: str) -> None:
    """Count a request by an authenticated key; 429 with Retry-After when it is over its rate."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    wait = limiter.wait(key_id)
    if wait > 0:
        raise HTTPException(
            429,
            f"too many requests with this API key: at most {limiter.rate:g} a second, in "
            f"bursts of up to {limiter.burst:g}; retry after Retry-After seconds",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


class Admission:
    """At most `slots` requests are served at once; one that waits `wait` seconds for a
    slot is answered 503 with Retry-After, rather than queueing without bound behind the
    worker threads (so that, under any number of clients, no answer takes longer than this
    wait, the database's own bounds and the work itself). Liveness, readiness and metrics
    are answered without a slot, so that a busy server still says how it is."""

    # Streams are long and bounded on their own (routes/stream.py).
    UNQUEUED = frozenset({"/health", "/ready", "/metrics", "/events/stream"})

    def __init__(self, app: ASGIApp, slots: int, wait: float) -> None:
        self.app = app
        self.slots = slots
        self.wait = wait
        # anyio's, not asyncio's: it is bound to no one event loop (test clients run several).
        self.free = anyio.Semaphore(slots)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.UNQUEUED:
            await self.app(scope, receive, send)
            return
        admitted = False
        with anyio.move_on_after(self.wait):
            await self.free.acquire()
            admitted = True
        if not admitted:
            response = errors.problem(
                503,
                "Server busy",
                f"every one of the server's {self.slots} request slots stayed busy for "
                f"{self.wait:g} s; retry shortly",
            )
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.free.release()


def install(app: FastAPI, settings: Settings) -> None:
    """Add the body limit, the database budget, the admission gate and this app's own
    rate limiter."""
    app.state.rate_limiter = RateLimiter(settings.rate_limit, settings.rate_burst)
    app.add_middleware(DatabaseBudget, seconds=settings.database_wait)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Admission, slots=settings.request_slots, wait=settings.queue_wait)
