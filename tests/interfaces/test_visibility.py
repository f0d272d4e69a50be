"""What each caller sees: lists, the event feed, reports and people, filtered by their rights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.interfaces.support import Actor, Api, assert_problem


@dataclass
class Two:
    """Two groups side by side, a sub-group of the first, and people in each."""

    api: Api
    north: Actor
    south: Actor
    both: Actor
    auditor: Actor
    north_group: str
    south_group: str
    sub_group: str
    org: str


def _two(api: Api) -> Two:
    org = api.organisation("North Trust")["id"]
    north = api.person("Nia", org, email="nia@example.org")
    south = api.person("Sol", email="sol@example.org")
    both = api.person("Bo", email="bo@example.org")
    row, secret = api.ledger.keys.create_key(api.person("Audrey").person_id, "auditor")
    north_group = api.group("North", as_=north)["id"]
    south_group = api.group("South", as_=south)["id"]
    sub_group = api.group("North design", as_=north, parent=north_group)["id"]
    for group, convener in ((north_group, north), (south_group, south)):
        api.write(
            "POST",
            f"/groups/{group}/members",
            convener,
            {"person_id": both.person_id, "role": "observer"},
            status=201,
        )
    for group, who in ((north_group, north), (south_group, south), (sub_group, north)):
        api.create(
            f"/groups/{group}/decisions",
            {"title": f"In {group}", "decision": "D"},
            "/decisions",
            who,
        )
    return Two(
        api,
        north,
        south,
        both,
        Actor(row.person_id, row.key_id, secret),
        north_group,
        south_group,
        sub_group,
        org,
    )


def _ids(api: Api, url: str, as_: Actor, **params: Any) -> set[str]:
    return {item["id"] for item in api.listing(url, as_, limit=200, **params)}


def test_group_lists_hold_only_the_groups_a_caller_is_in(api):
    w = _two(api)
    assert _ids(api, "/groups", w.north) == {w.north_group, w.sub_group}
    assert _ids(api, "/groups", w.south) == {w.south_group}
    assert _ids(api, "/groups", w.both) == {w.north_group, w.south_group}
    everything = {w.north_group, w.south_group, w.sub_group}
    assert _ids(api, "/groups", w.auditor) == everything
    assert _ids(api, "/groups", api.admin) == everything
    # A filter on a parent does not widen the view.
    assert _ids(api, "/groups", w.south, parent_group_id=w.north_group) == set()


def test_the_event_feed_holds_only_events_of_records_the_caller_may_see(api):
    w = _two(api)

    def feed(as_: Actor) -> list[dict[str, Any]]:
        items, after = [], 0
        while True:
            page = api.call("GET", "/events", as_, params={"after": after, "limit": 3}).json()
            items += page["items"]
            if page["next_after"] == after or page["next_after"] >= page["head_position"]:
                return items
            after = page["next_after"]

    everything = feed(api.admin)
    assert [e["position"] for e in feed(w.auditor)] == [e["position"] for e in everything]
    south = feed(w.south)
    seen_groups = {e["record_id"] for e in south if e["kind"] == "group"}
    assert seen_groups == {w.south_group}
    decisions = {e["record_id"] for e in south if e["kind"] == "decision"}
    south_decisions = _ids(api, f"/groups/{w.south_group}/decisions", w.south)
    assert decisions == south_decisions
    people = {e["record_id"] for e in south if e["kind"] == "person"}
    assert people == {w.south.person_id}, "only the caller's own person record"
    # Organisations are reference data: everyone sees them.
    assert w.org in {e["record_id"] for e in south}
    # In order, without gaps among what the caller may see.
    positions = [e["position"] for e in south]
    assert positions == sorted(positions)
    assert set(positions) < {e["position"] for e in everything}


def test_reports_cover_only_the_groups_the_caller_may_see(api):
    w = _two(api)
    ledger = api.read("/reports/accountability?min_position=" + str(api.last_position), w.south)
    assert ledger["scope"]["groups"] == [w.south_group]
    with_subs = api.read(
        f"/reports/accountability?group={w.north_group}&include_subgroups=true", w.both
    )
    assert with_subs["scope"]["groups"] == [w.north_group], "the unseen sub-group is left out"
    everything = api.read(
        f"/reports/accountability?group={w.north_group}&include_subgroups=true", w.auditor
    )
    assert sorted(everything["scope"]["groups"]) == sorted([w.north_group, w.sub_group])
    unseen = api.call("GET", f"/reports/accountability?group={w.north_group}", w.south)
    assert_problem(unseen, 404)
    whole = api.read("/reports/accountability", api.admin)
    assert whole["scope"]["groups"] is None


def test_people_are_seen_by_those_who_share_a_group_and_emails_by_their_conveners(api):
    w = _two(api)

    def person(as_: Actor, who: Actor) -> Any:
        return api.call("GET", f"/people/{who.person_id}", as_)

    # Bo observes both groups: the conveners see Bo's email; Bo sees theirs only by name.
    assert person(w.north, w.both).json()["email"] == "bo@example.org"
    seen_by_bo = person(w.both, w.north).json()
    assert (seen_by_bo["name"], seen_by_bo["email"]) == ("Nia", None)
    assert person(w.both, w.both).json()["email"] == "bo@example.org"
    # North and South share no group: neither may see the other.
    assert_problem(person(w.north, w.south), 404)
    # Auditors see names, not contact details; administrators see both.
    assert person(w.auditor, w.north).json()["email"] is None
    assert person(api.admin, w.north).json()["email"] == "nia@example.org"
    # The person's history carries the same rule.
    history = api.read(f"/people/{w.north.person_id}/history", w.both)
    registered = history["items"][0]["data"]
    assert registered["name"] == "Nia" and "email" not in registered
    own = api.read(f"/people/{w.north.person_id}/history", w.north)
    assert own["items"][0]["data"]["email"] == "nia@example.org"


def test_a_member_removed_loses_sight_of_the_group_at_once(api):
    w = _two(api)
    url = f"/groups/{w.south_group}"
    assert api.call("GET", url, w.both).status_code == 200
    api.write("DELETE", f"{url}/members/{w.both.person_id}", w.south)
    assert_problem(api.call("GET", url, w.both), 404)
    assert _ids(api, "/groups", w.both) == {w.north_group}


def test_a_member_may_leave_and_an_observer_may_not_record(api):
    w = _two(api)
    url = f"/groups/{w.north_group}"
    refused = api.call("POST", f"{url}/decisions", w.both, json={"title": "T", "decision": "D"})
    assert_problem(refused, 403)
    assert_problem(api.call("POST", f"{url}/purpose", w.both, json={"purpose": "P"}), 403)
    left = api.write("DELETE", f"{url}/members/{w.both.person_id}", w.both)
    assert w.both.person_id not in [m["person_id"] for m in left["members"]]


def test_sub_groups_are_convened_by_those_who_may_act_in_the_parent(api):
    w = _two(api)
    body = {"name": "Sub", "kind": "design team", "purpose": "P"}
    observer = api.call("POST", "/groups", w.both, json={**body, "parent_group_id": w.north_group})
    assert_problem(observer, 403)
    stranger = api.call("POST", "/groups", w.south, json={**body, "parent_group_id": w.north_group})
    problem = assert_problem(stranger, 422)
    assert [e["field"] for e in problem["errors"]] == ["parent_group_id"]
    auditor = api.call("POST", "/groups", w.auditor, json=body)
    assert_problem(auditor, 403)
    mine = api.create("/groups", {**body, "parent_group_id": w.north_group}, "/groups", w.north)
    assert mine["parent_group_id"] == w.north_group


def test_someone_offered_a_handover_outside_the_group_sees_it_and_accepts_it(api):
    """A handover may cross groups, offered by someone who sees both (see the README's
    *References across groups*)."""
    w = _two(api)
    holder = {"kind": "person", "id": w.north.person_id}
    acc = api.create(
        f"/groups/{w.north_group}/accountabilities",
        {"title": "Rota", "holder": holder},
        "/accountabilities",
        w.north,
    )["id"]
    url = f"/accountabilities/{acc}"
    assert_problem(api.call("GET", url, w.south), 404)
    # North cannot see the South group: to North its id is as unknown as any other.
    hidden = api.call(
        "POST", f"{url}/handovers", w.north, json={"to": {"kind": "group", "id": w.south_group}}
    )
    assert_problem(hidden, 422)
    assert hidden.json()["detail"] == f"to: no group with id {w.south_group}"
    # An administrator, who sees both groups, offers it to the South group.
    offered = api.write(
        "POST",
        f"{url}/handovers",
        api.admin,
        {"to": {"kind": "group", "id": w.south_group}},
        status=201,
    )
    handover = offered["open_handover_id"]
    # A member of the receiving group now sees the accountability, and may answer.
    assert api.read(url, w.south)["id"] == acc
    accepted = api.write("POST", f"{url}/handovers/{handover}/accept", w.south, {})
    assert accepted["holder"] == {"kind": "group", "id": w.south_group}
    # With the offer answered, the record is again the North group's alone.
    assert_problem(api.call("GET", url, w.south), 404)


def test_an_auditor_reads_everything_and_records_nothing(api):
    w = _two(api)
    for url in (f"/groups/{w.south_group}", f"/groups/{w.north_group}/timeline", "/events"):
        assert api.call("GET", url, w.auditor).status_code == 200
    refused = api.call(
        "POST",
        f"/groups/{w.south_group}/decisions",
        w.auditor,
        json={"title": "T", "decision": "D"},
    )
    assert_problem(refused, 403)


def test_me_lists_the_callers_groups_and_roles(api):
    w = _two(api)
    me = api.read("/me", w.both)
    assert me["role"] == "member"
    assert {(g["group_id"], g["role"]) for g in me["groups"]} == {
        (w.north_group, "observer"),
        (w.south_group, "observer"),
    }


def test_memberships_are_indexed_for_ledgers_recorded_before_the_index(api, ledger):
    """On start-up, a ledger whose groups have no membership rows gets them from its events."""
    w = _two(api)
    before = ledger.store.select_members()
    assert (w.north_group, w.both.person_id, "observer") in before
    # Empty the index the way an older ledger would have it, then index again.
    _clear_members(ledger)
    assert ledger.store.select_members() == []
    assert ledger.access.index_memberships() == 3
    assert ledger.store.select_members() == before
    assert ledger.access.index_memberships() == 0


def _clear_members(ledger: Any) -> None:
    store = ledger.store
    if hasattr(store, "_members"):
        store._members.clear()
        return
    with store._rm_cursor(commit=True) as c:
        c.execute(f"DELETE FROM {store.prefix}accord_members")
