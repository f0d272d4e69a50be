"""People registered before per-person keys existed: their names are sealed in place, once.

A legacy ledger is written as an older Accord wrote it: plain names in Person events, and
no hash chain. Opening it with this version seals them (the one sanctioned rewrite); the
operator then adopts its events into the chain; the people read as before, and can then
be forgotten.
"""

from __future__ import annotations

import base64
import glob
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper

from application.ledger import Ledger
from application.privacy import MIGRATION, PersonalDataNotSealed
from application.transfer import FORMAT
from domain.person import ERASED_NAME
from interfaces.bootstrap import build_ledger, eventsourcing_env
from interfaces.cli import main
from interfaces.settings import Settings
from tests.application.support import build_world
from tests.conftest import acting_as

NAME = "Philippa Legacy-Canary"
EMAIL = "philippa.legacy@example.org"
PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"
pytestmark = pytest.mark.stores("sqlite", "postgres")


class LegacyLedger(Ledger):
    """The ledger as an older version wrote it: the library's plain mapper, no chain."""

    name = "Ledger"  # the same tables

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder())

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self.recorder._link_inserted = lambda *args, **kwargs: None  # type: ignore[attr-defined]


def write_legacy(settings: Settings) -> dict[str, str]:
    legacy = LegacyLedger(env=eventsourcing_env(settings))
    try:
        world = build_world(legacy)
        person = legacy.people.register_person(NAME, EMAIL, world.org_a).id
        legacy.people.change_affiliation(person, world.org_b)
        legacy.groups.add_member(world.group, person)
        with acting_as(person):
            legacy.decisions.record_decision(
                world.group,
                "Open at nine",
                "Open at nine",
                {"method": "consent", "participants": [person, world.alice]},
            )
        return {"person": person, "alice": world.alice, "group": world.group}
    finally:
        legacy.close()


def stored(settings: Settings) -> bytes:
    url = settings.resolved_database_url()
    if url.startswith("sqlite"):
        path = url[len("sqlite:///") :]
        return b"".join(Path(f).read_bytes() for f in sorted(glob.glob(path + "*")))
    return subprocess.run(
        [PG_DUMP, "--dbname", url, "--schema", settings.postgres_schema],
        check=True,
        capture_output=True,
    ).stdout


def holds(blob: bytes, text: str) -> bool:
    needle = text.encode()
    return needle in blob or needle.hex().encode() in blob.lower()


@pytest.fixture
def opened() -> Iterator[list[Ledger]]:
    """Ledgers a test opens after writing its legacy ledger; closed afterwards."""
    found: list[Ledger] = []
    yield found
    for ledger in found:
        ledger.close()


def test_opening_a_legacy_ledger_seals_its_names_and_the_people_still_read(settings, opened):
    ids = write_legacy(settings)
    assert holds(stored(settings), NAME) and holds(stored(settings), EMAIL)

    ledger = build_ledger(settings)  # seals at start-up; links nothing
    opened.append(ledger)
    assert ledger.integrity.chain_head() is None
    with acting_as(ids["alice"]):
        ledger.integrity.adopt_unlinked("kept before the chain existed")
    blob = stored(settings)
    assert not holds(blob, NAME) and not holds(blob, EMAIL)
    assert not holds(blob, "Alice Member") and not holds(blob, "cora@example.org")
    person = ledger.records.get_person(ids["person"])
    assert (person["name"], person["email"], person["erased"]) == (NAME, EMAIL, False)
    assert ledger.records.get_person(ids["alice"])["name"] == "Alice Member"
    history = ledger.history.record_history("person", ids["person"])["items"]
    assert history[0]["data"]["name"] == NAME
    assert ledger.privacy.person_keys.migration_done(MIGRATION)
    assert ledger.integrity.verify_chain().intact
    assert ledger.integrity.chain_head() == (
        ledger.head_position(),
        ledger.integrity.verify_chain().link,
    )
    # Once only: opening again finds nothing to seal.
    assert ledger.privacy.seal_personal_data() == 0
    assert ledger.privacy.seal_personal_data(force=True) == 0

    # Forgetting now works as for anyone registered after the change.
    key = ledger.privacy.person_keys.person_key(ids["person"])
    assert key is not None
    ledger.privacy.forget_person(ids["person"], "UK GDPR Art. 17, request 2026-115")
    assert ledger.records.get_person(ids["person"])["name"] == ERASED_NAME
    blob = stored(settings)
    assert not holds(blob, NAME) and not holds(blob, EMAIL)
    assert key not in blob and key.hex().encode() not in blob.lower()
    assert ledger.history.group_timeline(ids["group"])["items"]
    assert ledger.integrity.verify_chain().intact


def test_accord_migrate_personal_data_seals_and_reports_how_many(settings, capsys, monkeypatch):
    monkeypatch.setenv("ACCORD_POSTGRES_SCHEMA", settings.postgres_schema)
    ids = write_legacy(settings)
    url = settings.resolved_database_url()
    # Registered: four in build_world and Philippa; AffiliationChanged holds no name.
    assert main(["--database-url", url, "migrate-personal-data"]) == 0
    assert "sealed the personal data of 5 stored events" in capsys.readouterr().out
    assert not holds(stored(settings), NAME)
    assert main(["--database-url", url, "migrate-personal-data"]) == 0
    out = capsys.readouterr().out
    assert "sealed the personal data of 0 stored events" in out
    assert "have no hash-chain link" in out and "accord chain adopt" in out
    assert main(["--database-url", url, "verify"]) == 1
    adopt = ["chain", "adopt", "--by", ids["alice"], "--reason", "kept before the chain"]
    assert main(["--database-url", url, *adopt]) == 0
    assert main(["--database-url", url, "verify"]) == 0


def test_events_the_chain_covers_already_are_not_rewritten(settings, opened):
    ids = write_legacy(settings)
    ledger = build_ledger(settings, seal=False)
    opened.append(ledger)
    with acting_as(ids["alice"]):
        ledger.integrity.adopt_unlinked("kept before the chain existed")  # plain, now linked
    with pytest.raises(PersonalDataNotSealed, match="covered by the hash chain"):
        ledger.privacy.seal_personal_data()
    with pytest.raises(PersonalDataNotSealed, match="migrate-personal-data"):
        ledger.privacy.forget_person(ids["person"], "UK GDPR Art. 17")
    assert ledger.records.get_person(ids["person"])["name"] == NAME
    assert ledger.integrity.verify_chain().intact


def test_a_version_1_export_with_plain_names_is_sealed_as_it_is_imported(
    settings, tmp_path, opened
):
    ids = write_legacy(settings)
    legacy = LegacyLedger(env=eventsourcing_env(settings))
    try:
        lines = [line for line in legacy.transfer.export_lines() if "person_key" not in line]
    finally:
        legacy.close()
    lines[0]["version"] = 1
    assert lines[0]["format"] == FORMAT
    assert any(NAME.encode() in base64.b64decode(line["state"]) for line in lines[1:])
    target = Settings(database_url=f"sqlite:///{tmp_path / 'target.db'}")
    imported = build_ledger(target)
    opened.append(imported)
    assert imported.transfer.import_lines(iter(lines)) == len(lines) - 1
    assert not holds(stored(target), NAME) and not holds(stored(target), EMAIL)
    assert imported.records.get_person(ids["person"])["name"] == NAME
    assert imported.integrity.verify_chain().intact
