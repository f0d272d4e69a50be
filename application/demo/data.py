"""The Living Well story as data: its cast, its routine business and its script of steps by
day (living_well.json), read once."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

SPAN_DAYS = 1000  # the story's effective times start this many days before its end
LAST_DAY = SPAN_DAYS - 2  # the last day anything takes effect, so nothing lies in the future
REPORT_FROM_DAY = 30  # by then the first accountabilities are all defined


def load() -> dict[str, Any]:
    """The story's data file, parsed."""
    text = files("application.demo").joinpath("living_well.json").read_text(encoding="utf-8")
    story: dict[str, Any] = json.loads(text)
    return story


STORY = load()
