"""GET /metrics: the API's requests and the ledger's machinery in the Prometheus text format.

Each app has a registry of its own (several apps may live in one process, as in tests).
Requests are counted as they are answered (interfaces.api.observe); everything else is
read when scraped: commands by name and outcome, group-commit batch sizes, the pool, the
ledger's head, the projector's position and lag, the hash chain's head. No figure names a
person or holds a record's id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder

from infrastructure.observed import batch_sizes, pool_usage
from interfaces.api.access import allow
from interfaces.api.observe import Observe
from interfaces.settings import Settings

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)

log = logging.getLogger("accord.metrics")


class HttpMetrics:
    """Requests by method, route template and status, and their latency."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "accord_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "accord_http_request_duration_seconds",
            "Seconds from a request's arrival to the end of its answer, by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        children = self._children.get((method, route, status))
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)


class LedgerCollector:
    """The ledger's figures, read at each scrape from the app's ledger."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        ledger = getattr(self.app.state, "ledger", None)
        if ledger is None:  # not started yet
            return
        commands = CounterMetricFamily(
            "accord_commands",
            "Commands run by this process, by name and outcome (done, replayed: answered "
            "from an earlier request with the same Idempotency-Key, refused: the ledger's "
            "rules said no, failed: any other error).",
            labels=["command", "outcome"],
        )
        for (name, outcome), count in sorted(ledger.commands_run.counts().items()):
            commands.add_metric([name, outcome], count)
        yield commands
        yield from _batches(ledger.recorder)
        yield from _pool(ledger.recorder)
        yield from _positions(ledger)


def _batches(recorder: Any) -> Iterator[Metric]:
    sizes = batch_sizes(recorder)
    if sizes is None:
        return
    buckets = [
        (str(float(bound)), sum(n for size, n in sizes.items() if size <= bound))
        for bound in BATCH_BUCKETS
    ]
    buckets.append(("+Inf", sum(sizes.values())))
    family = HistogramMetricFamily(
        "accord_group_commit_batch_size",
        "Saves written together in one transaction by this process's group commit.",
    )
    family.add_metric([], buckets, sum_value=sum(size * n for size, n in sizes.items()))
    yield family


def _pool(recorder: Any) -> Iterator[Metric]:
    usage = pool_usage(recorder)
    if usage is None:
        return
    yield GaugeMetricFamily(
        "accord_db_pool_in_use", "Database connections handed out now.", value=usage.in_use
    )
    yield GaugeMetricFamily(
        "accord_db_pool_max", "Database connections the pool may open.", value=usage.limit
    )
    if usage.waiting is not None:
        yield GaugeMetricFamily(
            "accord_db_pool_waiting",
            "Requests waiting for a database connection now.",
            value=usage.waiting,
        )


def _positions(ledger: Any) -> Iterator[Metric]:
    try:
        head = ledger.head_position()
        position = ledger.projector.position()
        chain = ledger.integrity.chain_head()
    except Exception as error:  # the store cannot be reached: say so, and the rest
        log.warning("metrics: the store could not be read (%s)", type(error).__name__)
        yield GaugeMetricFamily("accord_store_up", "1 if the store answered this scrape.", 0)
        return
    yield GaugeMetricFamily("accord_store_up", "1 if the store answered this scrape.", 1)
    yield GaugeMetricFamily(
        "accord_ledger_head_position", "Position of the newest event in the ledger.", head
    )
    yield GaugeMetricFamily(
        "accord_projector_position", "Position the read models have reached.", position
    )
    yield GaugeMetricFamily(
        "accord_projector_lag_events",
        "Events recorded that the read models do not hold yet.",
        max(0, head - position),
    )
    yield GaugeMetricFamily(
        "accord_chain_head_position",
        "Position of the last event linked into the hash chain.",
        chain[0] if chain is not None else 0,
    )


def scrape(request: Request) -> Response:
    """Every figure of this process, in the format the scraper asks for (Prometheus text by default)."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(registry), media_type=content_type)


def install(app: FastAPI, settings: Settings) -> None:
    """Log and time every request; unless metrics are off, count them and serve /metrics."""
    if settings.metrics == "off":
        app.add_middleware(Observe)
        return
    # A counter's creation time, one more series for each, says nothing a scraper needs.
    disable_created_metrics()  # type: ignore[no-untyped-call]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LedgerCollector(app))
    app.state.metrics_registry = registry
    app.add_middleware(Observe, metrics=HttpMetrics(registry))
    guard = [allow("audit")] if settings.metrics == "key" else []
    router = APIRouter(include_in_schema=False)
    router.add_api_route("/metrics", scrape, methods=["GET"], dependencies=guard)
    app.include_router(router)
