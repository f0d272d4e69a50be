"""One-time sign-in links and the integrity page in a real browser (the system's Chromium,
driven by Playwright) against `accord serve` on the demo ledger, on SQLite and PostgreSQL,
with axe-core on each new page type."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import postgres_schema
from tests.interfaces.test_server_survives import ACCORD
from tests.interfaces.test_web_browser import (
    Served,
    browser,  # noqa: F401 (a fixture)
    demo_served,
    no_accessibility_violations,
    sign_in,
)

pytestmark = pytest.mark.slow


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served_with_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, dict[str, str]]]:
    """The demo ledger served per store, and the environment that names its database (for
    running `accord` beside the server, as an operator does)."""
    if request.param == "sqlite":
        database = tmp_path_factory.mktemp("links") / "accord.db"
        env = {"ACCORD_DATABASE_URL": f"sqlite:///{database}"}
        with demo_served(env) as served:
            yield served, env
        return
    url = request.getfixturevalue("postgres_url")
    with postgres_schema(url) as schema:
        env = {"ACCORD_DATABASE_URL": url, "ACCORD_POSTGRES_SCHEMA": schema}
        with demo_served(env) as served:
            yield served, env


def accord(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(ACCORD), *args], env={**os.environ, **env}, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


def invite(served: Served, env: dict[str, str], person_id: str, *extra: str) -> str:
    out = accord(env, "keys", "invite", "--person", person_id, "--base-url", served.url, *extra)
    found = re.search(r"^sign-in link \(usable once\): (\S+)$", out, re.MULTILINE)
    assert found, out
    return found.group(1)


def newcomer(served: Served, name: str) -> str:
    """A person registered in the demo ledger and added to its design team."""
    groups = served.api("GET", "/groups", params={"limit": 200})["items"]
    team = next(g for g in groups if g["title"] == "Community Hub Design Team")
    person = served.api("POST", "/people", json={"name": name})
    served.api(
        "POST", f"/groups/{team['id']}/members", json={"person_id": person["id"], "role": "member"}
    )
    return str(person["id"])


def test_a_person_signs_in_with_a_link_from_accord_keys_invite_once_only(
    browser: Any,  # noqa: F811 (the fixture imported above)
    served_with_env: tuple[Served, dict[str, str]],
) -> None:
    served, env = served_with_env
    link = invite(served, env, newcomer(served, "Linda Link"))
    page = browser.new_page()
    opened = page.goto(link)
    assert opened is not None and opened.status == 200
    assert page.get_by_role("heading", name="Sign in with your link").is_visible()
    no_accessibility_violations(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served.url}/")
    assert page.get_by_role("heading", name="Your groups").is_visible()
    assert page.get_by_role("link", name="Community Hub Design Team").is_visible()
    assert page.get_by_text("Linda Link").first.is_visible()
    # A member has no integrity page in the menu.
    assert page.get_by_role("link", name="Integrity").count() == 0
    # The same link, again, in another browser: it was used.
    other = browser.new_context().new_page()
    again = other.goto(link)
    assert again is not None and again.status == 404
    assert other.get_by_role("heading", name="This link cannot be used").is_visible()
    assert other.get_by_role("button", name="Sign in").count() == 0
    no_accessibility_violations(other)
    assert "/signin" in (other.goto(f"{served.url}/") and other.url)
    # The server's request log shows the requests by their route, never the link's token.
    port = served.url.rsplit(":", 1)[1]
    log = (Path(os.environ.get("TMPDIR", "/tmp")) / f"accord-web-{port}.log").read_text()
    assert "POST /signin/link/… 303 " in log
    assert link.rsplit("/", 1)[1] not in log


def test_an_auditor_opens_the_integrity_page_and_verifies_the_ledger(
    browser: Any,  # noqa: F811 (the fixture imported above)
    served_with_env: tuple[Served, dict[str, str]],
) -> None:
    served, env = served_with_env
    person = served.api("POST", "/people", json={"name": "Audrey Auditor"})
    link = invite(served, env, person["id"], "--role", "auditor")
    page = browser.new_page()
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served.url}/")
    page.get_by_role("link", name="Integrity").click()
    assert page.get_by_role("heading", name="Integrity", level=1).is_visible()
    assert page.get_by_role("heading", name="The chain's head").is_visible()
    no_accessibility_violations(page)
    page.get_by_role("button", name="Verify now").click()
    page.wait_for_url(f"{served.url}/console/integrity")
    status = page.get_by_role("status").filter(has_text="Intact.")
    assert status.is_visible()
    no_accessibility_violations(page)


def test_someone_signed_in_with_a_key_who_is_not_an_auditor_finds_no_integrity_page(
    browser: Any,  # noqa: F811 (the fixture imported above)
    served_with_env: tuple[Served, dict[str, str]],
) -> None:
    served, env = served_with_env
    person_id = newcomer(served, "Kim Key")
    out = accord(env, "keys", "create", "--person", person_id)
    key = re.search(r"^API key \(shown once\):\s+(\S+)$", out, re.MULTILINE)
    assert key
    page = browser.new_page()
    sign_in(page, served, key.group(1))
    answer = page.goto(f"{served.url}/console/integrity")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()


def test_an_administrator_makes_a_link_on_a_person_page_that_signs_the_person_in(
    browser: Any,  # noqa: F811 (the fixture imported above)
    served_with_env: tuple[Served, dict[str, str]],
) -> None:
    served, _ = served_with_env
    person = newcomer(served, "Petra Page")
    page = browser.new_page()
    sign_in(page, served)
    page.goto(f"{served.url}/console/people/{person}")
    no_accessibility_violations(page)
    # Impossible minutes: a message beside the field, and no link.
    page.get_by_label("Usable for (minutes)").fill("a week")
    page.get_by_role("button", name="Make a sign-in link").click()
    assert page.locator("#minutes-error").is_visible()
    no_accessibility_violations(page)
    page.get_by_label("Usable for (minutes)").fill("30")
    page.get_by_role("button", name="Make a sign-in link").click()
    assert page.get_by_role("heading", name="The link, shown this once").is_visible()
    no_accessibility_violations(page)
    link = page.get_by_label("Sign-in link").input_value()
    assert link.startswith(f"{served.url}/signin/link/")
    # Petra, in a browser of her own, signs in with it once.
    theirs = browser.new_context().new_page()
    theirs.goto(link)
    theirs.get_by_role("button", name="Sign in").click()
    theirs.wait_for_url(f"{served.url}/")
    assert theirs.get_by_text("Petra Page").first.is_visible()
