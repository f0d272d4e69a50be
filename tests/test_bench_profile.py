"""The profiles behind docs/where-the-time-goes.md (bench/profile.py), at a tiny size: each
prints its unprofiled figure beside its baseline, then the profile."""

from __future__ import annotations

import re

import pytest

from bench.profile import main


def figures(pattern: str, text: str) -> list[float]:
    found = re.search(pattern, text, re.S)
    assert found, text[:2000]
    return [float(value.replace(",", "")) for value in found.groups()]


@pytest.mark.slow
def test_the_sqlite_profile_sets_the_commands_beside_raw_inserts_and_the_disk(
    capsys, monkeypatch
) -> None:
    monkeypatch.setenv("BENCH_PROFILE_COMMANDS", "30")
    assert main(["sqlite"]) == 0
    out = capsys.readouterr().out
    synced, unsynced, raw, pages = figures(
        r"record_decision ([\d,]+)/s .*without the flush ([\d,]+)/s .*raw sqlite3 insert "
        r"([\d,]+)/s .*About ([\d.]+) WAL pages per decision",
        out,
    )
    assert synced > 0 and unsynced > 0 and raw > 0
    assert pages >= 2  # at least the events' table and its key
    assert "## record_decision" in out and "record_decision" in out.split("## ")[-1]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("what", ["import", "rebuild"])
def test_the_postgres_profiles_run_on_a_small_ledger(
    what: str, postgres_url: str, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("BENCH_POSTGRES_URL", postgres_url)
    monkeypatch.setenv("BENCH_PROFILE_EVENTS", "400")
    assert main([what]) == 0
    out = capsys.readouterr().out
    if what == "import":
        stored, projected, copied = figures(
            r"import_lines \(storing\) ([\d,]+) ev/s unprofiled, then its read models "
            r"([\d,]+) ev/s; raw COPY ([\d,]+) ev/s",
            out,
        )
        assert stored > 0 and projected > 0 and copied > 0
    else:
        rebuilt, scan = figures(r"rebuild ([\d,]+) ev/s unprofiled; raw keyset scan ([\d,]+)", out)
        assert rebuilt > 0 and scan > 0
    assert "ncalls" in out


def test_an_unknown_profile_prints_the_choices(capsys) -> None:
    assert main(["nothing"]) == 2
    assert "python -m bench.profile sqlite" in capsys.readouterr().out
