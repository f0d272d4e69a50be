"""A realistic ledger, generated quickly: the real aggregates, many steps per transaction.

Each step does what one Accord command does: the same domain methods, so the same rules,
acting as a member of the group. Instead of one transaction per command, the events of a
few hundred steps are saved with one `ledger.save(...)`, in the order they happened, with
the record-index rows `Ledger._save` would write and the snapshots the library takes.

The events carry simulated recorded times (the library's clock is replaced while
generating), and many changes are back-dated: their effective time is earlier than their
recording, as when minutes are typed up after a meeting.

A bigger ledger is a bigger programme, not one group growing without bound: each group
records about EVENTS_PER_GROUP_YEAR events a year (busier groups up to 1.5 times the
mean), the history lengthens with the ledger's size (1 year at 10,000 events, 2 at 100,000,
3 at 1,000,000, at most MAX_YEARS), and the number of groups makes up the rest (10, 50,
about 330), with organisations in regions of 12 and people in proportion. What a group
has in force stays bounded too, as in a working partnership: past MAX_AGREED decisions in
effect a new agreement supersedes an old one, past MAX_ACCOUNTABILITIES a group retires
one instead of defining another, and so on for open proposals, conflicts and principles.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import eventsourcing.domain as es_domain

from application.ledger import Ledger
from domain.accountability import Accountability
from domain.base import AccordAggregate, AccordError, current_actor
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person
from domain.principle import Principle

TAIL = timedelta(days=30)  # the history ends about this long ago
BATCH = 1000  # events per ledger.save()
EVENTS_PER_GROUP_YEAR = 1000
MAX_YEARS = 5
REGION = 20  # groups per region, each region with its own organisations
MAX_MEMBERS = 28
MAX_PROPOSED = 20
MAX_AGREED = 40
MAX_OPEN_CONFLICTS = 15
MAX_PRINCIPLES = 12
MAX_ACCOUNTABILITIES = 30


def years_for(target: int) -> int:
    """1 year of history at 10,000 events, one more for each tenfold, at most MAX_YEARS."""
    return max(1, min(MAX_YEARS, 1 + round(math.log10(max(target, 10_000) / 10_000))))


def groups_for(target: int) -> int:
    return max(4, round(target / (EVENTS_PER_GROUP_YEAR * years_for(target))))


AREAS = [
    "discharge planning",
    "community mental health",
    "the frailty pathway",
    "primary care access",
    "hospital at home",
    "support for carers",
    "children's services",
    "data sharing",
    "workforce wellbeing",
    "housing and health",
    "shared estates",
    "digital inclusion",
    "health inequalities",
    "urgent care",
    "prevention",
    "end of life care",
]
VERBS = ["Adopt", "Pilot", "Fund", "Pause", "Extend", "Review", "Merge", "Commission", "Stop"]
THINGS = [
    "a shared caseload review",
    "the joint triage rota",
    "weekly multi-agency huddles",
    "a single referral form",
    "the peer support scheme",
    "a community connector role",
    "the evaluation framework",
    "the outcomes dashboard",
    "a lived-experience panel",
    "the pooled budget arrangement",
    "a shared care record pilot",
    "the out-of-hours escalation route",
]
PRINCIPLES = [
    "Decisions are taken as close as possible to the people they affect.",
    "Anyone affected by a decision can raise an objection before it is agreed.",
    "We share information by default and withhold it only for a stated reason.",
    "People with lived experience take part from the start, not at the end.",
    "We fund what works across organisations, not what suits one budget.",
    "Every accountability has one named holder at any time.",
    "We review each agreed decision within a year of it taking effect.",
    "Disagreement is welcome; it is worked through in the open.",
]
GROUP_NAMES = [
    ("System Leadership Board", "coordinating group"),
    ("Frailty Transformation Group", "transformation group"),
    ("Mental Health Alliance", "transformation group"),
    ("Children and Families Partnership", "transformation group"),
    ("Primary Care Collaborative", "transformation group"),
    ("Urgent Care Design Team", "design team"),
    ("Discharge to Assess Team", "design team"),
    ("Carers' Voice Panel", "community of practice"),
    ("Data and Digital Group", "working group"),
    ("Workforce Wellbeing Circle", "community of practice"),
    ("Estates Working Group", "working group"),
    ("Health Inequalities Forum", "transformation group"),
    ("Neighbourhood Team North", "design team"),
    ("Neighbourhood Team South", "design team"),
    ("Neighbourhood Team East", "design team"),
    ("End of Life Care Network", "community of practice"),
    ("Prevention Programme Board", "coordinating group"),
    ("Housing and Health Group", "working group"),
    ("Finance and Pooled Budgets Group", "working group"),
    ("Evaluation and Learning Group", "working group"),
]
ORGANISATIONS = [
    ("Riverside University Hospitals NHS Trust", "statutory_health"),
    ("Northfield Community Health NHS Trust", "statutory_health"),
    ("Mid Vale Mental Health Foundation Trust", "statutory_health"),
    ("Riverside Central Primary Care Network", "primary_care"),
    ("Eastbrook Primary Care Network", "primary_care"),
    ("Riverside City Council", "local_authority"),
    ("Vale District Council", "local_authority"),
    ("Riverside Integrated Care Board", "commissioner"),
    ("Age Well Riverside", "vcse"),
    ("Carers Together", "vcse"),
    ("Riverside Housing Association", "vcse"),
    ("Voices of Experience Collective", "lived_experience"),
]
FIRST = ["Amara", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hamid", "Ines", "Jon"]
LAST = ["Adeyemi", "Brown", "Chen", "Davies", "Evans", "Fraser", "Gupta", "Hughes", "Iqbal"]

# Steps and their relative frequency; a step whose preconditions do not hold records nothing.
STEPS: dict[str, float] = {
    "join": 4.0,
    "leave": 1.8,
    "change_role": 1.2,
    "restate_purpose": 0.3,
    "propose_decision": 10.0,
    "agree_decision": 8.0,
    "reject_decision": 1.0,
    "withdraw_decision": 1.0,
    "revoke_decision": 1.5,
    "raise_conflict": 4.0,
    "acknowledge_conflict": 4.0,
    "add_note": 10.0,
    "resolve_conflict": 3.0,
    "escalate_conflict": 0.4,
    "withdraw_conflict": 0.6,
    "propose_principle": 1.2,
    "respond_to_principle": 5.0,
    "agree_principle": 1.0,
    "amend_principle": 1.0,
    "retire_principle": 0.6,
    "define_accountability": 1.5,
    "offer_handover": 4.0,
    "accept_handover": 3.2,
    "decline_handover": 0.5,
    "withdraw_handover": 0.4,
    "return_accountability": 0.6,
    "retire_accountability": 0.8,
    "register_person": 0.4,
    "change_affiliation": 0.6,
    "rename_organisation": 0.05,
}


class SimulatedClock:
    """Stands in for the library's clock: every event is 1 ms after the one before,
    and `advance()` moves time on between steps (exponential gaps, like arrivals)."""

    def __init__(self, start: datetime, seconds_per_event: float, rng: random.Random) -> None:
        self.now = start
        self.mean = seconds_per_event
        self.rng = rng

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, events: int) -> None:
        if events > 0:
            self.now += timedelta(seconds=self.rng.gammavariate(events, self.mean))


@contextmanager
def simulated_time(clock: SimulatedClock) -> Iterator[None]:
    """Every event (and snapshot) created inside takes its timestamp from `clock`."""
    original = es_domain.datetime_now_with_tzinfo
    es_domain.datetime_now_with_tzinfo = clock
    try:
        yield
    finally:
        es_domain.datetime_now_with_tzinfo = original


@dataclass
class GroupWork:
    group: Group
    weight: float
    proposed: list[Decision] = field(default_factory=list)
    agreed: list[Decision] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    drafts: list[Principle] = field(default_factory=list)
    principles: list[Principle] = field(default_factory=list)
    accountabilities: list[Accountability] = field(default_factory=list)


@dataclass
class Dataset:
    """What the benchmark needs to know about the ledger it reads."""

    admin_key: str
    groups: list[tuple[str, datetime]]  # (id, when the group's first event was recorded)
    first_recorded: datetime
    last_recorded: datetime
    events: int
    by_type: dict[str, int]
    backdated: int
    records: dict[str, int]
    refused: int = 0


class Generator:
    def __init__(self, ledger: Ledger, target: int, seed: int) -> None:
        self.ledger = ledger
        self.target = target
        self.rng = random.Random(seed)
        span = timedelta(days=365 * years_for(target)) + TAIL
        self.groups = groups_for(target)
        start = datetime.now(UTC) - span
        self.clock = SimulatedClock(start, (span - TAIL).total_seconds() / target, self.rng)
        self.pending: list[Any] = []
        self.touched: dict[Any, AccordAggregate] = {}
        self.total = 0
        self.by_type: Counter[str] = Counter()
        self.backdated = 0
        self.records: Counter[str] = Counter()
        self.organisations: list[Organisation] = []
        self.people: list[Person] = []
        self.person: dict[str, Person] = {}
        self.work: list[GroupWork] = []
        self.work_of: dict[str, GroupWork] = {}
        self.open_work: list[GroupWork] = []
        self.open_weights: list[float] = []
        self.staff: dict[str, set[str]] = {}
        self.admin_id = ""
        self.admin_key = ""
        self.closed_one = False
        self.refused = 0

    # Recording.

    def record(self, *aggregates: AccordAggregate) -> None:
        """Take the new events of a step, in order, for the next ledger.save()."""
        count = 0
        for aggregate in aggregates:
            events = aggregate.collect_events()
            for event in events:
                self.by_type[type(event).TOPIC.removeprefix("accord.")] += 1
                if event.originator_version == 1:
                    self.records[type(aggregate).__name__] += 1
            self.pending.extend(events)
            self.touched[aggregate.id] = aggregate
            count += len(events)
        self.total += count
        self.clock.advance(count)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        aggregates = list(self.touched.values())
        rows = [r for a in aggregates if (r := Ledger._index_row(a)) is not None]
        # Events first, in the order they happened; the aggregates (nothing pending now)
        # are passed too, so that the library takes its snapshots as after any save.
        self.ledger.save(*self.pending, *aggregates, index_rows=rows)
        self.pending = []
        self.touched = {}

    def when(self, chance: float, max_days: float) -> datetime:
        """Now, or (with `chance`) back-dated by up to `max_days`."""
        if self.rng.random() < chance:
            self.backdated += 1
            return self.clock.now - timedelta(days=self.rng.uniform(0.1, max_days))
        return self.clock.now

    @staticmethod
    def act_as(person_id: str | None) -> None:
        current_actor.set(person_id)

    # The ledger.

    def run(self) -> Dataset:
        token = current_actor.set(None)
        try:
            with simulated_time(self.clock):
                first = self.clock.now
                self.setup()
                steps, weights = list(STEPS), list(STEPS.values())
                while self.total < self.target:
                    if not self.closed_one and self.total >= 0.85 * self.target:
                        self.close_a_group()
                    self.step(self.rng.choices(steps, weights)[0])
                self.flush()
                last = self.clock.now
        finally:
            current_actor.reset(token)
        return Dataset(
            admin_key="",
            groups=[(str(w.group.id), w.group.created_on) for w in self.work],
            first_recorded=first,
            last_recorded=last,
            events=self.ledger.head_position(),
            by_type=dict(sorted(self.by_type.items())),
            backdated=self.backdated,
            records=dict(sorted(self.records.items())),
        )

    def setup(self) -> None:
        rng = self.rng
        # The first administrator, through the command (one event), as on a new ledger.
        self.admin_id, _, self.admin_key = self.ledger.bootstrap(
            "Benchmark Administrator", "admin@example.org"
        )
        self.total = self.ledger.head_position()
        self.act_as(self.admin_id)
        regions = math.ceil(self.groups / REGION)
        for region in range(regions):
            for name, sector in ORGANISATIONS:
                organisation = Organisation.register(
                    name if regions == 1 else f"{name}, region {region + 1}", sector
                )
                self.organisations.append(organisation)
                self.record(organisation)
        for _ in range(max(40, min(20 * self.groups, self.target // 100))):
            self.register_person()
        for index in range(self.groups):
            name, kind = GROUP_NAMES[index % len(GROUP_NAMES)]
            if self.groups > len(GROUP_NAMES):
                name = f"{name}, region {index // len(GROUP_NAMES) + 1}"
            convener = rng.choice(self.people)
            parent = None if index == 0 else rng.choice(self.work[: max(1, index // 3)]).group
            self.act_as(str(convener.id))
            group = Group.convene(
                name,
                kind,
                f"To bring together everyone working on {rng.choice(AREAS)} and "
                f"{rng.choice(AREAS)}, and to agree how we share the work.",
                parent,
                str(convener.id),
                self.when(0.5, 90),
            )
            self.record(group)
            # Bounded activity: the busiest groups record 3 times as much as the quietest.
            work = GroupWork(group, rng.uniform(0.5, 1.5))
            self.work.append(work)
            self.work_of[str(group.id)] = work
        self.reopen_work()
        for work in self.work:
            for _ in range(rng.randint(4, 12)):
                self.join(work, back_days=60)

    def reopen_work(self) -> None:
        """The open groups and their cumulative weights, for choosing where a step happens."""
        self.open_work = [w for w in self.work if w.group.status == "open"]
        self.open_weights = list(itertools.accumulate(w.weight for w in self.open_work))

    def step(self, name: str) -> None:
        work = self.rng.choices(self.open_work, cum_weights=self.open_weights)[0]
        method: Callable[[GroupWork], None] = getattr(self, name)
        try:
            method(work)
        except AccordError:
            # Refused by the domain (rules are checked before any event is triggered),
            # like a command answering 409 or 422: nothing is recorded.
            self.refused += 1

    def member(self, work: GroupWork, *, voting: bool = False) -> str | None:
        members = [p for p, role in work.group.members.items() if not voting or role != "observer"]
        return self.rng.choice(members) if members else None

    def members(self, work: GroupWork, low: int, high: int) -> list[str]:
        voting = [p for p, role in work.group.members.items() if role != "observer"]
        return self.rng.sample(voting, min(len(voting), self.rng.randint(low, high)))

    def party(self, work: GroupWork) -> dict[str, str]:
        roll = self.rng.random()
        if roll < 0.7 and work.group.members:
            return {"kind": "person", "id": self.rng.choice(list(work.group.members))}
        if roll < 0.85:
            other = self.rng.choice(self.work).group
            return {"kind": "group", "id": str(other.id)}
        return {"kind": "organisation", "id": str(self.rng.choice(self.organisations).id)}

    def text(self) -> tuple[str, str]:
        rng = self.rng
        thing, area = rng.choice(THINGS), rng.choice(AREAS)
        return thing, area

    # People and organisations (recorded by the administrator).

    def register_person(self, _: GroupWork | None = None) -> None:
        rng = self.rng
        self.act_as(self.admin_id)
        number = len(self.people) + 1
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {number}"
        organisation = rng.choice(self.organisations) if rng.random() < 0.9 else None
        person = Person.register(
            name,
            f"person{number}@example.org",
            str(organisation.id) if organisation else None,
        )
        self.people.append(person)
        self.person[str(person.id)] = person
        if organisation is not None:
            self.staff.setdefault(str(organisation.id), set()).add(str(person.id))
        self.record(person)

    def change_affiliation(self, _: GroupWork) -> None:
        self.act_as(self.admin_id)
        person = self.rng.choice(self.people)
        organisation = self.rng.choice(self.organisations)
        if person.organisation_id is not None:
            self.staff.get(str(person.organisation_id), set()).discard(str(person.id))
        person.change_affiliation(str(organisation.id), self.when(0.6, 60))
        self.staff.setdefault(str(organisation.id), set()).add(str(person.id))
        self.record(person)

    def rename_organisation(self, _: GroupWork) -> None:
        self.act_as(self.admin_id)
        organisation = self.rng.choice(self.organisations)
        organisation.rename(organisation.name.split(" (")[0] + f" ({self.clock.now.year})")
        self.record(organisation)

    # Groups and members.

    def join(self, work: GroupWork, back_days: float = 21) -> None:
        group = work.group
        if len(group.members) >= MAX_MEMBERS:
            return
        candidates = [p for p in self.rng.sample(self.people, 8) if str(p.id) not in group.members]
        if not candidates:
            return
        self.act_as(self.member(work, voting=True))
        role = self.rng.choices(["member", "observer", "convener"], [80, 15, 5])[0]
        group.join(str(candidates[0].id), role, self.when(0.35, back_days))
        self.record(group)

    def leave(self, work: GroupWork) -> None:
        if len(work.group.members) <= 4:
            return
        person_id = self.member(work)
        assert person_id is not None
        self.act_as(person_id)
        work.group.leave(person_id, self.when(0.3, 14))
        self.record(work.group)

    def change_role(self, work: GroupWork) -> None:
        person_id = self.member(work)
        if person_id is None:
            return
        roles = [
            r for r in ("member", "observer", "convener") if r != work.group.members[person_id]
        ]
        self.act_as(self.member(work, voting=True))
        work.group.change_role(person_id, self.rng.choice(roles), self.when(0.3, 14))
        self.record(work.group)

    def restate_purpose(self, work: GroupWork) -> None:
        thing, area = self.text()
        self.act_as(self.member(work, voting=True))
        work.group.restate_purpose(
            f"To improve {area} for the people we serve, starting with {thing}.",
            self.when(0.4, 30),
        )
        self.record(work.group)

    def close_a_group(self) -> None:
        self.closed_one = True
        work = self.work[-1]
        self.act_as(self.member(work, voting=True))
        work.group.close(
            "Its work is done; what remains moves to its parent group.", self.when(0.5, 14)
        )
        self.record(work.group)
        self.reopen_work()

    # Decisions.

    def propose_decision(self, work: GroupWork) -> None:
        rng = self.rng
        if len(work.proposed) >= MAX_PROPOSED:
            self.agree_decision(work)
            return
        proposer = self.member(work, voting=True)
        self.act_as(proposer)
        thing, area = self.text()
        verb = rng.choice(VERBS)
        decision = Decision.propose(
            work.group,
            f"{verb} {thing} for {area}",
            f"We will {verb.lower()} {thing} for {area} from next month, with the leads of "
            f"{rng.choice(AREAS)} and {rng.choice(AREAS)}, and report back at the review.",
            context=(
                f"Raised at the last meeting after feedback on {rng.choice(AREAS)}."
                if rng.random() < 0.6
                else None
            ),
            rationale=(
                "It frees staff time and removes a duplicated hand-off between services."
                if rng.random() < 0.5
                else None
            ),
            proposed_by=proposer,
        )
        work.proposed.append(decision)
        self.record(decision)

    def agree_decision(self, work: GroupWork) -> None:
        rng = self.rng
        if not work.proposed:
            return
        decision = work.proposed[0] if rng.random() < 0.7 else rng.choice(work.proposed)
        participants = self.members(work, 3, 9)
        if not participants:
            return
        when = self.when(0.4, 10)
        organisations = [
            o for p in participants if (o := self.person[p].organisation_at(when)) is not None
        ]
        objections = (
            [{"person_id": participants[-1], "reason": "The evidence from the pilot is thin."}]
            if rng.random() < 0.1
            else []
        )
        principles = rng.sample(work.principles, min(len(work.principles), rng.randint(0, 2)))
        earlier = [
            d for d in work.agreed[-30:] if d.effective_at is not None and d.effective_at <= when
        ]
        crowded = len(work.agreed) >= MAX_AGREED
        supersedes = [rng.choice(earlier)] if earlier and (crowded or rng.random() < 0.5) else []
        self.act_as(participants[0])
        decision.agree(
            work.group,
            rng.choice(["consent", "consent", "consensus", "vote", "delegated_authority"]),
            participants,
            organisations,
            objections,
            principles,
            supersedes,
            when,
            (when + timedelta(days=365)).date() if rng.random() < 0.3 else None,
        )
        work.proposed.remove(decision)
        work.agreed.append(decision)
        for old in supersedes:
            work.agreed.remove(old)
        self.record(decision, *supersedes)

    def reject_decision(self, work: GroupWork) -> None:
        if work.proposed:
            decision = self.rng.choice(work.proposed)
            self.act_as(self.member(work, voting=True))
            decision.reject(work.group, "Not the right time; revisit after the evaluation.")
            work.proposed.remove(decision)
            self.record(decision)

    def withdraw_decision(self, work: GroupWork) -> None:
        if work.proposed:
            decision = self.rng.choice(work.proposed)
            self.act_as(decision.proposed_by or self.member(work, voting=True))
            decision.withdraw(work.group, None)
            work.proposed.remove(decision)
            self.record(decision)

    def revoke_decision(self, work: GroupWork) -> None:
        if work.agreed:
            decision = self.rng.choice(work.agreed)
            self.act_as(self.member(work, voting=True))
            decision.revoke(work.group, "It did not work as intended.", self.when(0.3, 14))
            work.agreed.remove(decision)
            self.record(decision)

    # Conflicts.

    def raise_conflict(self, work: GroupWork) -> None:
        if len(work.conflicts) >= MAX_OPEN_CONFLICTS:
            self.resolve_conflict(work)
            return
        raised_by = self.member(work)
        if raised_by is None:
            return
        thing, area = self.text()
        self.act_as(raised_by)
        parties = [self.party(work) for _ in range(self.rng.randint(1, 3))]
        conflict = Conflict.raise_conflict(
            work.group,
            raised_by,
            parties,
            f"Tension over {thing} in {area}",
            f"Teams disagree about who does what in {area}; referrals are bouncing back "
            "and people are waiting longer than they should.",
        )
        work.conflicts.append(conflict)
        self.record(conflict)

    def acknowledge_conflict(self, work: GroupWork) -> None:
        raised = [c for c in work.conflicts if c.status == "raised"]
        if raised:
            self.act_as(self.member(work, voting=True))
            conflict = raised[0]
            conflict.acknowledge(work.group, "Heard; we will work this through together.")
            self.record(conflict)

    def add_note(self, work: GroupWork) -> None:
        working = [c for c in work.conflicts if c.status != "raised"]
        if working:
            conflict = self.rng.choice(working)
            self.act_as(self.member(work))
            conflict.add_note(
                work.group,
                str(uuid4()),
                f"Met with the parties on {self.clock.now:%d %B}; agreed next steps on "
                f"{self.rng.choice(THINGS)} and a check-in in two weeks.",
            )
            self.record(conflict)

    def _close_conflict(self, work: GroupWork) -> Conflict | None:
        working = [c for c in work.conflicts if c.status != "raised"]
        if not working:
            return None
        self.act_as(self.member(work, voting=True))
        return self.rng.choice(working)

    def resolve_conflict(self, work: GroupWork) -> None:
        conflict = self._close_conflict(work)
        if conflict is not None:
            decision = (
                self.rng.choice(work.agreed) if work.agreed and self.rng.random() < 0.3 else None
            )
            conflict.resolve(
                work.group,
                "The parties agreed a shared protocol and a named contact on each side.",
                decision,
                self.when(0.3, 7),
            )
            work.conflicts.remove(conflict)
            self.record(conflict)

    def escalate_conflict(self, work: GroupWork) -> None:
        conflict = self._close_conflict(work)
        parent_id = work.group.parent_group_id
        if conflict is not None and parent_id is not None:
            parent = self.work_of[parent_id].group
            conflict.escalate(work.group, parent, "It needs a decision across organisations.")
            work.conflicts.remove(conflict)
            self.record(conflict)

    def withdraw_conflict(self, work: GroupWork) -> None:
        conflict = self._close_conflict(work)
        if conflict is not None:
            conflict.withdraw(work.group, "Settled informally.")
            work.conflicts.remove(conflict)
            self.record(conflict)

    # Principles.

    def propose_principle(self, work: GroupWork) -> None:
        if len(work.drafts) >= MAX_PROPOSED:
            self.agree_principle(work)
            return
        self.act_as(self.member(work, voting=True))
        principle = Principle.propose(
            work.group,
            self.rng.choice(PRINCIPLES),
            f"Learned from our work on {self.rng.choice(AREAS)}.",
        )
        work.drafts.append(principle)
        self.record(principle)

    def respond_to_principle(self, work: GroupWork) -> None:
        if not work.drafts:
            return
        principle = self.rng.choice(work.drafts)
        pending = [p for p in work.group.members if p not in principle.stances]
        if not pending:
            return
        person_id = self.rng.choice(pending)
        self.act_as(person_id)
        if self.rng.random() < 0.85:
            principle.respond(work.group, person_id, "endorse", None)
        else:
            principle.respond(work.group, person_id, "object", "The wording is too vague to test.")
        self.record(principle)

    def agree_principle(self, work: GroupWork) -> None:
        if len(work.principles) >= MAX_PRINCIPLES:
            self.retire_principle(work)
            return
        ready = [p for p in work.drafts if len(p.endorsers) >= 2]
        if ready:
            principle = ready[0]
            self.act_as(self.member(work, voting=True))
            principle.agree(work.group, self.when(0.3, 14))
            work.drafts.remove(principle)
            work.principles.append(principle)
            self.record(principle)

    def amend_principle(self, work: GroupWork) -> None:
        if work.principles:
            principle = self.rng.choice(work.principles)
            self.act_as(self.member(work, voting=True))
            principle.amend(
                work.group,
                principle.statement.rstrip(".") + f", including in {self.rng.choice(AREAS)}.",
                "Made explicit after a review.",
                self.when(0.3, 14),
            )
            self.record(principle)

    def retire_principle(self, work: GroupWork) -> None:
        if work.principles:
            principle = self.rng.choice(work.principles)
            self.act_as(self.member(work, voting=True))
            principle.retire(
                work.group, "Superseded by the partnership's shared values.", self.when(0.3, 14)
            )
            work.principles.remove(principle)
            self.record(principle)

    # Accountabilities and handovers.

    def define_accountability(self, work: GroupWork) -> None:
        if len(work.accountabilities) >= MAX_ACCOUNTABILITIES:
            self.retire_accountability(work)
            return
        thing, area = self.text()
        self.act_as(self.member(work, voting=True))
        accountability = Accountability.define(
            work.group,
            f"Keep {thing} running for {area}",
            self.party(work),
            f"Day-to-day coordination of {thing}; reports monthly to the group.",
            self.when(0.35, 30),
        )
        work.accountabilities.append(accountability)
        self.record(accountability)

    def offer_handover(self, work: GroupWork) -> None:
        free = [a for a in work.accountabilities if a.open_handover_id is None]
        if free:
            accountability = self.rng.choice(free)
            to = self.party(work)
            if to == accountability.holder:
                return
            self.act_as(self.member(work, voting=True))
            accountability.offer_handover(
                work.group, str(uuid4()), to, "Rotating the role, as agreed at the review."
            )
            self.record(accountability)

    def _open(self, work: GroupWork) -> tuple[Accountability, str] | None:
        offered = [a for a in work.accountabilities if a.open_handover_id is not None]
        if not offered:
            return None
        accountability = self.rng.choice(offered)
        assert accountability.open_handover_id is not None
        return accountability, accountability.open_handover_id

    def _recipient(self, work: GroupWork, to: dict[str, str]) -> str | None:
        """Someone on the recipient side, as the command checks it."""
        if to["kind"] == "person":
            return to["id"]
        if to["kind"] == "group":
            group = self.work_of[to["id"]].group
            return self.rng.choice(list(group.members)) if group.members else None
        staff = sorted(self.staff.get(to["id"], ()))
        return self.rng.choice(staff) if staff else None

    def accept_handover(self, work: GroupWork) -> None:
        found = self._open(work)
        if found is None:
            return
        accountability, handover_id = found
        self.act_as(self._recipient(work, accountability.handovers[handover_id]["to"]))
        try:
            accountability.accept_handover(work.group, handover_id, True, self.when(0.35, 14))
        except AccordError:
            # The recipient has left the group meanwhile: whoever offered it takes it back.
            self.act_as(self.member(work, voting=True))
            accountability.withdraw_handover(work.group, handover_id, "The recipient has left.")
        self.record(accountability)

    def decline_handover(self, work: GroupWork) -> None:
        found = self._open(work)
        if found is not None:
            accountability, handover_id = found
            self.act_as(self._recipient(work, accountability.handovers[handover_id]["to"]))
            accountability.decline_handover(
                work.group, handover_id, True, "No capacity this quarter."
            )
            self.record(accountability)

    def withdraw_handover(self, work: GroupWork) -> None:
        found = self._open(work)
        if found is not None:
            accountability, handover_id = found
            self.act_as(self.member(work, voting=True))
            accountability.withdraw_handover(work.group, handover_id, None)
            self.record(accountability)

    def return_accountability(self, work: GroupWork) -> None:
        ready = [
            a
            for a in work.accountabilities
            if a.open_handover_id is None and a.previous_holder is not None
        ]
        if ready:
            accountability = self.rng.choice(ready)
            self.act_as(self.member(work, voting=True))
            accountability.return_to_previous(work.group, "Back after leave.", self.when(0.4, 21))
            self.record(accountability)

    def retire_accountability(self, work: GroupWork) -> None:
        ready = [a for a in work.accountabilities if a.open_handover_id is None]
        if ready:
            accountability = self.rng.choice(ready)
            self.act_as(self.member(work, voting=True))
            accountability.retire(work.group, "No longer needed.", self.when(0.3, 14))
            work.accountabilities.remove(accountability)
            self.record(accountability)


def generate(ledger: Ledger, target: int, seed: int = 1) -> Dataset:
    """Fill an empty ledger with about `target` events; returns what the benchmark needs."""
    generator = Generator(ledger, target, seed)
    dataset = generator.run()
    dataset.admin_key = generator.admin_key
    dataset.refused = generator.refused
    return dataset


__all__ = ["Dataset", "generate"]
