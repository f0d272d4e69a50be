"""Commands on principles."""

from __future__ import annotations

from datetime import datetime

from application.commands import command
from application.core import LedgerCore, Written
from domain.base import InvalidInput
from domain.group import Group
from domain.principle import Principle


class PrincipleCommands:
    """Commands on principles: propose, respond, agree, amend, retire."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @command
    def propose_principle(
        self,
        group_id: str,
        statement: str,
        rationale: str | None = None,
        effective_at: datetime | None = None,
    ) -> Written:
        """Propose a principle for the group to work by."""
        group = self.core.read(Group, group_id)
        return self.core.write(Principle.propose(group, statement, rationale, effective_at))

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
        principle = self.core.load(Principle, principle_id, expected_version)
        person_id = person_id or self.core.actor()
        if person_id is None:
            raise InvalidInput("person_id: say who is responding", "person_id")
        principle.respond(self.core.read(Group, principle.group_id), person_id, stance, reason)
        return self.core.write(principle)

    @command
    def agree_principle(
        self,
        principle_id: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that the group agreed the principle."""
        principle = self.core.load(Principle, principle_id, expected_version)
        principle.agree(self.core.read(Group, principle.group_id), effective_at)
        return self.core.write(principle)

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
        principle = self.core.load(Principle, principle_id, expected_version)
        principle.amend(
            self.core.read(Group, principle.group_id), statement, rationale, effective_at
        )
        return self.core.write(principle)

    @command
    def retire_principle(
        self,
        principle_id: str,
        reason: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that the group no longer works by the principle."""
        principle = self.core.load(Principle, principle_id, expected_version)
        principle.retire(self.core.read(Group, principle.group_id), reason, effective_at)
        return self.core.write(principle)
