"""The `accord keys` commands, on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.errors import Unauthenticated
from application.keys import Caller
from interfaces import cli
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import postgres_schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A URL for `--database-url`; on PostgreSQL a fresh schema named in ACCORD_POSTGRES_SCHEMA."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli' / 'accord.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    with postgres_schema(url) as schema:
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", schema)
        yield url


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--database-url", url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def printed(label: str, out: str) -> str:
    match = re.search(rf"^{re.escape(label)}:\s+(\S+)$", out, re.MULTILINE)
    assert match, (label, out)
    return match.group(1)


def stored_key_count(url: str) -> int:
    """How many keys the database holds where the CLI was told to keep them."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM accord_api_keys").fetchone()[0])
    import psycopg

    schema = os.environ["ACCORD_POSTGRES_SCHEMA"]
    with psycopg.connect(url) as conn:
        row = conn.execute(f'SELECT COUNT(*) FROM "{schema}".accord_api_keys').fetchone()
        assert row is not None
        return int(row[0])


def authenticate(url: str, secret: str) -> Caller:
    ledger = build_ledger(Settings(database_url=url))
    try:
        return ledger.keys.authenticate(secret)
    finally:
        ledger.close()


def test_keys_can_be_bootstrapped_created_listed_and_revoked_from_the_command_line(
    capsys, database_url
):
    code, out, err = run(capsys, database_url, "keys", "bootstrap", "--name", "Ada Admin")
    assert (code, err) == (0, "")
    admin = printed("administrator person id", out)
    admin_key = printed("key id", out)
    admin_secret = printed("API key (shown once)", out)
    assert admin_secret.startswith("acc_")
    assert authenticate(database_url, admin_secret) == Caller(admin, admin_key, "administrator")
    assert stored_key_count(database_url) == 1

    code, out, err = run(capsys, database_url, "keys", "bootstrap", "--name", "Someone Else")
    assert code == 1 and out == ""
    assert "A key exists already" in err and "keys create" in err

    ledger = build_ledger(Settings(database_url=database_url))
    try:
        member = ledger.people.register_person("Mia Member").id
        assert ledger.records.get_person(admin)["name"] == "Ada Admin"
    finally:
        ledger.close()
    code, out, err = run(
        capsys, database_url, "keys", "create", "--person", member, "--label", "laptop"
    )
    assert (code, err) == (0, "")
    member_key = printed("key id", out)
    member_secret = printed("API key (shown once)", out)
    assert authenticate(database_url, member_secret) == Caller(member, member_key, "member")

    assert stored_key_count(database_url) == 2
    code, listing, err = run(capsys, database_url, "keys", "list")
    assert (code, err) == (0, "")
    lines = listing.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(admin_key) and f"person={admin}" in lines[0]
    assert "role=administrator" in lines[0] and "active" in lines[0]
    assert lines[1].startswith(member_key) and f"person={member}" in lines[1]
    assert "role=member" in lines[1] and "laptop" in lines[1]
    for secret in (admin_secret, member_secret):
        assert secret.split(".", 1)[1] not in listing
    assert "acc_" not in listing

    code, out, err = run(capsys, database_url, "keys", "revoke", member_key)
    assert (code, out.strip(), err) == (0, f"revoked {member_key}", "")
    with pytest.raises(Unauthenticated):
        authenticate(database_url, member_secret)
    assert authenticate(database_url, admin_secret).person_id == admin
    code, listing, _ = run(capsys, database_url, "keys", "list")
    assert "revoked" in listing.splitlines()[1] and "active" in listing.splitlines()[0]

    code, out, err = run(capsys, database_url, "keys", "revoke", member_key)
    assert code != 0 and out == ""
    assert member_key in err


# Ids that name the case, not the random value: parallel workers must collect the same tests.
@pytest.mark.parametrize(
    "person",
    [
        pytest.param(str(uuid.uuid4()), id="unknown-uuid"),
        pytest.param("not-a-person-id", id="not-an-id"),
    ],
)
def test_creating_a_key_for_an_unknown_person_fails_with_a_message(capsys, database_url, person):
    code, out, err = run(capsys, database_url, "keys", "bootstrap", "--name", "Ada Admin")
    assert code == 0
    code, out, err = run(capsys, database_url, "keys", "create", "--person", person)
    assert code not in (0, None)
    assert out == ""
    assert err.startswith("accord: ") and person in err
    assert "Traceback" not in err
    code, listing, _ = run(capsys, database_url, "keys", "list")
    assert len(listing.strip().splitlines()) == 1


