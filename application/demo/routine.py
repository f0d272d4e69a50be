"""The story's routine between its scripted steps: meetings and handovers, decided by the
seeded generator so that two runs record the same events."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from application.demo.data import STORY


class Storyteller(Protocol):
    """What the routine reads of the story, and the story's steps it takes."""

    @property
    def rng(self) -> random.Random: ...
    @property
    def day(self) -> int: ...
    @property
    def members(self) -> dict[str, dict[str, str]]: ...
    @property
    def org_of(self) -> dict[str, str]: ...
    @property
    def group_of(self) -> dict[str, str]: ...
    @property
    def holder(self) -> dict[str, str]: ...
    @property
    def offers(self) -> dict[str, tuple[str, str]]: ...
    @property
    def active(self) -> list[str]: ...
    @property
    def reserved(self) -> set[str]: ...
    @property
    def in_force(self) -> list[str]: ...
    def citable(self, group: str) -> list[str]: ...
    @property
    def conflicts(self) -> dict[str, list[str]]: ...
    @property
    def acknowledged(self) -> set[str]: ...
    @property
    def backlog(self) -> dict[str, list[Any]]: ...
    @property
    def work(self) -> dict[str, list[str]]: ...
    @property
    def serial(self) -> Iterator[int]: ...

    def on(self, day: int, step: Callable[..., None], *args: Any) -> None: ...
    def convener(self, group: str) -> str: ...
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
    ) -> None: ...
    def define(
        self, handle: str, group: str, holder: str, title: str, scope: str, reserved: bool = False
    ) -> None: ...
    def note(self, handle: str, by: str, text: str) -> None: ...
    def offer(
        self, acc: str, to: str, reason: str, outcome: str | None, after: int = 5, why: str = ""
    ) -> None: ...
    def give_back(self, acc: str, reason: str) -> None: ...


class Routine:
    """Regular meetings of each group and rounds of handovers, as the story's people."""

    def __init__(self, story: Storyteller) -> None:
        self.story = story
        self.rng = story.rng
        self.senior = set(STORY["senior"])  # hold the work at first; are not handed more
        self.lived = {h for h, _, org in STORY["people"] if org in lived_experience()}

    def loads(self) -> Counter[str]:
        return Counter(self.story.holder[a] for a in self.story.active)

    def recipient(self, acc: str) -> str:
        """Someone to hand the work to: mostly a member holding little, from elsewhere."""
        group, holder, rng = self.story.group_of[acc], self.story.holder[acc], self.rng
        roll = rng.random()
        if roll < 0.1:
            return rng.choice(
                [
                    o
                    for o in ("voices", "harbour", "opendoor", "pcn")
                    if o != self.story.org_of.get(holder)
                ]
            )
        if roll < 0.16 and group != "design" and "design" in self.story.members:
            return "design"
        loads = self.loads()
        people = [
            p
            for p, role in self.story.members[group].items()
            if role != "observer" and p != holder and p not in self.senior
        ]
        weights = [
            (2.0 if self.story.org_of[p] != self.story.org_of.get(holder) else 1.0)
            * (1.5 if p in self.lived else 1.0)
            / (1 + loads[p]) ** 2
            for p in people
        ]
        return rng.choices(people, weights)[0]

    def handover_round(self) -> None:
        rng = self.rng
        loads = self.loads()
        # Organisations and groups hand work on too (someone acts for them), or it piles up.
        free = [
            a
            for a in self.story.active
            if a not in self.story.offers and a not in self.story.reserved
        ]
        if free:
            acc = rng.choices(free, [loads[self.story.holder[a]] for a in free])[0]
            outcome = rng.choices(["accept", "decline", "withdraw"], [72, 15, 13])[0]
            why = rng.choice(
                STORY["decline_reasons"] if outcome == "decline" else STORY["withdraw_reasons"]
            )
            self.story.offer(
                acc,
                self.recipient(acc),
                rng.choice(STORY["offer_reasons"]),
                outcome,
                rng.randint(3, 20),
                why,
            )
            if outcome == "accept" and rng.random() < 0.15:
                self.story.on(
                    self.story.day + rng.randint(40, 120),
                    self.story.give_back,
                    acc,
                    rng.choice(STORY["return_reasons"]),
                )
        self.story.on(self.story.day + rng.randint(5, 11), self.handover_round)

    def present(self, group: str) -> list[str]:
        """Who takes part in a decision at a meeting; people with lived experience, mostly."""
        voting = [p for p, role in self.story.members[group].items() if role != "observer"]
        chosen = self.rng.sample(voting, min(len(voting), self.rng.randint(3, 8)))
        lived = [p for p in voting if p in self.lived and p not in chosen]
        if lived and not self.lived & set(chosen) and self.rng.random() < 0.7:
            chosen.append(self.rng.choice(lived))
        return chosen

    def meeting(self, group: str, every: int) -> None:
        rng = self.rng
        if self.story.backlog[group] and rng.random() < 0.7:
            title, text = self.story.backlog[group].pop(0)
            people = self.present(group)
            citable = self.story.citable(group)
            cited = rng.sample(citable, min(len(citable), rng.randint(0, 2)))
            objections = (
                ((people[-1], rng.choice(STORY["objections"])),) if rng.random() < 0.12 else ()
            )
            self.story.decide(
                f"d:routine{next(self.story.serial)}",
                group,
                title,
                text,
                rng.choices(list(STORY["methods"][group]), list(STORY["methods"][group].values()))[
                    0
                ],
                people,
                tuple(cited),
                (),
                objections,
                rng.choice([None, None, 182, 365]),
            )
        if self.story.work[group] and rng.random() < 0.35:
            title = self.story.work[group].pop(0)
            members = [p for p, r in self.story.members[group].items() if r != "observer"]
            holder = self.story.convener(group) if self.story.day < 365 else rng.choice(members)
            self.story.define(
                f"a:routine{next(self.story.serial)}",
                group,
                holder,
                title,
                f"{title}, across partners.",
            )
        for conflict in self.story.conflicts[group]:
            if conflict in self.story.acknowledged and rng.random() < 0.3:
                self.story.note(
                    conflict,
                    rng.choice(list(self.story.members[group])),
                    rng.choice(STORY["notes"]),
                )
        self.story.on(self.story.day + every + rng.randint(-3, 3), self.meeting, group, every)


def lived_experience() -> set[str]:
    """The organisations of people with lived experience."""
    return {handle for handle, _, sector in STORY["organisations"] if sector == "lived_experience"}
