"""Accountabilities and their handovers through the Ledger's commands, on every store."""

from __future__ import annotations

import pytest

from application.errors import RecordNotFound
from domain.accountability import (
    AccountabilityInvalid,
    AccountabilityRetired,
    HandoverAlreadyOpen,
    HandoverNotFound,
    HandoverNotOpen,
    NothingToReturn,
    NotOnRecipientSide,
)
from domain.base import InvalidInput, LifecycleError, NotAllowed
from domain.group import NotAMember
from tests.application.support import (
    JAN,
    JUN,
    MAR,
    Tape,
    all_listed,
    assert_nothing_recorded,
    extra,
)
from tests.conftest import acting_as

MISSING = "00000000-0000-4000-8000-000000000000"


def person(pid):
    return {"kind": "person", "id": pid}


def define(ledger, world, holder=None):
    return ledger.accountabilities.define_accountability(
        world.group, "Referral pathway", holder or person(world.alice), "All referrals", JAN
    ).id


def holder(ledger, accountability):
    return ledger.records.get_accountability(accountability)["holder"]


def test_an_accountability_is_defined_with_its_first_holder(ledger, world):
    tape = Tape(ledger)
    written = tape(
        ledger.accountabilities.define_accountability(
            world.group, "Referral pathway", person(world.alice), "All referrals", JAN
        ),
        version=1,
    )
    view = ledger.records.get_accountability(written.id)
    assert view["group_id"] == world.group
    assert (view["title"], view["scope"], view["status"]) == (
        "Referral pathway",
        "All referrals",
        "active",
    )
    assert view["holder"] == person(world.alice)
    assert view["holders"] == [{"holder": person(world.alice), "from": JAN}]
    assert (view["open_handover_id"], view["handovers"]) == (None, [])
    assert all_listed(ledger, "accountability") == [
        {
            "id": written.id,
            "kind": "accountability",
            "group_id": world.group,
            "title": "Referral pathway",
            "status": "active",
            "version": 1,
            "position": written.position,
        }
    ]


def test_a_handover_to_a_person_is_accepted_by_that_person_only(ledger, world):
    accountability = define(ledger, world)
    tape = Tape(ledger)
    offered = tape(
        ledger.accountabilities.offer_handover(
            accountability, person(world.bob), "Leave", effective_at=JAN
        ),
        version=2,
    )
    handover = extra(offered)["handover_id"]
    view = ledger.records.get_accountability(accountability)
    assert view["open_handover_id"] == handover
    assert view["handovers"] == [
        {
            "handover_id": handover,
            "from": person(world.alice),
            "to": person(world.bob),
            "reason": "Leave",
            "status": "offered",
        }
    ]
    for actor in (None, world.alice, world.convener, MISSING):
        with acting_as(actor):
            error = assert_nothing_recorded(
                ledger,
                lambda: ledger.accountabilities.accept_handover(accountability, handover),
                NotOnRecipientSide,
            )
        assert isinstance(error, NotAllowed)

    with acting_as(world.bob):
        tape(
            ledger.accountabilities.accept_handover(
                accountability, handover, MAR, expected_version=2
            ),
            version=3,
        )
    view = ledger.records.get_accountability(accountability)
    assert view["holder"] == person(world.bob)
    assert view["holders"] == [
        {"holder": person(world.alice), "from": JAN},
        {"holder": person(world.bob), "from": MAR},
    ]
    assert view["open_handover_id"] is None
    assert view["handovers"][0]["status"] == "accepted"


def test_a_handover_to_a_group_is_accepted_by_any_member_of_that_group(ledger, world):
    accountability = define(ledger, world)
    to = {"kind": "group", "id": world.other_group}
    handover = ledger.accountabilities.offer_handover(accountability, to).extra["handover_id"]
    # Bob is a member of the holding group but not of the recipient group.
    with acting_as(world.bob):
        assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.accept_handover(accountability, handover),
            NotOnRecipientSide,
        )
    with acting_as(world.convener):  # who convened the coordinating group
        ledger.accountabilities.accept_handover(accountability, handover)
    assert holder(ledger, accountability) == to


