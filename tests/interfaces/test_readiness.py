"""GET /ready tells the truth: 503 when the projector thread has stopped, when the read
models are too far behind, or when they stand still while events wait; 200 again once
they catch up. On every store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from application.ledger import Ledger
from interfaces.api.app import create_app
from interfaces.settings import Settings
from tests.interfaces.support import PROBLEM


@contextmanager
def served(ledger: Ledger, settings: Settings, **changes: Any) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update=changes), ledger=ledger)
    with TestClient(app) as client:
        yield client


def write(ledger: Ledger, count: int, name: str = "Organisation") -> None:
    for n in range(count):
        ledger.organisations.register_organisation(f"{name} {n}", "vcse")


def not_ready(response: Any, *words: str) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"].isdigit()
    body: dict[str, Any] = response.json()
    assert body["title"] == "Not ready"
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


def test_ready_fails_while_the_read_models_are_further_behind_than_the_bound(ledger, settings):
    with served(ledger, settings, projector="off", ready_max_lag=3) as client:
        write(ledger, 2)
        assert client.get("/ready").status_code == 200  # within the bound
        write(ledger, 5, "More")
        body = not_ready(client.get("/ready"), "events behind", "more than 3")
        assert body["projection"]["lag"] == ledger.head_position() - ledger.projector.position()
        ledger.projector.catch_up()
        assert client.get("/ready").json()["status"] == "ready"


def test_ready_fails_when_the_read_models_stand_still_while_events_wait(ledger, settings):
    with served(ledger, settings, projector="off", ready_stall_seconds=0.3) as client:
        write(ledger, 1)
        assert client.get("/ready").status_code == 200  # behind, but not for long yet
        time.sleep(0.5)
        not_ready(client.get("/ready"), "have not moved")
        ledger.projector.catch_up()
        assert client.get("/ready").status_code == 200  # nothing waits


def test_ready_fails_when_the_projector_thread_of_the_process_has_stopped(ledger, settings):
    with served(ledger, settings, projector="thread") as client:
        assert client.get("/ready").status_code == 200
        thread = client.app.state.projector  # type: ignore[attr-defined]
        thread.stopping.set()
        ledger.writes.set()
        thread.thread.join(5)
        not_ready(client.get("/ready"), "projector thread")
        assert client.get("/health").status_code == 200  # the process itself is up
