"""`accord forget` and `accord migrate-personal-data`: erasing a person's personal data."""

from __future__ import annotations

import argparse
from typing import Any

from domain.base import current_actor
from domain.person import BASIS_LENGTH
from interfaces.bootstrap import build_ledger
from interfaces.cli.history import moment
from interfaces.settings import Settings


def forget(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    token = current_actor.set(args.by)
    try:
        if args.by is not None:
            ledger.records.get_person(args.by)  # the one asking must be a person the ledger knows
        result = ledger.privacy.forget_person(
            args.person, args.basis, effective_at=moment(args.effective_at, "effective_at")
        )
    finally:
        current_actor.reset(token)
        ledger.close()
    print(f"forgot person {result.id} at position {result.position}")
    print("their key is destroyed: their name and email now read as 'erased person'")
    print("their API keys are revoked; backups made before now still hold the key")
    return 0


def migrate_personal_data(args: argparse.Namespace, settings: Settings) -> int:
    # Sealed here rather than at start-up, so that the count is this run's.
    ledger = build_ledger(settings, seal=False, chain=False)
    try:
        count = ledger.privacy.seal_personal_data(force=True)
        unlinked = ledger.integrity.unlinked()
    finally:
        ledger.close()
    print(f"sealed the personal data of {count} stored events")
    if unlinked is not None:
        print(
            f"positions {unlinked[0]} to {unlinked[1]} have no hash-chain link: take them "
            "into the chain with `accord chain adopt` once you have reviewed them"
        )
    return 0


def register(commands: Any) -> None:
    run = commands.add_parser(
        "forget",
        help="erase a person's personal data by destroying their key",
        description="Records why (the basis) and destroys the person's key in one "
        "transaction; their records still replay, their name reads 'erased person'.",
    )
    run.add_argument("person", help="the person's id")
    run.add_argument(
        "--basis",
        required=True,
        help=f"legal basis or request reference, at most {BASIS_LENGTH} characters, e.g. "
        "'UK GDPR Art. 17, request 2026-114'; kept for good, so no personal data in it",
    )
    run.add_argument("--by", help="the id of the person asking for it (recorded as the actor)")
    run.add_argument("--effective-at", help="when the erasure took effect (ISO 8601 with offset)")
    run.set_defaults(func=forget)
    run = commands.add_parser(
        "migrate-personal-data",
        help="seal names and emails stored before per-person keys existed (runs on start-up)",
    )
    run.set_defaults(func=migrate_personal_data)
