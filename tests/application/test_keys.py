"""API keys: bootstrap once, authenticate by secret, revoke; secrets never stored or listed."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import threading
from pathlib import Path

import pytest

from application.errors import AlreadyBootstrapped, RecordNotFound, Unauthenticated
from application.ports import ApiKeyRow
from domain.base import InvalidInput
from tests.application.support import Tape, assert_nothing_recorded


def split(secret: str) -> tuple[str, str]:
    """A key reads acc_<key id>.<token>."""
    assert secret.startswith("acc_")
    key_id, _, token = secret[len("acc_") :].partition(".")
    assert key_id and token
    return key_id, token


def test_bootstrap_on_an_empty_ledger_registers_an_administrator_with_a_working_key(ledger):
    tape = Tape(ledger)
    person_id, row, secret = ledger.bootstrap("Ada Admin", "ada@example.org")
    assert tape.last < ledger.head_position()
    assert ledger.get_person(person_id)["name"] == "Ada Admin"
    assert ledger.get_person(person_id)["email"] == "ada@example.org"
    assert (row.person_id, row.role, row.revoked_at) == (person_id, "administrator", None)
    assert split(secret)[0] == row.key_id
    caller = ledger.authenticate(secret)
    assert (caller.person_id, caller.key_id, caller.role) == (
        person_id,
        row.key_id,
        "administrator",
    )


def test_bootstrap_is_refused_once_any_key_exists_even_a_revoked_one(ledger):
    _, row, _ = ledger.bootstrap("Ada Admin")
    with pytest.raises(AlreadyBootstrapped):
        ledger.bootstrap("Mallory")
    ledger.revoke_key(row.key_id)
    position = ledger.head_position()
    with pytest.raises(AlreadyBootstrapped):
        ledger.bootstrap("Mallory")
    assert ledger.head_position() == position
    assert len(ledger.list_keys()) == 1


def test_a_bootstrap_with_an_invalid_email_records_no_person_and_no_key(ledger):
    assert_nothing_recorded(ledger, lambda: ledger.bootstrap("Ada", "not-an-email"), InvalidInput)
    assert ledger.list_keys() == []
    person_id, _, _ = ledger.bootstrap("Ada", "ada@example.org")
    assert ledger.get_person(person_id)["name"] == "Ada"


def test_keys_are_created_for_registered_people_in_known_roles_only(ledger):
    admin, _, _ = ledger.bootstrap("Ada Admin")
    member = ledger.register_person("Sam Member").id
    row, secret = ledger.create_key(member, label="laptop")
    assert (row.person_id, row.role, row.label) == (member, "member", "laptop")
    assert ledger.authenticate(secret).role == "member"
    assert ledger.authenticate(secret).person_id == member

    with pytest.raises(InvalidInput) as caught:
        ledger.create_key(member, role="owner")
    assert caught.value.field == "role"
    for bad_person in ("00000000-0000-4000-8000-000000000000", "nope"):
        with pytest.raises(RecordNotFound):
            ledger.create_key(bad_person)
    org = ledger.register_organisation("North Trust", "vcse").id
    with pytest.raises(RecordNotFound):
        ledger.create_key(org)
    assert [k.person_id for k in ledger.list_keys()] == [admin, member]


def test_authenticate_rejects_missing_malformed_wrong_and_swapped_secrets(ledger):
    _, row, secret = ledger.bootstrap("Ada Admin")
    other_row, other = ledger.create_key(ledger.register_person("Sam").id)
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
            ledger.authenticate(attempt)
    assert ledger.authenticate(secret).key_id == row.key_id
    assert ledger.authenticate(other).key_id == other_row.key_id


def test_a_revoked_key_no_longer_authenticates_and_cannot_be_revoked_again(ledger):
    _, admin_row, admin_secret = ledger.bootstrap("Ada Admin")
    row, secret = ledger.create_key(ledger.register_person("Sam").id)
    assert ledger.authenticate(secret).key_id == row.key_id
    ledger.revoke_key(row.key_id)
    with pytest.raises(Unauthenticated):
        ledger.authenticate(secret)
    with pytest.raises(RecordNotFound):
        ledger.revoke_key(row.key_id)
    with pytest.raises(RecordNotFound):
        ledger.revoke_key("0" * 32)
    listed = {k.key_id: k for k in ledger.list_keys()}
    assert listed[row.key_id].revoked_at is not None
    assert listed[admin_row.key_id].revoked_at is None
    assert ledger.authenticate(admin_secret).key_id == admin_row.key_id


def test_listed_keys_carry_no_secret_or_digest(ledger):
    _, _, first = ledger.bootstrap("Ada Admin")
    _, second = ledger.create_key(ledger.register_person("Sam").id, "administrator", "ops")
    listed = ledger.list_keys()
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
    _, row, secret = ledger.bootstrap("Ada Admin")
    key_id, token = split(secret)
    found_row, stored = ledger.store.find_api_key(key_id)
    assert found_row == row
    assert token not in stored and stored != secret
    assert len(stored) == 64 and int(stored, 16) >= 0  # a SHA-256 hex digest


@pytest.mark.stores("sqlite")
def test_the_sqlite_database_file_never_contains_a_secret_in_clear(ledger, settings):
    url = settings.resolved_database_url()
    _, row, secret = ledger.bootstrap("Ada Admin")
    _, member_secret = ledger.create_key(ledger.register_person("Sam").id)
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

    _, _, secret = ledger.bootstrap("Ada Admin")
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
            outcomes.append(ledger.bootstrap(name))
        except AlreadyBootstrapped as error:
            outcomes.append(error)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("Ada", "Mallory")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2
    assert len(ledger.list_keys()) == 1
    assert sum(isinstance(o, AlreadyBootstrapped) for o in outcomes) == 1
