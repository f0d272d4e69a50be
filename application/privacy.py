"""Erasing a person (their key destroyed in the transaction that records why), and sealing
personal data stored before per-person keys existed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.commands import command
from application.core import LedgerCore, Written
from application.personal import PersonalDataMapper, new_key
from application.ports import ChainStore, Forgetting, PersonKeyStore, StateRewrite
from application.ports_console import SignInLinkStore
from domain.base import LifecycleError
from domain.person import Person

log = logging.getLogger("accord.privacy")

MIGRATION = "seal-personal-data"
LABELS_MIGRATION = "erase-forgotten-key-labels"
# Every Person event's topic: the events that may hold personal fields, and the Forgotten.
PERSON_TOPICS = tuple(
    sorted(
        str(cls.TOPIC)
        for cls in vars(Person).values()
        if isinstance(cls, type) and issubclass(cls, Person.Event) and cls is not Person.Event
    )
)
PAGE = 1000


class PersonalDataNotSealed(LifecycleError):
    """Personal data is stored unsealed where it cannot be sealed now (the message says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "unsealed")


class PrivacyCommands:
    """Erasing a person, and sealing personal data stored before per-person keys."""

    def __init__(self, core: LedgerCore) -> None:
        self.core = core

    @property
    def person_keys(self) -> PersonKeyStore:
        recorder = self.core.recorder
        if not isinstance(recorder, PersonKeyStore):
            raise TypeError("the ledger needs one of Accord's recorders (see interfaces.bootstrap)")
        return recorder

    @property
    def sealing_mapper(self) -> PersonalDataMapper:
        mapper = self.core.mapper
        if not isinstance(mapper, PersonalDataMapper):
            raise TypeError("the ledger's mapper does not seal personal data")
        return mapper

    @command
    def forget_person(
        self,
        person_id: str,
        basis: str,
        expected_version: int | None = None,
        effective_at: datetime | None = None,
    ) -> Written:
        """Erase a person's personal data: record the Forgotten event with its basis, and in
        the same transaction destroy their key and revoke their API keys."""
        person = self.core.load(Person, person_id, expected_version)
        person.forget(basis, self.core.actor(), effective_at)
        self._require_sealed(person.id)
        written = self.core.write(
            person, forgetting=Forgetting(str(person.id), datetime.now(UTC).isoformat())
        )
        # Best effort, after the commit: the deleted key's bytes leave the store's files.
        self.person_keys.scrub_person_keys()
        # Their unused sign-in links go too (redeeming one checks the person anyway).
        if isinstance(self.core.recorder, SignInLinkStore):
            self.core.recorder.delete_sign_in_links(person_id=str(person.id))
        return written

    def _require_sealed(self, person_id: UUID) -> None:
        """Destroying the key erases nothing if some of the person's data is stored plain."""
        mapper = self.sealing_mapper
        for stored in self.core.recorder.select_events(person_id):
            if mapper.plain_personal_fields(stored):
                raise PersonalDataNotSealed(
                    f"person {person_id} has personal data stored unsealed: "
                    "run `accord migrate-personal-data` first"
                )

    def seal_personal_data(self, force: bool = False) -> int:
        """Seal the personal fields of Person events stored before per-person keys existed.

        The one sanctioned rewrite of stored events: in one transaction, past the
        append-only guard as the table's owner would be, and before the hash chain covers
        those events (`accord chain adopt` links them after). Runs once on start-up (again
        with `force`); returns how many events it sealed.
        """
        keys = self.person_keys
        if not force and keys.migration_done(MIGRATION):
            return 0
        mapper = self.sealing_mapper
        stored = list(self._person_notifications())
        forgotten = {str(n.originator_id) for n in stored if n.topic == Person.Forgotten.TOPIC}
        plain = [n for n in stored if mapper.plain_personal_fields(n)]
        chained = self._chained_up_to()
        covered = [n.id for n in plain if n.id <= chained]
        if covered:
            raise PersonalDataNotSealed(
                f"{len(covered)} Person events (first at position {covered[0]}) hold "
                "personal data unsealed but are covered by the hash chain already: sealing "
                "them now would break it (see the README, 'Erasing a person's data')"
            )
        chosen: dict[str, bytes] = {}
        rewrites: list[StateRewrite] = []
        for n in plain:
            person_id = str(n.originator_id)
            if person_id not in chosen:
                # A forgotten person's plain data is sealed with a key that is never stored.
                chosen[person_id] = (
                    new_key(person_id).key
                    if person_id in forgotten
                    else keys.person_key(person_id) or keys.add_person_key(new_key(person_id))
                )
            sealed = mapper.seal_stored_state(n, chosen[person_id])
            if sealed is not None:
                rewrites.append(StateRewrite(person_id, n.originator_version, n.state, sealed))
        count = keys.rewrite_event_states(rewrites, MIGRATION)
        if count:
            log.info("sealed the personal data of %s stored Person events", count)
        return count

    def erase_forgotten_key_labels(self) -> int:
        """Erase the API key labels of people forgotten before forgetting erased them too.
        Runs once, on start-up; returns how many labels it erased."""
        keys = self.person_keys
        if keys.migration_done(LABELS_MIGRATION):
            return 0
        forgotten = {
            str(n.originator_id)
            for n in self._person_notifications()
            if n.topic == Person.Forgotten.TOPIC
        }
        count = keys.erase_key_labels(sorted(forgotten), LABELS_MIGRATION)
        if count:
            log.info("erased the labels of %s API keys of people forgotten earlier", count)
        return count

    def _person_notifications(self) -> Iterator[Any]:
        start = 1
        while True:
            page = self.core.recorder.select_notifications(start, PAGE, topics=PERSON_TOPICS)
            if not page:
                return
            yield from page
            start = page[-1].id + 1

    def _chained_up_to(self) -> int:
        recorder = self.core.recorder
        head = recorder.chain_head() if isinstance(recorder, ChainStore) else None
        return head[0] if head is not None else 0
