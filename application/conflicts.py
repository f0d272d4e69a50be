"""Commands on conflicts."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from application import checks
from application.commands import command
from application.core import LedgerCore, Written
from domain.base import InvalidInput
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import Group


class ConflictCommands:
    """Commands on conflicts: raise, acknowledge, note, resolve, escalate, withdraw."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @command
    def raise_conflict(
        self,
        group_id: str,
        parties: list[dict[str, str]],
        about: str,
        description: str | None = None,
        raised_by: str | None = None,
        effective_at: datetime | None = None,
    ) -> Written:
        """Raise a conflict between parties; by default the caller is the one raising it."""
        group = self.core.read(Group, group_id)
        raised_by = raised_by or self.core.actor()
        if raised_by is None:
            raise InvalidInput("raised_by: say who raised the conflict", "raised_by")
        for index, party in enumerate(parties):
            checks.require_party(self.core, party, f"parties[{index}]")
        return self.core.write(
            Conflict.raise_conflict(group, raised_by, parties, about, description, effective_at)
        )

    @command
    def acknowledge_conflict(
        self, conflict_id: str, note: str | None = None, expected_version: int | None = None
    ) -> Written:
        """Record that the group acknowledged the conflict."""
        conflict = self.core.load(Conflict, conflict_id, expected_version)
        conflict.acknowledge(self.core.read(Group, conflict.group_id), note)
        return self.core.write(conflict)

    @command
    def add_conflict_note(
        self, conflict_id: str, text: str, expected_version: int | None = None
    ) -> Written:
        """Record a note of working the conflict through."""
        conflict = self.core.load(Conflict, conflict_id, expected_version)
        note_id = str(uuid4())
        conflict.add_note(self.core.read(Group, conflict.group_id), note_id, text)
        return self.core.write(conflict, note_id=note_id)

    @command
    def resolve_conflict(
        self,
        conflict_id: str,
        outcome: str,
        decision_id: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record the conflict's outcome, optionally the decision that resolved it."""
        conflict = self.core.load(Conflict, conflict_id, expected_version)
        decision = (
            checks.cited(self.core, Decision, decision_id, "decision_id") if decision_id else None
        )
        conflict.resolve(self.core.read(Group, conflict.group_id), outcome, decision, effective_at)
        return self.core.write(conflict)

    @command
    def escalate_conflict(
        self,
        conflict_id: str,
        to_group_id: str,
        reason: str,
        expected_version: int | None = None,
    ) -> Written:
        """Record that the conflict was escalated to another group."""
        conflict = self.core.load(Conflict, conflict_id, expected_version)
        group = self.core.read(Group, conflict.group_id)
        # Its parent group is named on the group's own record; any other group must be one
        # the caller may see, or it reads as a group that does not exist.
        if to_group_id != group.parent_group_id and not checks.sees_group(to_group_id):
            raise InvalidInput(f"to_group_id: no group with id {to_group_id}", "to_group_id")
        to_group = checks.related_group(self.core, to_group_id, "to_group_id")
        assert to_group is not None
        conflict.escalate(group, to_group, reason)
        return self.core.write(conflict)

    @command
    def withdraw_conflict(
        self, conflict_id: str, reason: str | None = None, expected_version: int | None = None
    ) -> Written:
        """Record that the conflict was withdrawn."""
        conflict = self.core.load(Conflict, conflict_id, expected_version)
        conflict.withdraw(self.core.read(Group, conflict.group_id), reason)
        return self.core.write(conflict)
