"""What the accountability report reads: a report of some groups places only their people."""

from __future__ import annotations

from tests.conftest import acting_as


def affiliation_reads(ledger, monkeypatch) -> list[list[str] | None]:
    """The `keys` of every read of affiliation intervals from now on (None: everyone's)."""
    reads: list[list[str] | None] = []
    select = ledger.projector.store.select_fact_intervals

    def counted(position, key_prefix, keys=None):
        if key_prefix == "affiliation:":
            reads.append(keys)
        return select(position, key_prefix, keys)

    monkeypatch.setattr(ledger.projector.store, "select_fact_intervals", counted)
    return reads


def test_a_group_report_reads_the_affiliations_of_the_people_it_places_only(
    ledger, world, monkeypatch
):
    # Many people elsewhere, who hold nothing in the group.
    for n in range(30):
        ledger.people.register_person(f"Person {n}", None, world.org_b)
    with acting_as(world.convener):
        ledger.accountabilities.define_accountability(
            world.group, "Budget", {"kind": "person", "id": world.alice}
        )
        ledger.accountabilities.define_accountability(
            world.group, "Rota", {"kind": "person", "id": world.bob}
        )
        ledger.accountabilities.define_accountability(
            world.group, "Venue", {"kind": "group", "id": world.group}
        )
    reads = affiliation_reads(ledger, monkeypatch)
    report = ledger.reports.accountability_report(world.group, interval="quarter")
    assert reads and None not in reads
    assert sorted(key for keys in reads for key in keys or []) == sorted([world.alice, world.bob])
    by_organisation = {
        o["organisation_id"]: o["count"] for o in report["holdings"]["by_organisation"]
    }
    assert by_organisation == {world.org_a: 1, world.org_b: 1, "(a group)": 1}
    # The whole ledger's report places everyone, so it reads every affiliation at once.
    reads.clear()
    whole = ledger.reports.accountability_report(interval="quarter")
    assert reads == [None]
    assert whole["holdings"]["by_organisation"] == report["holdings"]["by_organisation"]
