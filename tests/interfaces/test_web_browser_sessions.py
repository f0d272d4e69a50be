"""The console's session rules and erasure in a real browser (the system's Chromium, driven by
Playwright) against `accord serve` on the demo ledger, on SQLite and PostgreSQL: a revoked key
and an expired session send the browser back to sign-in with a message, a form without its
CSRF token is refused while the session goes on, and a forgotten person's name is on no page.

The operator's side is done as an operator does it: `accord keys revoke` and `accord forget`
beside the running server, against the same database.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.interfaces import test_web_browser as shared

# The links module's demo server per store (module-scoped: this module gets a ledger of its
# own, in which a person is forgotten) and its way of running `accord` beside it.
from tests.interfaces import test_web_browser_links as links
from tests.interfaces.test_web_browser import (
    Served,
    no_accessibility_violations,
    sign_in,
)
from tests.interfaces.test_web_browser_links import accord

# The browser fixture of the console's browser tests.
browser = shared.browser
# A demo ledger of this module's own per store (a person is forgotten in it), with the
# environment that names its database, as the links module serves it.
served_with_env = links.served_with_env
pytestmark = pytest.mark.slow
COORDINATING = "Living Well Coordinating Group"


def new_member(served: Served) -> tuple[str, str, str]:
    """A newly registered person with a member's key: their id, the key's id and its secret."""
    person = served.api("POST", "/people", json={"name": "Sessa Tester"})
    key = served.api("POST", "/keys", json={"person_id": person["id"], "role": "member"})
    return person["id"], key["key_id"], key["secret"]


def age_session(env: dict[str, str], page: Any, **ages: timedelta) -> None:
    """Move this browser's session row back in time, straight in the database (as if the
    browser had sat idle, or the session had been open for long): `last_seen_at` and/or
    `created_at` become now minus the given age."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "accord_session")
    digest = hashlib.sha256(token.encode()).hexdigest()
    now = datetime.now(UTC)
    sets = ", ".join(f"{column} = '{(now - age).isoformat()}'" for column, age in ages.items())
    statement = f"UPDATE accord_sessions SET {sets} WHERE session_hash = '{digest}'"
    url = env["ACCORD_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            changed = conn.execute(statement).rowcount
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{env["ACCORD_POSTGRES_SCHEMA"]}"')
            changed = conn.execute(statement).rowcount
    assert changed == 1


def lands_on_sign_in(page: Any, served: Served, said: str) -> None:
    assert page.url.startswith(f"{served.url}/signin"), page.url
    assert page.get_by_role("heading", name="Sign in", level=1).is_visible()
    assert said in page.get_by_role("alert").inner_text()


def test_revoking_a_key_with_the_command_sends_its_browser_back_to_sign_in(
    browser: Any, served_with_env: tuple[Served, dict[str, str]]
):
    served, env = served_with_env
    _, key_id, secret = new_member(served)
    page = browser.new_page()
    sign_in(page, served, secret)
    page.goto(f"{served.url}/console/people")
    assert page.get_by_role("heading", name="People", level=1).is_visible()
    accord(env, "keys", "revoke", key_id)
    page.goto(f"{served.url}/console/people")
    lands_on_sign_in(page, served, "revoked")
    no_accessibility_violations(page)
    # Signing in again with the revoked key is refused; the form says so.
    page.get_by_label("Your API key").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    assert "not valid, or it was revoked" in page.get_by_role("alert").inner_text()
    page.goto(f"{served.url}/")
    assert page.url.startswith(f"{served.url}/signin")


def test_the_sign_in_page_shows_only_its_own_notes_never_text_from_its_address(
    browser: Any, served_with_env: tuple[Served, dict[str, str]]
):
    served, _ = served_with_env
    page = browser.new_page()
    page.goto(f"{served.url}/signin?message=Your+key+leaked%3A+mail+it+to+evil%40example.org")
    assert page.get_by_role("alert").count() == 0
    assert "evil@example.org" not in page.content()
    page.goto(f"{served.url}/signin?next=/&message=expired")
    assert "Your session has expired" in page.get_by_role("alert").inner_text()


@pytest.mark.parametrize(
    "ages",
    [
        pytest.param({"last_seen_at": timedelta(hours=2)}, id="idle"),
        pytest.param({"created_at": timedelta(hours=13)}, id="too-old"),
    ],
)
def test_an_expired_session_sends_the_browser_back_to_sign_in_and_then_to_its_page(
    browser: Any, served_with_env: tuple[Served, dict[str, str]], ages: dict[str, timedelta]
):
    served, env = served_with_env
    _, _, secret = new_member(served)
    page = browser.new_page()
    sign_in(page, served, secret)
    age_session(env, page, **ages)
    page.goto(f"{served.url}/console/people")
    lands_on_sign_in(page, served, "expired")
    # Signing in again goes back to the page that was asked for.
    page.get_by_label("Your API key").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served.url}/console/people")
    assert page.get_by_role("heading", name="People", level=1).is_visible()


