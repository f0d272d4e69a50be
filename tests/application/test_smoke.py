from tests.conftest import acting_as


def test_a_bootstrapped_administrator_can_record_an_organisation(ledger):
    person_id, _, secret = ledger.keys.bootstrap("Ada Admin")
    with acting_as(person_id):
        written = ledger.organisations.register_organisation("North Trust", "statutory_health")
    assert ledger.keys.authenticate(secret).person_id == person_id
    assert ledger.records.get_organisation(written.id)["name"] == "North Trust"
    assert written.position == ledger.head_position()
