"""The in-person waiting list: its order, and the changes that move seats (promotion, switch, cancellation).

Each function runs inside the caller's `with write():`, so a freed seat goes to the first
person waiting (until the promotion deadline) in the same transaction: nobody is promoted
twice and the capacity is never exceeded, whatever runs concurrently. A promotion queues its
e-mail in that transaction too.
"""

from sqlalchemy import select

from . import clock, seats, tokens
from .mail import messages
from .models import CANCELLED, CONFIRMED, IN_PERSON, REMOTE, WAITING, Registration, db, utcnow


def _holds_seat(registration: Registration) -> bool:
    return registration.mode == IN_PERSON and registration.status == CONFIRMED


def position(registration: Registration) -> int | None:
    """1-based place on the in-person waiting list (None when not waiting)."""
    if registration.status != WAITING:
        return None
    ahead = db.session.scalar(
        select(db.func.count()).where(
            Registration.mode == IN_PERSON,
            Registration.status == WAITING,
            db.tuple_(Registration.queued_at, Registration.id) < (registration.queued_at, registration.id),
        )
    )
    return ahead + 1


def next_waiting() -> Registration | None:
    """The first person on the in-person waiting list."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.mode == IN_PERSON, Registration.status == WAITING)
        .order_by(Registration.queued_at, Registration.id)
        .limit(1)
    )


def promote(registration: Registration) -> bool:
    """Give a waiting person a seat if one is free (atomic rule), and tell them; False if none is."""
    if registration.status != WAITING or not seats.take():
        return False
    registration.status = CONFIRMED
    registration.queued_at = None
    messages.promotion(registration)
    return True


def promote_next() -> Registration | None:
    """Promote the first waiting person if a seat is free."""
    first = next_waiting()
    if first is not None and promote(first):
        return first
    return None


def free_seat_of(registration: Registration) -> Registration | None:
    """Release the seat this registration holds, and give it to the next in line until PROMOTION_DEADLINE.

    After it, the seat stays free: a promotion sent that late reaches people too late to come,
    and the organisers, who see the free seats on their dashboard, give them by hand.
    """
    if not _holds_seat(registration):
        return None
    seats.release()
    return promote_next() if clock.promotion_open() else None


def switch_to_remote(registration: Registration) -> Registration | None:
    """Attend remotely; returns whoever was promoted to the freed seat."""
    promoted = free_seat_of(registration)
    registration.mode, registration.status, registration.queued_at = REMOTE, CONFIRMED, None
    db.session.flush()
    return promoted


def switch_to_in_person(registration: Registration) -> str:
    """Attend in person: a seat if one is free, else the end of the waiting list."""
    if registration.mode == IN_PERSON:
        return registration.status
    registration.mode = IN_PERSON
    if seats.take():
        registration.status = CONFIRMED
    else:
        registration.status, registration.queued_at = WAITING, utcnow()
    db.session.flush()
    return registration.status


def cancel(registration: Registration) -> Registration | None:
    """End the registration (a status, kept until purge); its links die; returns who got the seat."""
    promoted = free_seat_of(registration)
    registration.status, registration.cancelled_at, registration.queued_at = CANCELLED, utcnow(), None
    # The browser that registered finds nothing any more, and may register afresh with the same form.
    registration.browser_key_hash = None
    tokens.revoke_all(registration)
    db.session.flush()
    return promoted
