"""Organisations and people."""

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
from interfaces.api.schemas.common import Page
from interfaces.api.schemas.organisations import (
    AffiliationChange,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationRename,
    OrganisationSectorChange,
    PeoplePage,
    PersonCreate,
    PersonForget,
    PersonPublic,
)

router = APIRouter(tags=["organisations and people"])


@router.post(
    "/organisations",
    status_code=201,
    response_model=OrganisationPublic,
    summary="Register an organisation",
    responses=problems(422),
)
def register_organisation(
    body: OrganisationCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "organisation")],
    response: Response,
) -> dict[str, Any]:
    result = ledger.organisations.register_organisation(body.name, body.sector)
    response.headers["Location"] = f"/organisations/{result.id}"
    return written(response, ledger.records.get_organisation(result.id, result.version), result)


@router.get(
    "/organisations", response_model=Page, summary="List organisations", responses=problems(422)
)
def list_organisations(
    ledger: LedgerDep, _: Annotated[Access, allow("read", "organisation")], page: PageDep
) -> dict[str, Any]:
    return ledger.records.list_records("organisation", None, page.status, page.cursor, page.limit)


@router.get(
    "/organisations/{organisation_id}",
    response_model=OrganisationPublic,
    summary="Get an organisation",
    responses=problems(404),
)
def get_organisation(
    organisation_id: str,
    ledger: LedgerDep,
    _: Annotated[Access, allow("read", "organisation", "organisation_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> dict[str, Any]:
    return read(
        response,
        ledger.records.get_record(
            "organisation", organisation_id, as_of, effective_at, min_position
        ),
    )


@router.post(
    "/organisations/{organisation_id}/rename",
    response_model=OrganisationPublic,
    summary="Rename an organisation",
    responses=problems(404, 412, 422),
)
def rename_organisation(
    organisation_id: str,
    body: OrganisationRename,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "organisation", "organisation_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.organisations.rename_organisation(
        organisation_id, body.name, expected_version=version
    )
    return written(response, ledger.records.get_organisation(result.id, result.version), result)


@router.post(
    "/organisations/{organisation_id}/sector",
    response_model=OrganisationPublic,
    summary="Change an organisation's sector",
    responses=problems(404, 412, 422),
)
def change_sector(
    organisation_id: str,
    body: OrganisationSectorChange,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "organisation", "organisation_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.organisations.change_organisation_sector(
        organisation_id, body.sector, expected_version=version
    )
    return written(response, ledger.records.get_organisation(result.id, result.version), result)


@router.post(
    "/people",
    status_code=201,
    response_model=PersonPublic,
    summary="Register a person",
    description="Names and emails are personal data and are held only in the person's own record.",
    responses=problems(422),
)
def register_person(
    body: PersonCreate,
    ledger: LedgerDep,
    _: Annotated[Access, allow("register")],
    response: Response,
) -> dict[str, Any]:
    result = ledger.people.register_person(body.name, body.email, body.organisation_id)
    response.headers["Location"] = f"/people/{result.id}"
    return written(response, ledger.records.get_person(result.id, result.version), result)


@router.get(
    "/people",
    response_model=PeoplePage,
    summary="Find people by name and organisation",
    description="The people the caller may see: everyone for an administrator or auditor, "
    "otherwise the caller and the people who share a group with them now. Oldest "
    "registration first, in pages (`cursor`, `limit`). `q` keeps those whose name contains "
    'it, ignoring case; a forgotten person is listed as "Forgotten person" and never '
    "matched by their old name. Names are sealed in each person's own events, so a search "
    "reads the people the caller may see one pass at a time (see the README).",
    responses=problems(422),
)
def list_people(
    ledger: LedgerDep,
    access: Annotated[Access, allow("read")],
    q: Annotated[
        str | None,
        Query(max_length=100, description="Part of the name, any case.", examples=["riv"]),
    ] = None,
    organisation_id: Annotated[
        str | None,
        Query(max_length=64, description="Only people who belong to this organisation now."),
    ] = None,
    cursor: Annotated[str | None, Query(description="From a previous page's next_cursor.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (at most 200).")] = 50,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    return ledger.profiles.find_people(access, q, organisation_id, cursor, limit, min_position)


@router.get(
    "/people/{person_id}",
    response_model=PersonPublic,
    summary="Get a person",
    responses=problems(404),
)
def get_person(
    person_id: str,
    ledger: LedgerDep,
    access: Annotated[Access, allow("read", "person", "person_id")],
    response: Response,
    min_position: MinPosition = None,
    as_of: AsOf = None,
    effective_at: EffectiveAt = None,
) -> dict[str, Any]:
    record = ledger.records.get_record("person", person_id, as_of, effective_at, min_position)
    if not ledger.access.sees_contact(access, person_id):
        record["email"] = None
    return read(response, record)


@router.post(
    "/people/{person_id}/affiliation",
    response_model=PersonPublic,
    summary="Change the organisation a person belongs to",
    responses=problems(404, 412, 422),
)
def change_affiliation(
    person_id: str,
    body: AffiliationChange,
    ledger: LedgerDep,
    _: Annotated[Access, allow("write", "person", "person_id")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.people.change_affiliation(
        person_id, body.organisation_id, body.effective_at, expected_version=version
    )
    return written(response, ledger.records.get_person(result.id, result.version), result)


@router.post(
    "/people/{person_id}/forget",
    response_model=PersonPublic,
    summary="Erase a person's personal data (administrators)",
    description="Records a Forgotten event with its basis and, in the same transaction, "
    "destroys the key that seals the person's name and email and revokes their API keys. "
    "Their records and every record naming them still replay; the person then reads as "
    '"erased person". Forgetting someone twice is a conflict (409).',
    responses=problems(404, 409, 412, 422),
)
def forget_person(
    person_id: str,
    body: PersonForget,
    ledger: LedgerDep,
    _: Annotated[Access, allow("administer")],
    version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    result = ledger.privacy.forget_person(
        person_id, body.basis, expected_version=version, effective_at=body.effective_at
    )
    return written(response, ledger.records.get_person(result.id, result.version), result)
