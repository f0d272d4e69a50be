"""The Living Well story's steps: each one command, taken by a person of the cast."""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from application.demo.data import LAST_DAY, SPAN_DAYS, STORY
from application.demo.routine import Routine
from application.ledger import Ledger
from domain.base import current_actor

TICK = timedelta(milliseconds=1)


class StoryClock:
    """The recorded time while the story runs: each step is recorded when it takes place in
    the story, so that what takes effect when recorded (an endorsement, an acknowledgement, a
    declined handover) falls in the story's order too. Every reading is later than the one
    before, by a millisecond at least, so recorded time only moves forward."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.last = start - TICK

    def reach(self, moment: datetime) -> None:
        self.moment = max(self.moment, moment)

    def __call__(self) -> datetime:
        self.last = max(self.last + TICK, self.moment)
        return self.last


class Story:
    """Runs the story: an agenda of steps by day, each taken by a person as one command."""

    def __init__(self, ledger: Ledger, seed: int, end: datetime) -> None:
        self.ledger = ledger
        self.rng = random.Random(seed)
        start = end - timedelta(days=SPAN_DAYS)
        self.base = datetime(start.year, start.month, start.day, tzinfo=UTC)
        self.clock = StoryClock(self.base + timedelta(hours=8))
        self.agenda: list[tuple[int, int, Callable[..., None], tuple[Any, ...]]] = []
        self.order = itertools.count()
        self.day = 0
        self.slot = 0
        self.ids: dict[str, str] = {}  # handle -> id, for parties and records
        self.kind: dict[str, str] = {}  # party handle -> person, organisation or group
        self.org_of: dict[str, str] = {}
        self.members: dict[str, dict[str, str]] = {}  # group -> {person: role}
        self.group_of: dict[str, str] = {}  # record -> its group
        self.parent_of: dict[str, str | None] = {}  # group -> the group it reports to
        self.holder: dict[str, str] = {}
        self.holders: dict[str, list[str]] = {}
        self.offers: dict[str, tuple[str, str]] = {}  # accountability -> (handover id, to)
        self.active: list[str] = []  # accountabilities, oldest first
        self.reserved: set[str] = set()  # accountabilities the script moves itself
        self.in_force: list[str] = []  # agreed principles
        self.conflicts: dict[str, list[str]] = {}  # group -> its open conflicts
        self.acknowledged: set[str] = set()
        self.backlog = {g: list(items) for g, items in STORY["routine_decisions"].items()}
        self.work = {g: list(items) for g, items in STORY["routine_work"].items()}
        self.created: Counter[str] = Counter()
        self.serial = itertools.count(1)
        self.routine = Routine(self)

    # Scheduling and acting.

    def script(self) -> None:
        """Put the script's steps on the agenda, the routine's first meetings among them."""
        for day, name, *args in STORY["script"]:
            self.on(day, self.step(name), *args)

    def step(self, name: str) -> Callable[..., None]:
        """A step of the script by its name: the routine's, or one command of the story."""
        step: Callable[..., None] = getattr(self.routine, name, None) or getattr(self, name)
        return step

    def on(self, day: int, step: Callable[..., None], *args: Any) -> None:
        if day <= LAST_DAY:
            heapq.heappush(self.agenda, (day, next(self.order), step, args))

    def run(self) -> None:
        while self.agenda:
            day, _, step, args = heapq.heappop(self.agenda)
            if day != self.day:
                self.day, self.slot = day, 0
            self.clock.reach(self.moment())
            step(*args)

    def moment(self) -> datetime:
        return self.base + timedelta(days=self.day, hours=9, minutes=4 * self.slot)

    def at(self) -> datetime:
        """The effective time of the next step: later in the day with every step. The step
        is recorded then too (the story's clock moves on with it)."""
        self.slot += 1
        moment = self.moment()
        self.clock.reach(moment)
        return moment

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
            for handle, name, sector in STORY["organisations"]:
                self.new(
                    handle,
                    "organisation",
                    self.ledger.organisations.register_organisation(name, sector).id,
                )
                self.kind[handle] = "organisation"
            self.ledger.people.change_affiliation(administrator, self.ids["trust"], self.base)
            self.org_of["helen"] = "trust"
            for index, (handle, name, org) in enumerate(STORY["people"]):
                first, *_, last = [w for w in name.replace("'", "").split() if w != "Dr"]
                email = f"{first}.{last}@example.org".lower() if index % 4 else None
                written = self.ledger.people.register_person(name, email, self.ids[org])
                self.new(handle, "person", written.id)
                self.kind[handle], self.org_of[handle] = "person", org

    def convene(self, group: str, name: str, kind: str, parent: str | None, by: str) -> None:
        with self.acting(by):
            parent_id = self.ids[parent] if parent else None
            written = self.ledger.groups.convene_group(
                name, kind, STORY["purpose"][group], parent_id, self.at()
            )
        self.new(group, "group", written.id)
        self.parent_of[group] = parent
        self.kind[group], self.members[group], self.conflicts[group] = "group", {by: "convener"}, []

    def join(self, group: str, person: str, role: str = "member") -> None:
        with self.acting(self.convener(group)):
            self.ledger.groups.add_member(self.ids[group], self.ids[person], role, self.at())
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
                    acc,
                    self.routine.recipient(acc),
                    "Handing on before I leave the group.",
                    "accept",
                )
        with self.acting(person):
            self.ledger.groups.remove_member(self.ids[group], self.ids[person], self.at())
        del self.members[group][person]

    def change_role(self, group: str, person: str, role: str) -> None:
        with self.acting(self.convener(group)):
            self.ledger.groups.change_member_role(
                self.ids[group], self.ids[person], role, self.at()
            )
        self.members[group][person] = role

    def restate(self, group: str, by: str) -> None:
        with self.acting(by):
            self.ledger.groups.restate_purpose(
                self.ids[group], STORY["restated_purpose"], self.at()
            )

    def move(self, person: str, org: str) -> None:
        with self.acting(person):
            self.ledger.people.change_affiliation(self.ids[person], self.ids[org], self.at())
        self.org_of[person] = org

    # Principles.

    def principle(self, handle: str, group: str, by: str, statement: str, why: str) -> None:
        with self.acting(by):
            written = self.ledger.principles.propose_principle(
                self.ids[group], statement, why, self.at()
            )
        self.new(handle, "principle", written.id, group)

    def citable(self, group: str) -> list[str]:
        """The agreed principles a decision of the group may cite: its own and those of the
        groups above it."""
        above: list[str] = []
        at: str | None = group
        while at is not None:
            above.append(at)
            at = self.parent_of.get(at)
        return [p for p in self.in_force if self.group_of[p] in above]

    def respond(self, handle: str, person: str, stance: str, reason: str | None = None) -> None:
        with self.acting(person):
            self.ledger.principles.respond_to_principle(self.ids[handle], stance, reason)

    def agree_principle(self, handle: str, by: str) -> None:
        with self.acting(by):
            self.ledger.principles.agree_principle(self.ids[handle], self.at())
        self.in_force.append(handle)

    def amend(self, handle: str, by: str, statement: str, why: str) -> None:
        with self.acting(by):
            self.ledger.principles.amend_principle(self.ids[handle], statement, why, self.at())

    def retire_principle(self, handle: str, by: str, reason: str) -> None:
        with self.acting(by):
            self.ledger.principles.retire_principle(self.ids[handle], reason, self.at())
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
            written = self.ledger.decisions.record_decision(
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
            written = self.ledger.decisions.propose_decision(
                self.ids[group], title, text, effective_at=self.at()
            )
        self.new(handle, "decision", written.id, group)

    def close_proposal(self, handle: str, by: str, outcome: str, reason: str) -> None:
        with self.acting(by):
            if outcome == "reject":
                self.ledger.decisions.reject_decision(self.ids[handle], reason)
            else:
                self.ledger.decisions.withdraw_decision(self.ids[handle], reason)

    def revoke(self, handle: str, by: str, reason: str) -> None:
        with self.acting(by):
            self.ledger.decisions.revoke_decision(self.ids[handle], reason, self.at())

    # Conflicts.

    def raise_conflict(
        self, handle: str, group: str, by: str, parties: list[str], about: str, text: str
    ) -> None:
        with self.acting(by):
            written = self.ledger.conflicts.raise_conflict(
                self.ids[group], [self.ref(p) for p in parties], about, text, effective_at=self.at()
            )
        self.new(handle, "conflict", written.id, group)
        self.conflicts[group].append(handle)

    def acknowledge(self, handle: str, by: str, note: str) -> None:
        with self.acting(by):
            self.ledger.conflicts.acknowledge_conflict(self.ids[handle], note)
        self.acknowledged.add(handle)

    def note(self, handle: str, by: str, text: str) -> None:
        with self.acting(by):
            self.ledger.conflicts.add_conflict_note(self.ids[handle], text)

    def close_conflict(
        self, handle: str, by: str, outcome: str, text: str, target: str | None = None
    ) -> None:
        """Resolve (by a decision, if named), escalate (to a group) or withdraw a conflict."""
        with self.acting(by):
            if outcome == "resolve":
                decision = self.ids[target] if target else None
                self.ledger.conflicts.resolve_conflict(self.ids[handle], text, decision, self.at())
            elif outcome == "escalate" and target is not None:
                self.ledger.conflicts.escalate_conflict(self.ids[handle], self.ids[target], text)
            else:
                self.ledger.conflicts.withdraw_conflict(self.ids[handle], text)
        self.conflicts[self.group_of[handle]].remove(handle)

    # Accountabilities.

    def define(
        self, handle: str, group: str, holder: str, title: str, scope: str, reserved: bool = False
    ) -> None:
        by = holder if self.kind[holder] == "person" else self.convener(group)
        with self.acting(by):
            written = self.ledger.accountabilities.define_accountability(
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
            written = self.ledger.accountabilities.offer_handover(
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
                self.ledger.accountabilities.accept_handover(self.ids[acc], handover_id, self.at())
            elif outcome == "decline":
                self.ledger.accountabilities.decline_handover(self.ids[acc], handover_id, why)
            else:
                self.ledger.accountabilities.withdraw_handover(self.ids[acc], handover_id, why)
        del self.offers[acc]
        if outcome == "accept":
            self.holder[acc] = to
            self.holders[acc].append(to)

    def give_back(self, acc: str, reason: str) -> None:
        """The holder returns the work to whoever held it before."""
        if acc not in self.active or acc in self.offers or len(self.holders[acc]) < 2:
            return
        with self.acting(self.speaker(self.holder[acc], self.group_of[acc])):
            self.ledger.accountabilities.return_accountability(self.ids[acc], reason, self.at())
        self.holder[acc] = self.holders[acc][-2]
        self.holders[acc].append(self.holder[acc])

    def retire(self, acc: str, by: str, reason: str) -> None:
        if acc in self.offers:
            self.settle(acc, self.offers[acc][0], "withdraw", "The work is ending.")
        with self.acting(by):
            self.ledger.accountabilities.retire_accountability(self.ids[acc], reason, self.at())
        self.active.remove(acc)

    def release(self, acc: str) -> None:
        self.reserved.discard(acc)
