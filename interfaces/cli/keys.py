"""`accord keys`: bootstrap, create, list, revoke and rotate API keys; invite a person to
the console with a one-time sign-in link.

A secret is printed once, to stdout, and never taken as an argument (so it stays out of
shell history and process lists) nor logged.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from application.errors import AlreadyBootstrapped
from application.keys import ROLES
from application.signin_links import MAX_MINUTES
from interfaces.bootstrap import build_ledger
from interfaces.cli.output import as_json
from interfaces.settings import Settings


def keys_bootstrap(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        person_id, row, secret = ledger.keys.bootstrap(args.name, args.email)
    except AlreadyBootstrapped:
        print(
            "A key exists already: ask an administrator to run `accord keys create`.",
            file=sys.stderr,
        )
        return 1
    finally:
        ledger.close()
    if args.json:
        print(as_json({"person_id": person_id, "key_id": row.key_id, "secret": secret}))
        return 0
    print(f"administrator person id: {person_id}")
    print(f"key id:                  {row.key_id}")
    print(f"API key (shown once):    {secret}")
    return 0


def keys_create(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        row, secret = ledger.keys.create_key(args.person, args.role, args.label)
    finally:
        ledger.close()
    if args.json:
        print(as_json({"key_id": row.key_id, "secret": secret}))
        return 0
    print(f"key id:               {row.key_id}")
    print(f"API key (shown once): {secret}")
    return 0


def keys_list(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        rows = ledger.keys.list_keys(args.person)
    finally:
        ledger.close()
    if args.json:
        print(as_json([asdict(row) for row in rows]))
        return 0
    for row in rows:
        state = f"revoked {row.revoked_at}" if row.revoked_at else "active"
        print(f"{row.key_id}  person={row.person_id}  role={row.role}  {state}  {row.label or ''}")
    return 0


def keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        ledger.keys.revoke_key(args.key_id)
    finally:
        ledger.close()
    print(f"revoked {args.key_id}")
    return 0


def keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        row, secret = ledger.keys.rotate_key(args.key_id)
    finally:
        ledger.close()
    if args.json:
        print(as_json({"revoked": args.key_id, "key_id": row.key_id, "secret": secret}))
        return 0
    print(f"revoked {args.key_id}")
    print(f"key id:               {row.key_id}")
    print(f"API key (shown once): {secret}")
    return 0


def keys_invite(args: argparse.Namespace, settings: Settings) -> int:
    ledger = build_ledger(settings)
    try:
        link = ledger.sign_in_links.make_link(args.person, args.role, args.minutes)
    finally:
        ledger.close()
    base = args.base_url or settings.public_url or f"http://{settings.host}:{settings.port}"
    url = f"{base.rstrip('/')}/signin/link/{link.token}"
    if args.json:
        print(as_json({"link": url, "expires_at": link.expires_at.isoformat(timespec="seconds")}))
        return 0
    print(f"sign-in link (usable once): {url}")
    print(f"expires at:                 {link.expires_at.isoformat(timespec='seconds')}")
    return 0


def _minutes(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_MINUTES}")
    return value


JSON_HELP = "print the result as JSON"


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys", required=True
    )
    boot = keys.add_parser("bootstrap", help="first administrator and key, on an empty ledger")
    boot.add_argument("--name", required=True)
    boot.add_argument("--email")
    boot.add_argument("--json", action="store_true", help=JSON_HELP)
    boot.set_defaults(func=keys_bootstrap)
    create = keys.add_parser("create", help="a new key for a registered person")
    create.add_argument("--person", required=True, help="the person's id")
    create.add_argument("--role", default="member", choices=ROLES)
    create.add_argument("--label")
    create.add_argument("--json", action="store_true", help=JSON_HELP)
    create.set_defaults(func=keys_create)
    listing = keys.add_parser("list", help="every key, without secrets")
    listing.add_argument("--person", help="only this person's keys")
    listing.add_argument("--json", action="store_true", help=JSON_HELP)
    listing.set_defaults(func=keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=keys_revoke)
    rotate = keys.add_parser(
        "rotate", help="replace an active key by a new one (same person, role, label)"
    )
    rotate.add_argument("key_id")
    rotate.add_argument("--json", action="store_true", help=JSON_HELP)
    rotate.set_defaults(func=keys_rotate)
    invite = keys.add_parser(
        "invite", help="a one-time link that signs a person in to the console (no key shown)"
    )
    invite.add_argument("--person", required=True, help="the person's id")
    invite.add_argument(
        "--role", default="member", choices=ROLES, help="the role the session carries"
    )
    invite.add_argument(
        "--minutes", type=_minutes, help="how long it may be used (ACCORD_SIGN_IN_LINK_MINUTES)"
    )
    invite.add_argument(
        "--base-url", help="the console's address (ACCORD_PUBLIC_URL, else http://host:port)"
    )
    invite.add_argument("--json", action="store_true", help=JSON_HELP)
    invite.set_defaults(func=keys_invite)
