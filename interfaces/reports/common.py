"""What every rendering shares: names for ids, and number, time and code formats."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from application.directory import SECTOR_LABELS
from application.reports.accountability import GROUP_HOLDER, UNKNOWN

SPECIAL_LABELS = {GROUP_HOLDER: "held by groups", UNKNOWN: "no organisation"}
INTERVAL_WORDS = {"week": "weekly", "month": "monthly", "quarter": "quarterly"}
AGE_LABELS = {
    "under_30_days": "under 30 days",
    "30_to_90_days": "30 to 90 days",
    "over_90_days": "over 90 days",
}


def short_id(value: str) -> str:
    return value[:8]


class Names:
    """Names for the ids a report mentions: the report's own, then `extra`, else a short id."""

    def __init__(self, report: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> None:
        self._names: dict[str, str] = {}
        for node in _walk(report):
            name = node.get("name")
            ident = node.get("organisation_id") or node.get("id") or node.get("group_id")
            if isinstance(name, str) and name and isinstance(ident, str):
                self._names.setdefault(ident, name)
        for key, value in (extra or {}).items():
            if value:
                self._names.setdefault(key, value)

    def known(self, ident: str | None) -> str | None:
        """The name, if the report or the extra names give one."""
        return self._names.get(ident) if ident is not None else None

    def label(self, ident: str | None) -> str:
        """A readable label: the name, a description of a placeholder, or a short id."""
        if ident is None:
            return "-"
        if ident in self._names:
            return self._names[ident]
        if ident in SPECIAL_LABELS:
            return SPECIAL_LABELS[ident]
        return short_id(ident)

    def holder(self, kind: str, ident: str) -> str:
        name = self.known(ident)
        return f"{name} ({kind})" if name else f"{kind} {short_id(ident)}"


def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def organisation_ids(report: Mapping[str, Any]) -> set[str]:
    """Every organisation id the report mentions (placeholders left out)."""
    found = {row["organisation_id"] for row in report["holdings"]["by_organisation"]}
    for flow in report["handovers"]["flows_between_organisations"]:
        found |= {flow["from"], flow["to"]}
    for row in report["holdings"]["by_holder"] + report["holding_on"]["holders_never_handing_over"]:
        if row["holder_kind"] == "organisation":
            found.add(row["holder_id"])
    return found - set(SPECIAL_LABELS)


def group_ids(report: Mapping[str, Any]) -> set[str]:
    """Every group id the report mentions: the scope and group holders."""
    found = set(report["scope"]["groups"] or ())
    if report["scope"]["group_id"]:
        found.add(report["scope"]["group_id"])
    for row in report["holdings"]["by_holder"] + report["holding_on"]["holders_never_handing_over"]:
        if row["holder_kind"] == "group":
            found.add(row["holder_id"])
    for row in report["holding_on"]["unchanged_longer"]:
        if row["holder"]["kind"] == "group":
            found.add(row["holder"]["id"])
    return found


def person_ids(report: Mapping[str, Any]) -> set[str]:
    """Every person the report names as a holder or a party (by id)."""
    found: set[str] = set()
    for node in _walk(report):
        if node.get("holder_kind") == "person" and isinstance(node.get("holder_id"), str):
            found.add(node["holder_id"])
        if node.get("kind") == "person" and isinstance(node.get("id"), str):
            found.add(node["id"])
    return found


def as_time(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(UTC)


def fmt_time(value: str | datetime | None, empty: str = "-") -> str:
    """`1 Dec 2023`, with the time of day (UTC) when it is not midnight."""
    moment = as_time(value)
    if moment is None:
        return empty
    day = f"{moment.day} {moment:%b %Y}"
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return day
    return f"{day}, {moment:%H:%M} UTC"


def fmt_date(value: str | datetime | None) -> str:
    moment = as_time(value)
    return moment.date().isoformat() if moment else "-"


def fmt_int(value: float | int | None) -> str:
    return "-" if value is None else f"{round(value):,}"


def fmt_num(value: float | int | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:,.{places}f}"


def fmt_pct(value: float | int | None, places: int = 0) -> str:
    """A 0..1 share or rate as a percentage; `-` when there is nothing to divide by."""
    return "-" if value is None else f"{100 * value:.{places}f}%"


def fmt_days(value: float | int | None) -> str:
    return "-" if value is None else f"{value:,.1f} days"


def sector_words(code: str | None) -> str:
    """A sector as people write it ("VCSE", "Local authority")."""
    if code is None:
        return "-"
    return SECTOR_LABELS.get(code) or words(code)


def words(code: str | None) -> str:
    """A code such as `statutory_health` as words: `statutory health`."""
    if code is None:
        return "-"
    return SPECIAL_LABELS.get(code, code.replace("_", " "))