def test_a_handover_to_an_organisation_is_accepted_by_a_person_affiliated_with_it(ledger, world):
    accountability = define(ledger, world)
    to = {"kind": "organisation", "id": world.org_b}
    handover = ledger.accountabilities.offer_handover(accountability, to).extra["handover_id"]
    for actor in (world.alice, world.outsider, MISSING):
        with acting_as(actor):
            assert_nothing_recorded(
                ledger,
                lambda: ledger.accountabilities.accept_handover(accountability, handover),
                NotOnRecipientSide,
            )
    # Affiliation counts as it is now: Alice moves to the recipient organisation and may accept.
    ledger.people.change_affiliation(world.alice, world.org_b)
    with acting_as(world.alice):
        ledger.accountabilities.accept_handover(accountability, handover)
    assert holder(ledger, accountability) == to


def test_a_handover_can_be_declined_by_the_recipient_or_withdrawn_and_then_offered_again(
    ledger, world
):
    accountability = define(ledger, world)
    tape = Tape(ledger)
    first = extra(tape(ledger.accountabilities.offer_handover(accountability, person(world.bob))))[
        "handover_id"
    ]
    with acting_as(world.alice):
        assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.decline_handover(accountability, first, "No"),
            NotOnRecipientSide,
        )
    with acting_as(world.bob):
        tape(
            ledger.accountabilities.decline_handover(accountability, first, "No capacity"),
            version=3,
        )
    second = extra(
        tape(ledger.accountabilities.offer_handover(accountability, person(world.convener)))
    )["handover_id"]
    tape(
        ledger.accountabilities.withdraw_handover(accountability, second, "Changed plan"), version=5
    )

    view = ledger.records.get_accountability(accountability)
    assert view["holder"] == person(world.alice)
    assert [(h["handover_id"], h["status"], h["outcome_reason"]) for h in view["handovers"]] == [
        (first, "declined", "No capacity"),
        (second, "withdrawn", "Changed plan"),
    ]
    assert view["open_handover_id"] is None
    for attempt in (
        lambda: ledger.accountabilities.withdraw_handover(accountability, first),
        lambda: ledger.accountabilities.withdraw_handover(accountability, second),
    ):
        error = assert_nothing_recorded(ledger, attempt, HandoverNotOpen)
        assert isinstance(error, LifecycleError)
    with acting_as(world.bob):
        error = assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.accept_handover(accountability, first),
            HandoverNotOpen,
        )
    assert error.current_state == "declined"


def test_an_accountability_is_returned_to_its_previous_holder_and_then_retired(ledger, world):
    accountability = define(ledger, world)
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.accountabilities.return_accountability(accountability),
        NothingToReturn,
    )
    handover = ledger.accountabilities.offer_handover(
        accountability, person(world.bob), effective_at=JAN
    ).extra["handover_id"]
    with acting_as(world.bob):
        ledger.accountabilities.accept_handover(accountability, handover, MAR)
    tape = Tape(ledger)
    tape(
        ledger.accountabilities.return_accountability(accountability, "Back from leave", JUN),
        version=4,
    )
    view = ledger.records.get_accountability(accountability)
    assert view["holder"] == person(world.alice)
    assert [h["holder"] for h in view["holders"]] == [
        person(world.alice),
        person(world.bob),
        person(world.alice),
    ]
    assert view["holders"][-1]["from"] == JUN

    tape(
        ledger.accountabilities.retire_accountability(
            accountability, "Pathway closed", expected_version=4
        ),
        version=5,
    )
    assert ledger.records.get_accountability(accountability)["status"] == "retired"
    assert all_listed(ledger, "accountability", status="retired")[0]["id"] == accountability
    for attempt in (
        lambda: ledger.accountabilities.offer_handover(accountability, person(world.bob)),
        lambda: ledger.accountabilities.return_accountability(accountability),
        lambda: ledger.accountabilities.retire_accountability(accountability),
    ):
        error = assert_nothing_recorded(ledger, attempt, AccountabilityRetired)
        assert error.current_state == "retired"


