"""The hash chain: an untouched ledger verifies; any alteration is found where it breaks.

The alterations are made as the database's owner can (tests/owner.py): past the
append-only triggers, which is exactly the threat the chain is there to expose.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from application import transfer
from application.checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    new_signing_key,
    read_checkpoint,
    sign_checkpoint,
)
from application.integrity import GENESIS, CheckpointOfAnotherLedger, NothingToCheckpoint
from application.ledger import Ledger
from domain.base import InvalidInput
from domain.chain import NothingToAdopt
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.conftest import acting_as, examples, store_settings
from tests.owner import Owner, Statement

EXAMPLES = {"sqlite": 300, "postgres": 150}
FORGED_LINK = hashlib.sha256(b"forged").digest()


def a_small_ledger(ledger: Ledger) -> tuple[str, str]:
    """An administrator, a group and a decision; (person id, group id)."""
    person, _, _ = ledger.keys.bootstrap("Ada Convener")
    with acting_as(person):
        group = ledger.groups.convene_group("Design team", "design team", "Design the hub")
        ledger.decisions.propose_decision(group.id, "Open at nine", "The hub opens at nine")
    return person, group.id


def test_an_untouched_ledger_verifies_up_to_its_head(ledger):
    a_small_ledger(ledger)
    result = ledger.integrity.verify_chain()
    assert result.intact, result.broken
    assert result.events == ledger.head_position()
    assert (result.position, result.link) == ledger.integrity.chain_head()
    assert ledger.integrity.ledger_head()["link"] == result.link.hex()


def test_each_link_is_sha256_of_the_previous_link_and_the_event_as_stored(ledger):
    a_small_ledger(ledger)
    link = bytes(32)
    for line in ledger.transfer.export_lines():
        if "position" not in line:
            continue  # the header, and person keys
        originator_id = uuid.UUID(line["originator_id"]).hex.encode()
        topic = line["topic"].encode()
        state = base64.b64decode(line["state"])
        header = struct.pack(
            ">qqIIQ",
            line["position"],
            line["originator_version"],
            len(originator_id),
            len(topic),
            len(state),
        )
        link = hashlib.sha256(link + header + originator_id + topic + state).digest()
    assert ledger.integrity.chain_head() == (ledger.head_position(), link)


def test_an_empty_ledger_verifies_and_its_head_is_position_zero(ledger):
    assert ledger.integrity.verify_chain().intact
    assert bytes(32) == GENESIS
    assert ledger.integrity.ledger_head() == {
        "position": 0,
        "link": "0" * 64,
        "recorded_at": None,
        "ledger": None,
    }
    with pytest.raises(NothingToCheckpoint):
        ledger.integrity.checkpoint()


def test_an_import_continues_the_chain_to_the_same_head_as_its_source(
    ledger, tmp_path, monkeypatch
):
    a_small_ledger(ledger)
    monkeypatch.setattr(transfer, "PAGE", 2)  # several imported batches, each linked in turn
    target = build_ledger(Settings(database_url=f"sqlite:///{tmp_path / 'imported.db'}"))
    try:
        target.transfer.import_lines(ledger.transfer.export_lines())
        assert target.integrity.chain_head() == ledger.integrity.chain_head()
        assert target.integrity.ledger_id() not in (None, ledger.integrity.ledger_id())
        assert target.integrity.verify_chain().intact
    finally:
        target.close()


def forge(owner: Owner) -> Statement:
    """A row appended as the application's own role could: a plain INSERT, with the
    position the store gives it, copying a real event's type and bytes."""
    _, _, _, topic, state = owner.events()[-1]
    return (
        "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "VALUES ({p}, {p}, {p}, {p})",
        (owner.new_id(), 1, topic, state),
    )


