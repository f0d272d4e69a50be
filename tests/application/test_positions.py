"""Every command returns its record's id, new version and ledger position; positions only rise."""

from __future__ import annotations

import functools

from application.core import Written
from tests.application.support import all_notifications, getter, rich_scenario

COMMANDS = [
    "register_organisation", "rename_organisation", "change_organisation_sector",
    "register_person", "change_affiliation", "convene_group", "restate_purpose", "add_member",
    "change_member_role", "remove_member", "close_group", "propose_decision", "record_decision",
    "agree_decision", "reject_decision", "withdraw_decision", "revoke_decision",
    "raise_conflict", "acknowledge_conflict", "add_conflict_note", "resolve_conflict",
    "escalate_conflict", "withdraw_conflict", "propose_principle", "respond_to_principle",
    "agree_principle", "amend_principle", "retire_principle", "define_accountability",
    "offer_handover", "accept_handover", "decline_handover", "withdraw_handover",
    "return_accountability", "retire_accountability",
]  # fmt: skip


def test_an_empty_ledger_is_at_position_zero(ledger):
    assert ledger.head_position() == 0
    assert all_notifications(ledger) == []


def test_every_command_returns_the_id_version_and_position_of_what_it_recorded(ledger):
    returned: list[tuple[str, Written]] = []
    for name in COMMANDS:
        # The service that holds the command (ledger.decisions for agree_decision, ...).
        service = next(s for s in vars(ledger).values() if hasattr(type(s), name))
        command = getattr(service, name)

        @functools.wraps(command)
        def recording(*args, _command=command, _name=name, **kwargs):
            written = _command(*args, **kwargs)
            returned.append((_name, written))
            return written

        setattr(service, name, recording)

    ids = rich_scenario(ledger)
    assert {name for name, _ in returned} == set(COMMANDS)

    positions = [w.position for _, w in returned]
    assert positions == sorted(set(positions)), "positions strictly increase"
    assert positions[-1] == ledger.head_position()

    events = {(str(n.originator_id), n.originator_version): n for n in all_notifications(ledger)}
    previous = 0
    for name, written in returned:
        # The record's event at the returned version was recorded by this very command.
        event = events[(written.id, written.version)]
        assert previous < event.id <= written.position, name
        assert max(n.id for n in events.values() if n.id <= written.position) == written.position
        previous = written.position

    # The version returned last for each record is the version it has now, except that a
    # superseded decision took one more event in the command that agreed its successor.
    last = {w.id: w.version for _, w in returned}
    for kind, kind_ids in ids.items():
        for record_id in kind_ids:
            record = getter(ledger, kind)(record_id)
            extra = 1 if record.get("status") == "superseded" else 0
            assert record["version"] == last[record_id] + extra
