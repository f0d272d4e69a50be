"""Reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from application.access import Access
from interfaces.api.access import allow
from interfaces.api.deps import AsOf, LedgerDep, MinPosition
from interfaces.api.documents import DOCUMENT_RESPONSES, report_document, wanted
from interfaces.api.errors import problems
from interfaces.api.schemas.common import Moment
from interfaces.api.schemas.reports import AccountabilityReport
from interfaces.reports.tables import TABLE_NAMES

Table = Literal[TABLE_NAMES]  # type: ignore[valid-type]

router = APIRouter(tags=["reports"])


@router.get(
    "/reports/accountability",
    response_model=AccountabilityReport,
    summary="Accountability report for a group, a group and its sub-groups, or the whole ledger",
    description="Over [from, to] (default: the year to now), as known at as_of (default: now), "
    "with a time series at the chosen interval. Every figure is defined in docs/metrics.md.",
    responses={**problems(404, 422), **DOCUMENT_RESPONSES},
)
def accountability_report(
    request: Request,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read")],
    group: Annotated[
        str | None, Query(max_length=64, description="A group's id; omit for the whole ledger.")
    ] = None,
    include_subgroups: Annotated[
        bool, Query(description="Include sub-groups at any depth.")
    ] = False,
    from_: Annotated[Moment | None, Query(alias="from", description="Start of the period.")] = None,
    to: Annotated[Moment | None, Query(description="End of the period.")] = None,
    as_of: AsOf = None,
    interval: Annotated[Literal["week", "month", "quarter"], Query()] = "month",
    pending_days: Annotated[
        int, Query(ge=0, le=36500, description="Offers pending longer than this are listed.")
    ] = 14,
    unchanged_days: Annotated[
        int, Query(ge=0, le=36500, description="Holders unchanged longer than this are listed.")
    ] = 90,
    holding_on: Annotated[
        int, Query(ge=1, le=1000, description="Threshold for holders never handing over.")
    ] = 3,
    min_position: MinPosition = None,
    table: Annotated[
        Table, Query(description="With `Accept: text/csv`: which of the report's tables.")
    ] = "summary",
) -> dict[str, Any] | Response:
    found = ledger.reports.accountability_report(
        group,
        include_subgroups,
        from_,
        to,
        as_of,
        interval,
        pending_days,
        unchanged_days,
        holding_on,
        min_position,
        visible=access.visible_groups(),
    )
    media = wanted(request)
    return found if media is None else report_document(media, ledger, found, table)
