"""Random programmes sent to the HTTP API and, command by command, to the reference model.

Each step draws a command (with an effective time back-dated, future-dated or omitted),
asks the model for its verdict, sends it, checks the answer against the verdict and, when
it was accepted, gives the model the times the API answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from hypothesis import strategies as st

from tests.interfaces.support import Actor, Api
from tests.reference.model import CLOSED, Reference, Verdict

SECTORS = ("statutory_health", "local_authority", "lived_experience", "statutory_health")
PEOPLE = 4
ROLES = ("convener", "member", "observer")
METHODS = ("consent", "consensus", "vote", "delegated_authority", "single_lead")
# Effective times, in days from the programme's start: back-dated, around now, future-dated.
OFFSETS = (-400, -120, -60, -30, -10, -3, -1, 1, 3, 10, 20, 30, 90)
# Proposals are dated now and then; most take effect when recorded.
PROPOSALS = (-120, -30, -3, 3, 30, None, None, None, None, None)
CONVENED = (-500, -200, -60, -30, None)
IST = timezone(timedelta(hours=5, minutes=30))

Apply = Callable[[dict[str, Any]], None]


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def dotted(field: str) -> str:
    """A field path in one notation: time.md writes `participants[0]`, a problem may say
    `participants.0`."""
    return field.replace("[", ".").replace("]", "")


def iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass
class Outcome:
    """What a step did: the verdict, the status and, for the report, silences met."""

    name: str
    verdict: Verdict
    status: int


@dataclass
class Programme:
    api: Api
    data: Any
    model: Reference = field(default_factory=Reference)
    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    orgs: list[str] = field(default_factory=list)
    people: list[Actor] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    kinds: dict[str, list[str]] = field(default_factory=dict)
    head: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    counter: int = 0

    # ---------------------------------------------------------------- helpers

    def draw(self, strategy: Any, label: str) -> Any:
        return self.data.draw(strategy, label=label)

    def effective(
        self, offsets: tuple[int | None, ...] = (*OFFSETS, None, None)
    ) -> datetime | None:
        days = self.draw(st.sampled_from(offsets), "effective (days)")
        return None if days is None else self.start + timedelta(days=days)

    def when(self, effective: datetime | None) -> datetime:
        """The moment a command's preconditions are checked at (an omitted time: now)."""
        return effective if effective is not None else datetime.now(UTC)

    def text(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix} {self.counter}"

    @property
    def everyone(self) -> list[Actor]:
        assert self.api.admin is not None
        return [self.api.admin, *self.people]

    def actor(self, person_id: str) -> Actor:
        return next(a for a in self.everyone if a.person_id == person_id)

    def of(self, kind: str) -> list[str]:
        return self.kinds.setdefault(kind, [])

    def timed(self, body: dict[str, Any], effective: datetime | None) -> dict[str, Any]:
        if effective is not None:
            # Some in another offset: the same instant must compare the same.
            shown = effective.astimezone(IST) if effective.day % 2 else effective
            body["effective_at"] = iso(shown)
        return body

    def attempt(
        self,
        name: str,
        verdict: Verdict,
        method: str,
        url: str,
        body: Any,
        apply: Apply,
        as_: Actor | None = None,
    ) -> dict[str, Any] | None:
        group = self.group_of(url)
        if group is not None and self.model._closed(group, datetime.now(UTC)):
            verdict = CLOSED
        response = self.api.call(method, url, as_ or self.api.admin, json=body)
        self.outcomes.append(Outcome(name, verdict, response.status_code))
        assert verdict.allows(response.status_code), (
            f"{name}: the model expects {verdict} but the API answered "
            f"{response.status_code} {response.text}"
        )
        if response.status_code == 422 and verdict.accept is False and verdict.fields:
            named = [dotted(e["field"]) for e in response.json().get("errors", [])]
            assert any(f.endswith(dotted(w)) for f in named for w in verdict.fields), (
                f"{name}: the model expects a problem naming {sorted(verdict.fields)} "
                f"({verdict.why}) but the API named {named}: {response.text}"
            )
        if response.status_code >= 300:
            # A refusal records nothing.
            assert self.api.head() == self.head, f"{name} refused but recorded something"
            return None
        answer = response.json()
        self.head = int(answer["position"])
        apply(answer)
        return answer

    def group_of(self, url: str) -> str | None:
        """The group a write is in (None for people and for convening)."""
        parts = url.split("?")[0].strip("/").split("/")
        if parts[0] == "groups" and len(parts) > 1:
            return parts[1]
        record = self.model.records.get(parts[1]) if len(parts) > 1 else None
        return record.group_id if record else None

    def get(self, url: str, **params: Any) -> httpx.Response:
        query = {k: iso(v) if isinstance(v, datetime) else v for k, v in params.items()}
        query = {k: v for k, v in query.items() if v is not None}
        return self.api.call(
            "GET", url, self.api.admin, params={**query, "min_position": self.head}
        )

    # ---------------------------------------------------------------- the cast

    def set_up(self) -> None:
        assert self.api.admin is not None
        self.head = self.api.head()
        self.model.register_person(self.api.admin.person_id, None, self.start)
        for index, sector in enumerate(SECTORS):
            body = self.api.organisation(f"Org {index}", sector)
            self.orgs.append(body["id"])
            self.model.register_organisation(body["id"], body["name"], sector)
        for index in range(PEOPLE):
            org = self.draw(st.sampled_from([*self.orgs, None]), "registered with")
            person = self.api.person(f"Person {index}", org)
            self.people.append(person)
            created = self.api.read(f"/people/{person.person_id}")["created_on"]
            self.model.register_person(person.person_id, org, parse(created))
        self.head = self.api.last_position
        self.convene(None, self.effective(CONVENED))
        if self.draw(st.booleans(), "a sub-group"):
            self.convene(self.groups[0], self.effective(tuple(OFFSETS[:8])))

    def convene(self, parent: str | None, effective: datetime | None) -> None:
        assert self.api.admin is not None
        body = self.timed(
            {"name": self.text("Group"), "kind": "design team", "purpose": self.text("Purpose")},
            effective,
        )
        if parent is not None:
            body["parent_group_id"] = parent
        verdict = self.model.check_convene(parent, self.when(effective))
        admin = self.api.admin.person_id

        def apply(answer: dict[str, Any]) -> None:
            recorded = parse(answer["modified_on"])
            self.model.convene(
                answer["id"], admin, body["purpose"], parent, recorded, effective or recorded
            )
            self.groups.append(answer["id"])

        self.attempt("convene", verdict, "POST", "/groups", body, apply)

    # ---------------------------------------------------------------- the steps

    def step(self) -> None:
        name = self.draw(st.sampled_from(STEPS), "step")
        getattr(self, name)()

    def move(self) -> None:
        person = self.draw(st.sampled_from(self.people), "person").person_id
        org = self.draw(st.sampled_from([*self.orgs, None]), "to organisation")
        effective = self.effective()
        verdict = self.model.check_affiliation(person, org, self.when(effective))

        def apply(answer: dict[str, Any]) -> None:
            recorded = parse(answer["modified_on"])
            self.model.change_affiliation(person, org, recorded, effective or recorded)

        body = self.timed({"organisation_id": org}, effective)
        self.attempt("move", verdict, "POST", f"/people/{person}/affiliation", body, apply)

    def group_change(
        self,
        name: str,
        verdict: Verdict,
        method: str,
        url: str,
        body: Any,
        effective: datetime | None,
        record: Callable[[datetime, datetime], None],
    ) -> None:
        def apply(answer: dict[str, Any]) -> None:
            recorded = parse(answer["modified_on"])
            record(recorded, effective or recorded)

        self.attempt(name, verdict, method, url, body, apply)

    def join(self) -> None:
        group = self.draw(st.sampled_from(self.groups), "group")
        person = self.draw(st.sampled_from(self.people), "person").person_id
        role = self.draw(st.sampled_from(ROLES), "role")
        effective = self.effective()
        verdict = self.model.check_join(group, person, self.when(effective))
        body = self.timed({"person_id": person, "role": role}, effective)
        self.group_change(
            "join",
            verdict,
            "POST",
            f"/groups/{group}/members",
            body,
            effective,
            lambda r, e: self.model.membership("MemberJoined", group, person, role, r, e),
        )

    def change_role(self) -> None:
        group = self.draw(st.sampled_from(self.groups), "group")
        person = self.draw(st.sampled_from(self.people), "person").person_id
        role = self.draw(st.sampled_from(ROLES), "role")
        effective = self.effective()
        verdict = self.model.check_role(group, person, role, self.when(effective))
        body = self.timed({"role": role}, effective)
        self.group_change(
            "change role",
            verdict,
            "POST",
            f"/groups/{group}/members/{person}/role",
            body,
            effective,
            lambda r, e: self.model.membership("MemberRoleChanged", group, person, role, r, e),
        )

    def leave(self) -> None:
        group = self.draw(st.sampled_from(self.groups), "group")
        person = self.draw(st.sampled_from(self.people), "person").person_id
        effective = self.effective()
        verdict = self.model.check_leave(group, person, self.when(effective))
        url = f"/groups/{group}/members/{person}"
        if effective is not None:
            url += "?" + httpx.QueryParams({"effective_at": iso(effective)}).__str__()
        self.group_change(
            "leave",
            verdict,
            "DELETE",
            url,
            None,
            effective,
            lambda r, e: self.model.membership("MemberLeft", group, person, None, r, e),
        )

    def restate(self) -> None:
        group = self.draw(st.sampled_from(self.groups), "group")
        effective = self.effective()
        purpose = self.text("Purpose")
        verdict = self.model.check_purpose(group, self.when(effective))
        body = self.timed({"purpose": purpose}, effective)
        self.group_change(
            "restate",
            verdict,
            "POST",
            f"/groups/{group}/purpose",
            body,
            effective,
            lambda r, e: self.model.restate_purpose(group, purpose, r, e),
        )

    def close(self) -> None:
        group = self.draw(st.sampled_from(self.groups), "group")
        effective = self.effective()
        verdict = self.model.check_close(group, self.when(effective))
        body = self.timed({}, effective)
        self.group_change(
            "close",
            verdict,
            "POST",
            f"/groups/{group}/close",
            body,
            effective,
            lambda r, e: self.model.close(group, r, e),
        )


STEPS = ["move", "move", "join", "join", "join", "change_role", "leave", "restate", "close"]
