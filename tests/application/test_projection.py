"""The projector applies each event exactly once, and a rebuild gives the same read models.

A projector killed part-way through a page leaves nothing of that page behind and does not
move its tracking position; resumed, it ends with read models equal to a rebuild from
scratch. Incremental projection, event by event, equals one rebuild from position zero.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from application.errors import RecordNotFound
from application.ledger import Ledger
from application.projections.describe import describe
from infrastructure.readmodels import READ_MODEL_TABLES
from interfaces.bootstrap import build_ledger
from tests.application.support import JAN, JUN, MAR, rich_scenario
from tests.conftest import acting_as

# Helpers shared with test_timeline_concurrency.


def table_rows(ledger: Ledger) -> dict[str, list[str]]:
    """Every row of every read-model table (and the tracking row), order-free."""
    store = ledger.projector.store
    found: dict[str, list[str]] = {}
    with store._rm_cursor(False) as c:  # type: ignore[attr-defined]
        for table in (*READ_MODEL_TABLES, "accord_tracking"):
            c.execute(f"SELECT * FROM {store.prefix}{table}")  # type: ignore[attr-defined]
            rows = [json.dumps(dict(row), sort_keys=True, default=str) for row in c.fetchall()]
            found[table] = sorted(rows)
    return found


def full_timeline(ledger: Ledger, **filters: Any) -> list[dict[str, Any]]:
    return ledger.projector.store.select_timeline(0, 1_000_000, **filters)


def group_ids(ledger: Ledger) -> list[str]:
    return sorted({r["record_id"] for r in full_timeline(ledger) if r["kind"] == "group"})


def fact_moments(ledger: Ledger) -> list[str]:
    """Every effective and recorded instant in the timeline, each a tick either side too."""
    moments = {"0001-01-01T00:00:00.000000+00:00", "9999-01-01T00:00:00.000000+00:00"}
    tick = timedelta(microseconds=1)
    for row in full_timeline(ledger):
        for text in (row["effective_at"], row["recorded_at"]):
            moment = datetime.fromisoformat(text)
            for m in (moment - tick, moment, moment + tick):
                moments.add(m.astimezone(UTC).isoformat(timespec="microseconds"))
    return sorted(moments)


def read_models(ledger: Ledger, positions: list[int] | None = None) -> dict[str, Any]:
    """The read models through their queries: the timeline, and every group's facts at
    the given positions (default: the head) and at every instant the timeline names."""
    store = ledger.projector.store
    head = ledger.projector.position()
    moments = fact_moments(ledger)
    facts = {
        (group, position, moment): store.select_facts(group, position, moment)
        for group in group_ids(ledger)
        for position in positions or [head]
        for moment in moments
    }
    return {"position": head, "timeline": full_timeline(ledger), "facts": facts}


def assert_each_position_once(ledger: Ledger) -> None:
    head = ledger.head_position()
    assert ledger.projector.position() == head
    positions = [r["position"] for r in full_timeline(ledger)]
    assert positions == list(range(1, head + 1))
    parties = {json.loads(row)["position"] for row in table_rows(ledger)["accord_timeline_parties"]}
    assert parties <= set(positions)


@contextmanager
def rebuilt(ledger: Ledger, settings: Any) -> Iterator[Ledger]:
    """A rebuild from scratch: by a second Ledger on the same database where there is one."""
    if settings.resolved_database_url().startswith("memory"):
        ledger.projector.rebuild()
        yield ledger
        return
    other = build_ledger(settings)
    try:
        other.projector.rebuild()
        yield other
    finally:
        other.close()


def back_dated_changes(ledger: Ledger, ids: dict[str, list[str]]) -> None:
    """Changes recorded now that took effect earlier than earlier-recorded ones."""
    group = ids["group"][0]
    alice, bob = ids["person"][1], ids["person"][2]
    ledger.groups.change_member_role(group, bob, "observer", JUN)
    ledger.groups.change_member_role(group, bob, "member", JAN)  # earlier than the change before
    ledger.groups.restate_purpose(group, "Join up care, for everyone", MAR)
    ledger.groups.restate_purpose(group, "Join up care, again", JAN - timedelta(days=30))
    ledger.groups.remove_member(group, alice, MAR)
    ledger.groups.add_member(group, alice, "observer", JUN)
    with acting_as(ids["person"][0]):
        # Proposed when agreed: nothing answers a proposal before it was made (docs/time.md).
        principle = ledger.principles.propose_principle(group, "Share the data", None, MAR).id
        ledger.principles.agree_principle(principle, MAR)
        ledger.principles.amend_principle(principle, "Share the data weekly", None, JUN)
        # Amended again, earlier than the amendment before.
        ledger.principles.amend_principle(principle, "Share it", None, MAR + timedelta(days=1))


# Killed mid-page.


class Killed(BaseException):
    """The projector's process dies (not an ordinary error)."""


