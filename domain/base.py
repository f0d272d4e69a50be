"""What every Accord aggregate and event shares: the actor, the error root, time helpers."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID, uuid4

import eventsourcing.domain as es_domain
from eventsourcing.domain import AggregateCreated as Created
from eventsourcing.domain import AggregateEvent, BaseAggregate, Snapshot

# Set by interfaces/ from the authenticated caller; never from a request body.
current_actor: ContextVar[str | None] = ContextVar("accord_actor", default=None)


__all__ = ["AccordAggregate", "Created", "current_actor"]


class AccordError(Exception):
    """Base of every error Accord raises on purpose."""


class NotFound(AccordError):
    """A record that was named does not exist."""


class InvalidInput(AccordError):
    """A value given to a command breaks a rule about values."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TooEarly(InvalidInput):
    """A change would take effect before what it depends on existed or began."""


def not_before(when: datetime, start: datetime | None, what: str) -> None:
    """Refuse an effective time earlier than `start`, the moment `what` began."""
    if start is not None and when < start:
        raise TooEarly(
            f"effective_at {when.isoformat()} is before {what} ({start.isoformat()})",
            "effective_at",
        )


def periods(changes: list[tuple[datetime | None, Any]]) -> list[tuple[datetime | None, Any]]:
    """The states in effect, as (start, state), from a fact's changes in recording order,
    by the valid-time rule (docs/time.md): each change holds from its effective time (None:
    from the beginning of time) until the next start, and a change recorded later with an
    earlier effective time overrides from that time on. Equal neighbours are merged, so
    two histories that say the same thing give the same periods."""
    earliest = datetime.min.replace(tzinfo=UTC)
    starts = [when or earliest for when, _ in changes]
    for i in range(len(starts) - 2, -1, -1):
        starts[i] = min(starts[i], starts[i + 1])
    result: list[tuple[datetime | None, Any]] = [(earliest, None)]
    for i, (_, state) in enumerate(changes):
        if i + 1 < len(changes) and starts[i + 1] <= starts[i]:
            continue  # overridden before it began
        if result and result[-1][0] == starts[i]:
            result.pop()
        if not result or result[-1][1] != state:
            result.append((starts[i], state))
    return result


def in_effect(changes: list[tuple[datetime | None, Any]], when: datetime) -> Any:
    """The state in effect at `when` (None before the first change)."""
    current = None
    for start, state in periods(changes):
        if start is not None and start <= when:
            current = state
    return current


class LifecycleError(AccordError):
    """A transition the record's lifecycle does not allow from its current state."""

    def __init__(self, message: str, current_state: str) -> None:
        super().__init__(message)
        self.current_state = current_state


class NotAllowed(AccordError):
    """The actor may not take this step on this record."""


class AccordAggregate(BaseAggregate[UUID]):
    """Base aggregate: every event records who recorded it.

    Built on BaseAggregate rather than Aggregate so that no implicit, topic-less
    "Created" class is inherited: each aggregate names its own first event.
    """

    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        return uuid4()

    class Event(AggregateEvent):
        actor: str | None = field(default_factory=current_actor.get, init=False)
        if TYPE_CHECKING:
            # Every concrete event class names its stable topic (or @event(topic=...) does).
            TOPIC: ClassVar[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.last_actor = self.actor

    Snapshot = Snapshot

    if TYPE_CHECKING:
        # Set by every event's apply(). Declared for the type checker only: a class
        # annotation would make eventsourcing treat the aggregate as a dataclass.
        last_actor: str | None

    # An effective time left out is the event's recorded time, to the microsecond: the
    # moment `effective()` took is also given to the event as its timestamp.
    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        super().trigger_event(event_class, **_stamped(kwargs))

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        return super()._create(event_class, id=id, **_stamped(kwargs))


class RecordedNow(datetime):
    """The moment of recording, standing in for an effective time that was left out."""

    def plain(self) -> datetime:
        return datetime(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.microsecond,
            self.tzinfo,
        )


def _stamped(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Give the event the recorded moment its defaulted effective time names, as a plain
    datetime, so that effective time and recorded time are one instant."""
    recorded = [v for v in kwargs.values() if isinstance(v, RecordedNow)]
    if not recorded:
        return kwargs
    stamped = {k: v.plain() if isinstance(v, RecordedNow) else v for k, v in kwargs.items()}
    stamped.setdefault("timestamp", recorded[0].plain())
    return stamped


def require_aware(value: datetime | None, field_name: str) -> datetime | None:
    """Reject naive datetimes: the ledger compares instants, never wall-clock readings."""
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{field_name} must include a time-zone offset", field_name)
    if value is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise InvalidInput(
                f"{field_name} is outside the years 1 to 9999 in UTC", field_name
            ) from None
    return value


def _has_unstorable(value: str) -> bool:
    """NUL and lone surrogates cannot be stored as UTF-8 text (PostgreSQL refuses NUL)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in value


def require_text(value: str, field_name: str, max_length: int = 10_000) -> str:
    """Reject blank or oversized text."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field_name} must not be blank", field_name)
    if _has_unstorable(value):
        raise InvalidInput(f"{field_name} contains characters that cannot be stored", field_name)
    if len(value) > max_length:
        raise InvalidInput(f"{field_name} is longer than {max_length} characters", field_name)
    return value.strip()


def effective(value: datetime | None, field_name: str = "effective_at") -> datetime:
    """The real-world time a change took effect: as given, or, when not given, the moment
    the event is recorded (the same instant becomes the event's timestamp)."""
    given = require_aware(value, field_name)
    if given is not None:
        return given
    moment = es_domain.datetime_now_with_tzinfo()
    return RecordedNow(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        moment.tzinfo,
    )


def optional_text(value: str | None, field_name: str, max_length: int = 10_000) -> str | None:
    """Blank means absent; otherwise the same limits as require_text."""
    if value is None or not str(value).strip():
        return None
    return require_text(value, field_name, max_length)


def id_list(values: list[str] | None, field_name: str) -> list[str]:
    """A list of ids without duplicates, order kept, all as strings."""
    result: list[str] = []
    for value in values or []:
        text = str(value).strip()
        if not text:
            raise InvalidInput(f"{field_name} must not contain blank ids", field_name)
        if text not in result:
            result.append(text)
    return result
