"""Who the caller is, and what they may do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from interfaces.api.access import Own
from interfaces.api.errors import problems

router = APIRouter(tags=["keys"])


@router.get(
    "/me",
    summary="The person and key behind this request, and their group roles",
    description="`role` is the key's global role (administrator, auditor or member); "
    "`groups` lists each group the person is in now, with their role there.",
    responses=problems(),
)
def me(access: Own) -> dict[str, Any]:
    caller = access.caller
    return {
        "person_id": caller.person_id,
        "key_id": caller.key_id,
        "role": caller.role,
        "groups": [
            {"group_id": group_id, "role": role} for group_id, role in sorted(access.groups.items())
        ],
    }
