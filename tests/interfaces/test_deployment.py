"""The deployment in docker-compose.yml: least privilege, no password in the file, health
checks, checkpoints kept. There is no container engine here, so the compose file is parsed
and its properties checked, and the SQL and commands its services run are run for real, in
the same order, against the tests' PostgreSQL with the installed `accord`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import yaml

from interfaces.cli import parser
from tests.conftest import ROOT
from tests.interfaces.test_processes import free_port, wait_until_up
from tests.interfaces.test_server_survives import ACCORD

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APP_SERVICES = ("api", "projector", "checkpoint")
PSQL = shutil.which("psql")
# A value taken from .env, with compose refusing to start without it.
FROM_ENV = re.compile(r"^\$\{[A-Z_]+:\?[^}]*\}$")


def database_url(service: str) -> str:
    return str(SERVICES[service]["environment"]["ACCORD_DATABASE_URL"])


def user_and_password(url: str) -> tuple[str, str]:
    found = re.match(r"^postgresql://([^:@/]+):(.+)@db:5432/accord$", url)
    assert found, url
    return found.group(1), found.group(2)


def accord_command(words: list[str]) -> None:
    """The words run `accord` with arguments this version of the command accepts."""
    assert words[0] == "accord", words
    parser().parse_args(words[1:])


@pytest.mark.store_independent
def test_no_password_is_written_in_the_compose_file():
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key:
                assert FROM_ENV.match(str(value)), (name, key, value)
            if str(value).startswith("postgresql://"):
                assert FROM_ENV.match(user_and_password(str(value))[1]), (name, value)
    assert (ROOT / "deploy" / "accord.env.example").exists()
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".env" in ignored and "secrets/" in ignored


@pytest.mark.store_independent
def test_the_application_runs_as_a_role_that_creates_nothing_and_the_owner_only_migrates():
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert user_and_password(database_url(name))[0] == "accord_app", name
        assert environment["ACCORD_CREATE_TABLES"] == "false", name
        assert environment["ACCORD_POSTGRES_SCHEMA"] == "accord", name
        # After the owner has migrated and granted, never before.
        assert SERVICES[name]["depends_on"] == {
            "grants": {"condition": "service_completed_successfully"}
        }
    assert user_and_password(database_url("migrate"))[0] == "accord_owner"
    assert SERVICES["migrate"]["restart"] == "no"
    accord_command(SERVICES["migrate"]["command"])
    grants = SERVICES["grants"]
    assert grants["restart"] == "no" and "--username=accord_owner" in grants["command"]
    assert grants["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    # The roles are made on the database's first start, from files in this repository.
    for mount in SERVICES["db"]["volumes"][1:] + grants["volumes"]:
        source = mount.split(":")[0]
        assert (ROOT / source).is_file(), mount


@pytest.mark.store_independent
def test_the_api_and_the_projector_have_health_checks_and_checkpoints_are_signed_and_kept():
    api = SERVICES["api"]["healthcheck"]["test"]
    assert "/ready" in " ".join(api)
    projector = SERVICES["projector"]["healthcheck"]["test"]
    assert projector[0] == "CMD"
    accord_command(projector[1:])
    assert "--max-lag" in projector
    checkpoint = SERVICES["checkpoint"]
    assert checkpoint["secrets"] == ["checkpoint_key"]
    assert COMPOSE["secrets"]["checkpoint_key"]["file"] == "./secrets/checkpoint.key"
    assert "accord-checkpoints:/checkpoints" in checkpoint["volumes"]
    script = " ".join(checkpoint["command"])
    run = script[script.index("accord checkpoint") : script.index("|| exit")]
    # The file's name holds the time (`$$(date ...)`, compose's escape for the shell's `$`).
    accord_command(shlex.split(re.sub(r"\$\$\([^)]*\)", "NOW", run)))
    assert "--out /checkpoints/" in run and "sleep 86400" in script


# The services' SQL and commands, run for real.


def psql(url: str, sql_file: Path, **variables: str) -> None:
    assert PSQL is not None, "psql is needed (it comes with PostgreSQL)"
    args = [PSQL, url, "--set=ON_ERROR_STOP=1", "--quiet", f"--file={sql_file}"]
    args += [f"--set={name}={value}" for name, value in variables.items()]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def as_role(url: str, role: str, password: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}:{password}@{parts.hostname}:{parts.port}"))


def accord(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACCORD), *args], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.fixture
def roles(postgres_url: str) -> Iterator[dict[str, str]]:
    """The db service's first start: deploy/postgres/roles.sql, with names of this test."""
    import psycopg

    suffix = uuid.uuid4().hex[:8]
    names = {
        "owner": f"accord_owner_{suffix}",
        "app": f"accord_app_{suffix}",
        "schema": f"accord_{suffix}",
    }
    psql(
        postgres_url,
        ROOT / "deploy/postgres/roles.sql",
        **names,
        owner_password="owner-secret",
        app_password="app-secret",
    )
    try:
        yield names
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{names["schema"]}" CASCADE')
            for role in (names["app"], names["owner"]):
                conn.execute(f'DROP OWNED BY "{role}"')
                conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.stores("postgres")
