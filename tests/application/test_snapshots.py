"""Long-lived records are snapshotted, and rebuild the same from a snapshot as from events."""

from __future__ import annotations

from uuid import UUID

from application.core import LedgerCore
from domain.accountability import Accountability
from domain.person import Person
from interfaces.bootstrap import build_ledger
from tests.conftest import acting_as


def test_people_are_never_snapshotted_so_personal_data_stays_in_their_events():
    assert Person not in LedgerCore.snapshotting_intervals
    assert LedgerCore.snapshotting_intervals[Accountability] == 100


def test_a_record_with_a_long_history_rebuilds_the_same_from_its_snapshot(
    ledger, settings, monkeypatch
):
    monkeypatch.setitem(LedgerCore.snapshotting_intervals, Accountability, 10)
    person_id, _, _ = ledger.keys.bootstrap("Ada Convener")
    with acting_as(person_id):
        group = ledger.groups.convene_group("Design team", "design team", "Design the hub")
        other = ledger.people.register_person("Sam Rivera")
        ledger.groups.add_member(group.id, other.id)
        accountability = ledger.accountabilities.define_accountability(
            group.id, "Referral pathway", {"kind": "person", "id": person_id}
        )
        for _ in range(12):
            offered = ledger.accountabilities.offer_handover(
                accountability.id, {"kind": "person", "id": other.id}
            )
            ledger.accountabilities.withdraw_handover(
                accountability.id, offered.extra["handover_id"]
            )
        expected = ledger.records.get_accountability(accountability.id)

    snapshots = list(ledger.snapshots.get(UUID(accountability.id)))
    assert snapshots, "a snapshot should have been taken at version 10 or 20"
    assert snapshots[-1].originator_version in (10, 20)

    if settings.resolved_database_url().startswith("memory"):
        rebuilt = ledger.records.get_accountability(accountability.id)
    else:
        fresh = build_ledger(settings)
        try:
            rebuilt = fresh.records.get_accountability(accountability.id)
        finally:
            fresh.close()
    assert rebuilt == expected
    assert len(rebuilt["handovers"]) == 12
