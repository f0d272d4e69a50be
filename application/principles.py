"""Commands on principles."""

from __future__ import annotations

from datetime import datetime

from application.conflicts import ConflictCommands
from application.core import Written, command
from domain.base import InvalidInput
from domain.group import Group
from domain.principle import Principle


class PrincipleCommands(ConflictCommands):
    @command
    def propose_principle(
        self, group_id: str, statement: str, rationale: str | None = None
    ) -> Written:
        """Propose a principle for the group to work by."""
        return self._save(Principle.propose(self._read(Group, group_id), statement, rationale))

    @command
    def respond_to_principle(
        self,
        principle_id: str,
        stance: str,
        reason: str | None = None,
        person_id: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record a member's endorsement of, or objection to, a proposed principle."""
        principle = self._load(Principle, principle_id, expected_version)
        person_id = person_id or self.actor()
        if person_id is None:
            raise InvalidInput("person_id: say who is responding", "person_id")
        principle.respond(self._read(Group, principle.group_id), person_id, stance, reason)
        return self._save(principle)

    @command
    def agree_principle(
        self,
        principle_id: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that the group agreed the principle."""
        principle = self._load(Principle, principle_id, expected_version)
        principle.agree(self._read(Group, principle.group_id), effective_at)
        return self._save(principle)

    @command
    def amend_principle(
        self,
        principle_id: str,
        statement: str,
        rationale: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record new wording for an agreed principle; the old wording stays in its history."""
        principle = self._load(Principle, principle_id, expected_version)
        principle.amend(self._read(Group, principle.group_id), statement, rationale, effective_at)
        return self._save(principle)

    @command
    def retire_principle(
        self,
        principle_id: str,
        reason: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that the group no longer works by the principle."""
        principle = self._load(Principle, principle_id, expected_version)
        principle.retire(self._read(Group, principle.group_id), reason, effective_at)
        return self._save(principle)
