"""The synthetic ledger's shape: its length of history, number of groups, bounds on what a
group has in force, and how often each step happens."""

from __future__ import annotations

import math
from datetime import timedelta

TAIL = timedelta(days=30)  # the history ends about this long ago
BATCH = 1000  # events per ledger.save()
EVENTS_PER_GROUP_YEAR = 1000
MAX_YEARS = 5
REGION = 20  # groups per region, each region with its own organisations
MAX_MEMBERS = 28
MAX_PROPOSED = 20
MAX_AGREED = 40
MAX_OPEN_CONFLICTS = 15
MAX_PRINCIPLES = 12
MAX_ACCOUNTABILITIES = 30


def years_for(target: int) -> int:
    """1 year of history at 10,000 events, one more for each tenfold, at most MAX_YEARS."""
    return max(1, min(MAX_YEARS, 1 + round(math.log10(max(target, 10_000) / 10_000))))


def groups_for(target: int) -> int:
    return max(4, round(target / (EVENTS_PER_GROUP_YEAR * years_for(target))))


# Steps and their relative frequency; a step whose preconditions do not hold records nothing.
STEPS: dict[str, float] = {
    "join": 4.0,
    "leave": 1.8,
    "change_role": 1.2,
    "restate_purpose": 0.3,
    "propose_decision": 10.0,
    "agree_decision": 8.0,
    "reject_decision": 1.0,
    "withdraw_decision": 1.0,
    "revoke_decision": 1.5,
    "raise_conflict": 4.0,
    "acknowledge_conflict": 4.0,
    "add_note": 10.0,
    "resolve_conflict": 3.0,
    "escalate_conflict": 0.4,
    "withdraw_conflict": 0.6,
    "propose_principle": 1.2,
    "respond_to_principle": 5.0,
    "agree_principle": 1.0,
    "amend_principle": 1.0,
    "retire_principle": 0.6,
    "define_accountability": 1.5,
    "offer_handover": 4.0,
    "accept_handover": 3.2,
    "decline_handover": 0.5,
    "withdraw_handover": 0.4,
    "return_accountability": 0.6,
    "retire_accountability": 0.8,
    "register_person": 0.4,
    "change_affiliation": 0.6,
    "rename_organisation": 0.05,
}
