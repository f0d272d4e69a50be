"""Personal fields are sealed with each person's own key; a destroyed key reads as placeholders."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import MapperDeserialisationError

from application.ledger import Ledger
from application.personal import SEALED
from domain.person import ERASED_NAME
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.application.support import SECRET_EMAIL, SECRET_NAME, World

BASIS = "UK GDPR Art. 17, request 2026-114"


def registration(ledger: Ledger, person_id: str):
    [stored] = ledger.recorder.select_events(UUID(person_id), limit=1)
    return stored


def test_each_person_has_a_key_of_their_own_made_when_they_registered(ledger: Ledger, world):
    people = [world.convener, world.alice, world.bob, world.outsider]
    keys = {p: ledger.privacy.person_keys.person_key(p) for p in people}
    assert all(key is not None and len(key) == 32 for key in keys.values())
    assert len(set(keys.values())) == len(people)
    assert {k.person_id for k in ledger.privacy.person_keys.person_keys()} >= set(people)


def test_only_the_personal_fields_are_sealed_and_each_with_a_fresh_nonce(ledger: Ledger, world):
    first = ledger.people.register_person(SECRET_NAME, SECRET_EMAIL, world.org_a).id
    second = ledger.people.register_person(SECRET_NAME, SECRET_EMAIL, world.org_a).id
    states = [json.loads(registration(ledger, p).state) for p in (first, second)]
    for state in states:
        assert set(state["name"]) == set(state["email"]) == {SEALED}
        assert state["organisation_id"] == world.org_a
    assert states[0]["name"] != states[1]["name"]
    assert ledger.records.get_person(first)["email"] == SECRET_EMAIL
    # Without an email there is nothing to seal.
    assert json.loads(registration(ledger, world.bob).state)["email"] is None


def test_a_sealed_value_moved_to_another_person_does_not_open(ledger: Ledger, world: World):
    alice = registration(ledger, world.alice)
    moved = replace(alice, originator_id=UUID(world.bob))
    with pytest.raises(MapperDeserialisationError, match="does not open"):
        ledger.mapper.to_domain_event(moved)


def test_an_altered_sealed_value_fails_loudly_rather_than_reading_as_erased(ledger, world):
    alice = registration(ledger, world.alice)
    state = json.loads(alice.state)
    sealed = state["name"][SEALED]
    state["name"][SEALED] = sealed[:-6] + ("AAAA==" if not sealed.endswith("AAAA==") else "BBBB==")
    with pytest.raises(MapperDeserialisationError):
        ledger.mapper.to_domain_event(replace(alice, state=json.dumps(state).encode()))


def test_with_the_key_destroyed_the_events_still_load_with_placeholders(ledger: Ledger, world):
    ledger.privacy.forget_person(world.alice, BASIS)
    # Any: the erased mark is set on the event only when it is read without its key.
    event: Any = ledger.mapper.to_domain_event(registration(ledger, world.alice))
    assert (event.name, event.email, event.erased) == (ERASED_NAME, None, True)
    assert event.organisation_id == world.org_a
    assert ledger.records.get_person(world.alice)["erased"] is True
    # Everyone else still reads.
    assert ledger.records.get_person(world.convener)["name"] == "Cora Convener"
    assert ledger.records.get_person(world.convener)["erased"] is False


def test_forgetting_someone_revokes_their_api_keys_and_no_one_elses(ledger: Ledger, world):
    alice_key, _ = ledger.keys.create_key(world.alice)
    bob_key, _ = ledger.keys.create_key(world.bob)
    ledger.privacy.forget_person(world.alice, BASIS)
    assert ledger.keys.get_key(alice_key.key_id).revoked_at is not None
    assert ledger.keys.get_key(bob_key.key_id).revoked_at is None


def test_a_move_keeps_the_living_readable_and_the_forgotten_erased(
    ledger: Ledger, world: World, tmp_path: Path
):
    ledger.privacy.forget_person(world.alice, BASIS)
    lines = list(ledger.transfer.export_lines())
    assert {line["person_key"] for line in lines if "person_key" in line} == {
        world.convener,
        world.bob,
        world.outsider,
    }
    target = build_ledger(Settings(database_url=f"sqlite:///{tmp_path / 'moved.db'}"))
    try:
        target.transfer.import_lines(iter(lines))
        assert target.records.get_person(world.convener)["name"] == "Cora Convener"
        assert target.records.get_person(world.alice)["name"] == ERASED_NAME
        assert target.records.get_person(world.alice)["erased"] is True
        assert target.integrity.verify_chain().intact
    finally:
        target.close()
