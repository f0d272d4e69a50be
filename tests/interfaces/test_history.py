"""History over HTTP, on every store: record histories, group timelines, the event feed,
a group's state at any moment, what changed between two moments, and reading your own writes.

Timelines, histories, state and changes are read models that the API's projector thread
keeps; every read here passes the position of the last write as `min_position`, as a
client reading its own writes would, so that no answer depends on the projector's timing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from application.ledger import Ledger
from interfaces.api.app import create_app
from interfaces.settings import Settings
from tests.interfaces.support import PROBLEM, Actor, Api, assert_problem, error_fields

JAN = "2026-01-01T00:00:00Z"
JAN_15 = "2026-01-15T00:00:00Z"
FEB = "2026-02-01T00:00:00Z"
FEB_10 = "2026-02-10T00:00:00Z"
FEB_15 = "2026-02-15T00:00:00Z"
MAR = "2026-03-01T00:00:00Z"
MAR_10 = "2026-03-10T00:00:00Z"
MAR_15 = "2026-03-15T00:00:00Z"
APR = "2026-04-01T00:00:00Z"
APR_15 = "2026-04-15T00:00:00Z"

COLLECTIONS = {
    "organisation": "organisations",
    "person": "people",
    "group": "groups",
    "decision": "decisions",
    "conflict": "conflicts",
    "principle": "principles",
    "accountability": "accountabilities",
}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def get(api: Api, url: str, *, as_: Actor | None = None, fresh: bool = True, **params: Any) -> Any:
    """A read that must succeed; by default it waits for the read models to hold the last write."""
    if fresh:
        params.setdefault("min_position", api.last_position)
    response = api.call("GET", url, as_ or api.admin, params=params)
    assert response.status_code == 200, (url, params, response.status_code, response.text)
    return response.json()


def every_item(api: Api, url: str, limit: int = 100, **params: Any) -> list[dict[str, Any]]:
    """Every event of a history or timeline, page by page with ?after=next_after."""
    items: list[dict[str, Any]] = []
    after = 0
    for _ in range(1000):
        page = get(api, url, after=after, limit=limit, **params)
        assert set(page) == {"items", "next_after"}
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        if page["next_after"] is None:
            break
        assert len(page["items"]) == limit, "a page that is not full must be the last"
        assert page["next_after"] == page["items"][-1]["position"]
        after = page["next_after"]
    else:
        raise AssertionError("pagination never ended")
    positions = [item["position"] for item in items]
    assert positions == sorted(set(positions)), f"not oldest first, or repeated: {positions}"
    return items


def history(api: Api, kind: str, record_id: str, limit: int = 100) -> list[dict[str, Any]]:
    return every_item(api, f"/{COLLECTIONS[kind]}/{record_id}/history", limit)


def between(start: str, end: str) -> dict[str, Any]:
    """A window's `from` and `to` query parameters (`from` is a Python keyword)."""
    return {"from": start, "to": end}


def state(api: Api, group: str, **moments: Any) -> dict[str, Any]:
    return get(api, f"/groups/{group}/state", **moments)


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def members(group_state: dict[str, Any]) -> dict[str, str]:
    return {m["person_id"]: m["role"] for m in group_state["members"]}


def holders(group_state: dict[str, Any]) -> dict[str, str]:
    return {a["title"]: a["holder"]["id"] for a in group_state["accountabilities"]}


def join(
    api: Api, group: str, person: Actor, role: str = "member", when: str | None = None
) -> dict[str, Any]:
    body = {"person_id": person.person_id, "role": role}
    if when is not None:
        body["effective_at"] = when
    return api.write("POST", f"/groups/{group}/members", json=body, status=201)


