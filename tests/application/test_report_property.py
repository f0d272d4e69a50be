"""Property: the report's holdings and distribution series equal a brute-force replay of the log.

Random histories of accountabilities defined, handed over (offered, then accepted, declined,
withdrawn or left open), returned and retired, and of people changing organisation, with random effective
times (many back-dated before their recording, some before earlier changes, some before the
period). The report is served from the read models; the oracle below reads the raw events
from the event log and applies the valid-time rule in its own words, importing nothing from
the projections or the report:

    in recording order, each change repaints the timeline from its effective time onwards
    with the record's state after that change; a registration paints from the beginning of
    time. The state in effect at a moment is the paint at that moment.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from application.ledger import Ledger
from domain.base import AccordAggregate, AccordError
from interfaces.bootstrap import build_ledger
from tests.application.support import extra
from tests.conftest import acting_as, examples, store_settings

EXAMPLES = {"memory": 150, "sqlite": 40}
BASE = datetime(2023, 1, 1, tzinfo=UTC)
PERIOD_END = datetime(2025, 1, 1, tzinfo=UTC)
BEGINNING = datetime.min.replace(tzinfo=UTC)
SECTORS = ("statutory_health", "local_authority", "lived_experience")

# From three months before the period to after it; None (a third of the time): now.
WHEN = st.builds(
    lambda days, hours: BASE + timedelta(days=days, hours=hours),
    st.integers(-90, 800),
    st.sampled_from([0, 6, 23]),
)
EFFECTIVE = st.one_of(st.none(), WHEN, WHEN)
PARTIES = 12  # six people, three organisations, three groups
DEFINE = st.tuples(st.just("define"), st.integers(0, 2), st.integers(0, PARTIES - 1), EFFECTIVE)
OPERATION = st.one_of(
    DEFINE,
    st.tuples(
        st.just("hand over"),
        st.integers(0, 40),
        st.integers(0, PARTIES - 1),
        st.sampled_from(["accept", "accept", "accept", "decline", "withdraw", "leave open"]),
        EFFECTIVE,  # of the offer
        EFFECTIVE,  # of the acceptance
    ),
    st.tuples(st.just("return"), st.integers(0, 40), EFFECTIVE),
    st.tuples(st.just("retire"), st.integers(0, 40), EFFECTIVE),
    st.tuples(st.just("affiliate"), st.integers(0, 2), st.integers(0, 3), EFFECTIVE),
    st.tuples(st.just("mark")),
)
HISTORY = st.tuples(
    st.lists(DEFINE, min_size=2, max_size=6),
    st.lists(OPERATION, min_size=5, max_size=30),
    st.sampled_from(["month", "quarter"]),
)


# ---------------------------------------------------------------- the oracle


@dataclass(frozen=True)
class Raw:
    """One event as stored in the log."""

    topic: str  # e.g. "Accountability.HandoverAccepted"
    record_id: str
    recorded: datetime
    data: dict[str, Any]

    @property
    def effective(self) -> datetime:
        if self.topic in ("Person.Registered", "Organisation.Registered"):
            return BEGINNING
        own = self.data.get("effective_at")
        return own if isinstance(own, datetime) else self.recorded


def read_log(ledger: Ledger) -> list[Raw]:
    found: list[Raw] = []
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start, 200)
        for notification in page:
            event = ledger.mapper.to_domain_event(notification)
            assert isinstance(event, AccordAggregate.Event)
            found.append(
                Raw(
                    topic=type(event).TOPIC.removeprefix("accord."),
                    record_id=str(event.originator_id),
                    recorded=event.timestamp,
                    data=dict(vars(event)),
                )
            )
        if len(page) < 200:
            return found
        start = page[-1].id + 1


@dataclass
class Painted:
    """A record's timeline: each change repaints from its effective time onwards."""

    strokes: list[tuple[datetime, Any]] = field(default_factory=list)

    def paint(self, effective: datetime, state: Any) -> None:
        self.strokes = [(s, v) for s, v in self.strokes if s < effective] + [(effective, state)]

    def at(self, moment: datetime) -> Any:
        found = None
        for start, state in self.strokes:
            if start <= moment:
                found = state
        return found


