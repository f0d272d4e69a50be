"""Principles through the Ledger's commands, on every store."""

from __future__ import annotations

from application.errors import RecordNotFound
from domain.base import InvalidInput
from domain.group import NotAMember
from domain.principle import PrincipleNotAgreed, PrincipleNotProposed
from tests.application.support import JAN, JUN, MAR, Tape, all_listed, assert_nothing_recorded
from tests.conftest import acting_as


def test_a_principle_is_proposed_endorsed_objected_to_agreed_amended_and_retired(ledger, world):
    tape = Tape(ledger)
    principle = tape(
        ledger.principles.propose_principle(
            world.group, "Nothing about us without us", "Co-production", JAN
        ),
        version=1,
    ).id
    with acting_as(world.alice):
        tape(ledger.principles.respond_to_principle(principle, "endorse", "Yes"), version=2)
    tape(
        ledger.principles.respond_to_principle(principle, "object", "Too vague", world.bob),
        version=3,
    )
    # A later stance replaces the same person's earlier one.
    tape(
        ledger.principles.respond_to_principle(principle, "endorse", None, world.bob, 3), version=4
    )
    view = ledger.records.get_principle(principle)
    assert view["status"] == "proposed"
    assert view["endorsements"] == [
        {"person_id": world.alice, "stance": "endorse", "reason": "Yes"},
        {"person_id": world.bob, "stance": "endorse", "reason": None},
    ]

    tape(ledger.principles.agree_principle(principle, JAN), version=5)
    assert ledger.records.get_principle(principle)["agreed_at"] == JAN
    tape(
        ledger.principles.amend_principle(
            principle, "Nothing about people without them", "Plainer", MAR
        ),
        version=6,
    )
    tape(
        ledger.principles.amend_principle(principle, "Decide with people, not for them", None, JUN),
        version=7,
    )
    view = ledger.records.get_principle(principle)
    assert view["statement"] == "Decide with people, not for them"
    assert view["rationale"] is None
    assert view["earlier_wordings"] == [
        {
            "statement": "Nothing about us without us",
            "rationale": "Co-production",
            "replaced_at": MAR,
        },
        {
            "statement": "Nothing about people without them",
            "rationale": "Plainer",
            "replaced_at": JUN,
        },
    ]
    assert all_listed(ledger, "principle")[0]["title"] == "Decide with people, not for them"

    tape(
        ledger.principles.retire_principle(principle, "Superseded by charter", expected_version=7),
        version=8,
    )
    assert ledger.records.get_principle(principle)["status"] == "retired"
    assert all_listed(ledger, "principle", status="retired")[0]["id"] == principle


def test_principle_lifecycle_violations_raise_lifecycle_errors(ledger, world):
    principle = ledger.principles.propose_principle(world.group, "Be kind").id
    for attempt in (
        lambda: ledger.principles.amend_principle(principle, "Be kinder"),
        lambda: ledger.principles.retire_principle(principle),
    ):
        error = assert_nothing_recorded(ledger, attempt, PrincipleNotAgreed)
        assert error.current_state == "proposed"
    ledger.principles.agree_principle(principle)
    for attempt in (
        lambda: ledger.principles.agree_principle(principle),
        lambda: ledger.principles.respond_to_principle(principle, "endorse", person_id=world.alice),
    ):
        error = assert_nothing_recorded(ledger, attempt, PrincipleNotProposed)
        assert error.current_state == "agreed"
    ledger.principles.retire_principle(principle)
    error = assert_nothing_recorded(
        ledger, lambda: ledger.principles.retire_principle(principle), PrincipleNotAgreed
    )
    assert error.current_state == "retired"


def test_responses_and_wordings_are_checked(ledger, world):
    principle = ledger.principles.propose_principle(world.group, "Be kind").id
    cases = [
        (
            lambda: ledger.principles.respond_to_principle(principle, "endorse"),
            InvalidInput,
            "person_id",
        ),
        (
            lambda: ledger.principles.respond_to_principle(
                principle, "shrug", person_id=world.alice
            ),
            InvalidInput,
            "stance",
        ),
        (
            lambda: ledger.principles.respond_to_principle(
                principle, "endorse", person_id=world.outsider
            ),
            NotAMember,
            "person_id",
        ),
        (lambda: ledger.principles.propose_principle(world.group, "  "), InvalidInput, "statement"),
    ]
    for attempt, error_class, field in cases:
        error = assert_nothing_recorded(ledger, attempt, error_class)
        assert error.field == field
    ledger.principles.agree_principle(principle)
    error = assert_nothing_recorded(
        ledger, lambda: ledger.principles.amend_principle(principle, " Be kind "), InvalidInput
    )
    assert error.field == "statement"  # unchanged wording
    assert_nothing_recorded(
        ledger,
        lambda: ledger.principles.propose_principle(
            "00000000-0000-4000-8000-000000000000", "Be kind"
        ),
        RecordNotFound,
    )
