"""Names beside ids in the API's answers: who recorded each event, who each member is.

A forgotten person reads as "Forgotten person" (application.directory); nothing else of
their personal data appears.
"""

from __future__ import annotations

import functools
from typing import Any

from application.access import Access
from application.ledger import Ledger


def _namer(ledger: Ledger, access: Access) -> Any:
    """Names of the people the caller may see (who share a group with them, or everyone for
    administrators and auditors); None for anyone else, as for no one."""
    return ledger.directory.names_for(functools.partial(ledger.access.sees_person, access))


def with_recorders(ledger: Ledger, access: Access, page: dict[str, Any]) -> dict[str, Any]:
    """Each event of a page with the name of the person who recorded it."""
    name = _namer(ledger, access)
    for item in page["items"]:
        item["recorded_by_name"] = name(item.get("recorded_by"))
    return page


def with_member_names(ledger: Ledger, access: Access, state: dict[str, Any]) -> dict[str, Any]:
    """A group's state with each member's name."""
    name = _namer(ledger, access)
    state["members"] = [{**m, "name": name(m["person_id"])} for m in state["members"]]
    return state
