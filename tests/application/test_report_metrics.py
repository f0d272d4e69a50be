"""The accountability report's figures (docs/metrics.md), against values worked out by hand.

First the pure functions of application/reports/metrics.py; then the whole report through
the Ledger on small hand-built histories, on every store, with the exact figure expected in
each section, including the edge cases that once were bugs (ends of time, back-dated offers
and agreements, sub-groups convened after the period).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from application.errors import RecordNotFound
from application.reports import metrics
from domain.base import AccordError, InvalidInput
from tests.conftest import acting_as

# ---------------------------------------------------------------- metrics.py, by hand


def test_shares_are_each_holders_fraction_of_the_total_in_holder_order():
    found = metrics.shares(Counter({"b": 1, "a": 3}))
    assert found == {"a": 0.75, "b": 0.25}
    assert list(found) == ["a", "b"]


def test_nothing_held_has_no_shares_a_largest_share_of_0_and_an_hhi_of_0():
    for nothing in (Counter(), Counter({"a": 0, "b": 0})):
        assert metrics.shares(nothing) == {}
        assert metrics.largest_share(nothing) == 0.0
        assert metrics.hhi(nothing) == 0.0


def test_one_holder_has_the_whole_share_and_an_hhi_of_10000():
    one = Counter({"a": 7})
    assert metrics.shares(one) == {"a": 1.0}
    assert metrics.largest_share(one) == 1.0
    assert metrics.hhi(one) == pytest.approx(10_000.0)


def test_hhi_is_the_sum_of_squared_percentage_shares():
    # 75% and 25%: 75² + 25² = 5625 + 625.
    assert metrics.hhi(Counter({"a": 3, "b": 1})) == pytest.approx(6250.0)
    # 2, 2, 1, 1, 1 of 7: 10,000 x (4 + 4 + 1 + 1 + 1) / 49.
    assert metrics.hhi(Counter(a=2, b=2, c=1, d=1, e=1)) == pytest.approx(110_000 / 49)
    # n equal holders: 10,000 / n.
    for n in range(1, 8):
        assert metrics.hhi(Counter({str(i): 3 for i in range(n)})) == pytest.approx(10_000 / n)


def test_tied_largest_holders_each_have_the_largest_share():
    assert metrics.largest_share(Counter({"a": 2, "b": 2, "c": 1})) == pytest.approx(0.4)
    assert metrics.largest_share(Counter({"a": 1, "b": 1})) == pytest.approx(0.5)


def test_equal_holdings_have_a_gini_of_0():
    for n in range(2, 8):
        for each in (1, 3, 10):
            assert metrics.gini([each] * n) == pytest.approx(0.0, abs=1e-12), (n, each)


def test_one_holder_of_everything_among_n_has_a_gini_of_n_minus_1_over_n():
    for n in range(2, 9):
        values = [0] * (n - 1) + [5]
        assert metrics.gini(values) == pytest.approx((n - 1) / n), n
        assert metrics.gini(list(reversed(values))) == pytest.approx((n - 1) / n), n


def test_gini_of_fewer_than_two_holders_or_of_nothing_is_0():
    assert metrics.gini([]) == 0.0
    assert metrics.gini([4]) == 0.0
    assert metrics.gini([0, 0, 0]) == 0.0


def test_gini_is_the_mean_absolute_difference_over_twice_the_mean():
    # 1, 2, 3, 4: sum over ordered pairs of |xi - xj| = 20; 20 / (2 x 4² x 2.5) = 0.25.
    assert metrics.gini([3, 1, 4, 2]) == pytest.approx(0.25)
    # 1, 1, 1, 2, 2: twelve ordered pairs differ by 1; 12 / (2 x 5² x 1.4) = 6 / 35.
    assert metrics.gini([2, 1, 2, 1, 1]) == pytest.approx(6 / 35)
    # 1, 1, 2: 4 / (2 x 9 x 4 / 3) = 1 / 6.
    assert metrics.gini([1, 2, 1]) == pytest.approx(1 / 6)


def test_gini_leaves_out_negative_values():
    assert metrics.gini([-5, 1, 1]) == 0.0
    assert metrics.gini([-1, 0, 3]) == pytest.approx(0.5)


def test_percentile_interpolates_linearly_between_the_closest_ranks():
    values = [40, 10, 30, 20]
    assert metrics.percentile(values, 0) == 10
    assert metrics.percentile(values, 25) == pytest.approx(17.5)  # rank 0.75
    assert metrics.percentile(values, 50) == pytest.approx(25.0)  # rank 1.5
    assert metrics.percentile(values, 90) == pytest.approx(37.0)  # rank 2.7
    assert metrics.percentile(values, 100) == 40
    assert metrics.percentile([0, 2, 4, 10], 90) == pytest.approx(8.2)


def test_percentile_of_one_value_is_that_value_and_of_none_is_none():
    assert metrics.percentile([3.5], 50) == 3.5
    assert metrics.percentile([3.5], 90) == 3.5
    assert metrics.percentile([], 50) is None


def test_a_rate_is_part_over_whole_and_none_when_the_whole_is_0():
    assert metrics.rate(1, 4) == 0.25
    assert metrics.rate(0, 3) == 0.0
    assert metrics.rate(3, 2) == 1.5
    assert metrics.rate(0, 0) is None


# ---------------------------------------------------------------- the report, by hand


def T(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """How the report writes an instant it read from the read models."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


CONVENED = T(2023, 1, 1)
LAST_YEAR = datetime.now(UTC).year - 1


def person(pid: str) -> dict[str, str]:
    return {"kind": "person", "id": pid}


def group_party(gid: str) -> dict[str, str]:
    return {"kind": "group", "id": gid}


def organisation(oid: str) -> dict[str, str]:
    return {"kind": "organisation", "id": oid}


@dataclass
class Cast:
    """Four organisations in three sectors, five members (Dan of no organisation), one group."""

    north: str  # statutory_health
    river: str  # local_authority
    voices: str  # lived_experience
    south: str  # statutory_health
    ann: str  # North
    ben: str  # River
    cat: str  # Voices
    dan: str  # no organisation
    eve: str  # South
    group: str


def cast(ledger) -> Cast:
    north = ledger.organisations.register_organisation("North Trust", "statutory_health").id
    river = ledger.organisations.register_organisation("River Council", "local_authority").id
    voices = ledger.organisations.register_organisation("Voices Forum", "lived_experience").id
    south = ledger.organisations.register_organisation("South Trust", "statutory_health").id
    ann = ledger.people.register_person("Ann", None, north).id
    ben = ledger.people.register_person("Ben", None, river).id
    cat = ledger.people.register_person("Cat", None, voices).id
    dan = ledger.people.register_person("Dan").id
    eve = ledger.people.register_person("Eve", None, south).id
    group = ledger.groups.convene_group(
        "Care group", "transformation", "Join up care", None, CONVENED
    ).id
    for member in (ann, ben, cat, dan, eve):
        ledger.groups.add_member(group, member, "member", CONVENED)
    return Cast(north, river, voices, south, ann, ben, cat, dan, eve, group)


def define(ledger, group: str, holder: dict[str, str], when: datetime, title: str = "Work") -> str:
    return ledger.accountabilities.define_accountability(group, title, holder, None, when).id


