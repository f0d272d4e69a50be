"""Erasing a person: their key is destroyed, their data is nowhere, their history still replays.

Canary strings are put in two people's names and emails; after they are forgotten, none may
be found anywhere the store, its exports or its logs keep anything.
"""

from __future__ import annotations

import base64
import glob
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from application.ledger import Ledger
from application.privacy import PersonalDataNotSealed
from domain.person import ERASED_NAME, PersonForgotten
from infrastructure.readmodels import READ_MODEL_TABLES
from interfaces.bootstrap import build_ledger
from interfaces.cli import main
from interfaces.settings import Settings
from tests.application.support import SECRET_EMAIL, SECRET_NAME, rich_scenario
from tests.conftest import acting_as
from tests.interfaces.support import Actor, Api, assert_problem

PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"
ACCORD = str(Path(sys.executable).parent / "accord")
BASIS = "UK GDPR Art. 17, request 2026-114"
# The second canary is registered through the API, with an Idempotency-Key.
API_NAME = "Ysolde Canary-Fenwick"
API_EMAIL = "ysolde.canary@example.org"
CANARIES = (SECRET_NAME, SECRET_EMAIL, API_NAME, API_EMAIL)
# Tables beside the events that must hold no personal data.
BESIDE = (*READ_MODEL_TABLES, "accord_idempotency", "accord_records", "accord_members")


def store_of(settings: Settings) -> str:
    url = settings.resolved_database_url()
    return url.split(":", 1)[0].replace("postgresql", "postgres")


def sqlite_path(settings: Settings) -> str:
    return settings.resolved_database_url()[len("sqlite:///") :]


def exposed(blob: bytes, needles: tuple[bytes, ...]) -> list[bytes]:
    """The needles found in `blob`, as bytes or as the lowercase hex a dump shows bytea in."""
    lower = blob.lower()
    return [n for n in needles if n in blob or n.hex().encode() in lower]


def whole_store(ledger: Ledger, settings: Settings) -> bytes:
    """Everything the store keeps: the SQLite files' raw bytes, a pg_dump of the schema, or
    the in-memory store's structures."""
    store = store_of(settings)
    if store == "sqlite":
        return b"".join(
            Path(f).read_bytes() for f in sorted(glob.glob(sqlite_path(settings) + "*"))
        )
    if store == "postgres":
        dump = subprocess.run(
            [
                PG_DUMP,
                "--dbname",
                settings.resolved_database_url(),
                "--schema",
                settings.postgres_schema,
            ],
            check=True,
            capture_output=True,
        )
        assert b"accord_person_keys" in dump.stdout
        return dump.stdout
    r: Any = ledger.recorder
    parts = [s.state for s in r._stored_events]
    parts += [line.encode() for line in r._rm_db.iterdump()]
    parts += [repr(x).encode() for x in (r._requests, r._records, r._members, r._person_keys)]
    return b"\n".join(parts)


def tables_beside(ledger: Ledger, settings: Settings) -> dict[str, list[Any]]:
    """Every row of the read models and the other tables beside the events."""
    store = store_of(settings)
    found: dict[str, list[Any]] = {}
    if store == "memory":
        r: Any = ledger.recorder
        for table in READ_MODEL_TABLES:
            found[table] = [tuple(row) for row in r._rm_db.execute(f"SELECT * FROM {table}")]
        found["accord_idempotency"] = list(r._requests.values())
        found["accord_records"] = list(r._records.values())
        return found
    if store == "sqlite":
        import sqlite3

        with sqlite3.connect(sqlite_path(settings)) as db:
            for table in BESIDE:
                found[table] = db.execute(f"SELECT * FROM {table}").fetchall()
        return found
    with psycopg.connect(settings.resolved_database_url()) as conn:
        for table in BESIDE:
            found[table] = conn.execute(
                f'SELECT * FROM "{settings.postgres_schema}".{table}'
            ).fetchall()
    return found


