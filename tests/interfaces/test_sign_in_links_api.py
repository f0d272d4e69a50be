"""One-time sign-in links over the API (`POST /people/{id}/sign-in-links`, every store) and
from the command line (`accord keys invite`, SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from application.signin_links import _digest
from interfaces import cli
from tests.interfaces.support import Actor, Api, assert_problem, error_fields, open_client
from tests.interfaces.test_server_survives import ACCORD

LINK = re.compile(r"/signin/link/([A-Za-z0-9_-]{40,})$")


def make(api: Api, person_id: str, as_: Actor, body: dict[str, Any] | None = None) -> Any:
    return api.call("POST", f"/people/{person_id}/sign-in-links", as_, json=body or {})


def printed(label: str, out: str) -> str:
    found = re.search(rf"^{re.escape(label)}:\s+(\S+)$", out, re.MULTILINE)
    assert found, (label, out)
    return found.group(1)


def token_of(url: str) -> str:
    found = LINK.search(url)
    assert found, url
    return found.group(1)


@pytest.fixture
def cast(api: Api, admin: Actor) -> dict[str, Actor]:
    """A convener and a member of one group, an observer of it, and someone in no group."""
    people = {name: api.person(name) for name in ("Cora", "Mia", "Obi", "Olu")}
    group = api.group("Design team", as_=admin)
    api.add_member(group["id"], people["Cora"], "convener")
    api.add_member(group["id"], people["Mia"], "member")
    api.add_member(group["id"], people["Obi"], "observer")
    return people


def test_an_administrator_makes_a_link_that_expires_and_holds_no_key(api, admin, cast):
    before = datetime.now(UTC)
    answer = make(api, cast["Olu"].person_id, admin)
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert set(body) == {"url", "person_id", "role", "expires_at"}
    assert body["url"].startswith("http://testserver/signin/link/")
    assert (body["person_id"], body["role"]) == (cast["Olu"].person_id, "member")
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(minutes=15) <= expires <= datetime.now(UTC) + timedelta(minutes=15)
    assert "acc_" not in answer.text and "secret" not in answer.text
    # Usable, and stored only as a digest.
    token = token_of(body["url"])
    assert api.ledger.sign_in_links.usable(token)
    store = api.ledger.sign_in_links.store
    assert store.find_sign_in_link(token) is None
    assert store.find_sign_in_link(_digest(token)) is not None
    # No key is made until the link is used: Olu still has only the key the test gave them.
    keys = api.ledger.keys.list_keys(cast["Olu"].person_id)
    assert [k.key_id for k in keys] == [cast["Olu"].key_id]


def test_an_administrator_chooses_the_role_and_how_long_it_lasts(api, admin, cast):
    answer = make(api, cast["Olu"].person_id, admin, {"role": "auditor", "minutes": 60})
    assert answer.status_code == 201, answer.text
    assert answer.json()["role"] == "auditor"
    expires = datetime.fromisoformat(answer.json()["expires_at"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(minutes=60)


def test_a_convener_makes_member_links_for_the_people_in_their_group_only(api, cast):
    cora = cast["Cora"]
    for name in ("Mia", "Obi"):
        assert make(api, cast[name].person_id, cora).status_code == 201
    # Someone in none of Cora's groups does not exist for her; another role is not hers to give.
    assert_problem(make(api, cast["Olu"].person_id, cora), 404)
    assert_problem(make(api, cast["Mia"].person_id, cora, {"role": "administrator"}), 403)


@pytest.mark.parametrize("caller", ["Mia", "Obi"])
def test_a_member_or_observer_may_not_make_links_for_others_nor_for_themselves(api, cast, caller):
    as_ = cast[caller]
    assert_problem(make(api, cast["Cora"].person_id, as_), 403)
    assert_problem(make(api, as_.person_id, as_), 403)
    assert_problem(make(api, cast["Olu"].person_id, as_), 404)


def test_an_auditor_may_not_make_links(api, cast):
    row, secret = api.ledger.keys.create_key(cast["Olu"].person_id, "auditor")
    auditor = Actor(cast["Olu"].person_id, row.key_id, secret)
    assert_problem(make(api, cast["Mia"].person_id, auditor), 403)


def test_an_unknown_person_reads_as_one_the_caller_may_not_see(api, admin, cast):
    unknown = str(uuid.uuid4())
    hidden = assert_problem(make(api, cast["Olu"].person_id, cast["Cora"]), 404)
    missing = assert_problem(make(api, unknown, admin), 404)
    assert hidden["detail"].replace(cast["Olu"].person_id, "X") == missing["detail"].replace(
        unknown, "X"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": 10_081}, "minutes"),
        ({"role": "owner"}, "role"),
        ({"person_id": "x"}, "person_id"),
    ],
)
def test_a_link_asked_for_with_bad_input_is_a_422_naming_the_field(api, admin, cast, body, field):
    answer = make(api, cast["Mia"].person_id, admin, body)
    assert error_fields(assert_problem(answer, 422)) == [field]


def test_a_link_is_not_made_twice_for_one_idempotency_key(api, admin, cast):
    url = f"/people/{cast['Mia'].person_id}/sign-in-links"
    headers = {**admin.headers, "Idempotency-Key": str(uuid.uuid4())}
    first = api.client.post(url, json={}, headers=headers)
    assert first.status_code == 201
    again = api.client.post(url, json={}, headers=headers)
    assert_problem(again, 409)
    assert first.json()["url"] not in again.text


def test_the_link_names_the_public_address_when_one_is_set(api, admin, cast, monkeypatch):
    monkeypatch.setenv("ACCORD_PUBLIC_URL", "https://accord.example.org/")
    with open_client(api.ledger) as client:
        answer = client.post(
            f"/people/{cast['Mia'].person_id}/sign-in-links", json={}, headers=admin.headers
        )
    assert answer.status_code == 201, answer.text
    assert answer.json()["url"].startswith("https://accord.example.org/signin/link/")


def test_the_route_is_documented_with_its_errors(client):
    operation = client.get("/openapi.json").json()["paths"]["/people/{person_id}/sign-in-links"]
    post = operation["post"]
    assert {"201", "403", "404", "422"} <= set(post["responses"])
    assert "once" in post["description"]


# ---------------------------------------------------------------- accord keys invite


@pytest.fixture
def url(settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """The ledger fixture's database, for `--database-url` (and its schema, on PostgreSQL)."""
    resolved = settings.resolved_database_url()
    if resolved.startswith("postgres"):
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", settings.postgres_schema)
    return resolved


