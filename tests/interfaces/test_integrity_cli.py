"""`accord verify`, `accord checkpoint`, `accord chain`, `GET /ledger/head`, and the two roles."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from application.checkpoints import sign_checkpoint
from interfaces import cli
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.application.test_integrity import a_small_ledger
from tests.conftest import store_settings
from tests.owner import Owner


@pytest.fixture
def url(settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """The ledger fixture's database, for `--database-url` (and its schema, on PostgreSQL)."""
    resolved = settings.resolved_database_url()
    if resolved.startswith("postgres"):
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", settings.postgres_schema)
    return resolved


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--database-url", url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[Path, Path]:
    private = tmp_path / "signing.pem"
    assert cli.main(["checkpoint", "keygen", "--out", str(private)]) == 0
    capsys.readouterr()
    return private, Path(f"{private}.pub")


@pytest.mark.stores("sqlite", "postgres")
def test_verify_reports_an_intact_chain_with_its_speed_and_exits_0(ledger, url, capsys):
    a_small_ledger(ledger)
    head = ledger.head_position()
    code, out, _ = run(capsys, url, "verify")
    assert code == 0
    assert f"intact: {head} events verified up to position {head}" in out
    assert "events/s)" in out
    assert f"link {ledger.integrity.chain_head()[1].hex()}" in out
    code, out, _ = run(capsys, url, "verify", "--json")
    document = json.loads(out)
    assert code == 0 and document["status"] == "intact" and document["reason"] is None
    assert (document["position"], document["events"]) == (head, head)
    assert document["link"] == ledger.integrity.chain_head()[1].hex()


@pytest.mark.stores("sqlite", "postgres")
def test_verify_names_the_first_broken_position_and_exits_1(ledger, settings, url, capsys):
    a_small_ledger(ledger)
    Owner(settings).alter(("UPDATE {events} SET topic = {p} WHERE {pos} = 2", ("forged",)))
    code, out, _ = run(capsys, url, "verify")
    assert code == 1
    assert out.startswith("BROKEN at position 2: the event does not match its link")
    assert "1 events before it verified" in out
    code, out, _ = run(capsys, url, "verify", "--json")
    document = json.loads(out)
    assert code == 1 and document["status"] == "broken"
    assert (document["broken_at"], document["position"], document["events"]) == (2, 1, 1)
    assert document["reason"].startswith("the event does not match its link")


@pytest.mark.stores("sqlite", "postgres")
def test_a_signed_checkpoint_verifies_until_the_tail_is_cut_off(
    ledger, settings, url, capsys, tmp_path
):
    a_small_ledger(ledger)
    private, public = keys(capsys, tmp_path)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    saved = tmp_path / "checkpoint.json"

    code, out, _ = run(capsys, url, "checkpoint", "--key", str(private), "--out", str(saved))
    assert code == 0 and f"written to {saved}" in out
    document = json.loads(saved.read_text())
    head = ledger.integrity.chain_head()
    assert (document["position"], document["link"]) == (head[0], head[1].hex())
    assert {"recorded_at", "signed_at", "signature"} <= set(document)

    witness = ("verify", "--checkpoint", str(saved), "--public-key", str(public))
    code, out, _ = run(capsys, url, *witness)
    assert code == 0
    assert f"reaches position {head[0]} with its signed link" in out

    Owner(settings).alter(
        ("DELETE FROM {events} WHERE {pos} = {p}", (head[0],)),
        ("DELETE FROM {chain} WHERE position = {p}", (head[0],)),
    )
    assert run(capsys, url, "verify")[0] == 0  # the chain alone cannot tell
    code, out, _ = run(capsys, url, *witness)
    assert code == 1
    assert f"BROKEN at position {head[0]}: the ledger ends at position {head[0] - 1}" in out


