"""The bulk import (COPY on PostgreSQL, executemany on SQLite): everything in order, the
chain intact, all or nothing; and the import benchmark still runs."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from application import transfer
from application.synthetic import generate
from application.transfer import ImportRefused
from infrastructure import importing
from interfaces.bootstrap import build_ledger
from interfaces.cli import main
from interfaces.settings import Settings
from tests.conftest import postgres_schema

EVENTS = 300
KINDS = ("organisation", "group", "decision", "conflict", "principle", "accountability")


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    """A generated ledger's export lines, chain head and record index (in memory)."""
    ledger = build_ledger(Settings(database_url="memory://"))
    try:
        generate(ledger, EVENTS)
        return {
            "lines": list(ledger.transfer.export_lines()),
            "head": ledger.integrity.chain_head(),
            "records": index(ledger),
            "members": ledger.store.select_members(),
        }
    finally:
        ledger.close()


def index(ledger: Any) -> dict[str, list[dict[str, Any]]]:
    return {kind: ledger.store.select_records(kind, None, None, 0, 10_000) for kind in KINDS}


def events_of(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if "position" in line]


def lines_copy(source: dict[str, Any]) -> list[dict[str, Any]]:
    return copy.deepcopy(source["lines"])


@pytest.mark.stores("sqlite", "postgres")
def test_the_import_stores_every_event_at_its_position_with_its_chain_keys_and_index(
    ledger, source, monkeypatch
):
    # Pages far smaller than the file: several COPYs (and executemany chunks) in turn.
    monkeypatch.setattr(importing, "PAGE", 64)
    monkeypatch.setattr(importing, "CHUNK", 50)
    monkeypatch.setattr(transfer, "PAGE", 7)
    seen: list[int] = []
    count = ledger.transfer.import_lines(iter(lines_copy(source)), seen.append)
    exported = events_of(source["lines"])
    assert count == len(exported) == seen[-1]
    assert seen == sorted(seen)
    assert events_of(list(ledger.transfer.export_lines())) == exported
    assert ledger.head_position() == exported[-1]["position"]
    assert ledger.integrity.chain_head() == source["head"]
    assert ledger.integrity.verify_chain().intact
    assert index(ledger) == source["records"]
    assert ledger.store.select_members() == source["members"]
    keys = [line for line in source["lines"] if "person_key" in line]
    assert len(ledger.privacy.person_keys.person_keys()) == len(keys) > 0
    # New events continue after the imported ones, and extend the chain.
    written = ledger.organisations.register_organisation("After the move", "vcse")
    assert written.position == exported[-1]["position"] + 1
    assert ledger.integrity.chain_head()[0] == written.position
    assert ledger.integrity.verify_chain().intact


def corrupt_state(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    middle = events_of(lines)[len(events_of(lines)) // 2]
    middle["state"] = "not base64!"
    return lines


def undecodable_state(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    middle = events_of(lines)[len(events_of(lines)) // 2]
    middle["state"] = base64.b64encode(b"{not json").decode()
    return lines


def repeated_version(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A person's first event again at the end: people are not replayed for the index, so
    # the store itself (its primary key) refuses it, after every other event was sent.
    events = events_of(lines)
    twin = next(e for e in events if e["topic"] == "accord.Person.Registered")
    events[-1].update({k: v for k, v in twin.items() if k != "position"})
    return lines


def going_backwards(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events = events_of(lines)
    events[-2]["position"] = events[1]["position"]
    return lines


@pytest.mark.stores("sqlite", "postgres")
@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (corrupt_state, "is not an exported event"),
        (undecodable_state, "does not load"),
        (repeated_version, "refused the file's events"),
        (going_backwards, "positions must increase"),
    ],
)
def test_a_file_spoilt_in_the_middle_imports_nothing(ledger, source, spoil, message, monkeypatch):
    monkeypatch.setattr(importing, "PAGE", 64)
    monkeypatch.setattr(importing, "CHUNK", 50)
    with pytest.raises(ImportRefused, match=message):
        ledger.transfer.import_lines(iter(spoil(lines_copy(source))))
    assert ledger.head_position() == 0
    assert ledger.integrity.chain_head() is None
    assert ledger.privacy.person_keys.person_keys() == []
    assert all(rows == [] for rows in index(ledger).values())
    # The store is as empty as before: the sound file imports afterwards.
    assert ledger.transfer.import_lines(iter(lines_copy(source))) == len(events_of(source["lines"]))
    assert ledger.integrity.chain_head() == source["head"]


@pytest.mark.postgres
def test_accord_import_into_postgresql_verifies_and_a_bad_file_leaves_it_empty(
    tmp_path, postgres_url, source, capsys, monkeypatch
):
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps(line) + "\n" for line in source["lines"]))
    bad = tmp_path / "bad.jsonl"
    text = good.read_text().splitlines()
    text[len(text) // 2] = "{not json"
    bad.write_text("\n".join(text) + "\n")
    with postgres_schema(postgres_url) as schema:
        monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", schema)
        assert main(["--database-url", postgres_url, "import", str(bad)]) == 2
        assert "is not JSON" in capsys.readouterr().err
        assert main(["--database-url", postgres_url, "import", str(good)]) == 0
        assert f"imported {len(events_of(source['lines']))} events" in capsys.readouterr().out
        assert main(["--database-url", postgres_url, "verify"]) == 0
        assert "intact" in capsys.readouterr().out


@pytest.mark.postgres
def test_the_import_benchmark_runs_end_to_end(postgres_url):
    from bench.importing import section

    result = section(postgres_url, 1, EVENTS)
    rows = result["table"]
    assert len(rows) == 6
    for row in rows:
        assert set(row) == {
            "figure",
            "value",
            "baseline",
            "baseline_value",
            "ratio",
            "target",
            "met",
        }
        assert row["value"].endswith("ev/s") and row["ratio"].endswith("x")
    assert {row["met"] is None for row in rows} == {True, False}
    json.dumps(result["table"])
    run = result["runs"][0]
    for store in ("postgres", "sqlite"):
        assert run[store]["import_lines"]["events"] == result["preparation"]["events"]
        assert run[store]["raw"]["rate"] > 0
