"""One-time sign-in links made from a person's page in the console, over HTTP.

The link the page shows is the one `POST /people/{id}/sign-in-links` makes: it is checked
here by pressing it in a second client. The access rules are the policy's ("invite").
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.interfaces.support import Actor, Api
from tests.interfaces.test_web import csrf_of, sign_in

LINK = re.compile(r'id="link" type="text" readonly value="http://testserver(/signin/link/[^"]+)"')


@pytest.fixture
def team(api: Api, admin: Actor) -> dict[str, Actor]:
    ada, sam, kim = api.person("Ada Convener"), api.person("Sam Rivera"), api.person("Kim Other")
    group = api.group("Design team", as_=admin)["id"]
    api.add_member(group, ada, role="convener")
    api.add_member(group, sam)
    other = api.group("Other team", as_=admin)["id"]
    api.add_member(other, kim)
    api.add_member(other, ada)
    return {"ada": ada, "sam": sam, "kim": kim}


def make(api: Api, person: Actor, **form: str):
    opened = api.client.get(f"/console/people/{person.person_id}")
    assert opened.status_code == 200, opened.text
    data = {"csrf": csrf_of(opened.text), **form}
    return api.client.post(f"/console/people/{person.person_id}/sign-in-link", data=data)


def test_an_administrator_makes_a_link_on_a_person_page_and_it_signs_them_in_once(api, admin, team):
    sign_in(api, admin)
    page = api.client.get(f"/console/people/{team['sam'].person_id}")
    assert "Make a sign-in link" in page.text
    made = make(api, team["sam"], role="auditor", minutes="60")
    assert made.status_code == 200, made.text
    assert "shown this once" in made.text and "an auditor&#39;s rights" in made.text
    found = LINK.search(made.text)
    assert found, made.text
    path = found.group(1)
    # Another browser (the same application, without starting it again): the person opens
    # the link and presses its button; then it is used up.
    theirs = TestClient(api.client.app)
    opened = theirs.get(path)
    assert opened.status_code == 200
    pressed = theirs.post(path, data={"csrf": csrf_of(opened.text)}, follow_redirects=False)
    assert pressed.status_code == 303
    assert "This link cannot be used" in theirs.get(path).text


def test_a_convener_makes_member_links_for_their_groups_people_only(api, team):
    ada, sam, kim = team["ada"], team["sam"], team["kim"]
    sign_in(api, ada)
    page = api.client.get(f"/console/people/{sam.person_id}")
    assert "Make a sign-in link" in page.text and 'id="invite-role"' not in page.text
    made = make(api, sam)
    assert made.status_code == 200 and "a member&#39;s rights" in made.text
    # Another role than member is refused beside the field, and no link is given.
    refused = make(api, sam, role="administrator")
    assert refused.status_code == 422 and 'id="role-error"' in refused.text
    assert LINK.search(refused.text) is None
    # Kim shares a group with Ada, who does not convene it: no form, and no link by hand.
    assert "Make a sign-in link" not in api.client.get(f"/console/people/{kim.person_id}").text
    forced = api.client.post(
        f"/console/people/{kim.person_id}/sign-in-link",
        data={"csrf": csrf_of(page.text), "role": "member"},
    )
    assert forced.status_code == 403 and "shown this once" not in forced.text


def test_a_member_is_not_offered_the_form_and_a_form_without_its_token_is_refused(api, admin, team):
    sign_in(api, team["sam"])
    page = api.client.get(f"/console/people/{team['ada'].person_id}")
    assert page.status_code == 200 and "Make a sign-in link" not in page.text
    api.client.cookies.clear()
    sign_in(api, admin)
    no_token = api.client.post(
        f"/console/people/{team['sam'].person_id}/sign-in-link", data={"role": "member"}
    )
    assert no_token.status_code == 403 and "shown this once" not in no_token.text


@pytest.mark.parametrize("minutes", ["0", "ten", "99999999", "-5"])
def test_impossible_minutes_are_refused_beside_the_field(api, admin, team, minutes):
    sign_in(api, admin)
    refused = make(api, team["sam"], minutes=minutes)
    assert refused.status_code == 422
    assert 'id="minutes-error"' in refused.text and "shown this once" not in refused.text


def test_a_forgotten_person_gets_no_form_and_no_link(api, admin, team):
    sam = team["sam"]
    api.write("POST", f"/people/{sam.person_id}/forget", json={"basis": "UK GDPR Art. 17"})
    sign_in(api, admin)
    page = api.client.get(f"/console/people/{sam.person_id}")
    assert "Make a sign-in link" not in page.text and "Sam Rivera" not in page.text
    forced = api.client.post(
        f"/console/people/{sam.person_id}/sign-in-link",
        data={"csrf": csrf_of(page.text), "role": "member"},
    )
    assert forced.status_code == 404 and "Sam Rivera" not in forced.text
