"""Commands on decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from application.core import Written, command
from application.errors import RecordNotFound
from application.groups import GroupCommands
from domain.base import InvalidInput, require_aware
from domain.decision import Decision
from domain.group import Group
from domain.principle import Principle


class DecisionCommands(GroupCommands):
    @command
    def propose_decision(
        self,
        group_id: str,
        title: str,
        decision: str,
        context: str | None = None,
        rationale: str | None = None,
    ) -> Written:
        """Propose a decision in a group."""
        group = self._read(Group, group_id)
        return self._save(self._propose(group, title, decision, context, rationale))

    @command
    def record_decision(
        self,
        group_id: str,
        title: str,
        decision: str,
        agreement: dict[str, Any],
        context: str | None = None,
        rationale: str | None = None,
    ) -> Written:
        """Record a decision already taken: proposed and agreed in one transaction."""
        participants = agreement.get("participants")
        self._read_together(group_id, *(participants if isinstance(participants, list) else ()))
        group = self._read(Group, group_id)
        proposed = self._propose(group, title, decision, context, rationale)
        try:
            superseded = self._agree(group, proposed, **agreement)
        except InvalidInput as error:
            error.field = f"agreement.{error.field}" if error.field else "agreement"
            raise
        return self._save(proposed, *superseded)

    @command
    def agree_decision(
        self,
        decision_id: str,
        method: str,
        participants: list[str],
        objections: list[dict[str, Any]] | None = None,
        principles: list[str] | None = None,
        supersedes: list[str] | None = None,
        effective_at: datetime | None = None,
        review_date: date | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that a proposed decision was agreed, how and by whom."""
        self._read_together(decision_id, *participants)  # and the decision's group
        decision = self._load(Decision, decision_id, expected_version)
        group = self._read(Group, decision.group_id)
        superseded = self._agree(
            group,
            decision,
            method=method,
            participants=participants,
            objections=objections,
            principles=principles,
            supersedes=supersedes,
            effective_at=effective_at,
            review_date=review_date,
        )
        return self._save(decision, *superseded)

    @command
    def reject_decision(
        self, decision_id: str, reason: str | None = None, expected_version: int | None = None
    ) -> Written:
        """Record that a proposed decision was rejected."""
        decision = self._load(Decision, decision_id, expected_version)
        decision.reject(self._read(Group, decision.group_id), reason)
        return self._save(decision)

    @command
    def withdraw_decision(
        self, decision_id: str, reason: str | None = None, expected_version: int | None = None
    ) -> Written:
        """Record that a proposal was withdrawn."""
        decision = self._load(Decision, decision_id, expected_version)
        decision.withdraw(self._read(Group, decision.group_id), reason)
        return self._save(decision)

    @command
    def revoke_decision(
        self,
        decision_id: str,
        reason: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that an agreed decision was revoked."""
        decision = self._load(Decision, decision_id, expected_version)
        decision.revoke(self._read(Group, decision.group_id), reason, effective_at)
        return self._save(decision)

    def _propose(
        self,
        group: Group,
        title: str,
        decision: str,
        context: str | None,
        rationale: str | None,
    ) -> Decision:
        actor = self.actor()
        proposer = actor if actor is not None and group.is_member(actor) else None
        return Decision.propose(group, title, decision, context, rationale, proposer)

    def _agree(
        self,
        group: Group,
        decision: Decision,
        method: str,
        participants: list[str],
        objections: list[dict[str, Any]] | None = None,
        principles: list[str] | None = None,
        supersedes: list[str] | None = None,
        effective_at: datetime | None = None,
        review_date: date | None = None,
    ) -> list[Decision]:
        require_aware(effective_at, "effective_at")
        cited = [
            self._cited(Principle, pid, f"principles[{i}]")
            for i, pid in enumerate(principles or [])
        ]
        earlier = [
            self._cited(Decision, did, f"supersedes[{i}]") for i, did in enumerate(supersedes or [])
        ]
        named = {f"participants[{i}]": str(person_id) for i, person_id in enumerate(participants)}
        for field, person_id in named.items():
            group.require_member(person_id, field)
        organisations = []
        # Only registered people become members, so once every participant is a member,
        # every one is a person: the first field at fault is the one it always was.
        for person in self._require_people(named).values():
            organisation = (
                person.organisation_at(effective_at) if effective_at else person.organisation_id
            )
            if organisation is not None:
                organisations.append(organisation)
        decision.agree(
            group,
            method,
            participants,
            organisations,
            objections,
            cited,
            earlier,
            effective_at,
            review_date,
        )
        return earlier

    def _cited(self, cls: type[Any], record_id: str, field: str) -> Any:
        try:
            return self._load(cls, record_id)
        except RecordNotFound as error:
            raise InvalidInput(f"{field}: {error}", field) from None
