"""People and minutes in a real browser: search a person, open their page, open a group's
minutes and download them as Markdown, on the demo ledger served by `accord serve`.

Set ACCORD_SCREENS=docs/screens to keep screenshots of these pages there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.interfaces import test_web_browser as shared
from tests.interfaces.test_web_browser import no_accessibility_violations, screenshot, sign_in

# The fixtures of the console's browser tests: a browser, and the demo ledger served.
browser = shared.browser
served = shared.served
pytestmark = pytest.mark.slow


def test_a_reviewer_finds_a_person_opens_their_page_and_the_minutes(browser: Any, served: Any):
    people = served.api("GET", "/people", params={"limit": 200})["items"]
    someone = next(p for p in people if p["groups"] or p["organisation_name"])
    part = someone["name"].split()[0][:4].lower()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, served)
    # The navigation's link, not a record whose title happens to contain the word.
    page.get_by_role("link", name="People", exact=True).click()
    assert page.get_by_role("heading", name="People", level=1).is_visible()
    page.get_by_label("Name contains").fill(part)
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(f"**q={part}**")
    assert page.get_by_role("link", name=someone["name"]).first.is_visible()
    no_accessibility_violations(page)
    screenshot(page, "people")

    page.get_by_role("link", name=someone["name"]).first.click()
    assert page.get_by_role("heading", name=someone["name"], level=1).is_visible()
    assert page.get_by_role("heading", name="Organisation over time").is_visible()
    no_accessibility_violations(page)
    screenshot(page, "person")
    page.get_by_label("In effect on").fill("2025-03-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**on=2025-03-01**")
    assert page.get_by_text("You are looking at the past").is_visible()
    no_accessibility_violations(page)

    groups = served.api("GET", "/groups", params={"limit": 200})["items"]
    team = next(g for g in groups if g["title"] == "Living Well Coordinating Group")
    page.goto(f"{served.url}/console/groups/{team['id']}")
    page.get_by_role("link", name="What changed in the last month, as minutes").click()
    assert page.get_by_role("heading", name="Changes in", level=1).is_visible()
    page.get_by_label("First day").fill("2024-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**from=2024-01-01**")
    assert page.locator("section.minutes").count() >= 2
    no_accessibility_violations(page)
    screenshot(page, "minutes")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as Markdown").click()
    saved = download.value
    assert saved.suggested_filename.endswith(".md")
    text = Path(saved.path()).read_text(encoding="utf-8")
    assert text.startswith("# Changes in Living Well Coordinating Group")
    assert "\n## " in text

    page.get_by_label("First day").fill("2026-04-01")
    page.get_by_label("Last day").fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    assert page.locator("#to-error").is_visible()
    no_accessibility_violations(page)
    page.goto(f"{served.url}/console/people/00000000-0000-4000-8000-000000000000")
    assert page.get_by_role("heading", name="Not found").is_visible()