def test_an_open_handover_blocks_another_offer_a_return_and_retirement(ledger, world):
    accountability = define(ledger, world)
    handover = ledger.accountabilities.offer_handover(accountability, person(world.bob)).extra[
        "handover_id"
    ]
    with acting_as(world.bob):
        ledger.accountabilities.accept_handover(accountability, handover)
    ledger.accountabilities.offer_handover(accountability, person(world.convener))
    for attempt in (
        lambda: ledger.accountabilities.offer_handover(accountability, person(world.alice)),
        lambda: ledger.accountabilities.return_accountability(accountability),
        lambda: ledger.accountabilities.retire_accountability(accountability),
    ):
        error = assert_nothing_recorded(ledger, attempt, HandoverAlreadyOpen)
        assert error.current_state == "handover_offered"


def test_an_unknown_handover_is_not_found(ledger, world):
    accountability = define(ledger, world)
    with acting_as(world.bob):
        for attempt in (
            lambda: ledger.accountabilities.accept_handover(accountability, MISSING),
            lambda: ledger.accountabilities.decline_handover(accountability, MISSING),
            lambda: ledger.accountabilities.withdraw_handover(accountability, MISSING),
        ):
            assert_nothing_recorded(ledger, attempt, HandoverNotFound)


@pytest.mark.parametrize(
    ("party", "field", "error_class"),
    [
        ({"kind": "person", "id": MISSING}, "id", InvalidInput),
        ({"kind": "group", "id": MISSING}, "id", InvalidInput),
        ({"kind": "organisation", "id": MISSING}, "id", InvalidInput),
        ({"kind": "organisation", "id": "not-a-uuid"}, "id", InvalidInput),
        ({"kind": "committee", "id": MISSING}, "kind", InvalidInput),
        ({"kind": "person", "id": "OUTSIDER"}, "id", NotAMember),
    ],
    ids=[
        "unknown person",
        "unknown group",
        "unknown organisation",
        "malformed",
        "bad kind",
        "non-member",
    ],
)
def test_holders_and_recipients_must_be_known_parties(ledger, world, party, field, error_class):
    if party["id"] == "OUTSIDER":
        party = {"kind": "person", "id": world.outsider}
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.accountabilities.define_accountability(world.group, "Pathway", party),
        error_class,
    )
    assert error.field == f"holder.{field}"
    accountability = define(ledger, world)
    error = assert_nothing_recorded(
        ledger, lambda: ledger.accountabilities.offer_handover(accountability, party), error_class
    )
    assert error.field == f"to.{field}"


def test_a_handover_must_go_to_someone_other_than_the_holder(ledger, world):
    accountability = define(ledger, world)
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.accountabilities.offer_handover(accountability, person(world.alice)),
        AccountabilityInvalid,
    )
    assert error.field == "to"
    assert_nothing_recorded(
        ledger,
        lambda: ledger.accountabilities.offer_handover(MISSING, person(world.bob)),
        RecordNotFound,
    )


def test_a_person_offered_a_handover_must_still_be_a_member_to_accept_it(ledger, world):
    accountability = define(ledger, world)
    handover = ledger.accountabilities.offer_handover(accountability, person(world.bob)).extra[
        "handover_id"
    ]
    ledger.groups.remove_member(world.group, world.bob)
    with acting_as(world.bob):
        error = assert_nothing_recorded(
            ledger,
            lambda: ledger.accountabilities.accept_handover(accountability, handover),
            NotAMember,
        )
    # Bob is a member from the beginning until he left: the refusal names the moment.
    assert error.field == "effective_at"
    assert holder(ledger, accountability) == person(world.alice)
    # The offer stays open; it can still be withdrawn.
    ledger.accountabilities.withdraw_handover(accountability, handover)
    assert ledger.records.get_accountability(accountability)["open_handover_id"] is None