def offer(ledger, accountability: str, to: dict[str, str], effective_at=None) -> str:
    written = ledger.accountabilities.offer_handover(accountability, to, effective_at=effective_at)
    return written.extra["handover_id"]


def hand_over(ledger, accountability, to, actor, effective_at=None, offered_at=None) -> str:
    """Offer and accept, the acceptance by `actor` (on the recipient's side); offered at the
    same meeting unless `offered_at` says earlier (an answer never precedes its offer)."""
    handover = offer(ledger, accountability, to, offered_at or effective_at)
    with acting_as(actor):
        ledger.accountabilities.accept_handover(accountability, handover, effective_at)
    return handover


def effective_time(ledger, kind: str, record_id: str, event_type: str) -> datetime:
    """When the last event of this type of the record took effect, as the ledger shows it."""
    items = ledger.history.record_history(kind, record_id)["items"]
    found = [i["effective_at"] for i in items if i["type"] == event_type]
    assert found, (kind, record_id, event_type)
    return datetime.fromisoformat(found[-1])


def moment_between_writes() -> datetime:
    """An instant strictly after every event so far and strictly before the next one."""
    time.sleep(0.005)
    moment = datetime.now(UTC)
    time.sleep(0.005)
    return moment


def point(distribution: list[dict[str, Any]], when: datetime) -> dict[str, Any]:
    found = [p for p in distribution if p["at"] == when]
    assert len(found) == 1, (when, [p["at"] for p in distribution])
    return {k: v for k, v in found[0].items() if k != "at"}


def by_count(rows: list[dict[str, Any]], key: str) -> list[tuple[Any, int]]:
    """Rows as (key, count), checked to be in non-increasing count order; ties sorted."""
    counts = [r["count"] for r in rows]
    assert counts == sorted(counts, reverse=True), rows
    return sorted(((r[key], r["count"]) for r in rows), key=lambda kv: (-kv[1], str(kv[0])))


NOTHING = {
    "accountabilities": 0,
    "holders": 0,
    "organisations": 0,
    "sectors": 0,
    "largest_holder_share": 0.0,
    "hhi_holders": 0.0,
    "hhi_organisations": 0.0,
    "gini_holders": 0.0,
    "sector_shares": {},
}


def test_a_group_with_no_records_reports_nothing_held_and_no_rates(ledger):
    c = cast(ledger)
    report = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 4, 1))
    assert report["scope"] == {"group_id": c.group, "include_subgroups": False, "groups": [c.group]}
    assert (report["from"], report["to"], report["as_of"]) == (T(2024, 1, 1), T(2024, 4, 1), None)
    assert report["position"] == ledger.head_position()
    assert report["interval"] == "month"
    assert report["holdings"] == {
        "at": T(2024, 4, 1),
        "accountabilities": 0,
        "by_holder": [],
        "by_holder_kind": {},
        "by_organisation": [],
        "by_sector": [],
    }
    months = [T(2024, 1, 1), T(2024, 2, 1), T(2024, 3, 1), T(2024, 4, 1)]
    assert report["distribution"] == [{"at": m, **NOTHING} for m in months]
    assert report["handovers"] == {
        "offered": 0,
        "accepted": 0,
        "declined": 0,
        "withdrawn": 0,
        "returned": 0,
        "acceptance_rate": None,
        "return_rate": None,
        "flows_between_organisations": [],
        "flows_between_sectors": [],
        "pending_days": 14,
        "pending_longer": [],
    }
    assert report["holding_on"] == {
        "threshold": 3,
        "holders_never_handing_over": [],
        "unchanged_days": 90,
        "unchanged_longer": [],
    }
    assert report["decisions"] == {
        "agreed": 0,
        "by_method": {},
        "organisations_per_decision": None,
        "sectors_per_decision": None,
        "share_with_two_or_more_organisations": None,
        "share_with_lived_experience": None,
        "superseded": 0,
        "revoked": 0,
        "past_review_date": [],
        "agreed_in_period": [],
    }
    assert report["conflicts"] == {
        "raised": 0,
        "resolved": 0,
        "escalated": 0,
        "withdrawn": 0,
        "median_days_to_resolution": None,
        "p90_days_to_resolution": None,
        "open_at_end": 0,
        "open_by_age": {"under_30_days": 0, "30_to_90_days": 0, "over_90_days": 0},
    }
    assert report["principles"] == {"agreed": 0, "amended": 0, "retired": 0, "principles": []}


def test_one_holder_of_everything_has_the_whole_share_an_hhi_of_10000_and_a_gini_of_0(ledger):
    c = cast(ledger)
    held = [define(ledger, c.group, person(c.ann), T(2024, 1, 10), f"Work {n}") for n in (1, 2, 3)]
    report = ledger.reports.accountability_report(
        c.group, start=T(2024, 1, 1), end=T(2024, 4, 1), unchanged_days=30
    )
    assert point(report["distribution"], T(2024, 1, 1)) == NOTHING  # before they were defined
    for month in (T(2024, 2, 1), T(2024, 3, 1), T(2024, 4, 1)):
        assert point(report["distribution"], month) == {
            "accountabilities": 3,
            "holders": 1,
            "organisations": 1,
            "sectors": 1,
            "largest_holder_share": 1.0,
            "hhi_holders": 10000.0,
            "hhi_organisations": 10000.0,
            "gini_holders": 0.0,
            "sector_shares": {"statutory_health": 1.0},
        }
    holdings = report["holdings"]
    assert holdings["accountabilities"] == 3
    assert holdings["by_holder"] == [{"holder_kind": "person", "holder_id": c.ann, "count": 3}]
    assert holdings["by_holder_kind"] == {"person": 3}
    assert holdings["by_organisation"] == [
        {"organisation_id": c.north, "name": "North Trust", "count": 3}
    ]
    assert holdings["by_sector"] == [{"sector": "statutory_health", "count": 3}]
    assert report["holding_on"]["holders_never_handing_over"] == [
        {"holder_kind": "person", "holder_id": c.ann, "count": 3}
    ]
    unchanged = report["holding_on"]["unchanged_longer"]
    assert sorted(u["accountability_id"] for u in unchanged) == sorted(held)
    assert {u["since"] for u in unchanged} == {stamp(T(2024, 1, 10))}
    assert {u["title"] for u in unchanged} == {"Work 1", "Work 2", "Work 3"}
    assert all(u["holder"] == person(c.ann) for u in unchanged)


