"""The recording benchmark's plumbing, at a tiny size: wrk, its scripts, the servers and
the table (bench/recording.py). Needs wrk; the section installs it with apt-get as root."""

from __future__ import annotations

import json

import pytest

from bench.common import jsonable
from bench.recording import section

# Slow (servers and wrk runs): `make check` runs it, `make test` leaves it out.
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_the_recording_section_measures_every_figure_without_errors(postgres_url: str) -> None:
    result = section(
        postgres_url, 1, seconds=1, warmup=0, connections=[2], workers=[2], sqlite_connections=[2]
    )

    assert result["flagged"] == []
    run = result["runs"][0]
    figures = run["postgres"]["workers_2"]["2"]
    for store in (figures, run["sqlite"]["http"]["2"]):
        for kind in ("health", "decision", "handover"):
            assert store[kind]["requests"] > 0, kind
            assert store[kind]["errors"] == 0, store[kind]
        # The handover script answers its own offers: both kinds of step are taken.
        mix = store["handover"]["mix"]
        assert mix["offers"] > 0 and mix["accepts"] > 0, mix
        assert mix["unparsed"] == 0 and mix["starved"] == 0, mix
    # Two workers keep TCP_NODELAY on keep-alive connections: no ~40 ms delayed-ACK stalls.
    assert figures["health"]["p50"] < 20, figures["health"]
    assert run["postgres"]["raw"]["2"]["rate"] > 0
    assert run["sqlite"]["in_process"]["command"]["rate"] > 0

    rows = result["table"]
    assert rows and {tuple(sorted(row)) for row in rows} == {
        ("baseline", "baseline_value", "figure", "met", "ratio", "target", "value")
    }
    assert [row["met"] for row in rows if row["target"]].count(None) == 0
    json.dumps(jsonable(result))
