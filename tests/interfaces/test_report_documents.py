"""GET /reports/accountability as a document: HTML, Markdown or a CSV table by Accept, the
same documents `accord report` writes, within the caller's rights."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from interfaces.reports.common import Names
from interfaces.reports.csv import csv_table
from interfaces.reports.markdown import render_markdown
from interfaces.reports.naming import record_names
from interfaces.reports.tables import TABLE_NAMES, tables
from tests.interfaces.support import Api

REPORT = "/reports/accountability"
START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
PERIOD = {"from": START.isoformat(), "to": END.isoformat(), "interval": "quarter"}


def world(api: Api) -> dict[str, str]:
    """A group whose accountability is held by one organisation's person, and another group."""
    org = api.organisation("Hope <b>Street</b>", "vcse")["id"]
    sam = api.person("Sam Rivera", org)
    ours = api.group("Design team")["id"]
    api.add_member(ours, sam)
    api.create(
        f"/groups/{ours}/accountabilities",
        {"title": "Run the referral pathway", "holder": {"kind": "person", "id": sam.person_id}},
        "/accountabilities",
    )
    theirs = api.group("Secret team")["id"]
    api.create(
        f"/groups/{theirs}/accountabilities",
        {"title": "Hidden work", "holder": {"kind": "organisation", "id": org}},
        "/accountabilities",
    )
    return {"ours": ours, "theirs": theirs, "sam_key": sam.secret}


def computed(api: Api, group: str) -> dict[str, Any]:
    """The report as `accord report` computes it, for the same group and period."""
    return api.ledger.reports.accountability_report(group, start=START, end=END, interval="quarter")


