"""`accord demo`: the Living Well story and the synthetic ledger, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from application.demo import DemoResult, StoreNotEmpty, living_well, synthetic
from application.errors import AlreadyBootstrapped
from application.keys import Caller
from application.ledger import Ledger
from domain.base import InvalidInput
from interfaces import cli
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings
from tests.application.support import LISTED_KINDS, all_listed
from tests.conftest import store_settings

pytestmark = pytest.mark.stores("sqlite", "postgres")


def topics(ledger: Ledger) -> list[str]:
    return [n.topic for n in ledger.recorder.select_notifications(1, 1_000_000)]


def listed(ledger: Ledger) -> dict[str, int]:
    return {kind: len(all_listed(ledger, kind)) for kind in LISTED_KINDS}


def every_event(ledger: Ledger) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = ledger.history.ledger_events(items[-1]["position"] if items else 0, 500)
        if not page["items"]:
            return items
        items.extend(page["items"])


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Ledger, DemoResult, dict[str, Any]]]:
    """One Living Well ledger per store, its read models caught up, and its report."""
    with store_settings(request.param, tmp_path_factory.mktemp("story"), request) as settings:
        ledger = build_ledger(settings)
        try:
            result = living_well(ledger)
            ledger.projector.catch_up()
            report = ledger.reports.accountability_report(
                result.groups["transformation"],
                include_subgroups=True,
                start=result.report_from,
                interval="quarter",
            )
            yield ledger, result, report
        finally:
            ledger.close()


def test_the_demo_records_the_same_history_every_time(
    ledger: Ledger, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    first = living_well(ledger)
    store = "sqlite" if settings.resolved_database_url().startswith("sqlite") else "postgres"
    with store_settings(store, tmp_path / "second", request) as other_settings:
        other = build_ledger(other_settings)
        try:
            second = living_well(other)
            assert topics(other) == topics(ledger)
            assert listed(other) == listed(ledger)
        finally:
            other.close()
    assert (second.events, second.people, second.records) == (
        first.events,
        first.people,
        first.records,
    )
    assert first.events > 500 and first.people == 40


def test_the_demo_refuses_a_ledger_that_is_not_empty(ledger: Ledger) -> None:
    ledger.organisations.register_organisation("Already here", "vcse")
    for fill in (living_well, lambda target: synthetic(target, 100)):
        with pytest.raises(StoreNotEmpty, match="not empty"):
            fill(ledger)
    assert ledger.head_position() == 1
    assert ledger.keys.list_keys() == []


@pytest.mark.stores("sqlite")
def test_accord_demo_exits_non_zero_with_a_clear_message_on_a_store_that_is_not_empty(
    ledger: Ledger, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger.organisations.register_organisation("Already here", "vcse")
    url = settings.resolved_database_url()
    assert cli.main(["--database-url", url, "demo"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "not empty" in err and "new database" in err
    assert ledger.head_position() == 1


def test_the_demo_administrator_holds_the_only_key_and_convenes_the_transformation_group(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    ledger, result, _ = story
    assert ledger.keys.authenticate(result.api_key) == Caller(
        result.administrator_id, result.key_id, "administrator"
    )
    members = ledger.records.get_group(result.groups["transformation"])["members"]
    assert {"person_id": result.administrator_id, "role": "convener"} in members
    with pytest.raises(AlreadyBootstrapped):
        ledger.keys.bootstrap("Someone Else")
    groups = {g: ledger.records.get_group(i)["parent_group_id"] for g, i in result.groups.items()}
    assert groups == {
        "transformation": None,
        "coordinating": result.groups["transformation"],
        "design": result.groups["coordinating"],
    }


def test_accountability_spreads_from_a_few_senior_leaders_to_many_people_and_organisations(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    _, _, report = story
    first, last = report["distribution"][0], report["distribution"][-1]
    assert first["holders"] <= 3 < 3 * first["holders"] <= last["holders"]
    assert first["organisations"] < last["organisations"]
    assert last["hhi_holders"] < first["hhi_holders"] / 3
    assert report["handovers"]["flows_between_organisations"]


def test_decisions_use_several_methods_and_often_include_people_with_lived_experience(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    _, _, report = story
    decisions = report["decisions"]
    assert len(decisions["by_method"]) >= 4
    assert 0.3 < decisions["share_with_lived_experience"] < 1
    assert decisions["share_with_two_or_more_organisations"] > 0.5
    assert decisions["past_review_date"]
    assert any(p["cited_by_decisions"] for p in report["principles"]["principles"])


def test_the_story_supersedes_and_revokes_decisions_and_settles_conflicts_every_way(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    _, _, report = story
    assert report["decisions"]["superseded"] >= 2 and report["decisions"]["revoked"] >= 1
    conflicts = report["conflicts"]
    assert min(conflicts["resolved"], conflicts["escalated"], conflicts["withdrawn"]) >= 1
    assert conflicts["open_at_end"] >= 1
    principles = report["principles"]
    assert principles["amended"] >= 2 and principles["retired"] >= 1


def test_handovers_are_accepted_declined_withdrawn_and_returned(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    _, _, report = story
    handovers = report["handovers"]
    assert handovers["accepted"] > handovers["declined"] > 0
    assert handovers["withdrawn"] > 0 and handovers["returned"] > 0


def test_every_step_is_taken_by_a_person_and_recipients_accept_their_own_handovers(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    ledger, _, _ = story
    events = every_event(ledger)
    nobody = [e["type"] for e in events if e["recorded_by"] is None]
    assert nobody == ["Person.Registered"]  # the bootstrap, as `accord keys bootstrap` does
    accepted = [e for e in events if e["type"] == "Accountability.HandoverAccepted"]
    to_people = [e for e in accepted if e["data"]["to"]["kind"] == "person"]
    assert to_people and all(e["recorded_by"] == e["data"]["to"]["id"] for e in to_people)
    actors = Counter(e["recorded_by"] for e in events if e["type"] == "Decision.Proposed")
    assert len(actors) >= 15


def test_the_story_takes_effect_over_more_than_two_years_before_its_end(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    ledger, result, _ = story
    effective = sorted(
        datetime.fromisoformat(e["data"]["effective_at"])
        for e in every_event(ledger)
        if "effective_at" in e["data"]
    )
    first, last = effective[0], effective[-1]
    assert result.start <= first < result.start + timedelta(days=1)
    assert result.end - timedelta(days=30) < last < result.end
    assert result.end - result.start > timedelta(days=730)


def test_a_scaled_demo_of_3000_events_records_about_that_many_and_projects_them(
    ledger: Ledger,
) -> None:
    reported: list[int] = []
    result = synthetic(ledger, 3000, progress=reported.append)
    assert 2500 <= result.events <= 3500
    assert result.events == ledger.head_position()
    assert sum(reported) == result.events - 1  # all but the bootstrap, batch by batch
    assert ledger.projector.catch_up() == result.events
    assert len(all_listed(ledger, "accountability")) == result.records["accountability"]
    kinds = Counter(t.rsplit(".", 1)[1] for t in topics(ledger) if ".Handover" in t)
    assert min(kinds["HandoverAccepted"], kinds["HandoverDeclined"], kinds["HandoverWithdrawn"]) > 0
    assert ledger.keys.authenticate(result.api_key).role == "administrator"


# Who an event names that must be a member of the record's group when it takes effect.
NAMED: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "Decision.Proposed": lambda d: [d["proposed_by"]],
    "Decision.Agreed": lambda d: d["participants"],
    "Conflict.Raised": lambda d: [d["raised_by"]],
    "Principle.Endorsed": lambda d: [d["person_id"]],
    "Principle.ObjectedTo": lambda d: [d["person_id"]],
    "Accountability.Defined": lambda d: [d["holder"]],
    "Accountability.HandoverOffered": lambda d: [d["to"]],
    "Accountability.HandoverAccepted": lambda d: [d["to"]],
}
# A registration says who someone is, not when that began: it holds from the beginning of time.
TIMELESS = {"Person.Registered", "Organisation.Registered"}
FOREVER = datetime.max.replace(tzinfo=UTC)


def memberships(events: list[dict[str, Any]]) -> dict[tuple[str, str], list[list[datetime]]]:
    """Each (group, person)'s membership periods [start, end), from the group events."""
    periods: dict[tuple[str, str], list[list[datetime]]] = {}
    for e in events:
        when, data = datetime.fromisoformat(e["effective_at"]), e["data"]
        if e["type"] in ("Group.Convened", "Group.MemberJoined"):
            person = data.get("convener_id") or data["person_id"]
            periods.setdefault((e["record_id"], person), []).append([when, FOREVER])
        elif e["type"] == "Group.MemberLeft":
            periods[(e["record_id"], data["person_id"])][-1][1] = when
    return periods


