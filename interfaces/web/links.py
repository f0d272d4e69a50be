"""Signing in with a one-time link (`accord keys invite`, POST /people/{id}/sign-in-links).

Opening the link only shows a page with a button: mail scanners and link previews that
fetch it burn nothing. Pressing the button (a POST, with the pre-session CSRF cookie the
sign-in form uses) redeems the link and starts the session. An unknown, used or expired
link gets the same page and status, so that which of the three it was is not told.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from application.errors import Unauthenticated
from interfaces.api.deps import LedgerDep
from interfaces.web.signin import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    FormDep,
    mark_page,
    set_cookie,
)
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
UNUSABLE_STATUS = 404
# The address a link's token may not leak from: no Referer at all from these pages.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}
TOKEN_IN_PATH = re.compile(r"(/signin/link/)[^/?\s]+")


@router.get("/signin/link/{token}", response_class=HTMLResponse)
def link_page(token: str, request: Request, ledger: LedgerDep) -> Response:
    if not ledger.sign_in_links.usable(token):
        return _unusable(request)
    return _confirm(request, token)


@router.post("/signin/link/{token}", response_class=HTMLResponse)
def redeem_link(token: str, request: Request, ledger: LedgerDep, form: FormDep) -> Response:
    expected = request.cookies.get(SIGNIN_COOKIE)
    if not expected or not secrets.compare_digest(expected, form.get("csrf", "")):
        if not ledger.sign_in_links.usable(token):
            return _unusable(request)
        message = "The page had expired. Please press the button again."
        return _confirm(request, token, message, 403)
    try:
        session_token, _ = ledger.sessions.start_with(ledger.sign_in_links, token)
    except Unauthenticated:
        return _unusable(request)
    # A session already open in this browser (someone else's, perhaps) ends here.
    ledger.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303, headers=NO_REFERRER)
    lifetime = int(ledger.sessions.lifetime.total_seconds())
    set_cookie(request, response, SESSION_COOKIE, session_token, max_age=lifetime)
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


def _confirm(request: Request, token: str, message: str = "", status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(24)
    response = page(
        request, "signin_link.html", status=status, csrf=csrf, token=token, message=message
    )
    response.headers.update(NO_REFERRER)
    set_cookie(request, response, SIGNIN_COOKIE, csrf, max_age=3600)
    return response


def _unusable(request: Request) -> Response:
    response = page(request, "signin_link_unusable.html", status=UNUSABLE_STATUS)
    response.headers.update(NO_REFERRER)
    return response


class HideLinkTokens(logging.Filter):
    """Keeps sign-in link tokens out of the server's access log (a log reader could use one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_hidden(arg) for arg in record.args)
        return True


def _hidden(value: Any) -> Any:
    return TOKEN_IN_PATH.sub(r"\1…", value) if isinstance(value, str) else value


def hide_tokens_in_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideLinkTokens) for f in access.filters):
        access.addFilter(HideLinkTokens())
