"""The API against an independent reference model of docs/time.md (issue 17).

Random programmes — moves between organisations and their corrections, members joining,
changing role and leaving (back-dated, future-dated or at the moment of recording),
purposes restated, groups and sub-groups closed, decisions proposed, agreed, superseded
and revoked, principles, conflicts, accountabilities defined and handed over — are sent
to the HTTP API and to `tests.reference.model`, which knows nothing of the code. Then
the group state at random `(as_of, effective_at)` pairs, records read by `effective_at`,
`/changes` windows and the report's headline figures must be what the model says.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from interfaces.bootstrap import build_ledger
from tests.conftest import examples, store_settings
from tests.interfaces.support import Actor, Api, open_client
from tests.reference.checks import check_changes, check_records, check_report, check_state
from tests.reference.programme import STEPS as GROUP_STEPS
from tests.reference.programme import Programme
from tests.reference.records import RECORD_STEPS

STORES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# Each example is a programme of a few dozen writes and a few dozen reads over HTTP.
EXAMPLES = {"memory": 25, "sqlite": 12, "postgres": 10}
STEPS = (8, 30)
ALL_STEPS = [
    *GROUP_STEPS,
    *RECORD_STEPS,
    "define_accountability",
    "hand_over",
    "hand_over",
    "agree_decision",
    "propose_decision",
]


def run_programme(api: Api, data: Any) -> Programme:
    programme = Programme(api, data)
    programme.set_up()
    for _ in range(data.draw(st.integers(*STEPS), label="steps")):
        name = data.draw(st.sampled_from(ALL_STEPS), label="step")
        if name in RECORD_STEPS:
            RECORD_STEPS[name](programme)
        else:
            getattr(programme, name)()
    note(f"outcomes: {[(o.name, o.status) for o in programme.outcomes]}")
    return programme


def moments(programme: Programme) -> st.SearchStrategy[datetime]:
    """Moments to look at: every change's times, a microsecond either side, the palette."""
    model = programme.model
    edges = sorted({e.effective for e in model.events} | {e.recorded for e in model.events})
    tick = timedelta(microseconds=1)
    palette = [programme.start + timedelta(days=d) for d in (-1000, -450, -45, -2, 2, 45, 365)]
    return st.one_of(
        st.sampled_from(edges),
        st.sampled_from(edges).map(lambda m: m - tick),
        st.sampled_from(edges).map(lambda m: m + tick),
        st.sampled_from(palette),
    )


def recorded_moments(programme: Programme) -> st.SearchStrategy[datetime | None]:
    stamps = sorted({e.recorded for e in programme.model.events})
    between = [a + (b - a) / 2 for a, b in pairwise(stamps)] or stamps
    return st.one_of(st.none(), st.sampled_from(stamps), st.sampled_from(between))


def check_everything(programme: Programme, data: Any) -> None:
    looks = moments(programme)
    known = recorded_moments(programme)
    for _ in range(8):
        group = data.draw(st.sampled_from(programme.groups), label="group")
        as_of = data.draw(known, label="as_of")
        effective = data.draw(st.one_of(st.none(), looks), label="effective_at")
        check_state(programme, group, as_of, effective)
    for _ in range(6):
        check_records(
            programme, data, data.draw(known, label="as_of"), data.draw(looks, label="at")
        )
    for _ in range(3):
        group = data.draw(st.sampled_from(programme.groups), label="group")
        start, end = sorted(data.draw(st.lists(looks, min_size=2, max_size=2, unique=True)))
        check_changes(programme, group, start, end)
    for _ in range(2):
        start, end = sorted(data.draw(st.lists(looks, min_size=2, max_size=2, unique=True)))
        check_report(programme, programme.groups[0], start, end)


def with_api(store: str, tmp_path: Path, request: pytest.FixtureRequest, test: Any) -> None:
    """Run `test(api)` over a fresh, empty ledger on the store."""
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    with store_settings(store, folder, request) as settings:
        ledger = build_ledger(settings)
        try:
            with open_client(ledger) as client:
                person_id, row, secret = ledger.keys.bootstrap("Ada Admin", "ada@example.org")
                admin = Actor(person_id, row.key_id, secret, "Ada Admin")
                test(Api(client, ledger, admin=admin))
        finally:
            ledger.close()


def property_settings(store: str) -> hypothesis_settings:
    return hypothesis_settings(
        max_examples=examples(EXAMPLES[store]),
        deadline=None,
        # Shrinking a programme of HTTP calls takes minutes; the failing draws are printed.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@pytest.mark.store_independent
@pytest.mark.parametrize("store", STORES)
def test_the_api_answers_what_the_reference_model_of_time_says(store, tmp_path, request):
    @property_settings(store)
    @given(st.data())
    def run(data: Any) -> None:
        with_api(
            store, tmp_path, request, lambda api: check_everything(run_programme(api, data), data)
        )

    run()
