"""The projector: follows the notification log and applies each page of events exactly once."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import replace
from typing import Any

from application.personal import PersonalDataMapper
from application.ports import Batch, FactRow, ReadModelStore, TimelineRow
from application.projections.describe import Described, describe, iso, report_fields
from application.projections.facts import (
    END_OF_TIME,
    Assertion,
    apply_patch,
    assertions,
    classify,
    effective_of,
)

log = logging.getLogger("accord.projector")


class Projector:
    """Pull-based: reads pages of events after the tracking position, on every store.

    Each page and the new tracking position are written in one transaction, guarded by
    a compare-and-set on the position, so an event is applied once even when several
    projectors run or one dies mid-page.
    """

    def __init__(self, ledger: Any, page_size: int = 2000) -> None:
        self.ledger = ledger
        self.page_size = page_size
        store = ledger.recorder
        if not isinstance(store, ReadModelStore):
            raise TypeError("the ledger's recorder keeps no read models")
        self.store: ReadModelStore = store
        self._listener: Any = None

    def position(self) -> int:
        return self.store.tracking_position()

    def lag(self) -> int:
        """Events recorded but not yet in the read models."""
        head = self.ledger.recorder.max_notification_id() or 0
        return max(0, head - self.position())

    def catch_up(self, stopping: threading.Event | None = None) -> int:
        """Apply every event recorded so far (by this or another projector); returns how
        many this one applied. Once `stopping` is set it ends after the current page."""
        applied = 0
        while stopping is None or not stopping.is_set():
            count = self.run_once()
            if count == 0:
                # After a reset: the query indexes, built once over the whole log.
                self.store.index_read_models()
                return applied
            if count > 0:
                applied += count
            # count < 0: another projector applied that page; go on from its position.
        return applied

    def rebuild(self) -> int:
        """Empty every read model and apply the whole ledger again from position zero."""
        self.store.reset_read_models()
        return self.catch_up()

    def run_once(self) -> int:
        """Apply the next page: its size, 0 if there is none, -1 if another projector did."""
        after = self.store.tracking_position()
        notifications = self.ledger.recorder.select_notifications(
            after + 1, self.page_size, inclusive_of_start=True
        )
        if not notifications:
            return 0
        # The library's decoding, without opening sealed personal fields: describe() leaves
        # them out, so no person's key is read for the read models.
        mapper = self.ledger.mapper
        decode = (
            super(PersonalDataMapper, mapper).to_domain_event
            if isinstance(mapper, PersonalDataMapper)
            else mapper.to_domain_event
        )
        described = [describe(n.id, decode(n)) for n in notifications]
        batch = self._batch(after, notifications[-1].id, described)
        if not self.store.apply_batch(batch):
            log.info("positions %s-%s were applied by another projector", after + 1, batch.last)
            return -1
        return len(notifications)

    def _batch(self, after: int, last: int, described: list[Described]) -> Batch:
        groups = self.store.load_record_groups(sorted({d.record_id for d in described}))
        new_groups: list[tuple[str, str, str | None]] = []
        for d in described:
            if d.record_id not in groups:
                group_id = d.record_id if d.kind == "group" else d.data.get("group_id")
                groups[d.record_id] = group_id
                new_groups.append((d.record_id, d.kind, group_id))

        pending = [(d, assertions(d, groups.get)) for d in described]
        keys = sorted({a.key for _, found in pending for a in found})
        facts, closed, sources = self._facts(pending, keys)

        known = self.store.last_known_at() or ""
        timeline = []
        for d in described:
            recorded_at = iso(d.recorded_at)
            known = max(known, recorded_at)
            subject, detail, body = report_fields(d)
            timeline.append(
                TimelineRow(
                    position=d.position,
                    record_id=d.record_id,
                    kind=d.kind,
                    group_id=groups.get(d.record_id),
                    type=d.type,
                    version=d.version,
                    recorded_at=recorded_at,
                    actor=d.actor,
                    effective_at=iso(d.effective_at),
                    data=json.dumps(d.data, sort_keys=True),
                    people=tuple(d.people),
                    organisations=tuple(d.organisations),
                    known_at=known,
                    subject=subject,
                    detail=detail,
                    body=body,
                    principles=tuple(d.principles),
                )
            )
        return Batch(
            after=after,
            last=last,
            timeline=timeline,
            record_groups=new_groups,
            facts=facts,
            closed=closed,
            sources=sources,
        )

    def _facts(
        self, pending: list[tuple[Described, list[Assertion]]], keys: list[str]
    ) -> tuple[list[FactRow], list[tuple[str, str, int]], dict[str, tuple[str | None, str]]]:
        """The page's changes to the facts, as new and closed valid-time intervals.

        A change effective at t leaves the intervals ending by t as they are, cuts the one
        holding at t short, drops those starting after it and opens [t, end of time) with
        the new state: exactly `intervals()` of the history with the change appended, so
        only the intervals that differ are closed and written (see facts.py).
        """
        sources: dict[str, tuple[str | None, Any]] = {
            key: (group_id, json.loads(last))
            for key, (group_id, last) in self.store.load_sources(keys).items()
        }
        # Per fact, its open intervals by start: (row, its index in `new`, or -1 for a row
        # recorded before this page).
        open_rows: dict[str, dict[str, tuple[FactRow, int]]] = {}
        for row in self.store.load_open_facts(keys):
            open_rows.setdefault(row.key, {})[row.effective_from] = (row, -1)
        new: list[FactRow] = []
        closed: list[tuple[str, str, int]] = []
        for d, found in pending:
            for a in found:
                group_id, last = sources.get(a.key, (a.group_id, None))
                state = apply_patch(last, a.patch)
                sources[a.key] = (group_id, state)
                t, position = effective_of(d), d.position
                rows = open_rows.setdefault(a.key, {})
                for start, (row, index) in sorted(rows.items()):
                    if row.effective_to <= t:
                        continue
                    del rows[start]
                    if index < 0:
                        closed.append((a.key, start, position))
                    else:
                        new[index] = replace(row, recorded_to=position)
                    if start < t:
                        cut = replace(row, effective_to=t, recorded_from=position, recorded_to=None)
                        rows[start] = (cut, len(new))
                        new.append(cut)
                if state is not None and t < END_OF_TIME:
                    kind, live, holder, review = classify(a.key, state)
                    text = json.dumps(state, sort_keys=True)
                    row = FactRow(
                        *(a.key, group_id, text, t, END_OF_TIME, position, None),
                        *(kind, live, holder, review),
                    )
                    rows[t] = (row, len(new))
                    new.append(row)
        return new, closed, {k: (g, json.dumps(s)) for k, (g, s) in sources.items()}

    def wait_for_writes(self, timeout: float) -> None:
        """Block until something is written (or `timeout` passes).

        On PostgreSQL this listens for the NOTIFY each insert sends, so a projector in
        another process wakes at once; elsewhere it waits for this process's own writes
        and otherwise polls every `timeout` seconds.
        """
        if self._listener is None and hasattr(self.ledger.recorder, "write_listener"):
            self._listener = self.ledger.recorder.write_listener()
        if self._listener is not None:
            try:
                self._listener.wait(timeout)
            except Exception:
                # Its connection is gone (e.g. the database restarted): listen afresh next time.
                self.close()
                raise
        else:
            self.ledger.writes.wait(timeout)
        self.ledger.writes.clear()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.close()
            except Exception:
                log.warning("could not close the write listener; its connection is discarded")

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until the read models include `position`; False if they do not in time."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True


class ProjectorThread:
    """Runs a projector in the background: woken by writes, resuming after failures."""

    def __init__(self, projector: Projector, poll_seconds: float = 0.5) -> None:
        self.projector = projector
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="accord-projector", daemon=True)
        self.failures = 0
        self.last_error: str | None = None

    def start(self) -> ProjectorThread:
        self.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        self.projector.ledger.writes.set()
        self.thread.join(timeout)
        self.projector.close()

    def run(self) -> None:
        in_a_row = 0
        while not self.stopping.is_set():
            try:
                self.projector.catch_up(self.stopping)
                self.last_error = None
                in_a_row = 0
                self.projector.wait_for_writes(self.poll_seconds)
            except Exception as error:
                # Fail loudly, then resume from the last committed position; back off
                # longer only while the failures follow one another.
                self.failures += 1
                in_a_row += 1
                self.last_error = f"{type(error).__name__}: {error}"
                log.exception("projector failed; resuming from its last position")
                self.stopping.wait(min(30.0, 0.5 * 2 ** min(in_a_row, 6)))
