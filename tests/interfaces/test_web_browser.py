"""The review console in a real browser: Chromium (the system's), driven by Playwright, against
`accord serve` started as users start it, on the demo ledger, on SQLite and PostgreSQL.

Set ACCORD_SCREENS=docs/screens to keep screenshots of the main pages there.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import postgres_schema
from tests.interfaces.test_processes import free_port, wait_until_up
from tests.interfaces.test_server_survives import ACCORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# CI sets this: a missing browser then fails the run instead of skipping these tests.
REQUIRE_BROWSER = os.environ.get("ACCORD_REQUIRE_BROWSER", "") not in ("", "0", "no")
SCREENS = os.environ.get("ACCORD_SCREENS")
# Each test drives a browser against a served demo ledger: `make check` runs them.
pytestmark = pytest.mark.slow
WCAG = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"}


@dataclass
class Served:
    url: str
    key: str

    def api(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.key}"}
        answer = httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
        assert answer.status_code < 300, answer.text
        return dict(answer.json())


@pytest.fixture
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        if REQUIRE_BROWSER:
            pytest.fail("Chromium is required (apt-get install chromium) but not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def demo_served(store_env: dict[str, str]) -> Iterator[Served]:
    env = {**os.environ, **store_env}
    made = subprocess.run(
        [str(ACCORD), "demo"], env=env, capture_output=True, text=True, timeout=600, check=True
    )
    key = next(
        line.split(":", 1)[1].strip()
        for line in made.stdout.splitlines()
        if line.startswith("API key (shown once)")
    )
    port = free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"accord-web-{port}.log"
    with open(log_path, "w+b") as log:
        process = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", process, log)
            yield Served(f"http://127.0.0.1:{port}", key)
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One demo ledger served per store, shared by this module's tests."""
    if request.param == "sqlite":
        database = tmp_path_factory.mktemp("web") / "accord.db"
        with demo_served({"ACCORD_DATABASE_URL": f"sqlite:///{database}"}) as value:
            yield value
        return
    url = request.getfixturevalue("postgres_url")
    with postgres_schema(url) as schema:
        env = {"ACCORD_DATABASE_URL": url, "ACCORD_POSTGRES_SCHEMA": schema}
        with demo_served(env) as value:
            yield value


def sign_in(page: Any, served: Served, key: str | None = None) -> None:
    page.goto(f"{served.url}/")
    assert page.url.startswith(f"{served.url}/signin")
    page.get_by_label("Your API key").fill(key or served.key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{served.url}/")


def no_accessibility_violations(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    found = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result.response["violations"]
        if WCAG & set(v["tags"])
    ]
    assert found == [], found


def screenshot(page: Any, name: str) -> None:
    if SCREENS:
        Path(SCREENS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENS) / f"{name}.png"), full_page=True)


def test_a_reviewer_signs_in_opens_a_group_and_sees_it_as_it_stood_on_a_past_day(browser, served):
    # A member who joined on 1 June 2025, in the demo's design team.
    groups = served.api("GET", "/groups", params={"limit": 200})["items"]
    team = next(g for g in groups if g["title"] == "Community Hub Design Team")
    organisation = served.api("GET", "/organisations", params={"limit": 1})["items"][0]["id"]
    late = served.api(
        "POST", "/people", json={"name": "Lately Joined", "organisation_id": organisation}
    )
    served.api(
        "POST",
        f"/groups/{team['id']}/members",
        json={"person_id": late["id"], "role": "member", "effective_at": "2025-06-01T09:00:00Z"},
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, served)
    assert page.get_by_role("heading", name="Your groups").is_visible()
    for title in ("Living Well Transformation Group", "Community Hub Design Team"):
        assert page.get_by_role("link", name=title).is_visible()
    screenshot(page, "home")
    page.get_by_role("link", name="Community Hub Design Team").click()
    assert page.get_by_role("heading", name="Community Hub Design Team", level=1).is_visible()
    assert page.get_by_role("cell", name="Lately Joined").is_visible()
    assert page.get_by_role("status").filter(has_text="looking at the past").count() == 0
    page.get_by_label("In effect on").fill("2025-03-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**on=2025-03-01**")
    assert page.get_by_text("You are looking at the past").is_visible()
    assert page.get_by_role("cell", name="Lately Joined").count() == 0
    screenshot(page, "group-in-the-past")
    page.get_by_role("link", name="a year earlier").click()
    page.wait_for_url("**on=2024-03-01**")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin**")
    page.goto(f"{served.url}/")
    assert "/signin" in page.url


