"""The report as a document (HTML, Markdown, CSV) for a client that asks for one with Accept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request, Response

from application.ledger import Ledger

# What the report's route answers besides JSON, by the media type asked for.
DOCUMENTS = ("text/html", "text/markdown", "text/csv")


def wanted(request: Request) -> str | None:
    """The document type the Accept header prefers (by quality, then order), if it prefers
    one over JSON; None for JSON (also for */* or no header)."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate(request.headers.get("accept", "").split(",")):
        media, *params = [p.strip().lower() for p in part.split(";")]
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0 and (media in DOCUMENTS or media in ("application/json", "*/*")):
            ranked.append((-quality, order, media))
    best = min(ranked, default=None)
    return best[2] if best is not None and best[2] in DOCUMENTS else None


def report_document(media: str, ledger: Ledger, report: Mapping[str, Any], table: str) -> Response:
    """The report as the document asked for, with the names the renderers need."""
    from interfaces.reports.naming import record_names

    names = record_names(ledger, dict(report))
    if media == "text/html":
        from interfaces.reports.html import render_html

        return Response(render_html(report, names), media_type="text/html; charset=utf-8")
    if media == "text/markdown":
        from interfaces.reports.markdown import render_markdown

        body = render_markdown(report, names)
        return Response(body, media_type="text/markdown; charset=utf-8")
    from interfaces.reports.csv import csv_table

    return Response(
        csv_table(report, table, names),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="accountability-{table}.csv"'},
    )


# The OpenAPI description of the documents the report's route answers besides JSON.
DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON by default; with `Accept: text/html` one HTML file "
        "(inline charts, no scripts), `text/markdown` a Markdown paper, `text/csv` one table "
        "(chosen with `table`).",
        "content": {media: {"schema": {"type": "string"}} for media in DOCUMENTS},
    }
}
