"""GET /groups/{id}/changes names the people, parties and records each change mentions,
within what the caller may see, and never a forgotten person's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from interfaces import cli
from tests.interfaces.support import Actor, Api

JAN = "2026-01-10T09:00:00Z"
MAR = "2026-03-01T09:00:00Z"
APR = "2026-04-01T09:00:00Z"
WINDOW = {"from": "2026-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}


@dataclass
class Story:
    group: str
    mia: Actor
    bob: Actor
    decision: str
    accountability: str
    conflict: str


def story(api: Api, admin: Actor, mia_name: str = "Mia Walker") -> Story:
    """Mia and Bob in a group: a decision they agreed, keys handed from Mia to Bob, a
    conflict Bob raised with Mia as party."""
    org = api.organisation("Hope Street")["id"]
    mia, bob = api.person(mia_name, org), api.person("Bob Baker", org)
    gid = api.group("Hub group", as_=admin, effective_at=JAN)["id"]
    api.add_member(gid, mia, effective_at=JAN)
    api.add_member(gid, bob, effective_at=JAN)
    # Each step is dated no earlier than what it follows (docs/time.md): the decision is
    # proposed when it is agreed, the keys offered a month before Bob accepts them.
    proposed = api.create(
        f"/groups/{gid}/decisions",
        {"title": "Open at nine", "decision": "9am.", "effective_at": MAR},
        "/decisions",
        mia,
    )
    api.write(
        "POST",
        f"/decisions/{proposed['id']}/agree",
        bob,
        {"method": "consent", "participants": [mia.person_id, bob.person_id], "effective_at": MAR},
    )
    raised = api.create(
        f"/groups/{gid}/conflicts",
        {
            "parties": [{"kind": "person", "id": mia.person_id}],
            "about": "Rota",
            "effective_at": MAR,
        },
        "/conflicts",
        bob,
    )
    defined = api.create(
        f"/groups/{gid}/accountabilities",
        {"title": "Keys", "holder": {"kind": "person", "id": mia.person_id}, "effective_at": JAN},
        "/accountabilities",
        mia,
    )
    offered = api.write(
        "POST",
        f"/accountabilities/{defined['id']}/handovers",
        mia,
        {"to": {"kind": "person", "id": bob.person_id}, "effective_at": MAR},
        status=201,
    )
    api.write(
        "POST",
        f"/accountabilities/{defined['id']}/handovers/{offered['open_handover_id']}/accept",
        bob,
        {"effective_at": APR},
    )
    return Story(gid, mia, bob, proposed["id"], defined["id"], raised["id"])


def changes(api: Api, s: Story, as_: Actor | None = None) -> list[dict[str, Any]]:
    params = {**WINDOW, "min_position": str(api.head())}
    answer = api.call("GET", f"/groups/{s.group}/changes", as_ or api.admin, params=params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["changes"])


def by_change(found: list[dict[str, Any]], change: str) -> dict[str, Any]:
    return next(c for c in found if c["change"] == change)


def test_each_change_names_who_recorded_it_and_the_people_it_mentions(api: Api, admin):
    s = story(api, admin)
    found = changes(api, s)
    mia, bob = s.mia.person_id, s.bob.person_id
    joined = [c for c in found if c["change"] == "member_joined"]
    assert [c["names"] for c in joined] == [{mia: "Mia Walker"}, {bob: "Bob Baker"}]
    assert {c["recorded_by_name"] for c in joined} == {"Ada Admin"}
    agreed = by_change(found, "decision_agreed")
    assert agreed["names"] == {mia: "Mia Walker", bob: "Bob Baker"}
    assert agreed["recorded_by_name"] == "Bob Baker" and agreed["title"] == "Open at nine"
    assert by_change(found, "decision_proposed")["names"] == {mia: "Mia Walker"}
    raised = by_change(found, "conflict_raised")
    assert raised["names"] == {bob: "Bob Baker", mia: "Mia Walker"}
    handed = by_change(found, "accountability_handed_over")
    assert handed["names"] == {bob: "Bob Baker", mia: "Mia Walker"}  # to Bob, from Mia
    assert handed["title"] == "Keys"
    assert by_change(found, "handover_offered")["names"] == {mia: "Mia Walker", bob: "Bob Baker"}


def test_a_decision_superseding_another_names_its_title(api: Api, admin):
    s = story(api, admin)
    later = api.create(
        f"/groups/{s.group}/decisions",
        {
            "title": "Open at ten",
            "decision": "10am.",
            "agreement": {
                "method": "consent",
                "participants": [s.bob.person_id],
                "supersedes": [s.decision],
                "effective_at": APR,
            },
        },
        "/decisions",
        s.bob,
    )
    found = changes(api, s)
    superseding = next(
        c for c in found if c["change"] == "decision_agreed" and c["record_id"] == later["id"]
    )
    assert superseding["titles"] == {s.decision: "Open at nine"}
    superseded = by_change(found, "decision_superseded")
    assert superseded["titles"] == {later["id"]: "Open at ten"}


def test_a_member_sees_no_name_for_someone_outside_their_groups(api: Api, admin):
    s = story(api, admin)
    # Olga, an administrator in none of Mia's groups, records a change in the group.
    olga = api.person("Olga Operator")
    made = api.client.post(
        "/keys", json={"person_id": olga.person_id, "role": "administrator"}, headers=admin.headers
    )
    olga_key = Actor(olga.person_id, "", made.json()["secret"], "Olga")
    api.write(
        "POST", f"/groups/{s.group}/purpose", olga_key, {"purpose": "New", "effective_at": APR}
    )
    seen_by_mia = changes(api, s, s.mia)
    restated = by_change(seen_by_mia, "purpose_restated")
    assert restated["recorded_by"] == olga.person_id
    assert restated["recorded_by_name"] is None
    assert "Olga Operator" not in str(seen_by_mia)
    assert by_change(changes(api, s), "purpose_restated")["recorded_by_name"] == "Olga Operator"


def test_after_forget_no_change_carries_the_persons_name(api: Api, admin):
    s = story(api, admin, mia_name="Wendeline Canary")
    api.write("POST", f"/people/{s.mia.person_id}/forget", json={"basis": "UK GDPR Art. 17"})
    found = changes(api, s)
    assert "Wendeline" not in str(found)
    assert by_change(found, "decision_agreed")["names"][s.mia.person_id] == "Forgotten person"
    assert by_change(found, "decision_proposed")["recorded_by_name"] == "Forgotten person"


@pytest.mark.stores("sqlite", "postgres")
def test_accord_changes_prints_the_same_minutes_as_markdown(
    api: Api, admin, settings, capsys, monkeypatch
):
    s = story(api, admin)
    window = {"from": "2026-01-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}
    document = api.client.get(
        f"/groups/{s.group}/changes",
        params={**window, "min_position": str(api.head())},
        headers={**admin.headers, "Accept": "text/markdown"},
    ).text
    monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", settings.postgres_schema)
    period = ["--from", window["from"], "--to", window["to"], "--format", "md"]
    code = cli.main(
        ["--database-url", settings.database_url, "changes", "--group", s.group, *period]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out == document
    assert "## Accountabilities and handovers" in out and "Bob Baker accepted" in out
