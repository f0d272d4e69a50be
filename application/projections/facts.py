"""Bitemporal facts: what each event asserts, and when each state held in the real world.

A fact is one subject (a group's identity, its purpose, its status, one membership, one
record, one person's affiliation) whose state changes event by event. Each change takes effect at its
effective time; a change recorded later with an earlier effective time overrides what
was recorded before it from that time on ("the later record wins from its effective
time"). So the effective starts are the running minimum, from the end, of the
effective times in recording order, and each state holds from its start to the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from application.projections.describe import Described, iso, party_key
from domain.conflict import OPEN_STATES

END_OF_TIME = "9999-12-31T23:59:59.999999+00:00"
END = None  # a patch that ends the fact (e.g. a member left)

Patch = dict[str, Any] | None


@dataclass(frozen=True)
class Assertion:
    """One event's effect on one fact."""

    key: str
    group_id: str | None
    patch: Patch


def _record(d: Described) -> str:
    return f"record:{d.record_id}"


def _status(status: str, **more: Any) -> Callable[[Described], Patch]:
    return lambda d: {"status": status, **{k: d.data.get(v) for k, v in more.items()}}


PATCHES: dict[str, Callable[[Described], Patch]] = {
    "Decision.Proposed": lambda d: {
        "kind": "decision",
        "id": d.record_id,
        "title": d.data["title"],
        "status": "proposed",
    },
    "Decision.Agreed": lambda d: {
        "status": "agreed",
        "method": d.data["method"],
        "participant_organisations": d.data["participant_organisations"],
        "effective_at": d.data["effective_at"],
        "review_date": d.data["review_date"],
        "principles": d.data["principles"],
    },
    "Decision.Rejected": _status("rejected"),
    "Decision.Withdrawn": _status("withdrawn"),
    "Decision.Revoked": _status("revoked"),
    "Decision.Superseded": _status("superseded", superseded_by="by_decision_id"),
    "Conflict.Raised": lambda d: {
        "kind": "conflict",
        "id": d.record_id,
        "about": d.data["about"],
        "raised_by": d.data["raised_by"],
        "parties": d.data["parties"],
        "status": "raised",
    },
    "Conflict.Acknowledged": _status("acknowledged"),
    "Conflict.NoteAdded": _status("working_through"),
    "Conflict.Resolved": _status("resolved", outcome="outcome", decision_id="decision_id"),
    "Conflict.Escalated": _status("escalated", escalated_to_group_id="to_group_id"),
    "Conflict.Withdrawn": _status("withdrawn"),
    "Principle.Proposed": lambda d: {
        "kind": "principle",
        "id": d.record_id,
        "statement": d.data["statement"],
        "status": "proposed",
    },
    "Principle.Agreed": _status("agreed"),
    "Principle.Amended": lambda d: {"statement": d.data["statement"]},
    "Principle.Retired": _status("retired"),
    "Accountability.Defined": lambda d: {
        "kind": "accountability",
        "id": d.record_id,
        "title": d.data["title"],
        "status": "active",
        "holder": d.data["holder"],
        "holder_since": iso(d.effective_at),
        "open_handover": None,
    },
    "Accountability.HandoverOffered": lambda d: {
        "open_handover": {"handover_id": d.data["handover_id"], "to": d.data["to"]}
    },
    "Accountability.HandoverAccepted": lambda d: {
        "holder": d.data["to"],
        "holder_since": iso(d.effective_at),
        "open_handover": None,
    },
    "Accountability.HandoverDeclined": lambda d: {"open_handover": None},
    "Accountability.HandoverWithdrawn": lambda d: {"open_handover": None},
    "Accountability.Returned": lambda d: {
        "holder": d.data["to"],
        "holder_since": iso(d.effective_at),
    },
    "Accountability.Retired": _status("retired"),
}


