"""Tamper evidence: a hash chain over the stored events, and signed checkpoints of its head.

Every stored event has a link, written in the same transaction as the event:

    link(p) = SHA-256(link of the previous position || record(p))

where the first event's previous link is 32 zero bytes and record(p) is a fixed header
of big-endian integers (position, version, and the lengths of the next three fields)
followed by the originator id (its 32 lowercase hex digits in ASCII, as SQLite stores
it), the topic (UTF-8) and the state bytes exactly as stored (so possibly compressed or
encrypted). Altering, removing, moving or inserting an event, or editing a link, breaks
the chain at that position. Recomputing the whole chain, or cutting its tail, is found
only by comparing it with a signed checkpoint kept outside the database (checkpoints.py).
"""

from __future__ import annotations

import hashlib
import struct
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.checkpoints import ChainError, Checkpoint
from application.core import LedgerCore
from application.ports import ChainStore, Row
from application.ports_console import IntegrityLogStore, IntegrityRun
from application.projections.describe import describe, iso
from domain.chain import ChainAdoption, NothingToAdopt

GENESIS = bytes(32)
_sha256 = hashlib.sha256
# position, originator version, then the lengths of the id, the topic and the state.
_HEADER = struct.Struct(">qqIIQ")


class NothingToCheckpoint(ChainError):
    """The ledger holds no linked event yet."""


class CheckpointOfAnotherLedger(ChainError):
    """The checkpoint was made of another ledger: it says nothing about this one."""


def next_link(
    previous: bytes, position: int, originator_id: bytes, version: int, topic: bytes, state: bytes
) -> bytes:
    """The link of the event at `position`, following the link `previous`.

    It hashes `previous`, then record(p): a header of the position, the version and the
    three lengths, then the id, the topic and the state (fed piece by piece, which is
    faster than joining them).
    """
    digest = _sha256(previous)
    digest.update(_HEADER.pack(position, version, len(originator_id), len(topic), len(state)))
    digest.update(originator_id)
    digest.update(topic)
    digest.update(state)
    return digest.digest()


def id_bytes(originator_id: UUID | str) -> bytes:
    """An originator id as the chain covers it: its 32 lowercase hex digits."""
    return (originator_id if isinstance(originator_id, UUID) else UUID(originator_id)).hex.encode()


def chain_links(previous: bytes, events: Iterable[tuple[int, Any]]) -> list[tuple[int, bytes]]:
    """(position, link) for stored events (anything with the StoredEvent fields), in order."""
    links = []
    for position, stored in events:
        previous = next_link(
            previous,
            position,
            id_bytes(stored.originator_id),
            stored.originator_version,
            stored.topic.encode(),
            stored.state,
        )
        links.append((position, previous))
    return links


def walk(previous: bytes, rows: Sequence[Row]) -> tuple[bytes, int]:
    """Follow the chain through `rows`: the last sound link, and how many rows were sound."""
    for i, (position, originator_id, version, topic, state, link) in enumerate(rows):
        if (
            originator_id is None
            or link is None
            or next_link(previous, position, originator_id, version, topic, state) != link
        ):
            return previous, i
        previous = link
    return previous, len(rows)


@dataclass(frozen=True)
class Break:
    """Where the chain stops holding, and the likeliest reasons."""

    position: int
    reason: str


@dataclass(frozen=True)
class Adoption:
    """What `adopt_unlinked` recorded and linked."""

    # The positions after the chain's head that were adopted, and the adoption's record.
    first_position: int
    last_position: int
    position: int
    linked: int
    # Events stored while it ran, left unlinked (the record names only what it saw).
    left: bool


@dataclass(frozen=True)
class Verification:
    """What `verify_chain` found."""

    events: int
    # The last position whose event and link were sound, and its link.
    position: int
    link: bytes
    seconds: float
    broken: Break | None
    checkpoint: Checkpoint | None = None
    # The identity of the ledger verified (None for one chained before identities existed).
    ledger: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


