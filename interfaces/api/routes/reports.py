"""Reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from application.access import Access
from interfaces.api.access import allow
from interfaces.api.deps import AsOf, LedgerDep, MinPosition
from interfaces.api.errors import problems
from interfaces.api.schemas.common import Moment
from interfaces.api.schemas.reports import AccountabilityReport

router = APIRouter(tags=["reports"])


@router.get(
    "/reports/accountability",
    response_model=AccountabilityReport,
    summary="Accountability report for a group, a group and its sub-groups, or the whole ledger",
    description="Over [from, to] (default: the year to now), as known at as_of (default: now), "
    "with a time series at the chosen interval. Every figure is defined in docs/metrics.md.",
    responses=problems(404, 422),
)
def accountability_report(
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
) -> dict[str, Any]:
    return ledger.reports.accountability_report(
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
