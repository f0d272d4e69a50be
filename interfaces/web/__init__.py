"""The review console: server-rendered pages over the same queries and access policy as the API.

Pages are Jinja2 templates with autoescape; every asset is served by Accord itself; every
page works without JavaScript. A browser signs in with a person's API key or a one-time
sign-in link and then holds a session cookie, which only these pages accept (the JSON API
keeps bearer keys).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from interfaces.web import (
    accountabilities,
    decisions,
    integrity,
    invitations,
    links,
    minutes,
    pages,
    people,
    records,
    report,
    signin,
    timeline,
)
from interfaces.web.templating import page

STATIC = Path(__file__).parent / "static"

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def install(app: FastAPI) -> None:
    """Mount the console's pages and assets, and show errors on pages as pages."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(signin.router)
    app.include_router(links.router)
    links.hide_tokens_in_access_log()
    app.include_router(pages.router)
    app.include_router(report.router)
    app.include_router(timeline.router)
    app.include_router(decisions.router)
    app.include_router(records.router)
    app.include_router(accountabilities.router)
    app.include_router(people.router)
    app.include_router(invitations.router)
    app.include_router(minutes.router)
    app.include_router(integrity.router)
    app.add_exception_handler(signin.SignInRequired, signin.to_sign_in)
    for kind, handler in list(app.exception_handlers.items()):
        if kind is not signin.SignInRequired:
            app.add_exception_handler(kind, _as_page(handler))


def _as_page(handler: Handler) -> Handler:
    """An error on a page is a page with the same status, saying the same thing."""

    async def handle(request: Request, error: Exception) -> Response:
        answer = handler(request, error)
        response = await answer if isinstance(answer, Awaitable) else answer
        if not getattr(request.state, "page", False):
            return response
        if response.status_code == 401:
            return RedirectResponse("/signin", status_code=303)
        problem = json.loads(bytes(response.body or b"{}"))
        return page(
            request,
            "error.html",
            status=response.status_code,
            title=problem.get("title", "Error"),
            detail=problem.get("detail", ""),
        )

    return handle
