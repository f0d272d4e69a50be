"""One decision as a Markdown decision record in the MADR shape (title, status, context,
decision, consequences, who decided, principles applied, supersession, dates), for people
to read: over HTTP (`GET /decisions/{id}` with `Accept: text/markdown`, within the
caller's access) and from `accord export --format madr DIR` (one file per decision).

Names come with the reader's sight: a person or a record the reader may not see is shown
by its id alone, as the JSON shows it; a forgotten person reads "Forgotten person".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from application.ledger import Ledger
from interfaces.reports.markdown import text

METHODS = {
    "consent": "Consent",
    "consensus": "Consensus",
    "vote": "Vote",
    "delegated_authority": "Delegated authority",
    "single_lead": "Single lead",
}


@dataclass(frozen=True)
class Sight:
    """What the reader may see: people (by id) and groups (by id)."""

    person: Callable[[str], bool]
    group: Callable[[str], bool]


EVERYTHING = Sight(lambda _: True, lambda _: True)


def decision_record(ledger: Ledger, decision: Mapping[str, Any], sight: Sight) -> str:
    """The decision (as `GET /decisions/{id}` answers it) as a MADR Markdown document."""
    people = [*decision["participants"], *(o["person_id"] for o in decision["objections"])]
    if decision.get("proposed_by"):
        people.append(decision["proposed_by"])
    name_of = ledger.directory.names_for(sight.person, people)
    linked = [*decision["principles"], *decision["supersedes"]]
    if decision.get("superseded_by"):
        linked.append(decision["superseded_by"])
    titles = ledger.directory.titles(linked, sight.group)
    organisations = [
        ledger.directory.organisation(o)["name"] for o in decision["participant_organisations"]
    ]
    group = (
        ledger.directory.group_name(decision["group_id"])
        if sight.group(decision["group_id"])
        else decision["group_id"]
    )

    def person(person_id: str) -> str:
        return text(name_of(person_id) or f"person {person_id}")

    def record(record_id: str, kind: str) -> str:
        title = titles.get(record_id)
        return f"{text(title)} ({kind} {record_id})" if title else f"{kind} {record_id}"

    lines = [f"# {text(decision['title'])}", ""]
    status = str(decision["status"])
    if decision.get("superseded_by"):
        status += f" by {record(decision['superseded_by'], 'decision')}"
    facts = [
        ("Status", status),
        ("Group", text(group)),
        ("Date", _day(decision.get("effective_at")) or "not in effect"),
        ("Method", METHODS.get(decision.get("method") or "", decision.get("method") or "")),
        ("Deciders", ", ".join(person(p) for p in decision["participants"])),
        ("Organisations", ", ".join(text(o) for o in organisations)),
        ("Proposed by", person(decision["proposed_by"]) if decision.get("proposed_by") else ""),
        ("Review by", _day(decision.get("review_date"))),
    ]
    lines += [f"* {label}: {value}" for label, value in facts if value]
    lines += ["", "## Context and Problem Statement", ""]
    lines.append(text(decision["context"]) if decision.get("context") else "Not recorded.")
    lines += ["", "## Decision Outcome", "", text(decision["decision"]), ""]
    lines += ["### Consequences", ""]
    lines.append(text(decision["rationale"]) if decision.get("rationale") else "Not recorded.")
    if decision.get("outcome_reason"):
        lines += [
            "",
            f"Reason recorded with its {decision['status']}: {text(decision['outcome_reason'])}",
        ]
    sections = [
        (
            "Objections",
            [
                f"{person(o['person_id'])}: {text(o.get('reason') or '')}"
                for o in decision["objections"]
            ],
        ),
        ("Principles applied", [record(p, "principle") for p in decision["principles"]]),
        ("Supersedes", [record(d, "decision") for d in decision["supersedes"]]),
    ]
    for heading, items in sections:
        if items:
            lines += ["", f"## {heading}", ""] + [f"* {item}" for item in items]
    lines += [
        "",
        "## Record",
        "",
        f"Accord decision {decision['id']}, version {decision['version']}, "
        f"first recorded {_moment(decision.get('created_on'))}, "
        f"last changed {_moment(decision.get('modified_on'))}.",
    ]
    return "\n".join(lines) + "\n"


def file_name(number: int, decision: Mapping[str, Any]) -> str:
    """`0001-open-the-hub-to-self-referral.md`: MADR's numbered, slugged file names."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(decision["title"]).lower()).strip("-")[:60]
    return f"{number:04d}-{slug.rstrip('-') or 'decision'}.md"


def _day(value: Any) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return f"{moment:%Y-%m-%d}"


def _moment(value: Any) -> str:
    if not value:
        return "at an unknown time"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.strftime("%Y-%m-%d %H:%M UTC")