def test_holdings_count_ties_group_holders_organisation_holders_and_people_of_no_organisation(
    ledger,
):
    c = cast(ledger)
    when = T(2024, 1, 10)
    for holder in (
        person(c.ann),
        person(c.ann),
        person(c.ben),
        person(c.ben),
        group_party(c.group),
        person(c.dan),
        organisation(c.river),
    ):
        define(ledger, c.group, holder, when)
    report = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 2, 1))
    holdings = report["holdings"]
    assert holdings["accountabilities"] == 7
    assert by_count(holdings["by_holder"], "holder_id") == [
        *sorted([(c.ann, 2), (c.ben, 2)]),
        *sorted([(c.group, 1), (c.dan, 1), (c.river, 1)]),
    ]
    kinds = {r["holder_id"]: r["holder_kind"] for r in holdings["by_holder"]}
    assert kinds == {
        c.ann: "person",
        c.ben: "person",
        c.dan: "person",
        c.group: "group",
        c.river: "organisation",
    }
    assert holdings["by_holder_kind"] == {"group": 1, "organisation": 1, "person": 5}
    # Ben's two and River itself count for River; the group and Dan stand apart.
    assert by_count(holdings["by_organisation"], "organisation_id") == [
        (c.river, 3),
        (c.north, 2),
        ("(a group)", 1),
        ("(no organisation)", 1),
    ]
    names = {r["organisation_id"]: r["name"] for r in holdings["by_organisation"]}
    assert names == {
        c.river: "River Council",
        c.north: "North Trust",
        "(a group)": None,
        "(no organisation)": None,
    }
    assert by_count(holdings["by_sector"], "sector") == [
        ("local_authority", 3),
        ("statutory_health", 2),
        ("(a group)", 1),
        ("(no organisation)", 1),
    ]
    # 7 held by 5 holders (2, 2, 1, 1, 1); by organisation only River 3 and North 2 count.
    assert point(report["distribution"], T(2024, 2, 1)) == {
        "accountabilities": 7,
        "holders": 5,
        "organisations": 2,
        "sectors": 2,
        "largest_holder_share": 0.2857,  # 2 / 7
        "hhi_holders": 2244.9,  # 10,000 x 11 / 49
        "hhi_organisations": 5200.0,  # 60² + 40²
        "gini_holders": 0.1714,  # 6 / 35
        "sector_shares": {"local_authority": 0.6, "statutory_health": 0.4},
    }


def test_equal_holdings_have_a_gini_of_0_and_an_hhi_of_10000_over_the_number_of_holders(ledger):
    c = cast(ledger)
    for member in (c.ann, c.ben, c.cat, c.dan, c.eve):
        define(ledger, c.group, person(member), T(2024, 1, 10))
    report = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 2, 1))
    assert point(report["distribution"], T(2024, 2, 1)) == {
        "accountabilities": 5,
        "holders": 5,
        "organisations": 4,  # Dan belongs to none
        "sectors": 3,
        "largest_holder_share": 0.2,
        "hhi_holders": 2000.0,
        "hhi_organisations": 2500.0,
        "gini_holders": 0.0,
        "sector_shares": {
            "lived_experience": 0.25,
            "local_authority": 0.25,
            "statutory_health": 0.5,
        },
    }


def test_a_person_counts_for_the_organisation_they_belong_to_at_each_point_of_the_series(
    ledger,
):
    c = cast(ledger)
    define(ledger, c.group, person(c.ben), T(2024, 1, 10))
    # Recorded first: Ben to Voices from May. Recorded later, back-dated further: Ben to North
    # from 15 March, which overrides from then on, so Voices never shows.
    ledger.people.change_affiliation(c.ben, c.voices, T(2024, 5, 1))
    ledger.people.change_affiliation(c.ben, c.north, T(2024, 3, 15))
    report = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 6, 1))
    shares = [(p["at"], p["sector_shares"]) for p in report["distribution"]]
    assert shares == [
        (T(2024, 1, 1), {}),
        (T(2024, 2, 1), {"local_authority": 1.0}),
        (T(2024, 3, 1), {"local_authority": 1.0}),
        (T(2024, 4, 1), {"statutory_health": 1.0}),
        (T(2024, 5, 1), {"statutory_health": 1.0}),
        (T(2024, 6, 1), {"statutory_health": 1.0}),
    ]
    assert report["holdings"]["by_organisation"] == [
        {"organisation_id": c.north, "name": "North Trust", "count": 1}
    ]
    earlier = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 3, 14))
    assert earlier["holdings"]["by_organisation"] == [
        {"organisation_id": c.river, "name": "River Council", "count": 1}
    ]


def test_a_handover_offered_before_the_period_and_accepted_inside_it_is_accepted_not_offered(
    ledger,
):
    c = cast(ledger)
    work = define(ledger, c.group, person(c.ann), T(2024, 1, 10))
    handover = offer(ledger, work, person(c.ben))
    offered_at = effective_time(ledger, "accountability", work, "Accountability.HandoverOffered")

    # While the offer is open: offered in the period, nothing decided, pending since offered.
    open_end = offered_at + timedelta(hours=12)
    while_open = ledger.reports.accountability_report(
        c.group, start=T(2024, 1, 1), end=open_end, interval="quarter", pending_days=0
    )
    assert while_open["handovers"]["offered"] == 1
    assert while_open["handovers"]["accepted"] == 0
    assert while_open["handovers"]["acceptance_rate"] is None
    assert while_open["handovers"]["pending_longer"] == [
        {
            "accountability_id": work,
            "handover_id": handover,
            "to": person(c.ben),
            "offered_at": stamp(offered_at),
        }
    ]

    start = offered_at + timedelta(days=1)
    with acting_as(c.ben):
        ledger.accountabilities.accept_handover(work, handover, start + timedelta(days=1))
    end = start + timedelta(days=2)
    report = ledger.reports.accountability_report(c.group, start=start, end=end, interval="week")
    assert report["handovers"] == {
        "offered": 0,
        "accepted": 1,
        "declined": 0,
        "withdrawn": 0,
        "returned": 0,
        "acceptance_rate": 1.0,
        "return_rate": 0.0,
        "flows_between_organisations": [{"from": c.north, "to": c.river, "count": 1}],
        "flows_between_sectors": [
            {"from": "statutory_health", "to": "local_authority", "count": 1}
        ],
        "pending_days": 14,
        "pending_longer": [],
    }
    assert [p["at"] for p in report["distribution"]] == [start, end]
    assert report["distribution"][0]["sector_shares"] == {"statutory_health": 1.0}
    assert report["distribution"][1]["sector_shares"] == {"local_authority": 1.0}


def test_acceptance_rate_counts_declines_and_withdrawals_and_return_rate_is_per_acceptance(
    ledger,
):
    c = cast(ledger)
    works = [define(ledger, c.group, person(c.ann), T(2024, 1, 10), f"W{n}") for n in range(7)]
    hand_over(ledger, works[0], person(c.ben), c.ben)
    declined = offer(ledger, works[1], person(c.ben))
    with acting_as(c.ben):
        ledger.accountabilities.decline_handover(works[1], declined, "Too much")
    withdrawn = offer(ledger, works[2], person(c.cat))
    ledger.accountabilities.withdraw_handover(works[2], withdrawn, "Changed my mind")
    hand_over(ledger, works[3], person(c.cat), c.cat)
    ledger.accountabilities.return_accountability(works[3], "Back to Ann")
    hand_over(ledger, works[4], person(c.dan), c.dan)  # Dan: no organisation, no flow
    hand_over(ledger, works[5], group_party(c.group), c.eve)  # a group: no flow
    hand_over(ledger, works[6], organisation(c.north), c.ann)  # North to North: a flow
    end = datetime.now(UTC) + timedelta(days=1)
    handovers = ledger.reports.accountability_report(
        c.group, start=T(2024, 1, 1), end=end, interval="quarter"
    )["handovers"]
    counts = {k: handovers[k] for k in ("offered", "accepted", "declined", "withdrawn", "returned")}
    assert counts == {"offered": 7, "accepted": 5, "declined": 1, "withdrawn": 1, "returned": 1}
    assert handovers["acceptance_rate"] == pytest.approx(5 / 7)  # 5 / (5 + 1 + 1)
    assert handovers["return_rate"] == pytest.approx(1 / 5)
    flows = {(f["from"], f["to"]): f["count"] for f in handovers["flows_between_organisations"]}
    assert flows == {(c.north, c.river): 1, (c.north, c.voices): 1, (c.north, c.north): 1}
    ordered = [(f["from"], f["to"]) for f in handovers["flows_between_organisations"]]
    assert ordered == sorted(ordered)
    assert handovers["flows_between_sectors"] == [
        {"from": "statutory_health", "to": "lived_experience", "count": 1},
        {"from": "statutory_health", "to": "local_authority", "count": 1},
        {"from": "statutory_health", "to": "statutory_health", "count": 1},
    ]


