"""The review console's pages beside the JSON endpoints that answer the same questions.

Measured inside the scale section (bench/scale.py), on the same ledgers and the same server,
when `make bench` runs the "pages" section. A reviewer's three heaviest pages, each paired
with its JSON twin and interleaved with it request by request (rotating which goes first),
so that the machine's noise falls on both alike:

- the group page in effect on a past day, `/console/groups/{id}?on=D`, beside
  `GET /groups/{id}/state?effective_at=D` (the end of day D, as the page reads it); D is a
  random day between the group's first event and the ledger's last;
- a timeline page, `/console/groups/{id}/timeline?before=P` (50 sentences, newest first),
  beside `GET /groups/{id}/timeline?limit=50&after=P` (50 events); P is uniform in
  [0, head];
- the report page for the busiest group, `/console/report?group=G&interval=quarter`, beside
  `GET /reports/accountability?group=G&interval=quarter`.

The pages are read with a console session (signed in through the sign-in form with the
administrator's key), the JSON with the same key as a bearer. The target: each page's p99
within 2x its twin's, judged at the largest ledger.

Environment:
  BENCH_PAGES_REQUESTS  timed pairs of each of the group and timeline kinds per run
                        (default 200)
  BENCH_PAGES_REPORTS   timed report pairs per run (default 10)
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from datetime import time as clock
from typing import Any

import httpx

from application.synthetic import Dataset
from bench.common import env_int
from bench.stats import latency

KINDS = ("group", "timeline", "report")
TARGET = 2.0  # a page's p99 over its JSON twin's p99, at most
PAGE_SIZE = 50  # the console's timeline page
WARMUP = 5
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def signed_in(base: str, key: str) -> Iterator[httpx.Client]:
    """A client holding a console session, started through the sign-in form."""
    with httpx.Client(base_url=base, timeout=600, follow_redirects=False) as client:
        form = client.get("/signin")
        found = CSRF.search(form.text)
        if form.status_code != 200 or found is None:
            raise RuntimeError(f"GET /signin: {form.status_code} {form.text[:300]}")
        answer = client.post("/signin", data={"key": key, "csrf": found.group(1), "next": "/"})
        if answer.status_code != 303 or "accord_session" not in client.cookies:
            raise RuntimeError(f"POST /signin: {answer.status_code} {answer.text[:300]}")
        yield client


def pairs(
    dataset: Dataset, head: int, report_group: str, rng: random.Random
) -> dict[str, tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]]:
    """For each kind, (page path and query, JSON path and query) asking the same question."""
    group_id, convened = rng.choice(dataset.groups)
    day = (convened + (dataset.last_recorded - convened) * rng.random()).date()
    end_of_day = datetime.combine(day, clock.max, tzinfo=UTC).isoformat()
    position = rng.randint(0, head)
    return {
        "group": (
            (f"/console/groups/{group_id}", {"on": day.isoformat()}),
            (f"/groups/{group_id}/state", {"effective_at": end_of_day}),
        ),
        "timeline": (
            (f"/console/groups/{group_id}/timeline", {"before": max(1, position)}),
            (f"/groups/{group_id}/timeline", {"limit": PAGE_SIZE, "after": position}),
        ),
        "report": (
            ("/console/report", {"group": report_group, "interval": "quarter"}),
            ("/reports/accountability", {"group": report_group, "interval": "quarter"}),
        ),
    }


def timed(client: httpx.Client, path: str, params: dict[str, Any]) -> int:
    started = time.perf_counter_ns()
    response = client.get(path, params=params)
    elapsed = time.perf_counter_ns() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} {params}: {response.status_code} {response.text[:300]}")
    return elapsed


def latencies(
    base: str, key: str, dataset: Dataset, head: int, report_group: str, rng: random.Random
) -> dict[str, Any]:
    """Each kind's page and JSON twin, interleaved pair by pair; latency of each."""
    requests = env_int("BENCH_PAGES_REQUESTS", 200)
    counts = {"group": requests, "timeline": requests, "report": env_int("BENCH_PAGES_REPORTS", 10)}
    samples: dict[str, list[int]] = {}
    with (
        signed_in(base, key) as pages,
        httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {key}"}) as api,
    ):
        for kind in KINDS:
            page_samples, json_samples = [], []
            for i in range(WARMUP + counts[kind]):
                (page_path, page_query), (json_path, json_query) = pairs(
                    dataset, head, report_group, rng
                )[kind]
                order = [(pages, page_path, page_query), (api, json_path, json_query)]
                if i % 2:
                    order.reverse()
                first, second = (timed(c, p, q) for c, p, q in order)
                page_ns, json_ns = (first, second) if not i % 2 else (second, first)
                if i >= WARMUP:
                    page_samples.append(page_ns)
                    json_samples.append(json_ns)
            samples[f"{kind}.page"] = page_samples
            samples[f"{kind}.json"] = json_samples
    return {name: latency(values) for name, values in samples.items()}


def figures(run: dict[str, Any]) -> dict[str, float]:
    """One run's figures: each side's p50 and p99 (ms) and the page-over-JSON ratios."""
    found: dict[str, float] = {}
    for kind in KINDS:
        for q in ("p50", "p99"):
            page, twin = run[f"{kind}.page"][q], run[f"{kind}.json"][q]
            found[f"pages.{kind}.page.{q}_ms"] = page
            found[f"pages.{kind}.json.{q}_ms"] = twin
            found[f"pages.{kind}.{q}/json.{q}"] = page / twin
    return found


LABELS = {
    "group": (
        "console group page ?on=D",
        "GET /groups/{id}/state?effective_at=D",
    ),
    "timeline": (
        "console timeline page (50 sentences)",
        "GET /groups/{id}/timeline?limit=50",
    ),
    "report": (
        "console report page, group G",
        "GET /reports/accountability?group=G",
    ),
}


def summary_line(run: dict[str, Any]) -> str:
    """One run's pages in a line of progress output."""
    return "pages p99 (JSON twin p99): " + ", ".join(
        f"{kind} {run[f'{kind}.page']['p99']:.1f} ms ({run[f'{kind}.json']['p99']:.1f} ms)"
        for kind in KINDS
    )