def exported(ledger: Ledger, settings: Settings, tmp_path: Path) -> list[dict[str, Any]]:
    """The export's lines: `accord export` on a database, the ledger's own on the memory store."""
    if store_of(settings) == "memory":
        return list(ledger.transfer.export_lines())
    out = tmp_path / "export.jsonl"
    assert main(["--database-url", settings.resolved_database_url(), "export", str(out)]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def scenario(api: Api) -> tuple[dict[str, list[str]], Actor]:
    """rich_scenario (its person named SECRET_NAME), plus a canary registered over HTTP."""
    admin = api.admin
    assert admin is not None
    with acting_as(admin.person_id):
        ids = rich_scenario(api.ledger)
    group = ids["group"][0]
    response = api.call(
        "POST",
        "/people",
        admin,
        json={"name": API_NAME, "email": API_EMAIL, "organisation_id": ids["organisation"][0]},
        headers={"Idempotency-Key": "register-ysolde"},
    )
    assert response.status_code == 201, response.text
    ysolde = api.new_key(response.json()["id"], API_NAME)
    for key, (method, url, body) in enumerate(
        [
            ("POST", f"/groups/{group}/members", {"person_id": ysolde.person_id}),
            (
                "POST",
                f"/groups/{group}/decisions",
                {
                    "title": "Share the rota",
                    "decision": "Share it",
                    "agreement": {
                        "method": "consent",
                        "participants": [ysolde.person_id, ids["person"][-1]],
                    },
                },
            ),
        ]
    ):
        answer = api.call(method, url, admin, json=body, headers={"Idempotency-Key": f"k{key}"})
        assert answer.status_code in (200, 201), answer.text
    with acting_as(ysolde.person_id):
        api.ledger.accountabilities.define_accountability(
            group, "Rota", {"kind": "person", "id": ysolde.person_id}, "Weekly rota"
        )
    return ids, ysolde


def assert_timeline_as_before(
    api: Api, group: str, before: list[dict[str, Any]], forgotten: set[str]
) -> None:
    """The group's timeline is what it was, but for the name of whoever recorded each event,
    which reads "Forgotten person" for the forgotten."""
    after = api.read(f"/groups/{group}/timeline?limit=500")["items"]

    def unnamed(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in i.items() if k != "recorded_by_name"} for i in items]

    assert unnamed(after) == unnamed(before)
    for item in after:
        if item["recorded_by"] in forgotten:
            assert item["recorded_by_name"] == "Forgotten person"