def test_a_return_rate_can_exceed_1_when_the_period_holds_more_returns_than_acceptances(ledger):
    c = cast(ledger)
    first = define(ledger, c.group, person(c.ann), T(2023, 6, 1))
    hand_over(ledger, first, person(c.ben), c.ben, T(2024, 2, 1))  # before the period
    ledger.accountabilities.return_accountability(first, "To Ann", T(2024, 3, 10))
    ledger.accountabilities.return_accountability(first, "To Ben again", T(2024, 3, 20))
    second = define(ledger, c.group, person(c.ann), T(2023, 6, 1))
    hand_over(ledger, second, person(c.cat), c.cat, T(2024, 3, 5), offered_at=T(2024, 2, 20))
    report = ledger.reports.accountability_report(c.group, start=T(2024, 3, 1), end=T(2024, 4, 1))
    handovers = report["handovers"]
    # Both offers took effect before the period: not counted as offered.
    assert (handovers["offered"], handovers["accepted"], handovers["returned"]) == (0, 1, 2)
    assert handovers["acceptance_rate"] == 1.0
    assert handovers["return_rate"] == 2.0
    holders = {(r["holder_id"], r["count"]) for r in report["holdings"]["by_holder"]}
    assert holders == {(c.ben, 1), (c.cat, 1)}


def test_a_handover_accepted_today_but_effective_last_year_moves_last_years_series_points(ledger):
    c = cast(ledger)
    work = define(ledger, c.group, person(c.ann), T(LAST_YEAR - 1, 1, 1))
    before = ledger.head_position()
    known_before = moment_between_writes()
    # Offered and accepted at a meeting on 15 March, both recorded today.
    hand_over(ledger, work, person(c.ben), c.ben, T(LAST_YEAR, 3, 15))
    start, end = T(LAST_YEAR, 1, 1), T(LAST_YEAR, 7, 1)
    months = [T(LAST_YEAR, m, 1) for m in range(1, 8)]

    report = ledger.reports.accountability_report(c.group, start=start, end=end)
    shares = [(p["at"], p["sector_shares"]) for p in report["distribution"]]
    ann, ben = {"statutory_health": 1.0}, {"local_authority": 1.0}
    assert shares == list(zip(months, [ann, ann, ann, ben, ben, ben, ben], strict=True))
    assert report["holdings"]["by_holder"] == [
        {"holder_kind": "person", "holder_id": c.ben, "count": 1}
    ]
    assert (report["handovers"]["offered"], report["handovers"]["accepted"]) == (1, 1)

    # As the ledger stood before the acceptance was recorded, Ann held it all along.
    then = ledger.reports.accountability_report(c.group, start=start, end=end, as_of=known_before)
    assert then["as_of"] == known_before
    assert then["position"] == before
    assert [p["sector_shares"] for p in then["distribution"]] == [ann] * 7
    assert then["holdings"]["by_holder"] == [
        {"holder_kind": "person", "holder_id": c.ann, "count": 1}
    ]
    assert (then["handovers"]["offered"], then["handovers"]["accepted"]) == (0, 0)


def test_as_of_alone_ends_the_period_at_that_moment(ledger):
    c = cast(ledger)
    define(ledger, c.group, person(c.ann), T(2024, 1, 10))
    known = moment_between_writes()
    define(ledger, c.group, person(c.ben), T(2024, 1, 10))
    report = ledger.reports.accountability_report(c.group, as_of=known)
    assert report["to"] == known
    assert report["from"] == known - timedelta(days=365)
    assert report["holdings"]["at"] == known
    assert report["holdings"]["by_holder"] == [
        {"holder_kind": "person", "holder_id": c.ann, "count": 1}
    ]
    assert report["distribution"][-1]["at"] == known


def test_include_subgroups_covers_sub_groups_at_any_depth_and_no_group_covers_the_ledger(ledger):
    c = cast(ledger)
    sub = ledger.groups.convene_group("Hub", "design", "Design the hub", c.group, CONVENED).id
    subsub = ledger.groups.convene_group("Hub keys", "design", "Keys", sub, CONVENED).id
    other = ledger.groups.convene_group("Elsewhere", "design", "Other work", None, CONVENED).id
    define(ledger, c.group, person(c.ann), T(2024, 1, 10))
    define(ledger, sub, organisation(c.river), T(2024, 1, 10))
    define(ledger, subsub, group_party(subsub), T(2024, 1, 10))
    elsewhere = define(ledger, other, organisation(c.voices), T(2024, 1, 10))
    hand_over(ledger, elsewhere, organisation(c.river), c.ben)
    end = datetime.now(UTC) + timedelta(days=1)

    def report(group, include):
        return ledger.reports.accountability_report(
            group, include, start=T(2024, 1, 1), end=end, interval="quarter"
        )

    alone, family, everything = report(c.group, False), report(c.group, True), report(None, True)
    assert alone["scope"]["groups"] == [c.group]
    assert family["scope"] == {
        "group_id": c.group,
        "include_subgroups": True,
        "groups": sorted([c.group, sub, subsub]),
    }
    assert everything["scope"] == {"group_id": None, "include_subgroups": True, "groups": None}
    held = [r["holdings"]["accountabilities"] for r in (alone, family, everything)]
    assert held == [1, 3, 4]
    accepted = [r["handovers"]["accepted"] for r in (alone, family, everything)]
    assert accepted == [0, 0, 1]
    assert everything["handovers"]["flows_between_organisations"] == [
        {"from": c.voices, "to": c.river, "count": 1}
    ]
    assert family["holdings"]["by_holder_kind"] == {"group": 1, "organisation": 1, "person": 1}
    assert report(sub, True)["scope"]["groups"] == sorted([sub, subsub])


def test_a_sub_group_convened_after_the_period_is_not_in_its_scope(ledger):
    c = cast(ledger)
    ledger.groups.convene_group("Later", "design", "Later work", c.group, T(2025, 6, 1))
    report = ledger.reports.accountability_report(
        c.group, True, start=T(2024, 1, 1), end=T(2024, 6, 1)
    )
    assert report["scope"]["groups"] == [c.group]


