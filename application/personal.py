"""Personal data sealed with a key of each person's own, so that destroying the key erases it.

A Person event's personal fields (declared once, in `Person.Event.PERSONAL_FIELDS`) are
stored field by field as `{"_sealed_": base64(nonce || AES-256-GCM ciphertext)}`; every
other field, the topic, ids and versions stay readable. The key lives in the store's
`accord_person_keys` table, outside the append-only event log. Once it is destroyed the
events still load: the personal fields read as their placeholders ("erased person") and
the event is marked erased, so records, timelines and reports keep working.
"""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import CanInitAggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import resolve_topic

from application.ports import PersonKey, PersonKeyStore

SEALED = "_sealed_"
NONCE_BYTES = 12
KEY_BITS = 256


class PersonalDataUnsealable(RuntimeError):
    """Personal data cannot be stored sealed (no key store, or the person has no key)."""


def personal_fields(cls: type[Any]) -> dict[str, Any]:
    """The event class's personal fields and their placeholders (empty for other records)."""
    fields = getattr(cls, "PERSONAL_FIELDS", None)
    return dict(fields) if fields else {}


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


def _aad(person_id: str, field: str) -> bytes:
    # Binds a sealed value to its person and field: it cannot be moved to another.
    return f"accord.person/{person_id}/{field}".encode()


def seal(key: bytes, person_id: str, field: str, plain: bytes) -> dict[str, str]:
    """One field's encoded value, encrypted with the person's key."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + AESGCM(key).encrypt(nonce, plain, _aad(person_id, field))
    return {SEALED: base64.b64encode(sealed).decode()}


def unseal(key: bytes, person_id: str, field: str, value: dict[str, str]) -> bytes:
    data = base64.b64decode(value[SEALED])
    return AESGCM(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _aad(person_id, field))


def new_key(person_id: str) -> PersonKey:
    return PersonKey(person_id, AESGCM.generate_key(KEY_BITS), datetime.now(UTC).isoformat())


class PersonalDataMapper(Mapper[UUID]):
    """The library's mapper, sealing personal fields on the way in and opening them on the way out.

    Keys are read from the store on every use and never cached, so a key destroyed by
    another process is gone here too from its next read.
    """

    keys: PersonKeyStore | None = None  # set by the ledger once its store exists

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        fields = personal_fields(type(domain_event))
        state = dict(vars(domain_event))
        present = [f for f in fields if state.get(f) is not None and not is_sealed(state[f])]
        if not present:
            return super().to_stored_event(domain_event)
        person_id = str(domain_event.originator_id)
        key = self._key_to_seal(person_id, isinstance(domain_event, CanInitAggregate))
        for field in present:
            state[field] = seal(key, person_id, field, self.transcoder.encode(state[field]))
        sealed = object.__new__(type(domain_event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def _key_to_seal(self, person_id: str, is_first_event: bool) -> bytes:
        if self.keys is None:
            raise PersonalDataUnsealable("this store keeps no person keys")
        key = self.keys.person_key(person_id)
        if key is None and is_first_event:
            # The person's first event: their key is made (and committed) before it is stored.
            key = self.keys.add_person_key(new_key(person_id))
        if key is None:
            raise PersonalDataUnsealable(f"person {person_id} has no key (were they forgotten?)")
        return key

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        domain_event = super().to_domain_event(stored_event)
        fields = personal_fields(type(domain_event))
        state = vars(domain_event)
        if not any(is_sealed(state.get(f)) for f in fields):
            return domain_event  # not a person's event, or stored before sealing existed
        person_id = str(stored_event.originator_id)
        if self.keys is None:
            raise MapperDeserialisationError("this store keeps no person keys to open with")
        key = self.keys.person_key(person_id)
        if key is None:
            # Destroyed: never raise (that would stop every reader), read the placeholders.
            for field, placeholder in fields.items():
                if field in state:
                    state[field] = placeholder
            state[getattr(type(domain_event), "ERASED_MARK", "erased")] = True
            return domain_event
        for field in fields:
            if is_sealed(state.get(field)):
                try:
                    plain = unseal(key, person_id, field, state[field])
                except (InvalidTag, ValueError) as error:
                    # Not a destroyed key: altered bytes or a wrong key, which must not pass.
                    raise MapperDeserialisationError(
                        f"personal field {field!r} of event {stored_event.originator_version} "
                        f"of person {person_id} does not open with their key"
                    ) from error
                state[field] = self.transcoder.decode(plain)
        return domain_event

    def plain_personal_fields(self, stored_event: StoredEvent) -> list[str]:
        """The personal fields this stored event holds unsealed (stored before sealing existed)."""
        fields = personal_fields(resolve_topic(stored_event.topic))
        if not fields:
            return []
        state = self._decode_state(stored_event.state)
        return [f for f in fields if state.get(f) is not None and not is_sealed(state[f])]

    def seal_stored_state(self, stored_event: StoredEvent, key: bytes) -> bytes | None:
        """A stored event's state with its plain personal fields sealed (None: nothing to seal).

        For events stored before sealing existed: every other field is decoded and encoded
        again unchanged.
        """
        plain = self.plain_personal_fields(stored_event)
        if not plain:
            return None
        state = self._decode_state(stored_event.state)
        person_id = str(stored_event.originator_id)
        for field in plain:
            state[field] = seal(key, person_id, field, self.transcoder.encode(state[field]))
        data = self.transcoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return data

    def _decode_state(self, data: bytes) -> dict[str, Any]:
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state: dict[str, Any] = self.transcoder.decode(data)
        return state
