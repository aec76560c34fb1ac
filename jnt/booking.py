"""Registering someone: deadline, seat and uniqueness decided in one write transaction."""

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import clock, seats, waiting_list
from .database import write
from .mail import messages
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


def store(values: dict) -> Registration:
    """Inside the caller's write: a seat (atomic rule) or a waiting-list place, the row, its confirmation e-mail.

    The caller catches the IntegrityError of an address already registered (the seat goes back with the rollback).
    """
    status = CONFIRMED
    if values["mode"] == IN_PERSON and not seats.take():
        status = WAITING
    registration = Registration(**values, status=status, queued_at=utcnow() if status == WAITING else None)
    db.session.add(registration)
    db.session.flush()
    messages.confirmation(registration, waiting_list.position(registration))
    return registration


def register(data: dict, browser_key_hash: str | None = None) -> Outcome:
    """Store a registration and queue its confirmation e-mail, or say why not; nothing is half-stored.

    `browser_key_hash`: the hash of the registering browser's key (tokens.browser_key); a form
    already stored with the same key was sent twice, and its first outcome is the answer.
    """
    values = {k: data.get(k) for k in FIELDS}
    values["browser_key_hash"] = browser_key_hash
    values["accessibility_needs"] = values["accessibility_needs"] or ""
    try:
        with write():
            # The mode's deadline is checked inside the write transaction that would store the row.
            if not clock.mode_open(values["mode"]):
                return Outcome(Result.CLOSED)
            registration = store(values)
        return Outcome(Result.CREATED, registration)
    except IntegrityError:
        # Unique e-mail or browser key: the seat taken above was rolled back with it.
        if browser_key_hash:
            first = db.session.scalar(select(Registration).filter_by(browser_key_hash=browser_key_hash))
            if first is not None:
                return Outcome(Result.RESUBMITTED, first)
        return Outcome(Result.DUPLICATE)
