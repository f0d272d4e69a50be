"""The guard every route declares: which action, on which record, taken from which path part.

Authorization is decided in one place, `application.access.AccessPolicy.authorize`; a
route names its guard with `allow(...)`, and the authorization tests read these
declarations from the app's own route table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from application import checks
from application.access import Access, Action
from interfaces.api.deps import CallerDep, LedgerDep


@dataclass(frozen=True)
class Policy:
    """What a route's guard checks: `action` on the record of `kind` named by `param`."""

    action: Action
    kind: str | None = None
    param: str | None = None
    # A path part naming the person the action is about (e.g. someone leaving a group).
    subject: str | None = None


def allow(
    action: Action, kind: str | None = None, param: str | None = None, subject: str | None = None
) -> Any:
    """A dependency that authenticates the caller and checks the policy; yields their Access."""
    policy = Policy(action, kind, param, subject)

    async def guard(request: Request, ledger: LedgerDep, caller: CallerDep) -> Access:
        path = request.path_params
        access = await run_in_threadpool(
            ledger.access.authorize,
            caller,
            policy.action,
            policy.kind,
            path.get(policy.param) if policy.param else None,
            path.get(policy.subject) if policy.subject else None,
        )
        # What the route's command may let the body name: records of the groups the caller
        # sees (set here, in the request's own context, as the actor is; see deps).
        checks.visible_groups.set(access.visible_groups())
        return access

    guard.policy = policy  # type: ignore[attr-defined]
    return Depends(guard)


def policy_of(call: Any) -> Policy | None:
    """The policy a dependency enforces, if it is a guard."""
    return getattr(call, "policy", None)


Reader = Annotated[Access, allow("read")]
Own = Annotated[Access, allow("own")]
