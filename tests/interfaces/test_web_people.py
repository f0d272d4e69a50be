"""The console's people (search and person page) and a group's minutes, over HTTP in process
on every store. The browser, keyboard and accessibility are in test_web_browser_people.py."""

from __future__ import annotations

import re

from tests.interfaces.support import Api
from tests.interfaces.test_changes_names import APR, MAR, story
from tests.interfaces.test_web import HOSTILE, sign_in

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def text_of(html: str) -> str:
    """A page's text as a reader sees it: links read as their words, other tags as spaces."""
    inline = re.sub(r"</?a\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))


def test_the_people_page_finds_people_by_name_and_organisation(api: Api, admin):
    trust, hub = api.organisation("Trust")["id"], api.organisation("Hub")["id"]
    sam = api.person("Sam Rivera", trust)
    api.person("Rivka Stone", hub)
    api.person("Ben Okri", trust)
    sign_in(api, admin)
    home = api.client.get("/")
    assert 'href="/console/people"' in home.text
    found = api.client.get("/console/people", params={"q": "riv"})
    assert found.status_code == 200
    assert "Sam Rivera" in found.text and "Rivka Stone" in found.text
    assert "Ben Okri" not in found.text
    assert f'href="/console/people/{sam.person_id}"' in found.text
    by_org = api.client.get("/console/people", params={"q": "riv", "organisation_id": trust})
    assert "Sam Rivera" in by_org.text and "Rivka Stone" not in by_org.text


def test_the_people_page_shows_a_member_only_who_shares_a_group_with_them(api: Api, admin):
    s = story(api, admin)
    outsider = api.person("Otto Outsider")
    sign_in(api, s.mia)
    found = api.client.get("/console/people")
    assert "Bob Baker" in found.text and "Hub group" in found.text
    assert "Otto Outsider" not in found.text
    # Their person page is not found, exactly as an unknown id is.
    hidden = api.client.get(f"/console/people/{outsider.person_id}")
    unknown = api.client.get(f"/console/people/{UNKNOWN}")
    assert hidden.status_code == unknown.status_code == 404
    assert "Otto" not in hidden.text
    assert text_of(hidden.text).replace(outsider.person_id, "ID") == text_of(unknown.text).replace(
        UNKNOWN, "ID"
    )


def test_bad_search_input_is_shown_beside_its_field(api: Api, admin):
    sign_in(api, admin)
    long = api.client.get("/console/people", params={"q": "x" * 101})
    assert long.status_code == 422 and 'id="q-error"' in long.text
    org = api.client.get("/console/people", params={"organisation_id": UNKNOWN})
    assert org.status_code == 422 and 'id="organisation_id-error"' in org.text
    cursor = api.client.get("/console/people", params={"cursor": "garbage"})
    assert cursor.status_code == 422 and 'id="q-error"' in cursor.text


def test_a_person_page_shows_what_they_hold_their_decisions_and_organisations(api: Api, admin):
    s = story(api, admin)
    new_org = api.organisation("Voices", "lived_experience")["id"]
    api.write(
        "POST",
        f"/people/{s.bob.person_id}/affiliation",
        json={"organisation_id": new_org, "effective_at": MAR},
        if_match=1,
    )
    sign_in(api, s.mia)
    bob = api.client.get(f"/console/people/{s.bob.person_id}")
    assert bob.status_code == 200
    text = text_of(bob.text)
    assert "Bob Baker" in text and "Voices (Lived experience)" in text
    # Keys were handed to Bob on 1 April; he took part in "Open at nine".
    assert f'href="/console/accountabilities/{s.accountability}"' in bob.text
    assert f'href="/console/decisions/{s.decision}"' in bob.text
    assert "Hope Street (VCSE): from the start until 1 March 2026" in text
    assert "Voices (Lived experience): from 1 March 2026 on" in text
    assert "looking at the past" not in text


def test_a_person_page_honours_the_chosen_day_and_what_the_ledger_knew(api: Api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    # On 15 March Mia still held the keys (handed to Bob on 1 April), and "Open at nine"
    # was in effect from 1 March; on 15 February it was not yet.
    mia_march = api.client.get(f"/console/people/{s.mia.person_id}", params={"on": "2026-03-15"})
    assert mia_march.status_code == 200
    assert "You are looking at the past" in mia_march.text
    assert f'href="/console/accountabilities/{s.accountability}"' in mia_march.text
    assert f'href="/console/decisions/{s.decision}"' in mia_march.text
    mia_feb = api.client.get(f"/console/people/{s.mia.person_id}", params={"on": "2026-02-15"})
    assert f'href="/console/decisions/{s.decision}"' not in mia_feb.text
    mia_now = api.client.get(f"/console/people/{s.mia.person_id}")
    assert f'href="/console/accountabilities/{s.accountability}"' not in mia_now.text
    # Known on a day before any of it was recorded: nothing held, no decisions.
    before = api.client.get(
        f"/console/people/{s.bob.person_id}", params={"on": "2026-06-01", "known": "2025-01-01"}
    )
    assert before.status_code == 200
    assert "as the ledger knew it on" in before.text
    assert f'href="/console/accountabilities/{s.accountability}"' not in before.text
    bad = api.client.get(f"/console/people/{s.bob.person_id}", params={"on": "2026-13-01"})
    assert bad.status_code == 422 and 'id="on-error"' in bad.text


def test_a_forgotten_person_appears_as_forgotten_person_everywhere(api: Api, admin):
    s = story(api, admin, mia_name="Wendeline Canary")
    api.write("POST", f"/people/{s.mia.person_id}/forget", json={"basis": "UK GDPR Art. 17"})
    sign_in(api, admin)
    pages = [
        api.client.get("/console/people"),
        api.client.get("/console/people", params={"q": "wendeline"}),
        api.client.get(f"/console/people/{s.mia.person_id}"),
        api.client.get(f"/console/people/{s.mia.person_id}", params={"known": "2026-01-01"}),
        api.client.get(f"/console/people/{s.bob.person_id}"),
        api.client.get(f"/console/groups/{s.group}/changes", params={"from": "2026-01-01"}),
        api.client.get(
            f"/console/groups/{s.group}/changes", params={"from": "2026-01-01", "format": "md"}
        ),
    ]
    for answer in pages:
        assert answer.status_code == 200, answer.url
        assert "Wendeline" not in answer.text and "Canary" not in answer.text, answer.url
    assert "Forgotten person" in pages[2].text and "was erased on request" in pages[2].text
    assert "No one matches" in pages[1].text


def test_hostile_names_are_shown_as_text(api: Api, admin):
    org = api.organisation(HOSTILE)["id"]
    evil = api.person(HOSTILE, org)
    group = api.group(HOSTILE, as_=admin)["id"]
    api.add_member(group, evil)
    sign_in(api, admin)
    for url in ("/console/people", f"/console/people/{evil.person_id}"):
        answer = api.client.get(url)
        assert answer.status_code == 200
        assert "<script>" not in answer.text and "&lt;script&gt;" in answer.text
        assert "<img src=x" not in answer.text


def test_minutes_group_the_changes_by_kind_with_names_and_both_times(api: Api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    group_page = api.client.get(f"/console/groups/{s.group}")
    assert f'href="/console/groups/{s.group}/changes' in group_page.text
    answer = api.client.get(
        f"/console/groups/{s.group}/changes", params={"from": "2026-01-01", "to": "2026-04-30"}
    )
    assert answer.status_code == 200
    text = text_of(answer.text)
    order = [
        text.index(h)
        for h in ("Decisions", "Accountabilities and handovers", "Conflicts", "Membership")
    ]
    assert order == sorted(order)
    assert "Mia Walker joined as member" in text
    assert "Bob Baker accepted “Keys”" in text
    assert "in effect 1 April 2026" in text and "recorded" in text
    # The window is in effect from..to: a change effective after it is not listed.
    march = api.client.get(
        f"/console/groups/{s.group}/changes", params={"from": "2026-03-01", "to": "2026-03-31"}
    )
    assert "“Open at nine” was agreed" in text_of(march.text)
    assert "accepted “Keys”" not in text_of(march.text)


def test_minutes_download_as_markdown_and_the_api_answers_the_same_document(api: Api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    window = {"from": "2026-01-01", "to": "2026-04-30"}
    md = api.client.get(f"/console/groups/{s.group}/changes", params={**window, "format": "md"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.headers["content-disposition"].startswith("attachment;")
    assert ".md" in md.headers["content-disposition"]
    assert md.text.startswith("# Changes in Hub group")
    assert "\n## Decisions\n" in md.text and "\n## Membership\n" in md.text
    assert "- Mia Walker joined as member" in md.text
    same = api.client.get(
        f"/groups/{s.group}/changes",
        params={"from": "2026-01-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"},
        headers={**admin.headers, "Accept": "text/markdown"},
    )
    assert same.status_code == 200
    assert same.headers["content-type"].startswith("text/markdown")
    assert same.text == md.text
    # JSON stays the default.
    plain = api.client.get(
        f"/groups/{s.group}/changes",
        params={"from": "2026-01-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"},
        headers=admin.headers,
    )
    assert plain.headers["content-type"].startswith("application/json")


def test_minutes_refuse_bad_dates_and_a_reversed_range_beside_the_field(api: Api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    url = f"/console/groups/{s.group}/changes"
    bad = api.client.get(url, params={"from": "2026-02-30"})
    assert bad.status_code == 422 and 'id="from-error"' in bad.text
    reversed_ = api.client.get(url, params={"from": "2026-04-01", "to": "2026-03-01"})
    assert reversed_.status_code == 422 and 'id="to-error"' in reversed_.text
    md = api.client.get(url, params={"from": "2026-04-01", "to": "2026-03-01", "format": "md"})
    assert md.status_code == 422
    other = api.client.get(url, params={"format": "pdf"})
    assert other.status_code == 422 and 'id="format-error"' in other.text
    # The default window is the last month.
    default = api.client.get(url)
    assert default.status_code == 200
    assert 'name="from"' in default.text and 'name="to"' in default.text


def test_minutes_escape_hostile_text_and_hide_groups_one_may_not_see(api: Api, admin):
    s = story(api, admin)
    api.write("POST", f"/groups/{s.group}/purpose", json={"purpose": HOSTILE, "effective_at": APR})
    sign_in(api, admin)
    page = api.client.get(f"/console/groups/{s.group}/changes", params={"from": "2026-01-01"})
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    api.client.cookies.clear()
    outsider = api.person("Otto Outsider")
    sign_in(api, outsider)
    hidden = api.client.get(f"/console/groups/{s.group}/changes")
    assert hidden.status_code == 404 and "Hub group" not in hidden.text
