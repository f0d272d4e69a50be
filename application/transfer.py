"""Export the whole ledger as JSON Lines, and import such an export into an empty store.

An export carries the person keys that still exist, so that names stay readable after a
move: it is as sensitive as the database itself. A forgotten person's key is not in it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import CanMutateProtocol
from eventsourcing.persistence import StoredEvent

from application.core import LedgerCore
from application.personal import new_key
from application.ports import ChainStore, ImportedEvent, Importer, IndexRow, PersonKey
from application.privacy import PERSON_TOPICS, PrivacyCommands
from application.projections.describe import describe, iso
from domain.base import AccordAggregate, AccordError
from domain.person import Person

FORMAT = "accord-ledger-export"
# 2: person keys follow the header; version 1 files (no keys, plain names) still import.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
PAGE = 1000
FORGOTTEN = Person.Forgotten.TOPIC
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ImportRefused(AccordError):
    """The file cannot be imported here (the store is not empty, or the file is not an export)."""


class TransferCommands:
    """Export the whole ledger as JSON Lines; import an export into an empty store."""

    def __init__(self, core: LedgerCore, privacy: PrivacyCommands) -> None:
        self.core = core
        self.privacy = privacy

    def export_lines(self) -> Iterator[dict[str, Any]]:
        """A header, the person keys, then every stored event with its position, stored
        bytes and metadata."""
        head = self.core.head_position()
        yield {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "head_position": head,
            "exported_at": iso(datetime.now(UTC)),
        }
        for key in self.privacy.person_keys.person_keys():
            yield {
                "person_key": key.person_id,
                "key": base64.b64encode(key.key).decode(),
                "created_at": key.created_at,
            }
        after = 0
        while after < head:
            page = self.core.recorder.select_notifications(after + 1, PAGE, stop=head)
            if not page:
                break
            for n in page:
                d = describe(n.id, self.core.mapper.to_domain_event(n))
                yield {
                    "position": n.id,
                    "originator_id": str(n.originator_id),
                    "originator_version": n.originator_version,
                    "topic": n.topic,
                    # The stored bytes exactly (they may be compressed or encrypted).
                    "state": base64.b64encode(n.state).decode(),
                    "type": d.type,
                    "recorded_at": iso(d.recorded_at),
                    "recorded_by": d.actor,
                    "effective_at": iso(d.effective_at),
                }
            after = page[-1].id

    def import_lines(
        self, lines: Iterable[dict[str, Any]], progress: Callable[[int], None] | None = None
    ) -> int:
        """Load an export into this empty store, keeping every position; returns the count.

        One transaction: the events, their chain links, the person keys and the record
        index are stored together, or (a malformed line, a refusal) nothing is.
        """
        recorder = self.core.recorder
        if not isinstance(recorder, Importer):
            raise ImportRefused("this store cannot import")
        if self.core.head_position() != 0:
            raise ImportRefused("the store already holds events: import only into an empty one")
        iterator = iter(lines)
        header = next(iterator, None)
        if (
            not header
            or header.get("format") != FORMAT
            or header.get("version") not in READABLE_VERSIONS
        ):
            raise ImportRefused("the file does not start with an Accord export header")
        loading = _Loading(self.privacy, progress)
        recorder.import_events(loading.events(iterator), loading.person_keys, loading.index_rows)
        if isinstance(recorder, ChainStore):
            recorder.claim_ledger_id()  # a new ledger, with a chain: its own identity
        return loading.count


class _Loading:
    """One import's pass over the file: the events as they stream to the store, and what
    they imply (the person keys, each record's replayed state for its index row)."""

    def __init__(self, privacy: PrivacyCommands, progress: Callable[[int], None] | None) -> None:
        self.mapper = privacy.sealing_mapper
        self.progress = progress
        self.count = 0
        self.keys: dict[str, PersonKey] = {}
        # Keys made here for personal data stored plain (version 1 files), and the people
        # whose Forgotten event was seen: a forgotten person's new key is not kept.
        self.made: set[str] = set()
        self.forgotten: set[str] = set()
        self.records: dict[UUID, AccordAggregate] = {}
        self.spans: dict[UUID, list[int]] = {}
        self.mutators: set[type] = set()

    def events(self, lines: Iterator[dict[str, Any]]) -> Iterator[ImportedEvent]:
        last = 0
        for line in lines:
            if not isinstance(line, dict):
                raise ImportRefused(f"a line after position {last} is not a JSON object")
            if "person_key" in line:
                key = _person_key(line)
                self.keys[key.person_id] = key
                continue
            event = _event(line, last)
            last = event.position
            uuid = UUID(event.originator_id)
            if event.topic in PERSON_TOPICS:
                event = self._sealed(event, uuid)
            else:
                self._replay(event, uuid)
            self.count += 1
            if self.progress and not self.count % PAGE:
                self.progress(self.count)
            yield event
        if self.progress and self.count % PAGE:
            self.progress(self.count)

    def _sealed(self, event: ImportedEvent, uuid: UUID) -> ImportedEvent:
        """A Person event, its plain personal fields (version 1 files) sealed."""
        stored = StoredEvent(uuid, event.originator_version, event.topic, event.state)
        try:
            plain = self.mapper.plain_personal_fields(stored)
        except Exception as error:
            raise _undecodable(event, error) from error
        if event.topic == FORGOTTEN:
            self.forgotten.add(event.originator_id)
        if not plain:
            return event
        key = self.keys.get(event.originator_id)
        if key is None:
            key = self.keys[event.originator_id] = new_key(event.originator_id)
            self.made.add(event.originator_id)
        return replace(event, state=self.mapper.seal_stored_state(stored, key.key) or event.state)

    def _replay(self, event: ImportedEvent, uuid: UUID) -> None:
        """Apply the event to its record, as loading the record would (for its index row)."""
        stored = StoredEvent(uuid, event.originator_version, event.topic, event.state)
        try:
            domain_event = self.mapper.to_domain_event(stored)
            record = self._mutator(domain_event).mutate(self.records.get(uuid))
        except Exception as error:
            raise _undecodable(event, error) from error
        if not isinstance(record, AccordAggregate):
            raise _undecodable(event, TypeError(f"{type(record).__name__} is not a record"))
        self.records[uuid] = record
        span = self.spans.get(uuid)
        if span is None:
            self.spans[uuid] = [event.position, event.position]
        else:
            span[1] = event.position

    def _mutator(self, event: Any) -> CanMutateProtocol[AccordAggregate]:
        """The event, once its class is known to mutate records: the repository's check
        (a runtime protocol, slow) made once per event class, not once per event."""
        if type(event) not in self.mutators:
            if not isinstance(event, CanMutateProtocol):
                raise TypeError(f"{type(event).__name__} does not change a record")
            self.mutators.add(type(event))
        return cast(CanMutateProtocol[AccordAggregate], event)

    def person_keys(self) -> list[PersonKey]:
        dropped = self.made & self.forgotten
        return [k for person_id, k in self.keys.items() if person_id not in dropped]

    def index_rows(self) -> list[tuple[IndexRow, int, int, int]]:
        rows = []
        for uuid, record in self.records.items():
            row = LedgerCore.index_row(record)
            if row is not None:
                first, last = self.spans[uuid]
                rows.append((row, record.version, first, last))
        return rows


def _person_key(line: dict[str, Any]) -> PersonKey:
    try:
        key = PersonKey(
            person_id=str(UUID(str(line["person_key"]))),
            key=base64.b64decode(line["key"], validate=True),
            created_at=str(line["created_at"]),
        )
        if len(key.key) != 32:
            raise ValueError("a person key is 32 bytes")
        return key
    except (KeyError, TypeError, ValueError) as error:
        raise ImportRefused(f"a person key line is malformed: {error}") from None


def _event(line: dict[str, Any], last: int) -> ImportedEvent:
    try:
        event = ImportedEvent(
            position=int(line["position"]),
            originator_id=_uuid_text(line["originator_id"]),
            originator_version=int(line["originator_version"]),
            topic=str(line["topic"]),
            # Strict: only the base64 alphabet, padded (binascii.Error is a ValueError).
            state=binascii.a2b_base64(line["state"], strict_mode=True),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ImportRefused(
            f"a line after position {last} is not an exported event: {error}"
        ) from None
    if event.position <= last:
        raise ImportRefused(f"positions must increase: {event.position} follows {last}")
    return event


def _uuid_text(value: Any) -> str:
    """A UUID in its canonical text (as exported: no parsing needed), or else parsed."""
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value
    return str(UUID(str(value)))


def _undecodable(event: ImportedEvent, error: Exception) -> ImportRefused:
    return ImportRefused(
        f"the event at position {event.position} (version {event.originator_version} of "
        f"{event.originator_id}) does not load: {type(error).__name__}: {error}"
    )
