"""The tiers themselves (tests/conftest.py): what `make test` leaves out and `make check` runs.

Each check collects real tests in a pytest process of its own, with the tier set as the
Makefile sets it, so that a change to the mechanism or to a marker cannot quietly drop a
store or a test from either tier.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import OWN_PROCESS, ROOT, STORE_NAMES, TIER_VARIABLE

ERRORS = "tests/interfaces/test_errors.py"
# Marked store_independent: a 422 decided before any store is reached.
INDEPENDENT = f"{ERRORS}::test_an_unknown_sector_is_refused_with_the_choices"
# A store's contract, marked postgres_differs: PostgreSQL cannot store a NUL character.
CONTRACT = f"{ERRORS}::test_a_timeline_filtered_by_text_that_cannot_be_stored_is_not_a_server_error"
# Marked slow (the whole module), on the stores it applies to.
SLOW = "tests/interfaces/test_racing.py"
# Neither: depends on the store, and SQLite stands for PostgreSQL in the quick tier.
DEPENDENT = "tests/interfaces/test_time.py::test_a_correction_of_an_affiliation_to_an_earlier_date_is_recorded"


def run(tier: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, TIER_VARIABLE: tier}
    env.pop(OWN_PROCESS, None)
    return subprocess.run(
        # Without the schemathesis plugin, which none of these tests needs: a second a start.
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:schemathesis", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def collected(tier: str) -> tuple[list[str], int]:
    """The node ids a tier collects from the three targets, and how many it deselected;
    everything the targets hold is either collected or deselected, nothing skipped."""
    done = run(tier, "--collect-only", "-q", INDEPENDENT, CONTRACT, SLOW, DEPENDENT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    counts = re.search(r"(\d+)/(\d+) tests collected \((\d+) deselected\)", done.stdout)
    assert counts, done.stdout[-2000:]
    chosen, seen, deselected = (int(n) for n in counts.groups())
    assert chosen == len(ids) and chosen + deselected == seen
    assert "skipped" not in done.stdout
    return ids, deselected


def stores(ids: list[str], target: str) -> list[str]:
    """The stores of the collected ids of one target, in order."""
    return [node.rsplit("[", 1)[1].rstrip("]") for node in ids if node.startswith(target)]


# One collection per tier (each pytest start costs seconds), checked for everything at once.


def test_the_quick_tier_runs_independent_checks_on_memory_contracts_on_every_store_no_slow():
    ids, deselected = collected("quick")
    assert stores(ids, INDEPENDENT) == ["memory"]
    assert stores(ids, CONTRACT) == list(STORE_NAMES)
    assert stores(ids, SLOW) == []
    assert stores(ids, DEPENDENT) == ["memory", "sqlite"]
    assert deselected >= len(STORE_NAMES) - 1 + 4 + 1


def test_the_full_tier_runs_every_check_on_every_store_and_the_slow_tests():
    ids, deselected = collected("full")
    assert stores(ids, INDEPENDENT) == list(STORE_NAMES)
    assert stores(ids, CONTRACT) == list(STORE_NAMES)
    assert stores(ids, DEPENDENT) == list(STORE_NAMES)
    slow = stores(ids, SLOW)
    assert len(slow) >= 4 and set(slow) == {"sqlite", "postgres"}
    # Only the in-memory runs of the slow module, which names the stores it applies to.
    assert deselected == len(slow) // 2


def test_the_quick_tier_draws_fewer_hypothesis_examples_and_the_full_tier_all_of_them():
    script = (
        "from hypothesis import settings; from tests.conftest import examples; "
        "print(settings().max_examples, examples(300), examples(8))"
    )
    drawn = {}
    for tier in ("quick", "full"):
        env = {**os.environ, TIER_VARIABLE: tier}
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        drawn[tier] = [int(n) for n in done.stdout.split()]
    assert drawn["full"] == [100, 300, 8]
    default, many, few = drawn["quick"]
    assert default < 100 and many < 300 and 5 <= few <= 8


def test_an_unknown_tier_is_refused_rather_than_run_as_some_other_tier():
    done = run("everything", "--collect-only", "-q", INDEPENDENT)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "ACCORD_TEST_TIER" in done.stderr
