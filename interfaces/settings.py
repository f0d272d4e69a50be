"""Accord's one settings class, read from ACCORD_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration; see the README's configuration reference."""

    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="ignore")

    # sqlite:///path/to/file.db (default: <data_dir>/accord.db), postgresql://user@host:port/db,
    # or memory:// for a throw-away in-memory ledger.
    database_url: str | None = None
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    # Seconds a PostgreSQL write waits for the ledger's table lock before failing.
    postgres_lock_timeout: int = 5
    postgres_pool_size: int = 10
    postgres_max_overflow: int = 10
    postgres_schema: str = "public"
    # False for a PostgreSQL role that may not create tables: the owner's role creates
    # them and runs migrations (README, "Trust in the record").
    create_tables: bool = True
    # "thread": the API keeps the read models up to date itself; "off": a separate
    # `accord project` worker does (reads then wait for it, see min_position).
    projector: Literal["thread", "off"] = "thread"
    # Bounded resources (README, "Limits").
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # Requests per second per API key (0: no limit) and the burst allowed above that rate;
    # counted in each process, so N workers allow N times as many.
    rate_limit: float = Field(default=50.0, ge=0)
    rate_burst: int = Field(default=200, ge=1)
    # Seconds a request may spend on PostgreSQL attempts that fail (waiting for a connection
    # included) before it is answered 503; the library's retries hide shorter outages.
    database_wait: float = Field(default=3.0, gt=0)
    # Seconds one attempt waits for a pooled PostgreSQL connection (whole seconds, >= 1),
    # and how many may wait at once before the next is refused at once (0: no bound).
    postgres_pool_timeout: int = Field(default=3, ge=1)
    postgres_max_waiting: int = Field(default=100, ge=0)
    # Requests served at once per process (the worker threads' number: 40), and the seconds
    # one may wait for a free slot before it is answered 503 with Retry-After.
    request_slots: int = Field(default=40, ge=1)
    queue_wait: float = Field(default=2.0, gt=0)
    # GET /events/stream: seconds between heartbeats on a quiet stream, and the streams one
    # API key, and one process, may hold at once.
    stream_heartbeat: float = Field(default=15.0, gt=0)
    streams_per_key: int = Field(default=4, ge=1)
    max_streams: int = Field(default=100, ge=1)
    sqlite_lock_timeout: int = Field(default=10, ge=1)
    # Records kept in memory between commands (0: none); each use re-reads the events
    # recorded since, so several processes stay correct.
    record_cache: int = Field(default=10_000, ge=0)
    # The HTTP server (`accord serve`; README, "The server and its clients"). Seconds a
    # client has to send a request's headers (counted from its first byte, or from the
    # connection's opening), and then its body; an idle keep-alive connection is closed
    # after keep_alive_timeout.
    header_timeout: float = Field(default=10.0, gt=0)
    body_timeout: float = Field(default=30.0, gt=0)
    keep_alive_timeout: int = Field(default=5, ge=1)
    # Open connections per process: a request beyond it is answered 503 at once.
    max_connections: int = Field(default=500, ge=1)
    # Bytes of a request's line and headers; more is refused with 431.
    max_header_bytes: int = Field(default=16_384, ge=1024)
    # Seconds SIGTERM waits for requests in flight before the server stops anyway.
    shutdown_timeout: int = Field(default=8, ge=0)
    # GET /ready answers 503 when the read models are more than ready_max_lag events behind
    # (0: no bound), or have not moved for ready_stall_seconds while events wait.
    ready_max_lag: int = Field(default=10_000, ge=0)
    ready_stall_seconds: float = Field(default=60.0, gt=0)
    # The web console's sessions: minutes of inactivity, and hours in all, before sign-in again.
    session_idle_minutes: int = Field(default=30, ge=1)
    session_hours: int = Field(default=12, ge=1)
    # Minutes a one-time sign-in link (`accord keys invite`) may be used within, by default.
    sign_in_link_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    # The address people reach the console at (https://accord.example.org), for the links
    # Accord makes; without it, the address a request came to (or, on the command line,
    # http://host:port).
    public_url: str | None = None
    # What `accord serve` logs look like: "text" to read at a terminal, "json" one object a
    # line (README, "Watching it run").
    log_format: Literal["text", "json"] = "text"
    # GET /metrics: "key" needs an auditor's or an administrator's API key, "open" none (for
    # a port only the scraper can reach), "off" leaves it out (404).
    metrics: Literal["key", "open", "off"] = "key"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'accord.db'}"
