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
    in_effect,
    not_before,
    optional_text,
    periods,
    require_text,
)
from domain.values import Role, parse


class GroupError(AccordError):
    """A rule about groups was broken."""


class GroupClosed(LifecycleError, GroupError):
    """Nothing can be recorded in a closed group."""


class NotAMember(InvalidInput, GroupError):
    """The person named is not a member of the group."""


class NotAMemberThen(NotAMember):
    """The person named is a member of the group, but not at the change's effective time."""


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
        self.began_at = effective_at
        self.members: dict[str, str] = {}
        # Each person's membership changes in recording order: [(effective_at, role or None)].
        self.memberships: dict[str, list[tuple[datetime, str | None]]] = {}
        if convener_id is not None:
            self.members[convener_id] = Role.CONVENER.value
            self.memberships[convener_id] = [(effective_at, Role.CONVENER.value)]

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
        when = effective(effective_at)
        if parent is not None:
            parent.require_open()
            parent.require_began(when)
        return cls(
            require_text(name, "name", 300),
            require_text(kind, "kind", 100),
            require_text(purpose, "purpose"),
            str(parent.id) if parent is not None else None,
            convener_id,
            when,
        )

    # Rules other aggregates ask of their group.

    def require_open(self) -> None:
        if self.status != "open":
            raise GroupClosed(f"group {self.id} is closed", self.status)

    def require_began(self, when: datetime) -> None:
        """Nothing in the group takes effect before the group was convened."""
        not_before(when, getattr(self, "began_at", None), f"group {self.id} was convened")

    def role_at(self, person_id: str, when: datetime) -> str | None:
        """The person's role in effect at `when` (None: not a member), by the valid-time
        rule: a change recorded later with an earlier effective time overrides from then on."""
        changes = getattr(self, "memberships", None)
        if changes is None:  # a snapshot taken before memberships were kept
            return self.members.get(person_id)
        found = in_effect([(t, r) for t, r in changes.get(person_id, [])], when)
        return None if found is None else str(found)

    def _changes_nothing(self, person_id: str, role: str | None, when: datetime) -> bool:
        """Whether recording this membership change would leave every period as it is."""
        changes = getattr(self, "memberships", None)
        if changes is None:
            return self.members.get(person_id) == role
        before = [(t, r) for t, r in changes.get(person_id, [])]
        return periods([*before, (when, role)]) == periods(before)

    def is_member(self, person_id: str) -> bool:
        return person_id in self.members

    def require_own(self, group_id: str) -> None:
        """Guard against being handed another record's group."""
        if str(self.id) != group_id:
            raise InvalidInput(f"group {self.id} is not the record's group {group_id}", "group_id")

    def is_member_at(self, person_id: str, when: datetime | None = None) -> bool:
        """Whether the person is a member in effect at `when` (by default now, as known now)."""
        return self.role_at(person_id, when or effective(None)) is not None

    def require_member(self, person_id: str, field: str, when: datetime | None = None) -> None:
        """The person must be a member in effect at `when`, the change's effective time (as
        known now). Without `when` the change takes effect when recorded: a member now.

        Someone who was never a member is refused naming `field`; someone who is a member
        at other times is refused naming `effective_at`, with when their membership runs."""
        moment = when if when is not None else effective(None)
        if self.role_at(person_id, moment) is not None:
            return
        spans = self._membership_spans(person_id)
        if not spans:
            raise NotAMember(
                f"{field}: person {person_id} is not a member of group {self.id}", field
            )
        at = "effective_at" if when is not None else "the time of recording"
        raise NotAMemberThen(
            f"{field}: person {person_id} is not a member of group {self.id} at {at} "
            f"{moment.isoformat()}; as now known, they are a member {', '.join(spans)}",
            "effective_at" if when is not None else field,
        )

    def _membership_spans(self, person_id: str) -> list[str]:
        """The periods the person is a member, as now known, in words."""
        changes = getattr(self, "memberships", None)
        if changes is None:
            return ["now"] if person_id in self.members else []
        starts = periods([(t, r) for t, r in changes.get(person_id, [])])
        spans = []
        for index, (start, role) in enumerate(starts):
            if role is None or start is None:
                continue
            end = starts[index + 1][0] if index + 1 < len(starts) else None
            until = f" until {end.isoformat()}" if end is not None else " on"
            spans.append(f"from {start.isoformat()}{until}")
        return spans

    # Commands.

    def restate_purpose(self, purpose: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        when = effective(effective_at)
        self.require_began(when)
        self._purpose_restated(require_text(purpose, "purpose"), when)

    def join(self, person_id: str, role: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        role = parse(Role, role, "role")
        person_id = require_text(person_id, "person_id", 64)
        when = effective(effective_at)
        self.require_began(when)
        already = self.role_at(person_id, when)
        if already is not None:
            raise AlreadyAMember(
                f"person {person_id} is already a member at effective_at, as {already}",
                self.status,
            )
        self._member_joined(person_id, role, when)

    def change_role(self, person_id: str, role: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        role = parse(Role, role, "role")
        when = effective(effective_at)
        self.require_began(when)
        self._require_membership(person_id, when)
        if self._changes_nothing(person_id, role, when):
            raise InvalidInput(
                f"person {person_id} already has the role {role} from effective_at on", "role"
            )
        self._require_another_convener(person_id, when)
        self._member_role_changed(person_id, role, when)

    def leave(self, person_id: str, effective_at: datetime | None = None) -> None:
        self.require_open()
        when = effective(effective_at)
        self.require_began(when)
        self._require_membership(person_id, when)
        self._require_another_convener(person_id, when)
        self._member_left(person_id, when)

    def close(self, reason: str | None = None, effective_at: datetime | None = None) -> None:
        self.require_open()
        when = effective(effective_at)
        self.require_began(when)
        self._closed(optional_text(reason, "reason"), when)

    def _require_membership(self, person_id: str, when: datetime) -> str:
        role = self.role_at(person_id, when)
        if person_id not in self.members or role is None:
            raise MemberNotFound(
                f"person {person_id} is not a member of group {self.id} at effective_at"
            )
        return role

    def _require_another_convener(self, person_id: str, when: datetime) -> None:
        conveners = [
            p
            for p in self.members
            if self.role_at(p, when) == Role.CONVENER.value
            or self.members[p] == Role.CONVENER.value
        ]
        if conveners == [person_id]:
            raise LastConvener(f"person {person_id} is the group's only convener", "open")

    @event("PurposeRestated", topic="accord.Group.PurposeRestated")
    def _purpose_restated(self, purpose: str, effective_at: datetime) -> None:
        self.purpose = purpose

    @event("MemberJoined", topic="accord.Group.MemberJoined")
    def _member_joined(self, person_id: str, role: str, effective_at: datetime) -> None:
        self.members[person_id] = role
        self._membership_changed(person_id, role, effective_at)

    @event("MemberRoleChanged", topic="accord.Group.MemberRoleChanged")
    def _member_role_changed(self, person_id: str, role: str, effective_at: datetime) -> None:
        self.members[person_id] = role
        self._membership_changed(person_id, role, effective_at)

    @event("MemberLeft", topic="accord.Group.MemberLeft")
    def _member_left(self, person_id: str, effective_at: datetime) -> None:
        self.members.pop(person_id, None)
        self._membership_changed(person_id, None, effective_at)

    def _membership_changed(self, person_id: str, role: str | None, when: datetime) -> None:
        """Called only from event bodies: keeps each person's membership changes."""
        if hasattr(self, "memberships"):
            self.memberships.setdefault(person_id, []).append((when, role))

    @event("Closed", topic="accord.Group.Closed")
    def _closed(self, reason: str | None, effective_at: datetime) -> None:
        self.status = "closed"
