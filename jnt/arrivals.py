"""Arrivals on the day: checking people in (a seat for whoever comes), walk-ins, and the tally.

Each change runs inside the caller's `with write():`. A waiting or remote person who turns up
gets a seat by the same conditional UPDATE as a registration (seats.take()); when none is free,
only an organiser's explicit choice (the room allows it) checks them in beyond the capacity,
and that check-in is marked so that the dashboard counts it apart. Nothing here sends an e-mail:
the person is at the door, and a walk-in's address, if any, has not been proven.
"""

import enum
from dataclasses import dataclass

from sqlalchemy import func, select

from . import seats
from .models import CONFIRMED, IN_PERSON, Registration, db, utcnow

EXPECTED = (Registration.mode == IN_PERSON, Registration.status == CONFIRMED)


class Outcome(enum.Enum):
    CHECKED_IN = "checked-in"
    ALREADY = "already"
    NO_SEAT = "no-seat"


def _seat(beyond_capacity: bool) -> bool | None:
    """Take a free seat (False), else one beyond the capacity when allowed (True); None: no seat."""
    if seats.take():
        return False
    if beyond_capacity:
        seats.take_beyond_capacity()
        return True
    return None


def check_in(person: Registration, beyond_capacity: bool = False) -> Outcome:
    """Record the arrival; a person without a seat takes a free one, or one beyond the capacity if allowed."""
    if person.checked_in_at is not None:
        return Outcome.ALREADY
    if not (person.mode == IN_PERSON and person.status == CONFIRMED):
        over = _seat(beyond_capacity)
        if over is None:
            return Outcome.NO_SEAT
        person.mode, person.status, person.queued_at, person.over_capacity = IN_PERSON, CONFIRMED, None, over
    person.checked_in_at = utcnow()
    db.session.flush()
    return Outcome.CHECKED_IN


def add_walk_in(
    first_name: str, last_name: str, organisation: str, email: str | None, beyond_capacity: bool = False
) -> Registration | None:
    """Add someone not registered, checked in on a seat; None when no seat is free and none beyond is allowed."""
    over = _seat(beyond_capacity)
    if over is None:
        return None
    person = Registration(
        first_name=first_name, last_name=last_name, organisation=organisation, email=email,
        structure_type="", job_title="", mode=IN_PERSON, status=CONFIRMED,
        walk_in=True, over_capacity=over, checked_in_at=utcnow(),
    )  # fmt: skip
    db.session.add(person)
    db.session.flush()
    return person


@dataclass(frozen=True)
class Tally:
    """Arrivals against the people expected in person; walk-ins and check-ins beyond capacity counted apart."""

    present: int
    expected: int
    walk_ins: int
    over_capacity: int


def tally() -> Tally:
    """The arrival figures, in one query."""
    present = func.count(Registration.checked_in_at)
    walk_ins = func.count().filter(Registration.walk_in)
    beyond = func.count().filter(Registration.over_capacity)
    row = db.session.execute(select(present, func.count(), walk_ins, beyond).where(*EXPECTED)).one()
    return Tally(*row)
