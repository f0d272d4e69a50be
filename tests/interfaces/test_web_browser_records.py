"""Conflict, principle and accountability pages in a real browser, opened from the links in
the group page and the timeline of the demo ledger: what they show, the time settings, and
axe-core's WCAG 2.2 AA checks (fixtures from test_web_browser.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.interfaces.test_web_browser import (  # noqa: F401 (fixtures)
    browser,
    no_accessibility_violations,
    screenshot,
    served,
    sign_in,
)

pytestmark = pytest.mark.slow
GROUP = "Community Hub Design Team"


def open_from_timeline(page: Any, group_url: str, kind: str, path: str) -> str:
    """Follow the first link to a record of `kind` in the group's timeline; its page's url."""
    page.goto(f"{group_url}/timeline?kind={kind}")
    page.locator(f'ul.timeline a[href^="/console/{path}/"]').first.click()
    page.wait_for_url(f"**/console/{path}/**")
    return str(page.url)


def test_record_pages_open_from_links_and_read_in_plain_words(browser, served):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, served)
    page.get_by_role("link", name=GROUP).click()
    group_url = page.url.split("?")[0]
    # The group's lists link to the records and to people.
    assert page.locator('a[href^="/console/accountabilities/"]').count() > 0
    assert page.locator('a[href^="/console/people/"]').count() > 0

    page.locator('a[href^="/console/accountabilities/"]').first.click()
    assert page.get_by_role("heading", name="Holders over time").is_visible()
    assert page.locator("#chain-h ~ table tbody tr").count() >= 1
    assert page.get_by_role("heading", name="History").is_visible()
    no_accessibility_violations(page)
    screenshot(page, "accountability")

    conflict = open_from_timeline(page, group_url, "conflict", "conflicts")
    assert page.get_by_role("heading", name="What it is about").is_visible()
    assert page.get_by_role("heading", name="Lifecycle").is_visible()
    assert page.locator("ul.timeline li").count() >= 1
    no_accessibility_violations(page)
    screenshot(page, "conflict")

    open_from_timeline(page, group_url, "principle", "principles")
    assert page.get_by_role("heading", name="Endorsements and objections").is_visible()
    assert page.get_by_role("heading", name="Cited by decisions").is_visible()
    no_accessibility_violations(page)
    screenshot(page, "principle")

    # The time control: a day long before the demo began, with the banner for the past.
    page.goto(conflict)
    page.get_by_label("In effect on").fill("2000-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**on=2000-01-01**")
    assert page.get_by_text("You are looking at the past").is_visible()
    assert page.get_by_text("did not exist yet").is_visible()
    no_accessibility_violations(page)
    # A bad day is explained beside its field.
    page.goto(conflict.split("?")[0] + "?on=2026-02-30")
    assert page.locator("#on-error").is_visible()
    no_accessibility_violations(page)


def test_timeline_entries_link_to_records_and_people_and_filter_by_organisation(
    browser,  # noqa: F811
    served,  # noqa: F811
):
    page = browser.new_page()
    sign_in(page, served)
    page.get_by_role("link", name=GROUP).click()
    page.get_by_role("link", name="Timeline: everything recorded in this group").click()
    entries = page.locator("ul.timeline")
    assert entries.locator('a[href^="/console/people/"]').count() > 0
    assert entries.locator('a[href^="/console/decisions/"]').count() > 0
    everything = page.locator("ul.timeline li").count()
    choices = page.locator("#organisation option")
    assert choices.count() > 1
    page.select_option("#organisation", index=1)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**organisation=**")
    assert 0 < page.locator("ul.timeline li").count() <= everything
    no_accessibility_violations(page)
