"""`accord serve`: the HTTP API."""

from __future__ import annotations

import argparse
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings

BOOTSTRAP_HINT = """\
No API key exists yet. Create the first administrator (once, on an empty ledger):

    {accord} keys bootstrap --name "Your Name"

It prints an API key: sign in with it at the review console (/), or send it to the API
as `Authorization: Bearer <key>`.
"""


def shown(url: str) -> str:
    """The database URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from interfaces.api.app import create_app
    from interfaces.cli.running import run_api

    workers = args.workers
    if workers < 1:
        print("accord serve: --workers must be at least 1", flush=True)
        return 2
    ledger = build_ledger(settings)
    if ledger.store.count_api_keys() == 0:
        print(BOOTSTRAP_HINT.format(accord=args.accord_path), flush=True)
    host = args.host or settings.host
    port = args.port or settings.port
    print(
        f"Accord on {shown(settings.resolved_database_url())} at http://{host}:{port} "
        f"(the review console at /, API documentation at /docs)"
        + (f", {workers} worker processes" if workers > 1 else ""),
        flush=True,
    )
    if workers > 1:
        # Each worker opens the ledger itself, from the environment: pass on the URL
        # given with --database-url.
        ledger.close()
        os.environ["ACCORD_DATABASE_URL"] = settings.resolved_database_url()
        return run_api(settings, host, port, workers)
    try:
        return run_api(settings, host, port, app=create_app(settings, ledger=ledger))
    finally:
        ledger.close()


def register(commands: Any) -> None:
    run = commands.add_parser("serve", help="serve the HTTP API")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument(
        "--workers", type=int, default=1, help="API processes (default 1), each with its own pool"
    )
    run.set_defaults(func=serve)
