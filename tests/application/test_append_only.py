"""The database itself refuses to alter or remove stored events and their chain's links."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from tests.conftest import acting_as


def a_small_ledger(ledger):
    person, _, _ = ledger.keys.bootstrap("Ada Convener")
    with acting_as(person):
        group = ledger.groups.convene_group("Design team", "design team", "Design the hub")
        ledger.decisions.propose_decision(group.id, "Open at nine", "The hub opens at nine")
    return ledger.head_position()


@pytest.mark.stores("sqlite")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stored_events SET state = x'00'",
        "UPDATE stored_events SET topic = 'forged' WHERE rowid = 2",
        "DELETE FROM stored_events WHERE rowid = 3",
        "DELETE FROM stored_events",
        "UPDATE accord_chain SET link = x'00' WHERE position = 2",
        "DELETE FROM accord_chain WHERE position = 3",
    ],
)
def test_sqlite_refuses_to_update_or_delete_a_stored_event(ledger, settings, statement):
    head = a_small_ledger(ledger)
    before = list(ledger.transfer.export_lines())[1:]
    path = settings.resolved_database_url()[len("sqlite:///") :]
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(statement)
    assert list(ledger.transfer.export_lines())[1:] == before
    assert ledger.head_position() == head
    assert ledger.integrity.verify_chain().intact


@pytest.mark.stores("postgres")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {t} SET state = '\\x00'::bytea",
        "UPDATE {t} SET originator_version = originator_version + 1 WHERE notification_id = 2",
        "DELETE FROM {t} WHERE notification_id = 3",
        "DELETE FROM {t}",
        "TRUNCATE {t}",
        "UPDATE {c} SET link = '\\x00'::bytea WHERE position = 2",
        "DELETE FROM {c} WHERE position = 3",
        "TRUNCATE {c}",
    ],
)
def test_postgresql_refuses_to_update_delete_or_truncate_a_stored_event(
    ledger, settings, statement
):
    head = a_small_ledger(ledger)
    before = list(ledger.transfer.export_lines())[1:]
    table = f'"{settings.postgres_schema}".ledger_events'
    chain = f'"{settings.postgres_schema}".accord_chain'
    with (
        psycopg.connect(settings.resolved_database_url(), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"),
    ):
        conn.execute(statement.format(t=table, c=chain))
    assert list(ledger.transfer.export_lines())[1:] == before
    assert ledger.head_position() == head
    assert ledger.integrity.verify_chain().intact


def test_the_ledger_still_appends_after_a_refused_alteration(ledger):
    head = a_small_ledger(ledger)
    written = ledger.organisations.register_organisation("North Trust", "statutory_health")
    assert written.position == head + 1
