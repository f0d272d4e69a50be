"""Groups and their members."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from application.access import Access
from interfaces.api.access import allow
from interfaces.api.deps import (
    AsOf,
    EffectiveAt,
    IfMatch,
    LedgerDep,
    MinPosition,
    PageDep,
    read,
    written,
)
from interfaces.api.errors import problems
from interfaces.api.schemas.common import Moment, Page
from interfaces.api.schemas.groups import (
    GroupClose,
    GroupCreate,
    GroupPublic,
    MemberAdd,
    MemberRoleChange,
    PurposeRestatement,
)

router = APIRouter(tags=["groups"])
WRITE = problems(404, 409, 412, 422)


@router.post(
    "/groups",
    status_code=201,
    response_model=GroupPublic,
    summary="Convene a group",
    description="The caller becomes the group's first convener.",
    responses=problems(409, 422),
)
def convene_group(
    body: GroupCreate,
    ledger: LedgerDep,
    access: Annotated[Access, allow("write")],
    response: Response,
) -> dict[str, Any]:
    ledger.access.require_parent(access, body.parent_group_id)
    ledger.access.require_parent(access, body.parent_group_id)
    result = ledger.groups.convene_group(
        body.name, body.kind, body.purpose, body.parent_group_id, body.effective_at
    )
    response.headers["Location"] = f"/groups/{result.id}"
    return written(response, ledger.records.get_group(result.id, result.version), result)


@router.get("/groups", response_model=Page, summary="List groups", responses=problems(404, 422))
def list_groups(
    ledger: LedgerDep,
    access: Annotated[Access, allow("read")],
    page: PageDep,
    parent_group_id: Annotated[
        str | None, Query(description="Only sub-groups of this group.")
    ] = None,
) -> dict[str, Any]:
    return ledger.records.list_records(
        "group",
        parent_group_id,
        page.status,
        page.cursor,
        page.limit,
        visible=access.visible_groups(),
    )


@router.get(
    "/groups/{group_id}", response_model=GroupPublic, summary="Get a group", responses=problems(404)
)
def get_group(
    group_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "group", "group_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> dict[str, Any]:
    return read(
        response, ledger.records.get_record("group", group_id, as_of, effective_at, min_position)
    )


@router.post(
    "/groups/{group_id}/purpose",
    response_model=GroupPublic,
    summary="Restate the purpose",
    responses=WRITE,
)
def restate_purpose(
    group_id: str,
    body: PurposeRestatement,
    ledger: LedgerDep,
    _: Annotated[Access, allow("convene", "group", "group_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.groups.restate_purpose(
        group_id, body.purpose, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_group(result.id, result.version), result)


@router.post(
    "/groups/{group_id}/members",
    status_code=201,
    response_model=GroupPublic,
    summary="Add a member in a role",
    responses=WRITE,
)
def add_member(
    group_id: str,
    body: MemberAdd,
    ledger: LedgerDep,
    _: Annotated[Access, allow("convene", "group", "group_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.groups.add_member(
        group_id, body.person_id, body.role, body.effective_at, expected_version=version
    )
    response.headers["Location"] = f"/groups/{result.id}"
    return written(response, ledger.records.get_group(result.id, result.version), result)


@router.post(
    "/groups/{group_id}/members/{person_id}/role",
    response_model=GroupPublic,
    summary="Change a member's role",
    responses=WRITE,
)
def change_role(
    group_id: str,
    person_id: str,
    body: MemberRoleChange,
    ledger: LedgerDep,
    _: Annotated[Access, allow("convene", "group", "group_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.groups.change_member_role(
        group_id, person_id, body.role, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_group(result.id, result.version), result)


@router.delete(
    "/groups/{group_id}/members/{person_id}",
    response_model=GroupPublic,
    summary="Record that a member left",
    description="Nothing is deleted: a MemberLeft event is recorded.",
    responses=WRITE,
)
def remove_member(
    group_id: str,
    person_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("convene", "group", "group_id", "person_id")],
    version: IfMatch,
    response: Response,
    effective_at: Annotated[
        Moment | None,
        Query(description="When the member left, with a time-zone offset; defaults to now."),
    ] = None,
) -> dict[str, Any]:
    result = ledger.groups.remove_member(
        group_id, person_id, effective_at, expected_version=version
    )
    return written(response, ledger.records.get_group(result.id, result.version), result)


@router.post(
    "/groups/{group_id}/close",
    response_model=GroupPublic,
    summary="Close the group",
    responses=WRITE,
)
def close_group(
    group_id: str,
    body: GroupClose,
    ledger: LedgerDep,
    _: Annotated[Access, allow("convene", "group", "group_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.groups.close_group(
        group_id, body.reason, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_group(result.id, result.version), result)