@pytest.mark.stores("sqlite")
def test_an_edited_checkpoint_or_another_key_cannot_be_checked_against(
    ledger, url, capsys, tmp_path
):
    a_small_ledger(ledger)
    private, public = keys(capsys, tmp_path)
    code, out, _ = run(capsys, url, "checkpoint", "--key", str(private))
    assert code == 0
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps({**json.loads(out), "position": 1}))
    code, out, err = run(
        capsys, url, "verify", "--checkpoint", str(edited), "--public-key", str(public)
    )
    assert (code, out) == (2, "") and "does not verify" in err

    (tmp_path / "other").mkdir()
    _, other = keys(capsys, tmp_path / "other")
    unsigned = tmp_path / "mine.json"
    run(capsys, url, "checkpoint", "--key", str(private), "--out", str(unsigned))
    code, out, err = run(
        capsys, url, "verify", "--checkpoint", str(unsigned), "--public-key", str(other)
    )
    assert (code, out) == (2, "") and "signed with another key" in err


def could_not_check(tmp_path: Path, private: Path, public: Path, saved: Path) -> dict[str, Any]:
    """Each way `verify` can fail to check, as (its arguments, what its one line says)."""
    (tmp_path / "not-json.json").write_text("position: 3")
    not_a_checkpoint = tmp_path / "not-a-checkpoint.json"
    not_a_checkpoint.write_text('{"position": 3}')
    (tmp_path / "a-list.json").write_text("[3]")
    with_checkpoint = ["verify", "--checkpoint", str(saved), "--public-key"]
    return {
        "missing checkpoint": (
            ["verify", "--checkpoint", str(tmp_path / "gone.json"), "--public-key", str(public)],
            "gone.json: No such file or directory",
        ),
        "private key as public key": ([*with_checkpoint, str(private)], "is a private key"),
        "missing key": ([*with_checkpoint, str(tmp_path / "no.pub")], "No such file"),
        "a directory as key": ([*with_checkpoint, str(tmp_path)], "Is a directory"),
        "a key that is no key": ([*with_checkpoint, str(saved)], "public key cannot be read"),
        "not JSON": (
            [
                "verify",
                "--checkpoint",
                str(tmp_path / "not-json.json"),
                "--public-key",
                str(public),
            ],
            "is not JSON",
        ),
        "JSON that is not a checkpoint": (
            ["verify", "--checkpoint", str(not_a_checkpoint), "--public-key", str(public)],
            "not an Accord checkpoint",
        ),
        "a JSON list": (
            ["verify", "--checkpoint", str(tmp_path / "a-list.json"), "--public-key", str(public)],
            "not a JSON object",
        ),
    }


@pytest.mark.stores("sqlite")
def test_verify_that_could_not_check_exits_2_with_one_line_and_never_says_broken(
    ledger, url, capsys, tmp_path
):
    a_small_ledger(ledger)
    private, public = keys(capsys, tmp_path)
    saved = tmp_path / "checkpoint.json"
    assert run(capsys, url, "checkpoint", "--key", str(private), "--out", str(saved))[0] == 0
    for case, (args, reason) in could_not_check(tmp_path, private, public, saved).items():
        code, out, err = run(capsys, url, *args)
        assert (code, out) == (2, ""), case
        assert err.startswith("accord: could not verify: ") and reason in err, (case, err)
        assert err.count("\n") == 1, (case, err)
        code, out, err = run(capsys, url, *args, "--json")
        document = json.loads(out)
        assert code == 2 and document["status"] == "unchecked", case
        assert reason in document["reason"] and document["position"] is None, case


