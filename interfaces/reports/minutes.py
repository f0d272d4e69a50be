"""A group's changes between two moments as minutes: grouped by kind, each change a sentence
with names and both times. One model, rendered by the console's page, as Markdown for the
console's download, the API (`Accept: text/markdown`) and `accord changes --format md`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from application.ledger import Ledger
from interfaces.reports.markdown import text
from interfaces.web.sentences import Namer, sentence
from interfaces.web.templating import long_date

# Sections in the order minutes take them: (key, heading).
SECTIONS = (
    ("decision", "Decisions"),
    ("principle", "Principles"),
    ("accountability", "Accountabilities and handovers"),
    ("conflict", "Conflicts"),
    ("membership", "Membership"),
    ("group", "The group"),
)


def section_of(change: dict[str, Any]) -> str:
    if change["record_kind"] == "group" and change["change"].startswith("member_"):
        return "membership"
    return str(change["record_kind"])


def minutes(
    ledger: Ledger,
    group_id: str,
    start: datetime,
    end: datetime,
    sees: Callable[[str], bool],
    min_position: int | None = None,
) -> dict[str, Any]:
    """What took effect in the group in [start, end), as known now, by section, oldest first;
    people named only where `sees` allows (the reader's access)."""
    found = ledger.changes.group_changes(group_id, start, end, min_position)
    items = [
        {
            "type": c["type"],
            "data": c["data"],
            "kind": c["record_kind"],
            "record_id": c["record_id"],
            "recorded_by": c["recorded_by"],
            "effective_at": c["effective_at"],
            "recorded_at": c["recorded_at"],
            "position": c["position"],
        }
        for c in found["changes"]
    ]
    namer = Namer(ledger.directory, items, sees)
    by_section: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in SECTIONS}
    for change, item in zip(found["changes"], items, strict=True):
        said = sentence(namer, item)
        by_section[section_of(change)].append(
            {**said, "record_kind": change["record_kind"], "record_id": change["record_id"]}
        )
    return {
        "group_id": group_id,
        "name": ledger.directory.group_name(group_id),
        "start": start,
        "end": end,
        "last_day": (end - timedelta(microseconds=1)).date(),
        "made_on": datetime.now(UTC).date(),
        "sections": [
            {"key": key, "heading": heading, "changes": by_section[key]}
            for key, heading in SECTIONS
            if by_section[key]
        ],
    }


def plain(said: Any) -> str:
    """A sentence (markup with links) as the text it reads."""
    return str(Markup(said).striptags()) if isinstance(said, Markup) else str(said)


def render_markdown(doc: dict[str, Any]) -> str:
    """The minutes as a Markdown document a secretary can paste or attach."""
    lines = [
        f"# Changes in {text(doc['name'])}",
        "",
        f"What took effect from {long_date(doc['start'])} to {long_date(doc['last_day'])}, "
        f"as the ledger knew it on {long_date(doc['made_on'])}.",
    ]
    if not doc["sections"]:
        lines += ["", "Nothing changed in that time."]
    for section in doc["sections"]:
        lines += ["", f"## {section['heading']}", ""]
        lines += [
            f"- {text(plain(c['text']))}; {text(plain(c['when']))}." for c in section["changes"]
        ]
    return "\n".join(lines) + "\n"


def filename(doc: dict[str, Any]) -> str:
    return f"changes-{doc['start']:%Y-%m-%d}-to-{doc['last_day']:%Y-%m-%d}.md"