def test_a_key_for_an_organisation_id_is_refused_like_an_unknown_person(capsys, database_url):
    ledger = build_ledger(Settings(database_url=database_url))
    try:
        organisation = ledger.organisations.register_organisation("North Trust", "vcse").id
    finally:
        ledger.close()
    code, out, err = run(capsys, database_url, "keys", "create", "--person", organisation)
    assert code != 0 and out == "" and organisation in err


def test_a_missing_subcommand_or_argument_is_a_usage_error(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    for argv in (
        ["keys"],
        ["keys", "create"],
        ["keys", "bootstrap"],
        ["keys", "rotate"],
        ["nonsense"],
    ):
        with pytest.raises(SystemExit) as stopped:
            cli.main(["--database-url", url, *argv])
        assert stopped.value.code == 2, argv
        assert "usage: accord" in capsys.readouterr().err


def test_keys_can_be_rotated_and_made_for_auditors_from_the_command_line(
    capsys, caplog, database_url
):
    caplog.set_level(logging.DEBUG)
    ledger = build_ledger(Settings(database_url=database_url))
    try:
        auditor = ledger.people.register_person("Aud Itor").id
        other = ledger.people.register_person("Mia Member").id
    finally:
        ledger.close()
    code, out, err = run(
        capsys, database_url, "keys", "create", "--person", auditor, "--role", "auditor"
    )
    assert (code, err) == (0, "")
    old_key, old_secret = printed("key id", out), printed("API key (shown once)", out)
    assert authenticate(database_url, old_secret) == Caller(auditor, old_key, "auditor")
    run(capsys, database_url, "keys", "create", "--person", other)

    code, out, err = run(capsys, database_url, "keys", "rotate", old_key)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"revoked {old_key}"
    new_key, new_secret = printed("key id", out), printed("API key (shown once)", out)
    assert new_key != old_key
    assert authenticate(database_url, new_secret) == Caller(auditor, new_key, "auditor")
    with pytest.raises(Unauthenticated):
        authenticate(database_url, old_secret)

    code, listing, _ = run(capsys, database_url, "keys", "list", "--person", auditor)
    lines = listing.strip().splitlines()
    assert [line.split()[0] for line in lines] == [old_key, new_key]
    assert "revoked" in lines[0] and "active" in lines[1] and "role=auditor" in lines[1]
    for secret in (old_secret, new_secret):
        assert secret.split(".", 1)[1] not in listing
    code, listing, _ = run(capsys, database_url, "keys", "list")
    assert len(listing.strip().splitlines()) == 3

    # A revoked (here: rotated) or unknown key cannot be rotated; nothing is created.
    for key_id in (old_key, uuid.uuid4().hex):
        code, out, err = run(capsys, database_url, "keys", "rotate", key_id)
        assert code == 2 and out == "" and key_id in err and "Traceback" not in err
    assert stored_key_count(database_url) == 3
    for secret in (old_secret, new_secret):
        assert secret.split(".", 1)[1] not in caplog.text


def test_an_unknown_role_is_a_usage_error(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--database-url", url, "keys", "create", "--person", "p", "--role", "owner"])
    assert stopped.value.code == 2
    assert "auditor" in capsys.readouterr().err


def test_serve_prints_the_database_url_without_its_password():
    from interfaces.cli.serve import shown

    assert shown("postgresql://app:s3cret@db:5432/accord") == "postgresql://app:***@db:5432/accord"
    assert shown("postgresql://postgres@127.0.0.1/test") == "postgresql://postgres@127.0.0.1/test"
    assert shown("sqlite:///accord.db") == "sqlite:///accord.db"


def test_running_the_cli_in_process_leaves_the_processs_sigpipe_handling_alone(capsys, tmp_path):
    # Only the `accord` command restores SIGPIPE's default; a program (or test run) that
    # calls main() keeps Python's, so a write to a closed socket raises instead of killing it.
    before = signal.getsignal(signal.SIGPIPE)
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    assert run(capsys, url, "keys", "bootstrap", "--name", "Ada Admin")[0] == 0
    assert run(capsys, url, "keys", "list")[0] == 0
    assert signal.getsignal(signal.SIGPIPE) == before == signal.SIG_IGN


def test_the_command_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path):
    accord = [
        sys.executable,
        "-m",
        "interfaces.cli",
        "--database-url",
        f"sqlite:///{tmp_path}/a.db",
    ]
    subprocess.run([*accord, "demo"], check=True, capture_output=True, timeout=300)
    listing = subprocess.Popen(
        [*accord, "history", "--limit", "500", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert listing.stdout is not None
    listing.stdout.close()  # the reader is gone before the command writes
    _, err = listing.communicate(timeout=60)
    assert listing.returncode == -signal.SIGPIPE
    assert err == b""