def test_a_forgotten_persons_data_is_nowhere_and_every_record_naming_them_still_replays(
    api: Api, ledger: Ledger, settings: Settings, tmp_path: Path, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    ids, ysolde = scenario(api)
    q = ids["person"][-1]
    group = ids["group"][0]
    assert api.read(f"/people/{q}")["name"] == SECRET_NAME
    keys = {p: ledger.privacy.person_keys.person_key(p) for p in (q, ysolde.person_id)}
    assert all(key is not None and len(key) == 32 for key in keys.values())
    needles = tuple(c.encode() for c in CANARIES)
    # Sealed from the start: no canary in any stored byte even before anyone is forgotten.
    assert exposed(whole_store(ledger, settings), needles) == []
    timeline_before = api.read(f"/groups/{group}/timeline?limit=500")["items"]

    # One forgotten over HTTP by an administrator, one from the command line.
    forgot = api.write(
        "POST",
        f"/people/{ysolde.person_id}/forget",
        json={"basis": BASIS},
        if_match=api.read(f"/people/{ysolde.person_id}")["version"],
    )
    assert (forgot["name"], forgot["email"], forgot["erased"]) == (ERASED_NAME, None, True)
    if store_of(settings) == "memory":
        with acting_as(api.admin_id):
            ledger.privacy.forget_person(q, BASIS)
    else:
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", settings.postgres_schema)
        url = settings.resolved_database_url()
        assert (
            main(["--database-url", url, "forget", q, "--basis", BASIS, "--by", api.admin_id]) == 0
        )

    # Forgetting twice is a conflict, and their own API key no longer works.
    assert_problem(
        api.call("POST", f"/people/{ysolde.person_id}/forget", api.admin, json={"basis": BASIS}),
        409,
    )
    with pytest.raises(PersonForgotten):
        ledger.privacy.forget_person(q, BASIS)
    assert_problem(api.call("GET", "/me", ysolde), 401)
    assert all(k.revoked_at for k in ledger.keys.list_keys(ysolde.person_id))

    # The person reads as erased; their history replays, with the basis.
    for person in (q, ysolde.person_id):
        shown = api.read(f"/people/{person}")
        assert (shown["name"], shown["email"], shown["erased"]) == (ERASED_NAME, None, True)
        head = ledger.head_position()  # the command line's write, in another Ledger
        history = api.read(f"/people/{person}/history?limit=500&min_position={head}")["items"]
        assert history[0]["type"] == "Person.Registered"
        assert history[0]["data"]["name"] == ERASED_NAME and history[0]["data"]["erased"]
        assert history[-1]["type"] == "Person.Forgotten"
        assert history[-1]["data"]["basis"] == BASIS
        assert history[-1]["data"]["requested_by"] == api.admin_id
        # As of version 1 too: the data is gone from every version, not only the latest.
        then = {"as_of": history[0]["recorded_at"]}
        first = api.call("GET", f"/people/{person}", api.admin, params=then).json()
        assert (first["version"], first["name"], first["erased"]) == (1, ERASED_NAME, True)
    # Every record naming them still replays; the group timeline is what it was.
    assert_timeline_as_before(api, group, timeline_before, {q, ysolde.person_id})
    assert q in {m["person_id"] for m in api.read(f"/groups/{group}")["members"]}
    for decision in ids["decision"]:
        api.read(f"/decisions/{decision}/history")
    assert q in api.read(f"/decisions/{ids['decision'][1]}")["participants"]
    for accountability in ids["accountability"]:
        api.read(f"/accountabilities/{accountability}")
    report = api.read(f"/reports/accountability?group_id={group}&include_subgroups=true")
    assert report
    assert api.read("/events?limit=500")["items"]
    # The read models rebuilt from the log after forgetting are as before. (The API's own
    # projector thread may apply part of the rebuild, so count the position, not what
    # this call applied.)
    ledger.projector.rebuild()
    assert ledger.projector.position() == ledger.head_position()
    assert_timeline_as_before(api, group, timeline_before, {q, ysolde.person_id})
    # The hash chain still holds: erasing rewrote no event.
    assert ledger.integrity.verify_chain().intact

    # No canary, and no destroyed key, anywhere the store keeps anything.
    key_needles = tuple(k for k in keys.values() if k is not None)
    assert exposed(whole_store(ledger, settings), needles + key_needles) == []
    for table, rows in tables_beside(ledger, settings).items():
        assert exposed(repr(rows).encode(), needles) == [], table
    assert tables_beside(ledger, settings)["accord_idempotency"], "idempotency rows were written"
    lines = exported(ledger, settings, tmp_path)
    assert exposed(json.dumps(lines).encode(), needles) == []
    states = [base64.b64decode(line["state"]) for line in lines if "state" in line]
    assert exposed(b"\n".join(states), needles + key_needles) == []
    exported_keys = {line["person_key"] for line in lines if "person_key" in line}
    assert q not in exported_keys and ysolde.person_id not in exported_keys
    assert ids["person"][0] in exported_keys
    assert all(c not in caplog.text for c in CANARIES)


@pytest.mark.stores("sqlite", "postgres")
def test_accord_verify_passes_and_another_process_sees_the_key_gone(
    api: Api, ledger: Ledger, settings: Settings, capsys, monkeypatch
):
    monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", settings.postgres_schema)
    person = api.person("Wendeline Canary", email="wendeline@example.org")
    other = build_ledger(settings)
    try:
        assert other.records.get_person(person.person_id)["name"] == "Wendeline Canary"
        api.write("POST", f"/people/{person.person_id}/forget", json={"basis": BASIS})
        # No key outlives its destruction in another process's reads.
        assert other.records.get_person(person.person_id)["name"] == ERASED_NAME
    finally:
        other.close()
    url = settings.resolved_database_url()
    assert main(["--database-url", url, "verify"]) == 0
    assert "Wendeline" not in capsys.readouterr().out
    # Forgetting again from the command line is refused, saying why.
    assert main(["--database-url", url, "forget", person.person_id, "--basis", BASIS]) == 2
    assert "forgotten" in capsys.readouterr().err


@pytest.mark.stores("sqlite")
def test_sqlite_connections_overwrite_deleted_content(ledger: Ledger):
    pool: Any = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
    connection = pool.get_connection(is_writer=False)
    try:
        assert connection._sqlite_conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    finally:
        pool.put_connection(connection)


@pytest.mark.stores("postgres")
def test_postgresql_vacuums_the_keys_table_after_forgetting(api: Api, settings: Settings):
    person = api.person("Vacuum Canary")
    api.write("POST", f"/people/{person.person_id}/forget", json={"basis": BASIS})
    with psycopg.connect(settings.resolved_database_url()) as conn:
        row = conn.execute(
            "SELECT last_vacuum FROM pg_stat_user_tables "
            "WHERE schemaname = %s AND relname = 'accord_person_keys'",
            (settings.postgres_schema,),
        ).fetchone()
    assert row is not None and row[0] is not None


def test_the_basis_is_required_and_bounded(api: Api):
    person = api.person("Basis Canary")
    for body in ({}, {"basis": ""}, {"basis": "  "}, {"basis": "x" * 501}, {"basis": "ok", "x": 1}):
        assert_problem(
            api.call("POST", f"/people/{person.person_id}/forget", api.admin, json=body), 422
        )
    assert api.read(f"/people/{person.person_id}")["erased"] is False


def test_only_an_administrator_may_forget_someone(api: Api):
    person = api.person("Member Canary")
    other = api.person("Other Member")
    assert_problem(
        api.call("POST", f"/people/{person.person_id}/forget", other, json={"basis": BASIS}), 403
    )
    assert_problem(
        api.call("POST", f"/people/{person.person_id}/forget", person, json={"basis": BASIS}), 403
    )
    assert api.read(f"/people/{person.person_id}")["name"] == "Member Canary"


def test_a_forgotten_persons_affiliation_can_no_longer_change(api: Api):
    person = api.person("Moving Canary")
    org = api.organisation("Elsewhere")["id"]
    api.write("POST", f"/people/{person.person_id}/forget", json={"basis": BASIS})
    assert_problem(
        api.call(
            "POST",
            f"/people/{person.person_id}/affiliation",
            api.admin,
            json={"organisation_id": org},
        ),
        409,
    )


def test_forgetting_refuses_when_the_persons_data_is_stored_unsealed(ledger: Ledger):
    person = ledger.people.register_person("Plain Canary").id
    mapper: Any = ledger.privacy.sealing_mapper
    # As if an older version had stored this person's name plain.
    mapper.plain_personal_fields = lambda stored: ["name"]
    with pytest.raises(PersonalDataNotSealed):
        ledger.privacy.forget_person(person, BASIS)
    del mapper.plain_personal_fields
    assert ledger.records.get_person(person)["name"] == "Plain Canary"


def api_key_labels(ledger: Ledger, settings: Settings) -> dict[str, str | None]:
    """Each key's label as the keys table holds it (the memory store's own structure)."""
    store = store_of(settings)
    if store == "memory":
        r: Any = ledger.recorder
        return {key_id: row.label for key_id, (row, _) in r._keys.items()}
    if store == "sqlite":
        import sqlite3

        with sqlite3.connect(sqlite_path(settings)) as db:
            return dict(db.execute("SELECT key_id, label FROM accord_api_keys").fetchall())
    with psycopg.connect(settings.resolved_database_url()) as conn:
        rows = conn.execute(
            f'SELECT key_id, label FROM "{settings.postgres_schema}".accord_api_keys'
        ).fetchall()
    return {str(key_id): label for key_id, label in rows}


@pytest.mark.postgres_differs
def test_forgetting_a_person_erases_the_labels_of_their_api_keys(
    api: Api, ledger: Ledger, settings: Settings
):
    person = api.person("Label Canary")
    other = api.person("Kept Label")
    labels = {"Label Canary's laptop": person, "Label Canary's phone": person, "desk": other}
    keys = {}
    for label, owner in labels.items():
        response = api.call(
            "POST", "/keys", api.admin, json={"person_id": owner.person_id, "label": label}
        )
        assert response.status_code == 201, response.text
        keys[label] = response.json()["key_id"]
    # A revoked key's label goes too.
    revoked = keys["Label Canary's phone"]
    assert api.call("POST", f"/keys/{revoked}/revoke", api.admin).status_code == 200
    assert (
        api_key_labels(ledger, settings)[keys["Label Canary's laptop"]] == "Label Canary's laptop"
    )

    api.write("POST", f"/people/{person.person_id}/forget", json={"basis": BASIS})

    listed = {k["key_id"]: k for k in api.read("/keys")["items"]}
    theirs = [k for k in listed.values() if k["person_id"] == person.person_id]
    assert len(theirs) == 3  # the key api.person gave them, and the two labelled ones
    assert all(k["label"] is None and k["revoked_at"] is not None for k in theirs)
    assert listed[keys["desk"]]["label"] == "desk"
    assert listed[api.admin.key_id]["label"] == "first administrator"  # type: ignore[union-attr]
    assert api.read(f"/keys/{revoked}")["label"] is None
    stored = api_key_labels(ledger, settings)
    assert stored[keys["Label Canary's laptop"]] is None and stored[revoked] is None
    assert stored[keys["desk"]] == "desk"
    assert exposed(whole_store(ledger, settings), (b"Canary's laptop", b"Canary's phone")) == []


@pytest.mark.stores("postgres")
def test_a_role_that_may_not_vacuum_the_key_tables_logs_a_warning(
    ledger: Ledger, settings: Settings, caplog: pytest.LogCaptureFixture
):
    from tests.interfaces.test_integrity_cli import GRANTS

    superuser = settings.resolved_database_url()
    schema, app = settings.postgres_schema, f"accord_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {app} LOGIN")
        for grant in GRANTS:
            conn.execute(grant.format(s=f'"{schema}"', app=app).encode())
    try:
        as_app = urlunsplit(urlsplit(superuser)._replace(netloc=f"{app}@127.0.0.1:5432"))
        not_owner = build_ledger(
            Settings(database_url=as_app, postgres_schema=schema, create_tables=False)
        )
        try:
            person = not_owner.people.register_person("Vacuum Canary", "vacuum@example.org").id
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="accord"):
                not_owner.privacy.forget_person(person, BASIS)
        finally:
            not_owner.close()
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert [r.name for r in warnings] == ["accord.personal"]
        text = warnings[0].getMessage()
        assert "could not VACUUM" in text
        assert "accord_person_keys" in text and "accord_api_keys" in text
        assert "Vacuum Canary" not in caplog.text and "vacuum@example.org" not in caplog.text
        # The erasure itself stands.
        assert ledger.records.get_person(person)["name"] == ERASED_NAME
        # The installed command, run as that role, says so on standard error.
        other = ledger.people.register_person("Second Canary").id
        done = subprocess.run(
            [ACCORD, "forget", other, "--basis", BASIS, "--database-url", as_app],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "ACCORD_POSTGRES_SCHEMA": schema, "ACCORD_CREATE_TABLES": "false"},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "could not VACUUM the key tables" in done.stderr
        assert "Second Canary" not in done.stderr + done.stdout
        assert ledger.records.get_person(other)["name"] == ERASED_NAME
    finally:
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {app}")
            conn.execute(f"DROP ROLE {app}")


