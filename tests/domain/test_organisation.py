"""Organisation: a body taking part, with its sector.

Organisations belong to no group, so there is no closed-group rule and no lifecycle to walk.
"""

from __future__ import annotations

import pytest

from domain.base import InvalidInput
from domain.organisation import Organisation
from domain.values import Sector
from tests.domain.conftest import acting_as, assert_replay_rebuilds, pending_events, topics


def test_registering_records_the_name_and_sector() -> None:
    organisation = Organisation.register("  Riverside NHS Trust  ", "statutory_health")
    assert organisation.name == "Riverside NHS Trust"
    assert organisation.sector == "statutory_health"
    [registered] = organisation.collect_events()
    assert isinstance(registered, Organisation.Registered)
    assert type(registered).TOPIC == "accord.Organisation.Registered"
    assert (registered.name, registered.sector) == ("Riverside NHS Trust", "statutory_health")
    assert registered.originator_id == organisation.id


@pytest.mark.parametrize("sector", [s.value for s in Sector])
def test_every_sector_is_accepted(sector: str) -> None:
    assert Organisation.register("Riverside", sector).sector == sector


@pytest.mark.parametrize("sector", ["nhs", "", "VCSE", "vcse ", "charity"])
def test_an_unknown_sector_names_the_sector_field(sector: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Organisation.register("Riverside", sector)
    assert caught.value.field == "sector"
    assert "statutory_health" in str(caught.value)


@pytest.mark.parametrize("name", ["", "   ", "x" * 301])
def test_a_blank_or_overlong_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Organisation.register(name, "vcse")
    assert caught.value.field == "name"


@pytest.mark.parametrize(
    "name", ["River\x00side", "River\ud800side"], ids=["nul", "lone-surrogate"]
)
def test_a_name_with_characters_that_cannot_be_stored_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Organisation.register(name, "vcse")
    assert caught.value.field == "name"
    assert "cannot be stored" in str(caught.value)


def test_renaming_records_the_new_name() -> None:
    organisation = Organisation.register("Riverside", "vcse")
    organisation.collect_events()
    organisation.rename("  Riverside Community Action  ")
    assert organisation.name == "Riverside Community Action"
    assert topics(organisation) == ["accord.Organisation.Renamed"]


def test_renaming_to_a_blank_name_is_refused_and_records_nothing() -> None:
    organisation = Organisation.register("Riverside", "vcse")
    organisation.collect_events()
    with pytest.raises(InvalidInput) as caught:
        organisation.rename(" ")
    assert caught.value.field == "name"
    assert organisation.name == "Riverside"
    assert organisation.collect_events() == []


def test_changing_sector_records_the_new_sector() -> None:
    organisation = Organisation.register("Riverside", "vcse")
    organisation.collect_events()
    organisation.change_sector("local_authority")
    assert organisation.sector == "local_authority"
    assert topics(organisation) == ["accord.Organisation.SectorChanged"]


def test_changing_to_an_unknown_sector_is_refused_and_records_nothing() -> None:
    organisation = Organisation.register("Riverside", "vcse")
    organisation.collect_events()
    with pytest.raises(InvalidInput) as caught:
        organisation.change_sector("private")
    assert caught.value.field == "sector"
    assert organisation.sector == "vcse"
    assert organisation.collect_events() == []


def test_every_organisation_event_records_the_current_actor() -> None:
    with acting_as("p1"):
        organisation = Organisation.register("Riverside", "vcse")
    organisation.rename("Riverside Action")
    with acting_as("p2"):
        organisation.change_sector("other")
    assert [e.actor for e in pending_events(organisation)] == ["p1", None, "p2"]
    assert organisation.last_actor == "p2"


def test_replaying_an_organisations_events_rebuilds_it() -> None:
    with acting_as("p1"):
        organisation = Organisation.register("Riverside", "vcse")
        organisation.rename("Riverside Action")
        organisation.change_sector("lived_experience")
        organisation.rename("Riverside Voices")
    rebuilt = assert_replay_rebuilds(organisation, min_events=4)
    assert (rebuilt.name, rebuilt.sector) == ("Riverside Voices", "lived_experience")
    assert rebuilt.last_actor == "p1"
