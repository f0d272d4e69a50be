"""Signing in and out of the console, the session every page needs, and CSRF on every form."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from application.errors import SessionExpired, SessionKeyRevoked, Unauthenticated
from application.sessions import Session, SessionCommands
from domain.base import NotAllowed, current_actor
from interfaces.api.deps import LedgerDep
from interfaces.api.observe import note_key
from interfaces.web.templating import page

SESSION_COOKIE = "accord_session"
# Before sign-in there is no session: the sign-in form's CSRF token is a cookie it matches.
SIGNIN_COOKIE = "accord_signin"
# Why the browser was sent to sign in, by code: the sign-in page shows only these sentences,
# never text from its address (which anyone can write into a link).
SIGN_IN_NOTES = {
    "ended": "Your session has ended. Please sign in again.",
    "expired": "Your session has expired. Please sign in again.",
    "revoked": "The key you signed in with has been revoked. Sign in with another key.",
}


class SignInRequired(Exception):
    """The page needs a signed-in person (no session, or it ended)."""

    def __init__(self, message: str, back_to: str = "/", note: str = "") -> None:
        super().__init__(message)
        self.back_to = back_to
        self.note = note  # a key of SIGN_IN_NOTES, or "" (never signed in)


def mark_page(request: Request) -> None:
    """Errors on this route are shown as pages, not problem documents."""
    request.state.page = True


router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])


async def form_data(request: Request) -> dict[str, str]:
    """A form's fields (application/x-www-form-urlencoded; the body's size is bounded)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[0] for name, values in parse_qs(body).items()}


FormDep = Annotated[dict[str, str], Depends(form_data)]


async def current_session(request: Request, ledger: LedgerDep) -> Session:
    """The signed-in session, also the actor of anything recorded from a page."""
    try:
        token = request.cookies.get(SESSION_COOKIE)
        session = await run_in_threadpool(ledger.sessions.resume, token)
    except Unauthenticated as error:
        raise SignInRequired(str(error), request.url.path, _note(token, error)) from None
    request.state.session = session
    note_key(request, session.caller.key_id)
    current_actor.set(session.caller.person_id)
    return session


SessionDep = Annotated[Session, Depends(current_session)]


def _note(token: str | None, error: Unauthenticated) -> str:
    """Which sign-in note explains a session that could not be resumed."""
    if not token:
        return ""
    if isinstance(error, SessionKeyRevoked):
        return "revoked"
    return "expired" if isinstance(error, SessionExpired) else "ended"


def to_sign_in(request: Request, error: Exception) -> Response:
    back_to = error.back_to if isinstance(error, SignInRequired) else "/"
    note = error.note if isinstance(error, SignInRequired) else ""
    to = f"/signin?next={quote(back_to)}" + (f"&message={note}" if note else "")
    response = RedirectResponse(to, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(value: str | None) -> str:
    """Only a path on this site: never another site after sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/", message: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    note = "signed-out" if message == "signed-out" else SIGN_IN_NOTES.get(message, "")
    response = page(request, "signin.html", csrf=token, next=_safe_next(next), message=note)
    set_cookie(request, response, SIGNIN_COOKIE, token, max_age=3600)
    return response


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, ledger: LedgerDep, form: FormDep) -> Response:
    expected = request.cookies.get(SIGNIN_COOKIE)
    sent = form.get("csrf", "")
    next_page = _safe_next(form.get("next"))
    if not expected or not secrets.compare_digest(expected, sent):
        return _signin_again(request, next_page, "The form had expired. Please sign in again.", 403)
    try:
        token, _ = ledger.sessions.start(form.get("key", "").strip())
    except Unauthenticated:
        return _signin_again(request, next_page, "That key is not valid, or it was revoked.", 401)
    response = RedirectResponse(next_page, status_code=303)
    lifetime = int(ledger.sessions.lifetime.total_seconds())
    set_cookie(request, response, SESSION_COOKIE, token, max_age=lifetime)
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, ledger: LedgerDep, session: SessionDep, form: FormDep) -> Response:
    require_csrf(session, form)
    ledger.sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/signin?message=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def require_csrf(session: Session, form: dict[str, str]) -> None:
    """403 for a form without its session's CSRF token (a request forged by another site)."""
    if not SessionCommands.csrf_matches(session, form.get("csrf")):
        raise NotAllowed("the form did not carry this session's token; reload the page")


def _signin_again(request: Request, next_page: str, message: str, status: int) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        request, "signin.html", status=status, csrf=token, next=next_page, message=message
    )
    set_cookie(request, response, SIGNIN_COOKIE, token, max_age=3600)
    return response


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
