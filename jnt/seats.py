"""In-person seats: one counter row, changed only by conditional UPDATEs."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from .models import IN_PERSON_COUNTER, SeatCounter, db


@dataclass(frozen=True)
class SeatStatus:
    capacity: int
    taken: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def full(self) -> bool:
        return self.remaining == 0


def status() -> SeatStatus:
    """Seats taken and left, read from the counter (the one per-request query of the event page)."""
    taken = db.session.scalar(select(SeatCounter.taken).where(SeatCounter.name == IN_PERSON_COUNTER)) or 0
    return SeatStatus(current_app.config["IN_PERSON_CAPACITY"], taken)


def take() -> bool:
    """Take one seat if one is free; the UPDATE's row count decides, atomically."""
    result = db.session.execute(
        update(SeatCounter)
        .where(SeatCounter.name == IN_PERSON_COUNTER, SeatCounter.taken < current_app.config["IN_PERSON_CAPACITY"])
        .values(taken=SeatCounter.taken + 1)
    )
    return result.rowcount == 1


def release() -> None:
    """Give one seat back (cancellation, switch to remote)."""
    db.session.execute(
        update(SeatCounter)
        .where(SeatCounter.name == IN_PERSON_COUNTER, SeatCounter.taken > 0)
        .values(taken=SeatCounter.taken - 1)
    )


def take_beyond_capacity() -> None:
    """Take one seat past the capacity: an organiser's explicit choice at the entrance, the room allowing it.

    The counter keeps counting everyone confirmed in person, so a later cancellation frees a seat
    only once the count is back under the capacity.
    """
    db.session.execute(
        update(SeatCounter).where(SeatCounter.name == IN_PERSON_COUNTER).values(taken=SeatCounter.taken + 1)
    )
