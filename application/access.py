"""Who may see and do what: one policy, decided from the key's role and group memberships.

Global roles (on the API key): an administrator may do everything; an auditor may read
everything and write nothing; anyone else ("member") has the rights their group roles
give. Group roles: a convener manages the group (members, purpose, closing); a member
records and acts on the group's decisions, conflicts, principles and accountabilities;
an observer reads. Someone offered a handover may see that accountability and answer the
offer (the domain checks they are on the recipient side).

A caller who may not see a group gets "not found" for its records, so that existence
does not leak; one who may see but not act gets "not allowed".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

from application.core import LedgerCore
from application.errors import RecordNotFound
from application.keys import Caller
from domain.accountability import Accountability
from domain.base import InvalidInput, NotAllowed, NotFound
from domain.group import Group
from domain.person import Person
from domain.values import Role

# read: see; write: record and act; convene: manage a group; respond: answer a handover
# offered to you; register: register people; administer: keys and the like; own: act on
# what is the caller's own (their keys), which any authenticated caller may; invite: make a
# one-time sign-in link for a person (an administrator, or a convener of a group they are in);
# audit: see and check the ledger's integrity (auditors and administrators).
Action = Literal[
    "read", "write", "convene", "respond", "register", "administer", "own", "invite", "audit"
]
# Record kinds whose records belong to a group.
IN_A_GROUP = ("decision", "conflict", "principle", "accountability")
ACTING = (Role.CONVENER.value, Role.MEMBER.value)


@dataclass(frozen=True)
class Access:
    """One caller's rights, read once per request from the membership index."""

    caller: Caller
    # Group id -> the role the caller holds in it now.
    groups: dict[str, str] = field(default_factory=dict)

    @property
    def person_id(self) -> str:
        return self.caller.person_id

    @property
    def administrator(self) -> bool:
        return self.caller.role == "administrator"

    @property
    def auditor(self) -> bool:
        return self.caller.role == "auditor"

    @property
    def sees_everything(self) -> bool:
        return self.administrator or self.auditor

    def visible_groups(self) -> frozenset[str] | None:
        """The groups this caller may see; None means every group."""
        return None if self.sees_everything else frozenset(self.groups)

    def sees_group(self, group_id: str | None) -> bool:
        return self.sees_everything or (group_id is not None and group_id in self.groups)

    def may_act_in(self, group_id: str) -> bool:
        return self.administrator or self.groups.get(group_id) in ACTING

    def may_convene(self, group_id: str) -> bool:
        return self.administrator or self.groups.get(group_id) == Role.CONVENER.value

    def require_writer(self) -> None:
        if self.auditor:
            raise NotAllowed("an auditor's key reads the ledger and records nothing")


