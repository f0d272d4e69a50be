"""Commands on groups and their members."""

from __future__ import annotations

from datetime import datetime

from application import checks
from application.commands import command
from application.core import LedgerCore, Written
from domain.group import Group
from domain.person import Person


class GroupCommands:
    """Commands on groups and their members."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

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
        parent = checks.related_group(self.core, parent_group_id, "parent_group_id")
        actor = self.core.actor()
        convener = actor if actor is not None and self.core.exists(Person, actor) else None
        return self.core.write(Group.convene(name, kind, purpose, parent, convener, effective_at))

    @command
    def restate_purpose(
        self,
        group_id: str,
        purpose: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record the group's purpose in new words."""
        group = self.core.load(Group, group_id, expected_version)
        group.restate_purpose(purpose, effective_at)
        return self.core.write(group)

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
        group = self.core.load(Group, group_id, expected_version)
        checks.require_person(self.core, person_id, "person_id")
        group.join(person_id, role, effective_at)
        return self.core.write(group)

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
        group = self.core.load(Group, group_id, expected_version)
        group.change_role(person_id, role, effective_at)
        return self.core.write(group)

    @command
    def remove_member(
        self,
        group_id: str,
        person_id: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a member left the group (nothing is deleted)."""
        group = self.core.load(Group, group_id, expected_version)
        group.leave(person_id, effective_at)
        return self.core.write(group)

    @command
    def close_group(
        self,
        group_id: str,
        reason: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Close the group: nothing more can be recorded in it."""
        group = self.core.load(Group, group_id, expected_version)
        group.close(reason, effective_at)
        return self.core.write(group)
