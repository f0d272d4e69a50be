"""Which kind of record an id names: read from the log once, then kept (a kind never changes)."""

from __future__ import annotations

import uuid

import pytest

from application.errors import RecordNotFound


def counting_reads(ledger, monkeypatch) -> list[object]:
    """The record ids whose first event the ledger reads from the log from now on."""
    reads: list[object] = []
    select = ledger.recorder.select_events

    def counted(originator_id, *args, **kwargs):
        reads.append(originator_id)
        return select(originator_id, *args, **kwargs)

    monkeypatch.setattr(ledger.recorder, "select_events", counted)
    return reads


def test_the_kind_of_each_record_is_read_from_its_first_event(ledger, world):
    assert ledger.kind_of(world.group) == "group"
    assert ledger.kind_of(world.alice) == "person"
    assert ledger.kind_of(world.org_a) == "organisation"
    assert ledger.kind_of(str(uuid.uuid4())) is None
    assert ledger.kind_of("not-an-id") is None


def test_a_found_kind_is_kept_and_an_unknown_id_is_asked_again(ledger, world, monkeypatch):
    reads = counting_reads(ledger, monkeypatch)
    assert ledger.kind_of(world.group) == "group"
    assert ledger.kind_of(world.group) == "group"
    assert ledger.history.group_timeline(world.group)["items"]
    assert len(reads) == 1
    unknown = str(uuid.uuid4())
    assert ledger.kind_of(unknown) is None
    assert ledger.kind_of(unknown) is None
    assert len(reads) == 3


def test_a_kept_kind_still_refuses_an_id_of_another_kind(ledger, world):
    assert ledger.kind_of(world.alice) == "person"
    with pytest.raises(RecordNotFound):
        ledger.history.group_timeline(world.alice)
    with pytest.raises(RecordNotFound):
        ledger.history.group_state(world.alice)
