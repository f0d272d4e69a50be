"""Accord's one settings class, read from ACCORD_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    # "thread": the API keeps the read models up to date itself; "off": a separate
    # `accord project` worker does (reads then wait for it, see min_position).
    projector: Literal["thread", "off"] = "thread"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'accord.db'}"