class IntegrityQueries:
    """The chain's head, the ledger's identity, verifying, and adopting unlinked events."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @property
    def chain(self) -> ChainStore:
        recorder = self.core.recorder
        if not isinstance(recorder, ChainStore):
            raise TypeError("the ledger needs one of Accord's recorders (see interfaces.bootstrap)")
        return recorder

    def unlinked(self) -> tuple[int, int] | None:
        """The first position after the chain's head and the ledger's last, if any event
        lies after the head (no writer links them: see adopt_unlinked)."""
        head = self.chain.chain_head()
        first, last = (head[0] if head else 0) + 1, self.core.head_position()
        return (first, last) if last >= first else None

    def adopt_unlinked(self, reason: str) -> Adoption:
        """Take the events after the chain's head into the chain, on an operator's word.

        Events stored before the chain existed (or added outside Accord) are never linked
        implicitly. This records who (the actor) adopted which positions and why, as an
        event, then links those positions and that record, in order, in batches.
        """
        span = self.unlinked()
        if span is None:
            raise NothingToAdopt("every event is linked already: there is nothing to adopt")
        written = self.core.write(ChainAdoption.adopt(span[0], span[1], reason))
        recorder = self.core.recorder
        stored_meanwhile = written.position - 1 > span[1] and bool(
            recorder.select_notifications(span[1] + 1, 1, stop=written.position - 1)
        )
        # Only what the record names, and the record itself if nothing came between.
        stop = span[1] if stored_meanwhile else written.position
        linked = self.chain.chain_unchained(stop=stop)
        return Adoption(span[0], span[1], written.position, linked, stored_meanwhile)

    def chain_head(self) -> tuple[int, bytes] | None:
        """The position and link of the last linked event (None while nothing is linked)."""
        return self.chain.chain_head()

    def ledger_id(self) -> str | None:
        """The ledger's identity, made with its chain's first link (None before that)."""
        return self.chain.ledger_id()

    def claim_ledger_id(self) -> str | None:
        """Run at start-up: a ledger chained before identities existed gets one, once."""
        return self.chain.claim_ledger_id()

    def ledger_head(self) -> dict[str, Any]:
        """The chain's head for external witnesses: position, link (hex), recorded time, and
        the ledger's identity (None until the chain's first link)."""
        head = self.chain.chain_head()
        position, link = head if head is not None else (0, GENESIS)
        return {
            "position": position,
            "link": link.hex(),
            "recorded_at": self._recorded_at(head),
            "ledger": self.ledger_id(),
        }

    def checkpoint(self, now: datetime | None = None) -> Checkpoint:
        """The chain's head now, ready to be signed."""
        head = self.chain.chain_head()
        if head is None:
            raise NothingToCheckpoint("the ledger holds no linked event yet: nothing to sign")
        return Checkpoint(
            head[0],
            head[1],
            self._recorded_at(head),
            iso(now or datetime.now(UTC)),
            ledger=self.chain.ledger_id(),
        )

    def _recorded_at(self, head: tuple[int, bytes] | None) -> str | None:
        if head is None:
            return None
        found = self.core.recorder.select_notifications(head[0], 1, stop=head[0])
        return (
            iso(describe(head[0], self.core.mapper.to_domain_event(found[0])).recorded_at)
            if found
            else None
        )

    @property
    def log(self) -> IntegrityLogStore:
        recorder = self.core.recorder
        if not isinstance(recorder, IntegrityLogStore):
            raise TypeError("the ledger needs one of Accord's recorders (see interfaces.bootstrap)")
        return recorder

    def record_verification(self, result: Verification, now: datetime | None = None) -> None:
        """Keep a verification's result, for the console's integrity page."""
        broken = result.broken
        self.log.insert_integrity_run(
            IntegrityRun(
                kind="verification",
                at=iso(now or datetime.now(UTC)),
                position=result.position,
                link=result.link.hex(),
                events=result.events,
                intact=broken is None,
                detail=f"position {broken.position}: {broken.reason}" if broken else None,
            )
        )

    def record_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Keep that a checkpoint of the head was signed (the signed file is kept elsewhere)."""
        self.log.insert_integrity_run(
            IntegrityRun(
                kind="checkpoint",
                at=checkpoint.signed_at,
                position=checkpoint.position,
                link=checkpoint.link.hex(),
            )
        )

    def last_run(self, kind: str) -> IntegrityRun | None:
        """The last verification ("verification") or signed checkpoint ("checkpoint")."""
        return self.log.last_integrity_run(kind)

    def verify_chain(
        self,
        checkpoint: Checkpoint | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Verification:
        """Recompute the chain from the stored events; the first position where it breaks.

        With a checkpoint, also check that the chain still reaches its position with the
        same link (a recomputed chain or a cut tail breaks there); a checkpoint that names
        another ledger is refused (CheckpointOfAnotherLedger). One that names none (made
        before ledgers had identities) is checked against whichever ledger this is.
        """
        started = time.perf_counter()
        store = self.chain
        ledger = store.ledger_id()
        if checkpoint is not None and checkpoint.ledger not in (None, ledger):
            this = f"this is ledger {ledger}" if ledger else "this ledger has no identity yet"
            raise CheckpointOfAnotherLedger(
                f"this checkpoint belongs to ledger {checkpoint.ledger}, {this}"
            )
        chained = store.chain_head()
        previous, count, last, broken = GENESIS, 0, 0, None
        seen_checkpoint = False
        with closing(store.scan_chain()) as pages:
            for page in pages:
                previous, sound = walk(previous, page)
                count += sound
                if sound:
                    last = page[sound - 1][0]
                if progress is not None:
                    progress(sound)
                if checkpoint is not None and not seen_checkpoint and last >= checkpoint.position:
                    seen_checkpoint = True
                    broken = _against_checkpoint(page[:sound], checkpoint)
                if broken is None and sound < len(page):
                    broken = _break(page[sound], chained)
                if broken is not None:
                    break
        if broken is None and checkpoint is not None and not seen_checkpoint:
            broken = Break(
                checkpoint.position,
                f"the ledger ends at position {last}, before the checkpoint's position "
                f"{checkpoint.position}: events were cut from its end",
            )
        seconds = time.perf_counter() - started
        return Verification(count, last, previous, seconds, broken, checkpoint, ledger)


def _break(row: Row, chained: tuple[int, bytes] | None) -> Break:
    position, originator_id, link = row[0], row[1], row[5]
    if originator_id is None:
        return Break(position, "a link without its event: the event was removed")
    if link is None:
        if chained is None or position > chained[0]:
            return Break(
                position,
                "no event from here on has a link: they were added outside Accord, or "
                "recorded before the chain existed and not adopted yet (`accord chain adopt`, "
                "after review)",
            )
        return Break(position, "an event without a link: added outside Accord, or its link removed")
    return Break(
        position,
        "the event does not match its link: the event was altered, moved or inserted "
        "here, an event before it was removed with its link, or the link was edited",
    )


def _against_checkpoint(rows: Sequence[Row], checkpoint: Checkpoint) -> Break | None:
    """Compare the sound rows that reach the checkpoint's position with its signed link."""
    i = bisect_left(rows, checkpoint.position, key=lambda row: row[0])
    if i == len(rows) or rows[i][0] != checkpoint.position:
        return Break(
            checkpoint.position,
            "the checkpoint's position has no event any more, yet the chain around it "
            "holds: the chain was recomputed after events were removed",
        )
    if rows[i][5] != checkpoint.link:
        return Break(
            checkpoint.position,
            "the link here differs from the signed checkpoint, yet the chain holds: "
            "the chain was recomputed after events at or before this position were changed",
        )
    return None
