"""The command and query services: each built alone over any store, none inheriting another."""

from __future__ import annotations

import inspect

from application import ledger as ledger_module
from application.decisions import DecisionCommands
from application.groups import GroupCommands
from application.ledger import Ledger
from application.organisations import OrganisationCommands
from application.people import PeopleCommands
from domain.base import InvalidInput
from tests.conftest import acting_as

SERVICES = [
    cls
    for cls in vars(ledger_module).values()
    if inspect.isclass(cls) and cls.__name__.endswith(("Commands", "Queries", "Policy"))
]


def test_every_service_stands_alone_and_the_ledger_holds_one_of_each(ledger):
    assert len(SERVICES) == 20
    for cls in SERVICES:
        assert cls.__bases__ == (object,), f"{cls.__name__} inherits {cls.__bases__}"
        assert sum(isinstance(service, cls) for service in vars(ledger).values()) == 1
    assert Ledger.__bases__[0].__name__ == "LedgerCore"


def test_a_command_group_built_on_its_own_records_and_checks_what_it_names(ledger):
    organisations = OrganisationCommands(ledger)
    people = PeopleCommands(ledger)
    groups = GroupCommands(ledger)
    decisions = DecisionCommands(ledger)
    org = organisations.register_organisation("Hope Street", "vcse")
    person = people.register_person("Sam Rivera", None, org.id)
    with acting_as(person.id):
        group = groups.convene_group("Design team", "design team", "Design the hub")
        proposed = decisions.propose_decision(group.id, "Open the hub", "We open it")
        agreed = decisions.agree_decision(proposed.id, "consent", [person.id])
    assert agreed.version == 2 and agreed.position == ledger.head_position()
    assert ledger.records.get_decision(proposed.id)["status"] == "agreed"
    # A participant who is no member of the group is invalid input, named by its field.
    other = decisions.propose_decision(group.id, "Close it", "We close it")
    try:
        decisions.agree_decision(other.id, "consent", [person.id, "no-such-person"])
    except InvalidInput as error:
        assert error.field == "participants[1]"
    else:
        raise AssertionError("an unknown participant was accepted")
