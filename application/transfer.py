"""Export the whole ledger as JSON Lines, and import such an export into an empty store.

An export carries the person keys that still exist, so that names stay readable after a
move: it is as sensitive as the database itself. A forgotten person's key is not in it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.personal import new_key
from application.ports import ImportedEvent, Importer, IndexRow, PersonKey
from application.privacy import PERSON_TOPICS, PrivacyCommands
from application.projections.describe import describe, iso
from domain.base import AccordAggregate, AccordError

FORMAT = "accord-ledger-export"
# 2: person keys follow the header; version 1 files (no keys, plain names) still import.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
PAGE = 1000


class ImportRefused(AccordError):
    """The file cannot be imported here (the store is not empty, or the file is not an export)."""


class TransferCommands(PrivacyCommands):
    def export_lines(self) -> Iterator[dict[str, Any]]:
        """A header, the person keys, then every stored event with its position, stored
        bytes and metadata."""
        head = self.head_position()
        yield {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "head_position": head,
            "exported_at": iso(datetime.now(UTC)),
        }
        for key in self.person_keys.person_keys():
            yield {
                "person_key": key.person_id,
                "key": base64.b64encode(key.key).decode(),
                "created_at": key.created_at,
            }
        after = 0
        while after < head:
            page = self.recorder.select_notifications(after + 1, PAGE, stop=head)
            if not page:
                break
            for n in page:
                d = describe(n.id, self.mapper.to_domain_event(n))
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
        """Load an export into this empty store, keeping every position; returns the count."""
        recorder = self.recorder
        if not isinstance(recorder, Importer):
            raise ImportRefused("this store cannot import")
        if self.head_position() != 0:
            raise ImportRefused("the store already holds events: import only into an empty one")
        iterator = iter(lines)
        header = next(iterator, None)
        if (
            not header
            or header.get("format") != FORMAT
            or header.get("version") not in READABLE_VERSIONS
        ):
            raise ImportRefused("the file does not start with an Accord export header")
        spans: dict[str, list[int]] = {}
        batch: list[ImportedEvent] = []
        keys: list[PersonKey] = []
        count = 0
        last = 0
        for line in iterator:
            if "person_key" in line:
                keys.append(_person_key(line))
                if len(keys) >= PAGE:
                    self.person_keys.import_person_keys(keys)
                    keys = []
                continue
            if keys:
                # The keys come first: written before any event that needs one.
                self.person_keys.import_person_keys(keys)
                keys = []
            event = self._sealed(_event(line, last))
            last = event.position
            span = spans.setdefault(event.originator_id, [event.position, event.position])
            span[1] = event.position
            batch.append(event)
            if len(batch) >= PAGE:
                recorder.import_events(batch)
                count += len(batch)
                batch = []
                if progress:
                    progress(count)
        if batch:
            recorder.import_events(batch)
            count += len(batch)
            if progress:
                progress(count)
        if keys:
            self.person_keys.import_person_keys(keys)
        self._reindex(recorder, spans)
        return count

    def _sealed(self, event: ImportedEvent) -> ImportedEvent:
        """An event of a version 1 export, its plain personal fields sealed before storing."""
        if event.topic not in PERSON_TOPICS:
            return event
        stored = StoredEvent(
            UUID(event.originator_id), event.originator_version, event.topic, event.state
        )
        if not self.sealing_mapper.plain_personal_fields(stored):
            return event
        keys = self.person_keys
        key = keys.person_key(event.originator_id) or keys.add_person_key(
            new_key(event.originator_id)
        )
        return replace(
            event, state=self.sealing_mapper.seal_stored_state(stored, key) or event.state
        )

    def _reindex(self, recorder: Importer, spans: dict[str, list[int]]) -> None:
        rows: list[tuple[IndexRow, int, int, int]] = []
        for record_id, (first, last) in spans.items():
            aggregate: AccordAggregate = self.repository.get(UUID(record_id))
            row = self._index_row(aggregate)
            if row is not None:
                rows.append((row, aggregate.version, first, last))
            if len(rows) >= PAGE:
                recorder.upsert_index(rows)
                rows = []
        if rows:
            recorder.upsert_index(rows)


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
            originator_id=str(UUID(str(line["originator_id"]))),
            originator_version=int(line["originator_version"]),
            topic=str(line["topic"]),
            state=base64.b64decode(line["state"], validate=True),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ImportRefused(
            f"a line after position {last} is not an exported event: {error}"
        ) from None
    if event.position <= last:
        raise ImportRefused(f"positions must increase: {event.position} follows {last}")
    return event