def test_offers_pending_longer_than_pending_days_are_listed_with_when_they_were_offered(ledger):
    c = cast(ledger)
    waiting = define(ledger, c.group, person(c.ann), T(2024, 1, 10), "Waiting")
    settled = define(ledger, c.group, person(c.ann), T(2024, 1, 10), "Settled")
    handover = offer(ledger, waiting, person(c.ben))
    declined = offer(ledger, settled, person(c.cat))
    with acting_as(c.cat):
        ledger.accountabilities.decline_handover(settled, declined)
    offered_at = effective_time(ledger, "accountability", waiting, "Accountability.HandoverOffered")
    listed = {
        "accountability_id": waiting,
        "handover_id": handover,
        "to": person(c.ben),
        "offered_at": stamp(offered_at),
    }

    def pending(end, days):
        report = ledger.reports.accountability_report(
            c.group, start=T(2024, 1, 1), end=end, interval="quarter", pending_days=days
        )
        assert report["handovers"]["pending_days"] == days
        return report["handovers"]["pending_longer"]

    in_twenty_days = offered_at + timedelta(days=20)
    assert pending(in_twenty_days, 14) == [listed]
    assert pending(in_twenty_days, 19) == [listed]
    assert pending(in_twenty_days, 20) == []  # offered exactly 20 days before: not longer
    assert pending(in_twenty_days, 30) == []
    # Before the offer was made it was not pending at all.
    assert pending(offered_at - timedelta(seconds=1), 0) == []


def test_an_offer_back_dated_before_the_period_is_pending_from_its_effective_time(ledger):
    c = cast(ledger)
    work = define(ledger, c.group, person(c.ann), T(2023, 6, 1))
    handover = ledger.accountabilities.offer_handover(
        work, person(c.ben), None, None, T(2024, 1, 1)
    ).extra["handover_id"]

    def handovers(start, days):
        report = ledger.reports.accountability_report(
            c.group, start=start, end=T(2024, 3, 1), pending_days=days
        )
        return report["handovers"]

    listed = {
        "accountability_id": work,
        "handover_id": handover,
        "to": person(c.ben),
        "offered_at": stamp(T(2024, 1, 1)),
    }
    assert handovers(T(2024, 1, 1), 30)["pending_longer"] == [listed]  # open 60 days
    assert handovers(T(2024, 1, 1), 60)["pending_longer"] == []  # not longer than 60
    assert handovers(T(2024, 1, 1), 30)["offered"] == 1
    assert handovers(T(2024, 1, 2), 30)["offered"] == 0  # offered before this period


def test_an_offer_back_dated_before_its_holder_took_over_does_not_move_the_holder(ledger):
    c = cast(ledger)
    work = define(ledger, c.group, person(c.ann), T(2023, 1, 1))
    hand_over(ledger, work, person(c.ben), c.ben, T(2024, 6, 1))
    with contextlib.suppress(AccordError):  # refusing such an offer would do too
        ledger.accountabilities.offer_handover(work, person(c.cat), None, None, T(2023, 6, 1))
    report = ledger.reports.accountability_report(c.group, start=T(2023, 1, 1), end=T(2023, 12, 31))
    assert report["holdings"]["by_holder"] == [
        {"holder_kind": "person", "holder_id": c.ann, "count": 1}
    ]


def test_holders_never_handing_over_hold_at_least_the_threshold_and_never_offered_one(ledger):
    c = cast(ledger)
    when = T(2024, 1, 10)
    for _ in range(3):
        define(ledger, c.group, person(c.ann), when)
        define(ledger, c.group, group_party(c.group), when)
    bens = [define(ledger, c.group, person(c.ben), when) for _ in range(3)]
    define(ledger, c.group, person(c.cat), when)
    define(ledger, c.group, person(c.cat), when)
    handover = offer(ledger, bens[0], person(c.eve))  # Ben offers one on (Eve declines)
    with acting_as(c.eve):
        ledger.accountabilities.decline_handover(bens[0], handover)
    now = datetime.now(UTC) + timedelta(days=1)

    def never(end, threshold):
        report = ledger.reports.accountability_report(
            c.group,
            start=T(2024, 1, 1),
            end=end,
            interval="quarter",
            holding_on_threshold=threshold,
        )
        assert report["holding_on"]["threshold"] == threshold
        return by_count(report["holding_on"]["holders_never_handing_over"], "holder_id")

    assert never(now, 3) == sorted([(c.ann, 3), (c.group, 3)])
    assert never(now, 2) == [*sorted([(c.ann, 3), (c.group, 3)]), (c.cat, 2)]
    assert never(now, 4) == []
    # At the end of June 2024 Ben had not offered anything yet (the offer was recorded today).
    assert never(T(2024, 6, 30), 3) == sorted([(c.ann, 3), (c.ben, 3), (c.group, 3)])


def test_accountabilities_whose_holder_is_unchanged_for_unchanged_days_are_listed_oldest_first(
    ledger,
):
    c = cast(ledger)
    oldest = define(ledger, c.group, person(c.ann), T(2023, 6, 1), "Oldest")
    moved = define(ledger, c.group, person(c.ann), T(2023, 1, 1), "Moved")
    hand_over(ledger, moved, person(c.ben), c.ben, T(2024, 5, 1))
    recent = define(ledger, c.group, person(c.cat), T(2024, 5, 20), "Recent")
    older = define(ledger, c.group, person(c.ben), T(2023, 9, 1), "Older")
    retired = define(ledger, c.group, person(c.ann), T(2023, 1, 1), "Retired")
    ledger.accountabilities.retire_accountability(retired, "Done", T(2024, 2, 1))

    def unchanged(days):
        report = ledger.reports.accountability_report(
            c.group, start=T(2024, 1, 1), end=T(2024, 6, 1), unchanged_days=days
        )
        assert report["holding_on"]["unchanged_days"] == days
        return report["holding_on"]["unchanged_longer"]

    assert unchanged(90) == [
        {
            "accountability_id": oldest,
            "title": "Oldest",
            "holder": person(c.ann),
            "since": stamp(T(2023, 6, 1)),
        },
        {
            "accountability_id": older,
            "title": "Older",
            "holder": person(c.ben),
            "since": stamp(T(2023, 9, 1)),
        },
    ]
    assert [u["accountability_id"] for u in unchanged(0)] == [oldest, older, moved, recent]
    assert unchanged(0)[2]["since"] == stamp(T(2024, 5, 1))
    assert [u["accountability_id"] for u in unchanged(12)] == [oldest, older, moved]
    assert [u["accountability_id"] for u in unchanged(1000)] == []


def test_an_offer_that_was_declined_does_not_restart_how_long_the_holder_is_unchanged(ledger):
    c = cast(ledger)
    work = define(ledger, c.group, person(c.ann), T(2023, 6, 1), "Held")
    handover = offer(ledger, work, person(c.ben))
    with acting_as(c.ben):
        ledger.accountabilities.decline_handover(work, handover)
    end = datetime.now(UTC) + timedelta(days=1)
    report = ledger.reports.accountability_report(
        c.group, start=T(2024, 1, 1), end=end, interval="quarter", unchanged_days=90
    )
    assert [u["accountability_id"] for u in report["holding_on"]["unchanged_longer"]] == [work]
    assert report["holding_on"]["unchanged_longer"][0]["since"] == stamp(T(2023, 6, 1))


def agreement(participants, method="consent", when=None, review=None, supersedes=(), cites=()):
    return {
        "method": method,
        "participants": list(participants),
        "effective_at": when,
        "review_date": review,
        "supersedes": list(supersedes),
        "principles": list(cites),
    }


