"""Names for the records a report mentions but does not name, read from the ledger."""

from __future__ import annotations

from typing import Any

from application.ledger import Ledger
from domain.base import AccordError, NotFound
from interfaces.reports.common import Names, group_ids, organisation_ids, person_ids


def record_names(ledger: Ledger, report: dict[str, Any]) -> dict[str, str]:
    """Names of the organisations and groups the report mentions but does not name.

    Read as the ledger showed them at the report's `as_of`, in effect at its end, or else
    (a record registered, by its effective time, only after the end) as the ledger showed it
    at `as_of`; a record that cannot be read is left to the renderers' fallback, a short id.
    """
    named = Names(report)
    found: dict[str, str] = {}
    wanted = [("organisation", i) for i in sorted(organisation_ids(report))]
    wanted += [("group", i) for i in sorted(group_ids(report))]
    for kind, ident in wanted:
        if named.known(ident):
            continue
        try:
            record = ledger.records.get_record(kind, ident, report["as_of"], report["to"])
        except NotFound:
            try:
                record = ledger.records.get_record(kind, ident, report["as_of"])
            except AccordError:
                continue
        except AccordError:
            continue
        if isinstance(record.get("name"), str):
            found[ident] = record["name"]
    # People by their display name ("Forgotten person" once forgotten), and the
    # accountabilities a report lists by id, by their titles.
    for ident in sorted(person_ids(report)):
        found.setdefault(ident, str(ledger.directory.person(ident)["name"]))
    found.update(ledger.directory.titles(sorted(accountability_ids(report))))
    return found


def accountability_ids(report: dict[str, Any]) -> set[str]:
    return {
        str(row["accountability_id"])
        for section in ("handovers", "holding_on")
        for rows in report[section].values()
        if isinstance(rows, list)
        for row in rows
        if isinstance(row, dict) and row.get("accountability_id")
    }
