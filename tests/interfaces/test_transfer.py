"""Export -> import moves a ledger between stores with identical histories."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from interfaces.api.app import create_app
from interfaces.bootstrap import build_ledger
from interfaces.cli import main
from interfaces.settings import Settings
from tests.application.support import rich_scenario
from tests.conftest import acting_as, postgres_schema

PATHS = {
    "organisation": "organisations",
    "person": "people",
    "group": "groups",
    "decision": "decisions",
    "conflict": "conflicts",
    "principle": "principles",
    "accountability": "accountabilities",
}


def responses(settings: Settings, secret: str, ids: dict[str, list[str]]) -> dict[str, bytes]:
    """Raw bodies of every history, record and feed response, by URL."""
    bodies: dict[str, bytes] = {}
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        urls = ["/events?limit=500"]
        for kind, record_ids in ids.items():
            for record_id in record_ids:
                urls += [f"/{PATHS[kind]}/{record_id}/history", f"/{PATHS[kind]}/{record_id}"]
        for group in ids["group"]:
            urls += [
                f"/groups/{group}/timeline?limit=500",
                f"/groups/{group}/state?effective_at=2030-01-01T00:00:00Z",
                f"/groups/{group}/decisions",
            ]
        for url in urls:
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.text)
            bodies[url] = response.content
    return bodies


@pytest.mark.postgres
def test_a_sqlite_ledger_exported_and_imported_into_postgresql_answers_byte_for_byte_the_same(
    tmp_path, postgres_url, capsys
):
    source = Settings(database_url=f"sqlite:///{tmp_path / 'source.db'}")
    ledger = build_ledger(source)
    person, _, _ = ledger.keys.bootstrap("Ada Convener")
    with acting_as(person):
        ids = rich_scenario(ledger)
    ledger.close()
    export = tmp_path / "ledger.jsonl"
    assert main(["--database-url", source.resolved_database_url(), "export", str(export)]) == 0
    lines = export.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == "accord-ledger-export"
    lines = [json.loads(line) for line in lines[1:]]
    # The person keys that exist follow the header (both people were registered here).
    assert len([line for line in lines if "person_key" in line]) == len(ids["person"]) + 1
    assert [line["position"] for line in lines if "position" in line] == list(
        range(1, header["head_position"] + 1)
    )

    with postgres_schema(postgres_url) as schema, pytest.MonkeyPatch.context() as patch:
        patch.setenv("ACCORD_POSTGRES_SCHEMA", schema)
        target = Settings(database_url=postgres_url, postgres_schema=schema)
        assert main(["--database-url", postgres_url, "import", str(export)]) == 0
        assert f"imported {header['head_position']} events" in capsys.readouterr().out
        # Keys are not exported: each store gets its own.
        keys = {}
        for settings in (source, target):
            with_keys = build_ledger(settings)
            keys[settings.database_url] = with_keys.keys.create_key(person, "administrator")[1]
            with_keys.close()
        before = responses(source, keys[source.database_url], ids)
        after = responses(target, keys[target.database_url], ids)
        assert before.keys() == after.keys()
        different = [url for url in before if before[url] != after[url]]
        assert different == []
        # A second import into the now non-empty store is refused, and changes nothing.
        assert main(["--database-url", postgres_url, "import", str(export)]) == 2
        assert "already holds events" in capsys.readouterr().err


def test_an_import_of_a_file_that_is_not_an_export_is_refused(tmp_path, capsys):
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text('{"hello": "world"}\n')
    url = f"sqlite:///{tmp_path / 'target.db'}"
    assert main(["--database-url", url, "import", str(bogus)]) == 2
    assert "export header" in capsys.readouterr().err
    ledger = build_ledger(Settings(database_url=url))
    try:
        assert ledger.head_position() == 0
    finally:
        ledger.close()
