"""References across groups: a record a request names that the caller may not see is refused
exactly as an unknown id, and the rules for which references may cross groups at all hold
for everyone, administrators included (README, "References across groups")."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.interfaces.support import Actor, Api, assert_problem
from tests.interfaces.test_server_survives import ACCORD, accord_serve, store_env

__all__ = ["store_env"]  # the subprocess test's store fixture (SQLite; PostgreSQL when slow)


@dataclass
class World:
    """Groups A (with a sub-group) and B; Alice is in A and the sub-group only, Bob in B
    only, Bo in A and B; each of B's records is one Alice may not see."""

    api: Api
    alice: Actor
    bob: Actor
    bo: Actor
    a: str
    sub: str
    b: str
    a_principle: str
    proposal: str
    conflict: str
    held: str
    b_records: dict[str, str]

    def ref(self, name: str) -> str:
        """B's record of that name, or Bob himself ("bob")."""
        return self.bob.person_id if name == "bob" else self.b_records[name]


def agreed_decision(api: Api, group: str, who: Actor, title: str) -> str:
    agreement = {"method": "consent", "participants": [who.person_id]}
    body = {"title": title, "decision": title, "agreement": agreement}
    return str(api.create(f"/groups/{group}/decisions", body, "/decisions", who)["id"])


def principle(api: Api, group: str, who: Actor, statement: str, agree: bool) -> str:
    body = {"statement": statement}
    principle_id = str(api.create(f"/groups/{group}/principles", body, "/principles", who)["id"])
    if agree:
        api.write("POST", f"/principles/{principle_id}/agree", who, {})
    return principle_id


@pytest.fixture
def world(api: Api) -> World:
    alice, bob, bo = api.person("Alice"), api.person("Bob"), api.person("Bo")
    a = api.group("A", as_=alice)["id"]
    sub = api.group("A design", as_=alice, parent=a)["id"]
    b = api.group("B", as_=bob)["id"]
    api.add_member(a, bo)
    api.add_member(b, bo)
    b_records = {
        "b": b,
        "b_principle_agreed": principle(api, b, bob, "Work in the open", agree=True),
        "b_principle_proposed": principle(api, b, bob, "Meet monthly", agree=False),
        "b_decision_agreed": agreed_decision(api, b, bob, "Open at nine"),
        "b_decision_proposed": str(
            api.create(
                f"/groups/{b}/decisions", {"title": "Close", "decision": "Close"}, "/decisions", bob
            )["id"]
        ),
    }
    proposal = api.create(
        f"/groups/{a}/decisions", {"title": "Open late", "decision": "Late"}, "/decisions", alice
    )["id"]
    parties = [{"kind": "person", "id": alice.person_id}]
    conflict = api.create(
        f"/groups/{a}/conflicts", {"parties": parties, "about": "Rota"}, "/conflicts", alice
    )["id"]
    api.write("POST", f"/conflicts/{conflict}/acknowledge", alice, {})
    holder = {"kind": "person", "id": alice.person_id}
    held = api.create(
        f"/groups/{a}/accountabilities",
        {"title": "Referrals", "holder": holder},
        "/accountabilities",
        alice,
    )["id"]
    return World(
        api,
        alice,
        bob,
        bo,
        a,
        sub,
        b,
        principle(api, a, alice, "Nothing about us without us", agree=True),
        proposal,
        conflict,
        held,
        b_records,
    )


def agreeing(**extra: Any) -> Callable[[World, str], tuple[str, dict[str, Any]]]:
    def request(w: World, ref: str) -> tuple[str, dict[str, Any]]:
        body = {"method": "consent", "participants": [w.alice.person_id]}
        for field, value in extra.items():
            body[field] = [ref] if value == "REF" else value
        return f"/decisions/{w.proposal}/agree", body

    return request


def recording(w: World, ref: str) -> tuple[str, dict[str, Any]]:
    agreement = {"method": "consent", "participants": [w.alice.person_id], "principles": [ref]}
    return f"/groups/{w.a}/decisions", {"title": "T", "decision": "D", "agreement": agreement}


def party(kind: str) -> Callable[[World, str], tuple[str, dict[str, Any]]]:
    def request(w: World, ref: str) -> tuple[str, dict[str, Any]]:
        return f"/groups/{w.a}/conflicts", {"parties": [{"kind": kind, "id": ref}], "about": "X"}

    return request