@pytest.mark.stores("sqlite", "postgres")
@pytest.mark.postgres_differs
def test_labels_left_by_an_earlier_erasure_are_erased_on_the_next_start(
    ledger: Ledger, settings: Settings
):
    sam = ledger.people.register_person("Sam Earlier").id
    kept = ledger.people.register_person("Kim Kept").id
    sams_key = ledger.keys.create_key(sam, "member", "Sam's old laptop")[0].key_id
    kims_key = ledger.keys.create_key(kept, "member", "Kim's desk")[0].key_id
    ledger.privacy.forget_person(sam, BASIS)
    # As a version that revoked keys but kept their labels left it.
    statements = [
        f"UPDATE {{t}}accord_api_keys SET label = 'Sam''s old laptop' WHERE key_id = '{sams_key}'",
        "DELETE FROM {t}accord_migrations WHERE name = 'erase-forgotten-key-labels'",
    ]
    if store_of(settings) == "sqlite":
        import sqlite3

        with sqlite3.connect(sqlite_path(settings)) as db:
            for statement in statements:
                db.execute(statement.format(t=""))
    else:
        with psycopg.connect(settings.resolved_database_url()) as conn:
            for statement in statements:
                conn.execute(statement.format(t=f'"{settings.postgres_schema}".').encode())
    assert api_key_labels(ledger, settings)[sams_key] == "Sam's old laptop"

    build_ledger(settings).close()

    labels = api_key_labels(ledger, settings)
    assert labels[sams_key] is None and labels[kims_key] == "Kim's desk"
    assert ledger.keys.get_key(sams_key).label is None