class AccessPolicy:
    """Decides every request's access in one place; routes only name the action and target."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    def index_memberships(self) -> int:
        """Write the membership index for ledgers recorded before it existed; returns groups done.

        Runs on start-up; does nothing once any membership is indexed.
        """
        if self.core.store.select_members():
            return 0
        done, after = 0, 0
        while rows := self.core.store.select_records("group", None, None, after, 500):
            index = []
            for row in rows:
                group = self.core.load(Group, row["record_id"])
                index_row = self.core.index_row(group)
                if index_row is not None:
                    index.append(
                        (index_row, group.version, row["created_position"], row["updated_position"])
                    )
            self.core.store.upsert_index(index)
            done += len(index)
            after = rows[-1]["created_position"]
        return done

    def access_for(self, caller: Caller) -> Access:
        if caller.groups is not None:  # read with the key, in the same request
            return Access(caller, dict(caller.groups))
        rows = self.core.store.select_members(person_id=caller.person_id)
        return Access(caller, {group_id: role for group_id, _, role in rows})

    def authorize(
        self,
        caller: Caller,
        action: Action,
        kind: str | None = None,
        record_id: str | None = None,
        subject_id: str | None = None,
    ) -> Access:
        """The caller's access, after checking they may take `action` on the record.

        `kind` None is the ledger as a whole (lists, feeds, reports: filtered later);
        `subject_id` is a person the action is about (leaving a group oneself).
        Raises RecordNotFound when the caller may not see the record, NotAllowed when
        they may see it but not take the action.
        """
        access = self.access_for(caller)
        if action == "own":
            return access
        if action == "audit":
            # For anyone else the ledger's integrity checks are not there at all.
            if not access.sees_everything:
                raise NotFound("there is no such page")
            return access
        if action != "read":
            access.require_writer()
        if action == "administer":
            if not access.administrator:
                raise NotAllowed("only an administrator may do this")
            return access
        if kind == "organisation":
            self._authorize_organisation(access, action)
        elif kind is None or record_id is None:
            self._authorize_ledger(access, action)
        elif kind == "person":
            self._authorize_person(access, action, record_id)
        elif kind == "group":
            self._authorize_group(access, action, record_id, subject_id)
        elif kind in IN_A_GROUP:
            self._authorize_record(access, action, kind, record_id)
        else:
            raise ValueError(f"no policy for records of kind {kind!r}")
        return access

    def _authorize_ledger(self, access: Access, action: Action) -> None:
        if action == "register" and not (
            access.administrator or Role.CONVENER.value in access.groups.values()
        ):
            raise NotAllowed("only an administrator or a group's convener may register people")

    @staticmethod
    def _authorize_organisation(access: Access, action: Action) -> None:
        # Organisations are reference data every caller may read; administrators keep them.
        if action != "read" and not access.administrator:
            raise NotAllowed("only an administrator may change an organisation")

    def _authorize_person(self, access: Access, action: Action, person_id: str) -> None:
        if not self.sees_person(access, person_id):
            raise RecordNotFound("person", person_id)
        if action == "invite":
            if not (access.administrator or self.convenes_a_group_of(access, person_id)):
                raise NotAllowed(
                    "only an administrator, or a convener of a group they are in, may do this"
                )
            return
        if action != "read" and not (access.administrator or person_id == access.person_id):
            raise NotAllowed("only the person or an administrator may change their record")

    def _authorize_group(
        self, access: Access, action: Action, group_id: str, subject_id: str | None
    ) -> None:
        if not access.sees_group(group_id) or self.core.kind_of(group_id) != "group":
            raise RecordNotFound("group", group_id)
        if action == "read":
            return
        if action == "convene":
            # Anyone may leave a group themselves; everything else is the convener's.
            if access.may_convene(group_id) or (
                subject_id is not None and subject_id == access.person_id
            ):
                return
            raise NotAllowed(f"only a convener of group {group_id} may do this")
        if not access.may_act_in(group_id):
            raise NotAllowed(f"an observer of group {group_id} reads and does not record")

    def _authorize_record(self, access: Access, action: Action, kind: str, record_id: str) -> None:
        row = self._indexed(record_id, kind)
        if row is None:
            raise RecordNotFound(kind, record_id)
        group_id = row["group_id"]
        if access.sees_group(group_id):
            if action in ("read", "respond") or access.may_act_in(group_id):
                return
            raise NotAllowed(f"an observer of group {group_id} reads and does not record")
        offered = kind == "accountability" and action in ("read", "respond")
        if offered and self._offered_to(access, record_id):
            return
        raise RecordNotFound(kind, record_id)

    def require_parent(self, access: Access, parent_group_id: str | None) -> None:
        """Convening a sub-group is for those who may act in the parent group.

        A parent the caller may not see reads as unknown, as any unknown group in a body does.
        """
        if parent_group_id is None or access.may_act_in(parent_group_id):
            return
        if access.sees_group(parent_group_id):
            raise NotAllowed(f"an observer of group {parent_group_id} cannot convene sub-groups")
        raise InvalidInput(
            f"parent_group_id: no group with id {parent_group_id}", "parent_group_id"
        )

    def _indexed(self, record_id: str, kind: str) -> dict[str, Any] | None:
        """The record's index row, if it is a record of this kind."""
        rows = self.core.store.find_records([record_id])
        return rows[0] if rows and rows[0]["kind"] == kind else None

    def _offered_to(self, access: Access, accountability_id: str) -> bool:
        """Is the caller on the receiving side of one of the accountability's open offers?"""
        accountability = self.core.load(Accountability, accountability_id)
        if accountability.open_handover_id is None:
            return False
        to = accountability.handovers[accountability.open_handover_id]["to"]
        if to["kind"] == "person":
            return bool(to["id"] == access.person_id)
        if to["kind"] == "group":
            return to["id"] in access.groups
        return self._affiliated(access.person_id, to["id"])

    def _affiliated(self, person_id: str, organisation_id: str) -> bool:
        try:
            return self.core.read(Person, person_id).organisation_id == organisation_id
        except RecordNotFound:
            return False

    # Visibility of people and their contact details.

    def sees_person(self, access: Access, person_id: str) -> bool:
        """Administrators, auditors, the person, and anyone sharing a group with them."""
        if access.sees_everything or person_id == access.person_id:
            return True
        if not access.groups:
            return False
        rows = self.core.store.select_members(person_id=person_id, group_ids=list(access.groups))
        return bool(rows)

    def groups_shared(self, access: Access) -> dict[str, list[str]]:
        """Each person who shares a group with the caller now, and the groups they share:
        with the caller, the people `sees_person` lets anyone but an administrator or
        auditor see."""
        shared: dict[str, list[str]] = {}
        if access.groups:
            for group_id, person_id, _ in self.core.store.select_members(
                group_ids=list(access.groups)
            ):
                shared.setdefault(person_id, []).append(group_id)
        return shared

    def convenes_a_group_of(self, access: Access, person_id: str) -> bool:
        """Is the caller a convener of a group this person is in (in any role)?"""
        conveners_of = [g for g, role in access.groups.items() if role == Role.CONVENER.value]
        if not conveners_of:
            return False
        return bool(self.core.store.select_members(person_id=person_id, group_ids=conveners_of))

    def sees_contact(self, access: Access | None, person_id: str) -> bool:
        """Email is for the person, administrators, and conveners of a group they are in."""
        if access is None or access.administrator or person_id == access.person_id:
            return True
        return self.convenes_a_group_of(access, person_id)

    def visible_records(self, access: Access | None, record_ids: Collection[str]) -> set[str]:
        """Which of these records (of any kind) the caller may see; for feeds."""
        if access is None or access.sees_everything:
            return set(record_ids)
        rows = {r["record_id"]: r for r in self.core.store.find_records(record_ids)}
        seen: set[str] = set()
        for record_id in record_ids:
            row = rows.get(record_id)
            if row is None:
                # People are not indexed: a caller sees their own record's events.
                if record_id == access.person_id:
                    seen.add(record_id)
            elif row["kind"] == "organisation":
                seen.add(record_id)
            elif row["kind"] == "group":
                if record_id in access.groups:
                    seen.add(record_id)
            elif row["group_id"] in access.groups:
                seen.add(record_id)
        return seen