def holder(kind: str) -> Callable[[World, str], tuple[str, dict[str, Any]]]:
    def request(w: World, ref: str) -> tuple[str, dict[str, Any]]:
        body = {"title": "Keys", "holder": {"kind": kind, "id": ref}}
        return f"/groups/{w.a}/accountabilities", body

    return request


def offered(kind: str) -> Callable[[World, str], tuple[str, dict[str, Any]]]:
    def request(w: World, ref: str) -> tuple[str, dict[str, Any]]:
        return f"/accountabilities/{w.held}/handovers", {"to": {"kind": kind, "id": ref}}

    return request


def resolving(w: World, ref: str) -> tuple[str, dict[str, Any]]:
    return f"/conflicts/{w.conflict}/resolve", {"outcome": "Sorted", "decision_id": ref}


def escalating(w: World, ref: str) -> tuple[str, dict[str, Any]]:
    return f"/conflicts/{w.conflict}/escalate", {"to_group_id": ref, "reason": "Too big"}


# Every place a request names another record, with B's records it may name there.
REFERENCES: dict[str, tuple[Callable[[World, str], tuple[str, dict[str, Any]]], list[str]]] = {
    "a principle a decision cites": (
        agreeing(principles="REF"),
        ["b_principle_agreed", "b_principle_proposed"],
    ),
    "a principle a recorded decision cites": (recording, ["b_principle_agreed"]),
    "a decision a decision supersedes": (
        agreeing(supersedes="REF"),
        ["b_decision_agreed", "b_decision_proposed"],
    ),
    "a person taking part in a decision": (agreeing(participants="REF"), ["bob"]),
    "a decision that resolves a conflict": (
        resolving,
        ["b_decision_agreed", "b_decision_proposed"],
    ),
    "a group a conflict is escalated to": (escalating, ["b"]),
    "a person party to a conflict": (party("person"), ["bob"]),
    "a group party to a conflict": (party("group"), ["b"]),
    "a person holding an accountability": (holder("person"), ["bob"]),
    "a group holding an accountability": (holder("group"), ["b"]),
    "a person offered a handover": (offered("person"), ["bob"]),
    "a group offered a handover": (offered("group"), ["b"]),
}
CASES = [(label, name) for label, (_, names) in REFERENCES.items() for name in names]


def refusal(w: World, label: str, ref: str, as_: Actor) -> tuple[int, dict[str, Any]]:
    """The answer to the request naming `ref` (a problem document), `ref` replaced by a
    placeholder."""
    path, body = REFERENCES[label][0](w, ref)
    response = w.api.call("POST", path, as_, json=body)
    assert_problem(response, response.status_code)
    return response.status_code, json.loads(response.text.replace(ref, "<ref>"))


def state(w: World) -> list[Any]:
    """What the refused requests could have changed in A, with its versions."""
    reads = [f"/decisions/{w.proposal}", f"/conflicts/{w.conflict}", f"/accountabilities/{w.held}"]
    lists = [f"/groups/{w.a}/{kind}" for kind in ("decisions", "conflicts", "accountabilities")]
    return [w.api.read(url) for url in reads] + [w.api.read(url)["items"] for url in lists]


@pytest.mark.parametrize(("label", "name"), CASES, ids=[f"{lab}: {n}" for lab, n in CASES])
def test_another_groups_record_reads_as_an_unknown_id(world: World, label: str, name: str) -> None:
    before = state(world)
    unseen = refusal(world, label, world.ref(name), world.alice)
    unknown = refusal(world, label, str(uuid.uuid4()), world.alice)
    assert unseen == unknown
    status, body = unknown
    assert status == 422, body
    assert "<ref>" in body["detail"], body  # the answer names the id it could not find
    assert state(world) == before  # nothing was written


# The rules that hold for a caller who sees both groups: the refusal is the rule's.
RULES = {
    "a principle a decision cites": (
        "b_principle_agreed",
        "is not of the decision's group or a group above it",
    ),
    "a decision a decision supersedes": (
        "b_decision_agreed",
        "must be another decision of the same group",
    ),
    "a decision that resolves a conflict": (
        "b_decision_agreed",
        "must be a decision of the conflict's own group",
    ),
}


@pytest.mark.parametrize("label", list(RULES))
def test_an_administrator_naming_another_groups_record_is_refused_by_the_rule(
    world: World, label: str
) -> None:
    name, rule = RULES[label]
    before = state(world)
    path, body = REFERENCES[label][0](world, world.ref(name))
    problem = assert_problem(world.api.call("POST", path, world.api.admin, json=body), 422)
    assert rule in problem["detail"], problem
    assert state(world) == before


