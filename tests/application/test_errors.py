"""Unknown and malformed ids, stale versions: the same errors from every command, nothing recorded."""

from __future__ import annotations

from functools import partial

import pytest

from application.errors import RecordNotFound, VersionMismatch
from domain.base import AccordError, NotFound
from tests.application.support import KINDS, assert_nothing_recorded, getter
from tests.conftest import acting_as

MISSING = "00000000-0000-4000-8000-000000000000"
MALFORMED = ["not-a-uuid", "", "1234", "00000000-0000-4000-8000-00000000000g", "🙂"]


def records(ledger, world):
    """One record of every kind, with a command that changes each (by id, expected_version)."""
    decision = ledger.decisions.propose_decision(world.group, "Open doors", "Open at eight").id
    conflict = ledger.conflicts.raise_conflict(
        world.group, [{"kind": "person", "id": world.bob}], "Delays", raised_by=world.alice
    ).id
    principle = ledger.principles.propose_principle(world.group, "Be kind").id
    accountability = ledger.accountabilities.define_accountability(
        world.group, "Pathway", {"kind": "person", "id": world.alice}
    ).id
    return {
        "organisation": world.org_a,
        "person": world.alice,
        "group": world.group,
        "decision": decision,
        "conflict": conflict,
        "principle": principle,
        "accountability": accountability,
    }


# Each command, applied to a record id; all of them would succeed on the records above.
COMMANDS = {
    "rename_organisation": (
        "organisation",
        lambda app, w, i, v: app.organisations.rename_organisation(
            i, "New name", expected_version=v
        ),
    ),
    "change_organisation_sector": (
        "organisation",
        lambda app, w, i, v: app.organisations.change_organisation_sector(
            i, "vcse", expected_version=v
        ),
    ),
    "change_affiliation": (
        "person",
        lambda app, w, i, v: app.people.change_affiliation(i, w.org_b, expected_version=v),
    ),
    "restate_purpose": (
        "group",
        lambda app, w, i, v: app.groups.restate_purpose(i, "New purpose", expected_version=v),
    ),
    "add_member": (
        "group",
        lambda app, w, i, v: app.groups.add_member(i, w.outsider, expected_version=v),
    ),
    "change_member_role": (
        "group",
        lambda app, w, i, v: app.groups.change_member_role(
            i, w.bob, "observer", expected_version=v
        ),
    ),
    "remove_member": (
        "group",
        lambda app, w, i, v: app.groups.remove_member(i, w.bob, expected_version=v),
    ),
    "close_group": ("group", lambda app, w, i, v: app.groups.close_group(i, expected_version=v)),
    "agree_decision": (
        "decision",
        lambda app, w, i, v: app.decisions.agree_decision(
            i, "consent", [w.alice], expected_version=v
        ),
    ),
    "reject_decision": (
        "decision",
        lambda app, w, i, v: app.decisions.reject_decision(i, expected_version=v),
    ),
    "withdraw_decision": (
        "decision",
        lambda app, w, i, v: app.decisions.withdraw_decision(i, expected_version=v),
    ),
    "acknowledge_conflict": (
        "conflict",
        lambda app, w, i, v: app.conflicts.acknowledge_conflict(i, expected_version=v),
    ),
    "withdraw_conflict": (
        "conflict",
        lambda app, w, i, v: app.conflicts.withdraw_conflict(i, expected_version=v),
    ),
    "escalate_conflict": (
        "conflict",
        lambda app, w, i, v: app.conflicts.escalate_conflict(
            i, w.other_group, "Why", expected_version=v
        ),
    ),
    "respond_to_principle": (
        "principle",
        lambda app, w, i, v: app.principles.respond_to_principle(
            i, "endorse", person_id=w.bob, expected_version=v
        ),
    ),
    "agree_principle": (
        "principle",
        lambda app, w, i, v: app.principles.agree_principle(i, expected_version=v),
    ),
    "offer_handover": (
        "accountability",
        lambda app, w, i, v: app.accountabilities.offer_handover(
            i, {"kind": "person", "id": w.bob}, expected_version=v
        ),
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_reading_an_unknown_or_malformed_id_raises_record_not_found(ledger, world, kind):
    get = getter(ledger, kind)
    for record_id in [MISSING, *MALFORMED]:
        with pytest.raises(RecordNotFound) as caught:
            get(record_id)
        assert (caught.value.kind, caught.value.record_id) == (kind, record_id)
        assert isinstance(caught.value, NotFound)
        assert isinstance(caught.value, AccordError)


@pytest.mark.parametrize("kind", KINDS)
def test_reading_a_record_of_another_kind_raises_record_not_found(ledger, world, kind):
    ids = records(ledger, world)
    get = getter(ledger, kind)
    assert get(ids[kind])["id"] == ids[kind]
    for other, record_id in ids.items():
        if other != kind:
            with pytest.raises(RecordNotFound):
                get(record_id)


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_on_an_unknown_malformed_or_wrong_kind_of_id_records_nothing(ledger, world, name):
    kind, run = COMMANDS[name]
    ids = records(ledger, world)
    wrong_kind = ids["person" if kind != "person" else "group"]
    for record_id in [MISSING, "not-a-uuid", wrong_kind]:
        error = assert_nothing_recorded(
            ledger, partial(run, ledger, world, record_id, None), RecordNotFound
        )
        assert error.kind == kind
        assert error.record_id == record_id


@pytest.mark.parametrize("name", COMMANDS)
def test_a_command_with_a_stale_expected_version_raises_version_mismatch_and_records_nothing(
    ledger, world, name
):
    kind, run = COMMANDS[name]
    record_id = records(ledger, world)[kind]
    version = getter(ledger, kind)(record_id)["version"]
    for stale in (version - 1, version + 1, 0):
        error = assert_nothing_recorded(
            ledger, partial(run, ledger, world, record_id, stale), VersionMismatch
        )
        assert (error.expected, error.actual) == (stale, version)
        assert isinstance(error, AccordError)
    with acting_as(world.convener):
        written = run(ledger, world, record_id, version)
    assert (written.id, written.version) == (record_id, version + 1)
    assert getter(ledger, kind)(record_id)["version"] == version + 1


@pytest.mark.stores("sqlite", "postgres")
def test_a_version_read_from_another_ledger_object_goes_stale_after_a_write_there(
    ledger, settings, world
):
    from interfaces.bootstrap import build_ledger

    other = build_ledger(settings)
    try:
        seen = other.records.get_group(world.group)["version"]
        ledger.groups.restate_purpose(world.group, "Changed elsewhere")
        error = assert_nothing_recorded(
            other,
            lambda: other.groups.add_member(world.group, world.outsider, expected_version=seen),
            VersionMismatch,
        )
        assert (error.expected, error.actual) == (seen, seen + 1)
    finally:
        other.close()
