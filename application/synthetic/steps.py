"""Every step of the synthetic ledger by its name in shape.STEPS."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from application.synthetic import accountabilities, conflicts, decisions, people, principles
from application.synthetic.shape import STEPS
from application.synthetic.work import GroupWork

if TYPE_CHECKING:
    from application.synthetic.generator import Generator

Step = Callable[["Generator", GroupWork], None]
STEP_FUNCTIONS: dict[str, Step] = {
    name: getattr(module, name)
    for name in STEPS
    for module in (people, decisions, conflicts, principles, accountabilities)
    if hasattr(module, name)
}
assert set(STEP_FUNCTIONS) == set(STEPS)
