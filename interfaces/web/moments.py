"""The console's time settings: days in the address bar, read as moments in UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta


@dataclass
class TimeSettings:
    """ "In effect on" a day and, optionally, "as the ledger knew it on" a day."""

    on: date | None = None
    known: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def effective_at(self) -> datetime | None:
        """The end of the chosen day: what took effect during it counts."""
        day = self.on or self.known
        return end_of(day) if day else None

    @property
    def as_of(self) -> datetime | None:
        return end_of(self.known) if self.known else None

    @property
    def in_the_past(self) -> bool:
        today = datetime.now(UTC).date()
        return any(day is not None and day < today for day in (self.on, self.known))

    def query(self, on: date | None = None) -> str:
        """The query string for these settings (with another "in effect on" day, if given)."""
        parts = []
        day = on or self.on
        if day:
            parts.append(f"on={day.isoformat()}")
        if self.known:
            parts.append(f"known={self.known.isoformat()}")
        return "?" + "&".join(parts) if parts else ""

    def earlier(self) -> list[tuple[str, str]]:
        """Links to the same view a month, a quarter and a year earlier."""
        base = self.on or self.known or datetime.now(UTC).date()
        steps = (("a month earlier", 30), ("a quarter earlier", 91), ("a year earlier", 365))
        return [(label, self.query(base - timedelta(days=days))) for label, days in steps]


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def read_day(value: str | None, name: str, errors: dict[str, str]) -> date | None:
    """A day from a form field (year-month-day); a bad one is None, with a message for its
    field in `errors`."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[name] = "Enter a date as year-month-day, for example 2026-03-01."
        return None
    if not 2 <= day.year <= 9998:
        errors[name] = "Enter a date between the years 2 and 9998."
        return None
    return day


def read_time_settings(on: str | None, known: str | None) -> TimeSettings:
    """Parse the two days; a bad one is left out, with a message for its field."""
    settings = TimeSettings()
    settings.on = read_day(on, "on", settings.errors)
    settings.known = read_day(known, "known", settings.errors)
    if settings.known and settings.known > datetime.now(UTC).date():
        settings.errors["known"] = "The ledger cannot know the future: choose today or earlier."
        settings.known = None
    return settings
