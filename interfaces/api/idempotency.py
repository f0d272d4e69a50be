"""Safe retries over HTTP: the Idempotency-Key header of every write.

A write that sends `Idempotency-Key` is executed at most once per API key: a retry with
the same key and the same request gets the first answer again (marked
`Idempotent-Replayed: true`) and records nothing; the same key with another request is
refused (422). The application keeps the keys (see application.idempotency).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request

from application.idempotency import Token, current_request
from domain.base import InvalidInput
from interfaces.api.deps import CallerDep

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
MAX_LENGTH = 255

DESCRIPTION = (
    "Makes the write safe to retry: send a fresh unique value (e.g. a UUID) per intended "
    "write, and the same value again when retrying it. Up to 48 hours later, a retry with "
    "the same API key, key and request (method, path, query and JSON body) is answered with "
    "the first response's status and body, marked `Idempotent-Replayed: true`, and records "
    "nothing; the same key with a different request is refused (422). A duplicate sent while "
    "the first is running waits for it. Only successful writes are remembered: a failed one "
    "may be retried with the same key. Writes to API keys (a new key's secret is shown once) "
    "are not repeated: a retry gets 409. 1 to 255 printable ASCII characters."
)
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": DESCRIPTION,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[ -~]+$"},
}
REPLAYED_HEADER = {
    "description": "`true` when this is the remembered answer to an earlier request with the "
    "same Idempotency-Key: nothing new was recorded.",
    "schema": {"type": "string", "enum": ["true"]},
}
REUSED = "The Idempotency-Key was used for a different request, or is malformed."
NOT_REPEATED = "The Idempotency-Key was used by a write whose response is not repeated."


def valid(key: str) -> bool:
    return 1 <= len(key) <= MAX_LENGTH and all(" " <= c <= "~" for c in key)


def fingerprint(request: Request, body: bytes) -> str:
    """A digest of what the request asks for: method, path, query and the JSON body."""
    try:
        # Canonical: the same JSON however its keys are ordered and spaced.
        content = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except ValueError:
        content = body
    query = sorted(request.query_params.multi_items())
    digest = hashlib.sha256()
    for part in (request.method, request.url.path, json.dumps(query)):
        digest.update(part.encode() + b"\0")
    digest.update(content)
    return digest.hexdigest()


async def remember_request(request: Request, caller: CallerDep) -> None:
    """For a write with an Idempotency-Key: the token its command stores with its events.

    Async on purpose, like `authenticated`: the ContextVar is set in the request's own
    context, which the thread running the (sync) route then copies.
    """
    current_request.set(None)
    keys = request.headers.getlist(HEADER)
    if request.method not in WRITES or not keys:
        return
    if len(keys) > 1 or not valid(keys[0]):
        raise InvalidInput(
            f"{HEADER} must be one value of 1 to {MAX_LENGTH} printable ASCII characters", HEADER
        )
    # Only a body the route reads is part of the request (FastAPI has read it already).
    route = request.scope.get("route")
    body = await request.body() if getattr(route, "body_field", None) is not None else b""
    current_request.set(Token(caller.key_id, keys[0], fingerprint(request, body)))


def document(app: FastAPI) -> None:
    """Describe the header, and the replay marker, on every write in the OpenAPI schema."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method.upper() in WRITES and operation.get("security"):
                    _describe(operation)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _describe(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).append(PARAMETER)
    responses = operation["responses"]
    for code, response in responses.items():
        if code.startswith("2"):
            response.setdefault("headers", {})[REPLAYED] = REPLAYED_HEADER
    # Every guarded route answers 401 with a problem document; reuse its shape.
    for code, description in (("409", NOT_REPEATED), ("422", REUSED)):
        if code not in responses and "401" in responses:
            responses[code] = {**responses["401"], "description": description}
