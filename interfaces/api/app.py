"""Builds the FastAPI application around one Ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from application.ledger import Ledger
from application.projections.projector import ProjectorThread
from interfaces import web
from interfaces.api import errors, idempotency, limits, metrics
from interfaces.api.routes import (
    accountabilities,
    conflicts,
    decisions,
    groups,
    health,
    history,
    keys,
    me,
    organisations,
    principles,
    reports,
    stream,
)
from interfaces.api.routes import ledger as ledger_routes
from interfaces.api.routes.health import Readiness
from interfaces.bootstrap import build_ledger
from interfaces.settings import Settings

DESCRIPTION = """
Accord keeps the governance record of groups that practise distributed leadership:
decisions, conflicts, principles and accountabilities, as immutable events.

**Authentication**: every route except `/health` and `/ready` needs
`Authorization: Bearer <API key>` (create keys with `accord keys create`).
`/metrics` (Prometheus) needs an auditor's or an administrator's key, unless
`ACCORD_METRICS=open`. Every answer carries an `X-Request-ID`: the client's, if it sent a
plain one, else a new one; the server's log line for the request holds the same id.
The person behind the key is recorded as the actor of every event.

**Who may do what**: a key's role is administrator (everything), auditor (read
everything, record nothing) or member; a member's rights come from their role in each
group: convener (manage members, purpose, closing), member (record and act on the
group's records), observer (read). Someone offered a handover may see it and answer it.
Records of a group the caller is not in answer 404, as unknown ids do; a step the caller
may see but not take answers 403. Lists, `/events`, `/events/stream` and reports hold only
what the caller may see, and emails only for the person, administrators and their groups'
conveners.

**Writes** answer with the record as of the write, its `ETag` (the record's version)
and `position` (the event's place in the ledger, also in `X-Accord-Position`).
Send `If-Match: "<version>"` to make a write conditional: 412 if the record changed.
Send `Idempotency-Key: <unique value>` to make a write safe to retry: a retry with the
same key and request is answered as the first was (`Idempotent-Replayed: true`).

**Errors** are `application/problem+json`: 401 no valid key, 403 not allowed,
404 unknown id, 409 a transition the record's lifecycle forbids (`current_state` says
where it is), 412 stale `If-Match`, 422 invalid input (`errors` names each field).
"""


def create_app(settings: Settings | None = None, ledger: Ledger | None = None) -> FastAPI:
    """The API; it opens the ledger on start-up (or uses the one given) and closes it on shutdown."""

    config = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = ledger is None
        app.state.ledger = ledger or build_ledger(config)
        # Reads of the read models wait for the projector instead of projecting inline.
        app.state.ledger.inline_projection = False
        sessions = app.state.ledger.sessions
        sessions.idle = timedelta(minutes=config.session_idle_minutes)
        sessions.lifetime = timedelta(hours=config.session_hours)
        app.state.ledger.sign_in_links.lifetime = timedelta(minutes=config.sign_in_link_minutes)
        app.state.settings = config
        app.state.projector = None
        app.state.readiness = Readiness(config.ready_max_lag, config.ready_stall_seconds)
        if config.projector == "thread":
            app.state.projector = ProjectorThread(app.state.ledger.projector).start()
        try:
            yield
        finally:
            if app.state.projector is not None:
                app.state.projector.stop()
            if owned:
                app.state.ledger.close()

    # The documentation pages' scripts and styles are served by Accord (no CDN), so /docs
    # works on a network that blocks outside sites.
    app = FastAPIOffline(
        title="Accord",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url="/static/docs",
    )
    errors.install(app)
    limits.install(app, config)
    app.state.streams = stream.Streams(config.streams_per_key, config.max_streams)
    app.state.stream_heartbeat = config.stream_heartbeat
    for module in (
        health,
        me,
        keys,
        organisations,
        groups,
        decisions,
        conflicts,
        principles,
        accountabilities,
        history,
        stream,
        reports,
        ledger_routes,
    ):
        # Every route but liveness and readiness is authenticated; its writes may be retried.
        remember = [] if module is health else [Depends(idempotency.remember_request)]
        app.include_router(module.router, dependencies=remember)
    idempotency.document(app)
    # The review console: pages over the same queries and access policy.
    web.install(app)
    # Last, so that it is the outermost middleware: it times and logs all of the above.
    metrics.install(app, config)
    return app