@dataclass
class Replay:
    accountabilities: dict[str, Painted] = field(default_factory=dict)
    affiliations: dict[str, Painted] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)


def replay(log: list[Raw], as_of: datetime | None) -> Replay:
    world = Replay()
    latest: dict[str, dict[str, Any]] = {}
    for raw in log:
        if as_of is not None and raw.recorded > as_of:
            continue
        kind, name = raw.topic.split(".", 1)
        if raw.topic == "Organisation.Registered":
            world.sectors[raw.record_id] = raw.data["sector"]
        elif raw.topic in ("Person.Registered", "Person.AffiliationChanged"):
            line = world.affiliations.setdefault(raw.record_id, Painted())
            line.paint(raw.effective, raw.data["organisation_id"])
        elif raw.topic == "Group.Convened":
            world.parents[raw.record_id] = raw.data["parent_group_id"]
        elif kind == "Accountability":
            state = dict(latest.get(raw.record_id, {}))
            if name == "Defined":
                holder = raw.data["holder"]
                state = {
                    "group": raw.data["group_id"],
                    "holder": (holder["kind"], holder["id"]),
                    "active": True,
                }
            elif name in ("HandoverAccepted", "Returned"):
                state["holder"] = (raw.data["to"]["kind"], raw.data["to"]["id"])
            elif name == "Retired":
                state["active"] = False
            latest[raw.record_id] = state
            line = world.accountabilities.setdefault(raw.record_id, Painted())
            line.paint(raw.effective, state)
    return world


def scope_of(world: Replay, group: str | None, include_subgroups: bool) -> set[str] | None:
    if group is None:
        return None
    scope = {group}
    while include_subgroups:
        more = {child for child, parent in world.parents.items() if parent in scope} - scope
        if not more:
            break
        scope |= more
    return scope


def held_at(world: Replay, groups: set[str] | None, moment: datetime) -> list[tuple[str, str]]:
    held = []
    for line in world.accountabilities.values():
        state = line.at(moment)
        if state and state["active"] and (groups is None or state["group"] in groups):
            held.append(state["holder"])
    return held


def organisation_at(world: Replay, holder: tuple[str, str], moment: datetime) -> str | None:
    kind, holder_id = holder
    if kind == "organisation":
        return holder_id
    if kind == "person" and holder_id in world.affiliations:
        return world.affiliations[holder_id].at(moment)
    return None


def expected_holdings(world: Replay, groups: set[str] | None, moment: datetime) -> dict[str, Any]:
    held = held_at(world, groups, moment)
    organisations: Counter[str] = Counter()
    sectors: Counter[str] = Counter()
    for holder in held:
        org = organisation_at(world, holder, moment)
        label = org or ("(a group)" if holder[0] == "group" else "(no organisation)")
        organisations[label] += 1
        sectors[world.sectors.get(org, label) if org else label] += 1
    return {
        "accountabilities": len(held),
        "by_holder": dict(Counter(held)),
        "by_holder_kind": dict(Counter(kind for kind, _ in held)),
        "by_organisation": dict(organisations),
        "by_sector": dict(sectors),
    }


def gini_by_pairs(values: list[int]) -> float:
    n = len(values)
    if n < 2 or sum(values) == 0:
        return 0.0
    mean = sum(values) / n
    return sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)


def hhi_by_percent(counts: Counter[Any]) -> float:
    total = sum(counts.values())
    return sum((100.0 * c / total) ** 2 for c in counts.values()) if total else 0.0


