"""Commands on decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from application import checks
from application.commands import command
from application.core import LedgerCore, Written
from domain.base import InvalidInput, effective, require_aware
from domain.decision import Decision
from domain.group import Group
from domain.principle import Principle


class DecisionCommands:
    """Commands on decisions: propose, record, agree, reject, withdraw, revoke."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @command
    def propose_decision(
        self,
        group_id: str,
        title: str,
        decision: str,
        context: str | None = None,
        rationale: str | None = None,
        effective_at: datetime | None = None,
    ) -> Written:
        """Propose a decision in a group (effective when recorded, or at `effective_at`)."""
        group = self.core.read(Group, group_id)
        return self.core.write(
            self._propose(group, title, decision, context, rationale, effective_at)
        )

    @command
    def record_decision(
        self,
        group_id: str,
        title: str,
        decision: str,
        agreement: dict[str, Any],
        context: str | None = None,
        rationale: str | None = None,
        proposed_at: datetime | None = None,
    ) -> Written:
        """Record a decision already taken: proposed and agreed in one transaction, the
        proposal taking effect at `proposed_at` or else when the agreement does."""
        participants = agreement.get("participants")
        self.core.read_together(group_id, *(participants if isinstance(participants, list) else ()))
        group = self.core.read(Group, group_id)
        when = proposed_at or agreement.get("effective_at")
        try:
            require_aware(when, "effective_at")
        except InvalidInput as error:
            error.field = "effective_at" if proposed_at else "agreement.effective_at"
            raise
        proposed = self._propose(group, title, decision, context, rationale, when)
        try:
            superseded = self._agree(group, proposed, **agreement)
        except InvalidInput as error:
            error.field = f"agreement.{error.field}" if error.field else "agreement"
            raise
        return self.core.write(proposed, *superseded)

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
        self.core.read_together(decision_id, *participants)  # and the decision's group
        decision = self.core.load(Decision, decision_id, expected_version)
        group = self.core.read(Group, decision.group_id)
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
        return self.core.write(decision, *superseded)

    @command
    def reject_decision(
        self, decision_id: str, reason: str | None = None, expected_version: int | None = None
    ) -> Written:
        """Record that a proposed decision was rejected."""
        decision = self.core.load(Decision, decision_id, expected_version)
        decision.reject(self.core.read(Group, decision.group_id), reason)
        return self.core.write(decision)

    @command
    def withdraw_decision(
        self, decision_id: str, reason: str | None = None, expected_version: int | None = None
    ) -> Written:
        """Record that a proposal was withdrawn."""
        decision = self.core.load(Decision, decision_id, expected_version)
        decision.withdraw(self.core.read(Group, decision.group_id), reason)
        return self.core.write(decision)

    @command
    def revoke_decision(
        self,
        decision_id: str,
        reason: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that an agreed decision was revoked."""
        decision = self.core.load(Decision, decision_id, expected_version)
        decision.revoke(self.core.read(Group, decision.group_id), reason, effective_at)
        return self.core.write(decision)

    def _propose(
        self,
        group: Group,
        title: str,
        decision: str,
        context: str | None,
        rationale: str | None,
        effective_at: datetime | None = None,
    ) -> Decision:
        require_aware(effective_at, "effective_at")
        actor = self.core.actor()
        when = effective_at
        proposer = actor if actor is not None and group.is_member_at(actor, when) else None
        return Decision.propose(group, title, decision, context, rationale, proposer, when)

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
            checks.cited(self.core, Principle, pid, f"principles[{i}]")
            for i, pid in enumerate(principles or [])
        ]
        earlier = [
            checks.cited(self.core, Decision, did, f"supersedes[{i}]")
            for i, did in enumerate(supersedes or [])
        ]
        when = effective(effective_at)
        group.require_began(when)
        named = {f"participants[{i}]": str(person_id) for i, person_id in enumerate(participants)}
        for field, person_id in named.items():
            group.require_member(person_id, field, when)
        organisations = []
        # Only registered people become members, so once every participant is a member,
        # every one is a person: the first field at fault is the one it always was.
        for person in checks.require_people(self.core, named).values():
            organisation = person.organisation_at(when)
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
            when,
            review_date,
            groups_above=checks.groups_up(self.core, group),
        )
        return earlier
