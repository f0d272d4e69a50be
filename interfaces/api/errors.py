"""The one place where errors become HTTP responses: application/problem+json."""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import DataError, IntegrityError, InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from application.errors import (
    AlreadyBootstrapped,
    ReadModelsBehind,
    RecordNotFound,
    Unauthenticated,
    VersionMismatch,
)
from domain.base import AccordError, InvalidInput, LifecycleError, NotAllowed, NotFound

log = logging.getLogger("accord.api")

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "2"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def accord_error(_: Request, error: Exception) -> JSONResponse:
    """Map the domain's and application's error hierarchy to statuses."""
    detail = str(error)
    if isinstance(error, Unauthenticated):
        return problem(401, "Unauthenticated", detail)
    if isinstance(error, NotAllowed):
        return problem(403, "Forbidden", detail)
    if isinstance(error, RecordNotFound | NotFound):
        return problem(404, "Not found", detail)
    if isinstance(error, VersionMismatch):
        return problem(412, "Precondition failed", detail, current_version=error.actual)
    if isinstance(error, LifecycleError):
        return problem(
            409, "Conflict with the record's state", detail, current_state=error.current_state
        )
    if isinstance(error, ReadModelsBehind):
        return problem(503, "Read models behind", detail)
    if isinstance(error, AlreadyBootstrapped):
        return problem(409, "Already set up", detail)
    if isinstance(error, InvalidInput):
        field = (error.field or "").replace("[", ".").replace("]", "")
        errors = [{"field": field, "message": detail}]
        return problem(422, "Invalid input", detail, errors=errors)
    return problem(400, "Bad request", detail)


def validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
        for e in error.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid input", detail, errors=errors)


def _field(location: tuple[Any, ...]) -> str:
    """`("body", "agreement", "participants", 0)` -> `agreement.participants.0`."""
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts.pop(0)
        if not parts or all(isinstance(p, int) for p in parts):
            return str(where)  # the body as a whole, e.g. not JSON at all
    return ".".join(str(part) for part in parts)


def http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    response = problem(error.status_code, _title(error.status_code), str(error.detail))
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


def store_unavailable(_: Request, error: Exception) -> JSONResponse:
    log.warning("store unavailable: %s", type(error).__name__)
    return problem(
        503, "Store unavailable", "the ledger's database cannot be reached; retry shortly"
    )


def unstorable(_: Request, error: Exception) -> JSONResponse:
    log.info("refused a value the database cannot store: %s", type(error).__name__)
    return problem(422, "Invalid input", "a value cannot be stored (for example a NUL character)")


def write_conflict(_: Request, error: Exception) -> JSONResponse:
    return problem(
        409,
        "Concurrent write",
        "another write reached this record first; read it and retry",
        current_state="changed",
    )


def unexpected(_: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return problem(500, "Internal error", "an unexpected error occurred; it has been logged")


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(app: FastAPI) -> None:
    app.add_exception_handler(AccordError, accord_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(IntegrityError, write_conflict)
    app.add_exception_handler(DataError, unstorable)
    app.add_exception_handler(OperationalError, store_unavailable)
    app.add_exception_handler(InterfaceError, store_unavailable)
    app.add_exception_handler(Exception, unexpected)


# For route decorators: the problems any route may answer, for the OpenAPI description.
def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    from interfaces.api.schemas.common import Problem

    descriptions = {
        401: "No valid API key.",
        403: "The caller may not take this step.",
        404: "Unknown id.",
        409: "The record's lifecycle does not allow this now; `current_state` names its state.",
        412: "If-Match names a version that is no longer current.",
        422: "Invalid input: `errors` names each field and why.",
        503: "The store cannot be reached; retry after Retry-After seconds.",
    }
    return {
        s: {"model": Problem, "description": descriptions[s], "content": {PROBLEM: {}}}
        for s in (401, *statuses, 503)
    }
