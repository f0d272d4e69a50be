"""A group's decisions as an outcomes CSV, one row per decision, in the spirit of Loomio's
poll export (its poll table: title, author, dates, details, group, outcome statement):
for a spreadsheet or another tool. Over HTTP: `GET /groups/{id}/decisions` with
`Accept: text/csv`, within the caller's sight (names of people and records they may not
see are left out, their ids kept). Lists inside a cell are joined with "; "."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from application.ledger import Ledger
from interfaces.reports.csv import cell
from interfaces.reports.decision_record import Sight

COLUMNS = (
    "id",
    "group_id",
    "group_name",
    "title",
    "status",
    "method",
    "proposed_by",
    "proposed_by_name",
    "recorded_at",
    "effective_at",
    "review_date",
    "participants_count",
    "participant_names",
    "organisations",
    "objections_count",
    "objections",
    "principles",
    "supersedes",
    "superseded_by",
    "context",
    "outcome_statement",
    "rationale",
    "outcome_reason",
    "console_path",
)


def outcomes_csv(
    ledger: Ledger, group_id: str, decisions: Iterable[Mapping[str, Any]], sight: Sight
) -> str:
    rows = list(decisions)
    people = {
        p
        for d in rows
        for p in [
            *d["participants"],
            *(o["person_id"] for o in d["objections"]),
            d.get("proposed_by"),
        ]
        if p
    }
    name = ledger.directory.names_for(sight.person, people)
    linked = [r for d in rows for r in [*d["principles"], *d["supersedes"]]]
    titles = ledger.directory.titles(linked, sight.group)
    organisations = {
        o: ledger.directory.organisation(o)["name"]
        for o in {o for d in rows for o in d["participant_organisations"]}
    }
    group_name = ledger.directory.group_name(group_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for d in rows:
        objections = [
            f"{name(o['person_id']) or o['person_id']}: {o.get('reason') or ''}"
            for o in d["objections"]
        ]
        writer.writerow(
            _safe(value)
            for value in (
                d["id"],
                d["group_id"],
                group_name,
                d["title"],
                d["status"],
                d.get("method") or "",
                d.get("proposed_by") or "",
                name(d.get("proposed_by")) or "",
                d.get("created_on"),
                d.get("effective_at") or "",
                d.get("review_date") or "",
                len(d["participants"]),
                "; ".join(name(p) or p for p in d["participants"]),
                "; ".join(organisations[o] for o in d["participant_organisations"]),
                len(d["objections"]),
                "; ".join(objections),
                "; ".join(titles.get(p, p) for p in d["principles"]),
                "; ".join(titles.get(s, s) for s in d["supersedes"]),
                d.get("superseded_by") or "",
                d.get("context") or "",
                d["decision"],
                d.get("rationale") or "",
                d.get("outcome_reason") or "",
                f"/console/decisions/{d['id']}",
            )
        )
    return out.getvalue()


def _safe(value: Any) -> Any:
    """As the report's cells: text that would run as a formula is written as text."""
    return cell(value if value != "" else None)
