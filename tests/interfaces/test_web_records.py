"""The console's conflict, principle and accountability pages, and the links in its sentences
and lists (in process, every store). What a browser shows is in test_web_browser_records.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.interfaces.support import Actor, Api
from tests.interfaces.test_web import HOSTILE, sign_in, words

LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 4


@dataclass
class Story:
    """A design team with a conflict, a principle, an accountability and a decision."""

    group: str
    ada: Actor
    ben: Actor
    cora: Actor
    north: str
    hope: str
    conflict: str
    principle: str
    accountability: str
    decision: str


def story(api: Api, admin: Actor) -> Story:
    north = api.organisation("Northshire Trust", "statutory_health")["id"]
    hope = api.organisation("Hope Street", "vcse")["id"]
    ada, ben = api.person("Ada Lovelace", north), api.person("Ben Okri", hope)
    cora = api.person("Cora Mbeki", hope)
    group = api.group("Design team", as_=admin)["id"]
    for person in (ada, ben, cora):
        api.add_member(group, person, effective_at="2026-01-02T09:00:00Z")
    principle = api.create(
        f"/groups/{group}/principles",
        # Proposed before it is agreed (docs/time.md: a step follows the one it answers).
        {
            "statement": "Work sits where it belongs",
            "rationale": "Heifetz",
            "effective_at": "2026-01-15T09:00:00Z",
        },
        "/principles",
    )["id"]
    for person, stance, reason in ((ben, "endorse", "Yes"), (cora, "object", "Too vague")):
        api.write(
            "POST",
            f"/principles/{principle}/endorsements",
            json={"person_id": person.person_id, "stance": stance, "reason": reason},
            status=201,
        )
    api.write(
        "POST",
        f"/principles/{principle}/agree",
        json={"effective_at": "2026-02-01T09:00:00Z"},
        status=200,
    )
    api.write(
        "POST",
        f"/principles/{principle}/amend",
        json={
            "statement": "Work sits with those who do it",
            "effective_at": "2026-04-01T09:00:00Z",
        },
        status=200,
    )
    decision = api.create(
        f"/groups/{group}/decisions",
        {
            "title": "Triage at the hub",
            "decision": "The hub triages.",
            "agreement": {
                "method": "consent",
                "participants": [ada.person_id, ben.person_id],
                "principles": [principle],
                "effective_at": "2026-02-10T09:00:00Z",
            },
        },
        "/decisions",
    )["id"]
    conflict = api.create(
        f"/groups/{group}/conflicts",
        {
            "about": "Who triages self-referrals",
            "description": "Two teams both think it is theirs.",
            "parties": [
                {"kind": "person", "id": ben.person_id},
                {"kind": "organisation", "id": hope},
            ],
            "raised_by": ada.person_id,
            "effective_at": "2026-01-05T09:00:00Z",
        },
        "/conflicts",
    )["id"]
    api.write("POST", f"/conflicts/{conflict}/acknowledge", json={}, status=200)
    api.write("POST", f"/conflicts/{conflict}/notes", json={"text": "Met on Tuesday"}, status=201)
    api.write(
        "POST",
        f"/conflicts/{conflict}/resolve",
        json={
            "outcome": "The hub triages",
            "decision_id": decision,
            "effective_at": "2026-02-15T09:00:00Z",
        },
        status=200,
    )
    accountability = api.create(
        f"/groups/{group}/accountabilities",
        {
            "title": "Run the referral pathway",
            "scope": "From referral to first contact",
            "holder": {"kind": "person", "id": ada.person_id},
            "effective_at": "2026-01-10T09:00:00Z",
        },
        "/accountabilities",
    )["id"]
    first = offer(api, accountability, ben, "Ben leads referrals", "2026-03-01T09:00:00Z")
    api.write(
        "POST",
        f"/accountabilities/{accountability}/handovers/{first}/accept",
        ben,
        {"effective_at": "2026-03-01T09:00:00Z"},
        status=200,
    )
    offer(api, accountability, cora, "Ben moves on", None)
    return Story(group, ada, ben, cora, north, hope, conflict, principle, accountability, decision)


def offer(api: Api, accountability: str, to: Actor, reason: str, when: str | None) -> str:
    body = {"to": {"kind": "person", "id": to.person_id}, "reason": reason}
    if when:
        body["effective_at"] = when
    answer = api.write(
        "POST", f"/accountabilities/{accountability}/handovers", json=body, status=201
    )
    return str(answer["open_handover_id"])


def spaced(html: str) -> str:
    """A page's text with a space where each tag was (so table cells stay apart)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def yesterday() -> str:
    return (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


def test_an_accountability_shows_its_holder_the_chain_of_holders_and_the_open_offer(api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    page = api.client.get(f"/console/accountabilities/{s.accountability}")
    assert page.status_code == 200
    text = words(page.text)
    assert "Run the referral pathway" in text and "From referral to first contact" in text
    assert "Held by Ben Okri." in text
    chain = page.text.split('id="chain-h"')[1].split("</table>")[0]
    rows = [spaced(row) for row in re.findall(r"<tr><td>(.*?)</tr>", chain)]
    assert rows == [
        "Ada Lovelace Northshire Trust NHS trust (secondary care) 10 January 2026 1 March 2026 "
        "defined",
        "Ben Okri Hope Street VCSE 1 March 2026 still holds it handover accepted: Ben leads "
        "referrals",
    ]
    assert "Handover offered, not yet answered" in text
    assert "Ben Okri offered it to Cora Mbeki: Ben moves on." in text
    assert f'href="/console/people/{s.ada.person_id}"' in page.text
    assert f'href="/console/groups/{s.group}"' in page.text
    # Its lifecycle in both times, and its history as sentences with links.
    assert "Defined" in text and "Cora Mbeki accepted" not in text
    assert "Ben Okri accepted “Run the referral pathway”" in text


def test_an_accountability_in_the_past_shows_the_holder_then_and_keeps_the_time_in_links(
    api, admin
):
    s = story(api, admin)
    sign_in(api, admin)
    past = api.client.get(f"/console/accountabilities/{s.accountability}?on=2026-02-01")
    assert past.status_code == 200
    text = words(past.text)
    assert "You are looking at the past" in text and "1 February 2026" in text
    assert "Held by Ada Lovelace." in text
    assert "still holds it" in text and "handover accepted" not in text.split("History")[0]
    assert "Handover offered, not yet answered" not in text
    assert f'href="/console/people/{s.ada.person_id}?on=2026-02-01"' in past.text
    # Before it was defined, and as the ledger knew it before anything was recorded.
    assert (
        "did not exist yet"
        in api.client.get(f"/console/accountabilities/{s.accountability}?on=2026-01-05").text
    )
    before = api.client.get(f"/console/accountabilities/{s.accountability}?known={yesterday()}")
    assert before.status_code == 200
    assert "did not exist yet" in before.text and "Ben Okri accepted" not in before.text
    bad = api.client.get(f"/console/accountabilities/{s.accountability}?on=2026-02-30")
    assert bad.status_code == 422 and 'id="on-error"' in bad.text


def test_a_conflict_shows_who_raised_it_between_whom_its_notes_outcome_and_lifecycle(api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    page = api.client.get(f"/console/conflicts/{s.conflict}")
    assert page.status_code == 200
    text = words(page.text)
    assert "Who triages self-referrals" in text and "Two teams both think it is theirs." in text
    assert "Raised by Ada Lovelace. Parties: Ben Okri, Hope Street." in text
    assert "Met on Tuesday" in text
    assert "Outcome: The hub triages (resolved by the decision “Triage at the hub”)" in text
    assert f'href="/console/decisions/{s.decision}"' in page.text
    assert f'href="/console/people/{s.ben.person_id}"' in page.text
    lifecycle = spaced(page.text).split("Lifecycle")[1].split("History")[0]
    assert "Raised 5 January 2026" in lifecycle and "Resolved 15 February 2026" in lifecycle
    assert "Acknowledged" in lifecycle
    # On 20 January it was raised, not yet resolved (acknowledging took effect when recorded).
    past = words(api.client.get(f"/console/conflicts/{s.conflict}?on=2026-01-20").text)
    assert "You are looking at the past" in past
    assert "Outcome" not in past.split("History")[0] and "RAISED" in past.upper()


def test_a_long_history_is_read_page_by_page_and_says_when_it_is_cut_short(api, admin, monkeypatch):
    from interfaces.web import records

    monkeypatch.setattr(records, "HISTORY", 2)  # events a page, as 500 are
    monkeypatch.setattr(records, "HISTORY_PAGES", 3)
    s = story(api, admin)
    conflict = api.create(
        f"/groups/{s.group}/conflicts",
        {"about": "Rooms", "parties": [{"kind": "person", "id": s.ben.person_id}]},
        "/conflicts",
    )["id"]
    api.write("POST", f"/conflicts/{conflict}/acknowledge", json={}, status=200)
    sign_in(api, admin)
    url = f"/console/conflicts/{conflict}"
    for n in range(3):
        api.write("POST", f"/conflicts/{conflict}/notes", json={"text": f"Note {n}"}, status=201)
    whole = words(api.client.get(url).text)
    # Past the first page: every note, and no word of anything left out.
    assert all(f"Note {n}" in whole for n in range(3)) and "more than" not in whole
    for n in range(3, 6):
        api.write("POST", f"/conflicts/{conflict}/notes", json={"text": f"Note {n}"}, status=201)
    cut = words(api.client.get(url).text)
    # Raised, acknowledged, then six notes: eight events, of which three pages of two are read.
    assert "This record has more than 6 events: here are the first 6." in cut
    assert "Note 3" in cut and "Note 4" not in cut


def test_a_principle_shows_its_wording_stances_earlier_wordings_and_citing_decisions(api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    page = api.client.get(f"/console/principles/{s.principle}")
    assert page.status_code == 200
    text = words(page.text)
    assert "Work sits with those who do it" in text
    assert "“Work sits where it belongs”, until 1 April 2026" in text
    assert "Ben Okriendorsed" in text.replace(" ", "") or "Ben Okri endorsed" in text
    assert "Too vague" in text and "Cora Mbeki" in text
    assert f'href="/console/decisions/{s.decision}"' in page.text and "Triage at the hub" in text
    assert "In force from 1 February 2026" in text
    # On 1 March the first wording was in force.
    march = words(api.client.get(f"/console/principles/{s.principle}?on=2026-03-01").text)
    heading = march.split("Rationale")[0]
    assert "Work sits where it belongs" in heading and "with those who do it" not in heading
    assert "Triage at the hub" in march.split("Cited by decisions")[1]
    # On 5 February the decision citing it was not yet in effect: no decision cited it.
    before = words(api.client.get(f"/console/principles/{s.principle}?on=2026-02-05").text)
    cited = before.split("Cited by decisions")[1]
    assert "Triage at the hub" not in cited and "No decision applies it yet." in cited


def test_the_group_page_links_its_records_and_members_keeping_the_time(api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    page = api.client.get(f"/console/groups/{s.group}").text
    for url in (
        f"/console/accountabilities/{s.accountability}",
        f"/console/decisions/{s.decision}",
        f"/console/principles/{s.principle}",
        f"/console/people/{s.ada.person_id}",
    ):
        assert f'href="{url}"' in page, url
    assert "Handover of" in page and "offered to" in page
    past = api.client.get(f"/console/groups/{s.group}?on=2026-01-20").text
    assert f'href="/console/conflicts/{s.conflict}?on=2026-01-20"' in past
    assert f'href="/console/decisions/{s.decision}?on=2026-01-20"' not in past  # not yet agreed


@pytest.mark.store_independent  # how sentences are written
def test_the_timeline_links_records_and_people(api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    page = api.client.get(f"/console/groups/{s.group}/timeline").text
    for url in (
        f"/console/accountabilities/{s.accountability}",
        f"/console/decisions/{s.decision}",
        f"/console/principles/{s.principle}",
        f"/console/conflicts/{s.conflict}",
        f"/console/people/{s.ben.person_id}",
        f"/console/people/{admin.person_id}",
    ):
        assert f'href="{url}"' in page, url


def test_someone_the_reader_cannot_see_is_named_and_linked_nowhere(api, admin):
    s = story(api, admin)
    # Cora, who objected to the principle and is offered the accountability, leaves.
    api.write("DELETE", f"/groups/{s.group}/members/{s.cora.person_id}", json=None, status=200)
    sign_in(api, s.ben)
    for url in (
        f"/console/groups/{s.group}",
        f"/console/groups/{s.group}/timeline",
        f"/console/accountabilities/{s.accountability}",
        f"/console/principles/{s.principle}",
    ):
        page = api.client.get(url)
        assert page.status_code == 200, url
        assert "Cora Mbeki" not in page.text, url
        assert f"/console/people/{s.cora.person_id}" not in page.text, url
        assert "someone outside your groups" in page.text, url


def test_another_groups_records_are_not_found_like_unknown_ids(api, admin):
    s = story(api, admin)
    outsider = api.person("Otto Outsider")
    sign_in(api, outsider)
    for kind, record_id, title in (
        ("conflicts", s.conflict, "Who triages"),
        ("principles", s.principle, "Work sits"),
        ("accountabilities", s.accountability, "Run the referral pathway"),
    ):
        hidden = api.client.get(f"/console/{kind}/{record_id}")
        unknown = api.client.get(f"/console/{kind}/00000000-0000-0000-0000-000000000000")
        garbled = api.client.get(f"/console/{kind}/not-an-id")
        for answer in (hidden, unknown, garbled):
            assert answer.status_code == 404, (kind, answer.text)
            assert answer.headers["content-type"].startswith("text/html")
            assert "Not found" in answer.text and title not in answer.text
    # A record of one kind asked for as another is not found either.
    sign_in(api, admin)
    assert api.client.get(f"/console/conflicts/{s.principle}").status_code == 404


@pytest.mark.store_independent  # escaping
def test_hostile_text_on_record_pages_and_in_sentences_renders_as_text(api, admin):
    evil = f"{HOSTILE} {LONG_WORD}"
    org = api.organisation(evil)["id"]
    person = api.person(evil, org)
    group = api.group(evil, as_=admin, purpose=evil)["id"]
    api.add_member(group, person)
    conflict = api.create(
        f"/groups/{group}/conflicts",
        {
            "about": evil,
            "description": evil,
            "parties": [{"kind": "person", "id": person.person_id}],
        },
        "/conflicts",
    )["id"]
    api.write("POST", f"/conflicts/{conflict}/acknowledge", json={}, status=200)
    api.write("POST", f"/conflicts/{conflict}/notes", json={"text": evil}, status=201)
    principle = api.create(
        f"/groups/{group}/principles", {"statement": evil, "rationale": evil}, "/principles"
    )["id"]
    accountability = api.create(
        f"/groups/{group}/accountabilities",
        {"title": evil, "scope": evil, "holder": {"kind": "person", "id": person.person_id}},
        "/accountabilities",
    )["id"]
    sign_in(api, admin)
    for url in (
        f"/console/conflicts/{conflict}",
        f"/console/principles/{principle}",
        f"/console/accountabilities/{accountability}",
        f"/console/groups/{group}",
        f"/console/groups/{group}/timeline",
        "/",
    ):
        page = api.client.get(url)
        assert page.status_code == 200, url
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, url
        assert 'href="javascript:' not in page.text, url
        assert "&lt;script&gt;" in page.text and LONG_WORD in page.text, url


def test_a_forgotten_person_is_forgotten_person_with_no_link(api, admin):
    s = story(api, admin)
    api.write(
        "POST", f"/people/{s.ada.person_id}/forget", json={"basis": "UK GDPR Art. 17"}, status=200
    )
    sign_in(api, admin)
    for url in (
        f"/console/accountabilities/{s.accountability}",
        f"/console/conflicts/{s.conflict}",
        f"/console/groups/{s.group}",
        f"/console/groups/{s.group}/timeline",
    ):
        page = api.client.get(url).text
        assert "Ada Lovelace" not in page and "Forgotten person" in page, url
        assert f"/console/people/{s.ada.person_id}" not in page, url


def test_the_timeline_filters_by_an_organisation_it_names(api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    hope = words(api.client.get(f"/console/groups/{s.group}/timeline?organisation={s.hope}").text)
    # The conflict names Hope Street as a party; the decision's participants were from both.
    assert "raised a conflict" in hope and "was agreed by consent" in hope
    assert "proposed the principle" not in hope
    north = words(api.client.get(f"/console/groups/{s.group}/timeline?organisation={s.north}").text)
    assert "was agreed by consent" in north and "raised a conflict" not in north
    bad = api.client.get(f"/console/groups/{s.group}/timeline?organisation=elsewhere")
    assert bad.status_code == 422 and 'id="organisation-error"' in bad.text


@pytest.mark.store_independent  # the sign-in redirect
@pytest.mark.parametrize("kind", ["conflicts", "principles", "accountabilities"])
def test_a_record_page_needs_a_session(api, kind):
    answer = api.client.get(f"/console/{kind}/x", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


def test_a_decision_page_honours_the_time_settings_and_links_what_it_names(api, admin):
    s = story(api, admin)
    sign_in(api, admin)
    now = api.client.get(f"/console/decisions/{s.decision}")
    assert f'href="/console/principles/{s.principle}"' in now.text
    assert f'href="/console/people/{s.ben.person_id}"' in now.text
    march = api.client.get(f"/console/decisions/{s.decision}?on=2026-03-01")
    assert march.status_code == 200
    text = words(march.text)
    assert "You are looking at the past" in text and "In effect from 10 February 2026" in text
    assert f'href="/console/principles/{s.principle}?on=2026-03-01"' in march.text
    before = api.client.get(f"/console/decisions/{s.decision}?on=2026-01-01")
    assert "did not exist yet" in before.text and "Triage at the hub" in before.text
    bad = api.client.get(f"/console/decisions/{s.decision}?known=2999-01-01")
    assert bad.status_code == 422 and 'id="known-error"' in bad.text
