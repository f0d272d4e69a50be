"""The rules of docs/time.md over HTTP, on every store: corrections and back-dating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.interfaces.support import Actor, Api, assert_problem

MAR_15 = "2026-03-15T00:00:00Z"
MAY_1 = "2026-05-01T00:00:00Z"


def test_a_correction_of_an_affiliation_to_an_earlier_date_is_recorded(api: Api):
    river = api.organisation("River")["id"]
    voices = api.organisation("Voices")["id"]
    ben = api.person("Ben", river)
    url = f"/people/{ben.person_id}/affiliation"
    api.write("POST", url, json={"organisation_id": voices, "effective_at": MAY_1})
    corrected = api.write("POST", url, json={"organisation_id": voices, "effective_at": MAR_15})
    assert corrected["organisation_id"] == voices
    # Moving to Voices again from 1 May would change nothing now: refused, naming why.
    refused = api.call(
        "POST", url, api.admin, json={"organisation_id": voices, "effective_at": MAY_1}
    )
    problem = assert_problem(refused, 422)
    assert [e["field"] for e in problem["errors"]] == ["organisation_id"]


def test_a_decision_effective_before_its_group_was_convened_is_refused_naming_effective_at(
    api: Api,
):
    group = api.group("Hub", effective_at="2025-12-01T00:00:00Z")["id"]
    decision = api.create(
        f"/groups/{group}/decisions", {"title": "Nine", "decision": "9am"}, "/decisions"
    )
    refused = api.call(
        "POST",
        f"/decisions/{decision['id']}/agree",
        api.admin,
        json={
            "method": "consent",
            "participants": [api.admin_id],
            "effective_at": "2025-03-01T00:00:00Z",
        },
    )
    problem = assert_problem(refused, 422)
    assert [e["field"] for e in problem["errors"]] == ["effective_at"]
    assert "convened" in problem["detail"]


def test_as_of_alone_means_what_each_parameter_says_on_a_record_and_on_a_group_state(
    api: Api, admin: Actor
):
    """Issue 17, point 4: on a record, as_of alone shows a future-dated change recorded by
    then; on a group's state it also sets effective_at. Each parameter says so."""
    group = api.group("Hub")
    gid = group["id"]
    restated = api.write(
        "POST",
        f"/groups/{gid}/purpose",
        json={"purpose": "Later purpose", "effective_at": "2099-01-01T00:00:00Z"},
    )
    as_of = restated["modified_on"]
    # Read-your-writes: the read models include the restatement (min_position).
    record = api.read(
        f"/groups/{gid}?as_of={as_of.replace('+', '%2B')}&min_position={api.last_position}"
    )
    assert record["purpose"] == "Later purpose"
    state = api.client.get(
        f"/groups/{gid}/state",
        params={"as_of": as_of, "min_position": api.last_position},
        headers=admin.headers,
    )
    assert state.status_code == 200, state.text
    assert state.json()["purpose"] == group["purpose"]
    parameters = api.client.get("/openapi.json").json()["paths"]

    def described(path: str, name: str) -> str:
        found = [p for p in parameters[path]["get"]["parameters"] if p["name"] == name]
        return str(found[0]["description"])

    assert "future-dated" in described("/groups/{group_id}", "as_of")
    assert "also sets effective_at" in described("/groups/{group_id}/state", "as_of")


# Issue 17, point 3: a group record read at `effective_at` and the group's state agree.


def iso(now: datetime, days: int) -> str:
    return (now + timedelta(days=days)).isoformat()


def _moments(now: datetime) -> list[datetime]:
    return [now + timedelta(days=d) for d in (-11, -5, -3, -1, 0, 1, 19, 21, 29, 31, 400)]


def _compare_record_and_state(api: Api, admin: Actor, gid: str, now: datetime) -> None:
    for when in _moments(now):
        params = {"effective_at": when.isoformat(), "min_position": api.last_position}
        record = api.client.get(f"/groups/{gid}", params=params, headers=admin.headers)
        state = api.client.get(f"/groups/{gid}/state", params=params, headers=admin.headers)
        assert record.status_code == state.status_code, (when, record.text, state.text)
        if state.status_code != 200:
            continue
        r, s = record.json(), state.json()
        for key in ("name", "kind", "purpose", "status", "parent_group_id"):
            assert r[key] == s[key], (when, key, r[key], s[key])
        members = sorted((m["person_id"], m["role"]) for m in s["members"])
        assert sorted((m["person_id"], m["role"]) for m in r["members"]) == members, when


