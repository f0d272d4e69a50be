"""Dependencies every route shares: the ledger, the authenticated caller, If-Match, pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.core import Written
from application.keys import Caller
from application.ledger import Ledger
from domain.base import InvalidInput, current_actor
from interfaces.api import limits
from interfaces.api.observe import note_key
from interfaces.api.schemas.common import Moment

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer acc_...`")


def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


async def authenticated(
    ledger: LedgerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    request: Request,
) -> Caller:
    """The caller behind the bearer key; also the actor recorded on every event.

    Async on purpose: the ContextVar is set in the request's own context, which the
    thread running the (sync) route then copies; a sync dependency would set it in a
    throw-away copy.
    """
    secret = credentials.credentials if credentials else None
    caller = await run_in_threadpool(ledger.keys.authenticate, secret)
    note_key(request, caller.key_id)
    limits.throttle(request, caller.key_id)  # 429 once this key is over its rate
    current_actor.set(caller.person_id)
    return caller


CallerDep = Annotated[Caller, Depends(authenticated)]


def _etag_header(schema: dict[str, Any]) -> None:
    """Document If-Match as the text `if_match` accepts (a header is never JSON null)."""
    schema.pop("anyOf", None)
    schema.update(type="string", pattern=r'^(\*|(W/)?"?[0-9]+"?)$')


def if_match(
    if_match: Annotated[
        str | None,
        Header(
            description='The version you last read, as its ETag (e.g. `"3"`); 412 if stale.',
            json_schema_extra=_etag_header,
        ),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput('If-Match must be a version ETag such as "3"', "If-Match")
    return int(text)


IfMatch = Annotated[int | None, Depends(if_match)]

# On a record, `as_of` alone is the record as last recorded by then; on a group's state it
# also sets the effective moment. Each parameter says which (docs/time.md, "Reading the past").
AsOf = Annotated[
    Moment | None,
    Query(
        description="Transaction time: the record as the ledger last recorded it by this "
        "moment. Alone, it does not set an effective moment: changes recorded by then that "
        "take effect later (future-dated) are shown. With effective_at: what the ledger "
        "said at this moment about effective_at."
    ),
]
EffectiveAt = Annotated[
    Moment | None,
    Query(
        description="Valid time: the version of the record in effect at this moment, by "
        "what is known now (or at as_of, if given)."
    ),
]
StateAsOf = Annotated[
    Moment | None,
    Query(
        description="Transaction time: what the ledger knew at this moment. Alone, it also "
        "sets effective_at to the same moment: the state in effect then, as known then "
        "(changes future-dated beyond it are not shown)."
    ),
]
StateEffectiveAt = Annotated[
    Moment | None,
    Query(
        description="Valid time: the state in effect at this moment, by what is known now "
        "(or at as_of, if given). Defaults to as_of, or now."
    ),
]

MinPosition = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**62,
        description="Wait (a few seconds at most) until the read models include this ledger "
        "position, e.g. one a write returned; 503 with Retry-After if they do not in time. "
        "A position beyond the newest event in the ledger is refused at once with 422.",
    ),
]


class PageParams:
    def __init__(
        self,
        status: Annotated[
            str | None,
            Query(description="Only records in this state.", pattern="^[a-z_]{1,40}$"),
        ] = None,
        cursor: Annotated[
            str | None, Query(description="From a previous page's next_cursor.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")] = 50,
    ) -> None:
        self.status = status
        self.cursor = cursor
        self.limit = limit


PageDep = Annotated[PageParams, Depends()]


def etag(version: int) -> str:
    return f'"{version}"'


def written(response: Response, record: dict[str, Any], result: Written) -> dict[str, Any]:
    """The body of a write response: the record as of this write, its ETag and the position."""
    response.headers["ETag"] = etag(result.version)
    response.headers["X-Accord-Position"] = str(result.position)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return {**record, **(result.extra or {}), "position": result.position}


def read(response: Response, record: dict[str, Any]) -> dict[str, Any]:
    response.headers["ETag"] = etag(int(record["version"]))
    return record
