"""GET /metrics tells an operator what the API and the ledger are doing, in the Prometheus
text format: requests by route template and status with their latency, commands by name
and outcome, group-commit batches, the pool, the ledger's head, the projector's position
and lag, the chain's head. Only auditors and administrators read it unless it is open; on
every store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from application.ledger import Ledger
from interfaces.api.app import create_app
from interfaces.settings import Settings
from tests.interfaces.support import Api

INDEPENDENT = pytest.mark.store_independent


@contextmanager
def served(ledger: Ledger, settings: Settings, **changes: Any) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update=changes), ledger=ledger)
    with TestClient(app) as client:
        yield client


def scrape(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, float]:
    """Every sample of a scrape, by `name{label="value",...}` (labels sorted)."""
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def admin_key(ledger: Ledger) -> dict[str, str]:
    _, _, secret = ledger.keys.bootstrap("Ada Admin", "ada@example.org")
    return {"Authorization": f"Bearer {secret}"}


@INDEPENDENT
def test_metrics_need_an_auditor_or_administrator_key_by_default(ledger, settings):
    with served(ledger, settings) as client:
        admin = admin_key(ledger)
        person = client.post("/people", json={"name": "Sam Member"}, headers=admin).json()["id"]
        keys = {
            role: {"Authorization": f"Bearer {ledger.keys.create_key(person, role)[1]}"}
            for role in ("member", "auditor")
        }
        assert client.get("/metrics").status_code == 401
        assert (
            client.get("/metrics", headers={"Authorization": "Bearer acc_x.y"}).status_code == 401
        )
        # For a member there is nothing there, as for the ledger's integrity pages.
        assert client.get("/metrics", headers=keys["member"]).status_code == 404
        assert "accord_http_requests_total" in client.get("/metrics", headers=keys["auditor"]).text
        assert scrape(client, admin)


@INDEPENDENT
def test_open_metrics_need_no_key_and_metrics_off_are_not_served(ledger, settings):
    with served(ledger, settings, metrics="open") as client:
        assert "accord_store_up" in client.get("/metrics").text
    with served(ledger, settings, metrics="off") as client:
        assert client.get("/metrics").status_code == 404
        # The request id and the log line do not depend on metrics.
        assert client.get("/health").headers["x-request-id"]


@INDEPENDENT
def test_requests_are_counted_by_route_template_and_status_never_by_path(ledger, settings):
    with served(ledger, settings, metrics="open") as client:
        unknown = str(uuid.uuid4())
        admin = admin_key(ledger)
        for _ in range(3):
            assert client.get("/health").status_code == 200
        assert client.get(f"/groups/{unknown}", headers=admin).status_code == 404
        assert client.get("/no/such/page/ada@example.org").status_code == 404
        assert client.request("BREW", "/health").status_code == 405
        text = client.get("/metrics").text
        samples = scrape(client)
    assert samples['accord_http_requests_total{method="GET",route="/health",status="200"}'] == 3
    assert (
        samples['accord_http_requests_total{method="GET",route="/groups/{group_id}",status="404"}']
        == 1
    )
    assert samples['accord_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    # A method no one uses is counted as "other": labels stay few, whatever clients send.
    assert samples['accord_http_requests_total{method="other",route="/health",status="405"}'] == 1
    histogram = 'accord_http_request_duration_seconds_{}{{method="GET",route="/health"}}'
    assert samples[histogram.format("count")] == 3
    assert 0 < samples[histogram.format("sum")] < 30
    assert unknown not in text and "ada@example.org" not in text and "Ada" not in text


def test_commands_are_counted_by_name_and_outcome(api: Api, admin):
    client = api.client
    body = {"name": "Hope Street", "sector": "vcse"}
    retry = {**admin.headers, "Idempotency-Key": "hope-street-1"}
    assert client.post("/organisations", json=body, headers=retry).status_code == 201
    assert client.post("/organisations", json=body, headers=retry).status_code == 201
    group = api.group("Design team")
    # Closing twice: the second is refused by the group's lifecycle.
    close = f"/groups/{group['id']}/close"
    assert client.post(close, json={}, headers=admin.headers).status_code == 200
    assert client.post(close, json={}, headers=admin.headers).status_code == 409
    samples = scrape(client, admin.headers)
    counted = 'accord_commands_total{{command="{}",outcome="{}"}}'
    assert samples[counted.format("register_organisation", "done")] == 1
    assert samples[counted.format("register_organisation", "replayed")] == 1
    assert samples[counted.format("close_group", "done")] == 1
    assert samples[counted.format("close_group", "refused")] == 1


def test_the_ledger_figures_follow_the_store(ledger, settings):
    with served(ledger, settings, metrics="open", projector="off") as client:
        admin_key(ledger)
        for n in range(3):
            ledger.organisations.register_organisation(f"Organisation {n}", "vcse")
        head = ledger.head_position()
        behind = scrape(client)
        ledger.projector.catch_up()
        caught_up = scrape(client)
    assert behind["accord_store_up{}"] == 1
    assert behind["accord_ledger_head_position{}"] == head > 3
    assert behind["accord_projector_lag_events{}"] == head - behind["accord_projector_position{}"]
    assert behind["accord_projector_lag_events{}"] >= 3
    assert caught_up["accord_projector_position{}"] == head
    assert caught_up["accord_projector_lag_events{}"] == 0
    assert caught_up["accord_chain_head_position{}"] == head


@pytest.mark.stores("sqlite", "postgres")
def test_group_commit_batches_and_the_pool_are_shown_on_durable_stores(ledger, settings):
    with served(ledger, settings, metrics="open") as client:
        admin_key(ledger)
        before = scrape(client)
        for n in range(4):
            ledger.organisations.register_organisation(f"Organisation {n}", "vcse")
        after = scrape(client)
    batches = "accord_group_commit_batch_size_{}{{}}"
    assert after[batches.format("count")] - before[batches.format("count")] == 4
    assert after[batches.format("sum")] - before[batches.format("sum")] == 4
    one = 'accord_group_commit_batch_size_bucket{le="1.0"}'
    assert after[one] - before[one] == 4  # one save each: nothing ran alongside
    assert (
        after['accord_group_commit_batch_size_bucket{le="+Inf"}'] == after[batches.format("count")]
    )
    assert after["accord_db_pool_max{}"] >= 1
    assert 0 <= after["accord_db_pool_in_use{}"] <= after["accord_db_pool_max{}"]
    if settings.resolved_database_url().startswith("postgresql"):
        assert after["accord_db_pool_waiting{}"] == 0
