"""One log line per request: its id (echoed as X-Request-ID), route template, status,
latency and the id of the key behind it; never a secret, a sign-in link's token, a name or
an email. As JSON objects or text; in-process on every store, and from the installed
`accord serve` with ACCORD_LOG_FORMAT=json on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from interfaces.api.app import create_app
from interfaces.logs import JsonLines, TextLines, logging_config
from tests.interfaces.support import Actor, Api
from tests.interfaces.test_processes import free_port, wait_until_up
from tests.interfaces.test_server_survives import store_env  # noqa: F401 (a fixture)
from tests.interfaces.test_web_signin_links import link_for, press

ACCORD = Path(sys.executable).parent / "accord"
INDEPENDENT = pytest.mark.store_independent


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "accord.request"]


def fields(record: logging.LogRecord) -> dict[str, Any]:
    value: dict[str, Any] = record.accord  # type: ignore[attr-defined]
    return value


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as both formats would write it."""
    return "\n".join(
        formatter.format(record)
        for record in caplog.records
        for formatter in (JsonLines(), TextLines())
    )


def test_each_request_is_one_line_with_its_id_route_status_latency_and_key(
    api: Api, admin: Actor, caplog
):
    caplog.set_level(logging.INFO, logger="accord.request")
    created = api.client.post(
        "/organisations", json={"name": "Hope Street", "sector": "vcse"}, headers=admin.headers
    )
    assert created.status_code == 201
    read = api.client.get(f"/organisations/{created.json()['id']}", headers=admin.headers)
    anonymous = api.client.get("/me")
    lines = request_lines(caplog)
    assert len(lines) == 3
    write, one, refused = (fields(r) for r in lines)
    assert write["request_id"] == created.headers["x-request-id"]
    assert one["request_id"] == read.headers["x-request-id"] != write["request_id"]
    assert refused["request_id"] == anonymous.headers["x-request-id"]
    assert (write["method"], write["route"], write["status"]) == ("POST", "/organisations", 201)
    assert (one["route"], one["status"]) == ("/organisations/{organisation_id}", 200)
    assert (refused["route"], refused["status"], refused["key_id"]) == ("/me", 401, None)
    assert write["key_id"] == one["key_id"] == admin.key_id
    assert all(0 < f["duration_ms"] < 30_000 for f in (write, one, refused))
    assert lines[0].getMessage().startswith("POST /organisations 201 ")
    logged = everything_logged(caplog)
    assert admin.secret not in logged and admin.secret.split(".")[-1] not in logged
    assert created.json()["id"] not in logged and "Hope Street" not in logged


@INDEPENDENT
@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("b7e1c2d0-req.42:a_b", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("two words", False),
        ("<script>", False),
        ("ünïcode", False),
        ("", False),
    ],
)
def test_a_plain_request_id_is_kept_and_any_other_replaced(api: Api, caplog, sent, kept):
    caplog.set_level(logging.INFO, logger="accord.request")
    answered = api.client.get("/health", headers={"X-Request-ID": sent.encode()})
    echoed = answered.headers["x-request-id"]
    assert (echoed == sent) is kept
    if not kept:
        assert len(echoed) == 32 and echoed.isalnum()
    assert fields(request_lines(caplog)[-1])["request_id"] == echoed


def test_a_sign_in_link_token_names_and_emails_never_reach_the_log(api: Api, admin, caplog):
    caplog.set_level(logging.INFO, logger="accord.request")
    sam = api.person("Sam Sample", email="sam@example.org")
    path = link_for(api, sam)
    token = path.rsplit("/", 1)[1]
    assert press(api, path).status_code == 303
    home = api.client.get("/")
    assert home.status_code == 200
    assert api.client.get(f"/people/{sam.person_id}", headers=admin.headers).status_code == 200
    routes = [(fields(r)["route"], fields(r)["status"]) for r in request_lines(caplog)]
    assert ("/signin/link/{token}", 200) in routes and ("/signin/link/{token}", 303) in routes
    # The console's pages name the key behind the session.
    assert fields(request_lines(caplog)[-2])["key_id"] is not None
    logged = everything_logged(caplog)
    for secret in (token, "Sam Sample", "sam@example.org", sam.secret, admin.secret):
        assert secret not in logged


