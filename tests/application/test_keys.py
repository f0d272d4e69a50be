"""API keys: bootstrap once, authenticate by secret, revoke; secrets never stored or listed."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import threading
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from application.errors import AlreadyBootstrapped, RecordNotFound, Unauthenticated
from application.keys import Caller
from application.ports import ApiKeyRow
from domain.base import InvalidInput
from tests.application.support import Tape, assert_nothing_recorded, build_world
from tests.conftest import acting_as


def split(secret: str) -> tuple[str, str]:
    """A key reads acc_<key id>.<token>."""
    assert secret.startswith("acc_")
    key_id, _, token = secret[len("acc_") :].partition(".")
    assert key_id and token
    return key_id, token


def test_bootstrap_on_an_empty_ledger_registers_an_administrator_with_a_working_key(ledger):
    tape = Tape(ledger)
    person_id, row, secret = ledger.keys.bootstrap("Ada Admin", "ada@example.org")
    assert tape.last < ledger.head_position()
    assert ledger.records.get_person(person_id)["name"] == "Ada Admin"
    assert ledger.records.get_person(person_id)["email"] == "ada@example.org"
    assert (row.person_id, row.role, row.revoked_at) == (person_id, "administrator", None)
    assert split(secret)[0] == row.key_id
    caller = ledger.keys.authenticate(secret)
    assert (caller.person_id, caller.key_id, caller.role) == (
        person_id,
        row.key_id,
        "administrator",
    )


def test_bootstrap_is_refused_once_any_key_exists_even_a_revoked_one(ledger):
    _, row, _ = ledger.keys.bootstrap("Ada Admin")
    with pytest.raises(AlreadyBootstrapped):
        ledger.keys.bootstrap("Mallory")
    ledger.keys.revoke_key(row.key_id)
    position = ledger.head_position()
    with pytest.raises(AlreadyBootstrapped):
        ledger.keys.bootstrap("Mallory")
    assert ledger.head_position() == position
    assert len(ledger.keys.list_keys()) == 1


def test_a_bootstrap_with_an_invalid_email_records_no_person_and_no_key(ledger):
    assert_nothing_recorded(
        ledger, lambda: ledger.keys.bootstrap("Ada", "not-an-email"), InvalidInput
    )
    assert ledger.keys.list_keys() == []
    person_id, _, _ = ledger.keys.bootstrap("Ada", "ada@example.org")
    assert ledger.records.get_person(person_id)["name"] == "Ada"


def test_keys_are_created_for_registered_people_in_known_roles_only(ledger):
    admin, _, _ = ledger.keys.bootstrap("Ada Admin")
    member = ledger.people.register_person("Sam Member").id
    row, secret = ledger.keys.create_key(member, label="laptop")
    assert (row.person_id, row.role, row.label) == (member, "member", "laptop")
    assert ledger.keys.authenticate(secret).role == "member"
    assert ledger.keys.authenticate(secret).person_id == member

    with pytest.raises(InvalidInput) as caught:
        ledger.keys.create_key(member, role="owner")
    assert caught.value.field == "role"
    # The person is named in the request, so an unknown one is invalid input naming the field.
    for bad_person in ("00000000-0000-4000-8000-000000000000", "nope"):
        with pytest.raises(InvalidInput) as caught:
            ledger.keys.create_key(bad_person)
        assert caught.value.field == "person_id"
    org = ledger.organisations.register_organisation("North Trust", "vcse").id
    with pytest.raises(InvalidInput):
        ledger.keys.create_key(org)
    assert [k.person_id for k in ledger.keys.list_keys()] == [admin, member]


def test_authenticate_rejects_missing_malformed_wrong_and_swapped_secrets(ledger):
    _, row, secret = ledger.keys.bootstrap("Ada Admin")
    other_row, other = ledger.keys.create_key(ledger.people.register_person("Sam").id)
    key_id, token = split(secret)
    _, other_token = split(other)
    rejected = [
        None,
        "",
        token,
        "acc_",
        f"acc_{key_id}",
        f"acc_{key_id}.",
        f"acc_{key_id}.{token}x",
        f"acc_{key_id}.{token[:-1]}",
        f"acc_{key_id}.{other_token}",  # another key's secret under this key's id
        f"acc_{other_row.key_id}.{token}",
        f"acc_{'0' * 32}.{token}",
        f"ACC_{key_id}.{token}",
        f"Bearer {secret}",
        f" {secret}",
    ]
    for attempt in rejected:
        with pytest.raises(Unauthenticated):
            ledger.keys.authenticate(attempt)
    assert ledger.keys.authenticate(secret).key_id == row.key_id
    assert ledger.keys.authenticate(other).key_id == other_row.key_id


def test_a_revoked_key_no_longer_authenticates_and_cannot_be_revoked_again(ledger):
    _, admin_row, admin_secret = ledger.keys.bootstrap("Ada Admin")
    row, secret = ledger.keys.create_key(ledger.people.register_person("Sam").id)
    assert ledger.keys.authenticate(secret).key_id == row.key_id
    ledger.keys.revoke_key(row.key_id)
    with pytest.raises(Unauthenticated):
        ledger.keys.authenticate(secret)
    with pytest.raises(RecordNotFound):
        ledger.keys.revoke_key(row.key_id)
    with pytest.raises(RecordNotFound):
        ledger.keys.revoke_key("0" * 32)
    listed = {k.key_id: k for k in ledger.keys.list_keys()}
    assert listed[row.key_id].revoked_at is not None
    assert listed[admin_row.key_id].revoked_at is None
    assert ledger.keys.authenticate(admin_secret).key_id == admin_row.key_id


def test_listed_keys_carry_no_secret_or_digest(ledger):
    _, _, first = ledger.keys.bootstrap("Ada Admin")
    _, second = ledger.keys.create_key(
        ledger.people.register_person("Sam").id, "administrator", "ops"
    )
    listed = ledger.keys.list_keys()
    assert len(listed) == 2
    assert all(isinstance(k, ApiKeyRow) for k in listed)
    assert {f.name for f in dataclasses.fields(ApiKeyRow)} == {
        "key_id",
        "person_id",
        "role",
        "label",
        "created_at",
        "revoked_at",
    }
    stored_digest = ledger.store.find_api_key(split(first)[0])[1]
    for key in listed:
        text = repr(key) + repr(dataclasses.asdict(key))
        for secret in (first, second):
            assert split(secret)[1] not in text
        assert stored_digest not in text


def test_only_a_digest_of_the_secret_is_stored(ledger):
    _, row, secret = ledger.keys.bootstrap("Ada Admin")
    key_id, token = split(secret)
    found_row, stored = ledger.store.find_api_key(key_id)
    assert found_row == row
    assert token not in stored and stored != secret
    assert len(stored) == 64 and int(stored, 16) >= 0  # a SHA-256 hex digest


@pytest.mark.stores("sqlite")
def test_the_sqlite_database_file_never_contains_a_secret_in_clear(ledger, settings):
    url = settings.resolved_database_url()
    _, row, secret = ledger.keys.bootstrap("Ada Admin")
    _, member_secret = ledger.keys.create_key(ledger.people.register_person("Sam").id)
    path = Path(url[len("sqlite:///") :])
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    raw = b"".join(p.read_bytes() for p in files)
    assert row.key_id.encode() in raw  # the key itself was written to these files
    for full in (secret, member_secret):
        assert split(full)[1].encode() not in raw
        assert full.encode() not in raw
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM accord_api_keys").fetchall()
    assert len(rows) == 2
    assert not any(split(secret)[1] in str(value) for r in rows for value in r)


@pytest.mark.stores("postgres")
def test_the_postgresql_tables_never_contain_a_secret_in_clear(ledger, settings):
    import psycopg

    _, _, secret = ledger.keys.bootstrap("Ada Admin")
    token = split(secret)[1]
    with psycopg.connect(settings.resolved_database_url()) as conn:
        schema = settings.postgres_schema
        keys = conn.execute(f'SELECT * FROM "{schema}".accord_api_keys').fetchall()
        events = conn.execute(f'SELECT state FROM "{schema}".ledger_events').fetchall()
    assert len(keys) == 1
    assert not any(token in str(value) for value in keys[0])
    assert events and not any(token.encode() in bytes(state) for (state,) in events)


def test_two_concurrent_bootstraps_make_only_one_first_administrator(ledger):
    barrier = threading.Barrier(2)
    recorder = ledger.store
    count = recorder.count_api_keys

    def count_then_wait():
        counted = count()
        # Both callers have checked before either inserts; a fixed bootstrap may serialise
        # them, and then the second never gets here: the barrier breaks, and that is fine.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return counted

    recorder.count_api_keys = count_then_wait
    outcomes = []

    def attempt(name):
        try:
            outcomes.append(ledger.keys.bootstrap(name))
        except AlreadyBootstrapped as error:
            outcomes.append(error)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("Ada", "Mallory")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2
    assert len(ledger.keys.list_keys()) == 1
    assert sum(isinstance(o, AlreadyBootstrapped) for o in outcomes) == 1


# ---------------------------------------------------------------- auditors, labels, lookups


def test_an_auditor_key_authenticates_as_an_auditor(ledger):
    ledger.keys.bootstrap("Ada Admin")
    row, secret = ledger.keys.create_key(
        ledger.people.register_person("Aud Itor").id, "auditor", "audit"
    )
    assert row.role == "auditor"
    assert ledger.keys.authenticate(secret).role == "auditor"


@pytest.mark.postgres_differs  # PostgreSQL cannot store a NUL character; SQLite can
def test_a_label_is_optional_bounded_and_storable(ledger):
    person = ledger.people.register_person("Sam").id
    assert ledger.keys.create_key(person, label="   ")[0].label is None
    assert ledger.keys.create_key(person, label=" laptop ")[0].label == "laptop"
    for bad in ("x" * 301, "before\x00after", "lone \ud800 surrogate"):
        with pytest.raises(InvalidInput) as caught:
            ledger.keys.create_key(person, label=bad)
        assert caught.value.field == "label"
    assert len(ledger.keys.list_keys()) == 2


def test_keys_are_looked_up_one_at_a_time_or_listed_for_one_person(ledger):
    _, admin_row, _ = ledger.keys.bootstrap("Ada Admin")
    sam = ledger.people.register_person("Sam").id
    first, _ = ledger.keys.create_key(sam, label="laptop")
    second, _ = ledger.keys.create_key(sam, label="phone")
    ledger.keys.revoke_key(first.key_id)
    assert [k.key_id for k in ledger.keys.list_keys(sam)] == [first.key_id, second.key_id]
    assert [k.key_id for k in ledger.keys.list_keys(admin_row.person_id)] == [admin_row.key_id]
    assert ledger.keys.list_keys("no-such-person") == []
    assert len(ledger.keys.list_keys()) == 3
    assert ledger.keys.get_key(first.key_id).revoked_at is not None
    assert ledger.keys.get_key(second.key_id) == second
    with pytest.raises(RecordNotFound):
        ledger.keys.get_key("0" * 32)


def test_revoking_a_key_returns_it_with_the_time_it_was_revoked(ledger):
    row, _ = ledger.keys.create_key(ledger.people.register_person("Sam").id)
    revoked = ledger.keys.revoke_key(row.key_id)
    assert revoked.key_id == row.key_id and revoked.revoked_at is not None
    assert revoked.revoked_at >= row.created_at


# ---------------------------------------------------------------- rotation


@pytest.mark.parametrize("role", ["administrator", "auditor", "member"])
def test_rotating_a_key_revokes_it_and_gives_the_same_person_role_and_label_a_new_one(ledger, role):
    sam = ledger.people.register_person("Sam").id
    old, old_secret = ledger.keys.create_key(sam, role, "laptop")
    position = ledger.head_position()
    new, new_secret = ledger.keys.rotate_key(old.key_id)
    assert (new.person_id, new.role, new.label, new.revoked_at) == (sam, role, "laptop", None)
    assert new.key_id != old.key_id and split(new_secret)[0] == new.key_id
    assert split(new_secret)[1] != split(old_secret)[1]
    with pytest.raises(Unauthenticated):
        ledger.keys.authenticate(old_secret)
    assert ledger.keys.authenticate(new_secret) == Caller(sam, new.key_id, role)
    listed = {k.key_id: k for k in ledger.keys.list_keys()}
    assert set(listed) == {old.key_id, new.key_id}
    assert listed[old.key_id].revoked_at is not None
    assert listed[new.key_id].revoked_at is None
    # Keys live beside the ledger, not in it: rotating records no event.
    assert ledger.head_position() == position


def test_a_revoked_rotated_or_unknown_key_cannot_be_rotated(ledger):
    sam = ledger.people.register_person("Sam").id
    revoked, _ = ledger.keys.create_key(sam)
    ledger.keys.revoke_key(revoked.key_id)
    rotated, _ = ledger.keys.create_key(sam)
    successor, successor_secret = ledger.keys.rotate_key(rotated.key_id)
    for key_id in (revoked.key_id, rotated.key_id, "0" * 32, "not-a-key"):
        with pytest.raises(RecordNotFound) as caught:
            ledger.keys.rotate_key(key_id)
        assert key_id in str(caught.value)
    assert len(ledger.keys.list_keys()) == 3
    assert ledger.keys.authenticate(successor_secret).key_id == successor.key_id


def test_a_person_rotating_someone_elses_key_finds_no_such_key(ledger):
    sam = ledger.people.register_person("Sam").id
    mia = ledger.people.register_person("Mia").id
    mias, mias_secret = ledger.keys.create_key(mia)
    with pytest.raises(RecordNotFound):
        ledger.keys.rotate_key(mias.key_id, person_id=sam)
    assert ledger.keys.authenticate(mias_secret).key_id == mias.key_id
    assert len(ledger.keys.list_keys()) == 1
    new, _ = ledger.keys.rotate_key(mias.key_id, person_id=mia)
    assert new.person_id == mia


def test_a_rotation_whose_new_key_cannot_be_stored_leaves_the_old_key_active(ledger, monkeypatch):
    sam = ledger.people.register_person("Sam").id
    old, old_secret = ledger.keys.create_key(sam)
    other, other_secret = ledger.keys.create_key(sam)
    # The new secret collides with a stored one, so storing the new key fails after the
    # old one was marked revoked: the whole rotation must be undone.
    monkeypatch.setattr("application.keys.secrets.token_urlsafe", lambda _: split(other_secret)[1])
    with pytest.raises(IntegrityError):
        ledger.keys.rotate_key(old.key_id)
    assert ledger.keys.authenticate(old_secret).key_id == old.key_id
    assert ledger.keys.authenticate(other_secret).key_id == other.key_id
    assert [k.revoked_at for k in ledger.keys.list_keys()] == [None, None]


def test_two_concurrent_rotations_of_one_key_make_exactly_one_successor(ledger):
    row, _ = ledger.keys.create_key(ledger.people.register_person("Sam").id)
    barrier = threading.Barrier(2)
    find = ledger.store.find_api_key

    def find_then_wait(key_id):
        found = find(key_id)
        # Both have seen the key active before either rotates it.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return found

    ledger.store.find_api_key = find_then_wait
    outcomes = []

    def attempt():
        try:
            outcomes.append(ledger.keys.rotate_key(row.key_id))
        except RecordNotFound as error:
            outcomes.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    ledger.store.find_api_key = find
    assert len(outcomes) == 2
    assert sum(isinstance(o, RecordNotFound) for o in outcomes) == 1
    keys = {k.key_id: k for k in ledger.keys.list_keys()}
    assert len(keys) == 2
    assert keys.pop(row.key_id).revoked_at is not None
    assert [k.revoked_at for k in keys.values()] == [None]


# ---------------------------------------------------------------- logs


def test_no_secret_is_logged_while_keys_are_created_rotated_and_used(ledger, caplog):
    caplog.set_level(logging.DEBUG)
    _, _, admin_secret = ledger.keys.bootstrap("Ada Admin")
    row, secret = ledger.keys.create_key(ledger.people.register_person("Sam").id, label="laptop")
    _, rotated = ledger.keys.rotate_key(row.key_id)
    _, rotated_again = ledger.keys.rotate_key(ledger.keys.authenticate(rotated).key_id)
    for attempt in (admin_secret, secret, rotated, f"{rotated}x", rotated_again):
        with contextlib.suppress(Unauthenticated):
            ledger.keys.authenticate(attempt)
    logged = caplog.text + repr([(r.msg, r.args) for r in caplog.records])
    for full in (admin_secret, secret, rotated, rotated_again):
        assert split(full)[1] not in logged
        assert ledger.store.find_api_key(split(full)[0])[1] not in logged


def test_a_key_is_read_with_its_persons_memberships_as_they_stand_at_each_authentication(ledger):
    ledger.keys.bootstrap("Ada Admin")
    world = build_world(ledger)
    _, secret = ledger.keys.create_key(world.alice)
    _, lonely = ledger.keys.create_key(world.outsider)
    assert ledger.keys.authenticate(secret).groups == ((world.group, "member"),)
    assert ledger.keys.authenticate(lonely).groups == ()
    # The guard decides from what the key was read with: the same as the membership index.
    access = ledger.access.authorize(ledger.keys.authenticate(secret), "read")
    assert access.groups == {
        g: role for g, p, role in ledger.store.select_members() if p == world.alice
    }
    with acting_as(world.convener):
        ledger.groups.add_member(world.other_group, world.alice, "observer")
        ledger.groups.change_member_role(world.group, world.alice, "convener")
    assert ledger.keys.authenticate(secret).groups == tuple(
        sorted([(world.group, "convener"), (world.other_group, "observer")])
    )
    with acting_as(world.convener):
        ledger.groups.remove_member(world.group, world.alice)
    assert ledger.keys.authenticate(secret).groups == ((world.other_group, "observer"),)
    with pytest.raises(RecordNotFound):
        ledger.access.authorize(ledger.keys.authenticate(secret), "read", "group", world.group)
