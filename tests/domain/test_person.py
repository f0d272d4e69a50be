"""Person: someone who takes part, and which organisation they belonged to over time.

People belong to no group directly, so there is no closed-group rule and no lifecycle to walk.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.base import InvalidInput
from domain.person import Person
from tests.domain.conftest import (
    AWARE,
    LATER,
    NAIVE,
    acting_as,
    assert_replay_rebuilds,
    only_event,
    pending_events,
    topics,
)

JAN = datetime(2024, 1, 1, tzinfo=UTC)
JUN = datetime(2024, 6, 1, tzinfo=UTC)
JUL = datetime(2024, 7, 1, tzinfo=UTC)


def test_registering_records_name_email_and_organisation() -> None:
    person = Person.register("  Asha Patel  ", "  asha@example.org ", "org-trust")
    assert person.name == "Asha Patel"
    assert person.email == "asha@example.org"
    assert person.organisation_id == "org-trust"
    assert person.affiliations == [{"organisation_id": "org-trust", "effective_at": None}]
    assert topics(person) == ["accord.Person.Registered"]


def test_a_person_may_register_without_email_or_organisation() -> None:
    person = Person.register("Asha Patel", "  ", None)
    assert person.email is None
    assert person.organisation_id is None
    assert person.affiliations == []


@pytest.mark.parametrize("email", ["asha.example.org", "asha @example.org", "a" * 321])
def test_an_email_that_does_not_look_like_one_is_refused(email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Person.register("Asha Patel", email, None)
    assert caught.value.field == "email"


@pytest.mark.parametrize("name", ["", "  ", "n" * 301])
def test_a_blank_or_overlong_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Person.register(name, None, None)
    assert caught.value.field == "name"


def test_changing_affiliation_records_the_new_organisation_and_when() -> None:
    person = Person.register("Asha Patel", None, "org-trust")
    person.collect_events()
    person.change_affiliation("org-council", AWARE)
    assert person.organisation_id == "org-council"
    assert person.affiliations == [
        {"organisation_id": "org-trust", "effective_at": None},
        {"organisation_id": "org-council", "effective_at": AWARE},
    ]
    changed = only_event(person)
    assert type(changed).TOPIC == "accord.Person.AffiliationChanged"
    assert (changed.organisation_id, changed.effective_at) == ("org-council", AWARE)


def test_leaving_every_organisation_is_an_affiliation_change_to_none() -> None:
    person = Person.register("Asha Patel", None, "org-trust")
    person.change_affiliation(None, AWARE)
    assert person.organisation_id is None
    assert person.organisation_at(LATER) is None


@pytest.mark.parametrize("organisation_id", ["org-trust", None])
def test_changing_to_the_current_organisation_is_refused(organisation_id: str | None) -> None:
    person = Person.register("Asha Patel", None, organisation_id)
    person.collect_events()
    with pytest.raises(InvalidInput) as caught:
        person.change_affiliation(organisation_id, AWARE)
    assert caught.value.field == "organisation_id"
    assert person.collect_events() == []


def test_changing_affiliation_with_a_naive_effective_time_is_refused() -> None:
    person = Person.register("Asha Patel", None, "org-trust")
    with pytest.raises(InvalidInput) as caught:
        person.change_affiliation("org-council", NAIVE)
    assert caught.value.field == "effective_at"
    assert person.organisation_id == "org-trust"


def test_without_an_effective_time_the_change_takes_effect_now() -> None:
    person = Person.register("Asha Patel", None, "org-trust")
    before = datetime.now(UTC)
    person.change_affiliation("org-council", None)
    assert before <= person.affiliations[-1]["effective_at"] <= datetime.now(UTC)


def test_the_organisation_at_a_time_follows_the_effective_times() -> None:
    person = Person.register("Asha Patel", None, "org-trust")
    person.change_affiliation("org-council", JAN)
    person.change_affiliation("org-charity", JUN)
    assert person.organisation_at(datetime(2023, 6, 1, tzinfo=UTC)) == "org-trust"
    assert person.organisation_at(JAN) == "org-council"
    assert person.organisation_at(datetime(2024, 3, 1, tzinfo=UTC)) == "org-council"
    assert person.organisation_at(JUL) == "org-charity"


def test_before_a_first_affiliation_takes_effect_the_person_has_no_organisation() -> None:
    person = Person.register("Asha Patel", None, None)
    person.change_affiliation("org-council", JUN)
    assert person.organisation_at(JAN) is None
    assert person.organisation_at(JUL) == "org-council"


def test_a_later_recorded_affiliation_with_an_earlier_effect_overrides_from_then_on() -> None:
    person = Person.register("Asha Patel", None, "org-trust")
    person.change_affiliation("org-council", JUN)
    person.change_affiliation(
        "org-charity", JAN
    )  # a correction: recorded later, took effect earlier
    assert person.organisation_at(datetime(2023, 6, 1, tzinfo=UTC)) == "org-trust"
    assert person.organisation_at(datetime(2024, 3, 1, tzinfo=UTC)) == "org-charity"
    assert person.organisation_at(JUL) == "org-charity"


def test_every_person_event_records_the_current_actor() -> None:
    with acting_as("admin"):
        person = Person.register("Asha Patel", None, "org-trust")
    with acting_as("p1"):
        person.change_affiliation("org-council", AWARE)
    assert [e.actor for e in pending_events(person)] == ["admin", "p1"]
    assert person.last_actor == "p1"


def test_replaying_a_persons_events_rebuilds_them() -> None:
    with acting_as("admin"):
        person = Person.register("Asha Patel", "asha@example.org", "org-trust")
        person.change_affiliation("org-council", JAN)
        person.change_affiliation(None, JUN)
        person.change_affiliation("org-charity", JUL)
    rebuilt = assert_replay_rebuilds(person, min_events=4)
    assert rebuilt.organisation_at(datetime(2024, 3, 1, tzinfo=UTC)) == "org-council"
    assert rebuilt.organisation_at(datetime(2024, 6, 15, tzinfo=UTC)) is None