def registered(ledger) -> str:
    from tests.conftest import acting_as

    admin, _, _ = ledger.keys.bootstrap("Ada Admin")
    with acting_as(admin):
        return str(ledger.people.register_person("Sam Rivera").id)


@pytest.mark.stores("sqlite", "postgres")
def test_accord_keys_invite_prints_a_link_that_signs_the_person_in_once(ledger, url, capsys):
    sam = registered(ledger)
    code = cli.main(
        ["--database-url", url, "keys", "invite", "--person", sam, "--minutes", "5",
         "--base-url", "https://accord.example.org"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    link = re.search(r"^sign-in link \(usable once\): (\S+)$", out, re.MULTILINE)
    assert link and link.group(1).startswith("https://accord.example.org/signin/link/")
    assert "acc_" not in out
    expires = datetime.fromisoformat(printed("expires at", out))
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    token = token_of(link.group(1))
    _, session = ledger.sessions.start_with(ledger.sign_in_links, token)
    assert session.caller.person_id == sam


@pytest.mark.stores("sqlite")
def test_the_installed_accord_invites_for_the_configured_minutes_and_refuses_an_unknown_person(
    ledger, url, tmp_path: Path
):
    sam = registered(ledger)
    env = {"ACCORD_SIGN_IN_LINK_MINUTES": "7", "PATH": "/usr/bin:/bin"}
    made = subprocess.run(
        [str(ACCORD), "--database-url", url, "keys", "invite", "--person", sam],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "http://127.0.0.1:8000/signin/link/" in made.stdout
    expires = datetime.fromisoformat(printed("expires at", made.stdout))
    assert timedelta(minutes=6) < expires - datetime.now(UTC) <= timedelta(minutes=7)
    assert ledger.sign_in_links.usable(token_of(made.stdout.splitlines()[0]))
    refused = subprocess.run(
        [str(ACCORD), "--database-url", url, "keys", "invite", "--person", str(uuid.uuid4())],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "no person with id" in refused.stderr and "signin/link" not in refused.stdout