def test_the_report_answers_html_markdown_and_csv_by_accept_and_json_by_default(api, admin):
    ids = world(api)
    params = {"group": ids["ours"], "min_position": str(api.head())}
    html = api.client.get(
        REPORT, params={**PERIOD, **params}, headers={**admin.headers, "Accept": "text/html"}
    )
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert (
        "<svg" in html.text and "Run the referral pathway" not in html.text
    ) or "Design team" in html.text
    assert "<b>Street</b>" not in html.text  # names are text, not markup
    markdown = api.client.get(
        REPORT, params={**PERIOD, **params}, headers={**admin.headers, "Accept": "text/markdown"}
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    found = computed(api, ids["ours"])
    # The same paper `accord report --format md` writes, from the same report.
    assert markdown.text == render_markdown(found, record_names(api.ledger, found))
    for accept in ("application/json", "*/*", "text/html;q=0.1, application/json"):
        answer = api.client.get(
            REPORT, params={**PERIOD, **params}, headers={**admin.headers, "Accept": accept}
        )
        assert answer.headers["content-type"].startswith("application/json"), accept


@pytest.mark.parametrize("table", ["summary", "holdings_by_organisation", "holdings_by_sector"])
def test_a_csv_table_of_the_report_is_the_table_accord_report_writes(api, admin, table):
    ids = world(api)
    params = {**PERIOD, "group": ids["ours"], "min_position": str(api.head()), "table": table}
    answer = api.client.get(REPORT, params=params, headers={**admin.headers, "Accept": "text/csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"accountability-{table}.csv" in answer.headers["content-disposition"]
    found = computed(api, ids["ours"])
    assert answer.text == csv_table(found, table, record_names(api.ledger, found))
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert len(rows) >= 1


def test_a_members_report_document_holds_only_what_they_may_see(api, admin):
    ids = world(api)
    sam = {"Authorization": f"Bearer {ids['sam_key']}"}
    for accept in ("text/html", "text/markdown"):
        answer = api.client.get(
            REPORT,
            params={**PERIOD, "min_position": str(api.head())},
            headers={**sam, "Accept": accept},
        )
        assert answer.status_code == 200
        assert "Hidden work" not in answer.text and "Secret team" not in answer.text
    scope = api.client.get(
        REPORT, params={**PERIOD, "min_position": str(api.head())}, headers=sam
    ).json()["scope"]
    assert scope["groups"] == [ids["ours"]]


def test_the_table_names_are_those_the_renderer_makes(api):
    found = api.ledger.reports.accountability_report()
    assert tuple(t.name for t in tables(found, Names(found))) == TABLE_NAMES


def test_report_documents_name_people_and_sectors_and_a_forgotten_person_is_no_name(api, admin):
    ids = world(api)
    params = {**PERIOD, "group": ids["ours"]}
    headers = {**admin.headers, "Accept": "text/markdown"}
    paper = api.client.get(
        REPORT, params={**params, "min_position": str(api.head())}, headers=headers
    )
    assert "Sam Rivera (person)" in paper.text and "| VCSE |" in paper.text
    sam = api.client.get("/me", headers={"Authorization": f"Bearer {ids['sam_key']}"}).json()
    forgotten = api.client.post(
        f"/people/{sam['person_id']}/forget",
        json={"basis": "UK GDPR Art. 17"},
        headers=admin.headers,
    )
    assert forgotten.status_code == 200
    paper = api.client.get(
        REPORT, params={**params, "min_position": str(api.head())}, headers=headers
    )
    assert "Sam Rivera" not in paper.text and "Forgotten person (person)" in paper.text


def test_a_report_of_a_group_and_its_sub_groups_breaks_down_by_group_in_every_document(api, admin):
    ids = world(api)
    sam = {"Authorization": f"Bearer {ids['sam_key']}"}
    hub = api.group("Hub <i>keys</i>", parent=ids["ours"])["id"]
    hidden = api.group("Secret sub", parent=ids["ours"])["id"]
    org = api.organisation("River Council", "local_authority")["id"]
    for group, title in ((hub, "Open the hub"), (hub, "Staff the hub"), (hidden, "Quiet work")):
        api.create(
            f"/groups/{group}/accountabilities",
            {"title": title, "holder": {"kind": "organisation", "id": org}},
            "/accountabilities",
        )
    params = {**PERIOD, "group": ids["ours"], "include_subgroups": "true"}
    params["min_position"] = str(api.head())

    def get(headers, accept, **extra):
        answer = api.client.get(
            REPORT, params={**params, **extra}, headers={**headers, "Accept": accept}
        )
        assert answer.status_code == 200, answer.text
        return answer.text

    markdown = get(admin.headers, "text/markdown")
    part = markdown[markdown.index("## By sub-group") : markdown.index("## Where")]
    assert "| Design team |  | 1 | 1 | 1 | 0 | 0 | 0 | 0 |" in part
    assert "| Hub \\<i\\>keys\\</i\\> | Design team | 2 | 1 | 1 | 0 | 0 | 0 | 0 |" in part
    assert "| Secret sub | Design team | 1 | 1 | 1 |" in part
    html = get(admin.headers, "text/html")
    assert '<a href="#by-group">By sub-group</a>' in html
    section = html[html.index('<section id="by-group">') :]
    section = section[: section.index("</section>")]
    assert "<td>Hub &lt;i&gt;keys&lt;/i&gt;</td><td>Design team</td>" in section
    assert "<i>keys</i>" not in html  # names are text, not markup
    rows = list(csv.DictReader(io.StringIO(get(admin.headers, "text/csv", table="by_group"))))
    assert [(r["name"], r["role"], r["parent_name"], r["accountabilities"]) for r in rows] == [
        ("Design team", "group", "", "1"),
        ("Hub <i>keys</i>", "subgroup", "Design team", "2"),
        ("Secret sub", "subgroup", "Design team", "1"),
    ]
    # Sam sees the group only: no breakdown, and nothing of the sub-groups.
    for accept in ("text/markdown", "text/html"):
        text = get(sam, accept)
        assert "By sub-group" not in text and "Secret sub" not in text and "Hub" not in text
    assert list(csv.reader(io.StringIO(get(sam, "text/csv", table="by_group")))) == [
        [*expected_by_group_headers()]
    ]
    # One group alone has no breakdown either.
    alone = get(admin.headers, "text/markdown", include_subgroups="false")
    assert "By sub-group" not in alone and "By group" not in alone


def expected_by_group_headers() -> tuple[str, ...]:
    return (
        "group_id",
        "name",
        "role",
        "parent_group_id",
        "parent_name",
        "depth",
        "accountabilities",
        "holders",
        "organisations",
        "decisions_agreed",
        "handovers_accepted",
        "conflicts_open",
        "conflicts_raised",
    )
