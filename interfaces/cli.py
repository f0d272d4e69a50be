"""The `accord` command line: serve the API and manage API keys."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from application.errors import AlreadyBootstrapped, RecordNotFound
from domain.base import AccordError
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings

BOOTSTRAP_HINT = """\
No API key exists yet. Create the first administrator (once, on an empty ledger):

    {accord} keys bootstrap --name "Your Name"

It prints an API key; send it as `Authorization: Bearer <key>`.
"""


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from interfaces.api.app import create_app

    ledger = build_ledger(settings)
    if ledger.store.count_api_keys() == 0:
        print(BOOTSTRAP_HINT.format(accord=args.accord_path), flush=True)
    host = args.host or settings.host
    port = args.port or settings.port
    print(
        f"Accord on {settings.resolved_database_url()} at http://{host}:{port} (docs: /docs)",
        flush=True,
    )
    uvicorn.run(create_app(settings, ledger=ledger), host=host, port=port, log_level="info")
    ledger.close()
    return 0


def keys_bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        person_id, row, secret = ledger.bootstrap(args.name, args.email)
    except AlreadyBootstrapped:
        print(
            "A key exists already: ask an administrator to run `accord keys create`.",
            file=sys.stderr,
        )
        return 1
    finally:
        ledger.close()
    print(f"administrator person id: {person_id}")
    print(f"key id:                  {row.key_id}")
    print(f"API key (shown once):    {secret}")
    return 0


def keys_create(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        row, secret = ledger.create_key(args.person, args.role, args.label)
    finally:
        ledger.close()
    print(f"key id:               {row.key_id}")
    print(f"API key (shown once): {secret}")
    return 0


def keys_list(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        rows = ledger.list_keys()
    finally:
        ledger.close()
    for row in rows:
        state = f"revoked {row.revoked_at}" if row.revoked_at else "active"
        print(f"{row.key_id}  person={row.person_id}  role={row.role}  {state}  {row.label or ''}")
    return 0


def keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        ledger.revoke_key(args.key_id)
    finally:
        ledger.close()
    print(f"revoked {args.key_id}")
    return 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="accord", description="Accord governance ledger.")
    main.add_argument("--database-url", help="overrides ACCORD_DATABASE_URL")
    commands = main.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="serve the HTTP API")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.set_defaults(func=serve)

    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys", required=True
    )
    boot = keys.add_parser("bootstrap", help="first administrator and key, on an empty ledger")
    boot.add_argument("--name", required=True)
    boot.add_argument("--email")
    boot.set_defaults(func=keys_bootstrap)
    create = keys.add_parser("create", help="a new key for a registered person")
    create.add_argument("--person", required=True, help="the person's id")
    create.add_argument("--role", default="member", choices=["member", "administrator"])
    create.add_argument("--label")
    create.set_defaults(func=keys_create)
    keys.add_parser("list", help="every key, without secrets").set_defaults(func=keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=keys_revoke)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.accord_path = sys.argv[0] if sys.argv and sys.argv[0].endswith("accord") else "accord"
    settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    try:
        return int(args.func(args, settings))
    except (RecordNotFound, AccordError) as error:
        print(f"accord: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
