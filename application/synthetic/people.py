"""Steps of the synthetic ledger about people, organisations, groups and members."""

from __future__ import annotations

from typing import TYPE_CHECKING

from application.synthetic.shape import MAX_MEMBERS
from application.synthetic.words import FIRST, LAST
from application.synthetic.work import GroupWork
from domain.person import Person

if TYPE_CHECKING:
    from application.synthetic.generator import Generator


def register_person(g: Generator, _: GroupWork | None = None) -> None:
    rng = g.rng
    g.act_as(g.admin_id)
    number = len(g.people) + 1
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {number}"
    organisation = rng.choice(g.organisations) if rng.random() < 0.9 else None
    person = Person.register(
        name,
        f"person{number}@example.org",
        str(organisation.id) if organisation else None,
    )
    g.people.append(person)
    g.person[str(person.id)] = person
    if organisation is not None:
        g.staff.setdefault(str(organisation.id), set()).add(str(person.id))
    g.record(person)


def change_affiliation(g: Generator, _: GroupWork) -> None:
    g.act_as(g.admin_id)
    person = g.rng.choice(g.people)
    organisation = g.rng.choice(g.organisations)
    if person.organisation_id is not None:
        g.staff.get(str(person.organisation_id), set()).discard(str(person.id))
    person.change_affiliation(str(organisation.id), g.when(0.6, 60))
    g.staff.setdefault(str(organisation.id), set()).add(str(person.id))
    g.record(person)


def rename_organisation(g: Generator, _: GroupWork) -> None:
    g.act_as(g.admin_id)
    organisation = g.rng.choice(g.organisations)
    organisation.rename(organisation.name.split(" (")[0] + f" ({g.clock.now.year})")
    g.record(organisation)


# Groups and members.


def join(g: Generator, work: GroupWork, back_days: float = 21) -> None:
    group = work.group
    if len(group.members) >= MAX_MEMBERS:
        return
    candidates = [p for p in g.rng.sample(g.people, 8) if str(p.id) not in group.members]
    if not candidates:
        return
    g.act_as(g.member(work, voting=True))
    role = g.rng.choices(["member", "observer", "convener"], [80, 15, 5])[0]
    group.join(str(candidates[0].id), role, g.when(0.35, back_days, group.began_at))
    g.record(group)


def leave(g: Generator, work: GroupWork) -> None:
    if len(work.group.members) <= 4:
        return
    person_id = g.member(work)
    assert person_id is not None
    g.act_as(person_id)
    work.group.leave(person_id, g.when(0.3, 14))
    g.record(work.group)


def change_role(g: Generator, work: GroupWork) -> None:
    person_id = g.member(work)
    if person_id is None:
        return
    roles = [r for r in ("member", "observer", "convener") if r != work.group.members[person_id]]
    g.act_as(g.member(work, voting=True))
    work.group.change_role(person_id, g.rng.choice(roles), g.when(0.3, 14))
    g.record(work.group)


def restate_purpose(g: Generator, work: GroupWork) -> None:
    thing, area = g.text()
    g.act_as(g.member(work, voting=True))
    work.group.restate_purpose(
        f"To improve {area} for the people we serve, starting with {thing}.",
        g.when(0.4, 30),
    )
    g.record(work.group)


def close_a_group(g: Generator) -> None:
    g.closed_one = True
    work = g.work[-1]
    g.act_as(g.member(work, voting=True))
    work.group.close(
        "Its work is done; what remains moves to its parent group.",
        g.when(0.5, 14, work.group.began_at),
    )
    g.record(work.group)
    g.reopen_work()
