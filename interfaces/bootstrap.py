"""The composition root: settings -> eventsourcing environment -> Ledger."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic

from application.ledger import Ledger
from application.privacy import PersonalDataNotSealed
from infrastructure import waits
from infrastructure.memory import AccordMemoryFactory
from infrastructure.postgres import AccordPostgresRecorder
from infrastructure.sqlite import AccordSQLiteRecorder
from infrastructure.waits import UNAVAILABLE as STORE_UNAVAILABLE
from infrastructure.waits import budgeted as database_budget
from interfaces.settings import Settings

log = logging.getLogger("accord")


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
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": str(settings.sqlite_lock_timeout),
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
            "CREATE_TABLE": "y" if settings.create_tables else "n",
            "POSTGRES_LOCK_TIMEOUT": str(settings.postgres_lock_timeout),
            "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
            "POSTGRES_MAX_OVERFLOW": str(settings.postgres_max_overflow),
            # The library uses this as the pool's wait for a connection; with MAX_WAITING
            # it bounds how long and how many requests queue when the pool is exhausted.
            "POSTGRES_CONNECT_TIMEOUT": str(settings.postgres_pool_timeout),
            "POSTGRES_MAX_WAITING": str(settings.postgres_max_waiting),
            # No ping before each use (a round trip per query): a connection found broken
            # fails its attempt, the pool is checked and the library's retry takes another
            # (infrastructure.waits.bound).
            "POSTGRES_PRE_PING": "n",
            # Never "y": without the table lock, readers of the log can miss events.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "APPLICATION_RECORDER_TOPIC": get_topic(AccordPostgresRecorder),
        }
    raise ConfigurationError(f"unsupported database URL scheme {parts.scheme!r}")


def record_cache(settings: Settings) -> dict[str, str]:
    """Keep recently used records in memory; each use first reads the events recorded since
    (by any process), so a cached record is never stale. A forgotten person's cached copy
    is erased by its own Forgotten event at its next use."""
    if not settings.record_cache:
        return {}
    return {
        "AGGREGATE_CACHE_MAXSIZE": str(settings.record_cache),
        # Not the library's fast-forward (one lock per record: concurrent requests for
        # the same group would queue on it): LedgerCore.load reads what is new itself.
        "AGGREGATE_CACHE_FASTFORWARD": "n",
        # Commands change the copy they are given, never the cached record.
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }


def seal_personal_data(ledger: Ledger) -> None:
    """Run the sealing migration if it has not run; a refusal is logged, not fatal."""
    try:
        ledger.privacy.seal_personal_data()
    except PersonalDataNotSealed as error:
        log.error("personal data left unsealed: %s", error)


def erase_forgotten_key_labels(ledger: Ledger) -> None:
    """Erase, once, the key labels of people forgotten before forgetting erased them; a role
    that may not write them leaves that to the next start by one that may (logged)."""
    try:
        ledger.privacy.erase_forgotten_key_labels()
    except PersistenceError as error:
        log.warning("the key labels of people forgotten earlier are not erased yet: %s", error)


def build_ledger(
    settings: Settings | None = None, *, chain: bool = True, seal: bool = True
) -> Ledger:
    """Connect to the configured store (creating tables if needed) and return the Ledger.

    `chain=False` writes nothing to the chain's tables (a ledger chained before identities
    existed gets its identity otherwise), for commands that may only read;
    `seal=False` leaves personal data stored before per-person keys existed unsealed.
    """
    settings = settings or Settings()
    env = eventsourcing_env(settings)
    if "SQLITE_DBNAME" in env:
        # Only here, when a ledger is opened: working out the environment creates nothing.
        Path(env["SQLITE_DBNAME"]).parent.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(env={**env, **record_cache(settings)})
    ledger.sign_in_links.lifetime = timedelta(minutes=settings.sign_in_link_minutes)
    # Read models made by an older version are dropped here and rebuilt by the projector.
    ledger.projector.store.prepare_read_models()
    # Ledgers recorded before the membership index existed get it here, once.
    ledger.access.index_memberships()
    if seal:
        # Names stored before per-person keys existed are sealed here, once: the one
        # sanctioned rewrite of stored events, before the chain links them below.
        seal_personal_data(ledger)
        erase_forgotten_key_labels(ledger)
    if chain:
        # A ledger chained before ledgers had identities gets its identity here, once.
        ledger.integrity.claim_ledger_id()
        # Events without a link are never linked here (that would launder rows added
        # outside Accord): `accord verify` reports them, `accord chain adopt` links them.
        unlinked = ledger.integrity.unlinked()
        if unlinked is not None:
            log.warning(
                "positions %s to %s have no hash-chain link: `accord verify` reports them; "
                "after review, an operator takes them into the chain with `accord chain adopt`",
                *unlinked,
            )
    if isinstance(ledger.recorder, AccordPostgresRecorder):
        waits.bound(ledger.recorder.datastore)  # requests give up on a failing database
    return ledger


# For the API: the store's "cannot be reached now" errors, and a per-request budget for them.
__all__ = ["STORE_UNAVAILABLE", "build_ledger", "database_budget", "eventsourcing_env"]