def test_a_group_record_in_effect_agrees_with_its_state_after_a_back_dated_close(
    api: Api, admin: Actor
):
    now = datetime.now(UTC)
    bea = api.person("Bea")
    gid = api.group("Hub", effective_at=(now - timedelta(days=10)).isoformat())["id"]
    purpose, members = f"/groups/{gid}/purpose", f"/groups/{gid}/members"
    api.write("POST", purpose, json={"purpose": "P1", "effective_at": iso(now, 30)})
    api.write(
        "POST", members, json={"person_id": bea.person_id, "effective_at": iso(now, 20)}, status=201
    )
    api.write("POST", f"/groups/{gid}/close", json={"reason": "Done", "effective_at": iso(now, -3)})
    _compare_record_and_state(api, admin, gid, now)
    params = {"effective_at": now.isoformat(), "min_position": api.last_position}
    today = api.client.get(f"/groups/{gid}", params=params, headers=admin.headers).json()
    assert (today["purpose"], today["status"]) == ("Purpose of Hub", "closed")


def test_a_group_record_in_effect_agrees_with_its_state_after_corrections(api: Api, admin: Actor):
    now = datetime.now(UTC)
    bea, dan = api.person("Bea"), api.person("Dan")
    gid = api.group("Hub", effective_at=(now - timedelta(days=10)).isoformat())["id"]
    purpose, members = f"/groups/{gid}/purpose", f"/groups/{gid}/members"
    api.write("POST", purpose, json={"purpose": "P1", "effective_at": iso(now, 30)})
    api.write("POST", purpose, json={"purpose": "P2", "effective_at": iso(now, -1)})
    api.write(
        "POST", members, json={"person_id": bea.person_id, "effective_at": iso(now, 20)}, status=201
    )
    api.write(
        "POST", members, json={"person_id": bea.person_id, "effective_at": iso(now, -5)}, status=201
    )
    api.write(
        "POST", members, json={"person_id": dan.person_id, "effective_at": iso(now, -5)}, status=201
    )
    left = iso(now, 1).replace("+", "%2B")
    api.write("DELETE", f"{members}/{dan.person_id}?effective_at={left}")
    _compare_record_and_state(api, admin, gid, now)


def test_a_participant_who_joined_later_is_refused_naming_effective_at(api: Api):
    gid = api.group("Hub")["id"]
    bea = api.person("Bea")
    api.add_member(gid, bea, effective_at="2026-06-01T00:00:00Z")
    body = {
        "title": "Nine",
        "decision": "9am",
        "agreement": {
            "method": "consent",
            "participants": [api.admin_id, bea.person_id],
            "effective_at": "2026-05-01T00:00:00Z",
        },
    }
    problem = assert_problem(
        api.call("POST", f"/groups/{gid}/decisions", api.admin, json=body), 422
    )
    assert [e["field"] for e in problem["errors"]] == ["agreement.effective_at"]
    assert "not a member" in problem["detail"] and "2026-06-01" in problem["detail"]


def test_an_agreement_before_its_proposal_is_refused_naming_effective_at(api: Api):
    gid = api.group("Hub")["id"]
    decision = api.create(
        f"/groups/{gid}/decisions",
        {"title": "Nine", "decision": "9am", "effective_at": "2026-03-01T00:00:00Z"},
        "/decisions",
    )
    assert decision["status"] == "proposed"
    refused = api.call(
        "POST",
        f"/decisions/{decision['id']}/agree",
        api.admin,
        json={
            "method": "consent",
            "participants": [api.admin_id],
            "effective_at": "2026-02-01T00:00:00Z",
        },
    )
    problem = assert_problem(refused, 422)
    assert [e["field"] for e in problem["errors"]] == ["effective_at"]
    assert "was proposed" in problem["detail"]
