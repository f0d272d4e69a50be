"""Commands on groups and their members."""

from __future__ import annotations

from datetime import datetime

from application.core import Written, command
from application.errors import RecordNotFound
from application.organisations import OrganisationCommands
from domain.base import AccordAggregate, InvalidInput
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person


class GroupCommands(OrganisationCommands):
    @command
    def convene_group(
        self,
        name: str,
        kind: str,
        purpose: str,
        parent_group_id: str | None = None,
        effective_at: datetime | None = None,
    ) -> Written:
        """Set up a group; the person convening it becomes its first convener."""
        parent = self._related_group(parent_group_id, "parent_group_id")
        actor = self.actor()
        convener = actor if actor is not None and self._exists(Person, actor) else None
        return self._save(Group.convene(name, kind, purpose, parent, convener, effective_at))

    @command
    def restate_purpose(
        self,
        group_id: str,
        purpose: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record the group's purpose in new words."""
        group = self._load(Group, group_id, expected_version)
        group.restate_purpose(purpose, effective_at)
        return self._save(group)

    @command
    def add_member(
        self,
        group_id: str,
        person_id: str,
        role: str = "member",
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a person joined the group in a role."""
        group = self._load(Group, group_id, expected_version)
        self._require_person(person_id, "person_id")
        group.join(person_id, role, effective_at)
        return self._save(group)

    @command
    def change_member_role(
        self,
        group_id: str,
        person_id: str,
        role: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record a member's new role."""
        group = self._load(Group, group_id, expected_version)
        group.change_role(person_id, role, effective_at)
        return self._save(group)

    @command
    def remove_member(
        self,
        group_id: str,
        person_id: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a member left the group (nothing is deleted)."""
        group = self._load(Group, group_id, expected_version)
        group.leave(person_id, effective_at)
        return self._save(group)

    @command
    def close_group(
        self,
        group_id: str,
        reason: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Close the group: nothing more can be recorded in it."""
        group = self._load(Group, group_id, expected_version)
        group.close(reason, effective_at)
        return self._save(group)

    def _related_group(self, group_id: str | None, field: str) -> Group | None:
        """A group named in a request body: unknown is invalid input (422), not 404."""
        if group_id is None:
            return None
        try:
            return self._read(Group, group_id)
        except RecordNotFound:
            raise InvalidInput(f"{field}: no group with id {group_id}", field) from None

    def _require_party(self, party: dict[str, str], field: str) -> None:
        """A person, group or organisation named in a request must exist."""
        kind, party_id = party.get("kind"), str(party.get("id", ""))
        kinds: dict[str, type[AccordAggregate]] = {
            "person": Person,
            "group": Group,
            "organisation": Organisation,
        }
        cls = kinds.get(str(kind))
        if cls is None:
            raise InvalidInput(
                f"{field}.kind must be person, group or organisation", f"{field}.kind"
            )
        if not self._exists(cls, party_id):
            raise InvalidInput(f"{field}: no {kind} with id {party_id}", f"{field}.id")