def expected_point(world: Replay, groups: set[str] | None, moment: datetime) -> dict[str, Any]:
    held = held_at(world, groups, moment)
    holders = Counter(held)
    organisations: Counter[str] = Counter()
    for holder in held:
        org = organisation_at(world, holder, moment)
        if org is not None:
            organisations[org] += 1
    sectors: Counter[str] = Counter()
    for org, n in organisations.items():
        sectors[world.sectors[org]] += n
    return {
        "accountabilities": len(held),
        "holders": len(holders),
        "organisations": len(organisations),
        "sectors": len(sectors),
        "largest_holder_share": max(holders.values()) / len(held) if held else 0.0,
        "hhi_holders": hhi_by_percent(holders),
        "hhi_organisations": hhi_by_percent(organisations),
        "gini_holders": gini_by_pairs(list(holders.values())),
        "sector_shares": {s: n / sum(sectors.values()) for s, n in sectors.items()},
    }


def expected_points(interval: str) -> list[datetime]:
    step = 1 if interval == "month" else 3
    months = range(0, 24 + 1, step)
    return [datetime(2023 + m // 12, m % 12 + 1, 1, tzinfo=UTC) for m in months]


# ---------------------------------------------------------------- comparing


def served_holdings(holdings: dict[str, Any]) -> dict[str, Any]:
    return {
        "accountabilities": holdings["accountabilities"],
        "by_holder": {
            (r["holder_kind"], r["holder_id"]): r["count"] for r in holdings["by_holder"]
        },
        "by_holder_kind": holdings["by_holder_kind"],
        "by_organisation": {r["organisation_id"]: r["count"] for r in holdings["by_organisation"]},
        "by_sector": {r["sector"]: r["count"] for r in holdings["by_sector"]},
    }


ROUNDING = {"largest_holder_share": 4, "gini_holders": 4, "hhi_holders": 1, "hhi_organisations": 1}


def assert_point_matches(served: dict[str, Any], expected: dict[str, Any], context: Any) -> None:
    for key in ("accountabilities", "holders", "organisations", "sectors"):
        assert served[key] == expected[key], (key, context, served, expected)
    for key, places in ROUNDING.items():
        assert served[key] == pytest.approx(expected[key], abs=0.51 * 10**-places), (
            key,
            context,
            served,
            expected,
        )
    assert served["sector_shares"].keys() == expected["sector_shares"].keys(), context
    for sector, share in expected["sector_shares"].items():
        assert served["sector_shares"][sector] == pytest.approx(share, abs=5.1e-5), context


def assert_report_matches(
    ledger: Ledger,
    log: list[Raw],
    group: str | None,
    include_subgroups: bool,
    interval: str,
    as_of: datetime | None,
) -> None:
    report = ledger.reports.accountability_report(
        group, include_subgroups, start=BASE, end=PERIOD_END, as_of=as_of, interval=interval
    )
    world = replay(log, as_of)
    groups = scope_of(world, group, include_subgroups)
    context = (group, include_subgroups, as_of)
    assert (sorted(groups) if groups is not None else None) == report["scope"]["groups"]
    assert served_holdings(report["holdings"]) == expected_holdings(world, groups, PERIOD_END), (
        context
    )
    points = [p["at"] for p in report["distribution"]]
    assert points == expected_points(interval)
    for served in report["distribution"]:
        expected = expected_point(world, groups, served["at"])
        assert_point_matches(served, expected, (*context, served["at"]))


# ---------------------------------------------------------------- the histories


@dataclass
class Cast:
    organisations: list[str]
    people: list[str]  # three who move between organisations, then one agent per organisation
    groups: list[str]  # a parent, its sub-group, and a group of its own
    accountabilities: list[str] = field(default_factory=list)
    marks: list[datetime] = field(default_factory=list)

    def party(self, index: int) -> dict[str, str]:
        if index < 6:
            return {"kind": "person", "id": self.people[index]}
        if index < 9:
            return {"kind": "organisation", "id": self.organisations[index - 6]}
        return {"kind": "group", "id": self.groups[index - 9]}

    def recipient(self, to: dict[str, str]) -> str:
        """Someone on the recipient side of a handover to `to`."""
        if to["kind"] == "person":
            return to["id"]
        if to["kind"] == "organisation":
            return self.people[3 + self.organisations.index(to["id"])]  # its agent
        return self.people[0]  # everyone is a member of every group


def set_up(ledger: Ledger) -> Cast:
    organisations = [
        ledger.organisations.register_organisation(f"Organisation {n}", sector).id
        for n, sector in enumerate(SECTORS)
    ]
    movers = [
        ledger.people.register_person("Mover 0", None, organisations[0]).id,
        ledger.people.register_person("Mover 1", None, organisations[1]).id,
        ledger.people.register_person("Mover 2").id,
    ]
    agents = [
        ledger.people.register_person(f"Agent {n}", None, o).id for n, o in enumerate(organisations)
    ]
    long_ago = BASE - timedelta(days=1000)
    parent = ledger.groups.convene_group("Parent", "k", "p", None, long_ago).id
    child = ledger.groups.convene_group("Child", "k", "p", parent, long_ago).id
    apart = ledger.groups.convene_group("Apart", "k", "p", None, long_ago).id
    people = movers + agents
    for group in (parent, child, apart):
        for person in people:
            ledger.groups.add_member(group, person, "member", long_ago)
    return Cast(organisations, people, [parent, child, apart])


def run(ledger: Ledger, cast: Cast, operation: tuple[Any, ...]) -> None:
    name = operation[0]
    if name == "mark":
        time.sleep(0.002)
        cast.marks.append(datetime.now(UTC))
        time.sleep(0.002)
        return
    if name == "define":
        _, group, holder, when = operation
        written = ledger.accountabilities.define_accountability(
            cast.groups[group], "Work", cast.party(holder), None, when
        )
        cast.accountabilities.append(written.id)
        return
    if name == "affiliate":
        _, mover, organisation, when = operation
        target = cast.organisations[organisation] if organisation < 3 else None
        ledger.people.change_affiliation(cast.people[mover], target, when)
        return
    if not cast.accountabilities:
        return
    work = cast.accountabilities[operation[1] % len(cast.accountabilities)]
    if name == "return":
        ledger.accountabilities.return_accountability(work, None, operation[2])
    elif name == "retire":
        ledger.accountabilities.retire_accountability(work, None, operation[2])
    else:
        _, _, to_index, outcome, offered, when = operation
        to = cast.party(to_index)
        handover = extra(ledger.accountabilities.offer_handover(work, to, None, None, offered))[
            "handover_id"
        ]
        if outcome == "accept":
            with acting_as(cast.recipient(to)):
                ledger.accountabilities.accept_handover(work, handover, when)
        elif outcome == "decline":
            with acting_as(cast.recipient(to)):
                ledger.accountabilities.decline_handover(work, handover)
        elif outcome == "withdraw":
            ledger.accountabilities.withdraw_handover(work, handover)


@contextmanager
def fresh_ledger(store: str, request: pytest.FixtureRequest) -> Iterator[Ledger]:
    directory = Path(tempfile.mkdtemp(prefix="accord-report-property-"))
    try:
        with store_settings(store, directory, request) as settings:
            ledger = build_ledger(settings)
            try:
                yield ledger
            finally:
                ledger.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("store", list(EXAMPLES))
def test_the_reports_holdings_and_distribution_equal_a_replay_of_the_raw_events(store, request):
    attempted: list[int] = []

    @hypothesis_settings(
        max_examples=examples(EXAMPLES[store]),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(history=HISTORY)
    def check(history: tuple[list[Any], list[Any], str]) -> None:
        defined, operations, interval = history
        with fresh_ledger(store, request) as ledger:
            cast = set_up(ledger)
            for operation in defined + operations:
                # A step the rules refuse records nothing; the history goes on.
                with suppress(AccordError):
                    run(ledger, cast, operation)
            attempted.append(len(cast.accountabilities))
            log = read_log(ledger)
            parent = cast.groups[0]
            for group, include in ((None, False), (parent, False), (parent, True)):
                assert_report_matches(ledger, log, group, include, interval, None)
            if cast.marks:
                assert_report_matches(ledger, log, None, False, interval, cast.marks[-1])
                assert_report_matches(ledger, log, parent, True, interval, cast.marks[0])

    check()
    # The histories did hold accountabilities (the property is not vacuously true).
    assert sum(1 for n in attempted if n > 0) >= len(attempted) // 2, attempted
