"""The ledger's foundation: one Application, loading and saving records, optimistic concurrency."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import Mapper

from application import idempotency
from application.errors import (
    ReadModelsBehind,
    RecordNotFound,
    VersionMismatch,
)
from application.personal import PersonalDataMapper
from application.ports import (
    Forgetting,
    IdempotencyStore,
    IndexRow,
    LedgerStore,
    PersonKeyStore,
)
from application.projections.projector import Projector
from application.tally import Tally
from domain.accountability import Accountability
from domain.base import AccordAggregate, InvalidInput, current_actor
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person
from domain.principle import Principle

KINDS: dict[type[AccordAggregate], str] = {
    Organisation: "organisation",
    Person: "person",
    Group: "group",
    Decision: "decision",
    Conflict: "conflict",
    Principle: "principle",
    Accountability: "accountability",
}

# "Decision" (the middle of a topic such as accord.Decision.Agreed) -> "decision".
KIND_OF_TOPIC = {cls.__name__: kind for cls, kind in KINDS.items()}
# How many record ids' kinds a process keeps (a record's kind never changes).
KNOWN_KINDS = 100_000

A = TypeVar("A", bound=AccordAggregate)


def _uuid(record_id: Any) -> UUID | None:
    try:
        return record_id if isinstance(record_id, UUID) else UUID(str(record_id))
    except ValueError:
        return None


@dataclass
class _Attempt:
    """One run of a command: the records it has brought up to date (by id), so that each is
    read from the log once in the run, and those it shares with other readers (see read)."""

    fresh: dict[UUID, Any] = field(default_factory=dict)
    shared: list[AccordAggregate] = field(default_factory=list)

    def changed(self) -> list[AccordAggregate]:
        """The shared records the run changed (events pending): a fault in the command."""
        return [record for record in self.shared if record.pending_events]


_ATTEMPT: ContextVar[_Attempt | None] = ContextVar("accord_attempt", default=None)


@dataclass(frozen=True)
class Written:
    """What a command returns: the record's id, its new version and the event's ledger position."""

    id: str
    version: int
    position: int
    extra: dict[str, Any] | None = None
    # True when an earlier request with the same Idempotency-Key wrote this (nothing new was).
    replayed: bool = False


class LedgerCore(Application[UUID]):
    """One Application holding every aggregate, so every event has one global position."""

    name = "Ledger"
    # Set False when a projector thread or worker keeps the read models (the API does).
    inline_projection = True
    read_timeout = 5.0
    # Long-lived records are rebuilt from a snapshot plus the events after it. People are
    # left out: their snapshots would copy personal data outside their own events.
    snapshotting_intervals = {
        cls: 100 for cls in (Organisation, Group, Decision, Conflict, Principle, Accountability)
    }

    def __init__(self, env: Any = None) -> None:
        super().__init__(env=env)
        if isinstance(self.mapper, PersonalDataMapper) and isinstance(
            self.recorder, PersonKeyStore
        ):
            self.mapper.keys = self.recorder  # personal data is sealed with per-person keys
        # Set after every save in this process, to wake an in-process projector.
        self.writes = threading.Event()
        self._projector: Any = None
        self._sweeper = idempotency.Sweeper()
        self._kinds: dict[UUID, str] = {}
        # Commands run in this process, by name and outcome (GET /metrics).
        self.commands_run = Tally()

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=PersonalDataMapper
        )

    def _notify(self, recordings: list[Any]) -> None:
        super()._notify(recordings)
        self.writes.set()

    def fresh(self, min_position: int | None = None) -> None:
        """Make the read models include `min_position` (waiting a bounded time) before a read;
        a position beyond the newest event is refused at once (no wait would reach it)."""
        if self.inline_projection:
            self.projector.catch_up()
        if not min_position or self.projector.position() >= min_position:
            return
        head = self.head_position()
        if min_position > head:
            raise InvalidInput(
                f"min_position {min_position} is beyond the newest event in the ledger "
                f"({head}); use a position a write answered",
                "min_position",
            )
        if self.inline_projection:
            return
        self.writes.set()
        if not self.projector.wait_for(min_position, self.read_timeout):
            raise ReadModelsBehind(f"the read models have not reached position {min_position} yet")

    def require_kind(self, kind: str, record_id: str) -> None:
        """404 unless the id names a record of this kind (read from the event log itself)."""
        if self.kind_of(record_id) != kind:
            raise RecordNotFound(kind, str(record_id))

    @property
    def projector(self) -> Projector:
        """The projector that keeps this ledger's read models."""
        if self._projector is None:
            self._projector = Projector(self)
        return self._projector

    @property
    def store(self) -> LedgerStore:
        recorder = self.recorder
        if not isinstance(recorder, LedgerStore):
            raise TypeError("the ledger needs one of Accord's recorders (see interfaces.bootstrap)")
        return recorder

    @property
    def requests(self) -> IdempotencyStore:
        """The requests remembered by their Idempotency-Key."""
        recorder = self.recorder
        if not isinstance(recorder, IdempotencyStore):
            raise TypeError("the ledger needs one of Accord's recorders (see interfaces.bootstrap)")
        return recorder

    def recall(self, token: idempotency.Token) -> Written | None:
        """What the token's request wrote, if it was stored (raises if the key was misused)."""
        found = idempotency.recall(self.requests, token)
        if found is None or found.record_id is None or found.version is None:
            return None
        return Written(
            found.record_id,
            found.version,
            found.position or 0,
            json.loads(found.extra) if found.extra else None,
            # A request id of its own: this run's insert had committed, and was retried.
            replayed=found.request_id != token.request_id,
        )

    def forget_requests(self, now: datetime | None = None) -> None:
        """Forget remembered requests past their keeping time (48 hours for client keys)."""
        idempotency.sweep(self.requests, now or datetime.now(UTC))

    def sweep_requests_when_due(self) -> None:
        if self._sweeper.due(time.monotonic()):
            self.forget_requests()

    def kind_of(self, record_id: str) -> str | None:
        """The kind of record an id names (None if none), from its first event in the log.

        A record's kind is fixed by its first event, which is never changed or removed, so
        a kind once found is kept in this process and is right in every other one too.
        """
        try:
            uuid = UUID(str(record_id))
        except ValueError:
            return None
        kind = self._kinds.get(uuid)
        if kind is None:
            first = self.recorder.select_events(uuid, limit=1)
            kind = KIND_OF_TOPIC.get(first[0].topic.split(".")[1]) if first else None
            if kind is None:
                return None
            if len(self._kinds) >= KNOWN_KINDS:
                self._kinds.clear()
            self._kinds[uuid] = kind
        return kind

    def head_position(self) -> int:
        """The position of the newest event in the ledger (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    @staticmethod
    def actor() -> str | None:
        return current_actor.get()

    @contextlib.contextmanager
    def _attempting(self) -> Iterator[None]:
        """One run of a command. A record it read only to check but changed anyway (a fault
        in the code, see read) is dropped from memory at the end, so no later command
        sees the change."""
        attempt = _Attempt()
        running = _ATTEMPT.set(attempt)
        try:
            yield
        finally:
            _ATTEMPT.reset(running)
            cache = self.repository.cache
            for record in attempt.changed():
                with contextlib.suppress(KeyError):  # not kept (any more)
                    if cache is not None:
                        cache.get(record.id, evict=True)

    def read(self, cls: type[A], record_id: str | UUID) -> A:
        """A record to read and not to change (a group whose members a command checks, say),
        or RecordNotFound: the record kept in memory itself, brought up to date, without the
        copy load makes for a command to change. Every reader shares it, so a command that
        changes it is refused before it saves anything."""
        found = self.load_each(cls, [str(record_id)], to_change=False)[str(record_id)]
        if found is None:
            raise RecordNotFound(KINDS[cls], str(record_id))
        return found

    def read_together(self, *record_ids: Any) -> None:
        """Bring these records up to date with one read of the log, for the rest of this run
        of the command to load or read (ids that name nothing, or nothing valid, are left
        for those to report)."""
        self._current([uuid for r in record_ids if (uuid := _uuid(r)) is not None])

    def load(
        self,
        cls: type[A],
        record_id: str | UUID,
        expected_version: int | None = None,
        at_version: int | None = None,
    ) -> A:
        """A record of the given kind to change (a copy of its own), as it is now or at a
        version, or raise RecordNotFound / VersionMismatch."""
        kind = KINDS[cls]
        uuid = _uuid(record_id)
        aggregate: Any = None
        if uuid is not None and at_version is None:
            aggregate = deepcopy(self._current([uuid])[uuid])
        elif uuid is not None and (aggregate := self._cached(uuid, at_version)) is None:
            with contextlib.suppress(AggregateNotFoundError):
                aggregate = self.repository.get(uuid, version=at_version)
        if not isinstance(aggregate, cls):
            raise RecordNotFound(kind, str(record_id))
        if expected_version is not None and aggregate.version != expected_version:
            raise VersionMismatch(str(record_id), expected_version, aggregate.version)
        return aggregate

    def load_each(
        self, cls: type[A], record_ids: Sequence[str], to_change: bool = True
    ) -> dict[str, A | None]:
        """Records of one kind by id (None: there is no such record), as load gives them
        (or, not to_change, as read does), brought up to date with one read for them all."""
        named = {str(r): _uuid(r) for r in record_ids}
        current = self._current([uuid for uuid in named.values() if uuid is not None])
        found: dict[str, A | None] = {}
        for record_id, uuid in named.items():
            record = current.get(uuid) if uuid is not None else None
            if not isinstance(record, cls):
                found[record_id] = None
            elif to_change:
                found[record_id] = deepcopy(record)
            else:
                found[record_id] = record
                if (attempt := _ATTEMPT.get()) is not None:
                    attempt.shared.append(record)
        return found

    def _current(self, uuids: Sequence[UUID]) -> dict[UUID, Any]:
        """The records with these ids as they are now (None: no such record), shared with
        every reader (never change one; copy it): each kept in memory is brought up to date
        with the events recorded since it was kept (by this process or any other), all of
        them with one query and no lock; the others are rebuilt from the log and kept.
        Within one run of a command, each is read from the log once."""
        attempt = _ATTEMPT.get()
        fresh = attempt.fresh if attempt is not None else {}
        found: dict[UUID, Any] = {}
        kept: dict[UUID, Any] = {}
        for uuid in dict.fromkeys(uuids):
            if uuid in fresh:
                found[uuid] = fresh[uuid]
            elif (in_memory := self._kept(uuid)) is not None:
                kept[uuid] = in_memory
            else:
                found[uuid] = self._rebuilt(uuid)
        if attempt is not None:
            self._with_groups(kept, fresh)
        for uuid, recorded in self._recorded_since(kept).items():
            found[uuid] = self._caught_up(kept[uuid], recorded)
        fresh.update(found)
        return found

    def _with_groups(self, kept: dict[UUID, Any], fresh: dict[UUID, Any]) -> None:
        """Add to `kept` the groups its records belong to, kept in memory and not yet read
        in this run: a command checks a record's group next, and one read brings both. A
        record's group is fixed when it is created, so even a kept copy names it rightly."""
        for record in list(kept.values()):
            group = _uuid(getattr(record, "group_id", None))
            if group is None or group in fresh or group in kept:
                continue
            if (in_memory := self._kept(group)) is not None:
                kept[group] = in_memory

    def _recorded_since(self, kept: dict[UUID, Any]) -> dict[UUID, list[Any]]:
        """The events recorded after each kept record's version, in order."""
        if not kept:
            return {}
        if len(kept) == 1:
            ((uuid, aggregate),) = kept.items()
            return {uuid: list(self.events.get(uuid, gt=aggregate.version))}
        recorded: dict[UUID, list[Any]] = {uuid: [] for uuid in kept}
        versions = [(uuid, aggregate.version) for uuid, aggregate in kept.items()]
        for stored in self.store.select_events_after(versions):
            recorded[UUID(str(stored.originator_id))].append(self.mapper.to_domain_event(stored))
        return recorded

    def _rebuilt(self, uuid: UUID) -> Any:
        """A record rebuilt from the log (kept in memory, where records are), or None."""
        try:
            return self.repository.get(uuid, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None

    def _caught_up(self, aggregate: Any, recorded: list[Any]) -> Any:
        """A kept record with the events recorded since applied to a copy of it, which is
        kept in its place (the kept one is never changed: readers may hold it)."""
        if not recorded:
            return aggregate
        aggregate = project_aggregate(deepcopy(aggregate), recorded)
        if self.repository.cache is not None:
            self.repository.cache.put(aggregate.id, aggregate)
        return aggregate

    def _kept(self, uuid: UUID) -> Any | None:
        """The record as kept in memory (the cache's own object: copy it to use it), if it is."""
        cache = self.repository.cache
        if cache is None:
            return None
        try:
            return cache.get(uuid)
        except KeyError:
            return None

    def _cached(self, uuid: UUID, version: int | None) -> AccordAggregate | None:
        """A copy of the record at exactly this version if it is in memory (a version, once
        written, never changes, so nothing needs reading)."""
        found = self._kept(uuid) if version is not None else None
        if not isinstance(found, AccordAggregate) or found.version != version:
            return None
        return deepcopy(found)

    def exists(self, cls: type[AccordAggregate], record_id: str) -> bool:
        try:
            self.read(cls, record_id)
        except RecordNotFound:
            return False
        return True

    def write(
        self,
        main: AccordAggregate,
        *others: AccordAggregate,
        claim_bootstrap: bool = False,
        forgetting: Forgetting | None = None,
        **extra: Any,
    ) -> Written:
        """Save every changed record in one transaction, with their index rows (and, when
        forgetting someone, the destruction of their key)."""
        attempt = _ATTEMPT.get()
        if attempt is not None and (changed := attempt.changed()):
            names = ", ".join(f"{KINDS[type(r)]} {r.id}" for r in changed)
            raise RuntimeError(f"a command changed what it read only to check: {names}")
        aggregates = [main, *others]
        rows = [self.index_row(a) for a in aggregates]
        token = idempotency.to_store()
        recordings = self.save(
            *aggregates,
            index_rows=[r for r in rows if r is not None],
            claim_bootstrap=claim_bootstrap,
            forget_person=forgetting,
            # Stored in the same transaction as the events, with what they wrote.
            idempotency=token.remembered(str(main.id), main.version, extra) if token else None,
        )
        if token is not None:
            token.stored = True
        return Written(str(main.id), main.version, recordings[-1].notification.id, extra or None)

    @staticmethod
    def index_row(aggregate: AccordAggregate) -> IndexRow | None:
        kind = KINDS.get(type(aggregate))
        if kind is None:
            return None  # not a listed record (a chain adoption)
        if isinstance(aggregate, Person):
            return None  # People are not listed: their names are personal data.
        if isinstance(aggregate, Organisation):
            return IndexRow(str(aggregate.id), kind, None, aggregate.name, "active")
        if isinstance(aggregate, Group):
            return IndexRow(
                str(aggregate.id),
                kind,
                aggregate.parent_group_id,
                aggregate.name,
                aggregate.status,
                tuple(sorted(aggregate.members.items())),
            )
        title = getattr(aggregate, "title", None) or getattr(aggregate, "about", None)
        if isinstance(aggregate, Principle):
            title = aggregate.statement[:200]
        return IndexRow(str(aggregate.id), kind, aggregate.group_id, title, aggregate.status)  # type: ignore[attr-defined]
