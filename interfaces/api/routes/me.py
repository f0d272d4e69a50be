"""Who the caller is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from interfaces.api.deps import CallerDep
from interfaces.api.errors import problems

router = APIRouter(tags=["keys"])


@router.get("/me", summary="The person and key behind this request", responses=problems())
def me(caller: CallerDep) -> dict[str, Any]:
    return {"person_id": caller.person_id, "key_id": caller.key_id, "role": caller.role}
