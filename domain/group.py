"""Group: a holding environment with a purpose and members in roles."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import event

from domain.base import (
    AccordAggregate,
    AccordError,
    Created,
    InvalidInput,
    LifecycleError,
    NotFound,
    effective,
    optional_text,
    require_text,
)
from domain.values import Role, parse


class GroupError(AccordError):
    """A rule about groups was broken."""


class GroupClosed(LifecycleError, GroupError):
    """Nothing can be recorded in a closed group."""


class NotAMember(InvalidInput, GroupError):
    """The person named is not a member of the group."""


class MemberNotFound(NotFound, GroupError):
    """The person named is not a member of the group, so has no membership to change."""


class AlreadyAMember(LifecycleError, GroupError):
    """The person is already a member of the group."""


class LastConvener(LifecycleError, GroupError):
    """An open group must keep at least one convener."""


class Group(AccordAggregate):
    """A holding environment: a transformation group, a coordinating group, a design team."""

    TOPIC = "accord.Group"

    class Convened(AccordAggregate.Event, Created):
        TOPIC = "accord.Group.Convened"
        name: str
        kind: str
        purpose: str
        parent_group_id: str | None
        convener_id: str | None
        effective_at: datetime

    def __init__(
        self,
        name: str,
        kind: str,
        purpose: str,
        parent_group_id: str | None,
        convener_id: str | None,
        effective_at: datetime,
    ) -> None:
        self.name = name
        self.kind = kind
        self.purpose = purpose
        self.parent_group_id = parent_group_id
        self.status = "open"
        self.members: dict[str, str] = {}
        if convener_id is not None:
            self.members[convener_id] = Role.CONVENER.value

    @classmethod
    def convene(
        cls,
        name: str,
        kind: str,
        purpose: str,
        parent: Group | None,
        convener_id: str | None,
        effective_at: datetime | None = None,
    ) -> Group:
        """Set up a group; whoever convenes it becomes its first convener.

        `effective_at` is when the group began meeting, if earlier than its recording.
        """
        if parent is not None:
            parent.require_open()
        return cls(
            require_text(name, "name", 300),
            require_text(kind, "kind", 100),
            require_text(purpose, "purpose"),
            str(parent.id) if parent is not None else None,
            convener_id,
            effective(effective_at),
        )

    # Rules other aggregates ask of their group.

    def require_open(self) -> None:
        if self.status != "open":
            raise GroupClosed(f"group {self.id} is closed", self.status)

    def is_member(self, person_id: str) -> bool:
        return person_id in self.members

    def require_own(self, group_id: str) -> None:
        """Guard against being handed another record's group."""
        if str(self.id) != group_id:
            raise InvalidInput(f"group {self.id} is not the record's group {group_id}", "group_id")

    def require_member(self, person_id: str, field: str) -> None:
        if person_id not in self.members:
            raise NotAMember(
                f"{field}: person {person_id} is not a member of group {self.id}", field
            )

    # Commands.

    def restate_purpose(self, purpose: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        self._purpose_restated(require_text(purpose, "purpose"), effective(effective_at))

    def join(self, person_id: str, role: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        role = parse(Role, role, "role")
        person_id = require_text(person_id, "person_id", 64)
        if person_id in self.members:
            raise AlreadyAMember(
                f"person {person_id} is already a member, as {self.members[person_id]}", self.status
            )
        self._member_joined(person_id, role, effective(effective_at))

    def change_role(self, person_id: str, role: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        role = parse(Role, role, "role")
        self._require_membership(person_id)
        if self.members[person_id] == role:
            raise InvalidInput(f"person {person_id} already has the role {role}", "role")
        self._require_another_convener(person_id)
        self._member_role_changed(person_id, role, effective(effective_at))

    def leave(self, person_id: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        self._require_membership(person_id)
        self._require_another_convener(person_id)
        self._member_left(person_id, effective(effective_at))

    def close(self, reason: str | None = None, effective_at: datetime | None = None) -> None:
        self.require_open()
        self._closed(optional_text(reason, "reason"), effective(effective_at))

    def _require_membership(self, person_id: str) -> None:
        if person_id not in self.members:
            raise MemberNotFound(f"person {person_id} is not a member of group {self.id}")

    def _require_another_convener(self, person_id: str) -> None:
        conveners = [p for p, r in self.members.items() if r == Role.CONVENER.value]
        if conveners == [person_id]:
            raise LastConvener(f"person {person_id} is the group's only convener", "open")

    @event("PurposeRestated", topic="accord.Group.PurposeRestated")
    def _purpose_restated(self, purpose: str, effective_at: datetime) -> None:
        self.purpose = purpose

    @event("MemberJoined", topic="accord.Group.MemberJoined")
    def _member_joined(self, person_id: str, role: str, effective_at: datetime) -> None:
        self.members[person_id] = role

    @event("MemberRoleChanged", topic="accord.Group.MemberRoleChanged")
    def _member_role_changed(self, person_id: str, role: str, effective_at: datetime) -> None:
        self.members[person_id] = role

    @event("MemberLeft", topic="accord.Group.MemberLeft")
    def _member_left(self, person_id: str, effective_at: datetime) -> None:
        self.members.pop(person_id, None)

    @event("Closed", topic="accord.Group.Closed")
    def _closed(self, reason: str | None, effective_at: datetime) -> None:
        self.status = "closed"
