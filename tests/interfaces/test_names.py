"""Names beside ids in the API's answers, within what the caller may see, and never a
forgotten person's name."""

from __future__ import annotations

from tests.interfaces.support import Api


def test_group_state_and_timeline_name_members_and_who_recorded_each_event(api: Api, admin):
    org = api.organisation("Hope Street")["id"]
    ada = api.person("Ada Lovelace", org)
    group = api.group("Design team", as_=admin)["id"]
    api.add_member(group, ada)
    head = str(api.head())
    state = api.read(f"/groups/{group}/state?min_position={head}")
    names = {m["person_id"]: m["name"] for m in state["members"]}
    assert names == {admin.person_id: "Ada Admin", ada.person_id: "Ada Lovelace"}
    items = api.read(f"/groups/{group}/timeline?min_position={head}")["items"]
    assert {i["recorded_by_name"] for i in items} == {"Ada Admin"}
    history = api.read(f"/groups/{group}/history?min_position={head}")["items"]
    assert history[0]["recorded_by_name"] == "Ada Admin"


def test_a_member_sees_no_name_for_someone_outside_their_groups(api: Api, admin):
    ada, bob = api.person("Ada Lovelace"), api.person("Bob Member")
    group = api.group("Design team", as_=admin)["id"]
    api.add_member(group, ada)
    # A second administrator, in none of Ada's groups, adds Bob to her group.
    olga = api.person("Olga Operator")
    made = api.client.post(
        "/keys", json={"person_id": olga.person_id, "role": "administrator"}, headers=admin.headers
    )
    olga_headers = {"Authorization": f"Bearer {made.json()['secret']}"}
    added = api.client.post(
        f"/groups/{group}/members",
        json={"person_id": bob.person_id, "role": "member"},
        headers=olga_headers,
    )
    assert added.status_code == 201
    head = str(api.head())
    items = api.client.get(
        f"/groups/{group}/timeline?min_position={head}", headers=ada.headers
    ).json()["items"]
    by = {i["recorded_by"]: i["recorded_by_name"] for i in items}
    assert by[admin.person_id] == "Ada Admin"  # the convener shares the group with Ada
    assert by[olga.person_id] is None  # Olga shares none of Ada's groups
    # An administrator sees everyone's name.
    assert "Olga Operator" in str(api.read(f"/groups/{group}/timeline?min_position={head}"))


def test_a_forgotten_persons_name_leaves_every_answer(api: Api, admin):
    wendy = api.person("Wendeline Canary")
    group = api.group("Design team", as_=admin)["id"]
    api.add_member(group, wendy)
    forgotten = api.client.post(
        f"/people/{wendy.person_id}/forget",
        json={"basis": "UK GDPR Art. 17"},
        headers=admin.headers,
    )
    assert forgotten.status_code == 200
    head = str(api.head())
    state = api.read(f"/groups/{group}/state?min_position={head}")
    assert "Wendeline" not in str(state)
    assert {m["name"] for m in state["members"] if m["person_id"] == wendy.person_id} == {
        "Forgotten person"
    }
    assert "Wendeline" not in str(api.read(f"/groups/{group}/timeline?min_position={head}"))
