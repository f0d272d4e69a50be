"""The console's report page: the accountability report for a group (and its sub-groups) or
everything the person may see, for a period, rendered in the page with its charts and tables,
and to open or download (HTML, Markdown, CSV), always within the person's access."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from interfaces.api.deps import LedgerDep
from interfaces.api.documents import report_document
from interfaces.reports.common import Names
from interfaces.reports.figures import period_text, scope_text
from interfaces.reports.naming import record_names
from interfaces.reports.tables import TABLE_NAMES
from interfaces.web.moments import read_day
from interfaces.web.pages import visible_groups
from interfaces.web.signin import SessionDep, mark_page
from interfaces.web.templating import page

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_page)])
INTERVALS = ("month", "quarter", "week")
FORMATS = {"html": "text/html", "md": "text/markdown", "csv": "text/csv"}
# The report document carries its own inline styles and no script.
DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


@router.get("/console/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    ledger: LedgerDep,
    session: SessionDep,
    group: str = "",
    subgroups: str = "",
    start: str = "",
    end: str = "",
    interval: str = "month",
    format: str = "",
    table: str = "summary",
) -> Response:
    access = ledger.access.access_for(session.caller)
    groups = visible_groups(ledger, access.visible_groups())
    errors: dict[str, str] = {}
    first, last = read_day(start, "start", errors), read_day(end, "end", errors)
    if group and group not in {g["id"] for g in groups}:
        errors["group"] = "Choose one of your groups, or everything you may see."
    if interval not in INTERVALS:
        errors["interval"] = "Choose month, quarter or week."
    if first and last and last <= first:
        errors["end"] = "The end must be after the start."
    if format and format not in FORMATS:
        errors["format"] = "Choose HTML, Markdown or CSV."
    if table not in TABLE_NAMES:
        errors["table"] = "Choose one of the report's tables."
    settings = {
        "group": group,
        "subgroups": subgroups,
        "start": first.isoformat() if first else "",
        "end": last.isoformat() if last else "",
        "interval": interval if interval in INTERVALS else "month",
    }
    context: dict[str, Any] = {"groups": groups, "settings": settings, "errors": errors}
    if errors:
        return page(request, "report.html", status=422, tables=TABLE_NAMES, **context)
    found = ledger.reports.accountability_report(
        group or None,
        bool(subgroups),
        datetime.combine(first, time.min, tzinfo=UTC) if first else None,
        datetime.combine(last, time.max, tzinfo=UTC) if last else None,
        None,
        interval,
        min_position=ledger.head_position(),
        visible=access.visible_groups(),
    )
    if format:
        document = report_document(FORMATS[format], ledger, found, table)
        document.headers["Content-Security-Policy"] = DOCUMENT_POLICY
        document.headers["X-Content-Type-Options"] = "nosniff"
        return document
    names = Names(found, {g["id"]: g["name"] for g in groups})
    query = urlencode({k: v for k, v in settings.items() if v})
    # Imported here, as the API's documents do: the charts' library is loaded only when a
    # report is drawn (importing it changes what a fresh process's stateful API run draws).
    from interfaces.reports.html import render_sections, style_hashes

    sections = render_sections(found, record_names(ledger, dict(found)))
    return page(
        request,
        "report.html",
        styles=style_hashes(sections.styles),
        report=sections,
        scope=scope_text(found, names),
        period=period_text(found),
        query=query,
        tables=TABLE_NAMES,
        **context,
    )
