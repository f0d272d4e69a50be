"""What the ledger needs from its store beyond events: the record index and API keys."""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import StoredEvent


@dataclass(frozen=True)
class IndexRow:
    """One record's row in the list index, written in the same transaction as its events."""

    record_id: str
    kind: str
    group_id: str | None
    title: str | None
    status: str
    # A group's members and their roles, (person id, role); None for other records.
    members: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class ApiKeyRow:
    key_id: str
    person_id: str
    role: str
    label: str | None
    created_at: str
    revoked_at: str | None


@runtime_checkable
class LedgerStore(Protocol):
    """Extra capabilities of Accord's recorders (SQLite, PostgreSQL, in memory)."""

    def select_records(
        self,
        kind: str,
        group_id: str | None,
        status: str | None,
        after: int,
        limit: int,
        only: Collection[str] | None = None,
    ) -> list[dict[str, Any]]: ...

    def find_records(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        """The index rows of these records (unknown ids are left out)."""
        ...

    def select_members(
        self, person_id: str | None = None, group_ids: Collection[str] | None = None
    ) -> list[tuple[str, str, str]]:
        """(group id, person id, role) of current memberships: one person's, or some groups'."""
        ...

    def insert_api_key(self, row: ApiKeyRow, secret_hash: str) -> None: ...

    def find_api_key(self, key_id: str) -> tuple[ApiKeyRow, str] | None: ...

    def select_events_after(self, versions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """Each record's stored events after the version given for it, in one read: in
        version order for each record."""
        ...

    def find_caller(self, key_id: str) -> tuple[ApiKeyRow, str, list[tuple[str, str]]] | None:
        """A key, its digest and its person's memberships as (group id, role), in one read."""
        ...

    def count_api_keys(self) -> int: ...

    def revoke_api_key(self, key_id: str, revoked_at: str) -> bool: ...

    def rotate_api_key(
        self, old_key_id: str, new_row: ApiKeyRow, new_hash: str, revoked_at: str
    ) -> bool:
        """Revoke an active key and add its successor in one transaction; False if not active."""
        ...

    def list_api_keys(self) -> list[ApiKeyRow]: ...

    def upsert_index(self, rows: list[tuple[IndexRow, int, int, int]]) -> None:
        """Write index rows (record, version, first and last position) outside a command."""
        ...

    def ping(self) -> None: ...


@dataclass(frozen=True)
class TimelineRow:
    """One event in the timeline read model."""

    position: int
    record_id: str
    kind: str
    group_id: str | None
    type: str
    version: int
    recorded_at: str
    actor: str | None
    effective_at: str
    data: str
    people: tuple[str, ...]
    organisations: tuple[str, ...]
    # The running maximum of recorded times up to this position (see position_at).
    known_at: str
    # What the accountability report reads of some events, so that it need not read their
    # data (see projections.describe.report_fields), and the principles an event cites.
    subject: str | None = None
    detail: str | None = None
    body: str | None = None
    principles: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactRow:
    """One valid-time interval of a fact, as recorded from one position on."""

    key: str
    group_id: str | None
    state: str
    effective_from: str
    effective_to: str
    # The positions from which (and, if no longer, until which) the ledger said so.
    recorded_from: int = 0
    recorded_to: int | None = None
    # What the fact is about ("group", "member", "decision", "accountability", ...), whether
    # its state is one a group's state shows (e.g. an agreed decision, an open conflict),
    # and for an accountability its holder as "kind:id": for queries to filter on.
    kind: str = ""
    live: bool = True
    holder: str | None = None
    # A decision's review date, for the report's decisions past their review date.
    review_date: str | None = None


@dataclass
class Batch:
    """Everything one page of events changes in the read models, applied in one transaction."""

    after: int
    last: int
    timeline: list[TimelineRow]
    record_groups: list[tuple[str, str, str | None]]
    # New valid-time intervals, in event order (some already closed within the page).
    facts: list[FactRow]
    # Intervals recorded before the page that it ends: (fact key, effective_from, position).
    closed: list[tuple[str, str, int]]
    # Per fact touched: its group and its latest state (JSON, "null" once ended).
    sources: dict[str, tuple[str | None, str]]


@runtime_checkable
class ReadModelStore(Protocol):
    """Read-model tables beside the events, with their tracking position."""

    def tracking_position(self) -> int: ...

    def last_known_at(self) -> str | None: ...

    def prepare_read_models(self) -> bool: ...

    def load_sources(self, keys: list[str]) -> dict[str, tuple[str | None, str]]: ...

    def load_open_facts(self, keys: list[str]) -> list[FactRow]: ...

    def load_record_groups(self, record_ids: list[str]) -> dict[str, str | None]: ...

    def apply_batch(self, batch: Batch) -> bool: ...

    def reset_read_models(self) -> None:
        """Empty every read model; queries are slow until `index_read_models()`."""
        ...

    def index_read_models(self) -> bool:
        """Build the query indexes a reset by this store dropped; False if there was none."""
        ...

    def select_timeline(
        self,
        after: int,
        limit: int,
        record_id: str | None = None,
        group_id: str | None = None,
        kinds: tuple[str, ...] = (),
        types: tuple[str, ...] = (),
        person: str | None = None,
        organisation: str | None = None,
        recorded_from: str | None = None,
        recorded_to: str | None = None,
        until: int | None = None,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]: ...

    def select_facts(
        self, group_id: str, position: int, effective: str, live_only: bool = False
    ) -> list[dict[str, Any]]: ...

    def select_facts_at(
        self,
        position: int,
        effective: str,
        group_ids: list[str] | None = None,
        key_prefix: str | None = None,
        kind: str | None = None,
        live_only: bool = False,
        with_state: bool = True,
        review_before: str | None = None,
    ) -> list[dict[str, Any]]: ...

    def select_fact_intervals(
        self, position: int, key_prefix: str, keys: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Every valid-time interval of the facts under a prefix (of `keys` only, if given)."""
        ...

    # Aggregates of the timeline's events up to position `until`, of some types, in some
    # groups (None: all), taking effect in [low, high] (None: unbounded), for the report.
    # `subject` and `detail` are TimelineRow's.

    def count_events(
        self,
        until: int,
        types: tuple[str, ...],
        low: str,
        high: str,
        group_ids: list[str] | None = None,
    ) -> dict[str, int]:
        """How many events of each type."""
        ...

    def count_events_by_group(
        self,
        until: int,
        types: tuple[str, ...],
        low: str,
        high: str,
        group_ids: list[str] | None = None,
    ) -> dict[tuple[str, str], int]:
        """How many events of each type in each group, keyed (group id, type)."""
        ...

    def select_reported(
        self,
        until: int,
        types: tuple[str, ...],
        group_ids: list[str] | None = None,
        record_ids: list[str] | None = None,
        low: str | None = None,
        high: str | None = None,
        with_body: bool = False,
    ) -> list[tuple[int, str, str, str, str | None, str | None, str | None]]:
        """(position, record_id, type, effective_at, subject, detail, body) of each event,
        in position order; of some records only, if `record_ids` is given. Without
        `with_body`, each body is None (and the query can be answered from an index)."""
        ...

    def distinct_details(
        self,
        until: int,
        types: tuple[str, ...],
        high: str,
        group_ids: list[str] | None = None,
    ) -> set[str]:
        """The distinct details (never null) of events taking effect by `high`."""
        ...

    def count_citations(
        self,
        until: int,
        types: tuple[str, ...],
        high: str,
        group_ids: list[str] | None = None,
    ) -> dict[str, int]:
        """Per principle, how many of these events taking effect by `high` cite it."""
        ...

    def count_latest(
        self,
        until: int,
        types: tuple[str, ...],
        high: str,
        group_ids: list[str] | None = None,
    ) -> list[tuple[str, str, int]]:
        """(record_id, type, n): per record, of the latest event (by position) among these
        types for each subject, taking effect by `high`, how many are of each type."""
        ...

    def position_at(self, recorded_at: str) -> int: ...


@dataclass(frozen=True)
class ImportedEvent:
    """A stored event as exported: its position and its stored bytes, unchanged."""

    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


@runtime_checkable
@runtime_checkable
class Importer(Protocol):
    """A store that writes an export back, positions unchanged, in one transaction."""

    def import_events(
        self,
        events: Iterable[ImportedEvent],
        person_keys: Callable[[], list[PersonKey]] | None = None,
        index_rows: Callable[[], list[tuple[IndexRow, int, int, int]]] | None = None,
    ) -> None:
        """Store `events` (in increasing positions) into the empty store, then the rows
        the callables return once the events are consumed, all in one transaction."""
        ...


@dataclass(frozen=True)
class Remembered:
    """A request remembered by its Idempotency-Key, stored in the transaction of its events.

    With a position, it names what the request wrote (a replay answers with it); without
    one, the request changed something outside the ledger and is not repeated.
    """

    key_id: str
    idem_key: str
    request_hash: str
    request_id: str
    created_at: str
    record_id: str | None = None
    version: int | None = None
    position: int | None = None
    extra: str | None = None


@runtime_checkable
class IdempotencyStore(Protocol):
    """Remembered requests; a save passes one as `idempotency=` to store it with its events."""

    def find_request(self, key_id: str, idem_key: str) -> Remembered | None: ...

    def claim_request(self, row: Remembered) -> None:
        """Store a request without events, in its own transaction; IntegrityError if taken."""
        ...

    def release_request(self, row: Remembered) -> None:
        """Forget a claim made by `claim_request` (the request failed)."""
        ...

    def forget_requests(self, before: str, own_before: str) -> None:
        """Forget requests remembered before `before` (Accord's own tokens: `own_before`)."""
        ...


@dataclass(frozen=True)
class PersonKey:
    """A person's own key (AES-256), held beside the events and destroyed to forget them."""

    person_id: str
    key: bytes
    created_at: str


@dataclass(frozen=True)
class Forgetting:
    """Saved with a Forgotten event: in its transaction, destroy the person's key and revoke
    their API keys (at `revoked_at`)."""

    person_id: str
    revoked_at: str


@dataclass(frozen=True)
class StateRewrite:
    """A stored event's state, rewritten in place by a sanctioned migration (if still `old`)."""

    originator_id: str
    originator_version: int
    old: bytes
    new: bytes


@runtime_checkable
class PersonKeyStore(Protocol):
    """Per-person keys; a save passes a Forgetting as `forget_person=` to destroy one."""

    def person_key(self, person_id: str) -> bytes | None:
        """The person's key, read from the store every time (another process may forget)."""
        ...

    def add_person_key(self, row: PersonKey) -> bytes:
        """Store the key unless the person has one already; return the key they have."""
        ...

    def person_keys(self) -> list[PersonKey]:
        """Every key that still exists, for an export."""
        ...

    def import_person_keys(self, rows: list[PersonKey]) -> None: ...

    def scrub_person_keys(self) -> None:
        """After a key was destroyed: reclaim its storage where the store can (best effort)."""
        ...

    def migration_done(self, name: str) -> bool: ...

    def erase_key_labels(self, person_ids: list[str], migration: str) -> int:
        """Erase the labels of these people's API keys, in one transaction that also marks
        `migration` done; returns how many labels were erased."""
        ...

    def rewrite_event_states(self, rewrites: list[StateRewrite], migration: str) -> int:
        """The one sanctioned rewrite of stored events, past the append-only guard, in one
        transaction that also marks `migration` done; returns how many events changed."""
        ...


# A scanned row of the chain: (position, originator id bytes, version, topic bytes, state,
# link); the event's four fields are None where a link has no event, the link None where
# an event has no link.
Row = tuple[Any, ...]


@runtime_checkable
class ChainStore(Protocol):
    """The chain beside the events, as Accord's recorders keep it (application.integrity)."""

    def chain_head(self) -> tuple[int, bytes] | None:
        """The position and link of the last linked event (None if nothing is linked)."""
        ...

    def chain_unchained(self, batch: int = ..., stop: int | None = ...) -> int:
        """Link the events after the chain's head (up to `stop`), in order and in batches;
        how many."""
        ...

    def ledger_id(self) -> str | None:
        """The ledger's identity (None until its chain's first link is written)."""
        ...

    def claim_ledger_id(self) -> str | None:
        """Give a ledger chained before identities existed its identity; the identity."""
        ...

    def scan_chain(self, page: int = ...) -> Generator[Sequence[Row], None, None]:
        """Every event and every link, by position, in pages, from one snapshot."""
        ...
