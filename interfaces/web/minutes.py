"""A group's changes between two days as minutes: a printable page, or a Markdown download."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from interfaces.api.deps import LedgerDep

# The module, not its names: it imports the console's sentences, which import this package.
from interfaces.reports import minutes as document
from interfaces.web.moments import read_day
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import SECURITY_HEADERS, page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
FORMATS = ("", "html", "md")


def a_month_before(day: date) -> date:
    """The same day of the month before (the month's last day where it has fewer)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def _window(start: str, end: str, errors: dict[str, str]) -> tuple[date, date]:
    """The two days chosen (by default the last month, up to today); messages for bad ones."""
    today = datetime.now(UTC).date()
    last = read_day(end, "to", errors) or today
    first = read_day(start, "from", errors) or a_month_before(last)
    if not errors and last < first:
        errors["to"] = "The last day must not be before the first."
    return first, last


@router.get("/console/groups/{group_id}/changes", response_class=HTMLResponse)
def minutes_page(
    request: Request,
    group_id: str,
    ledger: LedgerDep,
    session: SessionDep,
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
    format: str = "",
) -> Response:
    access = ledger.access.authorize(session.caller, "read", "group", group_id)
    errors: dict[str, str] = {}
    first, last = _window(start, end, errors)
    if format not in FORMATS:
        errors["format"] = "Choose the page or Markdown."
    context: dict[str, Any] = {
        "group_id": group_id,
        "name": ledger.directory.group_name(group_id),
        "errors": errors,
        "fields": {"from": start or first.isoformat(), "to": end or last.isoformat()},
        "doc": None,
    }
    if errors:
        return page(request, "minutes.html", status=422, **context)
    doc = document.minutes(
        ledger,
        group_id,
        datetime.combine(first, time.min, tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC),
        functools.partial(ledger.access.sees_person, access),
        ledger.head_position(),
    )
    if format == "md":
        return Response(
            document.render_markdown(doc),
            media_type="text/markdown; charset=utf-8",
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": f'attachment; filename="{document.filename(doc)}"',
            },
        )
    return page(request, "minutes.html", **{**context, "doc": doc})
