"""The console's one-time sign-in links and its integrity page, over HTTP on every store.

The same in a real browser, with axe-core: test_web_browser_links.py.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from application.errors import Unauthenticated
from application.integrity import Break, Verification
from interfaces import cli
from interfaces.web.links import HideLinkTokens
from tests.application.test_integrity import forge
from tests.interfaces.support import Actor, Api
from tests.interfaces.test_web import csrf_of, sign_in
from tests.owner import Owner

UNUSABLE = "This link cannot be used"


def link_for(api: Api, person: Actor, **body) -> str:
    """A link's path, made over the API by the administrator."""
    answer = api.call("POST", f"/people/{person.person_id}/sign-in-links", api.admin, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["url"].removeprefix("http://testserver")


def press(api: Api, path: str, csrf: str | None = None):
    """Open the link and press its button, as a browser does."""
    if csrf is None:
        opened = api.client.get(path)
        assert opened.status_code == 200, opened.text
        csrf = csrf_of(opened.text)
    return api.client.post(path, data={"csrf": csrf}, follow_redirects=False)


def main_of(html: str) -> str:
    return re.sub(r"\s+", " ", html.split('<main id="main">')[1].split("</main>")[0])


def text_of(html: str) -> str:
    """The page's main content as words, without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main_of(html))).replace(" .", ".")


def verified(count: int) -> str:
    return f"Intact. {count} event{'s' if count != 1 else ''} {'were' if count != 1 else 'was'} verified up to position {count}"


@pytest.fixture
def sam(api: Api, admin: Actor) -> Actor:
    sam = api.person("Sam Rivera")
    group = api.group("Design team", as_=admin)
    api.add_member(group["id"], sam)
    api.group("Other team", as_=admin)
    return sam


def test_opening_a_link_shows_a_button_and_uses_nothing(api, sam):
    path = link_for(api, sam)
    for _ in range(2):  # a mail scanner's fetch, then the person's
        opened = api.client.get(path)
        assert opened.status_code == 200
        assert "Sign in with your link" in opened.text
        assert f'<form method="post" action="{path}"' in opened.text
        assert opened.headers["referrer-policy"] == "no-referrer"
        assert "accord_session" not in api.client.cookies
    token = path.rsplit("/", 1)[1]
    assert api.ledger.sign_in_links.usable(token)


def test_pressing_the_button_signs_the_person_in_with_their_own_rights(api, sam):
    answer = press(api, link_for(api, sam))
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and "accord_session=" in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = api.client.get("/")
    assert home.status_code == 200
    assert "Sam Rivera" in home.text
    assert "Design team" in home.text and "Other team" not in home.text
    # The session acts with a key of Sam's made for it, never shown to anyone.
    labels = [k.label for k in api.ledger.keys.list_keys(sam.person_id)]
    assert labels == [None, "console sign-in link"]


def test_signing_out_revokes_the_key_made_for_the_session_and_expiry_does_too(api, sam):
    def session_keys() -> list[bool]:
        """Whether each key made for a session is revoked."""
        keys = api.ledger.keys.list_keys(sam.person_id)
        return [k.revoked_at is not None for k in keys if k.label == "console sign-in link"]

    assert press(api, link_for(api, sam)).status_code == 303
    assert session_keys() == [False]
    csrf = csrf_of(api.client.get("/").text)
    out = api.client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert session_keys() == [True]  # no unused key outlives its session
    # A session that expires ends its key the next time it is presented.
    api.client.cookies.clear()
    assert press(api, link_for(api, sam)).status_code == 303
    token = api.client.cookies["accord_session"]
    later = datetime.now(UTC) + api.ledger.sessions.idle + timedelta(minutes=1)
    with pytest.raises(Unauthenticated):
        api.ledger.sessions.resume(token, later)
    assert session_keys() == [True, True]


def test_a_link_used_once_cannot_be_used_again(api, sam):
    path = link_for(api, sam)
    opened = api.client.get(path)
    assert press(api, path, csrf_of(opened.text)).status_code == 303
    api.client.cookies.clear()
    again = api.client.get(path)
    assert again.status_code == 404 and UNUSABLE in again.text
    pressed = api.client.post(path, data={"csrf": csrf_of(opened.text)}, follow_redirects=False)
    assert pressed.status_code == 404 and UNUSABLE in pressed.text
    assert "accord_session" not in api.client.cookies


def test_an_unknown_used_or_expired_link_reads_the_same(api, sam):
    used = link_for(api, sam)
    press(api, used)
    api.client.cookies.clear()
    expired = link_for(api, sam, minutes=1)
    token = expired.rsplit("/", 1)[1]
    store = api.ledger.sign_in_links.store
    from application.signin_links import _digest

    row = store.find_sign_in_link(_digest(token))
    store.delete_sign_in_links(person_id=sam.person_id)
    from dataclasses import replace

    store.insert_sign_in_link(replace(row, expires_at="2000-01-01T00:00:00.000000+00:00"))
    pages = [api.client.get(path) for path in (used, expired, "/signin/link/made-up-token")]
    assert {p.status_code for p in pages} == {404}
    assert len({main_of(p.text) for p in pages}) == 1
    assert UNUSABLE in pages[0].text


def test_a_button_pressed_without_the_pages_token_is_refused_and_the_link_kept(api, sam):
    path = link_for(api, sam)
    api.client.get(path)
    refused = press(api, path, csrf="forged")
    assert refused.status_code == 403
    assert "accord_session" not in api.client.cookies
    assert press(api, path).status_code == 303


def test_revoking_the_links_key_ends_the_session(api, admin, sam):
    press(api, link_for(api, sam))
    assert api.client.get("/", follow_redirects=False).status_code == 200
    key = next(k for k in api.ledger.keys.list_keys(sam.person_id) if k.label)
    assert api.client.post(f"/keys/{key.key_id}/revoke", headers=admin.headers).status_code == 200
    assert api.client.get("/", follow_redirects=False).status_code == 303


def test_a_link_ends_the_session_another_person_had_open_in_the_browser(api, admin, sam):
    sign_in(api, admin)
    before = api.client.cookies.get("accord_session")
    press(api, link_for(api, sam))
    assert "Sam Rivera" in api.client.get("/").text
    api.client.cookies.set("accord_session", before)
    assert api.client.get("/", follow_redirects=False).status_code == 303


def test_the_access_log_never_shows_a_links_token():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/signin/link/SECRETTOKEN123?x=1", "1.1", 200), None,
    )  # fmt: skip
    assert HideLinkTokens().filter(record)
    assert "SECRETTOKEN123" not in record.getMessage()
    assert "/signin/link/…?x=1" in record.getMessage()


# ---------------------------------------------------------------- the integrity page


def auditor(api: Api) -> Actor:
    person = api.person("Audrey Auditor")
    row, secret = api.ledger.keys.create_key(person.person_id, "auditor")
    return Actor(person.person_id, row.key_id, secret)


def test_the_integrity_page_is_for_auditors_and_administrators(api, admin, sam):
    for who in (admin, auditor(api)):
        api.client.cookies.clear()
        sign_in(api, who)
        home = api.client.get("/")
        assert '<a href="/console/integrity">Integrity</a>' in home.text
        page = api.client.get("/console/integrity")
        assert page.status_code == 200
        head = api.ledger.integrity.ledger_head()
        assert f"<dd>{head['position']}</dd>" in page.text and head["link"] in page.text
        assert head["ledger"] and f"<code>{head['ledger']}</code>" in page.text
        assert "Not linked" not in page.text
        assert "Nothing has been verified yet." in page.text
        assert "No checkpoint has been signed yet." in page.text


@pytest.mark.stores("sqlite", "postgres")
def test_the_integrity_page_names_events_added_outside_accord(api, admin, sam, settings):
    head = api.ledger.integrity.ledger_head()["position"]
    owner = Owner(settings)
    owner.alter(forge(owner))
    sign_in(api, admin)
    page = text_of(api.client.get("/console/integrity").text)
    assert f"Not linked. The events at positions {head + 1} to {head + 1}" in page
    assert "accord chain adopt" in page


def test_anyone_else_finds_no_integrity_page_and_no_link_to_it(api, admin, sam):
    convener = api.person("Cora Convener")
    group = api.group("Hub", as_=admin)
    api.add_member(group["id"], convener, "convener")
    for who in (sam, convener):
        api.client.cookies.clear()
        sign_in(api, who)
        assert "/console/integrity" not in api.client.get("/").text
        page = api.client.get("/console/integrity")
        assert page.status_code == 404
        assert "<h1>Not found</h1>" in page.text
        home = api.client.get("/")
        pressed = api.client.post("/console/integrity/verify", data={"csrf": csrf_of(home.text)})
        assert pressed.status_code == 404
    assert api.ledger.integrity.last_run("verification") is None


def test_verify_now_verifies_and_shows_the_result(api, admin):
    sign_in(api, admin)
    page = api.client.get("/console/integrity")
    assert api.client.post("/console/integrity/verify", data={"csrf": "forged"}).status_code == 403
    answer = api.client.post(
        "/console/integrity/verify", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert answer.status_code == 303
    shown = text_of(api.client.get("/console/integrity").text)
    assert verified(api.ledger.head_position()) in shown
    api.organisation("Later Org")
    shown = text_of(api.client.get("/console/integrity").text)
    assert "1 event recorded since then is not verified yet." in shown


def test_a_broken_chain_is_shown_as_broken_where_it_breaks(api, admin):
    reason = "the event does not match its link"
    api.ledger.integrity.record_verification(
        Verification(3, 3, b"\x01" * 32, 0.01, Break(4, reason))
    )
    sign_in(api, admin)
    shown = text_of(api.client.get("/console/integrity").text)
    assert "Broken. " in shown and f"the chain breaks at position 4: {reason}" in shown


@pytest.fixture
def url(settings, monkeypatch: pytest.MonkeyPatch) -> str:
    resolved = settings.resolved_database_url()
    if resolved.startswith("postgres"):
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", settings.postgres_schema)
    return resolved


@pytest.mark.stores("sqlite", "postgres")
def test_accord_verify_and_checkpoint_show_on_the_page(api, admin, url, capsys, tmp_path):
    head = api.ledger.head_position()
    assert cli.main(["--database-url", url, "verify"]) == 0
    private = tmp_path / "signing.pem"
    assert cli.main(["checkpoint", "keygen", "--out", str(private)]) == 0
    out = tmp_path / "checkpoint.json"
    assert (
        cli.main(["--database-url", url, "checkpoint", "--key", str(private), "--out", str(out)])
        == 0
    )
    capsys.readouterr()
    sign_in(api, admin)
    page = api.client.get("/console/integrity").text
    assert verified(head) in text_of(page)
    shown = main_of(page)
    link = api.ledger.integrity.chain_head()[1].hex()
    checkpoint = shown.split("The last checkpoint")[1]
    assert f"<dd>{head}</dd>" in checkpoint and link in checkpoint