@pytest.mark.stores("sqlite", "postgres")
def test_a_row_added_outside_accord_is_never_linked_by_writers_or_start_up(ledger, settings):
    person, _ = a_small_ledger(ledger)
    owner = Owner(settings)
    head = ledger.integrity.chain_head()
    assert head is not None
    owner.alter(forge(owner))
    forged = owner.events()[-1][0]
    with acting_as(person):
        ledger.organisations.register_organisation("North Trust", "statutory_health")
    for _ in range(2):  # a server start, an ordinary command
        build_ledger(settings).close()
    assert ledger.integrity.chain_head() == head  # nothing after the forged row is linked
    broken = ledger.integrity.verify_chain().broken
    assert broken is not None and broken.position == forged
    assert "no event from here on has a link" in broken.reason
    assert ledger.integrity.unlinked() == (head[0] + 1, ledger.head_position())


@pytest.mark.stores("sqlite", "postgres")
def test_adopting_unlinked_events_records_who_adopted_which_positions_and_links_the_record(
    ledger, settings
):
    person, _ = a_small_ledger(ledger)
    Owner(settings).alter(("DELETE FROM {chain}", ()))  # as a ledger kept by an older version
    ledger.organisations.register_organisation("North Trust", "statutory_health")
    assert ledger.integrity.chain_head() is None  # a writer does not link after unlinked events
    last = ledger.head_position()
    with pytest.raises(InvalidInput), acting_as(person):
        ledger.integrity.adopt_unlinked(" ")
    assert ledger.head_position() == last  # refused before anything was written

    with acting_as(person):
        adoption = ledger.integrity.adopt_unlinked("kept before the chain existed")
    assert (adoption.first_position, adoption.last_position) == (1, last)
    assert adoption.position == ledger.head_position() > last and not adoption.left
    assert adoption.linked == len(Owner(settings).events())
    result = ledger.integrity.verify_chain()
    assert result.intact and result.position == adoption.position
    assert ledger.integrity.ledger_id() is not None
    stored = ledger.recorder.select_notifications(adoption.position, 1)[0]
    record = ledger.mapper.to_domain_event(stored)
    assert stored.topic == "accord.ChainAdoption.Adopted" and record.actor == person
    assert (record.first_position, record.last_position) == (1, last)
    assert record.reason == "kept before the chain existed"
    with pytest.raises(NothingToAdopt):
        ledger.integrity.adopt_unlinked("again")
    later = ledger.organisations.register_organisation("Hope Street", "vcse")
    assert ledger.integrity.chain_head()[0] == later.position  # writers link again
    assert ledger.integrity.verify_chain().intact


@pytest.mark.stores("sqlite", "postgres")
def test_concurrent_writers_through_two_ledger_objects_extend_one_chain(ledger, settings):
    rival = build_ledger(settings)
    try:
        writers = [ledger, rival, ledger, rival]
        with ThreadPoolExecutor(max_workers=len(writers)) as pool:
            futures = [
                pool.submit(w.organisations.register_organisation, f"Organisation {i}-{n}", "vcse")
                for n in range(15)
                for i, w in enumerate(writers)
            ]
            written = [f.result(timeout=60) for f in futures]
        result = ledger.integrity.verify_chain()
        assert result.intact, result.broken
        assert result.events == len(written)
        assert result.position == max(w.position for w in written) == ledger.head_position()
    finally:
        rival.close()


@pytest.mark.stores("sqlite", "postgres")
def test_a_checkpoint_finds_a_tail_cut_off_with_its_links(ledger, settings):
    a_small_ledger(ledger)
    checkpoint = ledger.integrity.checkpoint()
    kept = checkpoint.position - 2
    Owner(settings).alter(
        ("DELETE FROM {events} WHERE {pos} > {p}", (kept,)),
        ("DELETE FROM {chain} WHERE position > {p}", (kept,)),
    )
    assert ledger.integrity.verify_chain().intact  # the chain alone cannot tell
    broken = ledger.integrity.verify_chain(checkpoint).broken
    assert broken is not None and broken.position == checkpoint.position
    assert f"ends at position {kept}" in broken.reason