@pytest.mark.store_independent
def test_the_installed_command_exits_2_when_the_database_cannot_be_reached_or_is_missing(
    tmp_path,
):
    """As the README's cron line runs it: a database outage is no tamper alarm."""
    accord = Path(sys.executable).parent / "accord"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = f"postgresql://postgres@127.0.0.1:{port}/accord"
    missing = f"sqlite:///{tmp_path / 'no-such-ledger.db'}"
    for database, reason in ((unreachable, "cannot be reached"), (missing, "does not exist")):
        done = subprocess.run(
            [str(accord), "--database-url", database, "verify", "--json"],
            capture_output=True,
            text=True,
            env={**env, "ACCORD_POSTGRES_POOL_TIMEOUT": "1"},
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("accord: could not verify: ") and reason in done.stderr
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
        assert json.loads(done.stdout)["status"] == "unchecked"
    assert not (tmp_path / "no-such-ledger.db").exists()


@pytest.mark.stores("sqlite", "postgres")
def test_verifying_a_checkpoint_of_another_ledger_exits_2_naming_both_ledgers(
    ledger, settings, url, capsys, tmp_path, request
):
    a_small_ledger(ledger)
    private, public = keys(capsys, tmp_path)
    store = "sqlite" if url.startswith("sqlite") else "postgres"
    (tmp_path / "other").mkdir()
    foreign = tmp_path / "foreign.json"
    with store_settings(store, tmp_path / "other", request) as elsewhere:
        other = build_ledger(elsewhere)
        try:
            a_small_ledger(other)
            document = sign_checkpoint(other.integrity.checkpoint(), private.read_bytes())
            foreign.write_text(json.dumps(document))
        finally:
            other.close()
    this = ledger.integrity.ledger_id()
    assert this is not None and document["ledger"] != this
    code, out, err = run(
        capsys, url, "verify", "--checkpoint", str(foreign), "--public-key", str(public)
    )
    assert (code, out) == (2, "")
    assert f"this checkpoint belongs to ledger {document['ledger']}, this is ledger {this}" in err
    mine = tmp_path / "mine.json"
    assert run(capsys, url, "checkpoint", "--key", str(private), "--out", str(mine))[0] == 0
    assert json.loads(mine.read_text())["ledger"] == this
    code, out, _ = run(
        capsys, url, "verify", "--checkpoint", str(mine), "--public-key", str(public)
    )
    assert code == 0 and f"ledger: {this}" in out


@pytest.mark.stores("sqlite")
def test_the_commands_refuse_what_they_cannot_do(ledger, url, capsys, tmp_path):
    private, _ = keys(capsys, tmp_path)
    assert cli.main(["checkpoint", "keygen", "--out", str(private)]) == 2
    assert "exists already" in capsys.readouterr().err
    code, _, err = run(capsys, url, "checkpoint", "--key", str(private))
    assert code == 2 and "no linked event yet" in err
    for args in (["checkpoint"], ["verify", "--checkpoint", "x.json"]):
        with pytest.raises(SystemExit) as exit_:
            run(capsys, url, *args)
        assert exit_.value.code == 2


@pytest.mark.stores("sqlite", "postgres")
def test_chain_adopt_links_a_ledger_kept_before_the_chain_existed_only_when_asked(
    ledger, settings, url, capsys
):
    person, _ = a_small_ledger(ledger)
    Owner(settings).alter(("DELETE FROM {chain}", ()))
    head = ledger.head_position()
    code, out, _ = run(capsys, url, "verify")
    assert code == 1 and "BROKEN at position 1: no event from here on has a link" in out
    code, out, _ = run(capsys, url, "chain", "--json")
    assert code == 0
    assert json.loads(out)["unlinked"] == {"first_position": 1, "last_position": head}
    code, out, _ = run(capsys, url, "chain")
    assert f"positions 1 to {head} have no link" in out
    assert run(capsys, url, "verify")[0] == 1  # `accord chain` linked nothing

    # The installed command, as an operator runs it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    if url.startswith("postgres"):
        env["ACCORD_POSTGRES_SCHEMA"] = settings.postgres_schema
    adopt = [str(Path(sys.executable).parent / "accord"), "--database-url", url, "chain", "adopt"]
    done = subprocess.run(
        [*adopt, "--by", str(uuid.uuid4()), "--reason", "kept before the chain"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr  # an unknown person
    done = subprocess.run(
        [*adopt, "--by", person, "--reason", "kept before the chain", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    adopted = json.loads(done.stdout)
    assert (adopted["first_position"], adopted["last_position"]) == (1, head)
    assert adopted["position"] > head and adopted["by"] == person
    code, out, _ = run(capsys, url, "verify", "--json")
    assert code == 0 and json.loads(out)["position"] == adopted["position"]
    code, _, err = run(capsys, url, "chain", "adopt", "--by", person, "--reason", "again")
    assert code == 2 and "nothing to adopt" in err


def test_the_ledger_head_is_served_to_any_authenticated_caller(api, admin, ledger):
    response = api.client.get("/ledger/head", headers=admin.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    position, link = ledger.integrity.chain_head()
    assert (body["position"], body["link"]) == (position, link.hex())
    assert body["ledger"] == ledger.integrity.ledger_id() and len(body["ledger"]) >= 16
    assert datetime.fromisoformat(body["recorded_at"]).tzinfo is not None
    assert api.client.get("/ledger/head").status_code == 401


# The README's grants (section "Trust in the record"), for a schema `{s}` and roles.
GRANTS = [
    "GRANT USAGE ON SCHEMA {s} TO {app}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {app}",
    "REVOKE DELETE ON {s}.ledger_events FROM {app}",
    "REVOKE UPDATE, DELETE ON {s}.accord_chain, {s}.accord_ledger, {s}.ledger_snapshots FROM {app}",
    "GRANT USAGE ON SEQUENCE {s}.ledger_events_notification_id_seq TO {app}",
]


@pytest.mark.stores("postgres")
def test_an_application_role_appends_and_can_alter_nothing(settings):
    import psycopg

    superuser = settings.resolved_database_url()
    suffix = uuid.uuid4().hex[:8]
    owner, app, schema = f"accord_owner_{suffix}", f"accord_app_{suffix}", settings.postgres_schema

    def as_role(role: str) -> str:
        return urlunsplit(urlsplit(superuser)._replace(netloc=f"{role}@127.0.0.1:5432"))

    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {owner} LOGIN")
        conn.execute(f"CREATE ROLE {app} LOGIN")
        conn.execute(f'ALTER SCHEMA "{schema}" OWNER TO {owner}')
    try:
        build_ledger(Settings(database_url=as_role(owner), postgres_schema=schema)).close()
        with psycopg.connect(as_role(owner), autocommit=True) as conn:
            for grant in GRANTS:
                conn.execute(grant.format(s=f'"{schema}"', app=app))
        ledger = build_ledger(
            Settings(database_url=as_role(app), postgres_schema=schema, create_tables=False)
        )
        try:
            a_small_ledger(ledger)
            assert ledger.integrity.verify_chain().intact
        finally:
            ledger.close()
        for statement in (
            "UPDATE {s}.ledger_events SET topic = 'forged'",
            "DELETE FROM {s}.ledger_events",
            "TRUNCATE {s}.ledger_events",
            "UPDATE {s}.accord_chain SET link = '\\x00'",
            "DELETE FROM {s}.accord_chain",
            "ALTER TABLE {s}.ledger_events DISABLE TRIGGER USER",
            "ALTER TABLE {s}.accord_chain DISABLE TRIGGER USER",
            "UPDATE {s}.accord_ledger SET ledger_id = 'forged'",
            "DELETE FROM {s}.accord_ledger",
        ):
            with (
                psycopg.connect(as_role(app), autocommit=True) as conn,
                pytest.raises(psycopg.errors.InsufficientPrivilege),
            ):
                conn.execute(statement.format(s=f'"{schema}"').encode())
    finally:
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(f"REASSIGN OWNED BY {owner} TO CURRENT_USER")
            for role in (app, owner):
                conn.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE {role}")
