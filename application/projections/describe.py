"""What an event says, as plain data: its type, times, actor, data and the parties it names."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

BASE_FIELDS = ("originator_id", "originator_version", "timestamp", "actor", "originator_topic")


def iso(moment: datetime) -> str:
    """A fixed-width UTC timestamp, so that text order is time order (also for SQL)."""
    try:
        d = moment.astimezone(UTC)
    except OverflowError:
        # Only instants within a day of year 1 or 9999 get here; clamp, never stop a projector.
        return (
            "0001-01-01T00:00:00.000000+00:00"
            if moment.year < 5000
            else "9999-12-31T23:59:59.999999+00:00"
        )
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
        f".{d.microsecond:06d}+00:00"
    )


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


# What JSON holds as it is (the commonest values, checked first).
PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    if type(value) in PLAIN:
        return value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Described:
    """One event, described for the read models."""

    position: int
    record_id: str
    kind: str
    type: str
    version: int
    recorded_at: datetime
    actor: str | None
    effective_at: datetime
    has_own_effective_time: bool
    data: dict[str, Any]
    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    # The principles it cites (a decision's).
    principles: list[str] = field(default_factory=list)


def describe(position: int, event: Any, personal: bool = False) -> Described:
    """Describe a domain event; personal fields of Person events are left out unless asked."""
    topic = type(event).TOPIC  # e.g. "accord.Decision.Agreed"
    _, kind, name = topic.split(".", 2)
    data = {k: v for k, v in vars(event).items() if k not in BASE_FIELDS}
    if not personal:
        # The fields the event class declares personal, and its mark of erased data.
        hidden = {*getattr(event, "PERSONAL_FIELDS", ()), getattr(event, "ERASED_MARK", None)}
        data = {k: v for k, v in data.items() if k not in hidden}
    own = data.get("effective_at")
    people: set[str] = set()
    organisations: set[str] = set()
    if event.actor:
        people.add(event.actor)
    _collect(data, people, organisations)
    if kind == "Person":
        people.add(str(event.originator_id))
    if kind == "Organisation":
        organisations.add(str(event.originator_id))
    return Described(
        position=position,
        record_id=str(event.originator_id),
        kind=kind.lower(),
        type=f"{kind}.{name}",
        version=event.originator_version,
        recorded_at=event.timestamp,
        actor=event.actor,
        effective_at=own if isinstance(own, datetime) else event.timestamp,
        has_own_effective_time=isinstance(own, datetime),
        data=jsonable(data),
        people=sorted(people),
        organisations=sorted(organisations),
        principles=sorted({str(p) for key in PRINCIPLE_LISTS for p in data.get(key) or []}),
    )


PERSON_KEYS = ("person_id", "raised_by", "proposed_by", "convener_id", "requested_by")
PERSON_LISTS = ("participants",)
ORGANISATION_KEYS = ("organisation_id",)
ORGANISATION_LISTS = ("participant_organisations",)
PARTY_KEYS = ("holder", "to", "from_holder")
PARTY_LISTS = ("parties",)
PRINCIPLE_LISTS = ("principles",)


def _collect(data: dict[str, Any], people: set[str], organisations: set[str]) -> None:
    for key in PERSON_KEYS:
        if isinstance(data.get(key), str):
            people.add(data[key])
    for key in PERSON_LISTS:
        people.update(str(p) for p in data.get(key) or [])
    for objection in data.get("objections") or []:
        people.add(str(objection.get("person_id")))
    for key in ORGANISATION_KEYS:
        if isinstance(data.get(key), str):
            organisations.add(data[key])
    for key in ORGANISATION_LISTS:
        organisations.update(str(o) for o in data.get(key) or [])
    refs = [data[k] for k in PARTY_KEYS if isinstance(data.get(k), dict)]
    refs += [p for k in PARTY_LISTS for p in data.get(k) or [] if isinstance(p, dict)]
    for ref in refs:
        if ref.get("kind") == "person":
            people.add(str(ref.get("id")))
        elif ref.get("kind") == "organisation":
            organisations.add(str(ref.get("id")))


def report_fields(d: Described) -> tuple[str | None, str | None, str | None]:
    """(subject, detail, body): what the accountability report reads of an event, as text.

    Subject and detail are short (an id, a method, a holder as "kind:id"), so an index can
    hold them; body is free text. A handover offered or accepted: its id, and the holder
    it is from or to; a decision agreed: its method, and (body) its participant
    organisations as a JSON list; a principle endorsed or objected to: by whom; proposed
    or amended: (body) its statement.
    """
    data = d.data
    if d.type == "Accountability.HandoverOffered":
        return data.get("handover_id"), party_key(data.get("from_holder")), None
    if d.type == "Accountability.HandoverAccepted":
        return data.get("handover_id"), party_key(data.get("to")), None
    if d.type == "Decision.Agreed":
        organisations = data.get("participant_organisations") or []
        return data.get("method"), None, json.dumps(organisations, separators=(",", ":"))
    if d.type in ("Principle.Endorsed", "Principle.ObjectedTo"):
        return data.get("person_id"), None, None
    if d.type in ("Principle.Proposed", "Principle.Amended"):
        return None, None, data.get("statement")
    return None, None, None


def party_key(ref: Any) -> str | None:
    """A party ({"kind": ..., "id": ...}) as "kind:id", as the read models hold it."""
    return f"{ref['kind']}:{ref['id']}" if isinstance(ref, dict) else None
