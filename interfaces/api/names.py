"""Names beside ids in the API's answers: who recorded each event, who each member is.

A forgotten person reads as "Forgotten person" (application.directory); nothing else of
their personal data appears.
"""

from __future__ import annotations

import functools
from typing import Any

from application.access import Access
from application.ledger import Ledger


def _namer(ledger: Ledger, access: Access) -> Any:
    """Names of the people the caller may see (who share a group with them, or everyone for
    administrators and auditors); None for anyone else, as for no one."""
    return ledger.directory.names_for(functools.partial(ledger.access.sees_person, access))


def with_recorders(ledger: Ledger, access: Access, page: dict[str, Any]) -> dict[str, Any]:
    """Each event of a page with the name of the person who recorded it."""
    name = _namer(ledger, access)
    for item in page["items"]:
        item["recorded_by_name"] = name(item.get("recorded_by"))
    return page


def with_member_names(ledger: Ledger, access: Access, state: dict[str, Any]) -> dict[str, Any]:
    """A group's state with each member's name."""
    name = _namer(ledger, access)
    state["members"] = [{**m, "name": name(m["person_id"])} for m in state["members"]]
    return state


# Fields of a change's details that name people, parties (person, group or organisation)
# and other records (application.changes.LINES).
PERSON_FIELDS = ("person_id", "proposed_by", "convener_id", "raised_by")
PARTY_FIELDS = ("holder", "from_holder", "to", "from")
RECORD_FIELDS = ("supersedes", "by_decision_id", "decision_id", "to_group_id", "parent_group_id")


def with_change_names(ledger: Ledger, access: Access, found: dict[str, Any]) -> dict[str, Any]:
    """Each change with the names of who recorded it and of everyone and everything its
    details mention, within what the caller may see ("Forgotten person" once forgotten)."""
    name = _namer(ledger, access)
    mentioned = [ref for change in found["changes"] for ref in _records(change["details"]) if ref]
    seen = ledger.access.visible_records(access, mentioned)
    titles = {k: v for k, v in ledger.directory.titles(mentioned).items() if k in seen}
    for change in found["changes"]:
        change["recorded_by_name"] = name(change.get("recorded_by"))
        names: dict[str, str] = {}
        for kind, party_id in _parties(change["details"]):
            shown = _party_name(ledger, access, name, kind, party_id)
            if shown is not None:
                names[party_id] = shown
        change["names"] = names
        change["titles"] = {r: titles[r] for r in _records(change["details"]) if r in titles}
    return found


def _parties(details: dict[str, Any]) -> list[tuple[str, str]]:
    found = [("person", str(details[f])) for f in PERSON_FIELDS if details.get(f)]
    found += [("person", str(p)) for p in details.get("participants") or []]
    refs = [details[f] for f in PARTY_FIELDS if isinstance(details.get(f), dict)]
    refs += [p for p in details.get("parties") or [] if isinstance(p, dict)]
    found += [(str(r.get("kind")), str(r.get("id"))) for r in refs]
    return found


def _records(details: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for field in RECORD_FIELDS:
        value = details.get(field)
        found += [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
    return [ref for ref in found if ref]


def _party_name(ledger: Ledger, access: Access, name: Any, kind: str, party_id: str) -> str | None:
    if kind == "person":
        shown: str | None = name(party_id)
        return shown
    if kind == "organisation":
        return str(ledger.directory.organisation(party_id)["name"])
    return ledger.directory.group_name(party_id) if access.sees_group(party_id) else None
