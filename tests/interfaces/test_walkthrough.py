"""The newcomer's walkthrough, through HTTP, on every store.

Each `walk_*` function is one part of the walkthrough and returns the URL of every record it
created, so that test_reopen.py can replay the whole walkthrough and read it all back again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.interfaces.support import CONVENED, Actor, Api, api_routes

MARCH = "2026-03-01T09:00:00+01:00"
APRIL = "2026-04-01T09:00:00+00:00"
MAY = "2026-05-01T12:30:00-04:00"


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def as_read(record: dict[str, Any]) -> dict[str, Any]:
    """A write response as a later GET shows it: the same record, without a position."""
    return {**record, "position": None}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


@dataclass
class Cast:
    """Three organisations, four people with their own keys and one open group."""

    admin: Actor
    north: str
    river: str
    hub: str
    mia: Actor
    bob: Actor
    gus: Actor
    otto: Actor
    group: str


def cast(api: Api) -> Cast:
    assert api.admin is not None
    north = api.organisation("Northshire Mental Health NHS Trust", "statutory_health")["id"]
    river = api.organisation("Riverside Council", "local_authority")["id"]
    hub = api.organisation("Café Ünïcode Hub 🌱", "vcse")["id"]
    mia = api.person("Mia Ngũgĩ", north, "mia@example.org")
    bob = api.person("Bob Øyelaran", river)
    gus = api.person("Gus Hub", hub)
    otto = api.person("Otto Outsider")
    group = api.group("Living Well transformation group")["id"]
    # Members from the group's start, so that decisions may be back-dated (docs/time.md).
    api.add_member(group, mia, effective_at=CONVENED)
    api.add_member(group, bob, effective_at=CONVENED)
    return Cast(api.admin, north, river, hub, mia, bob, gus, otto, group)


# ---------------------------------------------------------------- organisations and people


def walk_organisations_and_people(api: Api) -> list[str]:
    north = api.organisation("Northshire Mental Health NHS Trust", "statutory_health")
    assert set(north) == {"id", "version", "created_on", "modified_on", "position"} | {
        "name",
        "sector",
    }
    assert (north["name"], north["sector"], north["version"]) == (
        "Northshire Mental Health NHS Trust",
        "statutory_health",
        1,
    )
    assert north["created_on"] == north["modified_on"]
    river = api.organisation("Riverside Council", "local_authority")
    hub = api.organisation("  Café Ünïcode Hub 🌱  ", "vcse")
    assert hub["name"] == "Café Ünïcode Hub 🌱"

    url = f"/organisations/{river['id']}"
    renamed = api.write("POST", f"{url}/rename", json={"name": "Riverside Borough"}, if_match=1)
    assert (renamed["name"], renamed["version"]) == ("Riverside Borough", 2)
    moved = api.write("POST", f"{url}/sector", json={"sector": "commissioner"}, if_match=2)
    assert (moved["name"], moved["sector"], moved["version"]) == (
        "Riverside Borough",
        "commissioner",
        3,
    )
    modified, created = instant(moved["modified_on"]), instant(moved["created_on"])
    assert modified is not None and created is not None
    assert modified > created
    assert api.read(url) == as_read(moved)

    listed = api.listing("/organisations", limit=2)
    assert ids(listed) == [north["id"], river["id"], hub["id"]]
    assert listed[1] == {
        "id": river["id"],
        "kind": "organisation",
        "group_id": None,
        "title": "Riverside Borough",
        "status": "active",
        "version": 3,
        "position": moved["position"],
    }
    assert ids(api.listing("/organisations", limit=3)) == ids(listed)
    assert ids(api.listing("/organisations", status="active", limit=200)) == ids(listed)

    mia = api.person("Mia Ngũgĩ", north["id"], "mia@example.org")
    person = api.read(f"/people/{mia.person_id}")
    assert (person["name"], person["email"], person["organisation_id"]) == (
        "Mia Ngũgĩ",
        "mia@example.org",
        north["id"],
    )
    assert person["affiliations"] == [{"organisation_id": north["id"], "effective_at": None}]
    me = api.call("GET", "/me", mia)
    assert me.status_code == 200
    assert me.json() == {
        "person_id": mia.person_id,
        "key_id": mia.key_id,
        "role": "member",
        "groups": [],
    }

    changed = api.write(
        "POST",
        f"/people/{mia.person_id}/affiliation",
        json={"organisation_id": hub["id"], "effective_at": MARCH},
        if_match=1,
    )
    assert (changed["organisation_id"], changed["version"]) == (hub["id"], 2)
    assert [a["organisation_id"] for a in changed["affiliations"]] == [north["id"], hub["id"]]
    assert instant(changed["affiliations"][1]["effective_at"]) == instant(MARCH)
    left = api.write("POST", f"/people/{mia.person_id}/affiliation", json={"organisation_id": None})
    assert left["organisation_id"] is None and len(left["affiliations"]) == 3
    assert api.read(f"/people/{mia.person_id}") == as_read(left)
    # Found by part of the name, in any case; listed with no organisation now.
    found = api.listing("/people", q="ngũgĩ", limit=200)
    assert [(p["id"], p["name"], p["organisation_id"]) for p in found] == [
        (mia.person_id, "Mia Ngũgĩ", None)
    ]
    return [
        f"/organisations/{north['id']}",
        url,
        f"/organisations/{hub['id']}",
        f"/people/{mia.person_id}",
    ]


def test_organisations_and_people_are_registered_changed_listed_and_read_back(api):
    walk_organisations_and_people(api)


# ---------------------------------------------------------------- groups


def walk_groups(api: Api) -> list[str]:
    admin = api.admin
    assert admin is not None
    mia, bob, otto = api.person("Mia"), api.person("Bob"), api.person("Otto")
    group = api.group("Living Well transformation group")
    gid = group["id"]
    assert group["members"] == [{"person_id": admin.person_id, "role": "convener"}]
    assert (group["status"], group["parent_group_id"], group["version"]) == ("open", None, 1)
    assert group["kind"] == "design team"

    api.add_member(gid, mia)
    added = api.add_member(gid, bob, "observer", effective_at=MARCH)
    assert added["members"][-1] == {"person_id": bob.person_id, "role": "observer"}
    promoted = api.write(
        "POST",
        f"/groups/{gid}/members/{bob.person_id}/role",
        json={"role": "member", "effective_at": APRIL},
        if_match=added["version"],
    )
    assert {"person_id": bob.person_id, "role": "member"} in promoted["members"]
    api.add_member(gid, otto)
    left = api.write("DELETE", f"/groups/{gid}/members/{otto.person_id}")
    assert otto.person_id not in [m["person_id"] for m in left["members"]]
    assert [m["person_id"] for m in left["members"]] == [
        admin.person_id,
        mia.person_id,
        bob.person_id,
    ]
    restated = api.write(
        "POST",
        f"/groups/{gid}/purpose",
        json={"purpose": "Co-produce community mental health services"},
        if_match=left["version"],
    )
    assert restated["purpose"] == "Co-produce community mental health services"
    assert restated["version"] == left["version"] + 1
    assert api.read(f"/groups/{gid}") == as_read(restated)

    design = api.group("Design team", mia, parent=gid)
    assert design["parent_group_id"] == gid
    assert design["members"] == [{"person_id": mia.person_id, "role": "convener"}]
    referral = api.group("Referral pathway", parent=gid)
    pilot = api.group("Pilot", parent=design["id"])
    other = api.group("Unrelated top-level group")
    children = api.listing("/groups", limit=1, parent_group_id=gid)
    assert ids(children) == [design["id"], referral["id"]]
    assert {item["group_id"] for item in children} == {gid}
    assert [item["title"] for item in children] == ["Design team", "Referral pathway"]
    assert ids(api.listing("/groups", parent_group_id=design["id"])) == [pilot["id"]]
    assert api.listing("/groups", parent_group_id=pilot["id"]) == []
    everything = [gid, design["id"], referral["id"], pilot["id"], other["id"]]
    assert ids(api.listing("/groups", limit=2)) == everything

    closed = api.write(
        "POST", f"/groups/{pilot['id']}/close", json={"reason": "Pilot ended", "effective_at": MAY}
    )
    assert closed["status"] == "closed"
    assert ids(api.listing("/groups", status="closed")) == [pilot["id"]]
    assert ids(api.listing("/groups", status="open", limit=3)) == [
        g for g in everything if g != pilot["id"]
    ]
    return [f"/groups/{g}" for g in everything]


def test_a_group_is_convened_with_members_in_roles_and_its_sub_groups_are_listed(api):
    walk_groups(api)


# ---------------------------------------------------------------- decisions


def agreed_principle(api: Api, group: str, statement: str) -> dict[str, Any]:
    principle = api.create(f"/groups/{group}/principles", {"statement": statement}, "/principles")
    return api.write("POST", f"/principles/{principle['id']}/agree", json={})


def walk_decisions(api: Api) -> list[str]:
    c = cast(api)
    principle = agreed_principle(api, c.group, "Work is placed where it belongs")
    url = f"/groups/{c.group}/decisions"

    first = api.create(
        url,
        {
            "title": "Open access to the community hub",
            "decision": "The hub takes self-referrals from 1 April.",
            "context": "Waiting lists are long.",
            "rationale": "People know when they need help.",
            "effective_at": MARCH,
        },
        "/decisions",
        c.mia,
    )
    assert (first["status"], first["version"], first["proposed_by"]) == (
        "proposed",
        1,
        c.mia.person_id,
    )
    assert (first["group_id"], first["method"], first["participants"]) == (c.group, None, [])
    assert first["decision"] == "The hub takes self-referrals from 1 April."

    agreed = api.write(
        "POST",
        f"/decisions/{first['id']}/agree",
        c.bob,
        {
            "method": "consent",
            "participants": [c.mia.person_id, c.bob.person_id, c.admin.person_id],
            "objections": [{"person_id": c.bob.person_id, "reason": "Staffing at weekends"}],
            "principles": [principle["id"]],
            "effective_at": APRIL,
            "review_date": "2027-04-01",
        },
        if_match=1,
    )
    assert (agreed["status"], agreed["version"], agreed["method"]) == ("agreed", 2, "consent")
    assert agreed["participants"] == [c.mia.person_id, c.bob.person_id, c.admin.person_id]
    assert agreed["participant_organisations"] == sorted([c.north, c.river])
    assert agreed["objections"] == [
        {"person_id": c.bob.person_id, "reason": "Staffing at weekends"}
    ]
    assert agreed["principles"] == [principle["id"]]
    assert instant(agreed["effective_at"]) == instant(APRIL)
    assert agreed["review_date"] == "2027-04-01"
    assert api.read(f"/decisions/{first['id']}") == as_read(agreed)

    second = api.create(
        url,
        {"title": "Open access, weekdays only", "decision": "Self-referrals on weekdays."},
        "/decisions",
    )
    assert second["proposed_by"] == c.admin.person_id
    replacing = api.write(
        "POST",
        f"/decisions/{second['id']}/agree",
        json={
            "method": "consensus",
            "participants": [c.mia.person_id, c.bob.person_id],
            "supersedes": [first["id"]],
        },
    )
    assert (replacing["status"], replacing["supersedes"]) == ("agreed", [first["id"]])
    superseded = api.read(f"/decisions/{first['id']}")
    assert (superseded["status"], superseded["superseded_by"], superseded["version"]) == (
        "superseded",
        second["id"],
        3,
    )
    assert superseded["participants"] == agreed["participants"]

    revoked = api.write(
        "POST",
        f"/decisions/{second['id']}/revoke",
        json={"reason": "The pilot showed weekend demand"},
        if_match=replacing["version"],
    )
    assert (revoked["status"], revoked["outcome_reason"]) == (
        "revoked",
        "The pilot showed weekend demand",
    )

    recorded = api.create(
        url,
        {
            "title": "Peer support workers join triage",
            "decision": "Two peer support workers join the triage rota.",
            "agreement": {
                "method": "single_lead",
                "participants": [c.admin.person_id],
                "effective_at": MARCH,
            },
        },
        "/decisions",
    )
    assert (recorded["status"], recorded["version"], recorded["method"]) == (
        "agreed",
        2,
        "single_lead",
    )
    assert recorded["participant_organisations"] == []

    rejected = api.create(url, {"title": "Close the hub", "decision": "Close it."}, "/decisions")
    rejected = api.write(
        "POST", f"/decisions/{rejected['id']}/reject", json={"reason": "No"}, if_match=1
    )
    assert (rejected["status"], rejected["outcome_reason"]) == ("rejected", "No")
    withdrawn = api.create(url, {"title": "Move the hub", "decision": "Move it."}, "/decisions")
    withdrawn = api.write("POST", f"/decisions/{withdrawn['id']}/withdraw", json={})
    assert (withdrawn["status"], withdrawn["outcome_reason"]) == ("withdrawn", None)

    everything = [first["id"], second["id"], recorded["id"], rejected["id"], withdrawn["id"]]
    listed = api.listing(url, limit=2)
    assert ids(listed) == everything
    assert [item["status"] for item in listed] == [
        "superseded",
        "revoked",
        "agreed",
        "rejected",
        "withdrawn",
    ]
    assert listed[0]["version"] == 3 and listed[0]["position"] == replacing["position"]
    assert listed[2]["title"] == "Peer support workers join triage"
    assert listed[2]["position"] == recorded["position"]
    assert {item["kind"] for item in listed} == {"decision"}
    for status, expected in [
        ("agreed", [recorded["id"]]),
        ("superseded", [first["id"]]),
        ("revoked", [second["id"]]),
        ("rejected", [rejected["id"]]),
        ("withdrawn", [withdrawn["id"]]),
        ("proposed", []),
    ]:
        assert ids(api.listing(url, status=status, limit=1)) == expected, status
    return [f"/principles/{principle['id']}"] + [f"/decisions/{d}" for d in everything]


def test_a_decision_is_proposed_agreed_superseded_revoked_or_recorded_in_one_post(api):
    walk_decisions(api)


# ---------------------------------------------------------------- conflicts


def walk_conflicts(api: Api) -> list[str]:
    c = cast(api)
    other = api.group("Coordinating group")["id"]
    decision = api.create(
        f"/groups/{c.group}/decisions",
        {
            "title": "Shared triage",
            "decision": "Triage is shared between the trust and the hub.",
            "agreement": {"method": "consent", "participants": [c.mia.person_id]},
        },
        "/decisions",
    )
    url = f"/groups/{c.group}/conflicts"
    parties = [
        {"kind": "person", "id": c.bob.person_id},
        {"kind": "organisation", "id": c.north},
        {"kind": "person", "id": c.bob.person_id},
    ]
    raised = api.create(
        url,
        {
            "parties": parties,
            "about": "Who triages self-referrals",
            "description": "Both do.",
            "effective_at": MARCH,
        },
        "/conflicts",
        c.mia,
    )
    assert (raised["status"], raised["raised_by"], raised["version"]) == (
        "raised",
        c.mia.person_id,
        1,
    )
    assert raised["parties"] == parties[:2]
    assert (raised["about"], raised["description"], raised["notes"]) == (
        "Who triages self-referrals",
        "Both do.",
        [],
    )
    cid = raised["id"]
    acknowledged = api.write(
        "POST", f"/conflicts/{cid}/acknowledge", json={"note": "Heard"}, if_match=1
    )
    assert (acknowledged["status"], acknowledged["version"]) == ("acknowledged", 2)
    noted = api.write(
        "POST", f"/conflicts/{cid}/notes", c.bob, {"text": "Met on Tuesday"}, status=201
    )
    assert noted["status"] == "working_through"
    assert [n["text"] for n in noted["notes"]] == ["Met on Tuesday"]
    noted = api.write(
        "POST",
        f"/conflicts/{cid}/notes",
        json={"text": "Agreed to try shared triage"},
        status=201,
        if_match=3,
    )
    assert [n["text"] for n in noted["notes"]] == ["Met on Tuesday", "Agreed to try shared triage"]
    assert len({n["note_id"] for n in noted["notes"]}) == 2
    resolved = api.write(
        "POST",
        f"/conflicts/{cid}/resolve",
        json={"outcome": "Shared triage", "decision_id": decision["id"], "effective_at": MAY},
        if_match=4,
    )
    assert (resolved["status"], resolved["outcome"], resolved["resolved_by_decision_id"]) == (
        "resolved",
        "Shared triage",
        decision["id"],
    )
    assert api.read(f"/conflicts/{cid}") == as_read(resolved)

    escalated = api.create(
        url,
        {
            "parties": [{"kind": "group", "id": other}],
            "about": "Budget for the hub",
            "raised_by": c.bob.person_id,
        },
        "/conflicts",
    )
    assert escalated["raised_by"] == c.bob.person_id
    escalated = api.write(
        "POST",
        f"/conflicts/{escalated['id']}/escalate",
        json={"to_group_id": other, "reason": "Budgets are set there"},
    )
    assert (escalated["status"], escalated["escalated_to_group_id"]) == ("escalated", other)
    assert escalated["closed_reason"] == "Budgets are set there"

    withdrawn = api.create(
        url, {"parties": [{"kind": "person", "id": c.mia.person_id}], "about": "Rota"}, "/conflicts"
    )
    withdrawn = api.write(
        "POST", f"/conflicts/{withdrawn['id']}/withdraw", json={"reason": "Sorted informally"}
    )
    assert (withdrawn["status"], withdrawn["closed_reason"]) == ("withdrawn", "Sorted informally")

    everything = [cid, escalated["id"], withdrawn["id"]]
    listed = api.listing(url, limit=2)
    assert ids(listed) == everything
    assert [i["title"] for i in listed] == [
        "Who triages self-referrals",
        "Budget for the hub",
        "Rota",
    ]
    for status, expected in [
        ("resolved", [cid]),
        ("escalated", [escalated["id"]]),
        ("withdrawn", [withdrawn["id"]]),
        ("raised", []),
    ]:
        assert ids(api.listing(url, status=status)) == expected, status
    return [f"/decisions/{decision['id']}", f"/groups/{other}"] + [
        f"/conflicts/{x}" for x in everything
    ]


def test_conflicts_are_raised_acknowledged_worked_through_and_resolved_escalated_or_withdrawn(
    api,
):
    walk_conflicts(api)


# ---------------------------------------------------------------- principles


def walk_principles(api: Api) -> list[str]:
    c = cast(api)
    url = f"/groups/{c.group}/principles"
    proposed = api.create(
        url,
        {
            "statement": "Work is placed where it belongs",
            "rationale": "Subsidiarity ∑ ≠ 中文",
            "effective_at": MARCH,
        },
        "/principles",
    )
    assert (proposed["status"], proposed["endorsements"], proposed["earlier_wordings"]) == (
        "proposed",
        [],
        [],
    )
    assert proposed["agreed_at"] is None and proposed["group_id"] == c.group
    pid = proposed["id"]
    endorsed = api.write(
        "POST", f"/principles/{pid}/endorsements", c.mia, {"reason": "Yes"}, status=201
    )
    assert endorsed["endorsements"] == [
        {"person_id": c.mia.person_id, "stance": "endorse", "reason": "Yes"}
    ]
    objected = api.write(
        "POST",
        f"/principles/{pid}/endorsements",
        c.bob,
        {"stance": "object", "reason": "Too vague"},
        status=201,
        if_match=2,
    )
    assert objected["endorsements"][1] == {
        "person_id": c.bob.person_id,
        "stance": "object",
        "reason": "Too vague",
    }
    on_behalf = api.write(
        "POST",
        f"/principles/{pid}/endorsements",
        json={"stance": "endorse", "person_id": c.bob.person_id},
        status=201,
    )
    assert [(e["person_id"], e["stance"]) for e in on_behalf["endorsements"]] == [
        (c.mia.person_id, "endorse"),
        (c.bob.person_id, "endorse"),
    ]
    # Otto is in no group of this principle's: to him it does not exist.
    outsider = api.call("POST", f"/principles/{pid}/endorsements", c.otto, json={})
    assert outsider.status_code == 404
    assert api.read(f"/principles/{pid}")["version"] == on_behalf["version"]

    agreed = api.write("POST", f"/principles/{pid}/agree", json={"effective_at": APRIL}, if_match=4)
    assert agreed["status"] == "agreed" and instant(agreed["agreed_at"]) == instant(APRIL)
    amended = api.write(
        "POST",
        f"/principles/{pid}/amend",
        json={"statement": "Work sits closest to the people it serves", "effective_at": MAY},
        if_match=5,
    )
    assert amended["statement"] == "Work sits closest to the people it serves"
    assert amended["rationale"] is None
    assert len(amended["earlier_wordings"]) == 1
    old = amended["earlier_wordings"][0]
    assert (old["statement"], old["rationale"]) == (
        "Work is placed where it belongs",
        "Subsidiarity ∑ ≠ 中文",
    )
    assert instant(old["replaced_at"]) == instant(MAY)
    again = api.write(
        "POST", f"/principles/{pid}/amend", json={"statement": "Third wording", "rationale": "R"}
    )
    assert [w["statement"] for w in again["earlier_wordings"]] == [
        "Work is placed where it belongs",
        "Work sits closest to the people it serves",
    ]
    retired = api.write("POST", f"/principles/{pid}/retire", json={"reason": "Replaced"})
    assert retired["status"] == "retired"
    assert (retired["statement"], retired["earlier_wordings"]) == (
        "Third wording",
        again["earlier_wordings"],
    )
    assert api.read(f"/principles/{pid}") == as_read(retired)

    current = agreed_principle(api, c.group, "Nothing about us without us")
    assert ids(api.listing(url)) == [pid, current["id"]]
    assert ids(api.listing(url, status="retired")) == [pid]
    assert api.listing(url, status="agreed") == [
        {
            "id": current["id"],
            "kind": "principle",
            "group_id": c.group,
            "title": "Nothing about us without us",
            "status": "agreed",
            "version": 2,
            "position": current["position"],
        }
    ]
    return [f"/principles/{pid}", f"/principles/{current['id']}"]


def test_a_principle_is_proposed_endorsed_and_objected_to_agreed_amended_and_retired(api):
    walk_principles(api)


# ---------------------------------------------------------------- accountabilities


def offer(
    api: Api, aid: str, to: dict[str, str], as_: Actor | None = None, **extra: Any
) -> dict[str, Any]:
    body = {"to": to, **extra}
    offered = api.write("POST", f"/accountabilities/{aid}/handovers", as_, body, status=201)
    handover = offered["handovers"][-1]
    assert offered["open_handover_id"] == handover["handover_id"]
    assert (handover["to"], handover["status"]) == (to, "offered")
    assert handover["from"] == offered["holder"]
    return offered


def walk_accountabilities(api: Api) -> list[str]:
    c = cast(api)
    design = api.group("Design team", parent=c.group)["id"]
    api.add_member(design, c.gus)
    admin = {"kind": "person", "id": c.admin.person_id}
    defined = api.create(
        f"/groups/{c.group}/accountabilities",
        {
            "title": "Run the referral pathway",
            "scope": "Self-referrals and GP referrals",
            "holder": admin,
            "effective_at": MARCH,
        },
        "/accountabilities",
    )
    assert (defined["status"], defined["holder"], defined["open_handover_id"]) == (
        "active",
        admin,
        None,
    )
    assert defined["handovers"] == [] and defined["holders"][0]["holder"] == admin
    assert instant(defined["holders"][0]["from"]) == instant(MARCH)
    aid = defined["id"]
    url = f"/accountabilities/{aid}"

    # To a person, who accepts with their own key: offered at the holder's start, accepted a
    # month later (an answer never precedes its offer in effective time: docs/time.md).
    mia = {"kind": "person", "id": c.mia.person_id}
    offered = offer(api, aid, mia, effective_at=MARCH)
    handover = offered["open_handover_id"]
    accepted = api.write(
        "POST",
        f"{url}/handovers/{handover}/accept",
        c.mia,
        {"effective_at": APRIL},
        if_match=offered["version"],
    )
    assert (accepted["holder"], accepted["open_handover_id"]) == (mia, None)
    assert [h["holder"] for h in accepted["holders"]] == [admin, mia]
    assert instant(accepted["holders"][1]["from"]) == instant(APRIL)
    assert accepted["handovers"][0]["status"] == "accepted"

    # To a group, accepted by a member of that group. Mia is not in the design team, so for
    # her it is not there to be named (README, "References across groups"); an
    # administrator offers it.
    team = {"kind": "group", "id": design}
    refused = api.call("POST", f"{url}/handovers", c.mia, json={"to": team})
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "to.id")
    handover = offer(api, aid, team)["open_handover_id"]
    accepted = api.write("POST", f"{url}/handovers/{handover}/accept", c.gus, {})
    assert accepted["holder"] == team

    # To an organisation, accepted by a person affiliated with it.
    river = {"kind": "organisation", "id": c.river}
    handover = offer(api, aid, river)["open_handover_id"]
    accepted = api.write("POST", f"{url}/handovers/{handover}/accept", c.bob, {})
    assert accepted["holder"] == river
    assert [h["holder"] for h in accepted["holders"]] == [admin, mia, team, river]

    # Declined by the recipient, and withdrawn by the one offering it.
    handover = offer(api, aid, mia)["open_handover_id"]
    declined = api.write(
        "POST", f"{url}/handovers/{handover}/decline", c.mia, {"reason": "On leave"}
    )
    assert (declined["holder"], declined["open_handover_id"]) == (river, None)
    assert declined["handovers"][-1]["status"] == "declined"
    assert declined["handovers"][-1]["outcome_reason"] == "On leave"
    handover = offer(api, aid, {"kind": "person", "id": c.bob.person_id})["open_handover_id"]
    withdrawn = api.write(
        "POST", f"{url}/handovers/{handover}/withdraw", json={"reason": "Changed my mind"}
    )
    assert withdrawn["holder"] == river and withdrawn["open_handover_id"] is None
    assert withdrawn["handovers"][-1]["status"] == "withdrawn"
    assert [h["status"] for h in withdrawn["handovers"]] == [
        "accepted",
        "accepted",
        "accepted",
        "declined",
        "withdrawn",
    ]

    # Returned to the previous holder, then retired.
    returned = api.write(
        "POST",
        f"{url}/return",
        json={"reason": "Back to the team"},
        if_match=withdrawn["version"],
    )
    assert returned["holder"] == team
    assert [h["holder"] for h in returned["holders"]] == [admin, mia, team, river, team]
    retired = api.write("POST", f"{url}/retire", json={"reason": "Pathway merged"})
    assert (retired["status"], retired["holder"]) == ("retired", team)
    assert api.read(url) == as_read(retired)

    held = api.create(
        f"/groups/{c.group}/accountabilities",
        {"title": "Peer support rota", "holder": river},
        "/accountabilities",
    )
    listing = f"/groups/{c.group}/accountabilities"
    assert ids(api.listing(listing, limit=1)) == [aid, held["id"]]
    assert ids(api.listing(listing, status="retired")) == [aid]
    assert ids(api.listing(listing, status="active")) == [held["id"]]
    return [url, f"/accountabilities/{held['id']}", f"/groups/{design}"]


def test_an_accountability_is_handed_over_to_a_person_a_group_and_an_organisation(api):
    walk_accountabilities(api)


# ---------------------------------------------------------------- history


def walk_history(api: Api) -> list[str]:
    c = cast(api)
    decision = api.create(
        f"/groups/{c.group}/decisions",
        {
            "title": "Hub opens at nine",
            "decision": "The hub opens at 9am.",
            "agreement": {
                "method": "consent",
                "participants": [c.mia.person_id],
                "effective_at": MARCH,
            },
        },
        "/decisions",
        c.mia,
    )
    conflict = api.create(
        f"/groups/{c.group}/conflicts",
        {"parties": [{"kind": "person", "id": c.bob.person_id}], "about": "Weekend rota"},
        "/conflicts",
    )
    principle = agreed_principle(api, c.group, "Nothing about us without us")
    accountability = api.create(
        f"/groups/{c.group}/accountabilities",
        {"title": "Open the hub", "holder": {"kind": "person", "id": c.mia.person_id}},
        "/accountabilities",
    )
    head = api.last_position
    fresh = urlencode({"min_position": head})
    records = {
        f"/organisations/{c.north}": ["Organisation.Registered"],
        f"/people/{c.mia.person_id}": ["Person.Registered"],
        f"/groups/{c.group}": ["Group.Convened", "Group.MemberJoined", "Group.MemberJoined"],
        f"/decisions/{decision['id']}": ["Decision.Proposed", "Decision.Agreed"],
        f"/conflicts/{conflict['id']}": ["Conflict.Raised"],
        f"/principles/{principle['id']}": ["Principle.Proposed", "Principle.Agreed"],
        f"/accountabilities/{accountability['id']}": ["Accountability.Defined"],
    }
    for url, types in records.items():
        page = api.read(f"{url}/history?{fresh}")
        assert [item["type"] for item in page["items"]] == types, url
        assert page["next_after"] is None
    mia_history = api.read(f"/decisions/{decision['id']}/history?{fresh}")["items"]
    assert {item["recorded_by"] for item in mia_history} == {c.mia.person_id}
    assert instant(mia_history[1]["effective_at"]) == instant(MARCH)

    timeline = api.read(f"/groups/{c.group}/timeline?{fresh}&kind=decision&kind=conflict")
    assert [item["type"] for item in timeline["items"]] == [
        "Decision.Proposed",
        "Decision.Agreed",
        "Conflict.Raised",
    ]
    events = api.read("/events?limit=500")
    assert [item["position"] for item in events["items"]] == list(range(1, head + 1))
    assert (events["head_position"], events["next_after"]) == (head, head)
    # The head of the hash chain, for witnesses outside Accord.
    chain_head = api.read("/ledger/head")
    assert (chain_head["position"], len(chain_head["link"])) == (head, 64)

    state = api.read(f"/groups/{c.group}/state?{fresh}")
    assert [d["id"] for d in state["decisions"]] == [decision["id"]]
    assert [p["id"] for p in state["principles"]] == [principle["id"]]
    assert [x["id"] for x in state["conflicts"]] == [conflict["id"]]
    assert [a["id"] for a in state["accountabilities"]] == [accountability["id"]]
    assert {m["person_id"] for m in state["members"]} == {
        c.admin.person_id,
        c.mia.person_id,
        c.bob.person_id,
    }
    window = urlencode({"from": MARCH, "to": APRIL, "min_position": head})
    changes = api.read(f"/groups/{c.group}/changes?{window}")["changes"]
    # Recorded at once, the decision was proposed when it was agreed, in March.
    assert [(x["change"], x["record_id"]) for x in changes] == [
        ("decision_proposed", decision["id"]),
        ("decision_agreed", decision["id"]),
    ]
    return list(records)


def test_every_record_has_a_history_and_a_group_has_a_timeline_a_state_and_changes(api):
    walk_history(api)


# ---------------------------------------------------------------- reports


def walk_reports(api: Api) -> list[str]:
    c = cast(api)
    accountability = api.create(
        f"/groups/{c.group}/accountabilities",
        {"title": "Run the pathway", "holder": {"kind": "person", "id": c.mia.person_id}},
        "/accountabilities",
    )
    query = urlencode({"group": c.group, "interval": "quarter", "min_position": api.last_position})
    report = api.read(f"/reports/accountability?{query}")
    assert report["scope"]["groups"] == [c.group]
    held = {h["holder_id"]: h["count"] for h in report["holdings"]["by_holder"]}
    assert held[c.mia.person_id] >= 1
    assert report["distribution"][-1]["accountabilities"] == report["holdings"]["accountabilities"]
    assert report["position"] >= api.last_position
    return [f"/accountabilities/{accountability['id']}"]


def test_a_group_report_counts_what_its_members_hold(api):
    walk_reports(api)


# ---------------------------------------------------------------- API keys


def walk_keys(api: Api) -> list[str]:
    admin = api.admin
    kim = api.person("Kim Keys")
    body = {"person_id": kim.person_id, "role": "auditor", "label": "laptop"}
    response = api.call("POST", "/keys", admin, json=body)
    assert response.status_code == 201
    laptop = response.json()
    assert api.call("GET", f"/keys/{laptop['key_id']}", admin).json()["label"] == "laptop"
    listed = api.call("GET", "/keys", admin, params={"person_id": kim.person_id}).json()
    assert [k["key_id"] for k in listed["items"]] == [kim.key_id, laptop["key_id"]]
    rotated = api.call("POST", f"/keys/{laptop['key_id']}/rotate", admin)
    assert rotated.status_code == 201 and rotated.json()["role"] == "auditor"
    assert len(api.call("GET", "/me/keys", kim).json()["items"]) == 3
    renewed = api.call("POST", f"/me/keys/{kim.key_id}/rotate", kim)
    assert renewed.status_code == 201
    revoked = api.call("POST", f"/keys/{rotated.json()['key_id']}/revoke", admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    kim_now = Actor(kim.person_id, renewed.json()["key_id"], renewed.json()["secret"])
    assert api.call("GET", "/me", kim_now).json()["key_id"] == kim_now.key_id
    assert api.call("GET", "/me", kim).status_code == 401
    # A one-time link to the console for Kim, who need never handle a key there.
    link = api.call("POST", f"/people/{kim.person_id}/sign-in-links", admin, json={})
    assert link.status_code == 201 and "/signin/link/" in link.json()["url"]
    return [f"/people/{kim.person_id}"]


def test_an_administrator_and_a_person_manage_api_keys(api):
    walk_keys(api)


# ---------------------------------------------------------------- erasing a person


def walk_erasure(api: Api) -> list[str]:
    uma = api.person("Uma Erased", email="uma@example.org")
    version = api.read(f"/people/{uma.person_id}")["version"]
    forgot = api.write(
        "POST",
        f"/people/{uma.person_id}/forget",
        json={"basis": "UK GDPR Art. 17, request 2026-114"},
        if_match=version,
    )
    assert (forgot["name"], forgot["email"], forgot["erased"]) == ("erased person", None, True)
    assert api.call("GET", "/me", uma).status_code == 401  # their API keys are revoked
    return [f"/people/{uma.person_id}"]


def test_an_administrator_forgets_a_person(api):
    walk_erasure(api)


# ---------------------------------------------------------------- the whole walkthrough


WALKS = (
    walk_organisations_and_people,
    walk_groups,
    walk_decisions,
    walk_conflicts,
    walk_principles,
    walk_accountabilities,
    walk_history,
    walk_reports,
    walk_keys,
    walk_erasure,
)


def walk_everything(api: Api) -> list[str]:
    urls: list[str] = []
    for walk in WALKS:
        urls.extend(walk(api))
    return urls


@pytest.mark.parametrize("settings", ["memory"], indirect=True)
def test_the_walkthrough_reaches_every_endpoint_with_a_successful_answer(api):
    walk_everything(api)
    expected = {str(route) for route in api_routes(api.client.app)}
    assert expected, "the app has no routes"
    assert expected - api.touched == set()
    assert api.head() == api.last_position


# ---------------------------------------------------------------- pagination


def test_pages_never_repeat_or_skip_a_record_even_when_records_change_between_pages(api):
    c = cast(api)
    url = f"/groups/{c.group}/decisions"
    made = [
        api.create(url, {"title": f"Decision {n}", "decision": f"Text {n}"}, "/decisions")["id"]
        for n in range(7)
    ]
    for limit in (1, 2, 3, 7, 8, 200):
        pages = list(api.pages(url, limit=limit))
        assert [i["id"] for p in pages for i in p["items"]] == made, limit
        assert len(pages) == max(1, -(-len(made) // limit)), limit

    first = api.call("GET", url, c.admin, params={"limit": 3}).json()
    assert ids(first["items"]) == made[:3]
    # Between pages: a record already seen changes, and a new one is created.
    api.write(
        "POST",
        f"/decisions/{made[0]}/agree",
        json={"method": "vote", "participants": [c.mia.person_id]},
    )
    newest = api.create(url, {"title": "Late", "decision": "Late"}, "/decisions")["id"]
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        page = api.call("GET", url, c.admin, params={"limit": 3, "cursor": cursor}).json()
        rest.extend(ids(page["items"]))
        cursor = page["next_cursor"]
    assert ids(first["items"]) + rest == [*made, newest]

    proposed = api.listing(url, limit=2, status="proposed")
    assert ids(proposed) == [*made[1:], newest]
    assert {i["status"] for i in proposed} == {"proposed"}
    assert ids(api.listing(url, limit=2, status="agreed")) == [made[0]]


def test_lists_of_organisations_and_sub_groups_page_through_every_record_once(api):
    orgs = [api.organisation(f"Organisation {n}")["id"] for n in range(5)]
    parent = api.group("Parent")["id"]
    subs = [api.group(f"Sub-group {n}", parent=parent)["id"] for n in range(4)]
    api.group("Elsewhere")
    for limit in (1, 2, 4, 5):
        assert ids(api.listing("/organisations", limit=limit)) == orgs
        assert ids(api.listing("/groups", limit=limit, parent_group_id=parent)) == subs
    assert len(api.listing("/groups", limit=3)) == 6


def test_each_person_registered_through_the_api_acts_with_their_own_key(
    client, admin_headers, new_organisation, new_person
):
    me = client.get("/me", headers=admin_headers)
    assert me.status_code == 200 and me.json()["role"] == "administrator"
    org = new_organisation("North Trust", "statutory_health")
    people = [new_person("Mia", org["id"]), new_person("Bob")]
    for person in people:
        answer = client.get("/me", headers=person.headers).json()
        assert answer == {
            "person_id": person.person_id,
            "key_id": person.key_id,
            "role": "member",
            "groups": [],
        }
    group = client.post(
        "/groups",
        headers=people[0].headers,
        json={"name": "Mia's group", "kind": "design team", "purpose": "P"},
    ).json()
    assert group["members"] == [{"person_id": people[0].person_id, "role": "convener"}]