def test_decisions_count_organisations_sectors_and_lived_experience_per_decision(ledger):
    c = cast(ledger)

    def decide(title, *args, **kwargs):
        return ledger.decisions.record_decision(
            c.group, title, title, agreement(*args, **kwargs)
        ).id

    decide("Before", [c.ann], when=T(2023, 6, 1))
    first = decide("Everyone", [c.ann, c.ben, c.cat], when=T(2024, 2, 1), review=date(2024, 4, 30))
    two_trusts = decide(
        "Two trusts", [c.ann, c.eve], "vote", T(2024, 3, 1), review=date(2024, 12, 1)
    )
    nobody = decide("Dan alone", [c.dan], when=T(2024, 4, 1), review=date(2024, 1, 2))
    river = decide("River", [c.ben], "delegated_authority", T(2024, 5, 1), supersedes=[two_trusts])
    voices = decide("Voices", [c.cat], when=T(2024, 1, 20), review=date(2024, 3, 1))
    ledger.decisions.revoke_decision(nobody, "No longer", T(2024, 5, 15))
    ledger.decisions.revoke_decision(voices, "No longer", T(2024, 5, 20))
    due = decide("Due", [c.ann], when=T(2023, 12, 1), review=date(2024, 5, 31))
    decide("Due on the day", [c.ann], when=T(2023, 12, 1), review=date(2024, 6, 1))

    report = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 6, 1))
    # In the period: Everyone (3 organisations, 3 sectors, lived experience), Two trusts
    # (2 organisations, 1 sector), Dan alone (none), River (1, 1), Voices (1, 1, lived).
    assert report["decisions"] == {
        "agreed": 5,
        "by_method": {"consent": 3, "delegated_authority": 1, "vote": 1},
        "organisations_per_decision": 1.4,
        "sectors_per_decision": 1.2,
        "share_with_two_or_more_organisations": 0.4,
        "share_with_lived_experience": 0.4,
        "superseded": 1,
        "revoked": 2,
        "past_review_date": [
            {"decision_id": first, "title": "Everyone", "review_date": "2024-04-30"},
            {"decision_id": due, "title": "Due", "review_date": "2024-05-31"},
        ],
        # The board paper's table: each, oldest first, with its breadth.
        "agreed_in_period": [
            {
                "decision_id": decision,
                "title": title,
                "effective_at": stamp(when),
                "method": method,
                "organisations": organisations,
                "sectors": sectors,
                "lived_experience": lived,
            }
            for decision, title, when, method, organisations, sectors, lived in [
                (voices, "Voices", T(2024, 1, 20), "consent", 1, 1, True),
                (first, "Everyone", T(2024, 2, 1), "consent", 3, 3, True),
                (two_trusts, "Two trusts", T(2024, 3, 1), "vote", 2, 1, False),
                (nobody, "Dan alone", T(2024, 4, 1), "consent", 0, 0, False),
                (river, "River", T(2024, 5, 1), "delegated_authority", 1, 1, False),
            ]
        ],
    }


def test_a_decisions_organisations_follow_the_same_valid_time_rule_as_holdings(ledger):
    c = cast(ledger)
    ledger.people.change_affiliation(c.ann, c.river, T(2024, 6, 1))  # recorded first
    ledger.people.change_affiliation(c.ann, c.voices, T(2024, 3, 1))  # later record, earlier time
    define(ledger, c.group, person(c.ann), T(2024, 1, 1))
    ledger.decisions.record_decision(c.group, "D", "D", agreement([c.ann], when=T(2024, 7, 1)))
    report = ledger.reports.accountability_report(None, start=T(2024, 6, 15), end=T(2024, 7, 15))
    assert [o["organisation_id"] for o in report["holdings"]["by_organisation"]] == [c.voices]
    assert report["decisions"]["share_with_lived_experience"] == 1.0


def test_conflicts_time_to_resolution_runs_from_raised_to_the_resolutions_effective_time(
    ledger,
):
    c = cast(ledger)
    other = ledger.groups.convene_group("Board", "coordinating", "Oversee", None, CONVENED).id
    parties = [person(c.ben)]

    def raise_one(about, effective_at=None):
        return ledger.conflicts.raise_conflict(
            c.group, parties, about, None, c.ann, effective_at
        ).id

    resolved = [raise_one(f"Resolved {n}") for n in range(3)]
    resolved.append(raise_one("Resolved 3", T(2024, 6, 1)))
    escalated, withdrawn, _open, working = (raise_one(a) for a in ("Up", "Gone", "Open", "Working"))
    for conflict in (*resolved, working):
        ledger.conflicts.acknowledge_conflict(conflict)
    ledger.conflicts.add_conflict_note(working, "Met")
    raised = [effective_time(ledger, "conflict", x, "Conflict.Raised") for x in resolved]
    for conflict, at, days in zip(resolved[:3], raised, (2, 4, 10), strict=False):
        ledger.conflicts.resolve_conflict(conflict, "Agreed", None, at + timedelta(days=days))
    ledger.conflicts.resolve_conflict(
        resolved[3], "Settled as it was raised", None, T(2024, 6, 1)
    )  # -> 0 days
    ledger.conflicts.escalate_conflict(escalated, other, "Needs the board")
    ledger.conflicts.withdraw_conflict(withdrawn)
    last = effective_time(ledger, "conflict", working, "Conflict.Raised")

    report = ledger.reports.accountability_report(
        c.group, start=T(2024, 1, 1), end=last + timedelta(days=30), interval="quarter"
    )
    # Days to resolution: 0, 2, 4, 10. Median at rank 1.5: 3. 90th at rank 2.7: 4 + 0.7 x 6.
    assert report["conflicts"] == {
        "raised": 8,
        "resolved": 4,
        "escalated": 1,
        "withdrawn": 1,
        "median_days_to_resolution": 3.0,
        "p90_days_to_resolution": 8.2,
        "open_at_end": 2,
        "open_by_age": {"under_30_days": 0, "30_to_90_days": 2, "over_90_days": 0},
    }
    # A period that ends before two of the resolutions: they are neither resolved nor closed.
    early = ledger.reports.accountability_report(
        c.group, start=T(2024, 1, 1), end=last + timedelta(days=3), interval="quarter"
    )["conflicts"]
    assert (early["resolved"], early["median_days_to_resolution"]) == (2, 1.0)
    assert early["p90_days_to_resolution"] == pytest.approx(1.8)
    assert early["open_at_end"] == 4
    assert early["open_by_age"] == {"under_30_days": 4, "30_to_90_days": 0, "over_90_days": 0}


def test_open_conflicts_are_grouped_by_whole_days_since_they_were_raised(ledger):
    c = cast(ledger)
    conflict = ledger.conflicts.raise_conflict(c.group, [person(c.ben)], "Parking", None, c.ann).id
    raised = effective_time(ledger, "conflict", conflict, "Conflict.Raised")

    def ages(end):
        report = ledger.reports.accountability_report(
            c.group, start=T(2024, 1, 1), end=end, interval="quarter"
        )
        assert report["conflicts"]["open_at_end"] == 1
        return [k for k, n in report["conflicts"]["open_by_age"].items() if n]

    assert ages(raised + timedelta(days=30, microseconds=-1)) == ["under_30_days"]
    assert ages(raised + timedelta(days=30)) == ["30_to_90_days"]
    assert ages(raised + timedelta(days=90, hours=23)) == ["30_to_90_days"]
    assert ages(raised + timedelta(days=91)) == ["over_90_days"]


