"""Commands on accountabilities and their handovers."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from application import checks
from application.commands import command
from application.core import LedgerCore, Written
from domain.accountability import Accountability
from domain.group import Group
from domain.person import Person


class AccountabilityCommands:
    """Commands on accountabilities and their handovers."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @command
    def define_accountability(
        self,
        group_id: str,
        title: str,
        holder: dict[str, str],
        scope: str | None = None,
        effective_at: datetime | None = None,
    ) -> Written:
        """Define a piece of work and who holds it first."""
        group = self.core.read(Group, group_id)
        # The domain refuses a person who is not a member first, in the same words for
        # someone the caller may not see as for no one, before the holder is looked up.
        accountability = Accountability.define(group, title, holder, scope, effective_at)
        checks.require_party(self.core, holder, "holder")
        return self.core.write(accountability)

    @command
    def offer_handover(
        self,
        accountability_id: str,
        to: dict[str, str],
        reason: str | None = None,
        expected_version: int | None = None,
        effective_at: datetime | None = None,
    ) -> Written:
        """Offer the accountability to another holder; returns the handover's id."""
        self.core.read_together(accountability_id, to.get("id"))  # and its group
        accountability = self.core.load(Accountability, accountability_id, expected_version)
        handover_id = str(uuid4())
        group = self.core.read(Group, accountability.group_id)
        # As for a holder: membership first, then whether the recipient is there to be seen.
        accountability.offer_handover(group, handover_id, to, reason, effective_at)
        checks.require_party(self.core, to, "to")
        return self.core.write(accountability, handover_id=handover_id)

    @command
    def accept_handover(
        self,
        accountability_id: str,
        handover_id: str,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Accept a handover offered to the caller's side: the holder changes."""
        accountability = self.core.load(Accountability, accountability_id, expected_version)
        group = self.core.read(Group, accountability.group_id)
        on_side = self._on_recipient_side(accountability, handover_id)
        accountability.accept_handover(group, handover_id, on_side, effective_at)
        return self.core.write(accountability)

    @command
    def decline_handover(
        self,
        accountability_id: str,
        handover_id: str,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Decline a handover offered to the caller's side."""
        accountability = self.core.load(Accountability, accountability_id, expected_version)
        group = self.core.read(Group, accountability.group_id)
        on_side = self._on_recipient_side(accountability, handover_id)
        accountability.decline_handover(group, handover_id, on_side, reason)
        return self.core.write(accountability)

    @command
    def withdraw_handover(
        self,
        accountability_id: str,
        handover_id: str,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Withdraw an open handover offer."""
        accountability = self.core.load(Accountability, accountability_id, expected_version)
        group = self.core.read(Group, accountability.group_id)
        accountability.withdraw_handover(group, handover_id, reason)
        return self.core.write(accountability)

    @command
    def return_accountability(
        self,
        accountability_id: str,
        reason: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Give the accountability back to its previous holder."""
        accountability = self.core.load(Accountability, accountability_id, expected_version)
        group = self.core.read(Group, accountability.group_id)
        accountability.return_to_previous(group, reason, effective_at)
        return self.core.write(accountability)

    @command
    def retire_accountability(
        self,
        accountability_id: str,
        reason: str | None = None,
        effective_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> Written:
        """Record that the work no longer needs holding."""
        accountability = self.core.load(Accountability, accountability_id, expected_version)
        group = self.core.read(Group, accountability.group_id)
        accountability.retire(group, reason, effective_at)
        return self.core.write(accountability)

    def _on_recipient_side(self, accountability: Accountability, handover_id: str) -> bool:
        """Is the caller the recipient, a member of the recipient group, or of its organisation?"""
        actor = self.core.actor()
        handover = accountability.handovers.get(handover_id)
        if actor is None or handover is None:
            return False
        to = handover["to"]
        if to["kind"] == "person":
            return bool(to["id"] == actor)
        if to["kind"] == "group":
            return self.core.read(Group, to["id"]).is_member(actor)
        if not self.core.exists(Person, actor):
            return False
        return self.core.read(Person, actor).organisation_id == to["id"]
