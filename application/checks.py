"""Checks several command groups make on what a request names: that it exists, as 422.

A record named in a request body (a party, a participant, a cited principle) that does not
exist is invalid input, not a missing resource: the request's own record was found.
"""

from __future__ import annotations

from typing import TypeVar

from application.core import LedgerCore
from application.errors import RecordNotFound
from domain.base import AccordAggregate, InvalidInput
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person

A = TypeVar("A", bound=AccordAggregate)

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
    """A person, group or organisation named in a request must exist."""
    kind, party_id = party.get("kind"), str(party.get("id", ""))
    cls = PARTY_KINDS.get(str(kind))
    if cls is None:
        raise InvalidInput(f"{field}.kind must be person, group or organisation", f"{field}.kind")
    if not core.exists(cls, party_id):
        raise InvalidInput(f"{field}: no {kind} with id {party_id}", f"{field}.id")


def cited(core: LedgerCore, cls: type[A], record_id: str, field: str) -> A:
    """A record a command cites (a principle, a superseded decision), to change."""
    try:
        return core.load(cls, record_id)
    except RecordNotFound as error:
        raise InvalidInput(f"{field}: {error}", field) from None