def test_every_record_of_the_story_reads_in_the_same_order_in_effective_and_recorded_time(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    ledger, _, _ = story
    events = every_event(ledger)
    recorded = [datetime.fromisoformat(e["recorded_at"]) for e in events]
    assert recorded == sorted(recorded)
    backwards, early = [], []
    last: dict[str, tuple[datetime, str]] = {}
    for e, at in zip(events, recorded, strict=True):
        if e["type"] in TIMELESS:
            continue
        when = datetime.fromisoformat(e["effective_at"])
        if e["record_id"] in last and when < last[e["record_id"]][0]:
            backwards.append((e["type"], "after", last[e["record_id"]][1], e["record_id"]))
        last[e["record_id"]] = (when, e["type"])
        if when > at:
            early.append((e["type"], e["position"]))  # nothing in the story is future-dated
    assert backwards == [] and early == []
    assert len(last) > 100


def test_nobody_is_named_in_the_story_at_a_moment_they_were_not_a_member(
    story: tuple[Ledger, DemoResult, dict[str, Any]],
) -> None:
    ledger, _, _ = story
    events = every_event(ledger)
    periods = memberships(events)
    group_of = {e["record_id"]: e["data"]["group_id"] for e in events if "group_id" in e["data"]}
    named, outside = 0, []
    for e in events:
        when = datetime.fromisoformat(e["effective_at"])
        for ref in NAMED.get(e["type"], lambda d: [])(e["data"]):
            person = ref["id"] if isinstance(ref, dict) else ref
            if (isinstance(ref, dict) and ref["kind"] != "person") or person is None:
                continue
            named += 1
            spans = periods.get((group_of[e["record_id"]], person), [])
            if not any(start <= when < end for start, end in spans):
                outside.append((e["type"], e["position"], person, when.isoformat()))
    assert outside == []
    assert named > 500


def test_the_story_cannot_end_in_the_future_because_it_is_recorded_as_it_happens(
    ledger: Ledger,
) -> None:
    with pytest.raises(InvalidInput, match="end must not be in the future"):
        living_well(ledger, end=datetime.now(UTC) + timedelta(days=1))
    assert ledger.head_position() == 0
