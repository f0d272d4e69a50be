"""The one place where errors become HTTP responses: application/problem+json."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import DataError, IntegrityError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException

from application.errors import (
    AlreadyBootstrapped,
    ReadModelsBehind,
    RecordNotFound,
    Unauthenticated,
    VersionMismatch,
)
from application.idempotency import RequestNotRepeatable
from domain.base import AccordError, InvalidInput, LifecycleError, NotAllowed, NotFound
from interfaces.bootstrap import STORE_UNAVAILABLE

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
    if isinstance(error, RequestNotRepeatable):
        return problem(409, "Idempotency-Key already used", detail)
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


def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    response = problem(error.status_code, _title(error.status_code), str(error.detail))
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    if error.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request)
    return response


def _allowed_methods(request: Request) -> str:
    """Every method served at the request's path: Starlette's 405 names one route's only."""
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):  # included routers too
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(route.methods or ())
    return ", ".join(sorted(methods))


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
    # A database that is down, busy or out of pooled connections: 503 with Retry-After.
    for unavailable in STORE_UNAVAILABLE:
        app.add_exception_handler(unavailable, store_unavailable)
    app.add_exception_handler(Exception, unexpected)
    document(app)


UNREADABLE_BODY = "The body cannot be read as JSON text (for example, it is not UTF-8)."


def document(app: FastAPI) -> None:
    """Describe every error answer as what the handlers above send: a Problem document.

    FastAPI documents its own 422 (HTTPValidationError, application/json) on every route with
    parameters, and `problems()` puts the schema under application/json; both become a Problem
    under application/problem+json. A body that cannot be decoded at all is FastAPI's 400.
    """
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        invalid = problems(422)[422]["description"]
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if "requestBody" in operation and "400" not in responses:
                    responses["400"] = {"description": UNREADABLE_BODY}
                for code, response in responses.items():
                    if code[0] in "45":
                        if code == "422" and response.get("description") == "Validation Error":
                            response["description"] = invalid
                        problem_ref = {"$ref": "#/components/schemas/Problem"}
                        response["content"] = {PROBLEM: {"schema": problem_ref}}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Problem", _problem_schema())
        for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's, now unused
            if f'"#/components/schemas/{name}"' not in json.dumps(schema):
                components.pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problem_schema() -> dict[str, Any]:
    from interfaces.api.schemas.common import Problem

    return Problem.model_json_schema(ref_template="#/components/schemas/{model}")


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
        413: "The request body is larger than the API accepts.",
        429: "Too many requests with this API key; retry after Retry-After seconds.",
        503: "The store cannot be reached or is busy; retry after Retry-After seconds.",
    }
    return {
        s: {"model": Problem, "description": descriptions[s], "content": {PROBLEM: {}}}
        for s in (401, *statuses, 413, 429, 503)
    }