def test_every_page_type_has_no_accessibility_violations(browser, served):
    page = browser.new_page()
    page.goto(f"{served.url}/signin")
    no_accessibility_violations(page)
    sign_in(page, served)
    no_accessibility_violations(page)
    page.get_by_role("link", name="Living Well Coordinating Group").click()
    group_url = page.url
    no_accessibility_violations(page)
    page.goto(page.url + "?on=2025-01-01")
    no_accessibility_violations(page)
    page.get_by_role("link", name="Timeline: everything recorded in this group").click()
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.locator("ul.timeline li").count() > 10
    no_accessibility_violations(page)
    screenshot(page, "timeline")
    page.goto(group_url)
    page.get_by_role("link", name="Decision register").click()
    assert page.get_by_role("heading", name="Decision register").is_visible()
    no_accessibility_violations(page)
    page.locator("table a").first.click()
    assert page.get_by_role("heading", name="How it was taken").is_visible()
    no_accessibility_violations(page)
    screenshot(page, "decision")
    page.goto(group_url)
    page.goto(page.url.split("?")[0] + "?on=not-a-date")
    assert page.locator("#on-error").is_visible()
    no_accessibility_violations(page)
    page.goto(f"{served.url}/console/groups/00000000-0000-0000-0000-000000000000")
    assert page.get_by_role("heading", name="Not found").is_visible()
    no_accessibility_violations(page)
    page.get_by_role("link", name="Report").click()
    assert page.get_by_role("heading", name="Key figures").is_visible()
    no_accessibility_violations(page)
    screenshot(page, "report")
    page.goto(f"{served.url}/console/report?start=2026-13-01")
    assert page.locator("#start-error").is_visible()
    no_accessibility_violations(page)


def test_the_console_works_with_javascript_off_and_keyboard_alone(browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{served.url}/signin")
    # From the top of the page, the keyboard reaches the skip link, then the key's field.
    page.keyboard.press("Tab")
    assert page.locator("a.skip:focus").count() == 1
    page.get_by_label("Your API key").focus()
    page.keyboard.type(served.key)
    page.get_by_label("Your API key").press("Enter")
    page.wait_for_url(f"{served.url}/")
    page.get_by_role("link", name="Living Well Transformation Group").click()
    assert page.get_by_role("heading", name="Members", exact=False).is_visible()
    context.close()


def test_a_person_outside_a_group_gets_not_found_and_sees_none_of_it(browser, served):
    outsider = served.api("POST", "/people", json={"name": "Otto Outsider"})
    key = httpx.post(
        f"{served.url}/keys",
        headers={"Authorization": f"Bearer {served.key}"},
        json={"person_id": outsider["id"], "role": "member"},
        timeout=30,
    ).json()["secret"]
    groups = served.api("GET", "/groups", params={"limit": 200})["items"]
    page = browser.new_page()
    sign_in(page, served, key)
    assert page.get_by_text("not a member of any group").is_visible()
    for group in groups:
        assert page.get_by_text(group["title"]).count() == 0
    page.goto(f"{served.url}/console/groups/{groups[0]['id']}")
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert groups[0]["title"] not in page.content()


def test_the_api_documentation_loads_with_no_network_beyond_accord(browser, served):
    page = browser.new_page()
    elsewhere: list[str] = []

    def only_accord(route: Any) -> None:
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_accord)
    page.goto(f"{served.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Accord" in page.inner_text(".swagger-ui .info .title")
    assert elsewhere == []


def filled(pdf: bytes) -> list[float]:
    """How far down each printed page its text reaches (0 empty, 1 the bottom edge)."""
    from pypdf import PdfReader

    reach: list[float] = []
    for sheet in PdfReader(io.BytesIO(pdf)).pages:
        height = float(sheet.mediabox.height)
        lowest = [height]

        def seen(text: str, cm: Any, tm: Any, font: Any, size: Any, lowest: Any = lowest) -> None:
            if text.strip():
                lowest[0] = min(lowest[0], tm[5] * cm[3] + cm[5])

        sheet.extract_text(visitor_text=seen)
        reach.append(round(1 - lowest[0] / height, 2))
    return reach


def test_the_report_and_the_minutes_print_without_half_empty_pages_or_refused_styles(
    browser, served
):
    """The report in the page (with its charts, whose style elements the page's policy allows
    by hash), the report document and the minutes, printed on A4: every page but the last is
    at least 60% full, and the browser refuses nothing the pages carry."""
    page = browser.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Security Policy" in message.text else None,
    )
    sign_in(page, served)
    page.get_by_role("link", name="Report").click()
    assert page.locator(".report svg[role=img]").count() >= 2
    assert page.get_by_role("heading", name="Agreed in the period").is_visible()
    group = served.api("GET", "/groups", params={"limit": 1})["items"][0]["id"]
    printed = {
        "report page": page.url,
        "report document": f"{served.url}/console/report?format=html",
        "minutes": f"{served.url}/console/groups/{group}/changes?from=2024-01-01",
    }
    for name, url in printed.items():
        page.goto(url)
        reach = filled(page.pdf(format="A4"))
        assert len(reach) >= 2, (name, reach)
        assert min(reach[:-1]) >= 0.6, (name, reach)
    assert refused == []
