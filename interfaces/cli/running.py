"""uvicorn as `accord serve` runs it (imported only to serve: uvicorn is slow to load)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from interfaces.settings import Settings

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
