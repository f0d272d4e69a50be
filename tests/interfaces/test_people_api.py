"""GET /people: a search by name and organisation, paged, within what the caller may see;
a forgotten person is listed as "Forgotten person" and never found by their old name."""

from __future__ import annotations

from typing import Any

from tests.interfaces.support import Api, assert_problem, error_fields


def people(api: Api, as_=None, **params) -> list[dict[str, Any]]:
    return api.listing("/people", as_, limit=2, min_position=api.head(), **params)


def test_an_administrator_finds_anyone_by_part_of_their_name_in_any_case(api: Api):
    trust = api.organisation("Northshire Trust", "statutory_health")["id"]
    sam = api.person("Sam Rivera", trust)
    api.person("Ben Okri")
    api.person("Rivka Stone")
    found = people(api, q="RIV")
    assert [p["name"] for p in found] == ["Sam Rivera", "Rivka Stone"]
    assert found[0] == {
        "id": sam.person_id,
        "name": "Sam Rivera",
        "forgotten": False,
        "organisation_id": trust,
        "organisation_name": "Northshire Trust",
        "organisation_sector": "NHS trust (secondary care)",
        "groups": [],
    }
    everyone = people(api)
    assert [p["name"] for p in everyone] == [
        "Ada Admin",
        "Sam Rivera",
        "Ben Okri",
        "Rivka Stone",
    ]


def test_people_are_filtered_by_the_organisation_they_belong_to_now(api: Api):
    trust, hub = api.organisation("Trust")["id"], api.organisation("Hub")["id"]
    sam = api.person("Sam Rivera", trust)
    api.person("Ben Okri", hub)
    assert [p["name"] for p in people(api, organisation_id=trust)] == ["Sam Rivera"]
    api.write(
        "POST", f"/people/{sam.person_id}/affiliation", json={"organisation_id": hub}, if_match=1
    )
    assert people(api, organisation_id=trust) == []
    assert [p["name"] for p in people(api, organisation_id=hub)] == ["Sam Rivera", "Ben Okri"]


def test_a_member_finds_only_themselves_and_the_people_who_share_a_group_with_them(api: Api, admin):
    ada, bob, olga = api.person("Ada Lovelace"), api.person("Bob Member"), api.person("Olga")
    team = api.group("Design team", as_=admin)["id"]
    other = api.group("Other team", as_=admin)["id"]
    api.add_member(team, ada)
    api.add_member(team, bob)
    api.add_member(other, olga)
    found = people(api, ada)
    assert {p["name"] for p in found} == {"Ada Admin", "Ada Lovelace", "Bob Member"}
    bob_listed = next(p for p in found if p["name"] == "Bob Member")
    assert bob_listed["groups"] == [{"id": team, "name": "Design team"}]
    assert people(api, ada, q="olga") == []
    # Someone in no group finds only themselves.
    loner = api.person("Lone Walker")
    assert [p["name"] for p in people(api, loner)] == ["Lone Walker"]


def test_an_auditor_finds_everyone(api: Api, admin):
    api.person("Sam Rivera")
    auditor = api.person("Aud Itor")
    made = api.client.post(
        "/keys", json={"person_id": auditor.person_id, "role": "auditor"}, headers=admin.headers
    )
    headers = {"Authorization": f"Bearer {made.json()['secret']}"}
    answer = api.client.get("/people", params={"q": "sam"}, headers=headers)
    assert answer.status_code == 200
    assert [p["name"] for p in answer.json()["items"]] == ["Sam Rivera"]


def test_a_forgotten_person_is_listed_as_forgotten_and_never_found_by_their_old_name(
    api: Api, admin
):
    wendy = api.person("Wendeline Canary")
    ada = api.person("Ada Lovelace")
    team = api.group("Design team", as_=admin)["id"]
    api.add_member(team, wendy)
    api.add_member(team, ada)
    api.write("POST", f"/people/{wendy.person_id}/forget", json={"basis": "UK GDPR Art. 17"})
    assert people(api, q="wendeline") == []
    assert people(api, ada, q="canary") == []
    listed = people(api, ada)
    assert "Wendeline" not in str(listed)
    forgotten = next(p for p in listed if p["id"] == wendy.person_id)
    assert forgotten["name"] == "Forgotten person" and forgotten["forgotten"] is True
    assert [p["id"] for p in people(api, q="forgotten")] == [wendy.person_id]


def test_pages_follow_the_cursor_without_repeating_anyone(api: Api):
    for n in range(5):
        api.person(f"Person {n}")
    pages = list(api.pages("/people", limit=2, min_position=api.head(), q="person"))
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    names = [i["name"] for p in pages for i in p["items"]]
    assert names == [f"Person {n}" for n in range(5)]


def test_bad_search_parameters_are_refused_naming_the_parameter(api: Api, admin):
    headers = admin.headers
    cases = {
        "cursor": {"cursor": "not-a-cursor"},
        "limit": {"limit": "0"},
        "q": {"q": "x" * 101},
        "organisation_id": {"organisation_id": "00000000-0000-4000-8000-000000000000"},
    }
    for field, params in cases.items():
        answer = api.client.get("/people", params=params, headers=headers)
        assert field in str(error_fields(assert_problem(answer, 422))), (field, answer.text)


def test_finding_people_needs_a_key(api: Api):
    assert_problem(api.client.get("/people"), 401)
