"""`GET /events/stream`: the ledger as Server-Sent Events, for clients that follow it live.

The same events as `GET /events`, in ledger order, filtered by what the caller may see,
each sent as an SSE event whose `id` is its position: a client that reconnects with
`Last-Event-ID` (browsers' EventSource does so by itself) or `?after=` resumes after the
last position it received, with no gap and no repeat. A comment line is sent every
`ACCORD_STREAM_HEARTBEAT` seconds while nothing happens, so that proxies keep the
connection open and the client knows it is alive; at each one the key is checked again and
the caller's groups read again (a revoked key ends the stream; a group left is no longer
seen). Each API key may hold `ACCORD_STREAMS_PER_KEY` streams at once (429 beyond), and a
process `ACCORD_MAX_STREAMS` (503 beyond); streams take none of the request slots.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from application.access import Access
from application.errors import Unauthenticated
from application.ledger import Ledger
from interfaces.api.access import allow
from interfaces.api.deps import LedgerDep
from interfaces.api.errors import problems
from interfaces.api.schemas.history import HistoryItem

router = APIRouter(tags=["history"])
PATH = "/events/stream"
# How often a quiet stream looks for new events, and how many it sends at once.
POLL_SECONDS = 0.25
PAGE = 100


class Streams:
    """The streams open in this process, by key, within their bounds."""

    def __init__(self, per_key: int, total: int) -> None:
        self.per_key = per_key
        self.total = total
        self.open: Counter[str] = Counter()
        self.lock = threading.Lock()

    def take(self, key_id: str) -> None:
        with self.lock:
            if self.open[key_id] >= self.per_key:
                raise HTTPException(
                    429,
                    f"this API key holds {self.per_key} streams already: close one first",
                    headers={"Retry-After": "5"},
                )
            if sum(self.open.values()) >= self.total:
                raise HTTPException(
                    503,
                    f"this server holds {self.total} streams already; retry shortly",
                    headers={"Retry-After": "5"},
                )
            self.open[key_id] += 1

    def give_back(self, key_id: str) -> None:
        with self.lock:
            self.open[key_id] -= 1
            if self.open[key_id] <= 0:
                del self.open[key_id]


def streams_of(request: Request) -> Streams:
    found: Streams = request.app.state.streams
    return found


@router.get(
    PATH,
    summary="Follow the ledger live (Server-Sent Events)",
    description="The events of `GET /events`, as the caller may see them, as a "
    "`text/event-stream`: each event's `id` is its position, its `event` is `ledger`, its "
    "`data` the same JSON object `/events` lists. Resume after a position with the "
    "`Last-Event-ID` header (EventSource sends it when it reconnects) or `?after=`; the "
    "stream starts after `after` (0: the beginning) and never skips or repeats a "
    "position. A comment line (`: heartbeat`) comes every `ACCORD_STREAM_HEARTBEAT` "
    "seconds while nothing happens; a revoked key ends the stream at the next one. At "
    "most `ACCORD_STREAMS_PER_KEY` streams per key (429 beyond).",
    responses={
        **problems(422, 429),
        200: {
            "description": "The stream.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
    },
)
async def event_stream(
    request: Request,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read")],
    after: Annotated[int, Query(ge=0, description="Start after this position.")] = 0,
    last_event_id: Annotated[
        str | None, Header(description="The last position received, to resume after it.")
    ] = None,
) -> StreamingResponse:
    start = after
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise HTTPException(422, "Last-Event-ID must be a position (a whole number)")
        start = int(last_event_id)
    key_id = access.caller.key_id
    secret = request.headers.get("authorization", "").partition(" ")[2]
    streams = streams_of(request)
    streams.take(key_id)
    heartbeat = float(request.app.state.stream_heartbeat)

    async def events() -> AsyncIterator[str]:
        nonlocal access
        position = start
        quiet = 0.0
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                page = await run_in_threadpool(_page, ledger, position, access)
                for item in page["items"]:
                    yield _event(item)
                position = max(position, int(page["next_after"]))
                if page["items"] or position < page["head_position"]:
                    quiet = 0.0
                    continue
                await anyio.sleep(POLL_SECONDS)
                quiet += POLL_SECONDS
                if quiet >= heartbeat:
                    quiet = 0.0
                    renewed = await run_in_threadpool(_renewed, ledger, secret)
                    if renewed is None:
                        yield "event: end\ndata: the key was revoked\n\n"
                        return
                    access = renewed
                    yield ": heartbeat\n\n"
        finally:
            streams.give_back(key_id)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _page(ledger: Ledger, after: int, access: Access) -> dict[str, Any]:
    return ledger.records.event_feed(after, PAGE, access)


def _renewed(ledger: Ledger, secret: str) -> Access | None:
    """The caller's access now, or None if their key no longer works."""
    try:
        caller = ledger.keys.authenticate(secret)
    except Unauthenticated:
        return None
    return ledger.access.access_for(caller)


def _event(item: dict[str, Any]) -> str:
    """One event as SSE, its data the object `GET /events` lists (through the same model)."""
    shown = HistoryItem.model_validate(item).model_dump(mode="json")
    data = json.dumps(shown, separators=(",", ":"))
    return f"id: {item['position']}\nevent: ledger\ndata: {data}\n\n"
