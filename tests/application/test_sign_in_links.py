"""One-time sign-in links and the identity seam, on every store: made, redeemed once (even by
two racing processes), expiring, ending with their key and with the person's erasure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from application.errors import RecordNotFound, Unauthenticated
from application.identity import ApiKeyIdentities, Identity
from application.ledger import Ledger
from application.signin_links import LABEL, UNUSABLE, _digest
from domain.base import InvalidInput
from tests.conftest import acting_as


def admin_of(ledger: Ledger) -> str:
    keys = ledger.keys.list_keys()
    return keys[0].person_id if keys else ledger.keys.bootstrap("Ada Admin")[0]


def person(ledger: Ledger, name: str = "Sam Rivera") -> str:
    with acting_as(admin_of(ledger)):
        return str(ledger.people.register_person(name).id)


def redeem(ledger: Ledger, token: str) -> str:
    """Start a session from the link; the key it acts with."""
    _, session = ledger.sessions.start_with(ledger.sign_in_links, token)
    return session.caller.key_id


def test_a_link_signs_its_person_in_once_with_a_key_made_for_the_session(ledger):
    sam = person(ledger)
    link = ledger.sign_in_links.make_link(sam)
    assert ledger.sign_in_links.usable(link.token)
    # Only the token's digest is stored.
    assert ledger.sign_in_links.store.find_sign_in_link(link.token) is None
    assert ledger.sign_in_links.store.find_sign_in_link(_digest(link.token)) is not None
    token, session = ledger.sessions.start_with(ledger.sign_in_links, link.token)
    assert session.caller.person_id == sam and session.caller.role == "member"
    assert ledger.sessions.resume(token).caller.person_id == sam
    keys = ledger.keys.list_keys(sam)
    assert [(k.label, k.role, k.key_id) for k in keys] == [(LABEL, "member", session.caller.key_id)]
    with pytest.raises(Unauthenticated, match="unknown, used already or expired"):
        redeem(ledger, link.token)
    assert not ledger.sign_in_links.usable(link.token)
    assert len(ledger.keys.list_keys(sam)) == 1


def test_a_link_carries_the_role_it_was_made_with(ledger):
    sam = person(ledger)
    link = ledger.sign_in_links.make_link(sam, role="auditor")
    _, session = ledger.sessions.start_with(ledger.sign_in_links, link.token)
    assert session.caller.role == "auditor"


def test_an_unknown_used_or_expired_link_fails_with_the_same_words(ledger):
    sam = person(ledger)
    now = datetime.now(UTC)
    expired = ledger.sign_in_links.make_link(sam, minutes=5, now=now - timedelta(minutes=6))
    used = ledger.sign_in_links.make_link(sam)
    redeem(ledger, used.token)
    messages = set()
    for token in (expired.token, used.token, "not-a-link", ""):
        assert not ledger.sign_in_links.usable(token) or token == ""
        with pytest.raises(Unauthenticated) as refused:
            redeem(ledger, token)
        messages.add(str(refused.value))
    assert messages == {UNUSABLE}


def test_a_link_lasts_the_configured_minutes_unless_told_otherwise(ledger):
    sam = person(ledger)
    now = datetime.now(UTC)
    ledger.sign_in_links.lifetime = timedelta(minutes=3)
    default = ledger.sign_in_links.make_link(sam, now=now)
    assert default.expires_at == now + timedelta(minutes=3)
    assert ledger.sign_in_links.make_link(sam, minutes=60, now=now).expires_at == now + timedelta(
        hours=1
    )
    assert ledger.sign_in_links.usable(default.token, now + timedelta(minutes=2, seconds=59))
    assert not ledger.sign_in_links.usable(default.token, now + timedelta(minutes=3))
    with pytest.raises(Unauthenticated):
        ledger.sessions.start_with(
            ledger.sign_in_links, default.token, now + timedelta(minutes=3, seconds=1)
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [({"role": "owner"}, "role"), ({"minutes": 0}, "minutes"), ({"minutes": 10_081}, "minutes")],
)
def test_a_link_with_a_role_or_lifetime_out_of_range_is_refused(ledger, change, field):
    sam = person(ledger)
    with pytest.raises(InvalidInput) as refused:
        ledger.sign_in_links.make_link(sam, **change)
    assert refused.value.field == field


def test_no_link_is_made_for_someone_who_is_not_a_person(ledger):
    with pytest.raises(RecordNotFound):
        ledger.sign_in_links.make_link("not-an-id")
    with pytest.raises(RecordNotFound):
        ledger.sign_in_links.make_link("00000000-0000-0000-0000-000000000000")


def test_revoking_the_links_key_ends_the_session(ledger):
    sam = person(ledger)
    token, session = ledger.sessions.start_with(
        ledger.sign_in_links, ledger.sign_in_links.make_link(sam).token
    )
    ledger.keys.revoke_key(session.caller.key_id)
    with pytest.raises(Unauthenticated, match="revoked"):
        ledger.sessions.resume(token)


def test_forgetting_the_person_ends_their_sessions_and_their_unused_links(ledger):
    sam = person(ledger)
    admin = admin_of(ledger)
    unused = ledger.sign_in_links.make_link(sam)
    token, _ = ledger.sessions.start_with(
        ledger.sign_in_links, ledger.sign_in_links.make_link(sam).token
    )
    with acting_as(admin):
        ledger.privacy.forget_person(sam, "the person asked (UK GDPR art. 17)")
    with pytest.raises(Unauthenticated):
        ledger.sessions.resume(token)
    assert ledger.sign_in_links.store.find_sign_in_link(_digest(unused.token)) is None
    with pytest.raises(Unauthenticated):
        redeem(ledger, unused.token)
    with pytest.raises(RecordNotFound):
        ledger.sign_in_links.make_link(sam)


def test_a_link_made_before_its_person_was_forgotten_is_refused_even_if_still_stored(ledger):
    sam = person(ledger)
    admin = admin_of(ledger)
    link = ledger.sign_in_links.make_link(sam)
    row = ledger.sign_in_links.store.find_sign_in_link(_digest(link.token))
    with acting_as(admin):
        ledger.privacy.forget_person(sam, "the person asked (UK GDPR art. 17)")
    ledger.sign_in_links.store.insert_sign_in_link(row)  # as if the tidy-up had not run
    with pytest.raises(Unauthenticated):
        redeem(ledger, link.token)
    assert ledger.keys.list_keys(sam) == []


def test_signing_in_with_a_key_goes_through_the_same_seam_and_acts_with_that_key(ledger):
    _, row, secret = ledger.keys.bootstrap("Ada Admin")
    identity = ApiKeyIdentities(ledger.keys).identify(secret, datetime.now(UTC))
    assert identity == Identity(row.person_id, "administrator", row.key_id, "API key")
    _, session = ledger.sessions.start(secret)
    assert session.caller.key_id == row.key_id
    assert len(ledger.keys.list_keys()) == 1  # no key was made


def race(sides: tuple[Ledger, Ledger], token: str) -> list[str]:
    """Both sides redeem the link at once; what each got."""
    barrier = threading.Barrier(len(sides))
    outcomes: list[str] = []

    def attempt(side: Ledger) -> None:
        barrier.wait()
        try:
            redeem(side, token)
            outcomes.append("signed in")
        except Unauthenticated:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(side,)) for side in sides]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_two_processes_racing_to_redeem_one_link_sign_in_exactly_once(ledger, rival):
    sam = person(ledger)
    for _ in range(10):
        link = ledger.sign_in_links.make_link(sam)
        assert race((ledger, rival), link.token) == ["refused", "signed in"]
    # One key per link, not two.
    assert len(ledger.keys.list_keys(sam)) == 10