def decide(
    api: Api, group: str, title: str, when: str, supersedes: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A decision proposed and agreed in one request, in effect from `when`."""
    assert api.admin is not None
    agreement = {
        "method": "consent",
        "participants": [api.admin.person_id],
        "effective_at": when,
        "supersedes": list(supersedes),
    }
    body = {"title": title, "decision": f"{title}.", "agreement": agreement}
    return api.create(f"/groups/{group}/decisions", body, "/decisions")


def agreed_principle(api: Api, group: str, statement: str, when: str) -> str:
    """A principle proposed and agreed at `when` (an agreement never precedes its proposal)."""
    body = {"statement": statement, "effective_at": when}
    principle = api.create(f"/groups/{group}/principles", body, "/principles")
    api.write("POST", f"/principles/{principle['id']}/agree", json={"effective_at": when})
    return str(principle["id"])


def raise_conflict(api: Api, group: str, about: str, party: Actor, when: str | None = None) -> str:
    body: dict[str, Any] = {"parties": [{"kind": "person", "id": party.person_id}], "about": about}
    if when is not None:
        body["effective_at"] = when
    return str(api.create(f"/groups/{group}/conflicts", body, "/conflicts")["id"])


def before(text: str) -> str:
    """The instant one microsecond before a recorded time."""
    return iso(instant(text) - timedelta(microseconds=1))


# ---------------------------------------------------------------- record histories


def test_every_record_kinds_history_lists_its_events_oldest_first_with_who_recorded_them_and_when(
    api,
):
    admin = api.admin
    started = datetime.now(UTC)
    north = api.organisation("North Trust")
    renamed = api.write("POST", f"/organisations/{north['id']}/rename", json={"name": "North CIC"})
    mia = api.person("Mia Example", north["id"], "mia@example.org")
    registered = {"position": api.last_position}
    bob = api.person("Bob Example")
    moved = api.write(
        "POST",
        f"/people/{mia.person_id}/affiliation",
        json={"organisation_id": None, "effective_at": FEB},
    )
    group = api.group("Hub group", mia, effective_at=JAN)
    gid = group["id"]
    # Each step is dated no earlier than what it follows (docs/time.md): Bob is a member
    # from the group's start, the proposal precedes its agreement, the offer its acceptance.
    joined = join(api, gid, bob, when=JAN)
    proposed = api.create(
        f"/groups/{gid}/decisions",
        {"title": "Open at nine", "decision": "9am.", "effective_at": FEB},
        "/decisions",
        mia,
    )
    agreed = api.write(
        "POST",
        f"/decisions/{proposed['id']}/agree",
        bob,
        {"method": "consent", "participants": [mia.person_id, bob.person_id], "effective_at": MAR},
    )
    raised = api.create(
        f"/groups/{gid}/conflicts",
        {"parties": [{"kind": "person", "id": mia.person_id}], "about": "Rota"},
        "/conflicts",
        bob,
    )
    acknowledged = api.write("POST", f"/conflicts/{raised['id']}/acknowledge", mia, {})
    principle = api.create(
        f"/groups/{gid}/principles",
        {"statement": "Work sits where it belongs", "effective_at": JAN},
        "/principles",
        mia,
    )
    endorsed = api.write("POST", f"/principles/{principle['id']}/endorsements", bob, {}, status=201)
    principle_agreed = api.write(
        "POST", f"/principles/{principle['id']}/agree", json={"effective_at": FEB}
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
    accepted = api.write(
        "POST",
        f"/accountabilities/{defined['id']}/handovers/{offered['open_handover_id']}/accept",
        bob,
        {"effective_at": APR},
    )

    # kind, id -> [(type, the write that recorded it, who, its own effective time or None)]
    expected: dict[tuple[str, str], list[tuple[str, dict[str, Any], Actor, str | None]]] = {
        ("organisation", north["id"]): [
            ("Organisation.Registered", north, admin, None),
            ("Organisation.Renamed", renamed, admin, None),
        ],
        ("person", mia.person_id): [
            ("Person.Registered", registered, admin, None),
            ("Person.AffiliationChanged", moved, admin, FEB),
        ],
        ("group", gid): [
            ("Group.Convened", group, mia, JAN),
            ("Group.MemberJoined", joined, admin, JAN),
        ],
        ("decision", proposed["id"]): [
            ("Decision.Proposed", proposed, mia, FEB),
            ("Decision.Agreed", agreed, bob, MAR),
        ],
        ("conflict", raised["id"]): [
            ("Conflict.Raised", raised, bob, None),
            ("Conflict.Acknowledged", acknowledged, mia, None),
        ],
        ("principle", principle["id"]): [
            ("Principle.Proposed", principle, mia, JAN),
            ("Principle.Endorsed", endorsed, bob, None),
            ("Principle.Agreed", principle_agreed, admin, FEB),
        ],
        ("accountability", defined["id"]): [
            ("Accountability.Defined", defined, mia, JAN),
            ("Accountability.HandoverOffered", offered, mia, MAR),
            ("Accountability.HandoverAccepted", accepted, bob, APR),
        ],
    }
    finished = datetime.now(UTC)
    for (kind, record_id), events in expected.items():
        items = history(api, kind, record_id)
        assert [i["type"] for i in items] == [e[0] for e in events], kind
        assert [i["position"] for i in items] == [e[1]["position"] for e in events], kind
        assert [i["version"] for i in items] == list(range(1, len(events) + 1)), kind
        assert [i["recorded_by"] for i in items] == [e[2].person_id for e in events], kind
        assert {(i["kind"], i["record_id"]) for i in items} == {(kind, record_id)}
        recorded = [instant(i["recorded_at"]) for i in items]
        assert recorded == sorted(recorded) and started <= recorded[0] <= recorded[-1] <= finished
        for item, (_, _, _, own) in zip(items, events, strict=True):
            if own is None:  # in effect when recorded (some events stamp "now" themselves)
                lag = instant(item["recorded_at"]) - instant(item["effective_at"])
                assert timedelta(0) <= lag < timedelta(seconds=1), item
            else:
                assert instant(item["effective_at"]) == instant(own), item
            assert isinstance(item["data"], dict)
        if kind in ("decision", "conflict", "principle", "accountability"):
            assert {i["group_id"] for i in items} == {gid}
        # Page by page, one event at a time: the same events.
        assert history(api, kind, record_id, limit=1) == items

    people = history(api, "person", mia.person_id)
    assert people[0]["data"]["name"] == "Mia Example"
    assert people[0]["data"]["email"] == "mia@example.org"
    assert people[0]["data"]["organisation_id"] == north["id"]
    assert people[1]["data"]["organisation_id"] is None
    decision = history(api, "decision", proposed["id"])
    assert decision[0]["data"]["title"] == "Open at nine"
    assert decision[1]["data"]["participants"] == [mia.person_id, bob.person_id]
    assert history(api, "group", gid)[1]["data"]["person_id"] == bob.person_id
    handed = history(api, "accountability", defined["id"])[2]["data"]
    assert handed["to"] == {"kind": "person", "id": bob.person_id}


def test_the_event_feed_never_names_a_person_and_other_answers_only_in_their_name_fields(api):
    """The read models hold no personal data: a name appears only where an answer looks it
    up for its reader (`recorded_by_name`, a member's `name`, a change's `names`), and an
    email nowhere."""
    people = {"Zelda Quibble": "zelda.q@example.org", "Yusuf Marrowbone": "yusuf.m@example.org"}
    north = api.organisation("North Trust")["id"]
    zelda, yusuf = (api.person(name, north, email) for name, email in people.items())
    people["Ada Admin"] = "ada@example.org"  # the administrator the api fixture bootstrapped
    gid = api.group("Hub group")["id"]
    join(api, gid, zelda)
    join(api, gid, yusuf)
    raise_conflict(api, gid, "Who holds the keys", yusuf)
    decide(api, gid, "Open at nine", MAR)
    api.write(
        "POST",
        f"/people/{yusuf.person_id}/affiliation",
        json={"organisation_id": None, "effective_at": FEB},
    )

    def assert_nameless(text: str, url: str) -> None:
        for name, email in people.items():
            for secret in (name, email):
                assert secret not in text, (url, secret)
                assert json.dumps(secret)[1:-1] not in text, (url, secret)

    after, pages = 0, 0
    while True:
        response = api.call("GET", "/events", api.admin, params={"after": after, "limit": 3})
        assert response.status_code == 200
        assert_nameless(response.text, "/events")
        page = response.json()
        pages += 1
        if not page["items"]:
            break
        after = page["next_after"]
    assert pages > 3 and after == api.last_position
    for url, params in (
        (f"/groups/{gid}/timeline", {"limit": 2}),
        (f"/groups/{gid}/timeline", {"person": zelda.person_id}),
        (f"/groups/{gid}/state", {}),
        (f"/groups/{gid}/changes", {"from": JAN, "to": "2100-01-01T00:00:00Z"}),
    ):
        response = api.call("GET", url, api.admin, params={**params, "min_position": after})
        assert response.status_code == 200 and response.json()
        for email in people.values():
            assert email not in response.text, (url, email)
        assert_nameless(json.dumps(without_name_fields(response.json())), url)
    # The person's own history does hold their name and email.
    for person, name in ((zelda, "Zelda Quibble"), (yusuf, "Yusuf Marrowbone")):
        response = api.call(
            "GET", f"/people/{person.person_id}/history", api.admin, params={"min_position": after}
        )
        assert response.status_code == 200
        assert name in response.text and people[name] in response.text


def without_name_fields(value: Any) -> Any:
    """The answer less the fields that name people for the reader."""
    if isinstance(value, dict):
        return {
            k: without_name_fields(v)
            for k, v in value.items()
            if k not in ("recorded_by_name", "names") and not (k == "name" and "person_id" in value)
        }
    if isinstance(value, list):
        return [without_name_fields(v) for v in value]
    return value


# ---------------------------------------------------------------- bitemporal reads


def test_a_decision_recorded_late_is_in_effect_from_its_effective_time_but_absent_as_of_before(
    api,
):
    """The README's example: a decision recorded today as effective from 1 March (proposed
    and agreed at that meeting)."""
    gid = api.group("Hub group", effective_at=JAN)["id"]
    proposed = api.create(
        f"/groups/{gid}/decisions",
        {"title": "Open at nine", "decision": "9am.", "effective_at": MAR},
        "/decisions",
    )
    did = proposed["id"]
    agreed = api.write(
        "POST",
        f"/decisions/{did}/agree",
        json={"method": "consent", "participants": [api.admin.person_id], "effective_at": MAR},
    )
    events = history(api, "decision", did)
    before_it = before(events[0]["recorded_at"])
    between = before(events[1]["recorded_at"])
    url = f"/decisions/{did}"

    in_effect = get(api, url, effective_at=MAR_10)
    assert (in_effect["status"], in_effect["version"]) == ("agreed", 2)
    assert {**in_effect, "position": agreed["position"]} == agreed
    not_yet = api.call("GET", url, api.admin, params={"as_of": before_it})
    assert_problem(not_yet, 404)
    assert get(api, url, as_of=between)["status"] == "proposed"
    assert get(api, url, as_of=iso(datetime.now(UTC)), effective_at=MAR_10)["status"] == "agreed"
    # What the ledger said before the decision was recorded, about 10 March: nothing.
    known_then = api.call(
        "GET", url, api.admin, params={"as_of": before_it, "effective_at": MAR_10}
    )
    assert_problem(known_then, 404)

    now = state(api, gid, effective_at=MAR_10)
    assert ids(now["decisions"]) == [did]
    assert now["decisions"][0]["status"] == "agreed"
    assert instant(now["decisions"][0]["effective_at"]) == instant(MAR)
    assert (now["as_of"], instant(now["effective_at"])) == (None, instant(MAR_10))
    assert now["position"] == api.last_position
    assert state(api, gid, effective_at=FEB_10)["decisions"] == []
    then = state(api, gid, as_of=before_it, effective_at=MAR_10)
    assert then["decisions"] == [] and then["name"] == "Hub group"
    assert then["position"] < events[0]["position"]
    assert instant(then["as_of"]) == instant(before_it)
    assert state(api, gid, as_of=before_it)["decisions"] == []


def assert_a_correction_overrides_from_its_effective_time(
    api: Api, gid: str, bob: Actor, otto: Actor, left: dict[str, Any]
) -> None:
    """The group state as the ledger stood before a change, and after a back-dated correction."""
    # As the ledger stood before Otto's leaving was recorded, he was still a member in April.
    otto_left = history(api, "group", gid)[-2]
    assert (otto_left["type"], otto_left["position"]) == ("Group.MemberLeft", left["position"])
    as_then = state(api, gid, as_of=before(otto_left["recorded_at"]), effective_at=APR_15)
    assert otto.person_id in members(as_then)
    assert as_then["decisions"] == [] and as_then["accountabilities"] == []

    # A correction recorded later with an earlier effective time overrides from then on.
    before_correction = api.last_position
    api.write(
        "POST",
        f"/groups/{gid}/members/{bob.person_id}/role",
        json={"role": "observer", "effective_at": FEB_15},
    )
    for moment in (MAR_15, APR_15):
        assert members(state(api, gid, effective_at=moment))[bob.person_id] == "observer"
    corrected = next(
        m
        for m in state(api, gid, effective_at=MAR_15)["members"]
        if m["person_id"] == bob.person_id
    )
    assert instant(corrected["since"]) == instant(FEB_15)
    correction = history(api, "group", gid)[-1]
    old_view = state(api, gid, as_of=before(correction["recorded_at"]), effective_at=MAR_15)
    assert members(old_view)[bob.person_id] == "member"
    assert old_view["position"] == before_correction
    # A group read in effect at a moment agrees with the state at that moment.
    group_then = get(api, f"/groups/{gid}", effective_at=MAR_15)
    assert {m["person_id"]: m["role"] for m in group_then["members"]} == members(
        state(api, gid, effective_at=MAR_15)
    )


def test_a_groups_state_shows_what_was_in_effect_at_each_moment_by_what_is_known_now(api):
    admin = api.admin
    mia, bob, otto = api.person("Mia"), api.person("Bob"), api.person("Otto")
    gid = api.group("Hub group", effective_at=JAN, purpose="Run the hub")["id"]
    join(api, gid, mia, when=JAN)
    join(api, gid, bob, "observer", when=FEB)
    join(api, gid, otto, when=FEB)
    left = api.write("DELETE", f"/groups/{gid}/members/{otto.person_id}?effective_at={APR}")
    api.write(
        "POST",
        f"/groups/{gid}/members/{bob.person_id}/role",
        json={"role": "member", "effective_at": MAR},
    )
    first = decide(api, gid, "First", FEB)["id"]
    revoked = decide(api, gid, "Revoked in March", FEB)["id"]
    api.write("POST", f"/decisions/{revoked}/revoke", json={"reason": "R", "effective_at": MAR})
    second = decide(api, gid, "Second", APR, supersedes=(first,))["id"]
    amended = agreed_principle(api, gid, "First wording", FEB)
    api.write(
        "POST",
        f"/principles/{amended}/amend",
        json={"statement": "Second wording", "effective_at": APR},
    )
    retired = agreed_principle(api, gid, "Retired in March", FEB)
    api.write("POST", f"/principles/{retired}/retire", json={"effective_at": MAR})
    api.create(f"/groups/{gid}/principles", {"statement": "Only proposed"}, "/principles")
    open_conflict = raise_conflict(api, gid, "Still open", bob)
    # Raised in February (a resolution never precedes its raising), resolved in March.
    resolved = raise_conflict(api, gid, "Resolved", bob, when=FEB_10)
    api.write("POST", f"/conflicts/{resolved}/acknowledge", json={})
    api.write("POST", f"/conflicts/{resolved}/resolve", json={"outcome": "O", "effective_at": MAR})
    acknowledged = raise_conflict(api, gid, "Acknowledged", bob)
    api.write("POST", f"/conflicts/{acknowledged}/acknowledge", json={})
    withdrawn = raise_conflict(api, gid, "Withdrawn", bob)
    api.write("POST", f"/conflicts/{withdrawn}/withdraw", json={})
    admin_ref = {"kind": "person", "id": admin.person_id}
    keys = api.create(
        f"/groups/{gid}/accountabilities",
        {"title": "Keys", "holder": admin_ref, "effective_at": JAN},
        "/accountabilities",
    )["id"]
    offered = api.write(
        "POST",
        f"/accountabilities/{keys}/handovers",
        json={"to": {"kind": "person", "id": mia.person_id}, "effective_at": FEB},
        status=201,
    )
    api.write(
        "POST",
        f"/accountabilities/{keys}/handovers/{offered['open_handover_id']}/accept",
        mia,
        {"effective_at": MAR},
    )
    gone = api.create(
        f"/groups/{gid}/accountabilities",
        {"title": "Gone", "holder": admin_ref, "effective_at": JAN},
        "/accountabilities",
    )["id"]
    api.write("POST", f"/accountabilities/{gone}/retire", json={"effective_at": MAR})

    january = state(api, gid, effective_at=JAN_15)
    assert (january["name"], january["purpose"], january["status"]) == (
        "Hub group",
        "Run the hub",
        "open",
    )
    assert members(january) == {admin.person_id: "convener", mia.person_id: "member"}
    assert january["principles"] == [] and january["decisions"] == []
    assert holders(january) == {"Keys": admin.person_id, "Gone": admin.person_id}

    february = state(api, gid, effective_at=FEB_15)
    assert members(february) == {
        admin.person_id: "convener",
        mia.person_id: "member",
        bob.person_id: "observer",
        otto.person_id: "member",
    }
    assert {m["person_id"]: instant(m["since"]) for m in february["members"]} == {
        admin.person_id: instant(JAN),
        mia.person_id: instant(JAN),
        bob.person_id: instant(FEB),
        otto.person_id: instant(FEB),
    }
    assert sorted(ids(february["principles"])) == sorted([amended, retired])
    assert sorted(ids(february["decisions"])) == sorted([first, revoked])

    march = state(api, gid, effective_at=MAR_15)
    assert members(march)[bob.person_id] == "member"
    assert otto.person_id in members(march), "Otto left in April"
    assert ids(march["principles"]) == [amended]
    assert march["principles"][0]["statement"] == "First wording"
    assert ids(march["decisions"]) == [first]
    assert holders(march) == {"Keys": mia.person_id}

    april = state(api, gid, effective_at=APR_15)
    assert otto.person_id not in members(april)
    assert ids(april["decisions"]) == [second]
    assert april["principles"][0]["statement"] == "Second wording"

    today = state(api, gid)
    assert sorted(ids(today["conflicts"])) == sorted([open_conflict, acknowledged])
    assert {c["status"] for c in today["conflicts"]} == {"raised", "acknowledged"}
    assert ids(today["decisions"]) == [second]
    assert holders(today) == {"Keys": mia.person_id}
    assert today["accountabilities"][0]["open_handover"] is None
    # The open conflicts were raised today: by what is known now, none was open in March.
    assert march["conflicts"] == []

    assert_a_correction_overrides_from_its_effective_time(api, gid, bob, otto, left)


def test_a_record_read_in_effect_at_a_moment_shows_the_version_then_in_effect(api):
    mia = api.person("Mia")
    gid = api.group("Hub group", effective_at=JAN)["id"]
    join(api, gid, mia, when=JAN)
    keys = api.create(
        f"/groups/{gid}/accountabilities",
        {
            "title": "Keys",
            "holder": {"kind": "person", "id": api.admin.person_id},
            "effective_at": JAN,
        },
        "/accountabilities",
    )["id"]
    offered = api.write(
        "POST",
        f"/accountabilities/{keys}/handovers",
        json={"to": {"kind": "person", "id": mia.person_id}, "effective_at": FEB},
        status=201,
    )
    api.write(
        "POST",
        f"/accountabilities/{keys}/handovers/{offered['open_handover_id']}/accept",
        mia,
        {"effective_at": MAR},
    )
    url = f"/accountabilities/{keys}"
    assert get(api, url, effective_at=FEB_15)["holder"]["id"] == api.admin.person_id
    assert get(api, url, effective_at=MAR_15)["holder"]["id"] == mia.person_id
    principle = agreed_principle(api, gid, "First wording", FEB)
    api.write(
        "POST",
        f"/principles/{principle}/amend",
        json={"statement": "Second wording", "effective_at": APR},
    )
    assert get(api, f"/principles/{principle}", effective_at=MAR_15)["statement"] == "First wording"
    assert (
        get(api, f"/principles/{principle}", effective_at=APR_15)["statement"] == "Second wording"
    )
    response = api.call(
        "GET", f"/principles/{principle}", api.admin, params={"effective_at": JAN_15}
    )
    assert_problem(response, 404)  # not yet proposed: proposed and agreed in February


# ---------------------------------------------------------------- timelines


def names(item: dict[str, Any], party: str) -> bool:
    """Does the event name this person or organisation anywhere (as actor or in its data)?"""
    return party in json.dumps(item)


def test_a_timeline_is_filtered_by_kind_type_person_organisation_and_recorded_time(api):
    north = api.organisation("North Trust")["id"]
    river = api.organisation("River Council")["id"]
    mia = api.person("Mia", north)
    bob = api.person("Bob", river)
    otto = api.person("Otto")
    gid = api.group("Hub group")["id"]
    elsewhere = api.group("Elsewhere")["id"]
    join(api, gid, mia)
    join(api, gid, bob)
    join(api, gid, otto, "observer")
    join(api, elsewhere, otto)
    decided = api.create(
        f"/groups/{gid}/decisions",
        {
            "title": "Shared triage",
            "decision": "D",
            "agreement": {"method": "consent", "participants": [mia.person_id, bob.person_id]},
        },
        "/decisions",
        mia,
    )
    assert decided["participant_organisations"] == sorted([north, river])
    api.create(
        f"/groups/{gid}/conflicts",
        {"parties": [{"kind": "organisation", "id": river}], "about": "Budget"},
        "/conflicts",
        mia,
    )
    agreed_principle(api, gid, "Nothing about us without us", FEB)
    keys = api.create(
        f"/groups/{gid}/accountabilities",
        {"title": "Keys", "holder": {"kind": "person", "id": otto.person_id}},
        "/accountabilities",
    )["id"]
    api.write(
        "POST",
        f"/accountabilities/{keys}/handovers",
        json={"to": {"kind": "organisation", "id": north}},
        status=201,
    )
    decide(api, elsewhere, "Not in this group", MAR)
    url = f"/groups/{gid}/timeline"

    full = every_item(api, url, limit=4)
    assert len(full) == 11
    assert {item["group_id"] for item in full} == {gid}
    assert elsewhere not in {item["record_id"] for item in full}

    def check(expected: list[dict[str, Any]], **params: Any) -> None:
        assert expected, f"a filter that matches nothing proves little: {params}"
        assert len(expected) < len(full), f"a filter that matches everything: {params}"
        assert every_item(api, url, limit=3, **params) == expected, params

    check([i for i in full if i["kind"] == "decision"], kind="decision")
    check(
        [i for i in full if i["kind"] in ("conflict", "principle")], kind=["principle", "conflict"]
    )
    types = ["Group.MemberJoined", "Principle.Agreed"]
    check([i for i in full if i["type"] in types], type=types)
    check(
        [i for i in full if i["kind"] == "group" and i["type"] == "Group.MemberJoined"],
        kind="group",
        type="Group.MemberJoined",
    )
    assert every_item(api, url, kind="decision", type="Conflict.Raised") == []
    for person in (mia, bob, otto):
        check([i for i in full if names(i, person.person_id)], person=person.person_id)
    for organisation in (north, river):
        check([i for i in full if names(i, organisation)], organisation=organisation)
    check(
        [i for i in full if i["kind"] == "decision" and names(i, bob.person_id)],
        person=bob.person_id,
        kind="decision",
    )

    start, end = full[3]["recorded_at"], full[-3]["recorded_at"]

    def recorded_in(low: str | None, high: str | None) -> list[dict[str, Any]]:
        return [
            i
            for i in full
            if (low is None or instant(low) <= instant(i["recorded_at"]))
            and (high is None or instant(i["recorded_at"]) < instant(high))
        ]

    check(recorded_in(start, end), **{"from": start, "to": end})
    check(recorded_in(start, None), **{"from": start})
    check(recorded_in(None, end), to=end)
    check(
        [i for i in recorded_in(None, end) if i["kind"] == "decision"],
        kind="decision",
        **{"from": full[0]["recorded_at"], "to": end},
    )
    assert every_item(api, url, to=full[0]["recorded_at"]) == []
    assert every_item(api, url, **{"from": end, "to": start}) == []
    assert every_item(api, url, person=str(otto.person_id).replace("-", "")) == []


def test_timeline_and_history_pages_return_every_event_exactly_once_even_while_writes_continue(
    api,
):
    mia = api.person("Mia")
    gid = api.group("Hub group")["id"]
    # Mia is a member, and the proposals are made, by January, when one is agreed below.
    join(api, gid, mia, when=JAN)
    url = f"/groups/{gid}/timeline"
    made = [
        api.create(
            f"/groups/{gid}/decisions",
            {"title": f"D{n}", "decision": "D", "effective_at": JAN},
            "/decisions",
        )["id"]
        for n in range(5)
    ]
    for limit in (1, 2, 3, 5, 6, 500):
        items = every_item(api, url, limit=limit, kind="decision")
        assert [i["record_id"] for i in items] == made, limit

    # Three clients each follow a listing page by page, continuing from the last position
    # seen (next_after, or the last item once a page is the last).
    seen: dict[str, list[int]] = {"decisions": [], "everything": [], "history": []}
    cursors = {"decisions": 0, "everything": 0, "history": 0}
    urls: dict[str, tuple[str, dict[str, Any]]] = {
        "decisions": (url, {"kind": "decision", "limit": 2}),
        "everything": (url, {"limit": 3}),
        "history": (f"/decisions/{made[0]}/history", {"limit": 1}),
    }
    for round_ in range(8):
        for name, (page_url, params) in urls.items():
            page = get(api, page_url, after=cursors[name], **params)
            positions = [item["position"] for item in page["items"]]
            seen[name].extend(positions)
            if page["next_after"] is not None:
                assert page["next_after"] == positions[-1] and len(positions) == params["limit"]
            cursors[name] = positions[-1] if positions else cursors[name]
        # Between pages: records already seen change, new ones are created, in other kinds too.
        if round_ == 0:
            api.write(
                "POST",
                f"/decisions/{made[0]}/agree",
                json={"method": "vote", "participants": [mia.person_id], "effective_at": JAN},
            )
        elif round_ == 1:
            api.create(f"/groups/{gid}/decisions", {"title": "Late", "decision": "L"}, "/decisions")
            raise_conflict(api, gid, "Late conflict", mia)
        elif round_ == 2:
            api.write(
                "POST", f"/decisions/{made[0]}/revoke", json={"reason": "R", "effective_at": JAN}
            )
            api.write("POST", f"/decisions/{made[4]}/withdraw", json={})

    full = every_item(api, url, limit=500)
    expected = {
        "decisions": [i["position"] for i in full if i["kind"] == "decision"],
        "everything": [i["position"] for i in full],
        "history": [i["position"] for i in full if i["record_id"] == made[0]],
    }
    for name in seen:
        assert seen[name] == expected[name], name
    assert len(expected["history"]) == 3 and len(expected["decisions"]) == 9


# ---------------------------------------------------------------- the event feed


def test_the_event_feed_walks_the_whole_ledger_in_position_order_without_gaps(api):
    north = api.organisation("North Trust")["id"]
    mia = api.person("Mia", north)
    gid = api.group("Hub group", effective_at=JAN)["id"]
    join(api, gid, mia)
    decide(api, gid, "Open at nine", MAR)
    raise_conflict(api, gid, "Rota", mia)

    feed: list[dict[str, Any]] = []
    after, grew = 0, False
    for _ in range(100):
        response = api.call("GET", "/events", api.admin, params={"after": after, "limit": 2})
        assert response.status_code == 200
        page = response.json()
        assert set(page) == {"items", "next_after", "head_position"}
        assert page["head_position"] == api.head()
        assert len(page["items"]) <= 2
        if not page["items"]:
            assert page["next_after"] == after
            break
        assert page["next_after"] == page["items"][-1]["position"]
        feed.extend(page["items"])
        after = page["next_after"]
        if not grew:  # the ledger grows while it is followed
            agreed_principle(api, gid, "Work sits where it belongs", FEB)
            grew = True
    head = api.last_position
    assert [item["position"] for item in feed] == list(range(1, head + 1))
    assert feed[0]["type"] == "Person.Registered" and feed[0]["recorded_by"] is None
    assert feed[-1]["type"] == "Principle.Agreed"
    recorded = [instant(item["recorded_at"]) for item in feed]
    assert recorded == sorted(recorded)
    whole = get(api, "/events", fresh=False, limit=500)
    assert whole["items"] == feed and whole["next_after"] == head

    # Each event reads the same in the feed as in its record's history.
    histories: dict[str, dict[int, dict[str, Any]]] = {}
    for item in feed:
        if item["record_id"] not in histories:
            events = history(api, item["kind"], item["record_id"])
            histories[item["record_id"]] = {e["position"]: e for e in events}
        same = histories[item["record_id"]][item["position"]]
        for key in ("type", "kind", "version", "recorded_at", "recorded_by", "effective_at"):
            assert item[key] == same[key], (key, item, same)
        if item["kind"] != "person":
            assert item["data"] == same["data"], item
    assert sum(len(events) for events in histories.values()) == head


# ---------------------------------------------------------------- reading your own writes


def test_a_read_with_the_position_a_write_returned_sees_that_write(api):
    mia = api.person("Mia")
    gid = api.group("Hub group", effective_at=JAN)["id"]
    principle = api.create(f"/groups/{gid}/principles", {"statement": "S"}, "/principles")["id"]
    for n in range(4):
        person = api.person(f"Member {n}")
        written = join(api, gid, person, when=FEB)
        position = written["position"]
        timeline = get(api, f"/groups/{gid}/timeline", min_position=position, after=position - 1)
        assert [i["position"] for i in timeline["items"]] == [position]
        group_history = get(api, f"/groups/{gid}/history", min_position=position)
        assert group_history["items"][-1]["position"] == position
        assert person.person_id in members(state(api, gid, min_position=position))
        in_effect = get(api, f"/groups/{gid}", effective_at=MAR, min_position=position)
        assert person.person_id in {m["person_id"] for m in in_effect["members"]}
        window = {"from": FEB, "to": MAR, "min_position": position}
        changes = get(api, f"/groups/{gid}/changes", **window)["changes"]
        assert changes[-1]["position"] == position
        endorsed = api.write(
            "POST",
            f"/principles/{principle}/endorsements",
            json={"person_id": person.person_id},
            status=201,
        )
        seen = get(api, f"/principles/{principle}/history", min_position=endorsed["position"])
        assert seen["items"][-1]["position"] == endorsed["position"]
    assert mia.person_id not in members(state(api, gid))


def test_ready_reports_no_projection_lag_once_the_read_models_have_caught_up(api):
    gid = api.group("Hub group")["id"]
    for n in range(3):
        decide(api, gid, f"Decision {n}", MAR)
    head = api.last_position
    get(api, f"/groups/{gid}/timeline", min_position=head)
    ready = api.client.get("/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["head_position"] == head
    assert body["projection"] == {
        "position": head,
        "lag": 0,
        "runs_in": "this process",
        "last_error": None,
    }


def allow_read_models_behind(response: httpx.Response) -> None:
    """Response hook: a 503 is fine only when the read models are behind; no other 5xx."""
    if response.status_code >= 500:
        response.read()
        body = response.json() if response.headers.get("content-type") == PROBLEM else {}
        if response.status_code != 503 or body.get("title") != "Read models behind":
            raise AssertionError(f"{response.request.url} answered {response.status_code}")


@pytest.fixture
def worker_api(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    """The API with its projector off, as beside a separate `accord project` worker; reads wait
    0.1 s at most. Here the test plays the worker with ledger.projector.catch_up()."""
    monkeypatch.setattr(ledger, "read_timeout", 0.1)
    app = create_app(settings.model_copy(update={"projector": "off"}), ledger=ledger)
    with TestClient(app) as client:
        client.event_hooks = {"request": [], "response": [allow_read_models_behind]}
        person_id, row, secret = ledger.keys.bootstrap("Ada Admin", "ada@example.org")
        yield Api(client, ledger, admin=Actor(person_id, row.key_id, secret, "Ada Admin"))


def test_a_read_that_the_read_models_cannot_serve_in_time_answers_503_with_retry_after(
    worker_api,
):
    api, ledger = worker_api, worker_api.ledger
    gid = api.group("Hub group", effective_at=JAN)["id"]
    did = decide(api, gid, "Open at nine", MAR)["id"]
    position = api.last_position
    head = api.head()
    assert ledger.projector.position() == 0
    ready = api.client.get("/ready").json()["projection"]
    assert (ready["lag"], ready["runs_in"]) == (head, "a separate worker")
    reads: list[tuple[str, dict[str, Any]]] = [
        (f"/decisions/{did}/history", {}),
        (f"/groups/{gid}/history", {}),
        (f"/groups/{gid}/timeline", {}),
        (f"/groups/{gid}/state", {}),
        (f"/groups/{gid}/changes", {"from": JAN, "to": APR}),
        (f"/decisions/{did}", {"effective_at": MAR_10}),
        (f"/decisions/{did}", {"as_of": iso(datetime.now(UTC))}),
        (f"/groups/{gid}", {"effective_at": MAR_10}),
    ]

    def behind(url: str, params: dict[str, Any], wanted: int) -> None:
        started = time.monotonic()
        response = api.call("GET", url, api.admin, params={**params, "min_position": wanted})
        assert time.monotonic() - started < 3, "a read must not wait much longer than it may"
        problem = assert_problem(response, 503)
        assert problem["title"] == "Read models behind"
        assert str(wanted) in problem["detail"]
        assert int(response.headers["retry-after"]) >= 1
        assert api.head() == head, "a refused read records nothing"

    for url, params in reads:
        behind(url, params, position)
    ledger.projector.catch_up()
    for url, params in reads:
        assert get(api, url, min_position=position, **params)
    assert get(api, f"/decisions/{did}", effective_at=MAR_10)["status"] == "agreed"
    assert ids(state(api, gid, effective_at=MAR_10)["decisions"]) == [did]
    assert api.client.get("/ready").json()["projection"]["lag"] == 0
    for url, params in reads:  # a position beyond the head of the ledger: refused at once
        beyond_the_head(api, url, params, head + 1_000_000)
    for url, params in reads:
        assert get(api, url, min_position=0, **params)

    # A read waits for the worker, up to its timeout.
    ledger.read_timeout = 5.0
    joined = join(api, gid, api.person("Late"))
    worker = threading.Timer(0.3, ledger.projector.catch_up)
    worker.start()
    try:
        timeline = get(api, f"/groups/{gid}/timeline", min_position=joined["position"])
    finally:
        worker.join()
    assert timeline["items"][-1]["position"] == joined["position"]


def beyond_the_head(api: Api, url: str, params: dict[str, Any], wanted: int) -> None:
    """A position no write has reached is refused at once with 422 naming min_position (a
    wait could never reach it); the head itself is fine."""
    started = time.monotonic()
    response = api.call("GET", url, api.admin, params={**params, "min_position": wanted})
    # Not held until the read timeout (30 s below): the bound is far from it, so that a
    # loaded machine's slowness is not taken for a wait.
    assert time.monotonic() - started < 10, "nothing to wait for"
    problem = assert_problem(response, 422)
    assert "min_position" in problem["detail"] and str(wanted) in problem["detail"]


def test_a_read_beyond_the_head_of_the_ledger_is_refused_at_once_from_an_api_with_its_own_projector(
    api, monkeypatch
):
    monkeypatch.setattr(api.ledger, "read_timeout", 30.0)
    monkeypatch.setattr(
        api.client, "event_hooks", {"request": [], "response": [allow_read_models_behind]}
    )
    gid = api.group("Hub group")["id"]
    head = api.head()
    for url in (f"/groups/{gid}/timeline", f"/groups/{gid}/state", f"/groups/{gid}/history"):
        for beyond in (head + 1, head + 1000, 2**62):
            beyond_the_head(api, url, {}, beyond)
        assert get(api, url, min_position=head)  # the last write is there
        assert api.head() == head, "a refused read records nothing"


# ---------------------------------------------------------------- changes between two moments


def assert_other_windows_agree(api: Api, gid: str, admin: Actor, lines: list[Any]) -> None:
    """The same window in another time zone, narrower windows, and windows the API refuses."""
    # The same window given in another time zone; and narrower windows.
    shifted: dict[str, Any] = {
        "from": "2026-02-01T01:00:00+01:00",
        "to": "2026-03-31T20:00:00-04:00",
    }
    assert get(api, f"/groups/{gid}/changes", **shifted)["changes"] == lines
    march = get(api, f"/groups/{gid}/changes", **between(MAR, MAR_10))["changes"]
    assert march == lines[9:16]
    late = get(api, f"/groups/{gid}/changes", **between(APR, APR_15))["changes"]
    assert [line["change"] for line in late] == [
        "purpose_restated",
        "decision_revoked",
        "principle_retired",
    ]
    assert (
        get(api, f"/groups/{gid}/changes", **between("2025-01-01T00:00:00Z", JAN))["changes"] == []
    )
    for start, end in ((APR, FEB), (MAR, MAR)):
        response = api.call(
            "GET", f"/groups/{gid}/changes", admin, params={"from": start, "to": end}
        )
        assert error_fields(assert_problem(response, 422)) == ["to"]


def test_changes_list_what_took_effect_between_two_moments_with_links(api):
    admin = api.admin
    mia, bob, otto = api.person("Mia"), api.person("Bob"), api.person("Otto")
    gid = api.group("Hub group", effective_at=JAN)["id"]
    join(api, gid, otto, when=JAN)
    join(api, gid, mia, when=FEB)
    join(api, gid, bob, "observer", when=FEB_15)
    api.write(
        "POST",
        f"/groups/{gid}/members/{bob.person_id}/role",
        json={"role": "member", "effective_at": MAR},
    )
    api.write("DELETE", f"/groups/{gid}/members/{otto.person_id}?effective_at={MAR_15}")
    api.write("POST", f"/groups/{gid}/purpose", json={"purpose": "New", "effective_at": APR})
    first = decide(api, gid, "First", FEB)["id"]
    revoked = decide(api, gid, "Revoked in April", FEB)["id"]
    api.write("POST", f"/decisions/{revoked}/revoke", json={"reason": "R", "effective_at": APR})
    amended = agreed_principle(api, gid, "First wording", FEB)
    api.write(
        "POST",
        f"/principles/{amended}/amend",
        json={"statement": "Second wording", "effective_at": MAR},
    )
    old = agreed_principle(api, gid, "Old principle", JAN)
    api.write("POST", f"/principles/{old}/retire", json={"reason": "Gone", "effective_at": APR})
    second = decide(api, gid, "Second", MAR, supersedes=(first,))["id"]
    # Raised in January (before the window), the keys offered to Mia when she joined in
    # February: each answered in March.
    conflict = raise_conflict(api, gid, "Who holds the keys", bob, when=JAN_15)
    api.write("POST", f"/conflicts/{conflict}/acknowledge", json={})
    api.write(
        "POST",
        f"/conflicts/{conflict}/resolve",
        json={"outcome": "Mia holds them", "decision_id": second, "effective_at": MAR},
    )
    keys = api.create(
        f"/groups/{gid}/accountabilities",
        {"title": "Keys", "holder": {"kind": "person", "id": admin.person_id}, "effective_at": JAN},
        "/accountabilities",
    )["id"]
    offered = api.write(
        "POST",
        f"/accountabilities/{keys}/handovers",
        json={"to": {"kind": "person", "id": mia.person_id}, "effective_at": FEB},
        status=201,
    )
    accepted = api.write(
        "POST",
        f"/accountabilities/{keys}/handovers/{offered['open_handover_id']}/accept",
        mia,
        {"effective_at": MAR},
    )

    window: dict[str, Any] = {"from": FEB, "to": APR}
    body = get(api, f"/groups/{gid}/changes", **window)
    assert (body["group_id"], instant(body["from"]), instant(body["to"])) == (
        gid,
        instant(FEB),
        instant(APR),
    )
    lines = body["changes"]
    assert [(line["change"], line["record_id"]) for line in lines] == [
        # 1 February, the start of the window, is in it. Decisions and principles recorded
        # at once are proposed when they are agreed.
        ("member_joined", gid),
        ("decision_proposed", first),
        ("decision_agreed", first),
        ("decision_proposed", revoked),
        ("decision_agreed", revoked),
        ("principle_proposed", amended),
        ("principle_agreed", amended),
        ("handover_offered", keys),
        ("member_joined", gid),  # Bob, 15 February
        # 1 March, in the order recorded.
        ("member_role_changed", gid),
        ("principle_amended", amended),
        ("decision_proposed", second),
        ("decision_agreed", second),
        ("decision_superseded", first),
        ("conflict_resolved", conflict),
        ("accountability_handed_over", keys),
        ("member_left", gid),  # Otto, 15 March
        # Nothing from 1 April, the end of the window, nor from January or today.
    ]
    for line in lines:
        assert instant(FEB) <= instant(line["effective_at"]) < instant(APR), line
        path = f"/{COLLECTIONS[line['record_kind']]}/{line['record_id']}"
        assert line["links"] == {"record": path, "history": f"{path}/history"}
        assert line["recorded_by"] in (admin.person_id, mia.person_id)
        assert isinstance(line["position"], int) and instant(line["recorded_at"])
    in_march = [line["position"] for line in lines[9:16]]
    assert in_march == sorted(in_march)
    by_change = {(line["change"], line["record_id"]): line for line in lines}
    assert lines[0]["details"] == {"person_id": mia.person_id, "role": "member"}
    assert lines[8]["details"] == {"person_id": bob.person_id, "role": "observer"}
    assert lines[9]["details"] == {"person_id": bob.person_id, "role": "member"}
    assert lines[-1]["details"] == {"person_id": otto.person_id}
    assert by_change[("decision_agreed", second)]["details"] == {
        "method": "consent",
        "participants": [admin.person_id],
        "supersedes": [first],
    }
    assert by_change[("decision_agreed", second)]["title"] == "Second"
    assert by_change[("decision_superseded", first)]["details"] == {"by_decision_id": second}
    assert by_change[("decision_superseded", first)]["title"] == "First"
    assert by_change[("principle_amended", amended)]["details"] == {"statement": "Second wording"}
    assert by_change[("conflict_resolved", conflict)]["details"] == {
        "outcome": "Mia holds them",
        "decision_id": second,
    }
    assert by_change[("conflict_resolved", conflict)]["title"] == "Who holds the keys"
    handover = by_change[("accountability_handed_over", keys)]
    assert handover["details"] == {
        "to": {"kind": "person", "id": mia.person_id},
        "from": {"kind": "person", "id": admin.person_id},
    }
    assert (handover["title"], handover["recorded_by"]) == ("Keys", mia.person_id)
    assert handover["position"] == accepted["position"]
    for line in lines:  # every link leads somewhere
        assert get(api, line["links"]["record"], fresh=False)["id"] == line["record_id"]
        events = get(api, line["links"]["history"])["items"]
        assert line["position"] in [e["position"] for e in events]

    assert_other_windows_agree(api, gid, admin, lines)


# ---------------------------------------------------------------- known bugs


def test_an_instant_outside_the_years_1_to_9999_in_utc_is_refused_and_the_projector_goes_on(
    api, monkeypatch
):
    monkeypatch.setattr(api.ledger, "read_timeout", 0.5)
    gid = api.group("Hub group", effective_at="0001-01-01T00:00:00Z")["id"]
    refused = api.client.post(
        f"/groups/{gid}/purpose",
        json={"purpose": "Since the beginning", "effective_at": "0001-01-01T00:00:00+14:00"},
        headers=api.admin.headers,
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["effective_at"]
    api.write(
        "POST",
        f"/groups/{gid}/purpose",
        json={"purpose": "Earliest", "effective_at": "0001-01-02T00:00:00+14:00"},
    )
    api.write("POST", f"/groups/{gid}/purpose", json={"purpose": "Later"})
    items = every_item(api, f"/groups/{gid}/timeline")
    assert [i["type"] for i in items][-2:] == ["Group.PurposeRestated"] * 2
