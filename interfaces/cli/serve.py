"""`accord serve`: the HTTP API."""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings

BOOTSTRAP_HINT = """\
No API key exists yet. Create the first administrator (once, on an empty ledger):

    {accord} keys bootstrap --name "Your Name"

It prints an API key; send it as `Authorization: Bearer <key>`.
"""


def shown(url: str) -> str:
    """The database URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from interfaces.api.app import create_app

    ledger = build_ledger(settings)
    if ledger.store.count_api_keys() == 0:
        print(BOOTSTRAP_HINT.format(accord=args.accord_path), flush=True)
    host = args.host or settings.host
    port = args.port or settings.port
    print(
        f"Accord on {shown(settings.resolved_database_url())} at http://{host}:{port} "
        "(docs: /docs)",
        flush=True,
    )
    try:
        uvicorn.run(create_app(settings, ledger=ledger), host=host, port=port, log_level="info")
    finally:
        ledger.close()
    return 0


def register(commands: Any) -> None:
    run = commands.add_parser("serve", help="serve the HTTP API")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.set_defaults(func=serve)
