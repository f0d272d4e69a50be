"""Forgetting a person: the Forgotten event, with its basis, and nothing recorded after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.base import InvalidInput, LifecycleError
from domain.person import BASIS_LENGTH, ERASED_NAME, Person, PersonForgotten
from tests.domain.conftest import AWARE, NAIVE, acting_as, assert_replay_rebuilds, replay

BASIS = "UK GDPR Art. 17, request 2026-114"


def registered() -> Person:
    person = Person.register("Asha Patel", "asha@example.org", "org-trust")
    person.collect_events()
    return person


def test_the_personal_fields_are_declared_once_with_their_placeholders() -> None:
    assert Person.Event.PERSONAL_FIELDS == {"name": ERASED_NAME, "email": None}
    # AffiliationChanged is made by @event when Person is built, so mypy cannot see it.
    affiliation_changed = Person.AffiliationChanged  # type: ignore[attr-defined]
    for cls in (Person.Registered, affiliation_changed, Person.Forgotten):
        assert cls.PERSONAL_FIELDS is Person.Event.PERSONAL_FIELDS


def test_forgetting_records_who_asked_on_what_basis_and_when() -> None:
    person = registered()
    with acting_as("admin"):
        person.forget(f"  {BASIS} ", "admin", AWARE)
    [forgotten] = person.collect_events()
    assert isinstance(forgotten, Person.Forgotten)
    assert type(forgotten).TOPIC == "accord.Person.Forgotten"
    assert (forgotten.requested_by, forgotten.basis, forgotten.effective_at) == (
        "admin",
        BASIS,
        AWARE,
    )
    assert forgotten.actor == "admin"
    assert not hasattr(forgotten, "name") and not hasattr(forgotten, "email")


def test_a_forgotten_person_reads_as_the_placeholders() -> None:
    person = registered()
    before = datetime.now(UTC)
    person.forget(BASIS, None)
    assert (person.name, person.email, person.erased, person.forgotten) == (
        ERASED_NAME,
        None,
        True,
        True,
    )
    assert person.organisation_id == "org-trust"  # not personal data: it stays
    [forgotten] = person.collect_events()
    assert isinstance(forgotten, Person.Forgotten)
    assert before <= forgotten.effective_at <= datetime.now(UTC)


@pytest.mark.parametrize("basis", ["", "   ", "b" * (BASIS_LENGTH + 1)])
def test_a_blank_or_overlong_basis_is_refused(basis: str) -> None:
    person = registered()
    with pytest.raises(InvalidInput) as caught:
        person.forget(basis, "admin")
    assert caught.value.field == "basis"
    assert person.collect_events() == [] and not person.forgotten


def test_a_naive_effective_time_is_refused() -> None:
    person = registered()
    with pytest.raises(InvalidInput):
        person.forget(BASIS, "admin", NAIVE)


def test_forgetting_twice_is_refused() -> None:
    person = registered()
    person.forget(BASIS, "admin")
    person.collect_events()
    with pytest.raises(PersonForgotten) as caught:
        person.forget(BASIS, "admin")
    assert isinstance(caught.value, LifecycleError)
    assert caught.value.current_state == "forgotten"
    assert person.collect_events() == []


def test_nothing_more_is_recorded_about_a_forgotten_person() -> None:
    person = registered()
    person.forget(BASIS, "admin")
    with pytest.raises(PersonForgotten):
        person.change_affiliation("org-council", AWARE)


def test_replaying_a_forgotten_persons_events_rebuilds_them() -> None:
    with acting_as("admin"):
        person = Person.register("Asha Patel", "asha@example.org", "org-trust")
        person.change_affiliation("org-council", AWARE)
        person.forget(BASIS, "admin")
    rebuilt = assert_replay_rebuilds(person, min_events=3)
    assert rebuilt.forgotten and rebuilt.name == ERASED_NAME


def test_a_registration_read_after_its_key_was_destroyed_marks_the_person_erased() -> None:
    person = Person.register("Asha Patel", "asha@example.org", None)
    [event] = person.collect_events()
    # What the mapper does when the key is gone: placeholders, and the mark.
    vars(event).update({"name": ERASED_NAME, "email": None, Person.Event.ERASED_MARK: True})
    rebuilt = replay([event])
    assert (rebuilt.name, rebuilt.email, rebuilt.erased, rebuilt.forgotten) == (
        ERASED_NAME,
        None,
        True,
        False,
    )