def assertions(d: Described, group_of: Callable[[str], str | None]) -> list[Assertion]:
    """The facts an event changes; `group_of` gives the group of an existing record."""
    if d.type in PATCHES:
        group_id = d.data.get("group_id") or group_of(d.record_id)
        return [Assertion(_record(d), group_id, PATCHES[d.type](d))]
    if d.kind == "group":
        return _group(d)
    if d.kind == "organisation":
        fields: dict[str, Any] = {k: d.data[k] for k in ("name", "sector") if k in d.data}
        return [Assertion(f"organisation:{d.record_id}", None, {"id": d.record_id, **fields})]
    if d.type in ("Person.Registered", "Person.AffiliationChanged"):
        patch = {"person_id": d.record_id, "organisation_id": d.data.get("organisation_id")}
        return [Assertion(f"affiliation:{d.record_id}", None, patch)]
    return []  # e.g. endorsements: kept in the timeline, not a change of state


def _group(d: Described) -> list[Assertion]:
    gid = d.record_id
    own = f"group:{gid}"
    # The purpose and the status are facts of their own (docs/time.md): a back-dated close
    # must not carry a purpose restated for a later date back with it.
    if d.type == "Group.Convened":
        found = [
            Assertion(
                own,
                gid,
                {
                    "kind": "group",
                    "id": gid,
                    "name": d.data["name"],
                    "group_kind": d.data["kind"],
                    "parent_group_id": d.data["parent_group_id"],
                },
            ),
            Assertion(f"purpose:{gid}", gid, {"purpose": d.data["purpose"]}),
            Assertion(f"status:{gid}", gid, {"status": "open"}),
        ]
        if d.data.get("convener_id"):
            person = d.data["convener_id"]
            found.append(
                Assertion(f"member:{gid}:{person}", gid, {"person_id": person, "role": "convener"})
            )
        return found
    if d.type == "Group.PurposeRestated":
        return [Assertion(f"purpose:{gid}", gid, {"purpose": d.data["purpose"]})]
    if d.type == "Group.Closed":
        return [Assertion(f"status:{gid}", gid, {"status": "closed"})]
    person = d.data["person_id"]
    member = f"member:{gid}:{person}"
    if d.type == "Group.MemberLeft":
        return [Assertion(member, gid, END)]
    return [Assertion(member, gid, {"person_id": person, "role": d.data["role"]})]


# Registrations say who someone or something is, not when that began: they hold
# from the beginning of time until a later change says otherwise.
TIMELESS = ("Person.Registered", "Organisation.Registered")
BEGINNING_OF_TIME = "0001-01-01T00:00:00.000000+00:00"


def effective_of(d: Described) -> str:
    return BEGINNING_OF_TIME if d.type in TIMELESS else iso(d.effective_at)


# The states of a record that a group's state shows; other records (a proposed or rejected
# decision, a resolved conflict, a retired accountability) are history, not state.
LIVE_STATUSES: dict[str, frozenset[str]] = {
    "decision": frozenset({"agreed"}),
    "principle": frozenset({"agreed"}),
    "conflict": frozenset(OPEN_STATES),
    "accountability": frozenset({"active"}),
}


def classify(key: str, state: dict[str, Any]) -> tuple[str, bool, str | None, str | None]:
    """(kind, live, holder, review date) of a fact's state, for the read models to filter
    on: what it is about, whether a group's state shows it, an accountability's holder and
    a decision's review date."""
    prefix = key.split(":", 1)[0]
    if prefix != "record":
        return prefix, True, None, None
    kind = str(state.get("kind") or "record")
    live = state.get("status") in LIVE_STATUSES.get(kind, frozenset())
    holder = party_key(state.get("holder")) if kind == "accountability" else None
    review = state.get("review_date") if kind == "decision" else None
    return kind, live, holder, review if isinstance(review, str) else None


def apply_patch(state: dict[str, Any] | None, patch: Patch) -> dict[str, Any] | None:
    if patch is END:
        return None
    return {**(state or {}), **patch}


def effective_starts(times: list[str]) -> list[str]:
    """When each change in recording order starts to hold: the running minimum from the end."""
    starts = list(times)
    for i in range(len(starts) - 2, -1, -1):
        starts[i] = min(starts[i], starts[i + 1])
    return starts


def intervals(history: list[list[Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    """Valid-time intervals [start, end) with the state that held in each.

    `history` is the fact's changes in recording order: [effective_iso, position, state].
    """
    starts = effective_starts([entry[0] for entry in history])
    result = []
    for i, (_, _, state) in enumerate(history):
        end = starts[i + 1] if i + 1 < len(history) else END_OF_TIME
        if state is not None and starts[i] < end:
            result.append((starts[i], end, state))
    return result
