"""`make bench`: every figure of Accord's speed, each beside a baseline of the same run.

The machine is shared and noisy, so no figure stands alone: each run measures a figure and
its baseline together, and the ratios are taken per run. Sections (BENCH_SECTIONS, comma
separated; default all of them):

  recording   commands over HTTP with wrk beside a bare endpoint and raw inserts
              (bench/recording.py)
  import      `accord import` beside raw COPY / executemany (bench/importing.py)
  throughput  read-model rebuild and `accord verify` beside a raw keyset scan
              (bench/throughput.py)
  scale       as-of state, timeline page and report latency on growing ledgers
              (bench/scale.py)
  pages       the review console's group, timeline and report pages beside the JSON
              endpoints that answer the same questions (bench/pages.py); measured inside
              the scale section on its ledgers, or alone on BENCH_PAGES_SIZES (default
              1000000) when the scale section is not chosen

It prints one table and writes the raw figures and a page of method, machine and figures to
var/bench/ (not tracked). With BENCH_RECORD=1 (`make bench-record`) it writes them to the
tracked bench/results.json and docs/performance.md instead, the figures the project quotes.

Environment:
  BENCH_RUNS          repetitions of every measurement (default 3)
  BENCH_EVENTS        events in the throughput section's ledger (default 100000), and the
                      import section's unless BENCH_IMPORT_EVENTS is set
  BENCH_POSTGRES_URL  PostgreSQL to use (default: the tests' ACCORD_TEST_POSTGRES_URL or
                      postgresql://postgres@127.0.0.1:5432/test); each section creates
                      throw-away schemas and drops them at the end.
  Each section's module documents its own settings.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench import importing, recording, scale
from bench.common import (
    env_int,
    env_text,
    jsonable,
    machine,
    performance_path,
    results_path,
    shown,
)
from bench.document import all_rows, text_table, write
from bench.throughput import throughput
from tests.conftest import POSTGRES_URL

SECTION_NAMES = ("recording", "import", "throughput", "scale", "pages")


def main() -> int:
    runs = env_int("BENCH_RUNS", 3)
    events = env_int("BENCH_EVENTS", 100_000)
    chosen = os.environ.get("BENCH_SECTIONS", "").strip()
    sections = [s.strip() for s in chosen.split(",") if s.strip()] or list(SECTION_NAMES)
    unknown = set(sections) - set(SECTION_NAMES)
    if unknown:
        raise SystemExit(f"BENCH_SECTIONS: unknown {sorted(unknown)}; choose from {SECTION_NAMES}")
    url = os.environ.get("BENCH_POSTGRES_URL") or POSTGRES_URL
    with psycopg.connect(url, autocommit=True) as conn:
        server_version = conn.execute("SHOW server_version").fetchone()
    document: dict[str, Any] = {
        "config": {"runs": runs, "events": events, "sections": sections},
        "started_at": datetime.now(UTC),
        "machine": {**machine(), "postgres": server_version[0] if server_version else None},
    }
    print(
        f"Accord benchmark: sections {', '.join(sections)}; {runs} run(s) each; "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    if "recording" in sections:
        document["recording"] = recording.section(url, runs)
    if "import" in sections:
        document["import"] = importing.section(url, runs, env_int("BENCH_IMPORT_EVENTS", events))
    if "throughput" in sections:
        document["throughput"] = throughput(url, events, runs)
    pages = "pages" in sections
    if "scale" in sections:
        document["scale"] = scale.section(url, runs, pages=pages)
    elif pages:
        sizes = env_text("BENCH_PAGES_SIZES", "1000000")
        document["scale"] = scale.section(url, runs, scale.parse_sizes(sizes), pages=True)
    document["finished_at"] = datetime.now(UTC)
    rows = all_rows(document)
    print(
        f"\nResults: median of {runs} run(s) (min-max across runs); each figure beside a "
        "baseline measured in the same run."
    )
    for line in text_table(rows):
        print(line)
    results, performance = results_path(), performance_path()
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(jsonable(document), indent=2) + "\n")
    write(document, performance, "make bench-record")
    print(f"Wrote {shown(results)} and {shown(performance)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
