"""GET /reports/accountability serves exactly what ledger.reports.accountability_report computes."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.application.support import extra
from tests.conftest import acting_as
from tests.interfaces.support import Api

REPORT = "/reports/accountability"
START = datetime(2024, 1, 1, tzinfo=UTC)
SECTIONS = {
    "scope",
    "from",
    "to",
    "as_of",
    "position",
    "interval",
    "holdings",
    "distribution",
    "handovers",
    "holding_on",
    "decisions",
    "conflicts",
    "principles",
    "by_group",
}


def T(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def canonical(value: Any) -> Any:
    """JSON-comparable: every instant (a datetime, or text that is one) as a UTC datetime."""
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return value
    return value


def populate(api: Api) -> dict[str, str]:
    """A parent group with a sub-group, another group, and records of every kind in the report."""
    ledger = api.ledger
    north = ledger.organisations.register_organisation("North Trust", "statutory_health").id
    river = ledger.organisations.register_organisation("River Council", "local_authority").id
    voices = ledger.organisations.register_organisation("Voices Forum", "lived_experience").id
    ann = ledger.people.register_person("Ann", None, north).id
    ben = ledger.people.register_person("Ben", None, river).id
    cat = ledger.people.register_person("Cat", None, voices).id
    convened = T(2023, 1, 1)
    parent = ledger.groups.convene_group("Parent", "k", "Care", None, convened).id
    child = ledger.groups.convene_group("Child", "k", "Hub", parent, convened).id
    other = ledger.groups.convene_group("Other", "k", "Elsewhere", None, convened).id
    for group in (parent, child, other):
        for member in (ann, ben, cat):
            ledger.groups.add_member(group, member, "member", convened)
    ledger.people.change_affiliation(cat, north, T(2024, 6, 1))

    def define(group, holder, when):
        return ledger.accountabilities.define_accountability(group, "Work", holder, None, when).id

    def offer(work, to, when=None):
        written = ledger.accountabilities.offer_handover(work, to, effective_at=when)
        return extra(written)["handover_id"]

    ann_p, ben_p, cat_p = ({"kind": "person", "id": p} for p in (ann, ben, cat))
    for group, holder in ((parent, ann_p), (parent, ann_p), (child, ben_p), (other, cat_p)):
        define(group, holder, T(2023, 6, 1))
    moved = define(parent, ann_p, T(2023, 6, 1))
    with acting_as(ben):
        # Offered and accepted at one meeting (an answer never precedes its offer).
        handover = offer(moved, ben_p, T(2024, 3, 1))
        ledger.accountabilities.accept_handover(moved, handover, T(2024, 3, 1))
    ledger.accountabilities.return_accountability(moved, "Back", T(2024, 4, 1))
    waiting = define(child, ben_p, T(2024, 2, 1))
    offer(waiting, cat_p)
    declined = define(other, {"kind": "organisation", "id": river}, T(2024, 2, 1))
    with acting_as(ann):
        ledger.accountabilities.decline_handover(
            declined, offer(declined, {"kind": "organisation", "id": north})
        )

    principle = ledger.principles.propose_principle(
        parent, "Nothing about us without us", None, T(2024, 1, 15)
    ).id
    ledger.principles.respond_to_principle(principle, "endorse", None, ann)
    ledger.principles.respond_to_principle(principle, "object", None, ben)
    ledger.principles.agree_principle(principle, T(2024, 1, 15))
    for group, people, when in (
        (parent, [ann, ben, cat], T(2024, 2, 1)),
        (child, [ben], T(2024, 5, 1)),
        (other, [cat], T(2024, 7, 1)),
    ):
        ledger.decisions.record_decision(
            group,
            "Decide",
            "Decide",
            {
                "method": "consent",
                "participants": people,
                "effective_at": when,
                "review_date": date(2024, 9, 1),
                "principles": [principle] if group == parent else [],
            },
        )
    party = [{"kind": "person", "id": ben}]
    for group in (parent, child, other):
        resolved = ledger.conflicts.raise_conflict(group, party, "Delays", None, ann).id
        ledger.conflicts.acknowledge_conflict(resolved)
        ledger.conflicts.resolve_conflict(
            resolved, "Sorted", None, datetime.now(UTC) + timedelta(days=3)
        )
        ledger.conflicts.raise_conflict(group, party, "Parking", None, cat)
    return {"parent": parent, "child": child, "other": other}


def both(api: Api, **arguments: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report over HTTP and from the ledger, for the same arguments."""
    head = api.ledger.head_position()
    params = {
        "from": arguments["start"].isoformat(),
        "to": arguments["end"].isoformat(),
        "interval": arguments.get("interval", "month"),
        "pending_days": arguments.get("pending_days", 14),
        "unchanged_days": arguments.get("unchanged_days", 90),
        "holding_on": arguments.get("holding_on_threshold", 3),
        "include_subgroups": str(arguments.get("include_subgroups", False)).lower(),
        "min_position": head,
    }
    if arguments.get("group_id") is not None:
        params["group"] = arguments["group_id"]
    if arguments.get("as_of") is not None:
        params["as_of"] = arguments["as_of"].isoformat()
    response = api.call("GET", REPORT, api.admin, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    served = response.json()
    computed = api.ledger.reports.accountability_report(**arguments, min_position=head)
    return served, computed


@pytest.fixture
def groups(api: Api) -> dict[str, str]:
    return populate(api)


def test_the_report_for_one_group_is_what_the_ledger_computes(api, groups):
    end = datetime.now(UTC) + timedelta(days=10)
    served, computed = both(api, group_id=groups["parent"], start=START, end=end)
    assert set(served) == SECTIONS
    assert canonical(served) == canonical(computed)
    assert served["scope"]["groups"] == [groups["parent"]]
    assert served["holdings"]["accountabilities"] == 3
    assert served["handovers"]["accepted"] == 1 and served["handovers"]["returned"] == 1
    assert served["principles"]["principles"][0]["cited_by_decisions"] == 1
    assert served["conflicts"]["resolved"] == 1


def test_the_report_for_a_group_and_its_sub_groups_is_what_the_ledger_computes(api, groups):
    end = datetime.now(UTC) + timedelta(days=1)
    served, computed = both(
        api,
        group_id=groups["parent"],
        include_subgroups=True,
        start=START,
        end=end,
        interval="quarter",
        pending_days=0,
        unchanged_days=30,
        holding_on_threshold=1,
    )
    assert canonical(served) == canonical(computed)
    assert served["scope"]["groups"] == sorted([groups["parent"], groups["child"]])
    assert served["holdings"]["accountabilities"] == 5
    assert len(served["handovers"]["pending_longer"]) == 1
    assert served["holding_on"]["holders_never_handing_over"] == []  # Ann and Ben both offered
    assert served["holding_on"]["unchanged_longer"]
    assert served["decisions"]["agreed"] == 2


def test_the_report_for_the_whole_ledger_is_what_the_ledger_computes(api, groups):
    end = datetime.now(UTC) + timedelta(days=1)
    served, computed = both(api, start=START, end=end, interval="week")
    assert canonical(served) == canonical(computed)
    assert served["scope"] == {"group_id": None, "include_subgroups": False, "groups": None}
    assert served["holdings"]["accountabilities"] == 7
    assert served["handovers"]["declined"] == 1
    assert served["conflicts"]["raised"] == 6
    assert len(served["distribution"]) > 50


def test_the_report_as_of_an_earlier_moment_is_what_the_ledger_computes(api, groups):
    time.sleep(0.005)
    known = datetime.now(UTC)
    time.sleep(0.005)
    api.ledger.accountabilities.define_accountability(
        groups["other"], "Late", {"kind": "group", "id": groups["other"]}, None, T(2024, 1, 1)
    )
    end = datetime.now(UTC) + timedelta(days=1)
    served, computed = both(api, start=START, end=end, as_of=known, interval="quarter")
    assert canonical(served) == canonical(computed)
    assert canonical(served["as_of"]) == known
    assert served["holdings"]["accountabilities"] == 7
    now, _ = both(api, start=START, end=end, interval="quarter")
    assert now["holdings"]["accountabilities"] == 8
    assert now["position"] > served["position"]