@pytest.mark.stores("sqlite", "postgres")
@pytest.mark.parametrize("removed", [False, True], ids=["altered", "removed"])
def test_a_checkpoint_finds_a_chain_recomputed_after_an_alteration(ledger, settings, removed):
    person, group = a_small_ledger(ledger)
    checkpoint = ledger.integrity.checkpoint()
    with acting_as(person):
        ledger.decisions.propose_decision(group, "Close at five", "The hub closes at five")
    if removed:
        alteration = ("DELETE FROM {events} WHERE {pos} = {p}", (checkpoint.position,))
        finding = "no event any more"
    else:
        alteration = ("UPDATE {events} SET state = {p} WHERE {pos} = 1", (b"forged",))
        finding = "differs from the signed checkpoint"
    Owner(settings).alter(alteration, ("DELETE FROM {chain}", ()))
    ledger.integrity.chain.chain_unchained()  # every link recomputed over the altered events
    assert ledger.integrity.verify_chain().intact
    broken = ledger.integrity.verify_chain(checkpoint).broken
    assert broken is not None and broken.position == checkpoint.position
    assert finding in broken.reason


def test_a_signed_checkpoint_reads_back_only_unaltered_and_with_its_own_public_key():
    checkpoint = Checkpoint(42, hashlib.sha256(b"head").digest(), "2026-01-01T00:00:00Z", "now")
    private, public = new_signing_key()
    _, other_public = new_signing_key()
    document = sign_checkpoint(checkpoint, private)
    assert read_checkpoint(document, public) == checkpoint
    with pytest.raises(CheckpointInvalid, match="does not verify"):
        read_checkpoint(document, other_public)
    with pytest.raises(CheckpointInvalid, match="does not verify"):
        read_checkpoint({**document, "position": 41}, public)
    with pytest.raises(CheckpointInvalid, match="malformed"):
        read_checkpoint({**document, "link": "not hex"}, public)
    with pytest.raises(CheckpointInvalid, match="public key"):
        read_checkpoint(document, private)


# The property: random small ledgers, one alteration each, found at its exact position.


# Hypothesis's `draw` from st.data(), and one row of the events table as Owner reads it.
Draw = Callable[[st.SearchStrategy[Any]], Any]
Row = tuple[Any, ...]


@dataclass
class Alteration:
    apply: list[Statement]
    undo: list[Statement]
    # The first position verify must name; None where the chain alone cannot tell (a tail
    # cut off with its links), which the checkpoint of the old head must find instead.
    position: int | None


def pick(draw: Draw, items: Sequence[Any]) -> Any:
    """One of `items`, drawn the same way however many there are: the ledger grows between
    examples, and Hypothesis needs each draw's bounds to stay the same."""
    return items[draw(st.integers(0, 2**16)) % len(items)]


def _link(owner: Owner, position: int) -> bytes:
    return bytes(owner.select("SELECT link FROM {chain} WHERE position = {p}", (position,))[0][0])


def _set(column: str, value: Any, old: Any, position: int) -> Alteration:
    statement = f"UPDATE {{events}} SET {column} = {{p}} WHERE {{pos}} = {{p}}"
    return Alteration([(statement, (value, position))], [(statement, (old, position))], position)


