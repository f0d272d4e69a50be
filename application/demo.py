"""Demonstration ledgers: the "Living Well" story over nearly three years, or N synthetic events.

`living_well` tells one cross-organisation programme through the real commands, one
transaction each, as the people involved (so every rule is checked and every event
names a realistic actor): a transformation group, a coordinating group and a design
team, and accountability moving from three senior leaders to many people and
organisations. Effective times are spread over the 1,000 days before `end`; recorded
times are when the demo runs. A seeded generator decides the routine (meetings,
handovers), so two runs record the same sequence of events.

`synthetic` builds about N events quickly for benchmarks: the same domain methods, but
the events of many steps are saved per `ledger.save(...)`, with their index rows.
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from application.core import KINDS
from application.ledger import Ledger
from domain.accountability import Accountability
from domain.base import AccordAggregate, AccordError, current_actor, require_aware
from domain.conflict import Conflict
from domain.decision import Decision
from domain.group import Group
from domain.organisation import Organisation
from domain.person import Person
from domain.principle import Principle

SPAN_DAYS = 1000  # the story's effective times start this many days before its end
LAST_DAY = SPAN_DAYS - 2  # the last day anything takes effect, so nothing lies in the future
REPORT_FROM_DAY = 30  # by then the first accountabilities are all defined
ADMINISTRATOR = ("Helen Okafor", "helen.okafor@example.org")


class StoreNotEmpty(AccordError):
    """The demo fills only an empty ledger."""


@dataclass(frozen=True)
class DemoResult:
    """What a demo recorded, and where to start looking at it."""

    administrator_id: str
    key_id: str
    api_key: str
    events: int
    people: int
    records: dict[str, int]
    seconds: float
    start: datetime  # effective times run from here ...
    end: datetime  # ... to here
    report_from: datetime  # a good start for an accountability report
    groups: dict[str, str] = field(default_factory=dict)  # the story's groups, by role

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def require_empty(ledger: Ledger) -> None:
    """Refuse a ledger that holds any event or API key."""
    events = ledger.head_position()
    if events or ledger.store.count_api_keys():
        raise StoreNotEmpty(
            f"the ledger is not empty ({events} events): the demo fills only an empty "
            "store; point --database-url (or ACCORD_DATABASE_URL) at a new database"
        )


# The cast: organisations and people (all invented).

ORGANISATIONS = [
    ("trust", "Northshire Mental Health NHS Foundation Trust", "statutory_health"),
    ("pcn", "Riverside and Hillside Primary Care Network", "primary_care"),
    ("council", "Northshire County Council", "local_authority"),
    ("icb", "Northshire and Vale Integrated Care Board", "commissioner"),
    ("harbour", "Harbour Lights Mental Health Charity", "vcse"),
    ("opendoor", "Open Door Community Trust", "vcse"),
    ("voices", "Voices for Change Lived Experience Collective", "lived_experience"),
]
PEOPLE = [  # handle, name, organisation; Helen Okafor is the bootstrapped administrator
    ("marcus", "Marcus Bell", "council"),
    ("priya", "Priya Raman", "icb"),
    ("tom", "Dr Tom Whitaker", "pcn"),
    ("ruth", "Ruth Adeyemi", "harbour"),
    ("gareth", "Dr Gareth Lloyd", "trust"),
    ("andrea", "Andrea Kowalski", "opendoor"),
    ("sol", "Sol Mensah", "voices"),
    ("aisha", "Aisha Khan", "trust"),
    ("daniel", "Daniel Frost", "council"),
    ("bethan", "Bethan Morgan", "icb"),
    ("leila", "Leila Haddad", "pcn"),
    ("kwame", "Kwame Asante", "opendoor"),
    ("jo", "Jo Fairweather", "harbour"),
    ("mags", "Mags O'Neill", "voices"),
    ("ravi", "Ravi Chauhan", "voices"),
    ("fiona", "Dr Fiona Grant", "trust"),
    ("nadia", "Nadia Petrova", "trust"),
    ("sam", "Sam Rivera", "harbour"),
    ("ellie", "Ellie Turner", "trust"),
    ("joe", "Joe Barker", "council"),
    ("anjali", "Dr Anjali Desai", "pcn"),
    ("chris", "Chris Ndlovu", "pcn"),
    ("hannah", "Hannah Webb", "opendoor"),
    ("owen", "Owen Price", "voices"),
    ("tasha", "Tasha Reid", "voices"),
    ("imran", "Imran Siddiqui", "trust"),
    ("grace", "Grace Lin", "harbour"),
    ("megan", "Megan Hughes", "council"),
    ("lewis", "Lewis Campbell", "opendoor"),
    ("zara", "Zara Ahmed", "voices"),
    ("patrick", "Patrick Doyle", "trust"),
    ("yusuf", "Yusuf Ali", "pcn"),
    ("carys", "Carys Evans", "council"),
    ("noor", "Noor Rahman", "harbour"),
    ("ben", "Ben Carter", "trust"),
    ("lily", "Lily Osei", "voices"),
    ("martin", "Martin Shaw", "icb"),
    ("rosa", "Rosa Mendes", "opendoor"),
    ("dev", "Dev Patel", "trust"),
]
LIVED = {h for h, _, org in PEOPLE if org == "voices"}
SENIOR = {"helen", "marcus", "priya", "gareth"}  # hold the work at first; are not handed more

PURPOSE = {
    "transformation": "Bring leaders from the NHS, the council, primary care, the voluntary "
    "sector and people with lived experience together to transform community mental health "
    "support in Northshire.",
    "coordinating": "Run the Living Well programme week to week: pathways, caseloads, data "
    "and the partners' shared work.",
    "design": "Design, test and run the community mental health hub with the people who use it.",
}
RESTATED_PURPOSE = (
    "Make sure anyone in Northshire can get mental health support in their own community, on "
    "the day they ask, without a referral, in services shaped by people with lived experience."
)

# Routine business, taken in order at each group's meetings.
ROUTINE_DECISIONS = {
    "transformation": [
        ("Publish the programme plan", "The programme plan is published every quarter."),
        ("Hold a quarterly open forum", "Anyone can bring questions to an open forum."),
        ("Recruit two more lived-experience members", "Two places are advertised."),
        ("Pay lived-experience members for their time", "Members are paid at £25 an hour."),
        ("Adopt the shared outcomes framework", "All partners report the same outcomes."),
        ("Recruit jointly to community roles", "New community roles are advertised jointly."),
        ("Share the training budget", "Training places are open to staff of every partner."),
        ("Report annually to the health and wellbeing board", "The group reports each June."),
        ("Rotate the chair each year", "The chair rotates between partners every year."),
        ("Invite housing associations", "Two housing associations are invited to join."),
        ("Fund interpreters for hub sessions", "Interpreters are booked at no cost to people."),
        ("Extend the model to the east locality", "The east locality joins from April."),
        ("Appoint the evaluation partner", "The university's team evaluates the programme."),
        ("Agree a risk-sharing agreement", "Overspends are shared in proportion to budgets."),
    ],
    "coordinating": [
        ("Weekly huddle of hub partners", "Partners meet for 20 minutes every Monday."),
        ("One format for caseload reviews", "Every review uses the same one-page format."),
        ("A named link worker for each GP practice", "Each practice has a named link."),
        ("Shared induction for hub staff", "New staff of every partner share one induction."),
        ("Escalation route for safeguarding", "Concerns go to the duty social worker first."),
        ("Joint supervision for peer workers", "Peer workers meet for group supervision."),
        ("A monthly data pack", "The data pack reaches members a week before meetings."),
        ("Out-of-hours cover rota", "Partners take turns to cover evenings."),
        ("Welcome pack for new partners", "New partners get a welcome pack and a buddy."),
        ("Pay volunteers' travel", "Volunteers' travel is paid from the shared budget."),
        ("A shared calendar of community groups", "The hub keeps one public calendar."),
        ("Review waiting times every month", "Waiting times are a standing agenda item."),
        ("Feedback cards in every hub", "Feedback is read aloud at each meeting."),
        ("Information sharing training for all", "All hub staff complete the training."),
    ],
    "design": [
        ("Test a Tuesday evening drop-in", "A four-week trial of an evening drop-in."),
        ("Move the welcome desk into the café", "People are welcomed where they sit."),
        ("First names on badges", "Staff and volunteers wear first-name badges."),
        ("Trial text reminders", "People can opt in to a text reminder the day before."),
        ("Add a quiet room", "The small office becomes a quiet room."),
        ("Run a carers' coffee morning", "Carers meet monthly with a support worker."),
        ("Co-design the leaflet with peer workers", "Peer workers rewrite the leaflet."),
        ("Try walk-and-talk sessions", "Sessions can happen on a walk in the park."),
        ("Debt advice on Thursdays", "Open Door's debt adviser sits in the hub on Thursdays."),
        ("Stop asking for NHS numbers at the door", "Nobody is asked for an NHS number."),
        ("Pilot a youth session on Saturdays", "A Saturday session for 16 to 25 year olds."),
        ("Keep a shared list of local groups", "Peer workers keep the list up to date."),
        ("Review the first conversation guide", "The guide is reviewed with people who used it."),
        ("Run a listening event in the library", "A listening event each spring."),
        ("Start a gardening group", "A weekly gardening group at the allotments."),
    ],
}
ROUTINE_WORK = {
    "transformation": [
        "Partnership communications",
        "Health inequalities plan",
        "Estates and shared buildings",
        "Digital inclusion",
        "Links with the acute trust",
        "Workforce wellbeing",
    ],
    "coordinating": [
        "Safeguarding liaison",
        "Monthly data pack",
        "Volunteer programme",
        "Carers' assessments in the hub",
        "Employment support pathway",
        "Training calendar",
        "Out-of-hours rota",
    ],
    "design": [
        "Quiet room",
        "Youth session",
        "Gardening group",
        "Text reminders",
        "Leaflets and signage",
        "Listening events",
        "Local groups directory",
        "Walk-and-talk sessions",
    ],
}
METHODS = {
    "transformation": {"consensus": 3, "consent": 4, "vote": 2, "delegated_authority": 1},
    "coordinating": {"consent": 5, "delegated_authority": 2, "single_lead": 2, "consensus": 1},
    "design": {"consent": 5, "consensus": 2, "single_lead": 2, "vote": 1},
}
OFFER_REASONS = [
    "They are closer to the work than I am.",
    "Part of spreading leadership beyond the senior leaders.",
    "Their team already does most of this day to day.",
    "I am stepping back to make room.",
    "Agreed at the last meeting.",
]
DECLINE_REASONS = [
    "No capacity until the new post is filled.",
    "Not without protected time agreed with my manager.",
    "It belongs with the council's team, not ours.",
]
WITHDRAW_REASONS = [
    "The scope is changing; I will offer it again once it is clear.",
    "Paused until the budget is agreed.",
]
RETURN_REASONS = [
    "Back after a period of leave.",
    "My role changed; it is better held by the previous holder for now.",
    "The funding for my post ended.",
]
OBJECTIONS = [
    "The evidence from the pilot is thin.",
    "This moves cost onto one partner.",
    "The timescale is too short to involve people properly.",
]
NOTES = [
    "Both sides met with a facilitator; the next step is agreed.",
    "People who use the hub were asked what they saw; their view changed the conversation.",
    "Progress, but the cost question is still open.",
]


class _Story:
    """Runs the story: an agenda of steps by day, each taken by a person as one command."""

    def __init__(self, ledger: Ledger, seed: int, end: datetime) -> None:
        self.ledger = ledger
        self.rng = random.Random(seed)
        start = end - timedelta(days=SPAN_DAYS)
        self.base = datetime(start.year, start.month, start.day, tzinfo=UTC)
        self.agenda: list[tuple[int, int, Callable[..., None], tuple[Any, ...]]] = []
        self.order = itertools.count()
        self.day = 0
        self.slot = 0
        self.ids: dict[str, str] = {}  # handle -> id, for parties and records
        self.kind: dict[str, str] = {}  # party handle -> person, organisation or group
        self.org_of: dict[str, str] = {}
        self.members: dict[str, dict[str, str]] = {}  # group -> {person: role}
        self.group_of: dict[str, str] = {}  # record -> its group
        self.holder: dict[str, str] = {}
        self.holders: dict[str, list[str]] = {}
        self.offers: dict[str, tuple[str, str]] = {}  # accountability -> (handover id, to)
        self.active: list[str] = []  # accountabilities, oldest first
        self.reserved: set[str] = set()  # accountabilities the script moves itself
        self.in_force: list[str] = []  # agreed principles
        self.conflicts: dict[str, list[str]] = {}  # group -> its open conflicts
        self.acknowledged: set[str] = set()
        self.backlog = {g: list(items) for g, items in ROUTINE_DECISIONS.items()}
        self.work = {g: list(items) for g, items in ROUTINE_WORK.items()}
        self.created: Counter[str] = Counter()
        self.serial = itertools.count(1)

    # Scheduling and acting.

    def on(self, day: int, step: Callable[..., None], *args: Any) -> None:
        if day <= LAST_DAY:
            heapq.heappush(self.agenda, (day, next(self.order), step, args))

    def run(self) -> None:
        while self.agenda:
            day, _, step, args = heapq.heappop(self.agenda)
            if day != self.day:
                self.day, self.slot = day, 0
            step(*args)

    def at(self) -> datetime:
        """The effective time of the next step: later in the day with every step."""
        self.slot += 1
        return self.base + timedelta(days=self.day, hours=9, minutes=4 * self.slot)

    @contextmanager
    def acting(self, person: str) -> Iterator[None]:
        token = current_actor.set(self.ids[person])
        try:
            yield
        finally:
            current_actor.reset(token)

    def ref(self, handle: str) -> dict[str, str]:
        return {"kind": self.kind[handle], "id": self.ids[handle]}

    def convener(self, group: str) -> str:
        return next(p for p, role in self.members[group].items() if role == "convener")

    def speaker(self, party: str, group: str) -> str:
        """Someone who acts for a party: the person, a member of the group, or a staff member."""
        if self.kind[party] == "person":
            return party
        if self.kind[party] == "group":
            return self.convener(party)
        staff = [p for p, org in self.org_of.items() if org == party]
        inside = [p for p in staff if p in self.members[group]]
        return (inside or staff)[0]

    def new(self, handle: str, kind: str, record_id: str, group: str | None = None) -> None:
        self.ids[handle] = record_id
        self.created[kind] += 1
        if group is not None:
            self.group_of[handle] = group

    # Organisations, people and groups.

    def cast(self, administrator: str) -> None:
        self.ids["helen"], self.kind["helen"] = administrator, "person"
        with self.acting("helen"):
            for handle, name, sector in ORGANISATIONS:
                self.new(handle, "organisation", self.ledger.register_organisation(name, sector).id)
                self.kind[handle] = "organisation"
            self.ledger.change_affiliation(administrator, self.ids["trust"], self.base)
            self.org_of["helen"] = "trust"
            for index, (handle, name, org) in enumerate(PEOPLE):
                first, *_, last = [w for w in name.replace("'", "").split() if w != "Dr"]
                email = f"{first}.{last}@example.org".lower() if index % 4 else None
                written = self.ledger.register_person(name, email, self.ids[org])
                self.new(handle, "person", written.id)
                self.kind[handle], self.org_of[handle] = "person", org

    def convene(self, group: str, name: str, kind: str, parent: str | None, by: str) -> None:
        with self.acting(by):
            parent_id = self.ids[parent] if parent else None
            written = self.ledger.convene_group(name, kind, PURPOSE[group], parent_id, self.at())
        self.new(group, "group", written.id)
        self.kind[group], self.members[group], self.conflicts[group] = "group", {by: "convener"}, []

    def join(self, group: str, person: str, role: str = "member") -> None:
        with self.acting(self.convener(group)):
            self.ledger.add_member(self.ids[group], self.ids[person], role, self.at())
        self.members[group][person] = role

    def leave(self, group: str, person: str) -> None:
        """A member leaves, handing on first what they hold in the group."""
        for acc in self.active:
            if (
                self.holder[acc] == person
                and self.group_of[acc] == group
                and acc not in self.offers
            ):
                self.offer(
                    acc, self.recipient(acc), "Handing on before I leave the group.", "accept"
                )
        with self.acting(person):
            self.ledger.remove_member(self.ids[group], self.ids[person], self.at())
        del self.members[group][person]

    def change_role(self, group: str, person: str, role: str) -> None:
        with self.acting(self.convener(group)):
            self.ledger.change_member_role(self.ids[group], self.ids[person], role, self.at())
        self.members[group][person] = role

    def restate(self, group: str, by: str) -> None:
        with self.acting(by):
            self.ledger.restate_purpose(self.ids[group], RESTATED_PURPOSE, self.at())

    def move(self, person: str, org: str) -> None:
        with self.acting(person):
            self.ledger.change_affiliation(self.ids[person], self.ids[org], self.at())
        self.org_of[person] = org

    # Principles.

    def principle(self, handle: str, group: str, by: str, statement: str, why: str) -> None:
        with self.acting(by):
            written = self.ledger.propose_principle(self.ids[group], statement, why)
        self.new(handle, "principle", written.id, group)

    def respond(self, handle: str, person: str, stance: str, reason: str | None = None) -> None:
        with self.acting(person):
            self.ledger.respond_to_principle(self.ids[handle], stance, reason)

    def agree_principle(self, handle: str, by: str) -> None:
        with self.acting(by):
            self.ledger.agree_principle(self.ids[handle], self.at())
        self.in_force.append(handle)

    def amend(self, handle: str, by: str, statement: str, why: str) -> None:
        with self.acting(by):
            self.ledger.amend_principle(self.ids[handle], statement, why, self.at())

    def retire_principle(self, handle: str, by: str, reason: str) -> None:
        with self.acting(by):
            self.ledger.retire_principle(self.ids[handle], reason, self.at())
        self.in_force.remove(handle)

    # Decisions.

    def decide(
        self,
        handle: str,
        group: str,
        title: str,
        text: str,
        method: str,
        people: list[str],
        principles: tuple[str, ...] = (),
        supersedes: tuple[str, ...] = (),
        objections: tuple[tuple[str, str], ...] = (),
        review_days: int | None = None,
    ) -> None:
        """Record a decision taken at a meeting, proposed by its first participant."""
        with self.acting(people[0]):
            written = self.ledger.record_decision(
                self.ids[group],
                title,
                text,
                self.agreement(method, people, principles, supersedes, objections, review_days),
            )
        self.new(handle, "decision", written.id, group)

    def agreement(
        self,
        method: str,
        people: list[str],
        principles: tuple[str, ...],
        supersedes: tuple[str, ...],
        objections: tuple[tuple[str, str], ...],
        review_days: int | None,
    ) -> dict[str, Any]:
        when = self.at()
        return {
            "method": method,
            "participants": [self.ids[p] for p in people],
            "principles": [self.ids[p] for p in principles],
            "supersedes": [self.ids[d] for d in supersedes],
            "objections": [{"person_id": self.ids[p], "reason": r} for p, r in objections],
            "effective_at": when,
            "review_date": (when + timedelta(days=review_days)).date() if review_days else None,
        }

    def propose(self, handle: str, group: str, by: str, title: str, text: str) -> None:
        with self.acting(by):
            written = self.ledger.propose_decision(self.ids[group], title, text)
        self.new(handle, "decision", written.id, group)

    def close_proposal(self, handle: str, by: str, outcome: str, reason: str) -> None:
        with self.acting(by):
            if outcome == "reject":
                self.ledger.reject_decision(self.ids[handle], reason)
            else:
                self.ledger.withdraw_decision(self.ids[handle], reason)

    def revoke(self, handle: str, by: str, reason: str) -> None:
        with self.acting(by):
            self.ledger.revoke_decision(self.ids[handle], reason, self.at())

    # Conflicts.

    def raise_conflict(
        self, handle: str, group: str, by: str, parties: list[str], about: str, text: str
    ) -> None:
        with self.acting(by):
            written = self.ledger.raise_conflict(
                self.ids[group], [self.ref(p) for p in parties], about, text, effective_at=self.at()
            )
        self.new(handle, "conflict", written.id, group)
        self.conflicts[group].append(handle)

    def acknowledge(self, handle: str, by: str, note: str) -> None:
        with self.acting(by):
            self.ledger.acknowledge_conflict(self.ids[handle], note)
        self.acknowledged.add(handle)

    def note(self, handle: str, by: str, text: str) -> None:
        with self.acting(by):
            self.ledger.add_conflict_note(self.ids[handle], text)

    def close_conflict(
        self, handle: str, by: str, outcome: str, text: str, target: str | None = None
    ) -> None:
        """Resolve (by a decision, if named), escalate (to a group) or withdraw a conflict."""
        with self.acting(by):
            if outcome == "resolve":
                decision = self.ids[target] if target else None
                self.ledger.resolve_conflict(self.ids[handle], text, decision, self.at())
            elif outcome == "escalate" and target is not None:
                self.ledger.escalate_conflict(self.ids[handle], self.ids[target], text)
            else:
                self.ledger.withdraw_conflict(self.ids[handle], text)
        self.conflicts[self.group_of[handle]].remove(handle)

    # Accountabilities.

    def define(
        self, handle: str, group: str, holder: str, title: str, scope: str, reserved: bool = False
    ) -> None:
        by = holder if self.kind[holder] == "person" else self.convener(group)
        with self.acting(by):
            written = self.ledger.define_accountability(
                self.ids[group], title, self.ref(holder), scope, self.at()
            )
        self.new(handle, "accountability", written.id, group)
        self.holder[handle], self.holders[handle] = holder, [holder]
        self.active.append(handle)
        if reserved:
            self.reserved.add(handle)

    def offer(
        self, acc: str, to: str, reason: str, outcome: str | None, after: int = 5, why: str = ""
    ) -> None:
        """The holder offers the work on; the outcome follows `after` days later."""
        if acc not in self.active or acc in self.offers or self.holder[acc] == to:
            return
        group = self.group_of[acc]
        with self.acting(self.speaker(self.holder[acc], group)):
            written = self.ledger.offer_handover(
                self.ids[acc], self.ref(to), reason, effective_at=self.at()
            )
        self.offers[acc] = ((written.extra or {})["handover_id"], to)
        if outcome is not None:
            self.on(self.day + after, self.settle, acc, self.offers[acc][0], outcome, why)

    def settle(self, acc: str, handover_id: str, outcome: str, why: str = "") -> None:
        """The recipient accepts or declines; or the holder withdraws the offer."""
        if self.offers.get(acc, ("", ""))[0] != handover_id:
            return
        to, group = self.offers[acc][1], self.group_of[acc]
        if self.kind[to] == "person" and to not in self.members[group]:
            outcome, why = "withdraw", "The person it was offered to has left the group."
        holder = self.holder[acc]
        with self.acting(self.speaker(holder if outcome == "withdraw" else to, group)):
            if outcome == "accept":
                self.ledger.accept_handover(self.ids[acc], handover_id, self.at())
            elif outcome == "decline":
                self.ledger.decline_handover(self.ids[acc], handover_id, why)
            else:
                self.ledger.withdraw_handover(self.ids[acc], handover_id, why)
        del self.offers[acc]
        if outcome == "accept":
            self.holder[acc] = to
            self.holders[acc].append(to)

    def give_back(self, acc: str, reason: str) -> None:
        """The holder returns the work to whoever held it before."""
        if acc not in self.active or acc in self.offers or len(self.holders[acc]) < 2:
            return
        with self.acting(self.speaker(self.holder[acc], self.group_of[acc])):
            self.ledger.return_accountability(self.ids[acc], reason, self.at())
        self.holder[acc] = self.holders[acc][-2]
        self.holders[acc].append(self.holder[acc])

    def retire(self, acc: str, by: str, reason: str) -> None:
        if acc in self.offers:
            self.settle(acc, self.offers[acc][0], "withdraw", "The work is ending.")
        with self.acting(by):
            self.ledger.retire_accountability(self.ids[acc], reason, self.at())
        self.active.remove(acc)

    def release(self, acc: str) -> None:
        self.reserved.discard(acc)

    # The routine: meetings and handovers, decided by the seeded generator.

    def loads(self) -> Counter[str]:
        return Counter(self.holder[a] for a in self.active)

    def recipient(self, acc: str) -> str:
        """Someone to hand the work to: mostly a member holding little, from elsewhere."""
        group, holder, rng = self.group_of[acc], self.holder[acc], self.rng
        roll = rng.random()
        if roll < 0.1:
            return rng.choice(
                [
                    o
                    for o in ("voices", "harbour", "opendoor", "pcn")
                    if o != self.org_of.get(holder)
                ]
            )
        if roll < 0.16 and group != "design" and "design" in self.members:
            return "design"
        loads = self.loads()
        people = [
            p
            for p, role in self.members[group].items()
            if role != "observer" and p != holder and p not in SENIOR
        ]
        weights = [
            (2.0 if self.org_of[p] != self.org_of.get(holder) else 1.0)
            * (1.5 if p in LIVED else 1.0)
            / (1 + loads[p]) ** 2
            for p in people
        ]
        return rng.choices(people, weights)[0]

    def handover_round(self) -> None:
        rng = self.rng
        loads = self.loads()
        # Organisations and groups hand work on too (someone acts for them), or it piles up.
        free = [a for a in self.active if a not in self.offers and a not in self.reserved]
        if free:
            acc = rng.choices(free, [loads[self.holder[a]] for a in free])[0]
            outcome = rng.choices(["accept", "decline", "withdraw"], [72, 15, 13])[0]
            why = rng.choice(DECLINE_REASONS if outcome == "decline" else WITHDRAW_REASONS)
            self.offer(
                acc,
                self.recipient(acc),
                rng.choice(OFFER_REASONS),
                outcome,
                rng.randint(3, 20),
                why,
            )
            if outcome == "accept" and rng.random() < 0.15:
                self.on(
                    self.day + rng.randint(40, 120), self.give_back, acc, rng.choice(RETURN_REASONS)
                )
        self.on(self.day + rng.randint(5, 11), self.handover_round)

    def present(self, group: str) -> list[str]:
        """Who takes part in a decision at a meeting; people with lived experience, mostly."""
        voting = [p for p, role in self.members[group].items() if role != "observer"]
        chosen = self.rng.sample(voting, min(len(voting), self.rng.randint(3, 8)))
        lived = [p for p in voting if p in LIVED and p not in chosen]
        if lived and not LIVED & set(chosen) and self.rng.random() < 0.7:
            chosen.append(self.rng.choice(lived))
        return chosen

    def meeting(self, group: str, every: int) -> None:
        rng = self.rng
        if self.backlog[group] and rng.random() < 0.7:
            title, text = self.backlog[group].pop(0)
            people = self.present(group)
            cited = rng.sample(self.in_force, min(len(self.in_force), rng.randint(0, 2)))
            objections = ((people[-1], rng.choice(OBJECTIONS)),) if rng.random() < 0.12 else ()
            self.decide(
                f"d:routine{next(self.serial)}",
                group,
                title,
                text,
                rng.choices(list(METHODS[group]), list(METHODS[group].values()))[0],
                people,
                tuple(cited),
                (),
                objections,
                rng.choice([None, None, 182, 365]),
            )
        if self.work[group] and rng.random() < 0.35:
            title = self.work[group].pop(0)
            members = [p for p, r in self.members[group].items() if r != "observer"]
            holder = self.convener(group) if self.day < 365 else rng.choice(members)
            self.define(
                f"a:routine{next(self.serial)}", group, holder, title, f"{title}, across partners."
            )
        for conflict in self.conflicts[group]:
            if conflict in self.acknowledged and rng.random() < 0.3:
                self.note(conflict, rng.choice(list(self.members[group])), rng.choice(NOTES))
        self.on(self.day + every + rng.randint(-3, 3), self.meeting, group, every)

    # The story.

    def script(self) -> None:
        on = self.on
        self._first_year()
        self._second_year()
        self._third_year()
        on(20, self.meeting, "transformation", 42)
        on(70, self.meeting, "coordinating", 28)
        on(195, self.meeting, "design", 21)
        on(45, self.handover_round)

    # The script reads as a diary, one step a line or two: left as written by the formatter.
    # fmt: off
    def _first_year(self) -> None:
        on, T, C, D = self.on, "transformation", "coordinating", "design"
        on(0, self.convene, T, "Living Well Transformation Group", "transformation group", None,
           "helen")
        for i, person in enumerate(("marcus", "priya", "tom", "ruth", "gareth", "andrea")):
            on(1 + i // 3, self.join, T, person, "convener" if person == "marcus" else "member")
        on(4, self.principle, "p:belongs", T, "helen",
           "Work is placed where it belongs: with the people and organisations closest to it.",
           "Adaptive work cannot be done from the top; those nearest the problem know most.")
        on(5, self.principle, "p:withus", T, "ruth",
           "Nothing about us without us: people with lived experience take part in every "
           "decision that affects them, from the start.",
           "Services designed without the people who use them fail them.")
        on(6, self.principle, "p:boards", T, "gareth",
           "Each partner's own board approves a change before this group agrees it.",
           "Statutory duties stay with each organisation's board.")
        for day, (p, person, stance, reason) in enumerate([
            ("p:belongs", "marcus", "endorse", None),
            ("p:belongs", "gareth", "object", "Some clinical risk has to stay with the trust."),
            ("p:belongs", "ruth", "endorse", "This is why we are here."),
            ("p:withus", "helen", "endorse", None),
            ("p:withus", "tom", "endorse", None),
            ("p:boards", "priya", "endorse", "Commissioners need a clear audit trail."),
            ("p:boards", "ruth", "object", "Every change would wait a quarter for four boards."),
            ("p:withus", "andrea", "endorse", None),
            ("p:belongs", "priya", "endorse", None),
        ]):
            on(8 + day, self.respond, p, person, stance, reason)
        for day, (acc, holder, title) in enumerate([
            ("a:programme", "helen", "Community mental health transformation programme"),
            ("a:clinical", "helen", "Clinical governance of new pathways"),
            ("a:crisis", "helen", "Crisis alternatives and the crisis café"),
            ("a:housing", "marcus", "Social care and housing links"),
            ("a:workforce", "marcus", "Workforce and recruitment across partners"),
            ("a:connectors", "marcus", "Community connectors and social prescribing"),
            ("a:budget", "priya", "Pooled budget and contracts"),
            ("a:outcomes", "priya", "Outcomes and evaluation"),
        ]):
            reserved = acc in ("a:crisis", "a:workforce", "a:connectors")
            on(10 + day, self.define, acc, T, holder, title, f"{title} for Northshire.", reserved)
        on(14, self.decide, "d:adopt", T, "Adopt the Living Well approach",
           "Northshire adopts the Living Well approach: community mental health support is "
           "redesigned together by all partners and people with lived experience.",
           "consensus", ["helen", "marcus", "priya", "tom", "ruth", "gareth", "andrea"],
           (), (), (), 365)
        on(21, self.join, T, "sol")
        on(24, self.respond, "p:withus", "sol", "endorse", "Yes, and paid, not as volunteers.")
        on(27, self.respond, "p:belongs", "gareth", "endorse", "With clinical risk named in scope.")
        on(28, self.raise_conflict, "k:diagnosis", T, "ruth", ["trust", "harbour"],
           "Hub referrals need a diagnosis, which shuts out people the charity supports",
           "People Harbour Lights already helps are turned away for want of a diagnosis.")
        on(31, self.acknowledge, "k:diagnosis", "helen", "We will work this through together.")
        on(35, self.agree_principle, "p:belongs", "helen")
        on(38, self.agree_principle, "p:withus", "marcus")
        on(42, self.agree_principle, "p:boards", "helen")
        on(44, self.note, "k:diagnosis", "ruth", "Harbour Lights shared twelve anonymised stories.")
        on(47, self.decide, "d:coordgroup", T, "Set up a coordinating group",
           "A coordinating group of service leads runs day-to-day delivery and reports here.",
           "consent", ["helen", "marcus", "priya", "ruth", "sol", "andrea"], ("p:belongs",))
        on(52, self.decide, "d:peerpilot", T, "Fund a peer support pilot with Harbour Lights",
           "The ICB funds a one-year peer support pilot delivered by Harbour Lights.",
           "vote", ["priya", "helen", "marcus", "ruth", "sol", "tom", "gareth"], ("p:withus",),
           (), (("gareth", "Clinical supervision for peer workers is not yet agreed."),), 180)
        on(56, self.join, T, "aisha")
        on(58, self.note, "k:diagnosis", "gareth",
           "The trust's worry is clinical risk without an assessment; a same-day conversation "
           "could cover it.")
        on(63, self.convene, C, "Living Well Coordinating Group", "coordinating group", T, "aisha")
        for i, person in enumerate(
            ("daniel", "bethan", "leila", "kwame", "jo", "mags", "ravi", "fiona", "helen")
        ):
            on(64 + i // 2, self.join, C, person)
        on(72, self.principle, "p:open", C, "jo",
           "Disagreement is welcome: we work tensions through in the open, not in corridors.",
           "Tensions hidden between organisations come back as failures for people.")
        for day, (person, stance) in enumerate(
            [("aisha", "endorse"), ("mags", "endorse"), ("fiona", "object"), ("kwame", "endorse"),
             ("daniel", "endorse")]
        ):
            reason = "Some clinical matters need a private space first." if stance == "object" \
                else None
            on(74 + 3 * day, self.respond, "p:open", person, stance, reason)
        for day, (acc, holder, title) in enumerate([
            ("a:access", "aisha", "Single point of access and referral pathway"),
            ("a:caseload", "aisha", "Shared caseload reviews"),
            ("a:peerdelivery", "aisha", "Peer support pilot delivery"),
            ("a:carers", "daniel", "Carers' support offer"),
            ("a:data", "bethan", "Shared outcomes data"),
        ]):
            on(75 + day, self.define, acc, C, holder, title, f"{title} in the hub.",
               acc == "a:peerdelivery")
        on(90, self.agree_principle, "p:open", "aisha")
        on(96, self.decide, "d:hours", C, "Hub opening hours",
           "The community hub opens on weekdays from 9am to 5pm.",
           "consent", ["aisha", "daniel", "jo", "mags", "leila", "kwame"], ("p:belongs",), (), (),
           300)
        on(100, self.raise_conflict, "k:datasharing", C, "bethan", ["trust", "council"],
           "Information governance stops joint caseload reviews",
           "Neither data protection officer will sign off without the other's board.")
        on(103, self.acknowledge, "k:datasharing", "aisha", "On the agenda for next month.")
        on(115, self.note, "k:datasharing", "daniel", "The two officers met; each waits.")
        on(122, self.decide, "d:nodiagnosis", T, "No diagnosis needed to get help at the hub",
           "Anyone who asks gets a first conversation on the day; no diagnosis or referral needed.",
           "consent", ["helen", "ruth", "sol", "marcus", "tom", "gareth", "aisha"],
           ("p:withus", "p:belongs"))
        on(130, self.close_conflict, "k:diagnosis", "ruth", "resolve",
           "No diagnosis is needed; the same-day conversation covers clinical risk.",
           "d:nodiagnosis")
        on(140, self.close_conflict, "k:datasharing", "aisha", "escalate",
           "Only the partners' senior leaders can agree an information sharing agreement.", T)
        for i, person in enumerate(("jo", "kwame", "mags")):
            on(150 + i, self.join, T, person)
        on(160, self.decide, "d:isa", T, "Adopt a partnership information sharing agreement",
           "All partners sign one information sharing agreement for the hub.",
           "consensus", ["helen", "marcus", "priya", "tom", "ruth", "andrea", "sol", "mags"],
           ("p:boards",))
        on(165, self.join, C, "nadia")
        on(180, self.convene, D, "Community Hub Design Team", "design team", C, "nadia")
        for i, person in enumerate(("sam", "ellie", "joe", "anjali", "chris", "hannah", "owen",
                                    "tasha", "imran", "grace", "megan")):
            on(181 + i, self.join, D, person)
        on(186, self.principle, "p:test", D, "owen",
           "Design with the people who will use it; test small and learn fast.",
           "We learn more from a two-week trial than from a six-month plan.")
        for day, person in enumerate(("nadia", "sam", "tasha", "hannah", "chris", "imran")):
            stance = "object" if person == "imran" else "endorse"
            reason = "Small tests can leave people without a service when they stop." \
                if stance == "object" else None
            on(192 + day, self.respond, "p:test", person, stance, reason)
        for day, (acc, holder, title) in enumerate([
            ("a:hubdesign", "nadia", "Hub model and layout"),
            ("a:peerroles", "nadia", "Peer worker roles and supervision"),
            ("a:welcome", "nadia", "Welcome and first conversation"),
            ("a:cafe", "nadia", "Crisis café evenings"),
            ("a:advice", "joe", "Housing and debt advice in the hub"),
            ("a:gp", "anjali", "GP liaison"),
        ]):
            on(190 + day, self.define, acc, D, holder, title, f"{title}.", acc == "a:hubdesign")
        on(200, self.offer, "a:peerdelivery", "harbour", "Harbour Lights employs the peer workers.",
           "accept", 6)
        on(205, self.agree_principle, "p:test", "nadia")
        on(230, self.offer, "a:crisis", "mags", "Mags knows the crisis café from the inside.",
           "decline", 7, "Not without paid time; ask again when the café budget is agreed.")
        on(240, self.decide, "d:welcome", D, "Everyone gets a first conversation on the day",
           "Whoever walks in is offered a conversation with a peer worker or practitioner.",
           "consent", ["nadia", "sam", "owen", "tasha", "ellie", "hannah"], ("p:test", "p:withus"))
        on(250, self.raise_conflict, "k:rota", D, "hannah", ["opendoor", "trust"],
           "Evening café shifts fall mostly on Open Door staff", "Eleven of fourteen shifts.")
        on(252, self.acknowledge, "k:rota", "nadia", "Thank you for raising it.")
        on(260, self.offer, "a:workforce", "kwame", "Open Door leads on volunteers already.",
           "withdraw", 9, "Recruitment is paused until the budget is agreed.")
        on(262, self.note, "k:rota", "hannah", "Open Door staff covered 11 of 14 evening shifts.")
        on(280, self.offer, "a:connectors", "pcn", "Social prescribers sit in the practices.",
           "accept", 8)
        on(281, self.close_conflict, "k:rota", "hannah", "withdraw",
           "Sorted at the team day: the rota now rotates across partners.")
        on(300, self.raise_conflict, "k:crisisline", D, "sam", ["trust", C],
           "The crisis line sends people to A&E while the hub is open",
           "Six people in two weeks went to A&E during hub hours.")
        on(302, self.acknowledge, "k:crisisline", "nadia", "We will gather the cases.")
        on(310, self.note, "k:crisisline", "ellie", "Cases gathered; the line has no hub number.")
        on(318, self.close_conflict, "k:crisisline", "nadia", "escalate",
           "The coordinating group holds the relationship with the crisis line.", C)
        on(325, self.offer, "a:crisis", "design", "The design team runs the café evenings now.",
           "accept", 6)
        on(332, self.decide, "d:crisisroute", C, "The crisis line refers to the hub",
           "During opening hours the crisis line offers the hub before A&E.",
           "delegated_authority", ["aisha", "fiona", "nadia"], ("p:belongs",))
        on(340, self.release, "a:crisis")

    def _second_year(self) -> None:
        on, T, C, D = self.on, "transformation", "coordinating", "design"
        on(365, self.restate, T, "helen")
        on(372, self.decide, "d:delegation", T, "Delegate service design to the design team",
           "The design team decides changes to the hub within the agreed budget and reports back.",
           "consent", ["helen", "marcus", "priya", "ruth", "sol", "mags", "jo", "tom", "andrea"],
           ("p:belongs", "p:withus"))
        on(380, self.propose, "d:mergeteams", T, "tom",
           "Merge the community teams into hub management",
           "The trust's community mental health teams are managed from the hub.")
        on(395, self.close_proposal, "d:mergeteams", "helen", "reject",
           "Too big a change during the pilot; revisit after the evaluation.")
        on(400, self.change_role, T, "sol", "convener")
        on(410, self.offer, "a:workforce", "kwame", "The budget is agreed.", "accept", 5)
        on(418, self.release, "a:workforce")
        on(420, self.decide, "d:hours2", C, "Hub opening hours extended",
           "The hub opens 8am to 8pm on weekdays and 10am to 2pm on Saturdays.",
           "consent", ["aisha", "daniel", "jo", "mags", "ravi", "kwame", "leila", "nadia"],
           ("p:open",), ("d:hours",), (), 365)
        on(426, self.give_back, "a:connectors",
           "The PCN lost its social prescribing funding; back to the council for now.")
        on(430, self.retire_principle, "p:boards", "helen",
           "Replaced by the delegation to the design team.")
        on(432, self.release, "a:connectors")
        on(450, self.move, "sam", "trust")
        on(470, self.decide, "d:peerpermanent", T, "Make peer support permanent",
           "Peer support becomes part of the hub, jointly funded by the ICB and the council.",
           "consensus", ["priya", "helen", "marcus", "ruth", "sol", "mags", "jo", "andrea"],
           ("p:withus",), ("d:peerpilot",))
        on(490, self.retire, "a:peerdelivery", "aisha",
           "The pilot ended; peer support is part of the hub's core service.")
        on(500, self.leave, T, "gareth")
        on(505, self.join, T, "fiona")
        for i, person in enumerate(("lewis", "zara", "patrick", "yusuf", "carys", "noor")):
            on(260 + 40 * i, self.join, D, person)
        for i, person in enumerate(("nadia", "owen", "sam", "leila")):
            on(512 + i, self.join, T, person)
        on(520, self.change_role, T, "priya", "observer")
        on(522, self.decide, "d:singleform", C, "Pilot a single referral form",
           "Every partner uses one referral form for the hub for six months.",
           "single_lead", ["aisha"])
        on(545, self.amend, "p:belongs", "helen",
           "Work is placed where it belongs, with the people closest to it, and the money and "
           "authority go with it.", "Handing over work without its budget was not handing it over.")
        on(560, self.revoke, "d:singleform", "aisha",
           "GP systems could not take the form; the shared front door replaces it.")
        on(600, self.move, "owen", "harbour")
        on(605, self.amend, "p:withus", "sol",
           "Nothing about us without us: people with lived experience take part in every decision "
           "that affects them, from the start, and are paid for their time.",
           "Agreed after the payment decision.")
        on(620, self.raise_conflict, "k:waitlist", D, "tasha", [D, "trust"],
           "People wait weeks for psychology after their first conversation",
           "The hub's welcome raises hopes the psychology service cannot meet.")
        on(623, self.acknowledge, "k:waitlist", "nadia", "We hear it; it is ours to work on.")
        on(650, self.propose, "d:summer", D, "ben", "Close the hub on summer Saturdays",
           "The hub closes on Saturdays in July and August.")
        on(661, self.close_proposal, "d:summer", "ben", "withdraw",
           "Enough volunteers came forward to keep Saturdays open.")
        on(690, self.decide, "d:groups", D, "Group sessions while people wait",
           "Weekly group sessions are offered to everyone waiting for psychology.",
           "consent", ["nadia", "tasha", "sam", "ellie", "imran", "zara", "owen"],
           ("p:test", "p:withus"), (), (), 180)
        on(700, self.close_conflict, "k:waitlist", "nadia", "resolve",
           "Group sessions now run weekly; waits are reviewed monthly.", "d:groups")
        on(702, self.decide, "d:budget", T, "Second-year pooled budget",
           "The pooled budget is allocated 40% NHS, 30% council, 30% voluntary sector.",
           "vote", ["helen", "marcus", "ruth", "sol", "mags", "jo", "tom", "andrea", "fiona"],
           (), (), (("tom", "Primary care's share does not cover the GP liaison sessions."),), 365)
        on(710, self.leave, D, "imran")
        for i, person in enumerate(("ben", "lily", "martin", "rosa", "dev")):
            on(400 + 50 * i, self.join, D, person)

    def _third_year(self) -> None:
        on, T, C, D = self.on, "transformation", "coordinating", "design"
        on(730, self.raise_conflict, "k:funding", C, "kwame", ["icb", "opendoor", "harbour"],
           "Voluntary sector contracts are renewed late every year",
           "Staff get redundancy notices while renewals wait for sign-off.")
        on(733, self.acknowledge, "k:funding", "aisha", "Acknowledged; it affects the whole hub.")
        on(745, self.note, "k:funding", "jo", "Harbour Lights issued redundancy notices twice.")
        on(760, self.close_conflict, "k:funding", "aisha", "escalate",
           "Contract terms are set by the commissioner and the council.", T)
        on(764, self.raise_conflict, "k:measures", T, "mags", [T],
           "Our outcome measures ignore what matters to people",
           "We count contacts, not whether people feel better or less alone.")
        on(766, self.acknowledge, "k:measures", "sol", "Yes: we will work on this together.")
        on(780, self.note, "k:measures", "mags", "Voices for Change drafted five new measures.")
        on(800, self.decide, "d:grants", T, "Three-year grants for voluntary sector partners",
           "Voluntary sector partners get three-year grant agreements, renewed six months early.",
           "delegated_authority", ["marcus", "helen", "sol", "ruth"], ("p:belongs",), (), (), 730)
        on(810, self.decide, "d:welcome2", D, "A first conversation within the hour",
           "Whoever walks in has a first conversation within the hour, with a peer if they wish.",
           "consent", ["nadia", "sam", "owen", "tasha", "zara", "hannah", "lily"],
           ("p:test", "p:withus"), ("d:welcome",))
        on(840, self.note, "k:measures", "sol", "The evaluation partner will test the measures.")
        on(850, self.decide, "d:adopt2", T, "Renew the Living Well commitment",
           "The partners renew the Living Well approach for three more years.",
           "consensus", ["helen", "marcus", "ruth", "sol", "mags", "jo", "tom", "andrea", "nadia"],
           ("p:belongs", "p:withus"), ("d:adopt",), (), 1095)
        on(900, self.raise_conflict, "k:rooms", D, "grace", [D],
           "Room bookings clash between the café and group sessions", "Twice this month.")
        on(930, self.principle, "p:seat", D, "zara", "We keep a seat free for whoever walks in.",
           "Nobody should be told the hub is full.")
        on(934, self.respond, "p:seat", "lily", "endorse", None)
        on(938, self.respond, "p:seat", "sam", "endorse", None)
        on(960, self.propose, "d:eastfield", D, "megan", "Open a second hub in Eastfield",
           "A second hub opens in Eastfield's community centre.")
        on(975, self.retire, "a:data", "aisha", "The ICB's analytics team now holds outcomes data.")
        on(985, self.offer, "a:hubdesign", "voices",
           "The collective asked to hold the hub's design from next year.", None)
    # fmt: on


def living_well(ledger: Ledger, seed: int = 7, end: datetime | None = None) -> DemoResult:
    """Fill an empty ledger with the Living Well story, effective over the 1,000 days to `end`."""
    started = time.perf_counter()
    require_empty(ledger)
    end = require_aware(end, "end") or datetime.now(UTC)
    administrator, row, secret = ledger.bootstrap(*ADMINISTRATOR)
    story = _Story(ledger, seed, end)
    story.cast(administrator)
    story.script()
    story.run()
    return DemoResult(
        administrator_id=administrator,
        key_id=row.key_id,
        api_key=secret,
        events=ledger.head_position(),
        people=story.created["person"] + 1,
        records=dict(sorted(story.created.items())) | {"person": story.created["person"] + 1},
        seconds=time.perf_counter() - started,
        groups={g: story.ids[g] for g in ("transformation", "coordinating", "design")},
        start=story.base,
        report_from=story.base + timedelta(days=REPORT_FROM_DAY),
        end=end,
    )


# Synthetic ledgers at scale.

SECTORS = [
    "statutory_health",
    "primary_care",
    "local_authority",
    "commissioner",
    "vcse",
    "lived_experience",
    "vcse",
]
BATCH = 2000  # events per ledger.save()
STEPS = {
    "join": 3.0, "leave": 0.5, "propose": 3.0, "agree": 2.6, "reject": 0.3, "revoke": 0.2,
    "raise": 1.0, "acknowledge": 0.9, "note": 1.2, "resolve": 0.7, "escalate": 0.1,
    "propose_principle": 0.4, "respond": 1.2, "agree_principle": 0.35, "amend": 0.15,
    "define": 3.0, "offer": 6.0, "accept": 4.2, "decline": 0.8, "withdraw": 0.5,
    "return": 0.5, "retire": 0.4,
}  # fmt: skip


@dataclass
class _Work:
    group: Group
    proposed: list[Decision] = field(default_factory=list)
    agreed: list[Decision] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    drafts: list[Principle] = field(default_factory=list)
    principles: list[Principle] = field(default_factory=list)
    accountabilities: list[Accountability] = field(default_factory=list)


class _Synthetic:
    """Many groups, people, accountabilities and handovers, saved in large batches."""

    def __init__(
        self, ledger: Ledger, target: int, seed: int, progress: Callable[[int], None] | None
    ) -> None:
        self.ledger, self.target, self.progress = ledger, target, progress
        self.rng = random.Random(seed)
        self.end = datetime.now(UTC)
        self.start = self.end - timedelta(days=SPAN_DAYS)
        self.pending: list[Any] = []
        self.touched: dict[UUID, AccordAggregate] = {}
        self.total = 0
        self.created: Counter[str] = Counter()
        self.organisation_of: dict[str, str] = {}  # person -> organisation
        self.staff: dict[str, list[str]] = {}  # organisation -> people
        self.people: list[str] = []
        self.organisations: list[str] = []
        self.open: list[_Work] = []
        self.groups: dict[str, _Work] = {}
        self.per_group = 250  # events per group, on average, before another is convened

    def now(self) -> datetime:
        return self.start + (self.end - self.start) * min(1.0, self.total / self.target)

    def record(self, *aggregates: AccordAggregate) -> None:
        for aggregate in aggregates:
            events = aggregate.collect_events()
            for event in events:
                if event.originator_version == 1:
                    self.created[KINDS[type(aggregate)]] += 1
            self.pending.extend(events)
            self.touched[aggregate.id] = aggregate
            self.total += len(events)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Save the pending events in the order they happened, with the records' index rows."""
        if not self.pending:
            return
        aggregates = list(self.touched.values())
        rows = [r for a in aggregates if (r := self.ledger._index_row(a)) is not None]
        # The aggregates (with nothing pending now) come too, so snapshots are taken as usual.
        self.ledger.save(*self.pending, *aggregates, index_rows=rows)
        if self.progress is not None:
            self.progress(len(self.pending))
        self.pending, self.touched = [], {}

    def run(self, administrator: str) -> None:
        rng = self.rng
        current_actor.set(administrator)
        for index in range(max(7, min(300, self.target // 4000))):
            organisation = Organisation.register(
                f"Partner organisation {index + 1}", SECTORS[index % 7]
            )
            self.organisations.append(str(organisation.id))
            self.staff[str(organisation.id)] = []
            self.record(organisation)
        for index in range(max(40, min(40_000, self.target // 30))):
            org = rng.choice(self.organisations)
            person = Person.register(f"Person {index + 1}", None, org)
            self.people.append(str(person.id))
            self.organisation_of[str(person.id)] = org
            self.staff[org].append(str(person.id))
            self.record(person)
        steps, weights = list(STEPS), list(STEPS.values())
        next_group = self.total
        while self.total < self.target:
            if self.total >= next_group or not self.open:
                self.convene()
                next_group += self.per_group
            work = rng.choice(self.open)
            # A step a rule refuses raises before any event: nothing is recorded.
            with suppress(AccordError):
                getattr(self, f"_{rng.choices(steps, weights)[0]}")(work)
        self.flush()

    def act(self, person: str | None) -> None:
        current_actor.set(person)

    def member(self, work: _Work) -> str:
        return self.rng.choice(list(work.group.members))

    def convene(self) -> None:
        rng = self.rng
        parents = [w.group for w in self.open[-10:]]
        parent = rng.choice(parents) if parents and rng.random() < 0.7 else None
        convener = rng.choice(self.people)
        self.act(convener)
        number = len(self.groups) + 1
        group = Group.convene(
            f"Group {number}",
            rng.choice(["design team", "working group", "coordinating group"]),
            f"Purpose of group {number}.",
            parent,
            convener,
            self.now() - timedelta(days=rng.randint(0, 60)),
        )
        for person in rng.sample(self.people, rng.randint(5, 12)):
            if person != convener:
                group.join(person, "member", self.now())
        work = _Work(group)
        self.groups[str(group.id)] = work
        self.open.append(work)
        self.record(group)
        if len(self.open) > 40:
            old = self.open.pop(0)
            self.act(next(p for p, r in old.group.members.items() if r == "convener"))
            old.group.close("Its work moved to newer groups.", self.now())
            self.record(old.group)

    def _join(self, work: _Work) -> None:
        person = self.rng.choice(self.people)
        if person not in work.group.members and len(work.group.members) < 25:
            self.act(self.member(work))
            work.group.join(person, self.rng.choice(["member", "member", "observer"]), self.now())
            self.record(work.group)

    def _leave(self, work: _Work) -> None:
        if len(work.group.members) > 6:
            person = self.member(work)
            self.act(person)
            work.group.leave(person, self.now())
            self.record(work.group)

    def _propose(self, work: _Work) -> None:
        person = self.member(work)
        self.act(person)
        n = self.total
        decision = Decision.propose(
            work.group, f"Decision {n}", f"We will do {n}.", None, None, person
        )
        work.proposed.append(decision)
        self.record(decision)

    def _agree(self, work: _Work) -> None:
        if not work.proposed:
            return
        rng, when = self.rng, self.now()
        decision = work.proposed.pop(0)
        people = rng.sample(
            list(work.group.members), min(len(work.group.members), rng.randint(2, 7))
        )
        orgs = [self.organisation_of[p] for p in people]
        earlier = [d for d in work.agreed[-5:] if d.effective_at and d.effective_at <= when]
        supersedes = [rng.choice(earlier)] if earlier and rng.random() < 0.2 else []
        cited = rng.sample(work.principles, min(len(work.principles), rng.randint(0, 1)))
        self.act(people[0])
        method = rng.choice(
            ["consent", "consent", "consensus", "vote", "delegated_authority", "single_lead"]
        )
        review = (when + timedelta(days=365)).date() if rng.random() < 0.3 else None
        decision.agree(work.group, method, people, orgs, None, cited, supersedes, when, review)
        work.agreed = [*[d for d in work.agreed if d not in supersedes][-20:], decision]
        self.record(decision, *supersedes)

    def _reject(self, work: _Work) -> None:
        if work.proposed:
            self.act(self.member(work))
            decision = work.proposed.pop()
            decision.reject(work.group, "Not now.")
            self.record(decision)

    def _revoke(self, work: _Work) -> None:
        if work.agreed:
            self.act(self.member(work))
            decision = work.agreed.pop(0)
            decision.revoke(work.group, "It did not work as intended.", self.now())
            self.record(decision)

    def _raise(self, work: _Work) -> None:
        person = self.member(work)
        self.act(person)
        parties = [{"kind": "organisation", "id": self.organisation_of[person]}]
        conflict = Conflict.raise_conflict(
            work.group, person, parties, f"Tension {self.total}", effective_at=self.now()
        )
        work.conflicts.append(conflict)
        self.record(conflict)

    def _acknowledge(self, work: _Work) -> None:
        raised = [c for c in work.conflicts if c.status == "raised"]
        if raised:
            self.act(self.member(work))
            raised[0].acknowledge(work.group, None)
            self.record(raised[0])

    def _note(self, work: _Work) -> None:
        working = [c for c in work.conflicts if c.status != "raised" and len(c.notes) < 6]
        if working:
            self.act(self.member(work))
            conflict = self.rng.choice(working)
            conflict.add_note(work.group, str(uuid4()), "Met and talked it through.")
            self.record(conflict)

    def _close_conflict(self, work: _Work, how: str) -> None:
        working = [c for c in work.conflicts if c.status != "raised"]
        if not working:
            return
        conflict = working[0]
        self.act(self.member(work))
        parent = self.groups.get(work.group.parent_group_id or "")
        if how == "escalate" and parent is not None:
            conflict.escalate(work.group, parent.group, "Needs the wider group.")
        else:
            decision = work.agreed[-1] if work.agreed and self.rng.random() < 0.3 else None
            conflict.resolve(work.group, "Agreed a way forward.", decision, self.now())
        work.conflicts.remove(conflict)
        self.record(conflict)

    def _resolve(self, work: _Work) -> None:
        self._close_conflict(work, "resolve")

    def _escalate(self, work: _Work) -> None:
        self._close_conflict(work, "escalate")

    def _propose_principle(self, work: _Work) -> None:
        self.act(self.member(work))
        principle = Principle.propose(work.group, f"Principle {self.total}.", None)
        work.drafts.append(principle)
        self.record(principle)

    def _respond(self, work: _Work) -> None:
        if work.drafts:
            principle = self.rng.choice(work.drafts)
            person = self.member(work)
            self.act(person)
            principle.respond(
                work.group, person, "endorse" if self.rng.random() < 0.85 else "object", None
            )
            self.record(principle)

    def _agree_principle(self, work: _Work) -> None:
        if work.drafts:
            self.act(self.member(work))
            principle = work.drafts.pop(0)
            principle.agree(work.group, self.now())
            work.principles.append(principle)
            self.record(principle)

    def _amend(self, work: _Work) -> None:
        if work.principles:
            self.act(self.member(work))
            principle = self.rng.choice(work.principles)
            principle.amend(work.group, f"Principle {self.total}, amended.", None, self.now())
            self.record(principle)

    def _define(self, work: _Work) -> None:
        holder = self.member(work)
        self.act(holder)
        accountability = Accountability.define(
            work.group,
            f"Accountability {self.total}",
            {"kind": "person", "id": holder},
            None,
            self.now(),
        )
        work.accountabilities.append(accountability)
        self.record(accountability)

    def _offer(self, work: _Work) -> None:
        free = [a for a in work.accountabilities if a.open_handover_id is None]
        if not free:
            return
        rng = self.rng
        accountability = rng.choice(free)
        if accountability.version > 40:
            self._retire_one(work, accountability)
            return
        roll = rng.random()
        to = (
            {"kind": "organisation", "id": rng.choice(self.organisations)}
            if roll < 0.1
            else {"kind": "group", "id": str(rng.choice(self.open).group.id)}
            if roll < 0.15
            else {"kind": "person", "id": self.member(work)}
        )
        self.act(self.speaker(accountability.holder, work))
        accountability.offer_handover(
            work.group, str(uuid4()), to, "Handing it on.", effective_at=self.now()
        )
        self.record(accountability)

    def speaker(self, party: dict[str, str], work: _Work) -> str:
        """Someone on a party's side: the person, a member of the group, or a staff member."""
        if party["kind"] == "person":
            return party["id"]
        if party["kind"] == "group" and party["id"] in self.groups:
            return self.member(self.groups[party["id"]])
        return self.rng.choice(self.staff.get(party["id"]) or [self.member(work)])

    def _settle(self, work: _Work, outcome: str) -> None:
        offered = [a for a in work.accountabilities if a.open_handover_id is not None]
        if not offered:
            return
        accountability = offered[0]
        handover_id = accountability.open_handover_id or ""
        to = accountability.handovers[handover_id]["to"]
        if outcome == "withdraw":
            self.act(self.speaker(accountability.holder, work))
            accountability.withdraw_handover(work.group, handover_id, "Not now.")
        elif outcome == "decline":
            self.act(self.speaker(to, work))
            accountability.decline_handover(work.group, handover_id, True, "No capacity.")
        else:
            self.act(self.speaker(to, work))
            accountability.accept_handover(work.group, handover_id, True, self.now())
        self.record(accountability)

    def _accept(self, work: _Work) -> None:
        self._settle(work, "accept")

    def _decline(self, work: _Work) -> None:
        self._settle(work, "decline")

    def _withdraw(self, work: _Work) -> None:
        self._settle(work, "withdraw")

    def _return(self, work: _Work) -> None:
        ready = [
            a for a in work.accountabilities if a.open_handover_id is None and len(a.holders) > 1
        ]
        if ready:
            accountability = self.rng.choice(ready)
            self.act(self.speaker(accountability.holder, work))
            accountability.return_to_previous(
                work.group, "Back to the previous holder.", self.now()
            )
            self.record(accountability)

    def _retire(self, work: _Work) -> None:
        free = [a for a in work.accountabilities if a.open_handover_id is None]
        if free:
            self._retire_one(work, self.rng.choice(free))

    def _retire_one(self, work: _Work, accountability: Accountability) -> None:
        self.act(self.member(work))
        accountability.retire(work.group, "No longer needed.", self.now())
        work.accountabilities.remove(accountability)
        self.record(accountability)


def synthetic(
    ledger: Ledger,
    target: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Fill an empty ledger with about `target` events, many per transaction, for benchmarks."""
    require_empty(ledger)
    started = time.perf_counter()
    administrator, row, secret = ledger.bootstrap("Demo Administrator")
    generator = _Synthetic(ledger, target, seed, progress)
    token = current_actor.set(administrator)
    try:
        generator.run(administrator)
    finally:
        current_actor.reset(token)
    records = dict(sorted(generator.created.items()))
    records["person"] = records.get("person", 0) + 1
    return DemoResult(
        administrator_id=administrator,
        key_id=row.key_id,
        api_key=secret,
        events=ledger.head_position(),
        people=records["person"],
        records=records,
        seconds=time.perf_counter() - started,
        start=generator.start,
        end=generator.end,
        report_from=generator.start,
    )


__all__ = ["DemoResult", "StoreNotEmpty", "living_well", "require_empty", "synthetic"]
