"""`GET /events/stream`: the ledger live as Server-Sent Events, from `accord serve` started as
users start it, on SQLite and PostgreSQL: the events `/events` lists, in order, within the
caller's sight; resumed with Last-Event-ID with no gap and no repeat; heartbeats; a revoked
key ends it; streams per key bounded."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from interfaces.settings import Settings
from tests.interfaces.test_processes import free_port, wait_until_up
from tests.interfaces.test_server_survives import ACCORD


@dataclass
class Served:
    base: str
    key: str
    env: dict[str, str]

    def call(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        answer = httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        assert answer.status_code < 300, answer.text
        return answer.json()

    def new_key(self, person_id: str) -> str:
        made = subprocess.run(
            [str(ACCORD), "keys", "create", "--person", person_id, "--json"],
            env=self.env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        return str(json.loads(made.stdout)["secret"])


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    env = {
        **os.environ,
        "ACCORD_DATABASE_URL": settings.resolved_database_url(),
        "ACCORD_POSTGRES_SCHEMA": settings.postgres_schema,
        "ACCORD_STREAM_HEARTBEAT": "1",
        "ACCORD_STREAMS_PER_KEY": "2",
    }
    made = subprocess.run(
        [str(ACCORD), "keys", "bootstrap", "--name", "Ada Admin"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    key = re.search(r"acc_[A-Za-z0-9_.-]+", made.stdout)
    assert key, made.stdout
    port = free_port()
    with open(tmp_path / "serve.log", "w+b") as log:
        server = subprocess.Popen(
            [str(ACCORD), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", server, log)
            yield Served(f"http://127.0.0.1:{port}", key.group(0), env)
        finally:
            server.terminate()
            server.wait(timeout=30)


class Listener:
    """Reads a stream in a thread: its events, comments and end, as they come."""

    def __init__(self, served: Served, key: str, **headers: str) -> None:
        self.events: list[tuple[int, dict[str, Any]]] = []
        self.comments = 0
        self.ended: str | None = None
        self.status: int | None = None
        self.lock = threading.RLock()  # checks read positions() while holding it
        self.client = httpx.Client(timeout=httpx.Timeout(30, read=30))
        request = {"Authorization": f"Bearer {key}", **headers}
        self.thread = threading.Thread(
            target=self._read, args=(served.base + "/events/stream", request), daemon=True
        )
        self.thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with self.client.stream("GET", url, headers=headers) as answer:
                self.status = answer.status_code
                event: dict[str, str] = {}
                for line in answer.iter_lines():
                    if line.startswith(":"):
                        with self.lock:
                            self.comments += 1
                    elif line == "":
                        if event.get("event") == "ledger":
                            with self.lock:
                                self.events.append((int(event["id"]), json.loads(event["data"])))
                        elif event.get("event") == "end":
                            self.ended = event.get("data")
                            return
                        event = {}
                    else:
                        name, _, value = line.partition(": ")
                        event[name] = value
        except (httpx.HTTPError, RuntimeError):
            return

    def until(self, check: Any, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if check(self):
                    return
            time.sleep(0.05)
        raise AssertionError(f"not within {seconds} s: {self.events[-3:]} {self.status}")

    def positions(self) -> list[int]:
        with self.lock:
            return [p for p, _ in self.events]

    def close(self) -> None:
        self.client.close()


@pytest.mark.stores("sqlite", "postgres")
def test_a_stream_sends_every_event_in_order_and_resumes_with_no_gap_or_repeat(served):
    served.call("POST", "/organisations", json={"name": "Hope Street", "sector": "vcse"})
    everything = served.call("GET", "/events", params={"limit": 500})
    first = Listener(served, served.key)
    try:
        first.until(lambda s: len(s.events) == len(everything["items"]))
        assert first.positions() == [e["position"] for e in everything["items"]]
        assert first.events[0][1] == everything["items"][0]  # the same objects as /events
        # Written while the stream is open: it arrives.
        served.call("POST", "/organisations", json={"name": "North Trust", "sector": "vcse"})
        first.until(lambda s: s.events[-1][1]["type"] == "Organisation.Registered"
                    and s.events[-1][1]["data"].get("name") == "North Trust")  # fmt: skip
        first.until(lambda s: s.comments >= 1, seconds=10)  # a heartbeat while quiet
    finally:
        first.close()
    last = first.positions()[-1]
    # Events while no one listens, then a reconnection from the last one received.
    for name in ("Open Door", "Harbour Lights"):
        served.call("POST", "/organisations", json={"name": name, "sector": "vcse"})
    head = served.call("GET", "/events", params={"after": last})["head_position"]
    again = Listener(served, served.key, **{"Last-Event-ID": str(last)})
    try:
        again.until(lambda s: s.positions() and s.positions()[-1] >= head)
        resumed = again.positions()
        assert resumed == list(range(last + 1, head + 1))  # no gap, no repeat
    finally:
        again.close()


@pytest.mark.stores("sqlite", "postgres")
def test_a_stream_holds_only_what_the_caller_may_see_and_ends_when_the_key_is_revoked(served):
    theirs = served.call(
        "POST", "/groups", json={"name": "Secret team", "kind": "team", "purpose": "Hidden"}
    )["id"]
    ours = served.call(
        "POST", "/groups", json={"name": "Hub team", "kind": "team", "purpose": "Hub"}
    )["id"]
    sam = served.call("POST", "/people", json={"name": "Sam Rivera"})["id"]
    served.call("POST", f"/groups/{ours}/members", json={"person_id": sam, "role": "member"})
    key = served.new_key(sam)
    listener = Listener(served, key)
    try:
        listener.until(lambda s: any(e["record_id"] == ours for _, e in s.events))
        served.call(
            "POST", f"/groups/{theirs}/decisions", json={"title": "Hidden", "decision": "D"}
        )
        served.call("POST", f"/groups/{ours}/decisions", json={"title": "Seen", "decision": "D"})
        listener.until(lambda s: any(e["data"].get("title") == "Seen" for _, e in s.events))
        assert not any(e["record_id"] == theirs for _, e in listener.events)
        assert all(e["data"].get("title") != "Hidden" for _, e in listener.events)
        # Two streams per key here: a third is refused, the others go on.
        second = Listener(served, key)
        second.until(lambda s: s.status == 200)
        refused = httpx.get(
            served.base + "/events/stream", headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        assert refused.status_code == 429 and refused.headers["retry-after"]
        second.close()
        key_id = key.removeprefix("acc_").split(".")[0]
        served.call("POST", f"/keys/{key_id}/revoke")
        listener.until(lambda s: s.ended is not None, seconds=15)
        assert "revoked" in (listener.ended or "")
    finally:
        listener.close()


@pytest.mark.store_independent
def test_a_stream_needs_a_key_and_a_last_event_id_that_is_a_position(api, admin):
    assert api.client.get("/events/stream").status_code == 401
    for bad in ("yesterday", "-1", "1.5"):
        refused = api.client.get("/events/stream", headers={**admin.headers, "Last-Event-ID": bad})
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert (
        api.client.get("/events/stream", headers=admin.headers, params={"after": -1}).status_code
        == 422
    )