def test_a_conflict_raised_with_a_back_dated_time_is_timed_and_aged_from_then(ledger):
    c = cast(ledger)

    def raise_on(about, when):
        return ledger.conflicts.raise_conflict(
            c.group, [person(c.ben)], about, None, c.ann, when
        ).id

    resolved = raise_on("Referrals", T(2024, 1, 1))
    ledger.conflicts.acknowledge_conflict(resolved)
    ledger.conflicts.resolve_conflict(resolved, "Triage", None, T(2024, 1, 11))
    raise_on("Parking", T(2024, 1, 1))

    def conflicts(start):
        return ledger.reports.accountability_report(c.group, start=start, end=T(2024, 3, 1))[
            "conflicts"
        ]

    assert conflicts(T(2024, 1, 1)) == {
        "raised": 2,
        "resolved": 1,
        "escalated": 0,
        "withdrawn": 0,
        "median_days_to_resolution": 10.0,
        "p90_days_to_resolution": 10.0,
        "open_at_end": 1,
        "open_by_age": {"under_30_days": 0, "30_to_90_days": 1, "over_90_days": 0},  # 60 days
    }
    later = conflicts(T(2024, 1, 2))  # raised before this period, resolved inside it
    assert (later["raised"], later["resolved"], later["median_days_to_resolution"]) == (0, 1, 10.0)


def test_principles_count_citations_up_to_the_end_and_each_persons_latest_stance(ledger):
    c = cast(ledger)
    # Proposed before they are agreed (nothing answers a proposal before it: docs/time.md).
    first = ledger.principles.propose_principle(
        c.group, "Nothing about us without us", None, T(2024, 1, 15)
    ).id
    for member, stance in ((c.ann, "endorse"), (c.ben, "endorse"), (c.cat, "object")):
        ledger.principles.respond_to_principle(first, stance, None, member)
    ledger.principles.respond_to_principle(first, "object", "Changed my mind", c.ben)
    ledger.principles.agree_principle(first, T(2024, 2, 1))
    ledger.principles.amend_principle(
        first, "Decide with people, not for them", None, T(2024, 3, 1)
    )
    second = ledger.principles.propose_principle(c.group, "Meet monthly", None, T(2024, 2, 1)).id
    ledger.principles.respond_to_principle(second, "endorse", None, c.eve)
    ledger.principles.agree_principle(second, T(2024, 2, 10))
    unagreed = ledger.principles.propose_principle(c.group, "Keep minutes").id
    quiet = ledger.principles.propose_principle(c.group, "Act openly").id

    def decide(title, when, cites):
        ledger.decisions.record_decision(
            c.group, title, title, agreement([c.ann], when=when, cites=cites)
        )

    decide("Long ago", T(2023, 6, 1), [first])  # before the period: still counts
    decide("In the period", T(2024, 4, 1), [first, second])
    decide("After the period", datetime.now(UTC) + timedelta(days=30), [first])
    ledger.principles.retire_principle(second, "Weekly now", T(2024, 4, 15))

    end = datetime.now(UTC) + timedelta(days=1)
    report = ledger.reports.accountability_report(
        c.group, start=T(2024, 1, 1), end=end, interval="quarter"
    )
    assert report["principles"] == {
        "agreed": 2,
        "amended": 1,
        "retired": 1,
        "principles": [
            {
                "principle_id": first,
                "statement": "Decide with people, not for them",
                "cited_by_decisions": 2,
                "endorsers": 1,
                "objectors": 2,
            },
            {
                "principle_id": second,
                "statement": "Meet monthly",
                "cited_by_decisions": 1,
                "endorsers": 1,
                "objectors": 0,
            },
            {
                "principle_id": quiet,
                "statement": "Act openly",
                "cited_by_decisions": 0,
                "endorsers": 0,
                "objectors": 0,
            },
            {
                "principle_id": unagreed,
                "statement": "Keep minutes",
                "cited_by_decisions": 0,
                "endorsers": 0,
                "objectors": 0,
            },
        ],
    }
    # Agreed, amended and retired count by effective time inside the period only.
    later = ledger.reports.accountability_report(
        c.group, start=T(2024, 2, 5), end=end, interval="quarter"
    )
    assert [later["principles"][k] for k in ("agreed", "amended", "retired")] == [1, 1, 1]


def test_a_principle_proposed_after_the_period_is_not_listed(ledger):
    c = cast(ledger)
    ledger.principles.propose_principle(c.group, "Proposed today")
    report = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 6, 1))
    assert report["principles"]["principles"] == []


def test_a_principle_agreed_back_dated_into_the_period_is_listed_with_its_wording_then(ledger):
    c = cast(ledger)
    principle = ledger.principles.propose_principle(c.group, "Old wording", None, T(2024, 1, 1)).id
    ledger.principles.agree_principle(principle, T(2024, 1, 1))
    ledger.principles.amend_principle(principle, "New wording", None, T(2025, 1, 1))
    report = ledger.reports.accountability_report(c.group, start=T(2024, 1, 1), end=T(2024, 6, 1))
    assert report["principles"]["agreed"] == 1
    assert [p["statement"] for p in report["principles"]["principles"]] == ["Old wording"]


def test_the_series_is_the_start_each_week_month_or_quarter_after_it_and_the_end(ledger):
    c = cast(ledger)

    def points(start, end, interval):
        report = ledger.reports.accountability_report(
            c.group, start=start, end=end, interval=interval
        )
        return [p["at"] for p in report["distribution"]]

    assert points(T(2024, 1, 1), T(2024, 3, 1), "month") == [
        T(2024, 1, 1),
        T(2024, 2, 1),
        T(2024, 3, 1),
    ]
    assert points(T(2024, 11, 1), T(2025, 2, 10), "month") == [
        T(2024, 11, 1),
        T(2024, 12, 1),
        T(2025, 1, 1),
        T(2025, 2, 1),
        T(2025, 2, 10),
    ]
    assert points(T(2024, 1, 1), T(2024, 1, 25), "week") == [
        T(2024, 1, 1),
        T(2024, 1, 8),
        T(2024, 1, 15),
        T(2024, 1, 22),
        T(2024, 1, 25),
    ]
    assert points(T(2024, 1, 1), T(2025, 1, 1), "quarter") == [
        T(2024, 1, 1),
        T(2024, 4, 1),
        T(2024, 7, 1),
        T(2024, 10, 1),
        T(2025, 1, 1),
    ]
    # 400 points at most.
    assert len(points(T(2000, 1, 1), T(2033, 4, 1), "month")) == 400


def test_series_points_after_the_first_fall_on_calendar_month_and_quarter_starts_in_utc(ledger):
    c = cast(ledger)

    def points(start, end, interval):
        report = ledger.reports.accountability_report(
            c.group, start=start, end=end, interval=interval
        )
        return [p["at"] for p in report["distribution"]]

    assert points(T(2024, 2, 15, 9), T(2024, 12, 31), "quarter") == [
        T(2024, 2, 15, 9),
        T(2024, 4, 1),
        T(2024, 7, 1),
        T(2024, 10, 1),
        T(2024, 12, 31),
    ]
    assert points(T(2024, 1, 15, 9), T(2024, 3, 10), "month") == [
        T(2024, 1, 15, 9),
        T(2024, 2, 1),
        T(2024, 3, 1),
        T(2024, 3, 10),
    ]
    # Midnight on 1 March at +02:00 is still February in UTC: the next point is 1 March UTC.
    plus_two = datetime.fromisoformat("2024-03-01T00:00:00+02:00")
    assert points(plus_two, T(2024, 4, 15), "month") == [
        plus_two,
        T(2024, 3, 1),
        T(2024, 4, 1),
        T(2024, 4, 15),
    ]


