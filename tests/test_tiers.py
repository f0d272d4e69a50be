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
# A store's contract: what PostgreSQL does with a NUL character differs from the others.
CONTRACT = f"{ERRORS}::test_a_timeline_filtered_by_text_that_cannot_be_stored_is_not_a_server_error"
# Marked slow (the whole module), on the stores it applies to.
SLOW = "tests/interfaces/test_racing.py"

# One worker runs them all (with `--dist loadgroup`), so each tier is collected once.
pytestmark = pytest.mark.xdist_group("tiers")


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


# Session-scoped: a worker may run other modules' tests between these, which would end a
# module-scoped fixture and collect both tiers again.
@pytest.fixture(scope="session")
def collected() -> dict[str, tuple[list[str], int]]:
    """For each tier, the node ids it collects from the three targets, and how many it
    deselected (one process per tier, not per check: each start costs seconds)."""
    found = {}
    for tier in ("quick", "full"):
        done = run(tier, "--collect-only", "-q", INDEPENDENT, CONTRACT, SLOW)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        ids = [line for line in done.stdout.splitlines() if "::" in line]
        deselected = re.search(r"(\d+) deselected", done.stdout)
        found[tier] = ids, int(deselected.group(1)) if deselected else 0
    return found


def stores(ids: list[str], target: str) -> list[str]:
    """The stores of the collected ids of one target, in order."""
    return [node.rsplit("[", 1)[1].rstrip("]") for node in ids if node.startswith(target)]


def test_the_quick_tier_runs_a_store_independent_check_on_the_in_memory_store_only(collected):
    ids, _ = collected["quick"]
    assert stores(ids, INDEPENDENT) == ["memory"]


def test_the_full_tier_runs_a_store_independent_check_on_every_store(collected):
    ids, _ = collected["full"]
    assert stores(ids, INDEPENDENT) == list(STORE_NAMES)


@pytest.mark.parametrize("tier", ["quick", "full"])
def test_both_tiers_run_a_stores_contract_on_every_store(collected, tier):
    ids, _ = collected[tier]
    assert stores(ids, CONTRACT) == list(STORE_NAMES)


def test_the_quick_tier_leaves_slow_tests_out_and_the_full_tier_runs_them(collected):
    quick, _ = collected["quick"]
    full, _ = collected["full"]
    assert stores(quick, SLOW) == []
    assert len(stores(full, SLOW)) >= 4
    assert set(stores(full, SLOW)) == {"sqlite", "postgres"}


def test_what_a_tier_leaves_out_is_deselected_never_skipped(collected):
    quick, left_out = collected["quick"]
    full, left_out_of_full = collected["full"]
    # Both tiers see the same tests: what either does not run it deselects. The full tier
    # leaves out only the in-memory runs of the slow module, which names its stores.
    assert len(quick) + left_out == len(full) + left_out_of_full
    assert left_out_of_full == len([n for n in full if n.startswith(SLOW)]) // 2


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
