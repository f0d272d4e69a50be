"""The composition root: settings -> eventsourcing environment -> Ledger."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from eventsourcing.utils import get_topic

from application.ledger import Ledger
from infrastructure.memory import AccordMemoryFactory
from infrastructure.postgres import AccordPostgresRecorder
from infrastructure.sqlite import AccordSQLiteRecorder
from interfaces.settings import Settings


class ConfigurationError(ValueError):
    """The database URL or another setting cannot be used."""


def eventsourcing_env(settings: Settings) -> dict[str, str]:
    """Map Accord's settings to the library's environment variables, in one place."""
    url = settings.resolved_database_url()
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return {
            "PERSISTENCE_MODULE": get_topic(AccordMemoryFactory),
        }
    if parts.scheme == "sqlite":
        path = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else ""
        if not path:
            raise ConfigurationError(
                "use sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": get_topic(AccordSQLiteRecorder),
        }
    if parts.scheme in ("postgresql", "postgres"):
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "accord",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": settings.postgres_schema,
            "POSTGRES_LOCK_TIMEOUT": str(settings.postgres_lock_timeout),
            "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(settings.postgres_max_overflow),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_PRE_PING": "y",
            # Never "y": without the table lock, readers of the log can miss events.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "APPLICATION_RECORDER_TOPIC": get_topic(AccordPostgresRecorder),
        }
    raise ConfigurationError(f"unsupported database URL scheme {parts.scheme!r}")


def build_ledger(settings: Settings | None = None) -> Ledger:
    """Connect to the configured store (creating tables if needed) and return the Ledger."""
    ledger = Ledger(env=eventsourcing_env(settings or Settings()))
    # Read models made by an older version are dropped here and rebuilt by the projector.
    ledger.projector.store.prepare_read_models()
    return ledger
