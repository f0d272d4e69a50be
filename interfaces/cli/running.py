"""uvicorn as `accord serve` runs it (imported only to serve: uvicorn is slow to load).

The server must outlive any client: one that resets its connection, trickles its headers
or body, holds idle connections open or sends oversized headers. uvicorn bounds idle
keep-alive connections and, with `limit_concurrency`, open connections; this module adds
the deadlines it lacks (a request's headers, then its body) and a stop on SIGTERM that
lets requests in flight finish, then exits 0.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess

from interfaces.logs import logging_config
from interfaces.settings import Settings

# The application factory each worker process calls when there are several.
APP_FACTORY = "interfaces.api.app:create_app"

# The server's own log, formatted and shown as uvicorn's messages are.
log = logging.getLogger("uvicorn.error")


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the deadlines GuardedHTTP enforces (it is pickled into
    each worker process, so they travel with it)."""

    def __init__(
        self, app: Any, *, header_timeout: float, body_timeout: float, **kwargs: Any
    ) -> None:
        super().__init__(app, **kwargs)
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout


class GuardedHTTP(H11Protocol):
    """uvicorn's h11 protocol with TCP_NODELAY, a deadline for each request's headers and
    one for its body, and 431 for headers over the size limit.

    TCP_NODELAY: asyncio sets it only on sockets created with IPPROTO_TCP; the listening
    socket uvicorn binds for several workers is not, so without it each keep-alive
    response waits for the client's delayed ACK (about 40 ms).

    The header deadline runs from the connection's opening, or from the first byte of a
    later request on it, until its headers are complete; the body deadline from then until
    the body is complete. A client that misses one is disconnected, so a slow or stalled
    client holds a connection for a bounded time and never a worker thread (the body is
    read before a route runs).
    """

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.header_timeout = float(getattr(config, "header_timeout", 10.0))
        self.body_timeout = float(getattr(config, "body_timeout", 30.0))
        self.max_header_bytes = config.h11_max_incomplete_event_size or 16_384
        self._awaiting: str | None = None  # "headers" or "body": what the deadline is for
        self._deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0  # of the request head being received
        self._head_tail = b""  # its last bytes, where the blank line may begin

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._await("headers")

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE and self._head_too_large(data):
            detail = f"the request's line and headers are larger than {self.max_header_bytes} bytes"
            self._refuse(431, "Request Header Fields Too Large", detail)
            return
        super().data_received(data)
        self._follow()

    def _head_too_large(self, data: bytes) -> bool:
        """Whether the request head this data belongs to is over the limit (h11's own limit
        applies only to a head that arrives in several pieces)."""
        window = self._head_tail + data
        ends = [i for i in (window.find(b"\r\n\r\n"), window.find(b"\n\n")) if i >= 0]
        if ends:
            size = self._head_bytes - len(self._head_tail) + min(ends)
            self._head_bytes, self._head_tail = 0, b""
            return size > self.max_header_bytes
        self._head_bytes += len(data)
        self._head_tail = window[-3:]
        return self._head_bytes > self.max_header_bytes

    def connection_lost(self, exc: Exception | None) -> None:
        self._await(None)
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        if len(self.conn.trailing_data[0]) > self.max_header_bytes:
            detail = f"the request's line and headers are larger than {self.max_header_bytes} bytes"
            self._refuse(431, "Request Header Fields Too Large", detail)
            return
        super().send_400_response(msg)

    def _follow(self) -> None:
        """Start, move or stop the deadline for what the client still has to send."""
        if self.transport.is_closing():
            self._await(None)
        elif self.conn.their_state is h11.IDLE:
            self._await("headers")
        elif self.conn.their_state is h11.SEND_BODY:
            self._await("body")
        else:
            self._await(None)

    def _await(self, what: str | None) -> None:
        if what == self._awaiting:
            return
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._awaiting = what
        if what is not None:
            seconds = self.header_timeout if what == "headers" else self.body_timeout
            self._deadline = self.loop.call_later(seconds, self._too_slow, what, seconds)

    def _too_slow(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        log.warning(
            "closed a connection from %s: its %s took longer than %s s",
            _peer(self.client),
            what,
            seconds,
        )
        if what == "headers" and self.conn.trailing_data[0]:
            self._refuse(
                408, "Request Timeout", f"the request's headers took longer than {seconds} s"
            )
        else:
            # Nothing was sent, or the route is already reading the body: just hang up
            # (the route sees the client disconnect and nothing is recorded).
            self.transport.close()

    def _refuse(self, status: int, title: str, detail: str) -> None:
        """Answer a request h11 could not parse, then close: a problem+json document."""
        body = json.dumps(
            {"type": "about:blank", "title": title, "status": status, "detail": detail}
        ).encode()
        head = (
            f"HTTP/1.1 {status} {title}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode("ascii")
        self.transport.write(head + body)
        self.transport.close()


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "a client"


def server_config(
    settings: Settings,
    host: str,
    port: int,
    workers: int = 1,
    app: Any = None,
    log_level: str = "info",
) -> ServerConfig:
    """The server `accord serve` runs: this app, or (several workers) the app factory."""
    return ServerConfig(
        app if app is not None else APP_FACTORY,
        factory=app is None,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # Accord's own line per request (interfaces.api.observe) replaces the access log.
        log_config=logging_config(settings.log_format),
        access_log=False,
        http=GuardedHTTP,
        timeout_keep_alive=settings.keep_alive_timeout,
        limit_concurrency=settings.max_connections,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
    )


def run_api(
    settings: Settings,
    host: str,
    port: int,
    workers: int = 1,
    app: Any = None,
    log_level: str = "info",
) -> int:
    """Serve until SIGTERM or SIGINT, then finish the requests in flight (for at most
    `shutdown_timeout` seconds), run the app's shutdown and return 0. A server that could
    not start (port taken, database unreachable) logs why and exits non-zero."""
    config = server_config(settings, host, port, workers, app, log_level)
    server = uvicorn.Server(config)
    with _stopping_signals(server) as received:
        if workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    if received:
        log.info("Accord stopped on %s", ", ".join(signal.Signals(s).name for s in received))
    return 0


@contextmanager
def _stopping_signals(server: uvicorn.Server) -> Iterator[list[int]]:
    """While serving, SIGTERM and SIGINT stop the server and are noted, not fatal.

    uvicorn's own handlers do the stopping while it runs, then raise the signal again
    under these; one that comes during start-up stops the server as soon as it is up.
    """
    received: list[int] = []

    def note(sig: int, _frame: Any) -> None:
        received.append(sig)
        server.should_exit = True

    stops = (signal.SIGTERM, signal.SIGINT)
    before = {sig: signal.signal(sig, note) for sig in stops}
    try:
        yield received
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
