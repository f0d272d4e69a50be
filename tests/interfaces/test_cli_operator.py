"""What an operator relies on from `accord`: options anywhere, --version, --json, read
commands that create nothing, a failed import that leaves the target as it was, and a
message (never a traceback) for the errors an operator can make."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from importlib.metadata import version
from pathlib import Path

import psycopg
import pytest

from interfaces import cli
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import postgres_schema

ACCORD = Path(sys.executable).parent / "accord"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A URL with no ledger yet: a SQLite file in a directory that does not exist, or a
    fresh, empty PostgreSQL schema (named in ACCORD_POSTGRES_SCHEMA)."""
    monkeypatch.delenv("ACCORD_DATABASE_URL", raising=False)
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'not' / 'yet' / 'accord.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    with postgres_schema(url) as schema:
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", schema)
        yield url


def accord(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as an operator runs it (environment inherited)."""
    return subprocess.run(
        [str(ACCORD), *args], capture_output=True, text=True, timeout=120, check=False
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def what_is_there(url: str, tmp_path: Path) -> object:
    """Everything the target holds: the files under tmp_path (SQLite), or every table with
    its rows and every function in the schema (PostgreSQL)."""
    if url.startswith("sqlite"):
        files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            return files, None
        # Closed when done (sqlite3's own context manager only commits): an open connection
        # would keep the write-ahead log's files beside the database.
        with closing(sqlite3.connect(path)) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            rows = {
                t: conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()
                for t in tables
                if not t.startswith("sqlite_") and not t.endswith("_idx")
            }
        return files, rows
    schema = os.environ["ACCORD_POSTGRES_SCHEMA"]
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (schema,)
            )
        ]
        functions = conn.execute(
            "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE nspname = %s ORDER BY 1",
            (schema,),
        ).fetchall()
        rows = {
            t: [tuple(map(str, r)) for r in conn.execute(f'SELECT * FROM "{schema}"."{t}"')]
            for t in tables
        }
    return sorted(rows.items()), functions


def a_ledger(url: str) -> str:
    """Make a ledger at the URL with one administrator; return their person id."""
    ledger = build_ledger(Settings(database_url=url))
    try:
        return ledger.keys.bootstrap("Ada Admin")[0]
    finally:
        ledger.close()


# --- options anywhere, --version ---------------------------------------------------------


@pytest.mark.store_independent
def test_version_prints_the_installed_version():
    done = accord("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"accord {version('accord')}\n", "")


@pytest.mark.store_independent
@pytest.mark.parametrize(
    "argv",
    [
        ["--database-url", "{url}", "keys", "list"],
        ["keys", "--database-url", "{url}", "list"],
        ["keys", "list", "--database-url", "{url}"],
        ["keys", "list", "--json", "--database-url={url}"],
    ],
)
def test_the_database_url_is_taken_before_or_after_the_command(capsys, tmp_path, argv):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    a_ledger(url)
    code, out, err = run(capsys, *[a.replace("{url}", url) for a in argv])
    assert (code, err) == (0, "")
    assert "first administrator" in out


def test_the_installed_command_takes_the_database_url_after_a_nested_command(database_url):
    admin = a_ledger(database_url)
    done = accord("keys", "list", "--person", admin, "--json", "--database-url", database_url)
    assert (done.returncode, done.stderr) == (0, "")
    [key] = json.loads(done.stdout)
    assert (key["person_id"], key["role"], key["revoked_at"]) == (admin, "administrator", None)
    assert "secret" not in key


@pytest.mark.store_independent
def test_a_url_given_after_the_command_wins_over_one_given_before(capsys, tmp_path):
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("first.db", "second.db"))
    a_ledger(second)
    code, out, _ = run(capsys, "--database-url", first, "keys", "list", "--database-url", second)
    assert code == 0 and "first administrator" in out
    assert not (tmp_path / "first.db").exists()


# --- --json -----------------------------------------------------------------------------


def test_key_commands_and_project_status_print_json(capsys, database_url):
    code, out, err = run(
        capsys, "keys", "bootstrap", "--name", "Ada", "--json", "--database-url", database_url
    )
    assert (code, err) == (0, "")
    boot = json.loads(out)
    assert set(boot) == {"person_id", "key_id", "secret"} and boot["secret"].startswith("acc_")
    code, out, _ = run(
        capsys,
        "keys",
        "create",
        "--person",
        boot["person_id"],
        "--label",
        "tablet",
        "--json",
        "--database-url",
        database_url,
    )
    created = json.loads(out)
    assert set(created) == {"key_id", "secret"}
    code, out, _ = run(
        capsys, "keys", "rotate", created["key_id"], "--json", "--database-url", database_url
    )
    rotated = json.loads(out)
    assert rotated["revoked"] == created["key_id"] and rotated["key_id"] != created["key_id"]
    code, out, _ = run(capsys, "keys", "list", "--json", "--database-url", database_url)
    listed = json.loads(out)
    assert [k["key_id"] for k in listed] == [boot["key_id"], created["key_id"], rotated["key_id"]]
    assert [k["label"] for k in listed] == ["first administrator", "tablet", "tablet"]
    assert listed[1]["revoked_at"] is not None and listed[2]["revoked_at"] is None
    assert "acc_" not in out
    code, out, _ = run(
        capsys,
        "keys",
        "invite",
        "--person",
        boot["person_id"],
        "--json",
        "--base-url",
        "https://accord.example.org",
        "--database-url",
        database_url,
    )
    invite = json.loads(out)
    assert invite["link"].startswith("https://accord.example.org/signin/link/")
    assert invite["expires_at"][:2] == "20"
    code, out, _ = run(capsys, "project", "--status", "--json", "--database-url", database_url)
    assert code == 0
    status = json.loads(out)
    assert status["head"] >= 1 and status["lag"] == status["head"] - status["position"]


def test_project_status_with_max_lag_fails_a_health_check_only_beyond_the_bound(
    capsys, database_url
):
    a_ledger(database_url)  # nothing projected yet: the read models lag the whole ledger
    code, out, _ = run(capsys, "project", "--status", "--json", "--database-url", database_url)
    lag = json.loads(out)["lag"]
    assert code == 0 and lag >= 1
    at = ["project", "--status", "--database-url", database_url]
    assert run(capsys, *at, "--max-lag", str(lag))[0] == 0
    assert run(capsys, *at, "--max-lag", str(lag - 1))[0] == 1
    assert run(capsys, "project", "--once", "--database-url", database_url)[0] == 0
    assert run(capsys, *at, "--max-lag", "0")[0] == 0


# --- commands that read, or need records, create nothing --------------------------------------------------------

READ_COMMANDS = [
    ["history"],
    ["state", "--group", "g"],
    ["changes", "--group", "g", "--from", "2026-01-01T00:00:00Z", "--to", "2026-02-01T00:00:00Z"],
    ["report", "--format", "json"],
    ["export", "{tmp}/out.jsonl"],
    ["keys", "list"],
    ["project", "--status"],
    ["verify"],
    ["keys", "create", "--person", "p"],
    ["keys", "revoke", "k"],
    ["keys", "rotate", "k"],
    ["keys", "invite", "--person", "p"],
    ["forget", "p", "--basis", "request 1"],
]


@pytest.mark.postgres_differs
@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_needs_a_ledger_where_there_is_none_exits_2_and_creates_nothing(
    capsys, tmp_path, database_url, command
):
    before = what_is_there(database_url, tmp_path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in command]
    code, out, err = run(capsys, *argv, "--database-url", database_url)
    assert (code, out) == (2, "")
    # verify says so as it says anything that stops it checking (its exit 2 is "unchecked").
    prefix = "accord: could not verify: " if command == ["verify"] else "accord: "
    assert err.startswith(prefix) and "no ledger at " in err
    if database_url.startswith("sqlite"):
        assert database_url.removeprefix("sqlite:///") in err
    else:
        assert os.environ["ACCORD_POSTGRES_SCHEMA"] in err
    assert what_is_there(database_url, tmp_path) == before


@pytest.mark.postgres_differs
def test_the_installed_command_says_there_is_no_ledger_at_a_mistyped_url(tmp_path, database_url):
    before = what_is_there(database_url, tmp_path)
    done = accord("history", "--database-url", database_url)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("accord: no ledger at ") and "Traceback" not in done.stderr
    assert what_is_there(database_url, tmp_path) == before


def test_a_read_command_reads_a_ledger_that_is_there(capsys, database_url):
    a_ledger(database_url)
    code, out, _ = run(capsys, "history", "--json", "--database-url", database_url)
    assert code == 0 and [e["type"] for e in json.loads(out)] == ["Person.Registered"]


# --- a failed import leaves the target as it was -----------------------------------------


def an_export(tmp_path: Path) -> Path:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    a_ledger(source)
    path = tmp_path / "export.jsonl"
    assert cli.main(["--database-url", source, "export", str(path)]) == 0
    return path


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Files an import refuses, each with what its message says."""
    good = an_export(tmp_path).read_text().splitlines()
    files = {
        "not an export": ['{"hello": "world"}'],
        "not JSON": [good[0], "{oops"],
        "broken at the end": [*good, "not json at all"],
    }
    paths = {}
    for name, lines in files.items():
        path = tmp_path / f"{name.replace(' ', '-')}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        paths[name] = (path, "export header" if name == "not an export" else "is not JSON")
    return paths


@pytest.mark.postgres_differs
def test_a_failed_import_into_no_ledger_leaves_no_ledger(capsys, tmp_path, database_url):
    files = bad_files(tmp_path)
    capsys.readouterr()
    before = what_is_there(database_url, tmp_path)
    for name, (path, message) in files.items():
        code, out, err = run(capsys, "import", str(path), "--database-url", database_url)
        assert (code, out) == (2, ""), name
        assert message in err and "Traceback" not in err, name
        assert what_is_there(database_url, tmp_path) == before, name
    done = accord("import", str(tmp_path / "missing.jsonl"), "--database-url", database_url)
    assert done.returncode == 2 and "missing.jsonl: No such file" in done.stderr
    assert what_is_there(database_url, tmp_path) == before


@pytest.mark.postgres_differs
def test_a_failed_import_into_a_ledger_leaves_it_unchanged(capsys, tmp_path, database_url):
    files = bad_files(tmp_path)
    # An empty ledger (its tables made, no events) and then one with events.
    build_ledger(Settings(database_url=database_url)).close()
    for then_add_events in (a_ledger, lambda url: None):
        before = what_is_there(database_url, tmp_path)
        for name, (path, _message) in files.items():
            assert run(capsys, "import", str(path), "--database-url", database_url)[0] == 2
            assert what_is_there(database_url, tmp_path) == before, name
        then_add_events(database_url)
    # A good file into a ledger that holds events: refused, nothing changed.
    before = what_is_there(database_url, tmp_path)
    done = accord("import", str(tmp_path / "export.jsonl"), "--database-url", database_url)
    assert done.returncode == 2 and "already holds events" in done.stderr
    assert "Traceback" not in done.stderr
    assert what_is_there(database_url, tmp_path) == before


def test_a_good_import_into_no_ledger_makes_one(capsys, tmp_path, database_url):
    path = an_export(tmp_path)
    capsys.readouterr()
    code, out, _ = run(capsys, "import", str(path), "--database-url", database_url)
    assert code == 0 and out.startswith("imported 1 events")
    code, out, _ = run(capsys, "keys", "list", "--database-url", database_url)
    assert code == 0 and out == ""  # keys are not exported


# --- forgetting a person erases their keys' labels ---------------------------------------


def test_the_installed_forget_command_erases_the_labels_of_the_persons_keys(database_url):
    a_ledger(database_url)
    ledger = build_ledger(Settings(database_url=database_url))
    try:
        sam = ledger.people.register_person("Sam Label").id
        ledger.keys.create_key(sam, "member", "Sam's laptop")
    finally:
        ledger.close()
    done = accord("keys", "list", "--person", sam, "--json", "--database-url", database_url)
    assert [k["label"] for k in json.loads(done.stdout)] == ["Sam's laptop"]
    done = accord("forget", sam, "--basis", "request 2026-114", "--database-url", database_url)
    assert done.returncode == 0, done.stderr
    done = accord("keys", "list", "--json", "--database-url", database_url)
    listed = json.loads(done.stdout)
    theirs = [(k["label"], k["revoked_at"] is not None) for k in listed if k["person_id"] == sam]
    assert theirs == [(None, True)]
    assert [k["label"] for k in listed if k["person_id"] != sam] == ["first administrator"]
    assert "Sam" not in done.stdout


# --- expected errors: a message, never a traceback ---------------------------------------


@pytest.mark.store_independent
def test_expected_errors_are_told_in_one_line_without_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    a_ledger(url)
    (tmp_path / "notes.txt").write_text("not a database\n")
    cases = [
        (
            [
                "keys",
                "bootstrap",
                "--name",
                "A",
                "--database-url",
                f"sqlite:///{tmp_path}/notes.txt",
            ],
            "cannot be used: file is not a database",
        ),
        (["--database-url", "mysql://x/y", "keys", "list"], "unsupported database URL"),
        (["--database-url", "sqlite://", "keys", "list"], "sqlite:///relative/path.db"),
        (["--database-url", url, "export", str(tmp_path / "no" / "dir.jsonl")], "No such file"),
        (["--database-url", url, "import", str(tmp_path)], "Is a directory"),
        (["--database-url", url, "history", "--after", "x"], "invalid int value"),
        (["--database-url", url, "state", "--group", "nope"], "nope"),
    ]
    for argv, message in cases:
        done = accord(*argv)
        assert done.returncode == 2, (argv, done.stderr)
        assert message in done.stderr, (argv, done.stderr)
        assert "Traceback" not in done.stderr, argv
    env = {**os.environ, "ACCORD_PORT": "eighty"}
    done = subprocess.run(
        [str(ACCORD), "--database-url", url, "keys", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 2 and "ACCORD_PORT" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.store_independent
def test_a_failed_export_leaves_no_half_written_file(capsys, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    a_ledger(url)
    out = tmp_path / "export.jsonl"
    from application.transfer import TransferCommands

    def failing(self):
        yield {"format": "accord-ledger-export"}
        raise OSError(28, "No space left on device", str(out))

    monkeypatch.setattr(TransferCommands, "export_lines", failing)
    code, _, err = run(capsys, "export", str(out), "--database-url", url)
    assert code == 2 and "No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accord.db"]


@pytest.mark.postgres
def test_a_schema_that_does_not_exist_is_told_in_one_line(postgres_url, monkeypatch, tmp_path):
    monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", "accord_no_such_schema")
    done = accord("keys", "bootstrap", "--name", "Ada", "--database-url", postgres_url)
    assert done.returncode == 2 and done.stdout == ""
    assert 'cannot be used: schema "accord_no_such_schema" does not exist' in done.stderr
    assert "Traceback" not in done.stderr
    done = accord("history", "--database-url", postgres_url)
    assert done.returncode == 2
    assert (
        done.stderr.startswith("accord: no ledger at ") and "accord_no_such_schema" in done.stderr
    )
