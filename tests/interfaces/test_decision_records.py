"""Decisions as Markdown decision records (MADR shape): one over HTTP with
`Accept: text/markdown`, within the caller's access, and every one with
`accord export --format madr`, on every store."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.interfaces.support import Actor, Api
from tests.interfaces.test_server_survives import ACCORD
from tests.interfaces.test_web_records import Story, story

MARKDOWN = {"Accept": "text/markdown"}


def record_of(api: Api, decision: str, actor: Actor):
    return api.client.get(f"/decisions/{decision}", headers={**actor.headers, **MARKDOWN})


def test_a_decision_reads_as_a_decision_record_with_names(api, admin):
    s: Story = story(api, admin)
    answer = record_of(api, s.decision, admin)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/markdown")
    decision = api.read(f"/decisions/{s.decision}", admin)
    assert answer.headers["etag"] == f'"{decision["version"]}"'
    text = answer.text
    assert text.startswith("# Triage at the hub\n")
    for line in (
        "* Status: agreed",
        "* Group: Design team",
        "* Date: 2026-02-10",
        "* Method: Consent",
        "* Deciders: Ada Lovelace, Ben Okri",
        "## Context and Problem Statement",
        "## Decision Outcome\n\nThe hub triages.",
        # The principle by its wording now (it was amended after the decision cited it).
        f"* Work sits with those who do it (principle {s.principle})",
        f"Accord decision {s.decision}, version {decision['version']}",
    ):
        assert line in text, line
    # Without the header, the same route answers JSON as before.
    assert api.read(f"/decisions/{s.decision}", admin)["title"] == "Triage at the hub"


def test_the_record_honours_the_moments_asked_for(api, admin):
    s = story(api, admin)
    superseding = api.create(
        f"/groups/{s.group}/decisions",
        {
            "title": "Triage together",
            "decision": "Both teams triage.",
            "agreement": {
                "supersedes": [s.decision],
                "method": "vote",
                "participants": [s.ada.person_id, s.cora.person_id],
                "effective_at": "2026-05-01T09:00:00Z",
            },
        },
        "/decisions",
    )["id"]
    now = record_of(api, s.decision, admin).text
    assert f"* Status: superseded by Triage together (decision {superseding})" in now
    then = api.client.get(
        f"/decisions/{s.decision}",
        headers={**admin.headers, **MARKDOWN},
        params={"effective_at": "2026-03-01T00:00:00Z"},
    ).text
    assert "* Status: agreed\n" in then and "Triage together" not in then
    later = record_of(api, superseding, admin).text
    assert f"## Supersedes\n\n* Triage at the hub (decision {s.decision})" in later


def test_what_the_reader_may_not_see_is_named_by_its_id_alone(api, admin):
    parent = api.group("Programme board", as_=admin)["id"]
    principle = api.create(
        f"/groups/{parent}/principles",
        {"statement": "Secret board wording", "effective_at": "2026-01-02T09:00:00Z"},
        "/principles",
    )["id"]
    api.write("POST", f"/principles/{principle}/agree", json={}, status=200)
    child = api.group("Hub team", as_=admin, parent=parent)["id"]
    ada = api.person("Ada Lovelace")
    api.add_member(child, ada, effective_at="2026-01-02T09:00:00Z")
    decision = api.create(
        f"/groups/{child}/decisions",
        {
            "title": "Open on Saturdays",
            "decision": "The hub opens on Saturdays.",
            "agreement": {
                "method": "consent",
                "participants": [ada.person_id],
                "principles": [principle],
            },
        },
        "/decisions",
    )["id"]
    as_admin = record_of(api, decision, admin).text
    assert f"* Secret board wording (principle {principle})" in as_admin
    as_ada = record_of(api, decision, ada)
    assert as_ada.status_code == 200
    assert f"* principle {principle}" in as_ada.text and "Secret board" not in as_ada.text
    assert "* Deciders: Ada Lovelace" in as_ada.text


def test_a_forgotten_decider_and_hostile_text_read_safely(api, admin):
    s = story(api, admin)
    api.write(
        "POST", f"/people/{s.ben.person_id}/forget", json={"basis": "UK GDPR Art. 17"}, status=200
    )
    hostile = api.create(
        f"/groups/{s.group}/decisions",
        {"title": "# Not a heading *bold* [link](javascript:x)", "decision": "<script>x</script>"},
        "/decisions",
    )["id"]
    text = record_of(api, s.decision, admin).text
    assert "Ben Okri" not in text and "* Deciders: Ada Lovelace, Forgotten person" in text
    evil = record_of(api, hostile, admin).text
    assert evil.startswith("# \\# Not a heading \\*bold\\* \\[link\\](javascript:x)\n")
    assert "\\<script\\>x\\</script\\>" in evil and "<script>" not in evil


def test_another_groups_decision_is_not_found_as_markdown_either(api, admin):
    s = story(api, admin)
    outsider = api.person("Oona Outsider")
    api.add_member(api.group("Elsewhere", as_=admin)["id"], outsider)
    answer = record_of(api, s.decision, outsider)
    assert answer.status_code == 404 and s.decision in answer.text
    assert "Triage" not in answer.text


@pytest.mark.stores("sqlite", "postgres")
def test_accord_export_writes_one_record_per_decision_and_overwrites_nothing(
    api, admin, settings, tmp_path
):
    s = story(api, admin)
    env = {
        "ACCORD_DATABASE_URL": settings.resolved_database_url(),
        "ACCORD_POSTGRES_SCHEMA": settings.postgres_schema,
    }
    folder = tmp_path / "decisions"

    def export() -> subprocess.CompletedProcess[str]:
        import os

        return subprocess.run(
            [str(ACCORD), "export", "--format", "madr", str(folder)],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    done = export()
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["0001-triage-at-the-hub.md"], files
    written = (folder / files[0]).read_text()
    assert written == record_of(api, s.decision, admin).text
    assert done.stdout.strip() == f"wrote 1 decision records to {folder}"
    # Again into the same folder: refused, and nothing changed.
    again = export()
    assert again.returncode == 2 and "already holds 0001-triage-at-the-hub.md" in again.stderr
    assert (folder / files[0]).read_text() == written
    assert re.search(r"\bTraceback\b", again.stderr) is None
    assert Path(folder).is_dir()


def outcomes(api: Api, group: str, actor: Actor, **params: str) -> list[dict[str, str]]:
    import csv
    import io

    answer = api.client.get(
        f"/groups/{group}/decisions", headers={**actor.headers, "Accept": "text/csv"}, params=params
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_a_groups_decisions_read_as_an_outcomes_table(api, admin):
    s = story(api, admin)
    rejected = api.create(
        f"/groups/{s.group}/decisions",
        {"title": '=HYPERLINK("http://x")', "decision": "@SUM(A1)", "context": "Rooms"},
        "/decisions",
    )["id"]
    api.write("POST", f"/decisions/{rejected}/reject", json={"reason": "Not now"}, status=200)
    rows = outcomes(api, s.group, admin)
    assert [r["id"] for r in rows] == [s.decision, rejected]
    agreed = rows[0]
    assert agreed["title"] == "Triage at the hub" and agreed["status"] == "agreed"
    assert agreed["group_name"] == "Design team" and agreed["method"] == "consent"
    assert agreed["participant_names"] == "Ada Lovelace; Ben Okri"
    assert agreed["participants_count"] == "2" and agreed["outcome_statement"] == "The hub triages."
    assert agreed["principles"] == "Work sits with those who do it"
    assert agreed["effective_at"].startswith("2026-02-10")
    assert agreed["console_path"] == f"/console/decisions/{s.decision}"
    # Text a spreadsheet would run as a formula is written as text.
    assert rows[1]["title"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["outcome_statement"] == "'@SUM(A1)"
    assert rows[1]["status"] == "rejected" and rows[1]["outcome_reason"] == "Not now"
    # `status` filters; the JSON list pages as before.
    assert [r["id"] for r in outcomes(api, s.group, admin, status="rejected")] == [rejected]
    assert api.read(f"/groups/{s.group}/decisions?limit=1", admin)["next_cursor"]


def test_the_outcomes_table_leaves_out_what_the_reader_may_not_see(api, admin):
    parent = api.group("Programme board", as_=admin)["id"]
    principle = api.create(
        f"/groups/{parent}/principles",
        {"statement": "Secret board wording", "effective_at": "2026-01-02T09:00:00Z"},
        "/principles",
    )["id"]
    api.write("POST", f"/principles/{principle}/agree", json={}, status=200)
    child = api.group("Hub team", as_=admin, parent=parent)["id"]
    ada = api.person("Ada Lovelace")
    api.add_member(child, ada, effective_at="2026-01-02T09:00:00Z")
    api.create(
        f"/groups/{child}/decisions",
        {
            "title": "Open on Saturdays",
            "decision": "The hub opens on Saturdays.",
            "agreement": {
                "method": "consent",
                "participants": [ada.person_id],
                "principles": [principle],
            },
        },
        "/decisions",
    )
    assert outcomes(api, child, admin)[0]["principles"] == "Secret board wording"
    as_ada = outcomes(api, child, ada)[0]
    assert as_ada["principles"] == principle and as_ada["participant_names"] == "Ada Lovelace"
    outsider = api.person("Oona Outsider")
    refused = api.client.get(
        f"/groups/{child}/decisions", headers={**outsider.headers, "Accept": "text/csv"}
    )
    assert refused.status_code == 404 and "Saturdays" not in refused.text


def test_the_reports_csv_writes_text_that_would_run_as_a_formula_as_text(api, admin):
    evil = api.organisation("=cmd|' /C calc'!A0")["id"]
    group = api.group("Design team", as_=admin)["id"]
    api.create(
        f"/groups/{group}/accountabilities",
        {"title": "+Run the pathway", "holder": {"kind": "organisation", "id": evil}},
        "/accountabilities",
    )
    answer = api.client.get(
        "/reports/accountability",
        headers={**admin.headers, "Accept": "text/csv"},
        params={"table": "holdings_by_organisation", "min_position": api.head()},
    )
    assert answer.status_code == 200, answer.text
    assert "'=cmd|' /C calc'!A0" in answer.text
    assert "\n=cmd" not in answer.text and ",=cmd" not in answer.text


def test_the_decision_register_downloads_the_decisions_it_shows_as_a_table(api, admin):
    import csv
    import io

    from tests.interfaces.test_web import sign_in

    s = story(api, admin)
    api.create(f"/groups/{s.group}/decisions", {"title": "Rooms", "decision": "D"}, "/decisions")
    sign_in(api, admin)
    register = api.client.get(f"/console/groups/{s.group}/decisions?status=agreed")
    assert f'/console/groups/{s.group}/decisions?status=agreed&amp;format=csv"' in register.text
    table = api.client.get(f"/console/groups/{s.group}/decisions?status=agreed&format=csv")
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [r["title"] for r in rows] == ["Triage at the hub"]
    assert rows[0]["participant_names"] == "Ada Lovelace; Ben Okri"
    refused = api.client.get(f"/console/groups/{s.group}/decisions?format=pdf")
    assert refused.status_code == 422 and 'id="format-error"' in refused.text