def test_someone_in_both_groups_is_refused_by_the_rule_not_as_unknown(world: World) -> None:
    path, body = REFERENCES["a decision a decision supersedes"][0](
        world, world.ref("b_decision_agreed")
    )
    body["participants"] = [world.bo.person_id]
    problem = assert_problem(world.api.call("POST", path, world.bo, json=body), 422)
    assert "must be another decision of the same group" in problem["detail"], problem


def test_a_sub_groups_decision_cites_a_principle_of_the_group_above(world: World) -> None:
    decision = agreed_decision(world.api, world.sub, world.alice, "Hub hours")
    proposal = world.api.create(
        f"/groups/{world.sub}/decisions", {"title": "T", "decision": "D"}, "/decisions", world.alice
    )["id"]
    agreed = world.api.write(
        "POST",
        f"/decisions/{proposal}/agree",
        world.alice,
        {
            "method": "consent",
            "participants": [world.alice.person_id],
            "principles": [world.a_principle],
            "supersedes": [decision],
        },
    )
    assert agreed["principles"] == [world.a_principle]


def test_a_group_does_not_cite_the_principles_of_a_sub_group(world: World) -> None:
    below = principle(world.api, world.sub, world.alice, "Ask the hub first", agree=True)
    path, body = agreeing(principles="REF")(world, below)
    problem = assert_problem(world.api.call("POST", path, world.alice, json=body), 422)
    assert "is not of the decision's group or a group above it" in problem["detail"]


def test_someone_in_both_groups_hands_work_to_the_other_group_and_names_its_members(
    world: World,
) -> None:
    offered_to = {"kind": "group", "id": world.b}
    handover = world.api.write(
        "POST",
        f"/accountabilities/{world.held}/handovers",
        world.bo,
        {"to": offered_to},
        status=201,
    )
    assert handover["handovers"][-1]["to"] == offered_to
    parties = [{"kind": "person", "id": world.bob.person_id}, {"kind": "group", "id": world.b}]
    raised = world.api.create(
        f"/groups/{world.a}/conflicts",
        {"parties": parties, "about": "Rooms"},
        "/conflicts",
        world.bo,
    )
    assert raised["parties"] == parties


# ---------------------------------------------------------------- the installed command


def test_the_served_api_answers_another_groups_principle_as_an_unknown_one(
    store_env: dict[str, str],
) -> None:
    """`accord serve` started as users start it: Alice's reference to group B's principle and
    to an id that names nothing get the same answer."""
    assert ACCORD.exists()
    with accord_serve(store_env) as server, httpx.Client(base_url=server.url, timeout=10) as http:

        def post(path: str, body: dict[str, Any], key: str = server.key) -> httpx.Response:
            return http.post(path, json=body, headers={"Authorization": f"Bearer {key}"})

        def person(name: str) -> tuple[str, str]:
            person_id = post("/people", {"name": name}).json()["id"]
            key = post("/keys", {"person_id": person_id}).json()["secret"]
            return person_id, key

        (alice, alice_key), (_, bob_key) = person("Alice"), person("Bob")
        a = post("/groups", {"name": "A", "kind": "team", "purpose": "P"}, alice_key).json()["id"]
        b = post("/groups", {"name": "B", "kind": "team", "purpose": "P"}, bob_key).json()["id"]
        principle_id = post(f"/groups/{b}/principles", {"statement": "Open"}, bob_key).json()["id"]
        assert post(f"/principles/{principle_id}/agree", {}, bob_key).status_code == 200
        body = {"title": "T", "decision": "D"}
        proposal = post(f"/groups/{a}/decisions", body, alice_key).json()["id"]
        answers = []
        for ref in (principle_id, str(uuid.uuid4())):
            agreement = {"method": "consent", "participants": [alice], "principles": [ref]}
            answer = post(f"/decisions/{proposal}/agree", agreement, alice_key)
            answers.append((answer.status_code, answer.text.replace(ref, "<ref>")))
        assert answers[0] == answers[1]
        assert answers[0][0] == 422
        unchanged = http.get(
            f"/decisions/{proposal}", headers={"Authorization": f"Bearer {alice_key}"}
        )
        assert (unchanged.json()["status"], unchanged.json()["version"]) == ("proposed", 1)
