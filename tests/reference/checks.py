"""Reads compared with the reference model: group state, records, /changes, the report."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from tests.reference.model import A_GROUP, NO_ORGANISATION, Report, State
from tests.reference.programme import Programme, parse

PLURAL = {
    "decision": "decisions",
    "principle": "principles",
    "conflict": "conflicts",
    "accountability": "accountabilities",
}


# ------------------------------------------------------------------ group state


def shown_record(kind: str, state: State) -> State:
    """The part of a record's state that the model predicts, as the API shows it."""
    if kind == "decision":
        return {
            "status": state["status"],
            "method": state["method"],
            "effective_at": state["effective_at"],
            "participant_organisations": set(state["participant_organisations"]),
        }
    if kind == "principle":
        return {"status": state["status"], "statement": state["statement"]}
    if kind == "conflict":
        return {"status": state["status"]}
    open_ = state["open_handover"]
    return {
        "status": state["status"],
        "holder": dict(state["holder"]),
        "holder_since": state["holder_since"],
        "open_handover": {"handover_id": open_["handover_id"], "to": dict(open_["to"])}
        if open_
        else None,
    }


def answered_record(kind: str, item: dict[str, Any]) -> State:
    if kind == "decision":
        item = {
            **item,
            "effective_at": parse(item["effective_at"]),
            "participant_organisations": set(item["participant_organisations"]),
        }
    if kind == "accountability":
        item = {**item, "holder_since": parse(item["holder_since"])}
    keys = shown_record(kind, {**item, "open_handover": None} if kind == "accountability" else item)
    found = {key: item[key] for key in keys}
    if kind == "accountability" and item["open_handover"]:
        found["open_handover"] = {
            "handover_id": item["open_handover"]["handover_id"],
            "to": dict(item["open_handover"]["to"]),
        }
    return found


def answered_state(body: dict[str, Any]) -> State:
    found: State = {
        "purpose": body["purpose"],
        "status": body["status"],
        "parent_group_id": body["parent_group_id"],
        "members": {m["person_id"]: (m["role"], parse(m["since"])) for m in body["members"]},
    }
    for kind, plural in PLURAL.items():
        found[plural] = {item["id"]: answered_record(kind, item) for item in body[plural]}
    return found


def expected_state(model_state: State) -> State:
    found = {key: model_state[key] for key in ("purpose", "status", "parent_group_id", "members")}
    for kind, plural in PLURAL.items():
        found[plural] = {
            record_id: shown_record(kind, state) for record_id, state in model_state[plural].items()
        }
    return found


def check_state(
    programme: Programme, group: str, as_of: datetime | None, effective: datetime | None
) -> None:
    response = programme.get(f"/groups/{group}/state", as_of=as_of, effective_at=effective)
    when = effective or as_of
    if when is None:
        when = parse(response.json()["effective_at"]) if response.status_code == 200 else None
    when = when or datetime.now(UTC)
    expected = programme.model.group_state(group, as_of, when)
    where = f"GET /groups/{group}/state as_of={as_of} effective_at={effective} (E={when})"
    if expected is None:
        assert response.status_code == 404, (where, response.status_code, response.text)
        return
    assert response.status_code == 200, (where, response.status_code, response.text)
    body = response.json()
    assert parse(body["effective_at"]) == when, where
    seen, wanted = answered_state(body), expected_state(expected)
    for key in wanted:
        assert seen[key] == wanted[key], (where, key, seen[key], wanted[key])


# ------------------------------------------------------------------ records by effective_at


def check_records(
    programme: Programme, data: Any, as_of: datetime | None, effective: datetime
) -> None:
    """A person's organisation, and each kind of record, read by `effective_at`."""
    person = data.draw(st.sampled_from(programme.people), label="person").person_id
    response = programme.get(f"/people/{person}", as_of=as_of, effective_at=effective)
    where = f"GET /people/{person} as_of={as_of} effective_at={effective}"
    assert response.status_code == 200, (where, response.text)
    expected = programme.model.organisation_of(person, effective, as_of)
    assert response.json()["organisation_id"] == expected, (where, response.json(), expected)
    records = [r for r in programme.model.records if r in programme.model.records]
    if not records:
        return
    record_id = data.draw(st.sampled_from(records), label="record")
    kind = programme.model.records[record_id].kind
    response = programme.get(f"/{PLURAL[kind]}/{record_id}", as_of=as_of, effective_at=effective)
    where = f"GET /{PLURAL[kind]}/{record_id} as_of={as_of} effective_at={effective}"
    state = programme.model.record_state(record_id, effective, as_of)
    if state is None:
        assert response.status_code == 404, (where, response.status_code, response.text)
        return
    assert response.status_code == 200, (where, response.status_code, response.text)
    check_record_answer(kind, response.json(), state, where)


