"""`accord serve`: the HTTP API."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings

BOOTSTRAP_HINT = """\
No API key exists yet. Create the first administrator (once, on an empty ledger):

    {accord} keys bootstrap --name "Your Name"

It prints an API key; send it as `Authorization: Bearer <key>`.
"""
# The application factory each worker process calls when there are several.
APP_FACTORY = "interfaces.api.app:create_app"


class NoDelayHTTP(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol, with TCP_NODELAY set on every accepted connection.

    asyncio sets it only on sockets created with IPPROTO_TCP; the listening socket uvicorn
    binds for several workers is not, so without this each keep-alive response waits for
    the client's delayed ACK (about 40 ms) before the next request gets through.
    """

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


def run_api(
    host: str, port: int, workers: int = 1, log_level: str = "info", app: Any = None
) -> None:
    """uvicorn on host:port: the given app in this process, or with `workers` > 1 that many
    processes, each building the API from ACCORD_* environment variables."""
    import uvicorn

    if workers > 1:
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            http=NoDelayHTTP,
        )
        return
    if app is None:
        from interfaces.api.app import create_app

        app = create_app(Settings())
    uvicorn.run(app, host=host, port=port, log_level=log_level, http=NoDelayHTTP)


def shown(url: str) -> str:
    """The database URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from interfaces.api.app import create_app

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
        f"(docs: /docs)" + (f", {workers} worker processes" if workers > 1 else ""),
        flush=True,
    )
    if workers > 1:
        # Each worker opens the ledger itself, from the environment: pass on the URL
        # given with --database-url.
        ledger.close()
        os.environ["ACCORD_DATABASE_URL"] = settings.resolved_database_url()
        run_api(host, port, workers)
        return 0
    try:
        run_api(host, port, app=create_app(settings, ledger=ledger))
    finally:
        ledger.close()
    return 0


def register(commands: Any) -> None:
    run = commands.add_parser("serve", help="serve the HTTP API")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument(
        "--workers", type=int, default=1, help="API processes (default 1), each with its own pool"
    )
    run.set_defaults(func=serve)
