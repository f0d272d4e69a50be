"""A timeline event as a sentence a secretary can read, with names instead of ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from application.directory import DirectoryQueries
from interfaces.web.templating import long_date

Data = dict[str, Any]


class Namer:
    """Names for one page of events: people, parties and record titles, each read once."""

    def __init__(
        self,
        directory: DirectoryQueries,
        items: list[dict[str, Any]],
        sees: Callable[[str], bool] = lambda _: True,
    ) -> None:
        self.directory = directory
        self.titles = directory.titles([i["record_id"] for i in items])
        self._name = directory.names_for(sees)

    def person(self, person_id: str | None) -> str:
        """Their name, if the reader may see them (they share a group, or the reader
        sees everyone); otherwise who they are not."""
        if not person_id:
            return "someone"
        return self._name(person_id) or "someone outside your groups"

    def party(self, party: Data | None) -> str:
        if not party:
            return "no one"
        if party.get("kind") == "person":
            return self.person(str(party.get("id")))
        return self.directory.party({k: str(v) for k, v in party.items()})

    def title(self, record_id: str) -> str:
        if record_id not in self.titles:
            self.titles.update(self.directory.titles([record_id]))
        return self.titles.get(record_id) or "a record"


def _quoted(text: Any) -> str:
    return f"“{text}”" if text else ""


# Type -> (namer, item's data, the record's title, the actor's name) -> what happened.
SAID: dict[str, Callable[[Namer, Data, str, str], str]] = {
    "Organisation.Registered": lambda n, d, t, a: (
        f"{a} registered the organisation {d.get('name', t)}"
    ),
    "Group.Convened": lambda n, d, t, a: f"{a} convened the group {d.get('name', t)}",
    "Group.PurposeRestated": lambda n, d, t, a: (
        f"The purpose was restated: {_quoted(d.get('purpose'))}"
    ),
    "Group.MemberJoined": lambda n, d, t, a: (
        f"{n.person(d.get('person_id'))} joined as {d.get('role')}"
    ),
    "Group.MemberLeft": lambda n, d, t, a: f"{n.person(d.get('person_id'))} left the group",
    "Group.MemberRoleChanged": lambda n, d, t, a: (
        f"{n.person(d.get('person_id'))} became {d.get('role')}"
    ),
    "Group.Closed": lambda n, d, t, a: "The group was closed",
    "Decision.Proposed": lambda n, d, t, a: f"{a} proposed the decision {_quoted(t)}",
    "Decision.Agreed": lambda n, d, t, a: (
        f"{_quoted(t)} was agreed by {str(d.get('method', '')).replace('_', ' ')}, "
        f"with {len(d.get('participant_organisations') or [])} organisations taking part"
    ),
    "Decision.Rejected": lambda n, d, t, a: f"{_quoted(t)} was rejected",
    "Decision.Withdrawn": lambda n, d, t, a: f"The proposal {_quoted(t)} was withdrawn",
    "Decision.Revoked": lambda n, d, t, a: f"{_quoted(t)} was revoked",
    "Decision.Superseded": lambda n, d, t, a: (
        f"{_quoted(t)} was superseded by {_quoted(n.title(str(d.get('by_decision_id'))))}"
    ),
    "Conflict.Raised": lambda n, d, t, a: f"{a} raised a conflict: {_quoted(d.get('about', t))}",
    "Conflict.Acknowledged": lambda n, d, t, a: f"The conflict {_quoted(t)} was acknowledged",
    "Conflict.NoteAdded": lambda n, d, t, a: f"A note on {_quoted(t)}: {_quoted(d.get('text'))}",
    "Conflict.Resolved": lambda n, d, t, a: (
        f"The conflict {_quoted(t)} was resolved: {_quoted(d.get('outcome'))}"
    ),
    "Conflict.Escalated": lambda n, d, t, a: (
        f"The conflict {_quoted(t)} was escalated to {n.directory.group_name(str(d.get('to_group_id')))}"
    ),
    "Conflict.Withdrawn": lambda n, d, t, a: f"The conflict {_quoted(t)} was withdrawn",
    "Principle.Proposed": lambda n, d, t, a: (
        f"{a} proposed the principle {_quoted(d.get('statement', t))}"
    ),
    "Principle.Endorsed": lambda n, d, t, a: (
        f"{n.person(d.get('person_id'))} endorsed {_quoted(t)}"
    ),
    "Principle.ObjectedTo": lambda n, d, t, a: (
        f"{n.person(d.get('person_id'))} objected to {_quoted(t)}"
    ),
    "Principle.Agreed": lambda n, d, t, a: f"The principle {_quoted(t)} was agreed",
    "Principle.Amended": lambda n, d, t, a: (
        f"A principle was amended to {_quoted(d.get('statement'))}"
    ),
    "Principle.Retired": lambda n, d, t, a: f"The principle {_quoted(t)} was retired",
    "Accountability.Defined": lambda n, d, t, a: (
        f"{_quoted(t)} was defined, held by {n.party(d.get('holder'))}"
    ),
    "Accountability.HandoverOffered": lambda n, d, t, a: (
        f"{n.party(d.get('from_holder'))} offered {_quoted(t)} to {n.party(d.get('to'))}"
    ),
    "Accountability.HandoverAccepted": lambda n, d, t, a: (
        f"{n.party(d.get('to'))} accepted {_quoted(t)}"
    ),
    "Accountability.HandoverDeclined": lambda n, d, t, a: f"The offer of {_quoted(t)} was declined",
    "Accountability.HandoverWithdrawn": lambda n, d, t, a: (
        f"The offer of {_quoted(t)} was withdrawn"
    ),
    "Accountability.Returned": lambda n, d, t, a: (
        f"{_quoted(t)} was returned to {n.party(d.get('to'))}"
    ),
    "Accountability.Retired": lambda n, d, t, a: f"{_quoted(t)} was retired",
}


def sentence(namer: Namer, item: dict[str, Any]) -> dict[str, Any]:
    """The event as a sentence, with when it took effect and who recorded it when."""
    data: Data = item.get("data") or {}
    actor = namer.person(item.get("recorded_by"))
    title = namer.title(item["record_id"])
    said = SAID.get(item["type"])
    what = said(namer, data, title, actor) if said else f"{item['type']} on {_quoted(title)}"
    effective = item.get("effective_at")
    recorded = item.get("recorded_at")
    when = f"in effect {long_date(effective)}, " if effective else ""
    return {
        "text": what,
        "when": f"{when}recorded {long_date(recorded)} by {actor}",
        "reason": data.get("reason"),
        "position": item["position"],
        "kind": item["kind"],
        "recorded_at": recorded,
    }
