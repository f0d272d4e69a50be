"""Checks several command groups make on what a request names: that it exists, as 422.

A record named in a request body (a party, a participant, a cited principle) that does not
exist is invalid input, not a missing resource: the request's own record was found. One the
caller may not see is refused in exactly the same words, so that a request cannot tell
another group's records from ids that name nothing (README, "References across groups").
"""

from __future__ import annotations

from collections.abc import Collection
from contextvars import ContextVar
from typing import TypeVar

from application.core import KINDS, LedgerCore
from application.errors import RecordNotFound
from domain.base import AccordAggregate, InvalidInput
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person

A = TypeVar("A", bound=AccordAggregate)

# The groups whose records the caller a command runs for may see (None: every group, as for
# an administrator, an auditor, the command line and the demo). The interfaces set it from
# the caller's access with the actor, before the command runs.
visible_groups: ContextVar[frozenset[str] | None] = ContextVar(
    "accord_visible_groups", default=None
)


def sees_group(group_id: str | None) -> bool:
    """May the caller see this group and its records?"""
    seen = visible_groups.get()
    return seen is None or (group_id is not None and group_id in seen)


def sees_person(core: LedgerCore, person_id: str) -> bool:
    """May the caller see this person: themselves, or someone sharing one of their groups?"""
    seen = visible_groups.get()
    if seen is None or person_id == core.actor():
        return True
    return bool(seen) and bool(core.store.select_members(person_id=person_id, group_ids=list(seen)))


def groups_up(core: LedgerCore, group: Group) -> Collection[str]:
    """The group's id and those of the groups above it (its parent, the parent's, ...)."""
    found = [str(group.id)]
    parent_id = group.parent_group_id
    while parent_id is not None and parent_id not in found:
        found.append(parent_id)
        parent_id = core.read(Group, parent_id).parent_group_id
    return found


PARTY_KINDS: dict[str, type[AccordAggregate]] = {
    "person": Person,
    "group": Group,
    "organisation": Organisation,
}


def require_organisation(core: LedgerCore, organisation_id: str | None, field: str) -> None:
    """An organisation named in `field` (if any) must exist."""
    if organisation_id is not None and not core.exists(Organisation, organisation_id):
        raise InvalidInput(f"{field}: no organisation with id {organisation_id}", field)


def require_person(core: LedgerCore, person_id: str, field: str) -> Person:
    """The person named in `field`, to read."""
    return require_people(core, {field: person_id})[field]


def require_people(core: LedgerCore, named: dict[str, str]) -> dict[str, Person]:
    """The people named by these fields (field -> person id), read together; the first
    field naming no one is invalid input."""
    found = core.load_each(Person, list(named.values()), to_change=False)
    people: dict[str, Person] = {}
    for field, person_id in named.items():
        person = found[str(person_id)]
        if person is None:
            raise InvalidInput(f"{field}: no person with id {person_id}", field)
        people[field] = person
    return people


def related_group(core: LedgerCore, group_id: str | None, field: str) -> Group | None:
    """A group named in a request body, to read: unknown is invalid input (422), not 404."""
    if group_id is None:
        return None
    try:
        return core.read(Group, group_id)
    except RecordNotFound:
        raise InvalidInput(f"{field}: no group with id {group_id}", field) from None


def require_party(core: LedgerCore, party: dict[str, str], field: str) -> None:
    """A person, group or organisation named in a request must exist; a person or group the
    caller may not see reads as one that does not (organisations everyone may see)."""
    kind, party_id = party.get("kind"), str(party.get("id", ""))
    cls = PARTY_KINDS.get(str(kind))
    if cls is None:
        raise InvalidInput(f"{field}.kind must be person, group or organisation", f"{field}.kind")
    if kind == "group":
        seen = sees_group(party_id)
    else:
        seen = kind == "organisation" or sees_person(core, party_id)
    if not (seen and core.exists(cls, party_id)):
        raise InvalidInput(f"{field}: no {kind} with id {party_id}", f"{field}.id")


def cited(core: LedgerCore, cls: type[A], record_id: str, field: str) -> A:
    """A record of a group that a command cites (a principle, a decision it supersedes or
    that resolves a conflict), to change; one in a group the caller may not see reads as
    unknown, in the same words."""
    try:
        record = core.load(cls, record_id)
    except RecordNotFound as error:
        raise InvalidInput(f"{field}: {error}", field) from None
    if not sees_group(getattr(record, "group_id", None)):
        unknown = RecordNotFound(KINDS[cls], str(record_id))
        raise InvalidInput(f"{field}: {unknown}", field)
    return record
