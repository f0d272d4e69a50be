"""Organisations and people through the Ledger's commands, on every store."""

from __future__ import annotations

from datetime import datetime

import pytest

from application.errors import RecordNotFound, VersionMismatch
from domain.base import InvalidInput
from tests.application.support import JAN, JUN, Tape, all_listed, assert_nothing_recorded


def test_an_organisation_is_registered_renamed_and_moved_to_another_sector(ledger):
    tape = Tape(ledger)
    registered = tape(
        ledger.organisations.register_organisation("  North Trust ", "statutory_health"), version=1
    )
    org = registered.id
    view = ledger.records.get_organisation(org)
    assert set(view) == {"id", "version", "created_on", "modified_on", "name", "sector"}
    assert (view["id"], view["version"]) == (org, 1)
    assert (view["name"], view["sector"]) == ("North Trust", "statutory_health")
    assert view["created_on"].tzinfo is not None
    assert view["created_on"] == view["modified_on"]

    tape(
        ledger.organisations.rename_organisation(org, "North Health Trust"),
        record_id=org,
        version=2,
    )
    tape(
        ledger.organisations.change_organisation_sector(org, "vcse", expected_version=2),
        record_id=org,
        version=3,
    )

    view = ledger.records.get_organisation(org)
    assert (view["name"], view["sector"], view["version"]) == ("North Health Trust", "vcse", 3)
    assert view["modified_on"] > view["created_on"]
    assert all_listed(ledger, "organisation") == [
        {
            "id": org,
            "kind": "organisation",
            "group_id": None,
            "title": "North Health Trust",
            "status": "active",
            "version": 3,
            "position": tape.last,
        }
    ]


@pytest.mark.parametrize(
    ("name", "sector", "field"),
    [
        ("North Trust", "hospital", "sector"),
        ("   ", "vcse", "name"),
        ("x" * 301, "vcse", "name"),
        ("North\x00Trust", "vcse", "name"),
        ("North \ud800 Trust", "vcse", "name"),
    ],
    ids=["unknown sector", "blank name", "name too long", "NUL", "lone surrogate"],
)
def test_an_organisation_with_an_invalid_name_or_sector_is_not_registered(
    ledger, name, sector, field
):
    error = assert_nothing_recorded(
        ledger, lambda: ledger.organisations.register_organisation(name, sector), InvalidInput
    )
    assert error.field == field


def test_renaming_or_resectoring_an_organisation_checks_the_new_value(ledger):
    org = ledger.organisations.register_organisation("North Trust", "vcse").id
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.organisations.change_organisation_sector(org, "nonsense"),
        InvalidInput,
    )
    assert error.field == "sector"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.organisations.rename_organisation(org, ""), InvalidInput
    )
    assert error.field == "name"
    with pytest.raises(VersionMismatch):
        ledger.organisations.rename_organisation(org, "Other", expected_version=2)


def test_a_person_is_registered_with_an_organisation_and_changes_affiliation_over_time(ledger):
    tape = Tape(ledger)
    org_a = ledger.organisations.register_organisation("North Trust", "statutory_health").id
    org_b = ledger.organisations.register_organisation("Riverside Council", "local_authority").id
    person = tape(
        ledger.people.register_person("Ada Lovelace", "ada@example.org", org_a), version=1
    ).id

    view = ledger.records.get_person(person)
    assert view["name"] == "Ada Lovelace"
    assert view["email"] == "ada@example.org"
    assert view["organisation_id"] == org_a
    assert view["affiliations"] == [{"organisation_id": org_a, "effective_at": None}]

    tape(
        ledger.people.change_affiliation(person, org_b, effective_at=JAN),
        record_id=person,
        version=2,
    )
    tape(ledger.people.change_affiliation(person, None, JUN, expected_version=2), version=3)

    view = ledger.records.get_person(person)
    assert view["organisation_id"] is None
    assert view["affiliations"] == [
        {"organisation_id": org_a, "effective_at": None},
        {"organisation_id": org_b, "effective_at": JAN},
        {"organisation_id": None, "effective_at": JUN},
    ]
    assert view["version"] == 3


def test_a_change_of_affiliation_without_a_date_takes_effect_now(ledger):
    org = ledger.organisations.register_organisation("North Trust", "vcse").id
    person = ledger.people.register_person("Ada Lovelace").id
    before = datetime.now(JAN.tzinfo)
    ledger.people.change_affiliation(person, org)
    (affiliation,) = ledger.records.get_person(person)["affiliations"]
    assert affiliation["organisation_id"] == org
    assert affiliation["effective_at"] >= before


def test_a_person_without_an_email_or_organisation_has_none_and_is_never_listed(ledger):
    person = ledger.people.register_person("Grace Hopper").id
    view = ledger.records.get_person(person)
    assert (view["email"], view["organisation_id"], view["affiliations"]) == (None, None, [])
    assert ledger.records.list_records("person") == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [
        ("Ada", "not-an-email", "email"),
        ("Ada", "ada @example.org", "email"),
        ("", "ada@example.org", "name"),
    ],
    ids=["email without at", "email with space", "blank name"],
)
def test_a_person_with_an_invalid_name_or_email_is_not_registered(ledger, name, email, field):
    error = assert_nothing_recorded(
        ledger, lambda: ledger.people.register_person(name, email), InvalidInput
    )
    assert error.field == field


def test_a_person_cannot_be_registered_with_an_unknown_organisation(ledger):
    missing = "00000000-0000-4000-8000-000000000000"
    error = assert_nothing_recorded(
        ledger, lambda: ledger.people.register_person("Ada", None, missing), InvalidInput
    )
    assert error.field == "organisation_id"
    assert missing in str(error)


def test_changing_affiliation_checks_the_person_the_organisation_and_the_date(ledger):
    org = ledger.organisations.register_organisation("North Trust", "vcse").id
    person = ledger.people.register_person("Ada", None, org).id

    error = assert_nothing_recorded(
        ledger, lambda: ledger.people.change_affiliation(person, org), InvalidInput
    )
    assert error.field == "organisation_id"  # already belongs there
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.people.change_affiliation(person, "00000000-0000-4000-8000-000000000000"),
        InvalidInput,
    )
    assert error.field == "organisation_id"
    error = assert_nothing_recorded(
        ledger,
        lambda: ledger.people.change_affiliation(person, None, datetime(2024, 1, 1)),
        InvalidInput,
    )
    assert error.field == "effective_at"
    assert_nothing_recorded(
        ledger, lambda: ledger.people.change_affiliation(org, None), RecordNotFound
    )  # an organisation's id is not a person's