def test_the_services_sql_and_commands_give_an_application_that_appends_and_alters_nothing(
    postgres_url, roles, tmp_path
):
    import psycopg

    schema = roles["schema"]
    owner = {
        "ACCORD_DATABASE_URL": as_role(postgres_url, roles["owner"], "owner-secret"),
        "ACCORD_POSTGRES_SCHEMA": schema,
    }
    app_url = as_role(postgres_url, roles["app"], "app-secret")
    app = {"ACCORD_DATABASE_URL": app_url, "ACCORD_POSTGRES_SCHEMA": schema}
    app["ACCORD_CREATE_TABLES"] = "false"
    # Before `migrate`, the application's role finds no ledger and creates none.
    assert accord(app, "keys", "list").returncode != 0
    # migrate, then grants, as the services run them.
    migrated = accord(owner, *SERVICES["migrate"]["command"][1:])
    assert migrated.returncode == 0, migrated.stderr
    psql(owner["ACCORD_DATABASE_URL"], ROOT / "deploy/postgres/grants.sql", **roles)
    # The first administrator, then the API as the application's role.
    made = accord(app, "keys", "bootstrap", "--name", "Ada Admin")
    assert made.returncode == 0, made.stderr
    key = re.search(r"acc_[A-Za-z0-9_.-]+", made.stdout)
    assert key, made.stdout
    port = free_port()
    with open(tmp_path / "serve.log", "w+b") as log:
        server = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)],
            env={**os.environ, **app, "ACCORD_PROJECTOR": "off"},
            stdout=log,
            stderr=log,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server, log)
            headers = {"Authorization": f"Bearer {key.group(0)}"}
            answer = httpx.post(
                f"{base}/groups",
                headers=headers,
                json={"name": "Design team", "kind": "design team", "purpose": "Design"},
                timeout=30,
            )
            assert answer.status_code == 201, answer.text
        finally:
            server.terminate()
            server.wait(timeout=30)
    # The projector and the checkpoint service, as the application's role.
    projected = accord(app, "project", "--once")
    assert projected.returncode == 0, projected.stderr
    status = accord(app, *SERVICES["projector"]["healthcheck"]["test"][2:])
    assert status.returncode == 0, status.stdout + status.stderr
    signing = tmp_path / "checkpoint.key"
    assert accord(app, "checkpoint", "keygen", "--out", str(signing)).returncode == 0
    signed = accord(app, "checkpoint", "--key", str(signing), "--out", str(tmp_path / "c.json"))
    assert signed.returncode == 0, signed.stderr
    verified = accord(
        app,
        "verify",
        "--checkpoint",
        str(tmp_path / "c.json"),
        "--public-key",
        f"{signing}.pub",
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # What the application's role may not do.
    s = f'"{schema}"'
    for statement in (
        f"CREATE TABLE {s}.forged (x int)",
        "CREATE TABLE public.forged (x int)",
        f"UPDATE {s}.ledger_events SET topic = 'forged'",
        f"DELETE FROM {s}.ledger_events",
        f"TRUNCATE {s}.ledger_events",
        f"DELETE FROM {s}.accord_chain",
        f"UPDATE {s}.accord_ledger SET ledger_id = 'another'",
        f"ALTER TABLE {s}.ledger_events DISABLE TRIGGER USER",
        f"DROP TABLE {s}.ledger_events",
    ):
        with (
            psycopg.connect(app_url, autocommit=True) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(statement.encode())