@INDEPENDENT
def test_an_error_logged_while_serving_a_request_carries_its_id(ledger, settings, monkeypatch):
    def broken() -> int:
        raise RuntimeError("the head could not be read")

    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonLines())
    errors = logging.getLogger("accord.api")
    errors.addHandler(handler)
    try:
        with TestClient(
            create_app(settings, ledger=ledger), raise_server_exceptions=False
        ) as client:
            monkeypatch.setattr(ledger, "head_position", broken)
            answered = client.get("/ready", headers={"X-Request-ID": "ready-1"})
    finally:
        errors.removeHandler(handler)
    assert answered.status_code == 500
    entry = json.loads(written.getvalue().splitlines()[-1])
    assert (entry["message"], entry["request_id"]) == ("unexpected error", "ready-1")
    assert "RuntimeError: the head could not be read" in entry["exception"]


@INDEPENDENT
def test_json_lines_are_one_object_each_with_the_request_fields_and_any_exception():
    record = logging.LogRecord(
        "accord.request", logging.INFO, __file__, 1, "%s %s", ("GET", "/x"), None
    )
    record.accord = {"request_id": "abc", "status": 200, "key_id": None}
    entry = json.loads(JsonLines().format(record))
    assert entry["message"] == "GET /x" and entry["level"] == "info"
    assert entry["logger"] == "accord.request" and entry["time"].endswith("+00:00")
    assert (entry["request_id"], entry["status"], entry["key_id"]) == ("abc", 200, None)
    try:
        raise RuntimeError("a line\nand another")
    except RuntimeError:
        failed = logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "boom", (), sys.exc_info()
        )
    written = JsonLines().format(failed)
    assert "\n" not in written
    assert "RuntimeError: a line\nand another" in json.loads(written)["exception"]
    assert TextLines().format(record) == "INFO:     GET /x (request abc, key -)"


@INDEPENDENT
def test_the_server_logs_requests_itself_in_place_of_the_access_log():
    for log_format in ("json", "text"):
        config = logging_config(log_format)
        assert config["loggers"]["uvicorn.access"]["handlers"] == []
        handler = config["handlers"]["stderr"]
        assert handler["filters"] == ["hide_link_tokens"]
        assert config["loggers"]["accord"]["handlers"] == ["stderr"]
    assert logging_config("json")["formatters"]["accord"]["()"].endswith("JsonLines")


def test_accord_serve_writes_json_lines_one_per_request(store_env, tmp_path):  # noqa: F811
    env = {**os.environ, **store_env, "ACCORD_LOG_FORMAT": "json"}
    boot = subprocess.run(
        [str(ACCORD), "keys", "bootstrap", "--name", "Ada Admin", "--email", "ada@example.org"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = next(
        line.split(":", 1)[1].strip()
        for line in boot.stdout.splitlines()
        if line.startswith("API key (shown once)")
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "out", "w+b") as out, open(tmp_path / "err", "w+b") as err:
        process = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)], env=env, stdout=out, stderr=err
        )
        try:
            wait_until_up(url, process, err)
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=url, timeout=10) as client:
                health = client.get("/health", headers={"X-Request-ID": "probe-1"})
                me = client.get("/me", headers=headers)
                link = client.get("/signin/link/not-a-real-token-but-secret")
                scraped = client.get("/metrics", headers=headers)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        err.seek(0)
        lines = err.read().decode().splitlines()
    assert process.returncode == 0
    assert (health.headers["x-request-id"], me.status_code, link.status_code) == (
        "probe-1",
        200,
        404,
    )
    assert "accord_http_requests_total" in scraped.text
    entries = [json.loads(line) for line in lines]  # every line of the log is a JSON object
    requests = [e for e in entries if e["logger"] == "accord.request"]
    by_route = {e["route"]: e for e in requests}
    assert by_route["/me"]["key_id"] == key.removeprefix("acc_").split(".")[0]
    assert by_route["/me"]["request_id"] == me.headers["x-request-id"]
    assert by_route["/signin/link/{token}"]["status"] == 404
    assert {e["status"] for e in requests} >= {200, 404}
    # Only Accord's own line per request: uvicorn's access log is off.
    probe = [e for e in requests if e["request_id"] == "probe-1"]
    assert [(e["route"], e["status"]) for e in probe] == [("/health", 200)]
    assert not any(e["logger"] == "uvicorn.access" for e in entries)
    assert any("Accord stopped on SIGTERM" in e["message"] for e in entries)
    everything = "\n".join(lines)
    for secret in (
        key,
        key.split(".")[-1],
        "not-a-real-token-but-secret",
        "Ada Admin",
        "ada@example.org",
    ):
        assert secret not in everything