def changed_state_byte(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    position, *_, state = pick(draw, rows)
    state = bytes(state)
    at = pick(draw, range(len(state)))
    flipped = state[:at] + bytes([state[at] ^ draw(st.integers(1, 255))]) + state[at + 1 :]
    return _set("state", flipped, state, position)


def changed_topic(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    position, _, _, topic, _ = pick(draw, rows)
    others = sorted({row[3] for row in rows} - {topic}) or [topic + ".Forged"]
    return _set("topic", pick(draw, others), topic, position)


def changed_version(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    position, _, version, _, _ = pick(draw, rows)
    return _set("originator_version", version + draw(st.integers(1_000, 9_999)), version, position)


def removed_event(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    row = pick(draw, rows)
    delete = ("DELETE FROM {events} WHERE {pos} = {p}", (row[0],))
    return Alteration([delete], [owner.insert_event(row)], row[0])


def removed_event_and_link(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    i = pick(draw, range(len(rows)))
    position = rows[i][0]
    link = _link(owner, position)
    return Alteration(
        [
            ("DELETE FROM {events} WHERE {pos} = {p}", (position,)),
            ("DELETE FROM {chain} WHERE position = {p}", (position,)),
        ],
        [owner.insert_event(rows[i]), ("INSERT INTO {chain} VALUES ({p}, {p})", (position, link))],
        rows[i + 1][0] if i + 1 < len(rows) else None,
    )


def swapped_rows(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    i = pick(draw, range(len(rows)))
    first, second = sorted([rows[i], pick(draw, rows[:i] + rows[i + 1 :])])
    move = "UPDATE {events} SET {pos} = {p} WHERE {pos} = {p}"
    swap = [(move, (-1, first[0])), (move, (first[0], second[0])), (move, (second[0], -1))]
    return Alteration(swap, swap, first[0])


def forged_row_inserted(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    """A made-up event slipped in before an existing one; the later rows move up by one."""
    _, _, _, topic, state = pick(draw, rows)
    position = pick(draw, rows)[0]
    forged = (position, owner.new_id(), 1, topic, state)
    far = 1_000_000
    return Alteration(
        [
            ("UPDATE {events} SET {pos} = {pos} + {p} WHERE {pos} >= {p}", (far, position)),
            ("UPDATE {events} SET {pos} = {pos} - {p} WHERE {pos} >= {p}", (far - 1, far)),
            owner.insert_event(forged),
        ],
        [
            ("DELETE FROM {events} WHERE {pos} = {p}", (position,)),
            ("UPDATE {events} SET {pos} = {pos} + {p} WHERE {pos} > {p}", (far, position)),
            ("UPDATE {events} SET {pos} = {pos} - {p} WHERE {pos} >= {p}", (far + 1, far)),
        ],
        position,
    )


def forged_row_appended(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    _, _, _, topic, state = pick(draw, rows)
    position = rows[-1][0] + 1
    return Alteration(
        [owner.insert_event((position, owner.new_id(), 1, topic, state))],
        [("DELETE FROM {events} WHERE {pos} = {p}", (position,))],
        position,
    )


def edited_link(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    position = pick(draw, rows)[0]
    statement = "UPDATE {chain} SET link = {p} WHERE position = {p}"
    link = _link(owner, position)
    return Alteration(
        [(statement, (FORGED_LINK, position))], [(statement, (link, position))], position
    )


def removed_link(owner: Owner, rows: list[Row], draw: Draw) -> Alteration:
    position = pick(draw, rows)[0]
    link = _link(owner, position)
    return Alteration(
        [("DELETE FROM {chain} WHERE position = {p}", (position,))],
        [("INSERT INTO {chain} VALUES ({p}, {p})", (position, link))],
        position,
    )


ALTERATIONS = [
    changed_state_byte,
    changed_topic,
    changed_version,
    removed_event,
    removed_event_and_link,
    swapped_rows,
    forged_row_inserted,
    forged_row_appended,
    edited_link,
    removed_link,
]


def grow(ledger: Ledger, person: str, group: str, steps: list[str]) -> None:
    """Record a few more events through the application's commands."""
    with acting_as(person):
        for n, step in enumerate(steps):
            if step == "organisation":
                ledger.organisations.register_organisation(f"Organisation {n}", "vcse")
            elif step == "person":
                ledger.people.register_person(f"Person {n}", f"person{n}@example.org")
            elif step == "proposal":
                ledger.decisions.propose_decision(group, f"Proposal {n}", "We will try it")
            else:  # proposed and agreed: two events in one transaction
                ledger.decisions.record_decision(
                    group, f"Decision {n}", "Done", {"method": "consent", "participants": [person]}
                )


@pytest.mark.stores("sqlite", "postgres")
def test_any_single_alteration_is_found_at_the_first_position_it_breaks(ledger, settings):
    store = "sqlite" if settings.resolved_database_url().startswith("sqlite") else "postgres"
    owner = Owner(settings)
    person, group = a_small_ledger(ledger)

    @hypothesis_settings(
        max_examples=examples(EXAMPLES[store]),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        steps = st.sampled_from(["organisation", "person", "proposal", "decision"])
        grow(ledger, person, group, data.draw(st.lists(steps, max_size=3), label="steps"))
        untouched = ledger.integrity.verify_chain()
        rows = owner.events()
        assert untouched.intact, untouched.broken
        assert (untouched.events, untouched.position) == (len(rows), rows[-1][0])
        head = Checkpoint(untouched.position, untouched.link, None, "before")

        kind = data.draw(st.sampled_from(ALTERATIONS), label="alteration")
        alteration = kind(owner, rows, data.draw)
        owner.alter(*alteration.apply)
        try:
            alone, witnessed = ledger.integrity.verify_chain(), ledger.integrity.verify_chain(head)
        finally:
            owner.alter(*alteration.undo)
        if alteration.position is None:
            assert alone.intact
            assert witnessed.broken is not None
            assert witnessed.broken.position == head.position
        else:
            assert alone.broken is not None, kind.__name__
            assert alone.broken.position == alteration.position, (kind.__name__, alone.broken)
            assert witnessed.broken == alone.broken

        restored = ledger.integrity.verify_chain()
        assert restored.intact and restored.link == untouched.link

    check()


def store_name(settings: Settings) -> str:
    url = settings.resolved_database_url()
    return "memory" if url.startswith("memory") else "sqlite" if "sqlite" in url else "postgres"


def test_a_ledger_gets_its_identity_with_its_first_event_and_checkpoints_carry_it(ledger, settings):
    assert ledger.integrity.ledger_id() is None
    a_small_ledger(ledger)
    identity = ledger.integrity.ledger_id()
    assert identity is not None and uuid.UUID(identity).version == 4
    ledger.organisations.register_organisation("North Trust", "statutory_health")
    assert ledger.integrity.ledger_id() == identity
    assert ledger.integrity.checkpoint().ledger == identity
    assert ledger.integrity.verify_chain().ledger == identity
    if store_name(settings) != "memory":
        restarted = build_ledger(settings)
        try:
            assert restarted.integrity.ledger_id() == identity
        finally:
            restarted.close()


@pytest.mark.stores("sqlite", "postgres")
def test_a_checkpoint_of_another_ledger_is_refused_and_one_without_a_ledger_still_verifies(
    ledger, settings, request, tmp_path
):
    a_small_ledger(ledger)
    (tmp_path / "other").mkdir()
    with store_settings(store_name(settings), tmp_path / "other", request) as elsewhere:
        other = build_ledger(elsewhere)
        try:
            a_small_ledger(other)
            foreign = other.integrity.checkpoint()
        finally:
            other.close()
    assert foreign.ledger not in (None, ledger.integrity.ledger_id())
    expected = f"belongs to ledger {foreign.ledger}, this is ledger {ledger.integrity.ledger_id()}"
    with pytest.raises(CheckpointOfAnotherLedger, match=expected):
        ledger.integrity.verify_chain(foreign)
    # Made before ledgers had identities: checked against whichever ledger this is.
    private, public = new_signing_key()
    old = replace(ledger.integrity.checkpoint(), ledger=None)
    document = sign_checkpoint(old, private)
    assert document["version"] == 1 and "ledger" not in document
    assert ledger.integrity.verify_chain(read_checkpoint(document, public)).intact
    assert not ledger.integrity.verify_chain(replace(foreign, ledger=None)).intact


@pytest.mark.stores("sqlite", "postgres")
def test_a_ledger_chained_before_identities_existed_gets_one_at_start_up_and_keeps_it(
    ledger, settings
):
    a_small_ledger(ledger)
    owner = Owner(settings)
    owner.alter(("DELETE FROM {ledger}", ()))  # as a ledger kept by an older version
    assert ledger.integrity.ledger_id() is None
    restarted = build_ledger(settings)
    try:
        identity = restarted.integrity.ledger_id()
        assert identity is not None
    finally:
        restarted.close()
    again = build_ledger(settings)
    try:
        assert again.integrity.ledger_id() == identity
    finally:
        again.close()
    assert owner.select("SELECT ledger_id FROM {ledger}") == [(identity,)]


@pytest.mark.stores("sqlite")
def test_the_identity_of_a_ledger_cannot_be_changed_or_removed(ledger, settings):
    import sqlite3

    a_small_ledger(ledger)
    path = Path(settings.resolved_database_url()[len("sqlite:///") :])
    with sqlite3.connect(path) as db:
        for statement in (
            "UPDATE accord_ledger SET ledger_id = 'forged'",
            "DELETE FROM accord_ledger",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)