class DyingCursor:
    """Runs `survive` statements, then the process 'dies' before the next one."""

    def __init__(self, cursor: Any, survive: int, log: list[str]) -> None:
        self._cursor = cursor
        self._survive = survive
        self._log = log

    def _statement(self, sql: str) -> None:
        if len(self._log) >= self._survive:
            raise Killed(f"killed after {len(self._log)} statements, before: {sql[:60]}")
        self._log.append(sql)

    def execute(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        self._statement(str(sql))
        return self._cursor.execute(sql, *args, **kwargs)

    def executemany(self, sql: Any, *args: Any, **kwargs: Any) -> Any:
        self._statement(str(sql))
        return self._cursor.executemany(sql, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def kill_writes(store: Any, survive: int | None, log: list[str]) -> Any:
    """A replacement for the store's read-model cursor: writing transactions die part-way.

    `survive=None` lets every statement run and dies just before the commit.
    """
    original = store._rm_cursor

    @contextmanager
    def dying(commit: bool) -> Iterator[Any]:
        with original(commit) as cursor:
            if not commit:
                yield cursor
                return
            yield DyingCursor(cursor, 10**9 if survive is None else survive, log)
            if survive is None:
                raise Killed("killed after every statement, before the commit")

    return dying


@pytest.mark.parametrize("survive", [1, 2, 3, 5, None])
def test_a_projector_killed_mid_page_leaves_nothing_of_the_page_and_resumes_to_a_rebuilds_state(
    ledger, settings, monkeypatch, survive
):
    ids = rich_scenario(ledger)
    back_dated_changes(ledger, ids)
    head = ledger.head_position()
    assert ledger.projector.position() == 0  # nothing read yet, so nothing projected
    projector = ledger.projector
    projector.page_size = 25
    assert projector.run_once() == 25
    assert projector.run_once() == 25
    before = table_rows(ledger)
    timeline_before = full_timeline(ledger)

    statements: list[str] = []
    monkeypatch.setattr(
        projector.store, "_rm_cursor", kill_writes(projector.store, survive, statements)
    )
    with pytest.raises(Killed):
        projector.catch_up()
    # It did die inside the transaction, after writing part of the page.
    assert len(statements) == (survive if survive is not None else len(statements))
    assert statements[0].lstrip().startswith("UPDATE") and "accord_tracking" in statements[0]
    if survive is None:
        assert any("accord_facts" in s for s in statements)
    # Nothing of the page is visible, and the tracking position did not move.
    assert projector.position() == 50
    assert table_rows(ledger) == before
    assert full_timeline(ledger) == timeline_before
    assert max(r["position"] for r in full_timeline(ledger)) == 50

    monkeypatch.undo()
    assert projector.catch_up() == head - 50
    assert_each_position_once(ledger)
    resumed, resumed_rows = read_models(ledger), table_rows(ledger)
    with rebuilt(ledger, settings) as fresh:
        assert fresh.projector.position() == head
        assert table_rows(fresh) == resumed_rows
        assert read_models(fresh) == resumed


def test_a_projector_killed_on_its_first_page_starts_again_from_position_zero(
    ledger, settings, monkeypatch
):
    ids = rich_scenario(ledger)
    projector = ledger.projector
    monkeypatch.setattr(projector.store, "_rm_cursor", kill_writes(projector.store, 4, []))
    with pytest.raises(Killed):
        ledger.history.group_timeline(ids["group"][0])  # a read projects first, and dies
    assert projector.position() == 0
    assert all(
        rows == [] for table, rows in table_rows(ledger).items() if table != "accord_tracking"
    )
    monkeypatch.undo()
    items = ledger.history.group_timeline(ids["group"][0], limit=500)["items"]
    assert items and items[0]["type"] == "Group.Convened"
    assert_each_position_once(ledger)


def test_an_ordinary_error_mid_page_is_rolled_back_like_a_kill(ledger, monkeypatch):
    ids = rich_scenario(ledger)
    projector = ledger.projector
    projector.page_size = 10
    projector.run_once()
    before = table_rows(ledger)
    original = projector.store._rm_cursor

    @contextmanager
    def failing(commit: bool) -> Iterator[Any]:
        with original(commit) as cursor:
            yield cursor
            if commit:
                raise RuntimeError("disk full")

    monkeypatch.setattr(projector.store, "_rm_cursor", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        projector.run_once()
    assert table_rows(ledger) == before
    monkeypatch.undo()
    projector.catch_up()
    assert_each_position_once(ledger)
    state = ledger.history.group_state(ids["group"][0])
    assert {m["person_id"] for m in state["members"]} >= {ids["person"][1], ids["person"][4]}


def test_a_page_applied_twice_is_refused_by_the_tracking_position(ledger):
    """The compare-and-set: a batch built for an old position changes nothing."""
    ids = rich_scenario(ledger)
    projector = ledger.projector
    projector.page_size = 10
    notifications = ledger.recorder.select_notifications(1, 10)
    described = [describe(n.id, ledger.mapper.to_domain_event(n)) for n in notifications]
    batch = projector._batch(0, notifications[-1].id, described)
    assert projector.store.apply_batch(batch) is True
    after_once = table_rows(ledger)
    assert projector.store.apply_batch(batch) is False
    assert table_rows(ledger) == after_once
    assert projector.position() == 10
    projector.catch_up()
    assert_each_position_once(ledger)
    assert ids["group"][0] in group_ids(ledger)


# Rebuild equals incremental projection.


def state_or_none(ledger: Ledger, group: str, when: datetime) -> dict[str, Any] | None:
    try:
        return ledger.history.group_state(group, effective_at=when)
    except RecordNotFound:
        return None


def project_after_every_save(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the ledger project each save as it is made; returns how much each applied."""
    notify = ledger._notify
    applied: list[int] = []

    def notify_and_project(recordings: list[Any]) -> None:
        notify(recordings)
        applied.append(ledger.projector.catch_up())

    monkeypatch.setattr(ledger, "_notify", notify_and_project)
    return applied


def test_a_rebuild_gives_the_same_timeline_and_facts_as_projecting_event_by_event(
    ledger, settings, monkeypatch
):
    applied = project_after_every_save(ledger, monkeypatch)
    ids = rich_scenario(ledger)
    back_dated_changes(ledger, ids)
    head = ledger.head_position()
    assert sum(applied) == head and len(applied) > 50
    assert max(applied) <= 2  # one save, one or two events (agree-and-supersede)
    positions = sorted({1, head // 3, head // 2, head - 1, head})
    incremental, rows = read_models(ledger, positions), table_rows(ledger)
    moments = (JAN, MAR, JUN, datetime(2030, 1, 1, tzinfo=UTC))
    states = {(g, when): state_or_none(ledger, g, when) for g in ids["group"] for when in moments}
    with rebuilt(ledger, settings) as fresh:
        assert table_rows(fresh) == rows
        assert read_models(fresh, positions) == incremental
        for (group, when), state in states.items():
            assert state_or_none(fresh, group, when) == state
    # The comparison covered back-dated overrides: Bob was a member (not an observer) in March.
    in_march = states[(ids["group"][0], MAR)]
    assert in_march is not None
    members = {m["person_id"]: m for m in in_march["members"]}
    assert members[ids["person"][2]]["role"] == "member"
    assert ids["person"][1] not in members  # Alice left in March, rejoined in June


def test_a_rebuild_in_pages_of_one_gives_the_same_read_models_as_one_big_page(ledger, settings):
    ids = rich_scenario(ledger)
    back_dated_changes(ledger, ids)
    ledger.projector.page_size = 1
    head = ledger.head_position()
    assert ledger.projector.catch_up() == head
    one_by_one, rows = read_models(ledger), table_rows(ledger)
    with rebuilt(ledger, settings) as fresh:
        fresh.projector.page_size = 500
        assert fresh.projector.rebuild() == head
        assert table_rows(fresh) == rows
        assert read_models(fresh) == one_by_one


def test_rebuilding_twice_in_a_row_changes_nothing(ledger):
    ids = rich_scenario(ledger)
    back_dated_changes(ledger, ids)
    head = ledger.head_position()
    assert ledger.projector.rebuild() == head
    first = table_rows(ledger)
    assert ledger.projector.rebuild() == head
    assert table_rows(ledger) == first
    assert ledger.projector.catch_up() == 0
    assert table_rows(ledger) == first


def test_a_stopping_projector_ends_after_its_current_page(ledger, monkeypatch):
    """SIGTERM stops the API's projector between pages, never inside one."""
    ledger.inline_projection = False
    for n in range(7):
        ledger.organisations.register_organisation(f"Org {n}", "vcse")
    projector = ledger.projector
    projector.page_size = 3
    stopping = threading.Event()
    run_once = projector.run_once

    def one_page_then_stop() -> int:
        applied = run_once()
        stopping.set()  # as if SIGTERM came while this page was being applied
        return applied

    monkeypatch.setattr(projector, "run_once", one_page_then_stop)
    assert projector.catch_up(stopping) == 3
    assert projector.position() == 3
    monkeypatch.undo()
    assert projector.catch_up() == ledger.head_position() - 3
