"""ChainAdoption: an operator's record that events without a chain link were adopted into it."""

from __future__ import annotations

from domain.base import AccordAggregate, AccordError, Created, InvalidInput, require_text


class ChainAdoptionError(AccordError):
    """A rule about adopting unlinked events was broken."""


class NothingToAdopt(ChainAdoptionError):
    """Every event is linked already: there is nothing to adopt."""


class ChainAdoption(AccordAggregate):
    """Positions first..last, stored without a link, taken into the hash chain on purpose.

    Recorded before they are linked, and linked with them, so that the record of who
    adopted which positions, and why, is itself covered by the chain.
    """

    TOPIC = "accord.ChainAdoption"

    class Adopted(AccordAggregate.Event, Created):
        TOPIC = "accord.ChainAdoption.Adopted"
        first_position: int
        last_position: int
        reason: str

    def __init__(self, first_position: int, last_position: int, reason: str) -> None:
        self.first_position = first_position
        self.last_position = last_position
        self.reason = reason

    @classmethod
    def adopt(cls, first_position: int, last_position: int, reason: str) -> ChainAdoption:
        if not 0 < first_position <= last_position:
            raise InvalidInput("positions must run from one to a later or the same one")
        return cls(first_position, last_position, require_text(reason, "reason", 500))
