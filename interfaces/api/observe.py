"""Each request timed, counted and logged as one line, under a request id it answers with.

Pure ASGI, not BaseHTTPMiddleware: per request, one small object in the scope, a header
added to the answer, two metric updates and one log record. Requests are known by their
route's path template (`/groups/{group_id}`), never by the path itself: the number of
templates is bounded, and a path may hold anything a client typed (a sign-in link's token,
an email address sent where an id belongs).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID = "X-Request-ID"
# An incoming id is kept when it is short and plain; anything else is replaced.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
SCOPE_KEY = "accord.request"

log = logging.getLogger("accord.request")
# The id of the request being served, for any other line logged while serving it (an error,
# a warning): routes run in threads that copy the request's context.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class Recorder(Protocol):
    def observe(self, method: str, route: str, status: int, seconds: float) -> None: ...


@dataclass(slots=True)
class Seen:
    """What the log line says about one request; routes add the key that authenticated it."""

    request_id: str
    # Until the app answers: a request that raised before answering is answered 500.
    status: int = 500
    key_id: str | None = None


def note_key(connection: HTTPConnection, key_id: str) -> None:
    """Name the API key (its id, never its secret) behind this request in its log line."""
    seen = connection.scope.get(SCOPE_KEY)
    if isinstance(seen, Seen):
        seen.key_id = key_id


def request_id(scope: Scope) -> str:
    """The client's X-Request-ID if it is plain (at most 128 letters, digits, `._:-`), else a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if SAFE_REQUEST_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The path template of the route that served the request ("unmatched" for none)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class Observe:
    """Times, counts and logs every HTTP request; answers with its X-Request-ID."""

    def __init__(self, app: ASGIApp, metrics: Recorder | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        seen = Seen(request_id(scope))
        scope[SCOPE_KEY] = seen
        header = (b"x-request-id", seen.request_id.encode("ascii"))

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        # Not reset: each request is served in a task (a context) of its own, and an
        # unexpected error is logged after this returns (ServerErrorMiddleware, outside).
        current_request_id.set(seen.request_id)
        try:
            await self.app(scope, receive, answer)
        finally:
            self._done(scope, seen, time.perf_counter() - started)

    def _done(self, scope: Scope, seen: Seen, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        route = route_of(scope)
        if self.metrics is not None:
            self.metrics.observe(method, route, seen.status, seconds)
        if log.isEnabledFor(logging.INFO):
            milliseconds = round(seconds * 1000, 1)
            log.info(
                "%s %s %s %s ms",
                method,
                route,
                seen.status,
                milliseconds,
                extra={
                    "accord": {
                        "request_id": seen.request_id,
                        "method": method,
                        "route": route,
                        "status": seen.status,
                        "duration_ms": milliseconds,
                        "key_id": seen.key_id,
                    }
                },
            )
