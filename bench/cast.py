"""The recording benchmark's ledger: a group, three members (two with keys), accountabilities
to hand over, and the HTTP figures of one server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from application.ledger import Ledger
from bench.wrk import (
    KINDS,
    decision_script,
    handover_script,
    health_script,
    run_wrk,
)
from tests.conftest import acting_as

# The ledger's cast: a group, three members, two of them with keys.


@dataclass
class Cast:
    group: str
    people: list[str]
    keys: dict[str, str]  # person id -> API key
    state_bytes: int  # the stored size of a recorded decision's event


def prepare(ledger: Ledger) -> Cast:
    admin, _, _ = ledger.keys.bootstrap("Benchmark Administrator", "admin@example.org")
    with acting_as(admin):
        organisation = ledger.organisations.register_organisation(
            "Riverside Integrated Care Board", "commissioner"
        ).id
        people = [
            ledger.people.register_person(f"Member {n}", f"member{n}@example.org", organisation).id
            for n in (1, 2, 3)
        ]
        group = ledger.groups.convene_group(
            "Community Hub Design Team", "design team", "To agree how the hub takes referrals."
        ).id
        for person in people:
            ledger.groups.add_member(group, person)
        keys = {
            person: ledger.keys.create_key(person, "member", "benchmark")[1]
            for person in people[:2]
        }
    with acting_as(people[0]):
        record_decision(ledger, group, people)
    head = ledger.head_position()
    (notification,) = ledger.recorder.select_notifications(head, 1)
    return Cast(group, people, keys, len(notification.state))


def record_decision(ledger: Ledger, group: str, people: list[str]) -> None:
    ledger.decisions.record_decision(
        group,
        "Open access to the community hub",
        "The hub takes self-referrals from the first of next month.",
        {"method": "consent", "participants": people},
        rationale="Referrals through the GP practice delay people by weeks.",
    )


def accountabilities(ledger: Ledger, cast: Cast, threads: int, connections: int) -> list[list[str]]:
    """Fresh accountabilities held by the first member, for each wrk thread: twice as many
    as its connections and four more, so that one is always queued for each connection."""
    per_thread = 2 * (connections // threads) + 4
    holder = {"kind": "person", "id": cast.people[0]}
    with acting_as(cast.people[0]):
        return [
            [
                ledger.accountabilities.define_accountability(
                    cast.group, "Run the referral pathway", holder
                ).id
                for _ in range(per_thread)
            ]
            for _ in range(threads)
        ]


def http_figures(
    wrk: str,
    base: str,
    ledger: Ledger,
    cast: Cast,
    connections: int,
    seconds: int,
    warmup: int,
    directory: Path,
) -> dict[str, Any]:
    """/health, a decision, a handover: each a warm-up run then a measured run, in turn."""
    first, second = cast.people[0], cast.people[1]
    results: dict[str, Any] = {}
    for kind in KINDS:
        measured: dict[str, Any] = {}
        for duration in (warmup, seconds) if warmup else (seconds,):
            if kind == "health":
                url, script = f"{base}/health", health_script()
            elif kind == "decision":
                url = f"{base}/groups/{cast.group}/decisions"
                script = decision_script(cast.keys[first], cast.people)
            else:
                pools = accountabilities(ledger, cast, min(connections, 2), connections)
                url, script = base, handover_script(pools, first, second, cast.keys)
            measured = run_wrk(wrk, url, script, connections, duration, directory)
        results[kind] = measured
    return results
