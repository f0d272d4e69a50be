"""The review console over HTTP (in process, every store): sign-in, sessions, CSRF, the pages.

What a browser shows, keyboard use and accessibility are in test_web_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from application.errors import Unauthenticated
from tests.interfaces.support import CONVENED, Actor, Api

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> javascript:alert(1)'


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def words(html: str) -> str:
    """A page's text as a reader sees it: tags (links) left out, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def sign_in(api: Api, actor: Actor, next_page: str = "/") -> None:
    """Sign in through the form, as a browser does (the client keeps the cookies)."""
    form = api.client.get("/signin")
    assert form.status_code == 200
    answer = api.client.post(
        "/signin",
        data={"csrf": csrf_of(form.text), "key": actor.secret, "next": next_page},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == next_page


def test_pages_need_a_session_and_send_the_browser_to_sign_in(api):
    answer = api.client.get("/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/"
    page = api.client.get("/signin")
    assert page.headers["content-type"].startswith("text/html")
    assert '<label for="key">' in page.text


def test_a_person_signs_in_with_their_key_sees_their_groups_and_signs_out(api, admin):
    ada = api.person("Ada Lovelace", api.organisation("Hope Street")["id"])
    mine = api.group("Design team", as_=admin)
    api.add_member(mine["id"], ada)
    api.group("Other team", as_=admin)
    sign_in(api, ada)
    cookie = api.client.cookies.get("accord_session")
    assert cookie
    home = api.client.get("/")
    assert home.status_code == 200
    assert "Ada Lovelace" in home.text and "Hope Street" in home.text
    assert "Design team" in home.text and "Other team" not in home.text
    # The group's latest changes, newest first, as sentences.
    text = words(home.text)
    assert text.index("Ada Lovelace joined as member") < text.index("convened the group")
    out = api.client.post("/signout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303
    # The session is over on the server, not only in this browser.
    api.client.cookies.set("accord_session", cookie)
    assert api.client.get("/", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_http_only_and_same_site_strict(api, admin):
    form = api.client.get("/signin")
    answer = api.client.post(
        "/signin",
        data={"csrf": csrf_of(form.text), "key": admin.secret, "next": "/"},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and "accord_session=" in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie


def test_a_wrong_key_is_refused_beside_the_field_and_starts_no_session(api):
    form = api.client.get("/signin")
    answer = api.client.post(
        "/signin", data={"csrf": csrf_of(form.text), "key": "acc_nope.nope", "next": "/"}
    )
    assert answer.status_code == 401
    assert 'role="alert" id="key-error"' in answer.text and "not valid" in answer.text
    assert "accord_session" not in api.client.cookies


def test_a_sign_in_form_without_its_token_is_refused(api, admin):
    api.client.get("/signin")
    answer = api.client.post("/signin", data={"csrf": "forged", "key": admin.secret, "next": "/"})
    assert answer.status_code == 403
    assert "accord_session" not in api.client.cookies


def test_sign_out_without_the_sessions_token_is_refused_and_the_session_goes_on(api, admin):
    sign_in(api, admin)
    refused = api.client.post("/signout", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert api.client.get("/", follow_redirects=False).status_code == 200


def test_after_sign_in_the_browser_goes_back_only_to_a_page_of_this_site(api, admin):
    form = api.client.get("/signin?next=//evil.example/")
    assert 'name="next" value="/"' in form.text
    sign_in(api, admin, "/")


def test_revoking_the_key_ends_its_sessions(api, admin):
    sam = api.person("Sam Rivera")
    sign_in(api, sam)
    assert api.client.get("/", follow_redirects=False).status_code == 200
    revoked = api.client.post(f"/keys/{sam.key_id}/revoke", headers=admin.headers)
    assert revoked.status_code == 200
    assert api.client.get("/", follow_redirects=False).status_code == 303


def test_an_idle_or_old_session_has_expired(api, admin):
    sessions, start = api.ledger.sessions, datetime.now(UTC)
    token, _ = sessions.start(admin.secret, start)
    sessions.resume(token, start + timedelta(minutes=29))
    with pytest.raises(Unauthenticated, match="expired"):
        sessions.resume(token, start + timedelta(minutes=29 + 31))
    # Active every 20 minutes all along, but for longer than 12 hours in all.
    token, _ = sessions.start(admin.secret, start)
    for minutes in range(20, 12 * 60 + 1, 20):
        sessions.resume(token, start + timedelta(minutes=minutes))
    with pytest.raises(Unauthenticated, match="expired"):
        sessions.resume(token, start + timedelta(minutes=12 * 60 + 10))


def test_the_json_api_does_not_take_the_session_cookie_as_a_credential(api, admin):
    sign_in(api, admin)
    answer = api.client.get("/groups")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_group_page_shows_names_roles_and_the_group_as_it_stood_on_a_chosen_day(api, admin):
    org = api.organisation("Northshire Trust", "statutory_health")["id"]
    ada = api.person("Ada Lovelace", org)
    ben = api.person("Ben Okri", org)
    group = api.group("Design team", as_=admin, effective_at="2026-01-01T09:00:00Z")["id"]
    api.write(
        "POST",
        f"/groups/{group}/members",
        json={"person_id": ada.person_id, "role": "member", "effective_at": "2026-01-10T09:00:00Z"},
        status=201,
    )
    api.write(
        "POST",
        f"/groups/{group}/members",
        json={
            "person_id": ben.person_id,
            "role": "observer",
            "effective_at": "2026-03-10T09:00:00Z",
        },
        status=201,
    )
    sign_in(api, admin)
    today = api.client.get(f"/console/groups/{group}")
    assert today.status_code == 200
    assert "Ada Lovelace" in today.text and "Ben Okri" in today.text
    assert "NHS trust" in today.text and "observer" in today.text
    assert "You are looking at the past" not in today.text
    # On 1 February 2026 Ada was a member and Ben not yet.
    past = api.client.get(f"/console/groups/{group}?on=2026-02-01")
    assert past.status_code == 200
    assert "Ada Lovelace" in past.text and "Ben Okri" not in past.text
    assert "You are looking at the past" in past.text and "1 February 2026" in past.text
    # Links to the same view a month, a quarter and a year earlier.
    assert f"/console/groups/{group}?on=2026-01-02" in past.text


def test_a_bad_date_is_explained_beside_its_field_and_the_page_still_shows(api, admin):
    group = api.group("Design team", as_=admin)["id"]
    sign_in(api, admin)
    for query, field in (
        ("on=2026-02-30", "on"),
        ("on=yesterday", "on"),
        ("known=2999-01-01", "known"),
    ):
        answer = api.client.get(f"/console/groups/{group}?{query}")
        assert answer.status_code == 422, query
        assert f'id="{field}-error"' in answer.text and 'aria-invalid="true"' in answer.text
        assert "Design team" in answer.text


def test_a_group_before_it_existed_says_so(api, admin):
    group = api.group("Design team", as_=admin, effective_at="2026-03-01T09:00:00Z")["id"]
    sign_in(api, admin)
    answer = api.client.get(f"/console/groups/{group}?on=2026-01-01")
    assert answer.status_code == 200
    assert "did not exist yet" in answer.text


def test_another_groups_page_is_not_found_and_an_unknown_id_looks_the_same(api, admin):
    ada = api.person("Ada Lovelace")
    theirs = api.group("Their team", as_=admin)["id"]
    sign_in(api, ada)
    hidden = api.client.get(f"/console/groups/{theirs}")
    unknown = api.client.get("/console/groups/00000000-0000-0000-0000-000000000000")
    for answer in (hidden, unknown):
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "Not found" in answer.text and "Their team" not in answer.text


def test_hostile_names_and_purposes_render_as_text(api, admin):
    org = api.organisation(HOSTILE)["id"]
    person = api.person(HOSTILE, org)
    group = api.group(HOSTILE, as_=admin, purpose=HOSTILE)["id"]
    api.add_member(group, person)
    sign_in(api, admin)
    for url in ("/", f"/console/groups/{group}"):
        html = api.client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;" in html


def test_pages_send_a_content_security_policy_and_refuse_framing(api, admin):
    sign_in(api, admin)
    for url in ("/signin", "/"):
        headers = api.client.get(url).headers
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_a_forgotten_persons_name_is_on_no_page(api, admin):
    org = api.organisation("Hope Street")["id"]
    wendy = api.person("Wendeline Canary", org)
    group = api.group("Design team", as_=admin)["id"]
    api.add_member(group, wendy)
    sign_in(api, admin)
    assert "Wendeline Canary" in api.client.get(f"/console/groups/{group}").text
    api.write(
        "POST", f"/people/{wendy.person_id}/forget", json={"basis": "UK GDPR Art. 17"}, status=200
    )
    page = api.client.get(f"/console/groups/{group}").text
    assert "Wendeline Canary" not in page and "Forgotten person" in page


def test_the_stylesheet_is_served_by_accord_itself(api):
    answer = api.client.get("/static/accord.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert "@media print" in answer.text


@pytest.mark.store_independent  # the documentation pages and their assets
def test_the_api_documentation_is_served_with_its_assets_and_nothing_from_elsewhere(api):
    for path in ("/docs", "/redoc"):
        html = api.client.get(path).text
        outside = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
        assert outside == [], outside
        for asset in re.findall(r'(?:src|href)="(/static/docs/[^"]+)"', html):
            assert api.client.get(asset).status_code == 200, asset
    assert "swagger-ui-bundle.js" in api.client.get("/docs").text


def test_the_console_report_of_a_group_and_its_sub_groups_breaks_down_by_group(api, admin):
    ours = api.group("Design team", as_=admin)["id"]
    hub = api.group("Hub team", as_=admin, parent=ours)["id"]
    org = api.organisation("River Council", "local_authority")["id"]
    api.create(
        f"/groups/{hub}/accountabilities",
        {"title": "Open the hub", "holder": {"kind": "organisation", "id": org}},
        "/accountabilities",
    )
    sign_in(api, admin)
    page = api.client.get(f"/console/report?group={ours}&subgroups=1")
    assert page.status_code == 200
    assert '<option value="by_group">by group</option>' in page.text
    html = api.client.get(f"/console/report?group={ours}&subgroups=1&format=html")
    section = html.text[html.text.index('<section id="by-group">') :]
    section = section[: section.index("</section>")]
    assert "<h2>By sub-group</h2>" in section
    assert '<td>Hub team</td><td>Design team</td><td class="num">1</td>' in section
    table = api.client.get(f"/console/report?group={ours}&subgroups=1&format=csv&table=by_group")
    assert table.headers["content-type"].startswith("text/csv")
    assert [line.split(",")[1] for line in table.text.splitlines()[1:]] == [
        "Design team",
        "Hub team",
    ]


def test_the_report_page_shows_the_report_and_gives_the_documents_within_ones_rights(api, admin):
    org = api.organisation("Hope Street")["id"]
    ada = api.person("Ada Lovelace", org)
    ours = api.group("Design team", as_=admin)["id"]
    api.add_member(ours, ada)
    api.create(
        f"/groups/{ours}/accountabilities",
        {"title": "Run the pathway", "holder": {"kind": "person", "id": ada.person_id}},
        "/accountabilities",
    )
    theirs = api.group("Secret team", as_=admin)["id"]
    api.create(
        f"/groups/{theirs}/accountabilities",
        {"title": "Hidden work", "holder": {"kind": "organisation", "id": org}},
        "/accountabilities",
    )
    sign_in(api, ada)
    page = api.client.get("/console/report")
    assert page.status_code == 200
    assert "Key figures" in page.text and "Active accountabilities at the end" in page.text
    assert "Secret team" not in page.text and "Hidden work" not in page.text
    # The whole report is in the page: its sections, tables and charts.
    for heading in ("Where responsibility sits", "Agreed in the period", "Notes"):
        assert heading in page.text, heading
    charts = re.findall(r'<svg [^>]*role="img"', page.text)
    assert len(charts) >= 2
    # Each chart's style element is allowed by its hash, and nothing else inline is.
    styles = re.findall(r'<style type="text/css">(.*?)</style>', page.text, re.DOTALL)
    policy = page.headers["content-security-policy"]
    assert styles and "'unsafe-inline'" not in policy
    for style in styles:
        # What a browser hashes: the text it reads, with `&gt;` read as `>`.
        digest = base64.b64encode(hashlib.sha256(unescape(style).encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert ' style="' not in page.text
    html = api.client.get("/console/report?format=html")
    assert html.headers["content-type"].startswith("text/html")
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
    assert "script" not in html.headers["content-security-policy"]
    markdown = api.client.get(f"/console/report?group={ours}&format=md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    table = api.client.get("/console/report?format=csv&table=holdings_by_sector")
    assert table.headers["content-type"].startswith("text/csv")
    for document in (html.text, markdown.text, table.text):
        assert "Hidden work" not in document and "Secret team" not in document
    # Another group's id, a bad date or a reversed period: a message beside the field.
    for query, field in (
        (f"group={theirs}", "group"),
        ("start=2026-13-01", "start"),
        ("start=2026-03-01&end=2026-02-01", "end"),
        ("interval=day", "interval"),
    ):
        answer = api.client.get(f"/console/report?{query}")
        assert answer.status_code == 422, query
        assert f'id="{field}-error"' in answer.text


def test_the_timeline_tells_each_event_as_a_sentence_newest_first_and_filters(api, admin):
    org = api.organisation("Hope Street")["id"]
    ada = api.person("Ada Lovelace", org)
    group = api.group("Design team", as_=admin)["id"]
    api.add_member(group, ada)
    decision = api.create(
        f"/groups/{group}/decisions",
        {"title": "Open the hub", "decision": "We open it"},
        "/decisions",
    )["id"]
    api.write(
        "POST",
        f"/decisions/{decision}/agree",
        json={"method": "consent", "participants": [ada.person_id]},
        status=200,
    )
    sign_in(api, admin)
    page = api.client.get(f"/console/groups/{group}/timeline")
    assert page.status_code == 200
    text = words(page.text)
    agreed = text.index("“Open the hub” was agreed by consent")
    proposed = text.index("Ada Admin proposed the decision “Open the hub”")
    joined = text.index("Ada Lovelace joined as member")
    assert agreed < proposed < joined  # newest first
    assert "recorded" in text and "by Ada Admin" in text
    only = api.client.get(f"/console/groups/{group}/timeline?kind=decision").text
    assert "joined as member" not in only and "Open the hub" in only
    bad = api.client.get(f"/console/groups/{group}/timeline?start=2026-99-01&kind=bogus")
    assert bad.status_code == 422
    assert 'id="start-error"' in bad.text and 'id="kind-error"' in bad.text


def test_the_timeline_pages_back_to_earlier_events(api, admin, monkeypatch):
    from interfaces.web import timeline

    monkeypatch.setattr(timeline, "PAGE", 2)
    group = api.group("Design team", as_=admin)["id"]
    for n in range(3):
        api.write("POST", f"/groups/{group}/purpose", json={"purpose": f"Purpose {n}"}, status=200)
    sign_in(api, admin)
    first = api.client.get(f"/console/groups/{group}/timeline").text
    assert "Purpose 2" in first and "Purpose 1" in first and "Purpose 0" not in first
    later = re.search(r'href="(/console/groups/[^"]+timeline\?[^"]+)">Earlier events', first)
    assert later
    second = api.client.get(later.group(1).replace("&amp;", "&")).text
    assert "Purpose 0" in second and "convened the group" in second
    assert "Purpose 2" not in second


def test_the_decision_register_filters_and_a_decision_reads_as_a_record(api, admin):
    north = api.organisation("Northshire Trust", "statutory_health")["id"]
    hope = api.organisation("Hope Street", "vcse")["id"]
    ada, ben = api.person("Ada Lovelace", north), api.person("Ben Okri", hope)
    group = api.group("Design team", as_=admin)["id"]
    # Members from the group's start, so that they may take part in a back-dated decision.
    api.add_member(group, ada, effective_at=CONVENED)
    api.add_member(group, ben, effective_at=CONVENED)
    agreed = api.create(
        f"/groups/{group}/decisions",
        {
            "title": "Open the hub",
            "decision": "We open it on Mondays.",
            "context": HOSTILE,
            "agreement": {
                "method": "consent",
                "participants": [ada.person_id, ben.person_id],
                "objections": [{"person_id": ben.person_id, "reason": "Mondays are busy"}],
                "effective_at": "2026-03-01T09:00:00Z",
            },
        },
        "/decisions",
    )["id"]
    api.create(
        f"/groups/{group}/decisions",
        {"title": "Close on Fridays", "decision": "We close."},
        "/decisions",
    )
    sign_in(api, admin)
    register = api.client.get(f"/console/groups/{group}/decisions").text
    assert "Open the hub" in register and "Close on Fridays" in register
    only = api.client.get(f"/console/groups/{group}/decisions?status=agreed&method=consent").text
    assert "Open the hub" in only and "Close on Fridays" not in only
    assert "Open the hub" not in api.client.get(f"/console/groups/{group}/decisions?q=fridays").text
    assert (
        "Open the hub"
        not in api.client.get(f"/console/groups/{group}/decisions?start=2026-04-01").text
    )
    record = api.client.get(f"/console/decisions/{agreed}")
    assert record.status_code == 200
    text = words(record.text)
    assert (
        "By consent, with 2 people from 2 organisations (NHS trust (secondary care), VCSE)" in text
    )
    assert "Ben Okri" in text and "Mondays are busy" in text and "Hope Street" in text
    assert "In effect from 1 March 2026" in text
    assert "<script>alert" not in record.text  # the hostile context is text
    assert "was agreed by consent" in text  # its history, as sentences
    bad = api.client.get(f"/console/groups/{group}/decisions?method=coin-toss&start=soon")
    assert bad.status_code == 422
    assert 'id="method-error"' in bad.text and 'id="start-error"' in bad.text


def test_a_decision_of_another_group_is_not_found(api, admin):
    ada = api.person("Ada Lovelace")
    theirs = api.group("Their team", as_=admin)["id"]
    decision = api.create(
        f"/groups/{theirs}/decisions", {"title": "Secret plan", "decision": "x"}, "/decisions"
    )["id"]
    sign_in(api, ada)
    for url in (f"/console/decisions/{decision}", f"/console/groups/{theirs}/decisions"):
        answer = api.client.get(url)
        assert answer.status_code == 404 and "Secret plan" not in answer.text