def test_the_report_refuses_bad_arguments_naming_the_field(ledger):
    c = cast(ledger)
    naive = datetime(2024, 1, 1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"interval": "day"}, "interval"),
        ({"pending_days": -1}, "pending_days"),
        ({"pending_days": 36_501}, "pending_days"),
        ({"unchanged_days": -1}, "unchanged_days"),
        ({"start": naive}, "from"),
        ({"end": naive}, "to"),
        ({"as_of": naive}, "as_of"),
        ({"start": T(2024, 6, 1), "end": T(2024, 6, 1)}, "to"),
        ({"start": T(2024, 6, 1), "end": T(2024, 1, 1)}, "to"),
        ({"start": T(2000, 1, 1), "end": T(2033, 4, 2)}, "interval"),  # 401 monthly points
    ]
    for arguments, field in cases:
        with pytest.raises(InvalidInput) as caught:
            ledger.reports.accountability_report(c.group, **arguments)
        assert caught.value.field == field, arguments
    decision = ledger.decisions.record_decision(c.group, "D", "D", agreement([c.ann])).id
    for unknown in (str(uuid.uuid4()), "not-an-id", decision, c.ann):
        with pytest.raises(RecordNotFound):
            ledger.reports.accountability_report(unknown)


EXTREMES = {
    "to within a year of year 1": {"end": T(1, 6, 1)},
    "as_of within a year of year 1": {"as_of": T(1, 6, 1)},
    "to in the last month of year 9999": {"end": T(9999, 12, 31)},
    "weeks ending in year 9999": {
        "start": T(9999, 12, 20),
        "end": T(9999, 12, 31),
        "interval": "week",
    },
    "pending days before year 1": {"start": T(1, 1, 1), "end": T(1, 1, 10), "pending_days": 36_500},
}


@pytest.mark.stores("memory")
@pytest.mark.parametrize("arguments", list(EXTREMES.values()), ids=list(EXTREMES))
def test_instants_near_the_ends_of_time_are_reported_or_refused_never_a_crash(ledger, arguments):
    try:
        report = ledger.reports.accountability_report(None, **arguments)
    except InvalidInput as refused:
        assert refused.field in ("from", "to", "as_of", "interval", "pending_days")
    else:
        assert report["distribution"]


# ---------------------------------------------------------------- by_group


def row(found: dict[str, Any], group: str) -> dict[str, Any]:
    rows = [r for r in found["by_group"] if r["group_id"] == group]
    assert len(rows) == 1, found["by_group"]
    return rows[0]


def test_by_group_gives_each_group_in_scope_its_own_figures_in_tree_order(ledger):
    c = cast(ledger)
    hub = ledger.groups.convene_group("Hub", "design", "Design the hub", c.group, CONVENED).id
    keys = ledger.groups.convene_group("Hub keys", "design", "Keys", hub, CONVENED).id
    archive = ledger.groups.convene_group("Archive", "design", "Old work", c.group, CONVENED).id
    other = ledger.groups.convene_group("Elsewhere", "design", "Other work", None, CONVENED).id
    for member in (c.ben, c.cat):
        ledger.groups.add_member(hub, member, "member", CONVENED)
    ledger.groups.add_member(archive, c.eve, "member", CONVENED)
    # The group: Ann holds two, River Council one; two decisions (one before the period);
    # two conflicts open at the end, one raised before the period.
    define(ledger, c.group, person(c.ann), T(2024, 1, 10))
    define(ledger, c.group, person(c.ann), T(2024, 1, 10))
    define(ledger, c.group, organisation(c.river), T(2024, 1, 10))
    for when in (T(2023, 6, 1), T(2024, 2, 1)):
        ledger.decisions.record_decision(c.group, "D", "D", agreement([c.ann, c.ben], when=when))
    for when in (T(2023, 6, 1), T(2024, 3, 1)):
        ledger.conflicts.raise_conflict(c.group, [person(c.ben)], "Beds", None, c.ann, when)
    # The hub: Ben's work handed over to the group (it stays the hub's), Cat's held; one
    # conflict raised and resolved.
    moved = define(ledger, hub, person(c.ben), T(2024, 1, 10))
    hand_over(ledger, moved, group_party(c.group), c.ann)
    define(ledger, hub, person(c.cat), T(2024, 1, 10))
    settled = ledger.conflicts.raise_conflict(hub, [person(c.cat)], "Rota", None, c.ben).id
    ledger.conflicts.acknowledge_conflict(settled)
    ledger.conflicts.resolve_conflict(settled, "Agreed")
    define(ledger, archive, person(c.eve), T(2024, 1, 10))
    define(ledger, other, organisation(c.voices), T(2024, 1, 10))
    end = datetime.now(UTC) + timedelta(days=1)

    def report(group, include=True, visible=None):
        return ledger.reports.accountability_report(
            group, include, start=T(2024, 1, 1), end=end, interval="quarter", visible=visible
        )

    family = report(c.group)
    assert [(r["name"], r["role"], r["depth"]) for r in family["by_group"]] == [
        ("Care group", "group", 0),
        ("Archive", "subgroup", 1),
        ("Hub", "subgroup", 1),
        ("Hub keys", "subgroup", 2),
    ]
    figures = (
        "accountabilities",
        "holders",
        "organisations",
        "decisions_agreed",
        "handovers_accepted",
        "conflicts_open",
        "conflicts_raised",
    )
    assert row(family, c.group) == {
        "group_id": c.group,
        "name": "Care group",
        "role": "group",
        "parent_group_id": None,
        "depth": 0,
        **dict(zip(figures, (3, 2, 2, 1, 0, 2, 1), strict=True)),
    }
    # The handed-over work counts where it was defined, held by a group (no organisation).
    assert row(family, hub)["parent_group_id"] == c.group
    assert [row(family, hub)[f] for f in figures] == [2, 2, 1, 0, 1, 0, 1]
    assert row(family, archive)["accountabilities"] == 1
    assert [row(family, keys)[f] for f in figures] == [0] * 7
    assert row(family, keys)["parent_group_id"] == hub
    # The rows add up to the report's own figures.
    assert sum(r["accountabilities"] for r in family["by_group"]) == 6
    assert family["holdings"]["accountabilities"] == 6
    assert family["handovers"]["accepted"] == 1
    assert family["conflicts"]["open_at_end"] == 2

    # A group the caller cannot see is left out.
    seen = report(c.group, visible=frozenset({c.group, hub, keys}))
    assert [r["group_id"] for r in seen["by_group"]] == [c.group, hub, keys]
    # The whole ledger: each group whose parent is outside it is a root, by name.
    everything = report(None)
    assert [(r["name"], r["depth"]) for r in everything["by_group"]] == [
        ("Care group", 0),
        ("Archive", 1),
        ("Hub", 1),
        ("Hub keys", 2),
        ("Elsewhere", 0),
    ]
    assert row(everything, other)["organisations"] == 1
    assert [r["name"] for r in report(None, visible=frozenset({hub, other}))["by_group"]] == [
        "Elsewhere",
        "Hub",
    ]
    # One group: no breakdown.
    assert report(c.group, include=False)["by_group"] is None
    assert report(keys)["by_group"] is None
