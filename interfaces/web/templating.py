"""Rendering pages: one Jinja2 environment (autoescape), filters, and the headers every page sends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from application.access import Access

TEMPLATES = Path(__file__).parent / "templates"

# Only Accord's own styles and scripts; no frames, no plug-ins, no form posts elsewhere.
POLICY = (
    "default-src 'none'; style-src 'self'{styles}; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": POLICY.format(styles=""),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def long_date(value: Any) -> str:
    """3 March 2026 (from a date, a datetime or an ISO string)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["long_date"] = long_date


def page(
    request: Request,
    template: str,
    status: int = 200,
    styles: Sequence[str] = (),
    **context: Any,
) -> HTMLResponse:
    """A page rendered from `template`, with the security headers; `styles` are CSP source
    expressions (hashes) of style elements the page carries, such as a report's charts."""
    session = getattr(request.state, "session", None)
    # The integrity page is in the menu of those who may open it (auditors, administrators).
    audits = session is not None and Access(session.caller).sees_everything
    body = environment.get_template(template).render(
        request=request, session=session, audits=audits, **context
    )
    headers = SECURITY_HEADERS
    if styles:
        policy = POLICY.format(styles="".join(f" {s}" for s in styles))
        headers = {**SECURITY_HEADERS, "Content-Security-Policy": policy}
    return HTMLResponse(body, status_code=status, headers=headers)