def test_a_form_without_its_csrf_token_is_refused_and_the_session_goes_on(
    browser: Any, served_with_env: tuple[Served, dict[str, str]]
):
    served, _ = served_with_env
    _, _, secret = new_member(served)
    page = browser.new_page()
    sign_in(page, served, secret)
    removed = page.evaluate(
        "() => { const i = document.querySelector('form[action=\"/signout\"] input[name=csrf]');"
        " if (!i) return false; i.remove(); return true; }"
    )
    assert removed
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Sign out").click()
    assert answer.value.status == 403
    assert page.get_by_role("heading", name="Forbidden").is_visible()
    assert "token" in page.locator("main").inner_text()
    no_accessibility_violations(page)
    # A post from elsewhere (here: straight from the browser's context, cookie and all).
    for form in ({}, {"csrf": "forged"}):
        refused = page.request.post(f"{served.url}/signout", form=form, max_redirects=0)
        assert refused.status == 403
        assert refused.headers["content-type"].startswith("text/html")
    page.goto(f"{served.url}/")
    assert page.url == f"{served.url}/"
    assert page.get_by_role("button", name="Sign out").is_visible()
    # With its token, the same form signs out.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin**")
    assert page.get_by_role("status").filter(has_text="You have signed out").is_visible()


def record_pages(page: Any, group_url: str, name: str) -> list[str]:
    """The conflict, principle and accountability pages linked from the group page that
    name this person (at most two of each kind, to keep the test quick)."""
    page.goto(group_url)
    found: list[str] = []
    for kind in ("conflicts", "principles", "accountabilities"):
        hrefs = page.eval_on_selector_all(
            f"main a[href^='/console/{kind}/']", "links => links.map(a => a.getAttribute('href'))"
        )
        naming: list[str] = []
        for href in dict.fromkeys(hrefs):
            if len(naming) == 2:
                break
            answer = page.request.get(page.url.split("/console/")[0] + href)
            if name in answer.text():
                naming.append(href)
        found += naming
    return found


def visit(page: Any, url: str) -> str:
    page.goto(url)
    assert page.url.split("#")[0] == url.split("#")[0], page.url
    return str(page.content())


def test_a_forgotten_persons_name_is_on_no_page_of_the_console(
    browser: Any, served_with_env: tuple[Served, dict[str, str]]
):
    served, env = served_with_env
    base = served.url
    page = browser.new_page()
    sign_in(page, served)
    page.get_by_role("link", name=COORDINATING).click()
    group_url = page.url
    page.get_by_role("link", name="Decision register").click()
    register_url = page.url
    page.locator("table a").first.click()
    decision_url = page.url
    on_decision = page.eval_on_selector_all(
        "main a[href^='/console/people/']", "links => links.map(a => a.getAttribute('href'))"
    )
    group_html = visit(page, group_url)
    me = served.api("GET", "/me")["person_id"]
    # Someone named on the decision, on the group page and in the report, other than the
    # administrator (so that every kind of page is seen to name them before they are
    # forgotten).
    report_html = visit(page, f"{base}/console/report?format=html")
    candidates = [h for h in on_decision if h in group_html and not h.endswith(me)]
    for person_path in dict.fromkeys(candidates):
        visit(page, base + person_path)
        name = page.get_by_role("heading", level=1).inner_text()
        if name in report_html:
            break
    else:
        raise AssertionError(f"no one on the decision is named in the report: {candidates}")
    person_id = person_path.rsplit("/", 1)[1]
    pages = {
        "home": f"{base}/",
        "group": group_url,
        "timeline": f"{group_url}/timeline",
        "register": register_url,
        "decision": decision_url,
        "person": base + person_path,
        "people": f"{base}/console/people",
        "search": f"{base}/console/people?q={name.split()[-1][:4]}",
        "minutes": f"{group_url}/changes?from=2023-01-01",
        "report": f"{base}/console/report",
        "report as html": f"{base}/console/report?format=html",
    }
    pages |= {href: base + href for href in record_pages(page, group_url, name)}
    named = {label for label, url in pages.items() if name in visit(page, url)}
    must_name = {"group", "timeline", "decision", "person", "people", "search", "minutes"}
    must_name |= {"report as html"}
    assert must_name <= named, (name, sorted(named))
    assert any("/console/" in label for label in named), sorted(named)
    assert "Forgotten person" not in visit(page, group_url)

    accord(env, "forget", person_id, "--basis", "UK GDPR Art. 17, request 2026-118")

    def forgotten_everywhere() -> bool:
        return "Forgotten person" in visit(page, base + person_path)

    for _ in range(50):  # the server's read models follow the log within moments
        if forgotten_everywhere():
            break
        page.wait_for_timeout(200)
    for label, url in pages.items():
        html = visit(page, url)
        assert name not in html, label
        if label in named and label != "search":
            assert "Forgotten person" in html, label
    downloaded = page.request.get(f"{base}/console/report?format=html")
    assert downloaded.ok and name not in downloaded.text()
    markdown = page.request.get(f"{base}/console/report?format=md")
    assert markdown.ok and name not in markdown.text()
    # The name is not found by searching for it either.
    visit(page, f"{base}/console/people?q={name.split()[-1]}")
    assert page.get_by_role("link", name=re.compile(re.escape(name))).count() == 0
    no_accessibility_violations(page)