def check_record_answer(kind: str, body: dict[str, Any], state: State, where: str) -> None:
    assert body["status"] == state["status"], (where, body["status"], state["status"])
    if kind == "principle":
        assert body["statement"] == state["statement"], (where, body, state)
    if kind == "accountability":
        assert body["holder"] == state["holder"], (where, body["holder"], state["holder"])
        open_ = state["open_handover"]
        assert body["open_handover_id"] == (open_["handover_id"] if open_ else None), where
    if kind == "decision" and state["effective_at"] is not None:
        answered = body["effective_at"] and parse(body["effective_at"])
        assert answered == state["effective_at"], (where, body, state)


# ------------------------------------------------------------------ /changes


def check_changes(programme: Programme, group: str, start: datetime, end: datetime) -> None:
    response = programme.get(f"/groups/{group}/changes", **{"from": start, "to": end})
    where = f"GET /groups/{group}/changes from={start} to={end}"
    assert response.status_code == 200, (where, response.text)
    lines = response.json()["changes"]
    seen = Counter(
        (line["record_id"], parse(line["effective_at"]), parse(line["recorded_at"]))
        for line in lines
    )
    wanted = programme.model.changes(group, start, end)
    assert seen == wanted, (where, seen - wanted, wanted - seen)
    times = [parse(line["effective_at"]) for line in lines]
    assert times == sorted(times), (where, "not oldest first")


# ------------------------------------------------------------------ the report


def check_report(programme: Programme, group: str, start: datetime, end: datetime) -> None:
    response = programme.get("/reports/accountability", group=group, **{"from": start, "to": end})
    where = f"GET /reports/accountability group={group} from={start} to={end}"
    assert response.status_code == 200, (where, response.text)
    body = response.json()
    report = Report(programme.model, group, start, end)
    check_holdings(body["holdings"], report.holdings(), where)
    last = body["distribution"][-1]
    assert parse(last["at"]) == end, where
    wanted = report.distribution_at_end()
    assert {k: last[k] for k in wanted} == wanted, (where, last, wanted)
    check_handovers(body["handovers"], report.handovers(), where)
    decisions = report.decisions()
    assert {k: body["decisions"][k] for k in decisions} == decisions, (where, body["decisions"])


def check_holdings(holdings: dict[str, Any], wanted: State, where: str) -> None:
    assert holdings["accountabilities"] == wanted["accountabilities"], (where, holdings)
    by_holder = Counter(
        {(h["holder_kind"], h["holder_id"]): h["count"] for h in holdings["by_holder"]}
    )
    assert by_holder == wanted["by_holder"], (where, holdings["by_holder"], wanted["by_holder"])
    assert holdings["by_holder_kind"] == wanted["by_holder_kind"], where
    by_org = Counter({h["organisation_id"]: h["count"] for h in holdings["by_organisation"]})
    assert by_org == wanted["by_organisation"], (where, by_org, wanted["by_organisation"])
    by_sector = Counter({h["sector"]: h["count"] for h in holdings["by_sector"]})
    assert by_sector == wanted["by_sector"], (where, by_sector, wanted["by_sector"])
    for labelled in (A_GROUP, NO_ORGANISATION):
        assert all(
            h["name"] is None
            for h in holdings["by_organisation"]
            if h["organisation_id"] == labelled
        ), where


def check_handovers(handovers: dict[str, Any], wanted: State, where: str) -> None:
    for key in ("offered", "accepted", "declined", "withdrawn", "returned"):
        assert handovers[key] == wanted[key], (where, key, handovers, wanted)
    flows = Counter(
        {(f["from"], f["to"]): f["count"] for f in handovers["flows_between_organisations"]}
    )
    assert flows == wanted["flows"], (where, flows, wanted["flows"])
    sectors = Counter(
        {(f["from"], f["to"]): f["count"] for f in handovers["flows_between_sectors"]}
    )
    assert sectors == wanted["sector_flows"], (where, sectors, wanted["sector_flows"])
