"""Registering someone: deadline, seat and uniqueness decided in one transaction."""

import enum
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import clock, seats
from .models import CONFIRMED, IN_PERSON, WAITING, Registration, db, utcnow

FIELDS = (
    "first_name", "last_name", "email", "organisation", "structure_type",
    "job_title", "mode", "accessibility_needs",
)  # fmt: skip


class Result(enum.Enum):
    CREATED = "created"
    RESUBMITTED = "resubmitted"  # the same form sent twice: show the first outcome
    DUPLICATE = "duplicate"
    CLOSED = "closed"


@dataclass(frozen=True)
class Outcome:
    result: Result
    registration: Registration | None = None


def register(data: dict, browser_key_hash: str | None = None) -> Outcome:
    """Store a registration, or say why not; nothing is half-stored.

    `browser_key_hash`: the hash of the registering browser's key (tokens.browser_key); a form
    already stored with the same key was sent twice, and its first outcome is the answer.
    """
    values = {k: data.get(k) for k in FIELDS}
    values["browser_key_hash"] = browser_key_hash
    values["accessibility_needs"] = values["accessibility_needs"] or ""
    wants_seat = values["mode"] == IN_PERSON
    unsafe = current_app.config.get("SEAT_RULE") == "unsafe-count"
    seat_free_by_count = seats.unsafe_precount() if unsafe and wants_seat else None
    seats.begin_write()
    try:
        # The deadline is checked inside the write transaction that would store the row.
        if not clock.registration_open():
            db.session.rollback()
            return Outcome(Result.CLOSED)
        status = CONFIRMED
        if wants_seat and unsafe:
            if seat_free_by_count:
                seats.force_take()
            else:
                status = WAITING
        elif wants_seat and not seats.take():
            status = WAITING
        registration = Registration(**values, status=status, queued_at=utcnow() if status == WAITING else None)
        db.session.add(registration)
        db.session.flush()
        for hook in current_app.extensions.get("jnt_on_register", ()):
            hook(registration)
        db.session.commit()
        return Outcome(Result.CREATED, registration)
    except IntegrityError:
        # Unique e-mail or browser key: the seat taken above is rolled back with it.
        db.session.rollback()
        if browser_key_hash:
            first = db.session.scalar(select(Registration).filter_by(browser_key_hash=browser_key_hash))
            if first is not None:
                return Outcome(Result.RESUBMITTED, first)
        return Outcome(Result.DUPLICATE)


def waiting_position(registration: Registration) -> int | None:
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
